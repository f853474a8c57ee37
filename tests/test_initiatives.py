"""The central office side of the progress monitoring cycle, told as the people's story: the
transition table for check-ins; the cycle board with its columns, filters and in-place steps;
an office keeping its own action plans and metrics and no other office's; and one check-in
taken the whole way from the sharing session to the Board of Education through the pages.

The database is shared by the whole session, so the demo's six check-ins are only read here.
A test that moves a check-in first makes its own (tests/factories.py): a central office of its
own with an action plan, and a check-in driven through the cycle to the stage the test needs."""
import re
from types import SimpleNamespace
from uuid import uuid4

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import Office, User
from portal.progress import action_plans
from portal.progress import workflow as check_in_workflow
from portal.progress.models import BoardUpdate, CheckIn, Initiative, MetricValue, ProgressMetric, Stage
from tests.conftest import ROLE_EMAILS

G = Stage
HX = {"HX-Request": "true"}
DEMO_COLUMNS = {"tutoring": 1, "greening": 2, "iattend": 2, "connectivity": 3, "priority_schools": 3,
                "seni_staffing": 4}

# ---------------------------------------------------------------- the transition table

OFFICE = {Role.central_office, Role.admin}
SUPERINTENDENTS = {Role.superintendent, Role.admin}
EXPECTED = {
    # (stage, action): (new stage, who)
    (G.sharing, "edit"): (G.sharing, OFFICE),
    (G.sent_back, "edit"): (G.sent_back, OFFICE),
    (G.sharing, "record_sharing"): (G.sharing, OFFICE),
    (G.sent_back, "record_sharing"): (G.sent_back, OFFICE),
    (G.sharing, "submit_update"): (G.data_review, OFFICE),
    (G.sent_back, "submit_update"): (G.data_review, OFFICE),
    (G.data_review, "send_back"): (G.sent_back, SUPERINTENDENTS),
    (G.data_review, "accept_data"): (G.superintendent, SUPERINTENDENTS),
    (G.superintendent, "record_superintendent"): (G.ready, SUPERINTENDENTS),
    (G.ready, "place"): (G.board, SUPERINTENDENTS),
    (G.board, "unplace"): (G.ready, SUPERINTENDENTS),
}
ACTIONS = ["edit", "record_sharing", "submit_update", "send_back", "accept_data", "record_superintendent", "place",
           "unplace"]


@pytest.mark.parametrize("stage", list(G), ids=lambda s: s.value)
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_check_in_transition_table_for_every_stage_action_and_role(stage, action, role):
    decision = check_in_workflow.CHECK_IN.check(SimpleNamespace(stage=stage), action, SimpleNamespace(role=role))
    expected = EXPECTED.get((stage, action))
    assert decision.allowed == (expected is not None and role in expected[1])
    if expected is not None:
        assert check_in_workflow.CHECK_IN.transitions[(stage, action)][0] == expected[0]
    if not decision.allowed:
        assert decision.reason.endswith(".")  # always a sentence for the person


# ---------------------------------------------------------------- arranging

def user(s, role: Role) -> User:
    return s.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def demo_current(s, code: str) -> CheckIn:
    initiative = s.scalar(select(Initiative).where(Initiative.code == code))
    return s.scalars(select(CheckIn).where(CheckIn.initiative_id == initiative.id)
                     .order_by(CheckIn.period_end.desc()).limit(1)).first()


def events_of(s, check_in_id: int) -> list[AuditEvent]:
    s.expire_all()
    return s.scalars(select(AuditEvent).where(AuditEvent.entity == "check_in", AuditEvent.entity_id == check_in_id)
                     .order_by(AuditEvent.id)).all()


def arrange(app, factories, stage: Stage) -> dict:
    """An action plan of a central office of the test's own, with a metric by school level and one
    check-in at `stage`, moved there the way people would; the office's account logs in as `office`."""
    with app.app_context():
        check_in = factories.check_in(stage=stage)
        initiative = check_in.initiative
        return {"initiative_id": initiative.id, "metric_id": initiative.metrics[0].id, "check_in_id": check_in.id,
                "version": check_in.version, "name": initiative.name,
                "office": factories.office_user(initiative.office).email}


@pytest.fixture
def person(client, login_as, auth):
    """person(role) logs in (as the role's demo account, or `email`); then .get and .post (with the
    CSRF token, as the page's form would)."""
    class Person:
        def __init__(self, role, email=None):
            login_as(role, email)
            self.token = auth.csrf("/home")

        def get(self, url, htmx=False):
            return client.get(url, headers=HX if htmx else {})

        def post(self, url, data=None, htmx=False):
            return client.post(url, data={"csrf_token": self.token, **(data or {})}, headers=HX if htmx else {})

    return Person


