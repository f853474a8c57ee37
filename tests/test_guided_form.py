"""A long target form that guides the principal: how many rows are set (updated as each row saves),
a link to each goal with its count, finished rows folded to one line, and two fills that set many
rows in one step (every empty 2026 target at the district's pace, one trajectory for a goal's rows
that have none), each checked like any edit: CSRF, the plan's version, the window, the plan's
status and the school."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.targets import operations as svc
from portal.targets.guardrails import plan_target
from portal.targets.models import PlanStatus, Target, TargetCycle, TargetPlan
from tests.conftest import PORTAL_TODAY


def in_app(app, fn):
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def new_plan(app, factories, status: PlanStatus = PlanStatus.not_started) -> dict:
    """An elementary school of the test's own, its plan in the open trajectory cycle: every row empty."""
    def make():
        plan = factories.target_plan(factories.school(), status)
        rows = [r for r in svc.load_plan_rows(plan) if svc.required(r)]
        return {"id": plan.id, "email": factories.principal(plan.school).email, "cycle": plan.cycle_id,
                "rows": [{"id": r.id, "metric": r.metric_id, "code": r.metric.code, "baseline": r.baseline_value,
                          "pace": plan_target(r.metric, r.baseline_value, r.group.targeted)} for r in rows]}
    return in_app(app, make)


def saved(app, plan_id: int) -> dict:
    def read():
        plan = db.session.get(TargetPlan, plan_id)
        rows = db.session.scalars(select(Target).where(Target.plan_id == plan_id)).all()
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "target_plan",
                                                             AuditEvent.entity_id == plan_id)
                                    .order_by(AuditEvent.id)).all()
        return {"version": plan.version, "status": plan.status,
                "rows": {r.id: (r.target_2026, r.trajectory_code) for r in rows},
                "events": [(e.action, (e.details or {}).get("fill")) for e in events]}
    return in_app(app, read)


def open_page(client, auth, facts) -> tuple[str, str]:
    auth.login(facts["email"])
    page = client.get(f"/targets/plans/{facts['id']}").get_data(as_text=True)
    return page, auth.csrf(f"/targets/plans/{facts['id']}")


def fill(client, facts, token, asked: str, version: int, **form):
    return client.post(f"/targets/plans/{facts['id']}/fill",
                       data={"csrf_token": token, "fill": asked, "version": str(version), **form})


def save_row(client, facts, token, row_id: int, target: str, trajectory: str, version: int, rationale=""):
    return client.post(f"/targets/plans/{facts['id']}/rows/{row_id}",
                       headers={"HX-Request": "true", "X-CSRFToken": token},
                       data={f"target_2026-{row_id}": target, f"trajectory-{row_id}": trajectory,
                             f"rationale-{row_id}": rationale, "version": str(version)})


def test_the_form_says_how_many_targets_are_set_and_a_row_save_updates_the_count(app, auth, client, factories):
    facts = new_plan(app, factories)
    total = len(facts["rows"])
    page, token = open_page(client, auth, facts)
    assert f"0 of {total} targets set" in page
    assert f"{total} rows still need a target, a trajectory or a rationale." in page
    first = facts["rows"][0]
    goal_rows = sum(1 for r in facts["rows"] if r["metric"] == first["metric"])
    assert f'href="#metric-{first["code"]}"' in page and f"0 of {goal_rows} set" in page
    version = saved(app, facts["id"])["version"]
    answer = save_row(client, facts, token, first["id"], str(first["pace"]), "linear", version)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Saved at" in html
    progress = re.search(r'<nav class="plan-progress" id="plan-progress"[^>]*hx-swap-oob="true".*?</nav>', html, re.S)
    assert progress, "the row's answer carries the new count, swapped in place"
    assert f"1 of {total} targets set" in progress.group(0)
    assert f"{total - 1} rows still need" in progress.group(0) and f"1 of {goal_rows} set" in progress.group(0)
    assert f'id="sum-{first["id"]}" hx-swap-oob="true"' in html  # the row's one-line summary too
    # A target without its trajectory is not set yet.
    second = facts["rows"][1]
    half = save_row(client, facts, token, second["id"], str(second["pace"]), "", saved(app, facts["id"])["version"])
    assert f"1 of {total} targets set" in half.get_data(as_text=True)


