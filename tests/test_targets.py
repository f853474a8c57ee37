"""School target setting: the transition table, trajectory arithmetic and guardrails, the
principal's autosave, submit and scope, and two people acting on one plan at once."""
import re
import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import User
from portal.targets import operations as svc
from portal.targets import workflow as plan_workflow
from portal.targets.guardrails import (
    ERROR,
    NEEDS_RATIONALE,
    NOTE,
    check_target,
    interim_targets,
    parse_number,
    plan_target,
    yearly_gains,
)
from portal.targets.models import PlanStatus, Target, TargetPlan

S = PlanStatus

# ---------------------------------------------------------------- the transition table

EXPECTED = {
    # (state, action): (new state, who)
    (S.not_started, "edit"): (S.draft, {Role.principal}),
    (S.draft, "edit"): (S.draft, {Role.principal}),
    (S.returned, "edit"): (S.returned, {Role.principal}),
    (S.draft, "submit"): (S.submitted, {Role.principal}),
    (S.returned, "submit"): (S.submitted, {Role.principal}),
    (S.submitted, "approve"): (S.approved, {Role.regional_leader, Role.admin}),
    (S.submitted, "return"): (S.returned, {Role.regional_leader, Role.admin}),
    (S.approved, "reopen"): (S.returned, {Role.regional_leader, Role.admin}),
}