def column_of(html: str, check_in_id: int) -> int | None:
    parts = re.split(r'<section class="cycle-column" id="stage-(\d)"', html)
    for number, body in zip(parts[1::2], parts[2::2], strict=True):
        if f'id="check-in-{check_in_id}"' in body:
            return int(number)
    return None


def card(html: str, check_in_id: int) -> str:
    match = re.search(rf'<li class="cycle-card[^"]*" id="check-in-{check_in_id}">(.*?)</li>', html, re.S)
    assert match, f"no card for check-in {check_in_id}"
    return match.group(1)


def text(html: str) -> str:
    """The words on the page, as a person reads them."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def form_version(html: str, action: str) -> str:
    """The version the page's form posting to `action` carries (the one its page showed)."""
    form = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    return re.search(r'name="version" value="(\d+)"', form.group(1)).group(1)


# ---------------------------------------------------------------- the cycle board

def test_the_board_shows_every_action_plan_in_the_column_of_its_stage(app, person):
    with app.app_context():
        current = {code: demo_current(db.session, code) for code in DEMO_COLUMNS}
        draft = db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                                   .order_by(BoardUpdate.meeting_date.desc())).first()
        facts = {code: (c.id, c.period, c.status.title if c.status else "No status yet",
                        c.initiative.office.name, c.initiative.priority.code) for code, c in current.items()}
    html = person(Role.superintendent).get("/cycle").get_data(as_text=True)
    for heading in ("Strategy Sharing Session", "Platform Progress Update / Data Review",
                    "Update with the Superintendent", "Update to the Board of Education"):
        assert heading in html
    for code, column in DEMO_COLUMNS.items():
        check_in_id, period, status, office, priority = facts[code]
        assert column_of(html, check_in_id) == column, code
        words = text(card(html, check_in_id))
        for fact in (period, status, office, priority):
            assert str(escape(fact)) in card(html, check_in_id) or fact in words, (code, fact)
    iattend = text(card(html, facts["iattend"][0]))
    assert "Sent back" in iattend and "as-of dates do not match" in iattend
    greening = card(html, facts["greening"][0])
    assert "Accept the data" in greening and 'name="action" value="accept_data"' in greening
    assert f"Place in {escape(draft.title)}" in card(html, facts["priority_schools"][0])
    assert "Record the superintendent&#39;s update" in card(html, facts["connectivity"][0])


def test_the_office_sees_its_own_next_step_and_no_reviewers_buttons(app, person):
    with app.app_context():
        tutoring, greening = demo_current(db.session, "tutoring").id, demo_current(db.session, "greening").id
    html = person(Role.central_office).get("/cycle").get_data(as_text=True)
    assert "Accept the data" not in html and 'value="place"' not in html
    assert "Record the sharing session" in card(html, tutoring)
    assert "Waiting for data review" in text(card(html, greening))


@pytest.mark.parametrize("query, codes", [
    ("pillar=2", {"greening", "iattend"}),
    ("office=instruction", {"tutoring"}),
    ("status=none", {"tutoring"}),
])
def test_the_board_filters_in_place_and_in_the_url(app, person, query, codes):
    with app.app_context():
        ids = {code: demo_current(db.session, code).id for code in DEMO_COLUMNS}
    reader = person(Role.superintendent)
    full = reader.get(f"/cycle?{query}")
    partial = reader.get(f"/cycle?{query}", htmx=True)
    full_html, partial_html = full.get_data(as_text=True), partial.get_data(as_text=True)
    assert "<html" in full_html and "<html" not in partial_html
    assert 'hx-push-url="true"' in full_html
    name, value = query.split("=")
    assert re.search(rf'<option value="{value}" selected', full_html), "the filter is shown as chosen"
    for html in (full_html, partial_html):
        assert "match your filter" in html
        for code, check_in_id in ids.items():
            assert (f'id="check-in-{check_in_id}"' in html) == (code in codes), (query, code)
    assert "HX-Request" in partial.headers["Vary"]


def test_the_status_filter_matches_the_current_check_ins(app, person):
    with app.app_context():
        at_risk = {c.id for c in (demo_current(db.session, code) for code in DEMO_COLUMNS)
                   if c.status and c.status.value == "at_risk"}
        others = {demo_current(db.session, code).id for code in DEMO_COLUMNS} - at_risk
    html = person(Role.admin).get("/cycle?status=at_risk", htmx=True).get_data(as_text=True)
    assert at_risk and others, "the demo has check-ins at risk and others"
    assert all(f'id="check-in-{i}"' in html for i in at_risk)
    assert not any(f'id="check-in-{i}"' in html for i in others)


def test_bad_filter_values_are_ignored(person):
    assert person(Role.central_office).get("/cycle?pillar=zz&status=purple&office=" + "x" * 300).status_code == 200


