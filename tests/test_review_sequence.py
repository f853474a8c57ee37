"""Reviewing in sequence, told as a regional leader's story: from a plan's review page, the next plan
waiting for a decision in the queue they came from (its filters and order kept), their place in it,
and "Approve and open the next" in one step; never another region's plan, never an address off the
review pages, whatever the carried queue says.

Each test makes its own Local District (tests/factories.py) with schools whose names sort in a known
order, so the queue holds only the test's plans."""
import re
import uuid
from datetime import date, datetime, time
from urllib.parse import quote, urlsplit

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.targets.models import PlanStatus, TargetPlan
from tests.conftest import csrf_from


@pytest.fixture
def district(app, factories):
    """A Local District of its own and its leader, and a maker of plans at its schools named
    "<word> <name>" (so the names sort in the order given), each sent in on a day of September."""
    with app.app_context():
        area = factories.region()
        leader = factories.regional_leader(area).email
        code = area.code
    word = f"Seq{uuid.uuid4().hex[:6]}"

    def plans(*specs: tuple[str, str, PlanStatus, int], region=None) -> dict[str, int]:
        made = {}
        with app.app_context():
            for name, level, status, day in specs:
                school = factories.school(level, region=region or code, name=f"{word} {name}")
                plan = factories.target_plan(school, status, cycle=factories.district_cycle())
                plan.submitted_at = datetime.combine(date(2024, 9, day), time(12))
                made[name] = plan.id
            db.session.commit()
            db.session.remove()
        return made

    return {"leader": leader, "code": code, "word": word, "plans": plans}


def four_and_a_middle_school(district) -> dict[str, int]:
    """By name: Alder, Birch, Bravo (a middle school), Cedar, Dogwood, all waiting, and Elm, approved.
    Most recently sent in first: Bravo, Birch, Dogwood, Cedar, Alder."""
    return district["plans"](("Alder", "elementary", PlanStatus.submitted, 1),
                             ("Birch", "elementary", PlanStatus.submitted, 4),
                             ("Bravo", "middle", PlanStatus.submitted, 5),
                             ("Cedar", "elementary", PlanStatus.submitted, 2),
                             ("Dogwood", "elementary", PlanStatus.submitted, 3),
                             ("Elm", "elementary", PlanStatus.approved, 6))