@pytest.mark.parametrize("state", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("action", ["edit", "submit", "approve", "return", "reopen"])
@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_the_transition_table_for_every_state_action_and_role(state, action, role):
    plan = SimpleNamespace(status=state)
    user = SimpleNamespace(role=role)
    decision = plan_workflow.check(plan, action, user)
    expected = EXPECTED.get((state, action))
    assert decision.allowed == (expected is not None and role in expected[1])
    if expected is not None and decision.allowed:
        assert plan_workflow.TRANSITIONS[(state, action)][0] == expected[0]
    if not decision.allowed:
        assert decision.reason  # always a sentence for the person


def test_edits_and_submits_need_an_open_window():
    plan, user = SimpleNamespace(status=S.draft), SimpleNamespace(role=Role.principal)
    decision = plan_workflow.check(plan, "submit", user, window_open=False)
    assert not decision.allowed and "window" in decision.reason


# ---------------------------------------------------------------- arithmetic and guardrails

def metric(**kw):
    base = {"unit": "dfs", "target_kind": "gain", "target_value": 30, "group_gain": 40,
            "group_gain_reading": "points", "value_min": -300, "value_max": 300, "group_target_label": "+40 pts"}
    base.update(kw)
    return SimpleNamespace(**base)


AG = metric(unit="percent", target_kind="absolute", target_value=70, group_gain=25, value_min=0, value_max=100,
            group_target_label="+25 pts")


@pytest.mark.parametrize("shares, expected", [
    ([0.25, 0.5, 0.75, 1.0], [-32.5, -25.0, -17.5, -10.0]),  # linear from -40 to -10
    ([0.4, 0.7, 0.9, 1.0], [-28.0, -19.0, -13.0, -10.0]),  # aggressive
    ([0.1, 0.3, 0.6, 1.0], [-37.0, -31.0, -22.0, -10.0]),  # step-up
    ([0.0, 0.1, 0.4, 1.0], [-40.0, -37.0, -28.0, -10.0]),  # delayed
])
def test_interim_targets_follow_the_trajectory(shares, expected):
    interims = interim_targets(-40.0, -10.0, shares)
    assert interims == expected
    assert sum(yearly_gains(-40.0, interims)) == pytest.approx(30.0)


def test_yearly_gain_of_a_linear_path_is_a_quarter_of_the_total():
    assert yearly_gains(48.0, interim_targets(48.0, 70.0, [0.25, 0.5, 0.75, 1.0])) == [5.5, 5.5, 5.5, 5.5]


def test_what_the_plan_asks_of_each_row():
    assert plan_target(metric(), -40, targeted=False) == -10  # +30 schoolwide
    assert plan_target(metric(), -90, targeted=True) == -50  # +40 for a targeted group
    assert plan_target(AG, 48.1, targeted=False) == 70
    assert plan_target(AG, 22.1, targeted=True) == 47.1
    assert plan_target(AG, 90, targeted=True) == 100  # never past the top of the scale
    relative = metric(unit="percent", group_gain=25, group_gain_reading="percent_of_baseline", value_max=100)
    assert plan_target(relative, 40, targeted=True) == 50


def codes(flags):
    return {(f.code, f.severity) for f in flags}


def test_a_value_outside_the_metrics_range_is_an_error():
    assert codes(check_target(AG, False, 48, 101)) == {("range", ERROR)}
    assert codes(check_target(metric(), False, -40, -400)) == {("range", ERROR)}


def test_a_target_below_baseline_needs_a_rationale_until_one_is_given():
    assert ("below_baseline", NEEDS_RATIONALE) in codes(check_target(metric(), False, -40, -45))
    explained = check_target(metric(), False, -40, -45, "Many newcomers arrive this year in grade 3.")
    assert ("below_baseline", NOTE) in codes(explained)


def test_a_targeted_group_growing_slower_than_the_plan_needs_a_rationale():
    assert ("group_pace", NEEDS_RATIONALE) in codes(check_target(metric(), True, -90, -60))  # +30 < +40
    assert check_target(metric(), True, -90, -50) == []  # exactly +40
    assert ("group_pace", NEEDS_RATIONALE) in codes(check_target(AG, True, 22.1, 40.0))  # +17.9 < +25


def test_a_schoolwide_target_short_of_the_districts_pace_is_only_a_note():
    flags = check_target(metric(), False, -40, -20)
    assert codes(flags) == {("district_pace", NOTE)}


@pytest.mark.parametrize("raw, value, problem", [
    ("62.5", 62.5, None), (" -20 ", -20.0, None), ("1,234", 1234.0, None), ("70%", 70.0, None),
    ("\u221212", -12.0, None), ("", None, None), ("abc", None, "Enter a number"), ("nan", None, "Enter a number"),
    ("1e999", None, "Enter a number"),
])
def test_typed_numbers_are_read_generously_and_refused_clearly(raw, value, problem):
    got, message = parse_number(raw)
    assert got == value
    assert (message or "").startswith(problem or "")


# ---------------------------------------------------------------- the principal's form

def in_app(app, fn):
    """Read the database in a context of its own: holding one open across client requests
    would share `g` (and its cached CSRF token and user) between requests."""
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def own_plan(app, factories, status: PlanStatus) -> tuple[int, str]:
    """A school of the test's own with its plan in `status`: the plan's id and its principal's email."""
    def make():
        plan = factories.target_plan(factories.school(), status)
        return plan.id, factories.principal(plan.school).email
    return in_app(app, make)


def row_facts(app, plan_id: int, limit: int = 1, group: str = "all") -> list[dict]:
    def find():
        rows = db.session.scalars(select(Target).where(Target.plan_id == plan_id, Target.group.has(code=group))
                                  .order_by(Target.id).limit(limit)).all()
        return [{"id": r.id, "baseline": r.baseline_value, "target": r.target_2026,
                 "trajectory": r.trajectory_code} for r in rows]
    return in_app(app, find)


def plan_facts(app, plan_id: int) -> dict:
    def find():
        plan = db.session.get(TargetPlan, plan_id)
        return {"version": plan.version, "status": plan.status, "events": events(plan_id)}
    return in_app(app, find)


def target_of(app, row_id: int):
    return in_app(app, lambda: db.session.get(Target, row_id).target_2026)


def events(plan_id: int):
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == "target_plan", AuditEvent.entity_id == plan_id))


def test_a_principal_types_a_target_and_it_saves_with_its_yearly_path(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.draft)
    row = row_facts(app, plan_id)[0]
    before = plan_facts(app, plan_id)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    target = round(row["baseline"] + 40, 1)
    response = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}",
                           headers={"HX-Request": "true", "X-CSRFToken": token},
                           data={f"target_2026-{row['id']}": str(target), f"trajectory-{row['id']}": "linear",
                                 f"rationale-{row['id']}": "", "version": str(before["version"])})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Saved at" in html
    expected = interim_targets(row["baseline"], target, [0.25, 0.5, 0.75, 1.0])
    assert f"{expected[0]:,.1f}" in html and "+10.0" in html
    assert f'id="plan-version" name="version" value="{before["version"] + 1}" hx-swap-oob="true"' in html
    saved = row_facts(app, plan_id)[0]
    assert (saved["target"], saved["trajectory"]) == (target, "linear")
    assert plan_facts(app, plan_id)["events"] == before["events"] + 1