def test_the_board_runs_the_same_number_of_queries_however_many_plans_it_shows(person, sql_counter):
    reader = person(Role.superintendent)

    def queries(path):
        with sql_counter() as counted:
            assert reader.get(path).status_code == 200
        return counted()

    everything, pillar, office = queries("/cycle"), queries("/cycle?pillar=2"), queries("/cycle?office=instruction")
    partial = queries("/cycle?pillar=5")
    assert everything == pillar == office == partial


def test_accepting_the_data_in_place_moves_the_card_to_stage_three_with_one_audit_event(app, person, factories):
    plan = arrange(app, factories, G.data_review)
    reviewer = person(Role.superintendent)
    assert column_of(reviewer.get("/cycle").get_data(as_text=True), plan["check_in_id"]) == 2
    with app.app_context():
        before = len(events_of(db.session, plan["check_in_id"]))
    response = reviewer.post(f"/cycle/check-ins/{plan['check_in_id']}/advance",
                             {"action": "accept_data", "version": plan["version"], "back": "/cycle"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'hx-swap-oob="afterbegin:#stage-3-cards"' in html and f'id="check-in-{plan["check_in_id"]}"' in html
    assert "Accepted the data of" in html and "Record the superintendent&#39;s update" in html
    with app.app_context():
        events = events_of(db.session, plan["check_in_id"])
        assert len(events) == before + 1
        assert (events[-1].action, events[-1].from_state, events[-1].to_state) == \
            ("accept_data", "data_review", "superintendent")
        assert events[-1].actor_role == "superintendent"
        assert db.session.get(CheckIn, plan["check_in_id"]).stage == G.superintendent
    assert column_of(reviewer.get("/cycle").get_data(as_text=True), plan["check_in_id"]) == 3


def test_without_htmx_the_step_redirects_to_the_board_with_a_message(app, person, factories):
    plan = arrange(app, factories, G.data_review)
    reviewer = person(Role.admin)
    response = reviewer.post(f"/cycle/check-ins/{plan['check_in_id']}/advance",
                             {"action": "accept_data", "version": plan["version"], "back": "/cycle?pillar=1"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/cycle?pillar=1")
    assert "Accepted the data of" in reviewer.get("/cycle?pillar=1").get_data(as_text=True)


def test_a_stale_version_answers_409_with_who_acted_first_and_changes_nothing(app, person, factories):
    plan = arrange(app, factories, G.data_review)
    with app.app_context():
        before = len(events_of(db.session, plan["check_in_id"]))
    reviewer = person(Role.superintendent)
    response = reviewer.post(f"/cycle/check-ins/{plan['check_in_id']}/advance",
                             {"action": "accept_data", "version": plan["version"] - 1}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f'id="check-in-{plan["check_in_id"]}"' in html and 'role="alert"' in html
    assert "while you were working" in html and "Accept the data" in html  # the card, still at stage 2
    # The same on the check-in page: the message at the top, what was typed kept.
    page = reviewer.post(f"/check-ins/{plan['check_in_id']}/review",
                         {"action": "send_back", "version": plan["version"] - 1, "comment": "Please add 6-8."})
    body = page.get_data(as_text=True)
    assert page.status_code == 409
    assert body.index("while you were working") < body.index("1. Strategy sharing session")
    assert "Please add 6-8.</textarea>" in body
    with app.app_context():
        assert len(events_of(db.session, plan["check_in_id"])) == before
        assert db.session.get(CheckIn, plan["check_in_id"]).stage == G.data_review


def test_placing_in_the_draft_board_update_in_place(app, person, factories):
    plan = arrange(app, factories, G.ready)
    reviewer = person(Role.superintendent)
    html = reviewer.get("/cycle").get_data(as_text=True)
    assert column_of(html, plan["check_in_id"]) == 3
    update_id = re.search(r'name="board_update_id" value="(\d+)"', card(html, plan["check_in_id"])).group(1)
    response = reviewer.post(f"/cycle/check-ins/{plan['check_in_id']}/advance",
                             {"action": "place", "version": plan["version"], "board_update_id": update_id}, htmx=True)
    assert response.status_code == 200 and 'afterbegin:#stage-4-cards' in response.get_data(as_text=True)
    with app.app_context():
        check_in = db.session.get(CheckIn, plan["check_in_id"])
        assert check_in.stage == G.board and [u.id for u in check_in.board_updates] == [int(update_id)]


def test_the_office_may_not_take_the_reviewers_steps(app, person, factories):
    plan = arrange(app, factories, G.data_review)
    office = person(Role.central_office, plan["office"])
    assert office.post(f"/cycle/check-ins/{plan['check_in_id']}/advance",
                       {"action": "accept_data", "version": plan["version"]}, htmx=True).status_code == 403
    assert office.post(f"/check-ins/{plan['check_in_id']}/review",
                       {"action": "accept_data", "version": plan["version"]}).status_code == 403
    with app.app_context():
        assert db.session.get(CheckIn, plan["check_in_id"]).stage == G.data_review


# ---------------------------------------------------------------- an action plan's page

def test_the_action_plan_pages_show_the_march_2023_figures(app, person):
    with app.app_context():
        ids = {i.code: i.id for i in db.session.scalars(select(Initiative))}
    reader = person(Role.superintendent)
    tutoring = reader.get(f"/initiatives/{ids['tutoring']}").get_data(as_text=True)
    assert "19,613" in tutoring and "31,177" in tutoring and "54,852" in tutoring
    assert 'href="/plan/priorities/1C"' in tutoring and "1A-1" in tutoring
    assert 'role="img"' in tutoring and "<polyline" in tutoring
    assert '<th scope="col" class="num">On-Demand Homework Help</th>' in tutoring
    iattend = reader.get(f"/initiatives/{ids['iattend']}").get_data(as_text=True)
    fall_2022 = re.search(r">Fall 2022</a></th>(.*?)</tr>", iattend, re.S).group(1)
    assert "39.9%" in fall_2022 and "33.7%" in fall_2022 and "37.0%" in fall_2022
    assert "2017 baseline" in iattend and "13.6%" in iattend and "2026 goal (Measure of Success)" in iattend
    assert "12.8%" in iattend
    greening = reader.get(f"/initiatives/{ids['greening']}").get_data(as_text=True)
    assert "$11,894,670" in greening and "$50,000,000" in greening
    assert "Edit" not in text(greening).split("Measures of Success")[0]  # a reader, not the owner
    assert "Start a check-in" not in greening and "Add a progress metric" not in greening


def test_the_owning_office_sees_its_forms_and_another_office_reads_only(app, person):
    with app.app_context():
        ids = {i.code: i.id for i in db.session.scalars(select(Initiative))}
    office = person(Role.central_office)
    own = office.get(f"/initiatives/{ids['tutoring']}").get_data(as_text=True)
    assert "Add a progress metric" in own and "Start a check-in" in own
    assert f"/initiatives/{ids['tutoring']}/edit" in own
    other = office.get(f"/initiatives/{ids['greening']}").get_data(as_text=True)
    assert "$11,894,670" in other
    assert "Add a progress metric" not in other and "Start a check-in" not in other and "/edit" not in other


def test_an_office_edits_its_own_action_plan_but_no_other_offices(app, person):
    with app.app_context():
        s = db.session
        tutoring = s.scalar(select(Initiative).where(Initiative.code == "tutoring"))
        greening = s.scalar(select(Initiative).where(Initiative.code == "greening"))
        ids = {"tutoring": tutoring.id, "greening": greening.id}
        original = {"name": tutoring.name, "priority": tutoring.priority.code, "description": tutoring.description,
                    "measure": [m.code for m in tutoring.measures if m.code.startswith("1C")],
                    "extra_measures": ", ".join(m.code for m in tutoring.measures if not m.code.startswith("1C"))}
        greening_check_in = demo_current(s, "greening")
        counts = (len(greening.metrics), len(greening.check_ins), greening_check_in.version)
        greening_metric = greening.metrics[0].id
    office = person(Role.central_office)
    edit = f"/initiatives/{ids['tutoring']}/edit"
    page = office.get(edit).get_data(as_text=True)
    assert 'value="1C" selected' in page and "1A-1, 1A-2, 1D-1" in page

    def shown_version():  # the version the edit form carries now
        return form_version(office.get(edit).get_data(as_text=True), edit)
    try:
        changed = dict(original, description="Acceleration Days and tutoring for the students most in need.",
                       version=shown_version())
        response = office.post(edit, changed)
        assert response.status_code == 303
        with app.app_context():
            item = db.session.get(Initiative, ids["tutoring"])
            assert item.description == changed["description"]
            assert [m.code for m in item.measures] == ["1A-1", "1A-2", "1C-2", "1D-1"]
            assert item.office.code == "instruction"
    finally:
        assert office.post(edit, dict(original, version=shown_version())).status_code == 303
    forbidden = office.get(f"/initiatives/{ids['greening']}/edit")
    assert forbidden.status_code == 403 and "You do not have access to this page" in forbidden.get_data(as_text=True)
    assert office.post(f"/initiatives/{ids['greening']}/edit", dict(original, name="Taken over")).status_code == 403
    assert office.post(f"/check-ins/{greening_check_in.id}/save",
                       {"version": counts[2], "narrative": "Not ours", "status": "on_track"}).status_code == 403
    assert office.post(f"/initiatives/{ids['greening']}/metrics",
                       {"name": "Trees planted", "unit": "count", "direction": "up"}).status_code == 403
    assert office.post(f"/initiatives/{ids['greening']}/metrics/{greening_metric}",
                       {"name": "Renamed", "unit": "count", "direction": "up"}).status_code == 403
    assert office.post(f"/initiatives/{ids['greening']}/check-ins",
                       {"period": "Spring 2024", "period_end": "2024-03-31"}).status_code == 403
    with app.app_context():
        greening = db.session.get(Initiative, ids["greening"])
        assert (len(greening.metrics), len(greening.check_ins), demo_current(db.session, "greening").version) == counts
        assert greening.name == "Greening Projects"


def test_a_new_action_plan_is_checked_at_each_field_and_nothing_typed_is_lost(app, person):
    office = person(Role.central_office)
    with app.app_context():
        before = db.session.scalar(select(func.count(Initiative.id)))
    response = office.post("/initiatives/new", {"name": "", "priority": "9Z", "description": "Kept description",
                                                "extra_measures": "1A-1, 9Z-9"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="name-error"' in html and 'aria-invalid="true"' in html and "Give the action plan a name." in html
    assert "Choose the Priority this action plan serves." in html
    assert "9Z-9 is not a Measure of Success in the plan" in html
    assert "Kept description</textarea>" in html and 'value="1A-1, 9Z-9"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Initiative.id))) == before


def test_a_new_action_plan_gets_a_code_from_its_name_and_the_office_of_its_author(app, person, factories):
    office = person(Role.central_office)
    name = f"Summer bridge {uuid4().hex[:6]}"
    ids = []
    for _ in range(2):
        response = office.post("/initiatives/new", {"name": name, "priority": "1C", "measure": ["1C-2"],
                                                    "office": "hr", "description": "Bridge courses."})
        assert response.status_code == 303
        ids.append(int(response.headers["Location"].rsplit("/", 1)[1]))
    with app.app_context():
        first, second = (db.session.get(Initiative, i) for i in ids)
        assert first.code == action_plans.slug(name) and second.code == first.code + "_2"
        assert first.office.code == "instruction"  # a central office user always gets their own office
        assert [m.code for m in first.measures] == ["1C-2"]
        created = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "initiative",
                                                             AuditEvent.entity_id == first.id))
        assert created.action == "create"
        for made in (first, second):
            factories.adopt(made)  # removed when the test ends


def test_an_administrator_chooses_the_office(app, person, factories):
    admin = person(Role.admin)
    assert admin.post("/initiatives/new", {"name": "No office", "priority": "2D"}).status_code == 422
    response = admin.post("/initiatives/new", {"name": f"Attendance nudges {uuid4().hex[:6]}", "priority": "2D",
                                               "office": "psa", "measure": ["2D-1"]})
    assert response.status_code == 303
    with app.app_context():
        item = db.session.get(Initiative, int(response.headers["Location"].rsplit("/", 1)[1]))
        assert item.office.code == "psa"
        factories.adopt(item)


def test_changing_the_priority_keeps_the_measures_already_chosen(person):
    html = person(Role.central_office).get("/initiatives/new?priority=2D&measure=1C-2&extra_measures=1A-1",
                                           htmx=True).get_data(as_text=True)
    assert 'id="measure-2D-1"' in html and 'value="1A-1, 1C-2"' in html


# ---------------------------------------------------------------- progress metrics

def test_adding_a_metric_checks_baselines_and_targets_and_writes_nothing_half_done(app, person, factories):
    plan = arrange(app, factories, G.sharing)
    office = person(Role.central_office, plan["office"])
    url = f"/initiatives/{plan['initiative_id']}/metrics"
    bad = office.post(url, {"name": "Chronic absence", "unit": "percent", "direction": "down",
                            "breakdown": "School level", "baselines": "K-5=13.6; 6-8=abc", "targets": "12.8"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "6-8: Enter a number" in html and 'id="metric-new-baselines-error"' in html
    assert "broken down by school level: give a value for each" in html
    assert 'value="K-5=13.6; 6-8=abc"' in html  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(ProgressMetric.id))
                                 .where(ProgressMetric.initiative_id == plan["initiative_id"])) == 1
    good = office.post(url, {"name": "Chronic absence", "unit": "percent", "direction": "down",
                             "breakdown": "School level", "baselines": "K-5=13.6; 6-8=12.4",
                             "targets": "K-5=12.8; 6-8=11.6", "baseline_label": "2017 baseline",
                             "target_label": "2026 goal"})
    assert good.status_code == 303
    with app.app_context():
        metric = db.session.scalars(select(ProgressMetric).where(
            ProgressMetric.initiative_id == plan["initiative_id"]).order_by(ProgressMetric.id.desc())).first()
        assert (metric.code, metric.unit, metric.direction) == ("chronic_absence", "percent", "down")
        assert metric.baselines == {"K-5": 13.6, "6-8": 12.4} and metric.targets == {"K-5": 12.8, "6-8": 11.6}
        metric_id = metric.id

    def shown_version():  # the version the metric's form on the action plan's page carries now
        return form_version(office.get(f"/initiatives/{plan['initiative_id']}").get_data(as_text=True),
                            f"{url}/{metric_id}")
    assert office.post(f"{url}/{metric_id}", {"name": "Chronic absence", "unit": "percent", "direction": "down",
                                              "targets": "12", "version": shown_version()}).status_code == 303
    with app.app_context():
        metric = db.session.get(ProgressMetric, metric_id)
        assert metric.breakdown == "" and metric.targets == {"": 12.0}
    too_high = office.post(f"{url}/{metric_id}", {"name": "Chronic absence", "unit": "percent", "direction": "down",
                                                  "targets": "120", "version": shown_version()})
    assert too_high.status_code == 422 and f'id="metric-{metric_id}-targets-error"' in too_high.get_data(as_text=True)


def test_a_period_is_taken_once_per_action_plan(app, person, factories):
    plan = arrange(app, factories, G.sharing)
    office = person(Role.central_office, plan["office"])
    response = office.post(f"/initiatives/{plan['initiative_id']}/check-ins",
                           {"period": "spring 2031", "period_end": "2024-03-31"})
    assert response.status_code == 422
    assert "already has a check-in for spring 2031" in response.get_data(as_text=True)
    missing = office.post(f"/initiatives/{plan['initiative_id']}/check-ins", {"period": "Summer 2031"})
    assert missing.status_code == 422 and "Enter the last day of the period" in missing.get_data(as_text=True)


# ---------------------------------------------------------------- the check-in page

def test_the_check_in_page_shows_its_stage_as_steps_and_its_history(app, person):
    with app.app_context():
        iattend = demo_current(db.session, "iattend").id
    html = person(Role.central_office).get(f"/check-ins/{iattend}").get_data(as_text=True)
    steps = re.search(r'<ol class="stage-steps">(.*?)</ol>', html, re.S).group(1)
    current = re.findall(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', steps, re.S)
    assert len(current) == 1 and "Platform Progress Update" in current[0] and "sent back" in current[0]
    assert "Sent back to Pupil Services and Attendance" in html
    assert "The as-of dates do not match the data platform" in html
    assert "History" in html and "Sent back to the office" in html and "Superintendent&#39;s office" in html
    assert 'action="/check-ins/' not in html  # another office's check-in: read only


def test_a_bad_number_is_refused_at_its_field_and_nothing_is_saved(app, person, factories):
    plan = arrange(app, factories, G.sharing)
    office = person(Role.central_office, plan["office"])
    field = f"value-{plan['metric_id']}-1"
    response = office.post(f"/check-ins/{plan['check_in_id']}/save", {
        "version": plan["version"], f"value-{plan['metric_id']}-0": "1,250", field: "lots",
        "status": "at_risk", "narrative": "Typed before the mistake."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'id="{field}-error"' in html and "Enter a number" in html
    assert re.search(rf'id="{field}"[^>]*aria-describedby="{field}-error" aria-invalid="true"', html)
    assert f'href="#{field}"' in html  # the summary links to the field
    assert "Typed before the mistake.</textarea>" in html and 'value="1,250"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(MetricValue.id))
                                 .where(MetricValue.check_in_id == plan["check_in_id"])) == 0
        check_in = db.session.get(CheckIn, plan["check_in_id"])
        assert check_in.version == plan["version"] and check_in.narrative == ""


def test_sending_back_needs_a_comment(app, person, factories):
    plan = arrange(app, factories, G.data_review)
    response = person(Role.superintendent).post(f"/check-ins/{plan['check_in_id']}/review",
                                                {"action": "send_back", "version": plan["version"], "comment": " "})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say what the office should fix" in html
    assert re.search(r'id="send_back_comment"[^>]*aria-describedby="send_back_comment-hint send_back_comment-error"'
                     r' aria-invalid="true"', html)
    with app.app_context():
        assert db.session.get(CheckIn, plan["check_in_id"]).stage == G.data_review


def test_a_step_the_stage_does_not_allow_answers_409(app, person, factories):
    plan = arrange(app, factories, G.sharing)
    response = person(Role.superintendent).post(f"/check-ins/{plan['check_in_id']}/review",
                                                {"action": "accept_data", "version": plan["version"]})
    assert response.status_code == 409
    assert "This check-in is at stage 1 (strategy sharing session): you cannot" in response.get_data(as_text=True)


def test_placing_in_a_published_board_update_is_refused(app, person, factories):
    plan = arrange(app, factories, G.ready)
    with app.app_context():
        published = db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_not(None))
                                       .order_by(BoardUpdate.id)).first().id
    reviewer = person(Role.superintendent)
    page = reviewer.get(f"/check-ins/{plan['check_in_id']}").get_data(as_text=True)
    assert f'<option value="{published}"' not in page  # only updates being prepared are offered
    response = reviewer.post(f"/check-ins/{plan['check_in_id']}/place",
                             {"version": plan["version"], "board_update_id": published})
    assert response.status_code == 409
    assert "That Board update is published; its report can no longer change." in response.get_data(as_text=True)
    with app.app_context():
        check_in = db.session.get(CheckIn, plan["check_in_id"])
        assert check_in.stage == G.ready and check_in.board_updates == []
    assert reviewer.post(f"/check-ins/{plan['check_in_id']}/place",
                         {"version": plan["version"]}).status_code == 422


def test_typing_and_submitting_in_one_go_saves_first(app, person, factories):
    plan = arrange(app, factories, G.sent_back)
    response = person(Role.central_office, plan["office"]).post(f"/check-ins/{plan['check_in_id']}/submit", {
        "version": plan["version"], f"value-{plan['metric_id']}-0": "130", "status": "on_track",
        "narrative": "Now 130 K-5 students."})
    assert response.status_code == 303
    with app.app_context():
        events = events_of(db.session, plan["check_in_id"])
        assert [e.action for e in events[-2:]] == ["edit", "submit_update"]
        check_in = db.session.get(CheckIn, plan["check_in_id"])
        assert check_in.stage == G.data_review and check_in.values[0].value == 130


def test_every_form_needs_the_version_it_was_read_at(app, person, factories):
    plan = arrange(app, factories, G.sharing)
    response = person(Role.central_office, plan["office"]).post(f"/check-ins/{plan['check_in_id']}/sharing",
                                                {"sharing_date": "2024-04-01", "sharing_attendees": "Team"})
    assert response.status_code == 422 and "did not say which version" in response.get_data(as_text=True)


# ---------------------------------------------------------------- the whole way through the cycle

def test_a_check_in_goes_the_whole_way_through_the_four_stages(app, person, auth, factories):
    office = person(Role.central_office)
    name = f"Literacy coaches {uuid4().hex[:6]}"
    created = office.post("/initiatives/new", {"name": name, "priority": "1A", "measure": ["1A-1"],
                                               "description": "Coaches in the lowest-performing schools."})
    assert created.status_code == 303
    initiative_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        factories.adopt(db.session.get(Initiative, initiative_id))  # removed, with its check-in, when the test ends
    assert office.post(f"/initiatives/{initiative_id}/metrics", {
        "name": "Schools with a coach", "unit": "count", "direction": "up", "breakdown": "Region",
        "targets": "North=40; South=35"}).status_code == 303
    started = office.post(f"/initiatives/{initiative_id}/check-ins", {"period": "Winter 2024",
                                                                       "period_end": "2024-01-31"})
    assert started.status_code == 303 and "/check-ins/" in started.headers["Location"]
    check_in_id = int(started.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        metric_id = db.session.scalar(select(ProgressMetric.id).where(ProgressMetric.initiative_id == initiative_id))
        events = events_of(db.session, check_in_id)
        assert [(e.action, e.to_state) for e in events] == [("create", "sharing")]

    def version():
        with app.app_context():
            return db.session.get(CheckIn, check_in_id).version

    def step(who, url, data, action, to_state):
        """Post one step: 303, and exactly one new audit event saying what happened."""
        with app.app_context():
            before = len(events_of(db.session, check_in_id))
        response = who.post(f"/check-ins/{check_in_id}/{url}", {"version": version(), **data})
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        with app.app_context():
            events = events_of(db.session, check_in_id)
            assert len(events) == before + 1, [e.action for e in events[before:]]
            assert (events[-1].action, events[-1].to_state) == (action, to_state)
        return response

    # Stage 1: the office cannot submit an empty update; it records the session and the values.
    early = office.post(f"/check-ins/{check_in_id}/submit", {"version": version()})
    assert early.status_code == 422
    assert "Record the strategy sharing session (stage 1) first." in early.get_data(as_text=True)
    step(office, "sharing", {"sharing_date": "2024-02-03", "sharing_attendees": "Coaching team; Strategy office",
                             "sharing_notes": "Shared the coaching model."}, "record_sharing", "sharing")
    step(office, "save", {f"value-{metric_id}-0": "12", f"value-{metric_id}-1": "9", "as_of": "2024-01-31",
                          "status": "at_risk", "narrative": "21 schools have a coach.",
                          "evidence": "Coaching dashboard | https://example.org/coaching"}, "edit", "sharing")
    step(office, "submit", {}, "submit_update", "data_review")
    auth.logout()

    # Stage 2: the superintendent's office sends it back with a comment.
    reviewer = person(Role.superintendent)
    step(reviewer, "review", {"action": "send_back", "comment": "Add the East region."}, "send_back", "sent_back")
    auth.logout()

    # The office sees the comment, adds the region and resubmits.
    office = person(Role.central_office)
    page = office.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert "Add the East region." in page and "Sent back to Division of Instruction" in page
    step(office, "save", {f"value-{metric_id}-0": "12", f"value-{metric_id}-1": "9",
                          f"new-breakdown-{metric_id}": "East", f"value-{metric_id}-new": "6",
                          "status": "at_risk", "narrative": "27 schools have a coach.", "as_of": "2024-01-31",
                          "evidence": "Coaching dashboard | https://example.org/coaching"}, "edit", "sent_back")
    step(office, "submit", {}, "submit_update", "data_review")
    with app.app_context():
        check_in = db.session.get(CheckIn, check_in_id)
        assert {v.breakdown: v.value for v in check_in.values} == {"North": 12, "South": 9, "East": 6}
    auth.logout()

    # Stages 2 to 4: accepted, recorded with the superintendent, placed in the Board update.
    reviewer = person(Role.superintendent)
    step(reviewer, "review", {"action": "accept_data", "review_notes": "Checked."}, "accept_data", "superintendent")
    missing = reviewer.post(f"/check-ins/{check_in_id}/superintendent", {"version": version(), "supt_date": ""})
    assert missing.status_code == 422 and "Record the superintendent&#39;s feedback." in missing.get_data(as_text=True)
    step(reviewer, "superintendent", {"supt_date": "2024-02-20", "supt_feedback": "Reach the East region first.",
                                      "supt_decisions": "Fund six more coaches."}, "record_superintendent", "ready")
    with app.app_context():
        draft = db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                                   .order_by(BoardUpdate.meeting_date.desc())).first()
        draft_id, draft_title = draft.id, draft.title
    step(reviewer, "place", {"board_update_id": draft_id}, "place", "board")
    page = reviewer.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert f"{escape(draft_title)}" in page and "being prepared" in page
    assert "Fund six more coaches." in page and "27 schools have a coach." in page
    board = reviewer.get("/cycle").get_data(as_text=True)
    assert column_of(board, check_in_id) == 4
    # Taken out again, so the draft update holds only what the demo put in it.
    step(reviewer, "unplace", {"board_update_id": draft_id}, "unplace", "ready")
    with app.app_context():
        assert db.session.get(CheckIn, check_in_id).board_updates == []
    history = reviewer.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    for words in ("Started the check-in", "Recorded the sharing session", "Submitted the platform update",
                  "Sent back to the office", "Accepted the data", "Recorded the superintendent&#39;s update",
                  "Placed in a Board update", "Taken out of a Board update", "Add the East region."):
        assert words in history


def test_the_cycle_pages_answer_their_readers_and_404_for_missing_records(app, person):
    with app.app_context():
        tutoring = db.session.scalar(select(Initiative).where(Initiative.code == "tutoring"))
        urls = ["/cycle", f"/initiatives/{tutoring.id}", f"/check-ins/{demo_current(db.session, 'tutoring').id}"]
    reader = person(Role.superintendent)
    for url in urls:
        assert reader.get(url).status_code == 200
    assert reader.get("/initiatives/10000000").status_code == 404
    assert reader.get("/check-ins/10000000").status_code == 404


def test_people_outside_the_cycle_are_refused(person):
    board_member = person(Role.board)
    assert board_member.get("/cycle").status_code == 403
    assert board_member.get("/initiatives/new").status_code == 403


def test_csrf_is_required_for_every_step(app, client, login_as, factories):
    plan = arrange(app, factories, G.data_review)
    login_as(Role.superintendent)
    response = client.post(f"/cycle/check-ins/{plan['check_in_id']}/advance",
                           data={"action": "accept_data", "version": plan["version"]})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(CheckIn, plan["check_in_id"]).stage == G.data_review


def test_demo_users_are_set_up_as_the_tests_expect(app):
    with app.app_context():
        office = user(db.session, Role.central_office).office
        assert office.code == "instruction"
        assert db.session.scalar(select(Office).where(Office.code == "instruction")).name == "Division of Instruction"



def test_the_history_shows_an_edit_as_an_edit_and_only_a_change_of_stage_as_a_move(app, person, factories):
    plan = arrange(app, factories, G.sharing)
    office = person(Role.central_office, plan["office"])
    url = f"/check-ins/{plan['check_in_id']}"
    figures = office.post(f"{url}/save", {"version": plan["version"], f"value-{plan['metric_id']}-0": "140",
                                          "as_of": "2024-01-31"})
    assert figures.status_code in (200, 303)
    with app.app_context():
        version = db.session.get(CheckIn, plan["check_in_id"]).version
    words = office.post(f"{url}/save", {"version": version, f"value-{plan['metric_id']}-0": "140",
                                        "as_of": "2024-01-31", "narrative": "Coaches reached every school."})
    assert words.status_code in (200, 303)
    html = office.get(url).get_data(as_text=True)
    history = html.split('id="history-title"', 1)[1]
    sharing = Stage.sharing.title
    assert f"{sharing} → {sharing}" not in history
    assert history.count("Edited the figures") == 1 and re.search(r"<td>Edited</td>", history)
    with app.app_context():
        actions = [e.action for e in events_of(db.session, plan["check_in_id"])]
    assert actions[-2:] == ["edit", "edit"]