def review_page(client, plan_id: int, queue: str = "") -> str:
    response = client.get(f"/review/plans/{plan_id}" + (f"?queue={quote(queue)}" if queue else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def next_link(html: str) -> tuple[str, str] | None:
    """The "Next plan to review" link: its address and the school it names."""
    found = re.search(r'<a href="([^"]+)">Next plan to review: ([^<]+)</a>', html)
    return (found.group(1).replace("&amp;", "&"), found.group(2)) if found else None


def approve_next(client, plan_id: int, queue: str | None, then: str = "next"):
    page = review_page(client, plan_id, queue or "")
    with_version = re.search(r'name="version" value="(\d+)"', page)
    assert with_version
    form = {"csrf_token": csrf_from(page), "action": "approve", "version": with_version.group(1), "then": then}
    if queue is not None:
        form["queue"] = queue
    return client.post(f"/review/plans/{plan_id}/decide", data=form)


def status_of(app, plan_id: int) -> PlanStatus:
    with app.app_context():
        return db.session.get(TargetPlan, plan_id).status


# ---------------------------------------------------------------- the next plan, in the queue's order

def test_the_queue_hands_its_filter_and_order_to_each_plans_review_page(login_as, client, district):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    queue = client.get("/review/?level=elementary&sort=submitted").get_data(as_text=True)
    assert f'href="/review/plans/{ids["Birch"]}?queue=level%3Delementary%26sort%3Dsubmitted"' in queue
    plain = client.get("/review/").get_data(as_text=True)
    assert f'href="/review/plans/{ids["Birch"]}"' in plain


@pytest.mark.parametrize("queue, place, following", [
    ("", "Plan 2 of 5 waiting in this list.", "Bravo"),  # by name, every level
    ("level=elementary", "Plan 2 of 4 waiting in this list.", "Cedar"),  # the middle school left out
    ("sort=submitted", "Plan 2 of 5 waiting in this list.", "Dogwood"),  # most recently sent in first
    ("level=elementary&sort=submitted", "Plan 1 of 4 waiting in this list.", "Dogwood"),
])
def test_the_next_plan_follows_the_queues_filter_and_order(login_as, client, district, queue, place, following):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    html = review_page(client, ids["Birch"], queue)
    assert place in html
    link = next_link(html)
    assert link is not None and link[1] == f'{district["word"]} {following}'
    expected = f'/review/plans/{ids[following]}' + (f"?queue={quote(queue, safe='')}" if queue else "")
    assert link[0] == expected
    assert 'name="then" value="next"' in html and "Approve and open the next" in html


def test_after_the_last_plan_in_the_order_the_first_still_waiting_is_next(login_as, client, district):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    html = review_page(client, ids["Dogwood"])
    assert "Plan 5 of 5 waiting in this list." in html
    assert next_link(html) == (f'/review/plans/{ids["Alder"]}', f'{district["word"]} Alder')


def test_a_plan_already_decided_shows_how_many_wait_and_the_next(login_as, client, district):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    html = review_page(client, ids["Elm"])
    assert "5 plans are waiting for a decision in this list." in html
    assert not re.search(r"Plan \d+ of \d+ waiting", html)
    assert next_link(html) == (f'/review/plans/{ids["Alder"]}', f'{district["word"]} Alder')


# ---------------------------------------------------------------- approve and open the next

def test_approve_and_open_the_next_approves_and_opens_the_next_waiting_plan(app, login_as, client, district):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    queue = "level=elementary&sort=submitted"
    response = approve_next(client, ids["Birch"], queue)
    assert response.status_code == 303
    assert response.headers["Location"] == f'/review/plans/{ids["Dogwood"]}?queue={quote(queue, safe="")}'
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Approved {escape(district['word'])} Birch&#39;s plan." in page
    assert f"{district['word']} Dogwood: target plan" in page
    assert "Plan 1 of 3 waiting in this list." in page
    assert next_link(page)[1] == f'{district["word"]} Cedar'
    assert status_of(app, ids["Birch"]) == PlanStatus.approved
    assert status_of(app, ids["Dogwood"]) == PlanStatus.submitted
    with app.app_context():
        last = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "target_plan",
                                                           AuditEvent.entity_id == ids["Birch"])
                                  .order_by(AuditEvent.id.desc())).first()
        assert (last.action, last.actor_role) == ("approve", "regional_leader")


def test_the_last_waiting_plan_says_so_and_approving_it_goes_back_to_the_queue(app, login_as, client, district):
    ids = district["plans"](("Alder", "elementary", PlanStatus.submitted, 1),
                            ("Birch", "elementary", PlanStatus.approved, 2))
    login_as(Role.regional_leader, district["leader"])
    html = review_page(client, ids["Alder"], "status=submitted")
    assert "Plan 1 of 1 waiting in this list." in html
    assert next_link(html) is None
    assert "No other plan in this list is waiting for a decision." in html
    assert '<a href="/review/?status=submitted">Back to the list</a>' in html
    assert "Approve and go back to the list" in html and "Approve and open the next" not in html
    response = approve_next(client, ids["Alder"], "status=submitted")
    assert response.status_code == 303 and response.headers["Location"] == "/review/?status=submitted"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Approved {escape(district['word'])} Alder&#39;s plan." in page
    assert "No other plan in this list is waiting for a decision." in page
    assert status_of(app, ids["Alder"]) == PlanStatus.approved


def test_a_stale_approve_and_open_the_next_changes_nothing_and_stays_on_the_plan(app, login_as, client, auth,
                                                                                 district):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    token = auth.csrf(f'/review/plans/{ids["Birch"]}')
    with app.app_context():
        version = db.session.get(TargetPlan, ids["Birch"]).version
    response = client.post(f'/review/plans/{ids["Birch"]}/decide', data={
        "csrf_token": token, "action": "approve", "version": version - 1, "then": "next", "queue": "sort=submitted"})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "Reload to see their change." in html
    assert 'name="queue" value="sort=submitted"' in html
    assert status_of(app, ids["Birch"]) == PlanStatus.submitted