def test_done_rows_fold_to_one_line_and_rows_with_a_problem_or_nothing_stay_open(app, auth, client, factories):
    facts = new_plan(app, factories)
    done, below, empty = facts["rows"][:3]
    _page, token = open_page(client, auth, facts)
    assert save_row(client, facts, token, done["id"], str(done["pace"]), "linear",
                    saved(app, facts["id"])["version"]).status_code == 200
    assert save_row(client, facts, token, below["id"], str(below["baseline"] - 5), "linear",
                    saved(app, facts["id"])["version"]).status_code == 200  # below baseline, no rationale yet
    page = client.get(f"/targets/plans/{facts['id']}").get_data(as_text=True)
    assert f'<details class="row-fold" id="fold-{done["id"]}" open data-fold>' in page
    assert f'<details class="row-fold" id="fold-{below["id"]}" open>' in page
    assert f'<details class="row-fold" id="fold-{empty["id"]}" open>' in page
    summary = re.search(rf'id="sum-{done["id"]}">(.*?)</span>', page, re.S).group(1)
    assert f"{done['pace']:,.1f}" in summary and "Steady" in summary
    assert f"1 of {len(facts['rows'])} targets set" in page


def test_start_at_the_districts_pace_fills_only_the_empty_targets_in_one_audited_edit(app, auth, client, factories):
    facts = new_plan(app, factories)
    typed, *others = facts["rows"]
    _page, token = open_page(client, auth, facts)
    own = round(typed["baseline"] + 1, 1)
    assert save_row(client, facts, token, typed["id"], str(own), "delayed",
                    saved(app, facts["id"])["version"]).status_code == 200
    before = saved(app, facts["id"])
    answer = fill(client, facts, token, "pace:all", before["version"])
    assert answer.status_code == 303 and answer.headers["Location"].endswith("#plan-progress")
    after = saved(app, facts["id"])
    assert after["rows"][typed["id"]] == (own, "delayed")  # what the principal typed is kept
    assert all(after["rows"][r["id"]] == (r["pace"], None) for r in others)
    assert after["version"] == before["version"] + 1 and after["events"] == before["events"] + [("edit", "pace")]
    page = client.get(f"/targets/plans/{facts['id']}").get_data(as_text=True)
    assert f"{len(others)} empty 2026 targets are now at the district&#39;s pace" in page


def test_a_typed_value_not_yet_saved_is_kept_and_saved_with_the_fill(app, auth, client, factories):
    facts = new_plan(app, factories)
    first, second = facts["rows"][:2]
    _page, token = open_page(client, auth, facts)
    answer = fill(client, facts, token, f"pace:{first['metric']}", saved(app, facts["id"])["version"],
                  **{f"target_2026-{first['id']}": str(first["baseline"])})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"#metric-{first['code']}")
    rows = saved(app, facts["id"])["rows"]
    assert rows[first["id"]][0] == first["baseline"] and rows[second["id"]][0] == second["pace"]
    other_goal = [r for r in facts["rows"] if r["metric"] != first["metric"]]
    assert other_goal and all(rows[r["id"]] == (None, None) for r in other_goal)  # one goal only


def test_one_trajectory_for_every_row_of_a_goal_that_has_none(app, auth, client, factories):
    facts = new_plan(app, factories)
    goal = facts["rows"][0]["metric"]
    chosen, *rest = [r for r in facts["rows"] if r["metric"] == goal]
    _page, token = open_page(client, auth, facts)
    assert save_row(client, facts, token, chosen["id"], str(chosen["pace"]), "aggressive",
                    saved(app, facts["id"])["version"]).status_code == 200
    before = saved(app, facts["id"])
    answer = fill(client, facts, token, f"path:{goal}", before["version"], **{f"path-{goal}": "delayed"})
    assert answer.status_code == 303
    after = saved(app, facts["id"])
    assert after["rows"][chosen["id"]] == (chosen["pace"], "aggressive")
    assert all(after["rows"][r["id"]] == (None, "delayed") for r in rest)
    assert all(after["rows"][r["id"]] == (None, None) for r in facts["rows"] if r["metric"] != goal)
    assert after["events"][-1] == ("edit", "path")
    page = client.get(f"/targets/plans/{facts['id']}").get_data(as_text=True)
    assert f"{len(rest)} rows without a trajectory now follow" in page


