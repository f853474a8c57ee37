"""Administrators open target cycles and extend a school's window; annual cycles start from
the approved trajectory and ask for a rationale when a school departs from it."""
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.notifications.models import Notification
from portal.org.models import User
from portal.targets.guardrails import interim_targets
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan, WindowExtension
from tests.conftest import PORTAL_TODAY


def portal_today() -> date:
    """The portal's date (PORTAL_TODAY), in or out of an application context."""
    return date.fromisoformat(PORTAL_TODAY)


def in_app(app, fn):
    with app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def test_cycle_dates_and_year_are_checked_at_the_field(app, login_as, client, auth):
    login_as(Role.admin)
    token = auth.csrf("/admin/cycles")
    today = portal_today()
    response = client.post("/admin/cycles/new", data={
        "csrf_token": token, "school_year": "2024-26", "kind": "trajectory", "name": "Bad",
        "opens_on": today.isoformat(), "due_on": (today - timedelta(days=2)).isoformat(),
        "closes_on": (today + timedelta(days=9)).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Write the school year as two years in a row, like 2024-25." in html
    assert "The dates must run in order" in html
    empty = client.post("/admin/cycles/new", data={"csrf_token": token, "kind": "trajectory"})
    assert "Enter the date the window opens." in empty.get_data(as_text=True)
    assert "Enter the school year" in empty.get_data(as_text=True)


# The demo already runs the annual cycles of 2023-24 and 2024-25: the test opens the one year left that has
# none, the plan's first (its trajectory cycle's year), whose path value is the first of the four. Its
# window falls in that year, as every cycle's does, so the school's principal edits it under an extension.
YEAR = "2022-23"


def test_an_annual_cycle_starts_from_the_approved_trajectory(app, login_as, client, auth, factories):
    def arrange():
        plan = factories.target_plan(factories.school(), PlanStatus.approved, trajectory="step_up")
        return plan.id, plan.school_id, factories.principal(plan.school).email
    approved_id, school_id, email = in_app(app, arrange)
    login_as(Role.admin)
    response = client.post("/admin/cycles/new", data={
        "csrf_token": auth.csrf("/admin/cycles"), "school_year": YEAR, "kind": "annual", "name": "",
        "opens_on": "2022-09-12", "due_on": "2022-10-14", "closes_on": "2022-10-28"})
    assert response.status_code == 303
    assert f"Opened “{YEAR} targets” with a plan for each of" in client.get("/admin/cycles").get_data(as_text=True)

    def check():
        cycle = db.session.scalar(select(TargetCycle).where(TargetCycle.kind == CycleKind.annual,
                                                            TargetCycle.school_year == YEAR))
        factories.adopt(cycle)
        db.session.commit()
        old = db.session.scalar(select(Target).where(Target.plan_id == approved_id, Target.target_2026.is_not(None),
                                                     Target.trajectory_code.is_not(None)).order_by(Target.id))
        new_plan = db.session.scalar(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id,
                                                              TargetPlan.school_id == school_id))
        new = db.session.scalar(select(Target).where(Target.plan_id == new_plan.id, Target.metric_id == old.metric_id,
                                                     Target.group_id == old.group_id))
        shares = {"linear": [0.25, 0.5, 0.75, 1.0], "aggressive": [0.4, 0.7, 0.9, 1.0],
                  "step_up": [0.1, 0.3, 0.6, 1.0], "delayed": [0.0, 0.1, 0.4, 1.0]}[old.trajectory_code]
        assert new.target_2026 == old.target_2026 and new.trajectory_code == old.trajectory_code
        assert old.trajectory_code == "step_up"
        assert new.year_target == interim_targets(old.baseline_value, old.target_2026, shares)[0]
        return cycle.id, new_plan.id, new.id, new.year_target, new_plan.version, new_plan.school.code
    cycle_id, plan_id, row_id, planned, version, code = in_app(app, check)
    extended = client.post(f"/admin/cycles/{cycle_id}/extend", data={
        "csrf_token": auth.csrf("/admin/cycles"), "school_code": code,
        "until": (portal_today() + timedelta(days=10)).isoformat(), "reason": "A late start in the plan's first year"})
    assert extended.status_code == 303

    auth.logout()
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    page = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
    assert f"Target for {YEAR}" in page and "Approved path" in page
    off_path = client.post(f"/targets/plans/{plan_id}/rows/{row_id}",
                           headers={"HX-Request": "true", "X-CSRFToken": token},
                           data={f"year_target-{row_id}": str(planned - 3), f"rationale-{row_id}": "",
                                 "version": str(version)})
    html = off_path.get_data(as_text=True)
    assert off_path.status_code == 200 and "Needs a rationale" in html and "-3.0 from it" in html
    assert in_app(app, lambda: db.session.get(Target, row_id).year_target) == round(planned - 3, 1)


def test_after_the_window_closes_a_principal_cannot_edit_until_an_admin_extends_it(app, login_as, client, auth,
                                                                                   factories):
    def arrange():
        plan = factories.target_plan(factories.school(), PlanStatus.draft)
        cycle = plan.cycle
        row = db.session.scalar(select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id))
        return cycle.id, cycle.closes_on, plan.id, plan.school.code, factories.principal(plan.school).email, row
    cycle_id, closes_on, plan_id, code, email, row_id = in_app(app, arrange)

    def set_closes(value):
        def go():
            db.session.get(TargetCycle, cycle_id).closes_on = value
            db.session.commit()
        in_app(app, go)
    set_closes(portal_today() - timedelta(days=1))
    try:
        auth.login(email)
        token = auth.csrf(f"/targets/plans/{plan_id}")
        page = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
        assert "The target-setting window closed" in page and '<input type="text"' not in page
        version = in_app(app, lambda: db.session.get(TargetPlan, plan_id).version)
        refused = client.post(f"/targets/plans/{plan_id}/rows/{row_id}",
                              headers={"HX-Request": "true", "X-CSRFToken": token},
                              data={f"target_2026-{row_id}": "10", "version": str(version)})
        assert refused.status_code == 409 and "window for this school has closed" in refused.get_data(as_text=True)
        auth.logout()
        auth.login("admin@district.example")
        bad = client.post(f"/admin/cycles/{cycle_id}/extend", data={
            "csrf_token": auth.csrf("/admin/cycles"), "school_code": "nope", "until": portal_today().isoformat(),
            "reason": "Principal on leave"})
        assert "No school has that code." in bad.get_data(as_text=True)
        ok = client.post(f"/admin/cycles/{cycle_id}/extend", data={
            "csrf_token": auth.csrf("/admin/cycles"), "school_code": code,
            "until": (portal_today() + timedelta(days=5)).isoformat(), "reason": "New principal started this week"})
        assert ok.status_code == 303
        auth.logout()
        auth.login(email)
        page = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
        assert '<input type="text"' in page
    finally:
        set_closes(closes_on)