def test_a_bad_value_is_refused_at_the_field_and_nothing_is_saved(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.draft)
    row = row_facts(app, plan_id)[0]
    before = plan_facts(app, plan_id)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    for typed, message in [("lots", "Enter a number"), ("5000", "Enter a value from -300 to 300")]:
        response = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}",
                               headers={"HX-Request": "true", "X-CSRFToken": token},
                               data={f"target_2026-{row['id']}": typed, f"trajectory-{row['id']}": "linear",
                                     "version": str(before["version"])})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and message in html
        assert f'id="err-target_2026-{row["id"]}"' in html
    assert target_of(app, row["id"]) == row["target"]
    assert plan_facts(app, plan_id) == before


def test_two_tabs_on_one_plan_do_not_silently_overwrite_each_other(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.draft)
    first, second = row_facts(app, plan_id, limit=1, group="all") + row_facts(app, plan_id, limit=1, group="low_income")
    version = plan_facts(app, plan_id)["version"]
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    headers = {"HX-Request": "true", "X-CSRFToken": token}
    ok = client.post(f"/targets/plans/{plan_id}/rows/{first['id']}", headers=headers, data={
        f"target_2026-{first['id']}": str(round(first["baseline"] + 31, 1)),
        f"trajectory-{first['id']}": "linear", "version": str(version)})
    assert ok.status_code == 200
    stale = client.post(f"/targets/plans/{plan_id}/rows/{second['id']}", headers=headers, data={
        f"target_2026-{second['id']}": "12.3", f"trajectory-{second['id']}": "delayed", "version": str(version)})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "Not saved." in html
    # The change the stale tab did not see was this principal's own: they are told so, not named as
    # if someone else had edited the plan.
    assert "You edited this plan in another tab or a moment ago" in html and "Reload to see the latest" in html
    assert "while you were working" not in html
    assert "plan-version" not in html  # the stale tab is not quietly handed the new version
    assert target_of(app, second["id"]) == second["target"]


def own_plan_with_colleague(app, factories) -> tuple[int, str, str, str]:
    """A draft plan at a school with two principals: the plan, each one's email, and the second's name."""
    def make():
        plan = factories.target_plan(factories.school(), S.draft)
        other = factories.co_principal(plan.school)
        return plan.id, factories.principal(plan.school).email, other.email, other.name
    return in_app(app, make)


def complete_form(app, plan_id: int) -> dict:
    """Every required row of the plan at the pace the plan asks, on a linear trajectory."""
    def fill():
        form = {}
        for row in svc.load_plan_rows(db.session.get(TargetPlan, plan_id)):
            if svc.required(row):
                wanted = plan_target(row.metric, row.baseline_value, row.group.targeted)
                form.update({f"target_2026-{row.id}": str(wanted), f"trajectory-{row.id}": "linear"})
        return form
    return in_app(app, fill)


def test_submitting_right_after_the_rows_own_autosave_says_it_was_their_own_change(app, auth, client, factories):
    """Issue #20: the last value typed, then "Submit for review" at once. The row's autosave moved the
    plan's version; a submit still carrying the page's older version is refused, and the refusal says
    the change it missed was the principal's own, never naming them as another person."""
    plan_id, email = own_plan(app, factories, S.draft)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    form = complete_form(app, plan_id)
    saved = client.post(f"/targets/plans/{plan_id}/save", data={**form, "csrf_token": token,
                                                                "version": str(plan_facts(app, plan_id)["version"])})
    assert saved.status_code == 303
    page_version = plan_facts(app, plan_id)["version"]
    row = row_facts(app, plan_id, limit=1)[0]
    typed = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}", headers={"HX-Request": "true",
                                                                             "X-CSRFToken": token},
                        data={f"target_2026-{row['id']}": str(float(form[f"target_2026-{row['id']}"]) + 0.5),
                              f"trajectory-{row['id']}": "linear", "version": str(page_version)})
    assert typed.status_code == 200
    refused = client.post(f"/targets/plans/{plan_id}/submit", data={"csrf_token": token,
                                                                    "version": str(page_version)},
                          follow_redirects=True)
    html = refused.get_data(as_text=True)
    name = in_app(app, lambda: db.session.scalar(select(User.name).where(User.email == email)))
    assert "You edited this plan in another tab or a moment ago" in html
    assert "while you were working" not in html and f"{name} (Principal) edited" not in html
    assert plan_facts(app, plan_id)["status"] == S.draft


