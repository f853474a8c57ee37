"""Regional review of target plans, told as the reviewer's story: the region's queue with its
counts and filters, approving in place and in bulk, returning and reopening with a comment,
what changed since a return, completeness per region and reminders for the overdue.

The queue's counts, filters, pages and completeness are read from the shared demo district. A test
that acts on a plan makes its own (tests/factories.py): a school in a region of its own, with its
plan taken through the workflow to the state the test needs and that region's leader to review it,
so no test depends on another having run first."""
import re
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.notifications.models import Notification
from portal.org.models import Region, School, User
from portal.targets import operations as svc
from portal.targets import workflow as plan_workflow
from portal.targets.models import PlanStatus, Target, TargetCycle, TargetPlan
from tests.conftest import PORTAL_TODAY, ROLE_EMAILS

NOT_SUBMITTED = (PlanStatus.not_started, PlanStatus.draft, PlanStatus.returned)


def is_late(status: PlanStatus, submitted_at: datetime | None, due_on: date) -> bool:
    """Overdue once the demo cycle's due date has passed: with the school, unless it was sent in by the
    due date and came back."""
    sent_on_time = submitted_at is not None and submitted_at.date() <= due_on
    return status in NOT_SUBMITTED and not (status == PlanStatus.returned and sent_on_time)
ROW_ID = re.compile(r'<tr id="plan-(\d+)"')


# ---------------------------------------------------------------- arranging plans

def user(s, role: Role) -> User:
    return s.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def region(s, code: str) -> Region:
    return s.scalar(select(Region).where(Region.code == code))


def cycle(s) -> TargetCycle:
    return s.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc()).limit(1))


def own_plan(factories, status: PlanStatus, region: Region | None = None) -> tuple[TargetPlan, str]:
    """A school of the test's own (in a region of its own unless given) with its plan in `status`,
    and the email of the regional leader who reviews it."""
    plan = factories.target_plan(factories.school(region=region), status, cycle=factories.district_cycle())
    return plan, factories.regional_leader(plan.school.region).email


@pytest.fixture
def data(app):
    """Arrange and read the database in an application context of its own, so requests made
    between two `with data() as db_:` blocks never share the test's session or flask.g."""
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


def events_of(s, plan_id: int) -> list[AuditEvent]:
    return s.scalars(select(AuditEvent).where(AuditEvent.entity == "target_plan", AuditEvent.entity_id == plan_id)
                       .order_by(AuditEvent.id)).all()


def htmx(token: str) -> dict:
    return {"HX-Request": "true", "X-CSRFToken": token}


def listed(html: str) -> set[int]:
    return {int(i) for i in ROW_ID.findall(html)}


def expected_ids(s, code: str, **where) -> set[int]:
    stmt = (select(TargetPlan.id).join(School).join(Region)
            .where(Region.code == code, TargetPlan.cycle_id == cycle(s).id))
    if "status" in where:
        stmt = stmt.where(TargetPlan.status == where["status"])
    if "level" in where:
        stmt = stmt.where(School.level == where["level"])
    if where.get("overdue"):
        due_on = cycle(s).due_on
        return {plan_id for plan_id, status, sent in s.execute(stmt.add_columns(TargetPlan.status,
                                                                                TargetPlan.submitted_at))
                if is_late(status, sent, due_on)}
    return set(s.scalars(stmt))


# ---------------------------------------------------------------- the queue

def test_the_queue_lists_only_the_leaders_region_with_counts_from_the_database(data, login_as, client):
    login_as(Role.regional_leader)
    html = client.get("/review/").get_data(as_text=True)
    with data() as s:
        central = region(s, "C")
        counts = dict(s.execute(select(TargetPlan.status, func.count()).join(School)
                                .where(School.region_id == central.id, TargetPlan.cycle_id == cycle(s).id)
                                .group_by(TargetPlan.status)).all())
        overdue = len(expected_ids(s, "C", overdue=True))
        want = expected_ids(s, "C")
        elsewhere = s.scalars(select(School.name).where(School.region_id != central.id)).all()
    assert "Target plans in Local District Central" in html
    assert f'All plans</a>: <span class="stat">{sum(counts.values())}</span>' in html
    for status in PlanStatus:
        assert f'{status.title}</a>: <span class="stat">{counts.get(status, 0)}</span>' in html, status
    assert listed(html) == want
    assert not [name for name in elsewhere if f">{escape(name)}</a>" in html]
    assert f'<span class="stat">{overdue}</span> not submitted after' in html
    done, every = counts.get(PlanStatus.submitted, 0) + counts.get(PlanStatus.approved, 0), sum(counts.values())
    assert f"{100 * done / every:.0f}%</span> ({done} of {every})" in html