def test_an_admin_changes_then_withdraws_an_extension_and_the_principal_hears_each(app, login_as, client, auth,
                                                                                    factories):
    def arrange():
        plan = factories.target_plan(factories.school(), PlanStatus.draft)
        principal = factories.principal(plan.school)
        return plan.cycle_id, plan.cycle.closes_on, plan.id, plan.school.code, principal.email, principal.id
    cycle_id, closes_on, plan_id, code, email, principal_id = in_app(app, arrange)

    def set_closes(value):
        def go():
            db.session.get(TargetCycle, cycle_id).closes_on = value
            db.session.commit()
        in_app(app, go)

    def told():
        return in_app(app, lambda: [(n.kind, n.subject, n.comment) for n in db.session.scalars(
            select(Notification).where(Notification.user_id == principal_id).order_by(Notification.id))])
    today = portal_today()
    set_closes(today - timedelta(days=1))
    try:
        login_as(Role.admin)
        granted = client.post(f"/admin/cycles/{cycle_id}/extend", data={
            "csrf_token": auth.csrf("/admin/cycles"), "school_code": code,
            "until": (today + timedelta(days=5)).isoformat(), "reason": "New principal started this week"})
        assert granted.status_code == 303
        ext_id = in_app(app, lambda: db.session.scalar(select(WindowExtension.id).where(
            WindowExtension.cycle_id == cycle_id)))
        cycles_page = client.get("/admin/cycles").get_data(as_text=True)
        assert f'href="/admin/extensions/{ext_id}"' in cycles_page and "Change or withdraw" in cycles_page

        # A date in the past, or one that is no date, is refused at the field and changes nothing.
        page = client.get(f"/admin/extensions/{ext_id}").get_data(as_text=True)
        assert "New principal started this week" in page
        for bad, message in [((today - timedelta(days=1)).isoformat(), "Choose today or a later date."),
                             ("2025-02-31", "")]:
            refused = client.post(f"/admin/extensions/{ext_id}", data={
                "csrf_token": auth.csrf(f"/admin/extensions/{ext_id}"), "until": bad, "reason": "Moved"})
            html = refused.get_data(as_text=True)
            assert refused.status_code == 422 and 'id="until-error"' in html and message in html
        assert in_app(app, lambda: db.session.get(WindowExtension, ext_id).until) == today + timedelta(days=5)

        later = today + timedelta(days=12)
        changed = client.post(f"/admin/extensions/{ext_id}", data={
            "csrf_token": auth.csrf(f"/admin/extensions/{ext_id}"), "until": later.isoformat(),
            "reason": "The data team needs another week"})
        assert changed.status_code == 303
        assert in_app(app, lambda: db.session.get(WindowExtension, ext_id).until) == later
        kinds, subjects, comments = zip(*told(), strict=True)
        assert kinds == ("window_extended", "window_extended")
        assert subjects[1].startswith("Window extension changed to")
        assert comments[1] == "The data team needs another week"

        no_reason = client.post(f"/admin/extensions/{ext_id}/withdraw", data={
            "csrf_token": auth.csrf(f"/admin/extensions/{ext_id}"), "withdraw_reason": "  "})
        assert no_reason.status_code == 422
        assert "Give the reason for withdrawing the extension." in no_reason.get_data(as_text=True)
        withdrawn = client.post(f"/admin/extensions/{ext_id}/withdraw", data={
            "csrf_token": auth.csrf(f"/admin/extensions/{ext_id}"), "withdraw_reason": "Granted to the wrong school"})
        assert withdrawn.status_code == 303
        assert in_app(app, lambda: db.session.get(WindowExtension, ext_id)) is None
        assert client.get(f"/admin/extensions/{ext_id}").status_code == 404
        last = told()[-1]
        assert last[0] == "window_extended" and last[1].startswith("Window extension withdrawn")
        assert last[2] == "Granted to the wrong school"
        actions = in_app(app, lambda: [(e.action, e.actor_role) for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "target_plan", AuditEvent.entity_id == plan_id).order_by(AuditEvent.id))])
        assert actions[-3:] == [("extend", "admin"), ("extend_change", "admin"), ("extend_revoke", "admin")]

        # Without the extension the closed window is closed again for the principal.
        auth.logout()
        auth.login(email)
        page = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
        assert "The target-setting window closed" in page and '<input type="text"' not in page
        history = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
        assert "withdraw the extension" in history.lower()
    finally:
        set_closes(closes_on)


def test_only_an_administrator_may_change_or_withdraw_an_extension(app, login_as, client, auth, factories):
    def arrange():
        plan = factories.target_plan(factories.school(), PlanStatus.draft)
        admin = db.session.scalar(select(User).where(User.email == "admin@district.example"))
        ext = WindowExtension(cycle_id=plan.cycle_id, school_id=plan.school_id, until=portal_today(),
                              reason="Leave", granted_by_id=admin.id)
        db.session.add(ext)
        db.session.commit()
        return ext.id, factories.principal(plan.school).email
    ext_id, email = in_app(app, arrange)
    auth.login(email)
    token = auth.csrf("/home")
    assert client.get(f"/admin/extensions/{ext_id}").status_code == 403
    assert client.post(f"/admin/extensions/{ext_id}/withdraw", data={
        "csrf_token": token, "withdraw_reason": "Mine now"}).status_code == 403
    assert in_app(app, lambda: db.session.get(WindowExtension, ext_id)) is not None