def test_a_fill_on_a_page_older_than_the_plan_is_refused_and_changes_nothing(app, auth, client, factories):
    facts = new_plan(app, factories)
    _page, token = open_page(client, auth, facts)
    first = facts["rows"][0]
    stale = saved(app, facts["id"])["version"]
    assert save_row(client, facts, token, first["id"], str(first["pace"]), "linear", stale).status_code == 200
    before = saved(app, facts["id"])
    answer = fill(client, facts, token, "pace:all", stale)
    assert answer.status_code == 409 and "Reload to see the latest" in answer.get_data(as_text=True)
    assert saved(app, facts["id"]) == before


def test_fills_are_refused_when_the_window_is_closed_or_the_plan_is_under_review(app, auth, client, factories):
    facts = new_plan(app, factories)
    closes_on = in_app(app, lambda: db.session.get(TargetCycle, facts["cycle"]).closes_on)

    def set_closes(value):
        def go():
            db.session.get(TargetCycle, facts["cycle"]).closes_on = value
            db.session.commit()
        in_app(app, go)
    _page, token = open_page(client, auth, facts)
    before = saved(app, facts["id"])
    set_closes(date.fromisoformat(PORTAL_TODAY) - timedelta(days=1))
    try:
        closed = fill(client, facts, token, "pace:all", before["version"])
        assert closed.status_code == 409 and "window for this school has closed" in closed.get_data(as_text=True)
    finally:
        set_closes(closes_on)
    assert saved(app, facts["id"]) == before
    sent = new_plan(app, factories, PlanStatus.submitted)
    auth.logout()
    _page, token = open_page(client, auth, sent)
    before = saved(app, sent["id"])
    goal = sent["rows"][0]["metric"]
    refused = fill(client, sent, token, f"path:{goal}", before["version"], **{f"path-{goal}": "delayed"})
    assert refused.status_code == 409 and "flash--error" in refused.get_data(as_text=True)
    assert saved(app, sent["id"]) == before


def test_another_schools_principal_cannot_fill_a_plan(app, auth, client, factories):
    mine, theirs = new_plan(app, factories), new_plan(app, factories)
    _page, token = open_page(client, auth, mine)
    before = saved(app, theirs["id"])
    assert fill(client, theirs, token, "pace:all", before["version"]).status_code == 404
    assert saved(app, theirs["id"]) == before


def test_bad_input_to_a_fill_is_said_at_its_field_and_saves_nothing(app, auth, client, factories):
    facts = new_plan(app, factories)
    _page, token = open_page(client, auth, facts)
    first = facts["rows"][0]
    goal = first["metric"]
    before = saved(app, facts["id"])
    no_path = fill(client, facts, token, f"path:{goal}", before["version"], **{f"path-{goal}": "sideways"})
    html = no_path.get_data(as_text=True)
    assert no_path.status_code == 422 and f'id="path-{goal}-error"' in html
    assert "Choose the trajectory to use for the rows of this goal." in html
    for asked in ("pace:999999999", "sideways:all", "path:all", ""):
        odd = fill(client, facts, token, asked, before["version"])
        assert odd.status_code == 422 and "That button fills nothing on this plan" in odd.get_data(as_text=True)
    typed = fill(client, facts, token, "pace:all", before["version"], **{f"target_2026-{first['id']}": "lots"})
    html = typed.get_data(as_text=True)
    assert typed.status_code == 422 and f'id="err-target_2026-{first["id"]}"' in html
    missing = client.post(f"/targets/plans/{facts['id']}/fill", data={"csrf_token": token, "fill": "pace:all"})
    assert missing.status_code == 422
    no_csrf = client.post(f"/targets/plans/{facts['id']}/fill", data={"fill": "pace:all",
                                                                      "version": str(before["version"])})
    assert no_csrf.status_code == 400
    assert saved(app, facts["id"]) == before


def test_an_annual_plan_counts_its_rows_but_keeps_them_open_and_offers_no_fills(app, auth, client, factories):
    def make():
        plan = factories.district_plan(factories.school(), PlanStatus.draft)
        return {"id": plan.id, "email": factories.principal(plan.school).email,
                "required": sum(1 for r in svc.load_plan_rows(plan) if svc.required(r))}
    facts = in_app(app, make)
    page, token = open_page(client, auth, facts)
    assert re.search(rf"\d+ of {facts['required']} targets set", page)
    assert "data-fold" not in page  # the rows start from the approved path: each is the principal's to check
    assert 'value="pace:all"' not in page and "goal-fill" not in page
    refused = fill(client, facts, token, "pace:all", saved(app, facts["id"])["version"])
    assert refused.status_code == 422 and "That button fills nothing on this plan" in refused.get_data(as_text=True)