def test_a_row_saved_on_a_page_another_principal_changed_names_them(app, auth, client, factories):
    plan_id, email, other_email, other_name = own_plan_with_colleague(app, factories)
    first, second = row_facts(app, plan_id, limit=1, group="all") + row_facts(app, plan_id, limit=1, group="low_income")
    version = plan_facts(app, plan_id)["version"]
    auth.login(other_email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    ok = client.post(f"/targets/plans/{plan_id}/rows/{first['id']}", headers={"HX-Request": "true",
                                                                            "X-CSRFToken": token},
                     data={f"target_2026-{first['id']}": str(round(first["baseline"] + 31, 1)),
                           f"trajectory-{first['id']}": "linear", "version": str(version)})
    assert ok.status_code == 200
    auth.logout()
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    stale = client.post(f"/targets/plans/{plan_id}/rows/{second['id']}", headers={"HX-Request": "true",
                                                                                "X-CSRFToken": token},
                        data={f"target_2026-{second['id']}": "12.3", f"trajectory-{second['id']}": "delayed",
                              "version": str(version)})
    html = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert re.search(rf"{re.escape(other_name)} \(Principal\) edited this plan at \d\d:\d\d UTC on \d{{1,2}} "
                     r"[A-Z][a-z]{2} \d{4} while you were working\. Reload to see their change\.", html)
    assert "in another tab" not in html
    assert target_of(app, second["id"]) == second["target"]


def test_submit_checks_completeness_then_locks_the_plan(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.not_started)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    version = plan_facts(app, plan_id)["version"]
    incomplete = client.post(f"/targets/plans/{plan_id}/submit", data={"csrf_token": token, "version": str(version)})
    assert incomplete.status_code == 422
    assert "enter a 2026 target" in incomplete.get_data(as_text=True)
    assert plan_facts(app, plan_id)["status"] == S.not_started

    def on_pace_form():
        form = {}
        for row in svc.load_plan_rows(db.session.get(TargetPlan, plan_id)):
            if svc.required(row):
                wanted = plan_target(row.metric, row.baseline_value, row.group.targeted)
                form.update({f"target_2026-{row.id}": str(wanted), f"trajectory-{row.id}": "linear"})
        return form
    form = in_app(app, on_pace_form)
    saved = client.post(f"/targets/plans/{plan_id}/save", data={**form, "csrf_token": token, "version": str(version)})
    assert saved.status_code == 303
    facts = plan_facts(app, plan_id)
    assert facts["status"] == S.draft
    submitted = client.post(f"/targets/plans/{plan_id}/submit", data={"csrf_token": token,
                                                                      "version": str(facts["version"])})
    assert submitted.status_code == 303
    assert plan_facts(app, plan_id)["status"] == S.submitted
    page = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
    assert "Submitted" in page and '<input type="text"' not in page  # locked
    row = row_facts(app, plan_id)[0]
    locked = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}",
                         headers={"HX-Request": "true", "X-CSRFToken": token},
                         data={f"target_2026-{row['id']}": "1", "version": str(plan_facts(app, plan_id)["version"])})
    assert locked.status_code == 409 and "you cannot edit it now" in locked.get_data(as_text=True)