def test_returning_still_needs_the_comment_and_keeps_the_queue(app, login_as, client, auth, district):
    ids = four_and_a_middle_school(district)
    login_as(Role.regional_leader, district["leader"])
    token = auth.csrf(f'/review/plans/{ids["Birch"]}')
    with app.app_context():
        version = db.session.get(TargetPlan, ids["Birch"]).version
    form = {"csrf_token": token, "action": "return", "version": version, "then": "next", "queue": "level=elementary"}
    refused = client.post(f'/review/plans/{ids["Birch"]}/decide', data={**form, "comment": " "})
    assert refused.status_code == 422
    assert "Say what needs to change before the plan is returned." in refused.get_data(as_text=True)
    assert status_of(app, ids["Birch"]) == PlanStatus.submitted
    done = client.post(f'/review/plans/{ids["Birch"]}/decide', data={**form, "comment": "Raise the reading rows."})
    assert done.status_code == 303
    assert done.headers["Location"] == f'/review/plans/{ids["Birch"]}?queue=level%3Delementary'
    assert status_of(app, ids["Birch"]) == PlanStatus.returned


# ---------------------------------------------------------------- scope and bad values

def test_another_regions_plan_is_never_offered_to_a_leader(app, login_as, client, factories, district):
    ids = district["plans"](("Alder", "elementary", PlanStatus.submitted, 1))
    with app.app_context():
        elsewhere = factories.region()
        other_code = elsewhere.code
    theirs = district["plans"](("Birch", "elementary", PlanStatus.submitted, 2), region=other_code)
    login_as(Role.regional_leader, district["leader"])
    for queue in ("", f"region={other_code}", f"q={district['word']}"):
        html = review_page(client, ids["Alder"], queue)
        assert "Plan 1 of 1 waiting in this list." in html, queue
        assert next_link(html) is None and f'/review/plans/{theirs["Birch"]}' not in html, queue
    response = approve_next(client, ids["Alder"], f"region={other_code}")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/review/"
    assert status_of(app, theirs["Birch"]) == PlanStatus.submitted


def test_a_district_reviewer_goes_through_the_region_the_queue_was_for(app, login_as, client, factories, district):
    ids = district["plans"](("Alder", "elementary", PlanStatus.submitted, 1),
                            ("Birch", "elementary", PlanStatus.submitted, 2))
    with app.app_context():
        other_code = factories.region().code
    district["plans"](("Azalea", "elementary", PlanStatus.submitted, 3), region=other_code)
    login_as(Role.admin)
    html = review_page(client, ids["Alder"], f"region={district['code']}")
    assert "Plan 1 of 2 waiting in this list." in html
    assert next_link(html)[1] == f'{district["word"]} Birch'


EVIL = ["https://evil.example/", "//evil.example/review/", "/\\evil.example", "javascript:alert(1)",
        "status=submitted&next=https://evil.example", "sort=https://evil.example", "region=%0d%0aLocation:evil",
        "status=submitted&" * 40, "q=" + "x" * 400, "=&=&&==", "%zz"]


@pytest.mark.parametrize("queue", EVIL)
def test_a_bad_queue_value_never_leads_off_the_review_pages(app, login_as, client, district, queue):
    ids = district["plans"](("Alder", "elementary", PlanStatus.submitted, 1),
                            ("Birch", "elementary", PlanStatus.submitted, 2))
    login_as(Role.regional_leader, district["leader"])
    html = review_page(client, ids["Alder"], queue)
    carried = re.findall(r'href="([^"]*)"', html) + re.findall(r'name="queue" value="([^"]*)"', html)
    assert carried and not [value for value in carried if "evil" in value]
    assert next_link(html) is not None
    response = approve_next(client, ids["Alder"], queue)
    location = response.headers["Location"]
    assert response.status_code == 303 and "evil" not in location
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc and parts.path.startswith("/review/")
    assert status_of(app, ids["Alder"]) == PlanStatus.approved


@pytest.mark.parametrize("then", ["https://evil.example/", "//evil.example", "", "NEXT", "approve"])
def test_any_other_then_value_approves_and_stays_on_the_plan(app, login_as, client, district, then):
    ids = district["plans"](("Alder", "elementary", PlanStatus.submitted, 1),
                            ("Birch", "elementary", PlanStatus.submitted, 2))
    login_as(Role.regional_leader, district["leader"])
    response = approve_next(client, ids["Alder"], "status=submitted", then=then)
    assert response.status_code == 303
    assert response.headers["Location"] == f'/review/plans/{ids["Alder"]}?queue=status%3Dsubmitted'
    assert status_of(app, ids["Alder"]) == PlanStatus.approved