@pytest.mark.parametrize("query, where", [
    ("status=submitted", {"status": PlanStatus.submitted}),
    ("status=approved", {"status": PlanStatus.approved}),
    ("level=elementary", {"level": "elementary"}),
    ("overdue=1", {"overdue": True}),
    ("level=elementary&status=approved", {"level": "elementary", "status": PlanStatus.approved}),
])
def test_filters_work_on_the_full_page_and_in_place(data, login_as, client, query, where):
    login_as(Role.regional_leader)
    full = client.get(f"/review/?{query}").get_data(as_text=True)
    partial = client.get(f"/review/?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
    with data() as s:
        want = expected_ids(s, "C", **where)
    assert "<html" in full and "<html" not in partial
    assert listed(full) == want and listed(partial) == want


def test_search_by_school_code_or_part_of_the_name(data, login_as, client, factories):
    with data() as s:
        area = factories.region()
        plans = [factories.target_plan(factories.school(region=area), status, cycle=factories.district_cycle())
                 for status in (PlanStatus.not_started, PlanStatus.submitted, PlanStatus.draft)]
        plan = plans[1]
        plan_id, code, word = plan.id, plan.school.code, plan.school.name.split()[0].lower()
        region_ids = expected_ids(s, area.code)
        named = {i for i in region_ids if word in s.get(TargetPlan, i).school.name.lower()}
        leader = factories.regional_leader(area).email
    assert len(region_ids) == 3 and plan_id in named
    login_as(Role.regional_leader, leader)
    by_code = client.get(f"/review/?q={code}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert listed(by_code) == {plan_id} and "1 plan matches your filter." in by_code
    assert listed(client.get(f"/review/?q={word}").get_data(as_text=True)) == named
    assert "No plans match" in client.get("/review/?q=zzzz-no-such-school").get_data(as_text=True)
    for wildcard in ("%", "_", "%25"):  # typed characters, found as themselves: no school name has them
        assert "No plans match" in client.get(f"/review/?q={wildcard}").get_data(as_text=True)


def test_an_admin_picks_a_region_pages_through_the_district_and_sorts(data, login_as, client):
    login_as(Role.admin)
    east = client.get("/review/?region=E").get_data(as_text=True)
    first = client.get("/review/").get_data(as_text=True)
    by_update = client.get("/review/?region=E&sort=updated").get_data(as_text=True)
    by_status = client.get("/review/?region=E&sort=status").get_data(as_text=True)
    with data() as s:
        assert listed(east) == expected_ids(s, "E") and "Target plans in Local District East" in east
        everything = set(s.scalars(select(TargetPlan.id).where(TargetPlan.cycle_id == cycle(s).id)))
        newest_first = s.scalars(select(TargetPlan.id).join(School).join(Region)
                                 .where(Region.code == "E", TargetPlan.cycle_id == cycle(s).id)
                                 .order_by(TargetPlan.updated_at.desc(), School.name, TargetPlan.id)).all()
        statuses = [s.get(TargetPlan, int(i)).status for i in ROW_ID.findall(by_status)]
    pages = -(-len(everything) // 50)
    assert pages > 1 and len(listed(first)) == 50 and f"Page 1 of {pages}" in first
    seen = listed(first)
    for page in range(2, pages + 1):
        html = client.get(f"/review/?page={page}", headers={"HX-Request": "true"}).get_data(as_text=True)
        assert f"Page {page} of {pages}" in html and not listed(html) & seen
        seen |= listed(html)
    assert seen == everything
    assert [int(i) for i in ROW_ID.findall(by_update)] == newest_first
    order = [PlanStatus.submitted, PlanStatus.returned, PlanStatus.draft, PlanStatus.not_started,
             PlanStatus.approved]
    assert statuses == sorted(statuses, key=order.index)


def test_the_queue_runs_the_same_number_of_queries_however_many_plans_it_shows(login_as, client, sql_counter):
    login_as(Role.admin)

    def queries(path):
        with sql_counter() as counted:
            assert client.get(path).status_code == 200
        return counted()

    district, page_two = queries("/review/"), queries("/review/?page=2")
    submitted = queries("/review/?status=submitted")
    central, central_late = queries("/review/?region=C"), queries("/review/?region=C&overdue=1&sort=updated")
    assert district == page_two == submitted  # a full page of 50, the next page, the submitted ones
    assert central == central_late


def test_a_principal_cannot_open_the_review_queue(login_as, client):
    login_as(Role.principal)
    assert client.get("/review/").status_code == 403
    assert client.get("/review/completeness").status_code == 403


# ---------------------------------------------------------------- approving in place and in bulk

def test_approve_in_place_returns_the_updated_row_and_writes_one_event(data, login_as, client, auth, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        plan_id, version, before = plan.id, plan.version, len(events_of(s, plan.id))
    login_as(Role.regional_leader, leader)
    token = auth.csrf("/review/")
    response = client.post(f"/review/approve/{plan_id}", data={"version": version}, headers=htmx(token))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.strip().startswith("<tr") and f'id="plan-{plan_id}"' in html
    assert '<span class="tag">Approved</span>' in html and "Approved " in html
    assert f"/review/approve/{plan_id}" not in html  # nothing left to approve
    with data() as s:
        events = events_of(s, plan_id)
        assert s.get(TargetPlan, plan_id).status == PlanStatus.approved
        assert len(events) == before + 1
        assert (events[-1].action, events[-1].from_state, events[-1].to_state) == ("approve", "submitted", "approved")
        assert events[-1].actor_role == "regional_leader"


def test_approving_a_stale_version_answers_409_with_the_conflict_and_changes_nothing(data, login_as, client, auth,
                                                                                     factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        plan_id, version, before = plan.id, plan.version, len(events_of(s, plan.id))
    login_as(Role.regional_leader, leader)
    token = auth.csrf("/review/")
    response = client.post(f"/review/approve/{plan_id}", data={"version": version - 1}, headers=htmx(token))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'id="plan-{plan_id}"' in html and "while you were working. Reload to see their change." in html
    assert '<span class="tag">Submitted</span>' in html
    with data() as s:
        plan = s.get(TargetPlan, plan_id)
        assert (plan.status, plan.version) == (PlanStatus.submitted, version)
        assert len(events_of(s, plan_id)) == before


def test_approve_without_htmx_redirects_to_the_queue_with_a_message(data, login_as, client, auth, factories):
    with data():
        plan, _ = own_plan(factories, PlanStatus.submitted)
        plan_id, version, name, code = plan.id, plan.version, plan.school.name, plan.school.region.code
    login_as(Role.admin)
    token = auth.csrf(f"/review/?region={code}")
    back = f"/review/?region={code}&status=submitted"
    response = client.post(f"/review/approve/{plan_id}", data={"version": version, "csrf_token": token,
                                                                "back": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Approved {escape(name)}&#39;s plan." in page
    again = client.post(f"/review/approve/{plan_id}", data={"version": version, "csrf_token": token})
    assert again.status_code == 303 and again.headers["Location"] == "/review/"
    # The same approval sent twice: the second is told the first was theirs.
    assert "You approved this plan in another tab or a moment ago" in client.get(again.headers["Location"]).get_data(
        as_text=True)


def test_bulk_approve_approves_only_the_submitted_plans_selected(data, login_as, client, auth, factories):
    with data() as s:
        area = factories.region()
        chosen = [own_plan(factories, PlanStatus.submitted, area)[0] for _ in range(2)]
        left_alone = own_plan(factories, PlanStatus.submitted, area)[0].id
        done_already = own_plan(factories, PlanStatus.approved, area)[0]
        ids = [p.id for p in chosen]
        picked = [f"{p.id}:{p.version}" for p in (*chosen, done_already)]
        name_done, code = done_already.school.name, area.code
    login_as(Role.admin)
    token = auth.csrf(f"/review/?region={code}")
    response = client.post("/review/bulk-approve", data={"csrf_token": token, "plan": picked, "region": code,
                                                         "status": "submitted", "level": ""})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/review/?status=submitted&region={code}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Approved 2 plans." in page
    assert f"1 could not be approved. {escape(name_done)}: This plan is approved: you cannot approve it now." in page
    with data() as s:
        assert [s.get(TargetPlan, i).status for i in ids] == [PlanStatus.approved, PlanStatus.approved]
        assert s.get(TargetPlan, left_alone).status == PlanStatus.submitted
        for plan_id in ids:
            last = events_of(s, plan_id)[-1]
            assert (last.action, last.actor_role) == ("approve", "admin")


def test_bulk_approve_with_nothing_selected_says_so(login_as, client, auth):
    login_as(Role.regional_leader)
    token = auth.csrf("/review/")
    response = client.post("/review/bulk-approve", data={"csrf_token": token, "level": "high"})
    assert response.status_code == 303 and response.headers["Location"] == "/review/?level=high"
    assert "No plans were selected." in client.get(response.headers["Location"]).get_data(as_text=True)


# ---------------------------------------------------------------- the review page

def test_the_review_page_shows_the_plan_its_targets_and_its_history(data, login_as, client, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        rows = svc.load_plan_rows(plan)
        plan_id, version, name = plan.id, plan.version, plan.school.name
        submitted = plan.submitted_at.strftime("%d %b %Y %H:%M")
        first_row = (rows[0].metric.name, rows[0].group.name) if rows else None
        n_events = len(events_of(s, plan.id))
    login_as(Role.regional_leader, leader)
    html = client.get(f"/review/plans/{plan_id}").get_data(as_text=True)
    assert f"{escape(name)}: target plan" in html and '<span class="tag">Submitted</span>' in html
    assert submitted in html
    assert first_row and escape(first_row[0]) in html and escape(first_row[1]) in html
    assert "2022-23" in html and "Guardrails" in html
    assert len(re.findall(r'<tr>\s*<th scope="row">\d\d \w\w\w \d{4} \d\d:\d\d</th>', html)) == n_events
    assert 'name="action" value="approve"' in html and 'name="action" value="return"' in html
    assert 'name="action" value="reopen"' not in html
    assert f'name="version" value="{version}"' in html
    partial = client.get(f"/review/plans/{plan_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and f"{escape(name)}: target plan" in partial


def test_return_without_a_comment_is_refused_at_the_field(data, login_as, client, auth, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        plan_id, version, before = plan.id, plan.version, len(events_of(s, plan.id))
    login_as(Role.regional_leader, leader)
    token = auth.csrf(f"/review/plans/{plan_id}")
    response = client.post(f"/review/plans/{plan_id}/decide",
                           data={"csrf_token": token, "action": "return", "comment": "   ", "version": version})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="return-comment-error"><span class="visually-hidden">Error:</span> '
                     r"Say what needs to change before the plan is returned.", html)
    assert 'aria-invalid="true"' in html
    with data() as s:
        plan = s.get(TargetPlan, plan_id)
        assert (plan.status, plan.version, len(events_of(s, plan_id))) == (PlanStatus.submitted, version, before)


def test_return_with_a_comment_sends_the_plan_back_with_the_comment(data, login_as, client, auth, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        plan_id, version = plan.id, plan.version
    login_as(Role.regional_leader, leader)
    token = auth.csrf(f"/review/plans/{plan_id}")
    comment = "Raise the English Learner targets to close the gap faster."
    response = client.post(f"/review/plans/{plan_id}/decide",
                           data={"csrf_token": token, "action": "return", "comment": comment, "version": version})
    assert response.status_code == 303 and response.headers["Location"] == f"/review/plans/{plan_id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "for revision with your comment" in page and comment in page
    assert '<span class="tag">Returned for revision</span>' in page
    with data() as s:
        last = events_of(s, plan_id)[-1]
        assert s.get(TargetPlan, plan_id).status == PlanStatus.returned
        assert (last.action, last.comment, last.to_state) == ("return", comment, "returned")
        assert "snapshot" in last.details


def test_reopening_an_approved_plan_needs_a_reason(data, login_as, client, auth, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.approved)
        plan_id, version = plan.id, plan.version
    login_as(Role.regional_leader, leader)
    page = client.get(f"/review/plans/{plan_id}").get_data(as_text=True)
    assert 'name="action" value="reopen"' in page and 'name="action" value="approve"' not in page
    token = auth.csrf(f"/review/plans/{plan_id}")
    refused = client.post(f"/review/plans/{plan_id}/decide",
                          data={"csrf_token": token, "action": "reopen", "comment": "", "version": version})
    assert refused.status_code == 422
    assert "Give the reason for reopening the approved plan." in refused.get_data(as_text=True)
    with data() as s:
        assert s.get(TargetPlan, plan_id).status == PlanStatus.approved
    done = client.post(f"/review/plans/{plan_id}/decide", data={
        "csrf_token": token, "action": "reopen", "comment": "New test data arrived.", "version": version})
    assert done.status_code == 303
    with data() as s:
        last = events_of(s, plan_id)[-1]
        assert s.get(TargetPlan, plan_id).status == PlanStatus.returned
        assert (last.action, last.comment) == ("reopen", "New test data arrived.")


def test_a_decision_on_a_stale_page_keeps_the_typed_comment(data, login_as, client, auth, factories):
    with data() as s:
        plan, _ = own_plan(factories, PlanStatus.submitted)
        plan_id, version = plan.id, plan.version
    login_as(Role.admin)
    token = auth.csrf(f"/review/plans/{plan_id}")
    response = client.post(f"/review/plans/{plan_id}/decide", data={
        "csrf_token": token, "action": "return", "comment": "Typed before someone else acted.", "version": version - 1})
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Reload to see their change." in html and "Typed before someone else acted." in html
    with data() as s:
        assert s.get(TargetPlan, plan_id).status == PlanStatus.submitted


def test_a_reviewer_adds_a_comment_to_the_thread(data, login_as, client, auth, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        plan_id, status, principal = plan.id, plan.status, factories.principal(plan.school).email
    login_as(Role.regional_leader, leader)
    token = auth.csrf(f"/review/plans/{plan_id}")
    empty = client.post(f"/review/plans/{plan_id}/comments", data={"csrf_token": token, "comment": " "})
    assert empty.status_code == 422 and "Write a comment before adding it." in empty.get_data(as_text=True)
    response = client.post(f"/review/plans/{plan_id}/comments",
                           data={"csrf_token": token, "comment": "Looks good so far; checking the SEL rows."})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Looks good so far; checking the SEL rows." in page and "Your comment is added" in page
    # The history shows a comment as a step that left the plan where it was, not a move to itself.
    assert "No change (Submitted)" in page and "Submitted → Submitted" not in page
    auth.logout()
    login_as(Role.principal, principal)
    history = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
    assert "No change (submitted)" in history and "submitted → submitted" not in history
    with data() as s:
        last = events_of(s, plan_id)[-1]
        assert (last.action, last.from_state, last.to_state) == ("comment", status.value, status.value)
        assert s.get(TargetPlan, plan_id).status == status


def test_the_review_page_shows_rows_changed_since_the_plan_was_returned(data, login_as, client, factories):
    with data() as s:
        plan, leader = own_plan(factories, PlanStatus.submitted)
        svc.decide(plan, "return", factories.regional_leader(plan.school.region), "Please look again at the first row.",
                   None)
        row = s.scalars(select(Target).where(Target.plan_id == plan.id).order_by(Target.id)).first()
        was = row.target_2026
        row.target_2026 = round((was if was is not None else row.baseline_value or 0) + 1.5, 1)
        plan_workflow.apply(plan, "edit", factories.principal(plan.school), details={"target_id": row.id})
        s.commit()
        plan_id, now = plan.id, row.target_2026
    login_as(Role.regional_leader, leader)
    html = client.get(f"/review/plans/{plan_id}").get_data(as_text=True)
    assert "1 row changed since it was returned" in html
    assert html.count("Changed since it was returned") == 2  # the summary and the row's marker
    shown = "—" if was is None else f"{was:,.1f}"
    assert f"was {shown} → now {now:,.1f}" in html


# ---------------------------------------------------------------- scope and roles

def test_another_regions_plan_is_not_found_on_every_route(data, login_as, client, auth, factories):
    with data() as s:
        plan, _ = own_plan(factories, PlanStatus.submitted)  # in a region other than the leader's Central
        plan_id, version = plan.id, plan.version
    login_as(Role.regional_leader)
    token = auth.csrf("/review/")
    assert client.get(f"/review/plans/{plan_id}").status_code == 404
    assert client.get(f"/review/plans/{plan_id}", headers={"HX-Request": "true"}).status_code == 404
    posts = [
        (f"/review/plans/{plan_id}/decide", {"action": "approve", "version": version}),
        (f"/review/plans/{plan_id}/decide", {"action": "return", "comment": "x", "version": version}),
        (f"/review/approve/{plan_id}", {"version": version}),
        (f"/review/plans/{plan_id}/comments", {"comment": "Hello from another region"}),
        ("/review/bulk-approve", {"plan": f"{plan_id}:{version}"}),
    ]
    for path, form in posts:
        assert client.post(path, data={**form, "csrf_token": token}).status_code == 404, path
        assert client.post(path, data=form, headers=htmx(token)).status_code == 404, path
    assert client.get("/review/plans/10000000").status_code == 404
    with data() as s:
        assert s.get(TargetPlan, plan_id).version == version


def test_the_superintendent_reads_but_cannot_act(data, login_as, client, auth, factories):
    with data() as s:
        plan, _ = own_plan(factories, PlanStatus.submitted)
        plan_id, version, name, code = plan.id, plan.version, plan.school.name, plan.school.region.code
    login_as(Role.superintendent)
    page = client.get(f"/review/plans/{plan_id}").get_data(as_text=True)
    assert f"{escape(name)}: target plan" in page
    assert "/decide" not in page and "/comments" not in page
    queue = client.get(f"/review/?region={code}").get_data(as_text=True)
    assert plan_id in listed(queue) and "/review/approve/" not in queue and "bulk-approve" not in queue
    token = auth.csrf("/review/")
    response = client.post(f"/review/plans/{plan_id}/decide",
                           data={"csrf_token": token, "action": "approve", "version": version})
    assert response.status_code == 403
    assert client.post("/review/remind", data={"csrf_token": token, "region": code}).status_code == 403
    with data() as s:
        assert s.get(TargetPlan, plan_id).status == PlanStatus.submitted


# ---------------------------------------------------------------- completeness and reminders

def hand_counts(s) -> dict[str, dict]:
    out: dict[str, dict] = {}
    due_on = cycle(s).due_on
    for name, status, sent in s.execute(select(Region.name, TargetPlan.status, TargetPlan.submitted_at)
                                        .join(School, School.region_id == Region.id)
                                        .join(TargetPlan, TargetPlan.school_id == School.id)
                                        .where(TargetPlan.cycle_id == cycle(s).id)):
        c = out.setdefault(name, {"plans": 0, "submitted": 0, "approved": 0, "overdue": 0})
        c["plans"] += 1
        c["submitted"] += status in (PlanStatus.submitted, PlanStatus.approved)
        c["approved"] += status == PlanStatus.approved
        c["overdue"] += is_late(status, sent, due_on)
    return out


def region_row(html: str, name: str) -> list[str]:
    match = re.search(rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(name)}</a></th>(.*?)</tr>", html, re.S)
    assert match, name
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)]


def test_completeness_per_region_equals_the_database(data, login_as, client):
    login_as(Role.superintendent)
    html = client.get("/review/completeness").get_data(as_text=True)
    with data() as s:
        counts = hand_counts(s)
    assert len(counts) == 6
    for name, c in counts.items():
        assert region_row(html, name)[:4] == [
            str(c["plans"]), f"{100 * c['submitted'] / c['plans']:.0f}% ({c['submitted']})",
            f"{100 * c['approved'] / c['plans']:.0f}% ({c['approved']})", str(c["overdue"])], name
    assert '<th scope="row">District</th>' in html and "Remind" not in html


def test_a_regional_leader_sees_only_their_regions_completeness(data, login_as, client):
    login_as(Role.regional_leader)
    html = client.get("/review/completeness").get_data(as_text=True)
    with data() as s:
        c = hand_counts(s)["Local District Central"]
    assert "Local District East" not in html and "Local District West" not in html
    assert region_row(html, "Local District Central")[:4] == [
        str(c["plans"]), f"{100 * c['submitted'] / c['plans']:.0f}% ({c['submitted']})",
        f"{100 * c['approved'] / c['plans']:.0f}% ({c['approved']})", str(c["overdue"])]


def test_remind_notifies_overdue_principals_once_a_day(data, login_as, client, auth):
    def reminders(s, people):
        return s.scalars(select(Notification).where(Notification.user_id.in_(people),
                                                    Notification.kind == "reviewer_reminder",
                                                    Notification.created_at >= today)).all()

    with data() as s:
        principals = s.execute(select(User.id, TargetPlan.status, School.name, TargetPlan.id, TargetPlan.submitted_at)
                               .join(School, User.school_id == School.id)
                               .join(TargetPlan, TargetPlan.school_id == School.id)
                               .where(User.role == Role.principal, School.region_id == region(s, "C").id,
                                      TargetPlan.cycle_id == cycle(s).id)).all()
        for note in s.scalars(select(Notification).where(Notification.user_id.in_([uid for uid, *_ in principals]),
                                                         Notification.kind == "reviewer_reminder")):
            s.delete(note)  # start the day with no reminders in the region
        s.commit()
        due_on, leader_name = cycle(s).due_on, user(s, Role.regional_leader).name
    overdue = {uid for uid, status, _, _, sent in principals if is_late(status, sent, due_on)}
    everyone = [uid for uid, *_ in principals]
    schools = {uid: (name, plan_id) for uid, _, name, plan_id, _ in principals}
    assert overdue and set(everyone) - overdue
    today = datetime.combine(date.fromisoformat(PORTAL_TODAY), time.min)
    login_as(Role.regional_leader)
    token = auth.csrf("/review/")
    response = client.post("/review/remind", data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Reminded {len(overdue)} principal{'' if len(overdue) == 1 else 's'} of overdue schools" in page
    with data() as s:
        notes = reminders(s, everyone)
        assert sorted(n.user_id for n in notes) == sorted(overdue)
        for n in notes:  # each about the principal's own school, linking to its plan
            name, plan_id = schools[n.user_id]
            assert n.subject == f"A reminder from {leader_name}: {name}'s 2024-25 targets are overdue"
            assert n.body == (f"{leader_name}, your regional leader, reminds you that {name}'s 2024-25 targets "
                              f"were due on {long_date(due_on)} and are not submitted yet. Please finish and "
                              "submit them.")
            assert (n.link, n.read_at) == (f"/targets/plans/{plan_id}", None)
    again = client.post("/review/remind", data={"csrf_token": token})
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Reminded 0 principals" in page and "already reminded today" in page
    with data() as s:
        assert len(reminders(s, everyone)) == len(overdue)


def test_an_admin_must_choose_the_region_to_remind(login_as, client, auth):
    login_as(Role.admin)
    token = auth.csrf("/review/")
    response = client.post("/review/remind", data={"csrf_token": token})
    assert response.status_code == 303
    assert "Choose a region first" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_plan_sent_in_on_time_is_not_overdue_when_it_comes_back_after_the_due_date(data, login_as, client, auth,
                                                                                      factories):
    """Two schools' plans were returned after the due date: one had been sent in on the due date, the
    other the day after. Only the late one is overdue, for its principal, in the queue and its count."""
    with data() as s:
        area = factories.region()
        cycle = factories.district_cycle()
        on_time, late = (factories.target_plan(factories.school(region=area), PlanStatus.returned, cycle=cycle)
                         for _ in range(2))
        on_time.submitted_at = datetime.combine(cycle.due_on, time(16))
        late.submitted_at = datetime.combine(cycle.due_on + timedelta(days=1), time(9))
        s.commit()
        ids = {"on_time": on_time.id, "late": late.id}
        principals = {"on_time": factories.principal(on_time.school).email,
                      "late": factories.principal(late.school).email}
        leader = factories.regional_leader(area).email
    login_as(Role.regional_leader, leader)
    queue = client.get("/review/").get_data(as_text=True)
    assert re.search(r"Overdue schools</dt><dd><span class=\"stat\">1</span>", queue)
    assert listed(client.get("/review/?overdue=1").get_data(as_text=True)) == {ids["late"]}
    for which, overdue in (("on_time", False), ("late", True)):
        auth.logout()
        login_as(Role.principal, principals[which])
        plan_page = client.get(f"/targets/plans/{ids[which]}").get_data(as_text=True)
        assert ('<span class="tag tag--warn">Overdue</span>' in plan_page) is overdue, which
        assert ("Overdue: due" in client.get("/home").get_data(as_text=True)) is overdue, which