def test_save_all_with_one_bad_row_saves_nothing_and_keeps_what_was_typed(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.draft)
    rows = row_facts(app, plan_id, limit=2)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    form = {"csrf_token": token, "version": str(plan_facts(app, plan_id)["version"]),
            f"target_2026-{rows[0]['id']}": "12.5", f"target_2026-{rows[1]['id']}": "twelve"}
    response = client.post(f"/targets/plans/{plan_id}/save", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "nothing was saved yet" in html
    assert 'value="twelve"' in html and 'value="12.5"' in html
    assert [target_of(app, r["id"]) for r in rows] == [r["target"] for r in rows]


def test_a_principal_cannot_reach_another_schools_plan(app, auth, client, factories):
    own_id, email = own_plan(app, factories, S.draft)
    other_id, _ = own_plan(app, factories, S.draft)
    other_row = row_facts(app, other_id)[0]["id"]
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{own_id}")
    assert client.get(f"/targets/plans/{other_id}").status_code == 404
    post = client.post(f"/targets/plans/{other_id}/rows/{other_row}", headers={"X-CSRFToken": token},
                       data={f"target_2026-{other_row}": "1"})
    assert post.status_code == 404
    for path in ("save", "submit", "comments"):
        assert client.post(f"/targets/plans/{other_id}/{path}", data={"csrf_token": token}).status_code == 404
    mixed = client.post(f"/targets/plans/{own_id}/rows/{other_row}", headers={"X-CSRFToken": token}, data={})
    assert mixed.status_code == 404


# ---------------------------------------------------------------- two reviewers at once

def test_two_reviewers_acting_at_once_exactly_one_wins(app, factories):
    with app.app_context():
        plan = factories.target_plan(factories.school(), S.submitted)
        plan_id = plan.id
        leader_id = factories.regional_leader(plan.school.region).id
        admin_id = db.session.scalar(select(User.id).where(User.role == Role.admin).order_by(User.id))
        before = events(plan_id)
        db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(name, user_id, action, comment):
        with app.app_context():
            plan = db.session.get(TargetPlan, plan_id)
            user = db.session.get(User, user_id)
            version = plan.version
            barrier.wait()
            try:
                svc.decide(plan, action, user, comment, version)
                db.session.commit()  # as the review page does after a decision
                outcomes[name] = "ok"
            except workflow.WorkflowError as exc:
                outcomes[name] = str(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=("leader", leader_id, "approve", None)),
               threading.Thread(target=act, args=("admin", admin_id, "return", "Please revise the math rows."))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()).count("ok") == 1, outcomes
    loser = next(v for v in outcomes.values() if v != "ok")
    assert "while you were working" in loser or "you cannot" in loser
    with app.app_context():
        assert events(plan_id) == before + 1
        assert db.session.get(TargetPlan, plan_id).status in (S.approved, S.returned)


def test_a_value_out_of_range_is_said_once_at_its_field_when_autosaved(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.draft)
    row = row_facts(app, plan_id)[0]
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    response = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}",
                           headers={"HX-Request": "true", "X-CSRFToken": token},
                           data={f"target_2026-{row['id']}": "5000", f"trajectory-{row['id']}": "linear",
                                 "version": str(plan_facts(app, plan_id)["version"])})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("Enter a value from -300 to 300") == 1 and "Fix:" not in html and "fix the value" not in html
    assert f'id="err-target_2026-{row["id"]}"' in html and "Not saved:" in html
    assert "yearly targets" not in html.lower()  # no path is drawn from a value that cannot be saved


def test_a_value_out_of_range_in_a_full_save_is_said_at_its_field_and_listed_once_above(app, auth, client,
                                                                                        factories):
    plan_id, email = own_plan(app, factories, S.draft)
    row = row_facts(app, plan_id)[0]
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    response = client.post(f"/targets/plans/{plan_id}/save", data={
        "csrf_token": token, "version": str(plan_facts(app, plan_id)["version"]),
        f"target_2026-{row['id']}": "5000", f"trajectory-{row['id']}": "linear"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="5000"' in html
    field_error = html.split(f'id="err-target_2026-{row["id"]}"', 1)[1].split("</p>", 1)[0]
    assert "Enter a value from -300 to 300" in field_error
    summary = html.split('class="error-summary"', 1)[1].split("</div>", 1)[0]
    assert html.count("Enter a value from -300 to 300") == 2 and summary.count("Enter a value from -300 to 300") == 1
    assert "Fix:" not in html and "Some values could not be saved" not in html
    assert target_of(app, row["id"]) == row["target"]


def test_each_trajectory_is_a_choice_named_in_words_with_a_picture_and_a_sentence(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, S.draft)
    row = row_facts(app, plan_id)[0]
    auth.login(email)
    html = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
    group = html.split(f'id="trajectory-{row["id"]}"', 1)[0].rsplit("<fieldset", 1)[1] + \
        html.split(f'id="trajectory-{row["id"]}"', 1)[1].split("</fieldset>", 1)[0]
    assert "<legend>Trajectory</legend>" in group and group.count('type="radio"') == 4
    assert f'value="linear" id="trajectory-{row["id"]}" checked' in html  # the saved choice stays chosen
    for name, sentence in [("Steady", "The same gain every year"), ("Start fast, then ease off", "first two years"),
                           ("Build up each year", "a little larger each year"),
                           ("Start slow, finish fast", "most of the gain comes in the last two years")]:
        assert name in group and sentence in group
    assert group.count('aria-hidden="true" focusable="false"') == 4
    assert "0.25 / 0.5" not in html and "Linear:" not in html
