"""The target-setting journey in Chromium: a principal fills and submits; the regional leader
returns it with a comment; the principal revises and resubmits; the leader sees what changed
and approves; the principal sees the plan approved and locked."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.models import PlanStatus, Region, Role, School, TargetCycle, TargetPlan, User
from portal.targets import operations as svc
from portal.targets.guardrails import plan_target
from tests.conftest import DEMO_PASSWORD


def arrange(app):
    """An unsubmitted plan in Local District Central (the first by id: the unit tests take theirs
    from the other end), and what the plan asks of each row."""
    with app.app_context():
        plan = db.session.scalars(
            select(TargetPlan).join(TargetCycle).join(School).join(Region)
            .where(TargetPlan.status.in_([PlanStatus.not_started, PlanStatus.draft]), Region.code == "C",
                   TargetCycle.kind == "trajectory")
            .order_by(TargetPlan.id)).first()
        principal = db.session.scalar(select(User.email).where(User.school_id == plan.school_id,
                                                               User.role == Role.principal))
        rows = [(r.id, plan_target(r.metric, r.baseline_value, r.group.targeted))
                for r in svc.load_plan_rows(plan) if svc.required(r)]
        facts = plan.id, plan.school.name, plan.school.code, principal, rows
        db.session.remove()
        return facts


def log_in(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(base + "/home")


def test_a_plan_goes_from_draft_through_return_to_approval(app, browser, live_server, screenshot):
    plan_id, school, code, principal_email, rows = arrange(app)
    principal = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    leader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The principal fills every required row; each saves as it is typed.
    log_in(principal, live_server, principal_email)
    principal.get_by_role("link", name="Our targets", exact=True).click()
    expect(principal.get_by_role("heading", level=1)).to_contain_text(school)
    for row_id, value in rows:
        principal.locator(f"#target_2026-{row_id}").fill(str(value))
        principal.locator(f"#trajectory-{row_id}").select_option("linear")
        expect(principal.locator(f"#fb-{row_id}")).to_contain_text("Saved at")
    screenshot(principal, "journey-1-principal-filled")
    principal.get_by_role("button", name="Submit for review").click()
    expect(principal.locator(".flash--success")).to_contain_text("submitted to your regional office")
    expect(principal.locator(".status-badge")).to_contain_text("Submitted")
    expect(principal.locator(f"#target_2026-{rows[0][0]}")).to_have_count(0)  # locked

    # The regional leader finds it in the queue and returns it with a comment.
    log_in(leader, live_server, "leader.central@district.example")
    leader.get_by_role("link", name="Target plans", exact=True).click()
    leader.get_by_label("School name or code").fill(code)
    expect(leader.get_by_role("link", name=school)).to_be_visible()
    leader.get_by_role("link", name=school).click()
    leader.get_by_role("button", name="Return for revision").click()
    expect(leader.get_by_text("Say what needs to change").first).to_be_visible()  # the comment is required
    leader.get_by_label("What needs to change").fill("Please raise the first schoolwide target by two points.")
    leader.get_by_role("button", name="Return for revision").click()
    expect(leader.locator(".flash--success")).to_be_visible()
    screenshot(leader, "journey-2-leader-returned")

    # The principal sees the comment, revises one row and resubmits.
    principal.reload()
    expect(principal.locator(".callout--returned")).to_contain_text("raise the first schoolwide target")
    first_id, first_value = rows[0]
    principal.locator(f"#target_2026-{first_id}").fill(str(round(first_value + 2, 1)))
    expect(principal.locator(f"#fb-{first_id}")).to_contain_text("Saved at")
    screenshot(principal, "journey-3-principal-revising")
    principal.get_by_role("button", name="Submit for review").click()
    expect(principal.locator(".status-badge")).to_contain_text("Submitted")

    # The leader sees what changed since the return, and approves.
    leader.reload()
    expect(leader.get_by_text("1 row changed since it was returned")).to_be_visible()
    expect(leader.locator("tr.changed")).to_have_count(1)
    screenshot(leader, "journey-4-leader-sees-changes")
    leader.get_by_role("button", name="Approve the plan").click()
    expect(leader.locator(".flash--success")).to_be_visible()

    # The principal sees it approved and locked.
    principal.reload()
    expect(principal.locator(".status-badge")).to_contain_text("Approved")
    expect(principal.locator(".callout--approved")).to_be_visible()
    expect(principal.locator("input[id^=target_2026-]")).to_have_count(0)
    screenshot(principal, "journey-5-principal-approved")
    with app.app_context():
        assert db.session.get(TargetPlan, plan_id).status == PlanStatus.approved
        db.session.remove()


def test_two_rows_typed_in_quick_succession_both_save_on_a_slow_server(app, browser, live_server, monkeypatch):
    """A principal on a busy deadline day types one row and moves straight on to the next while the
    server is still answering the first. The second save must wait for the first and carry the
    plan's new version, not be refused as if someone else had edited the plan."""
    import time

    with app.app_context():
        plan = db.session.scalars(
            select(TargetPlan).join(TargetCycle).join(School).join(Region)
            .where(TargetPlan.status.in_([PlanStatus.not_started, PlanStatus.draft]), Region.code == "S",
                   TargetCycle.kind == "trajectory")
            .order_by(TargetPlan.id)).first()
        email = db.session.scalar(select(User.email).where(User.school_id == plan.school_id,
                                                           User.role == Role.principal, User.active.is_(True))
                                  .order_by(User.id))
        (first_id, first_value), (second_id, second_value) = [
            (r.id, plan_target(r.metric, r.baseline_value, r.group.targeted))
            for r in svc.load_plan_rows(plan) if svc.required(r)][:2]
        plan_id = plan.id
        db.session.remove()

    real_save = svc.save_row

    def slow_save(*args, **kwargs):
        time.sleep(0.6)  # a busy server: the next row's save is sent before this one answers
        return real_save(*args, **kwargs)

    monkeypatch.setattr(svc, "save_row", slow_save)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, live_server, email)
    page.goto(f"{live_server}/targets/plans/{plan_id}")
    page.locator(f"#target_2026-{first_id}").fill(str(first_value))
    page.locator(f"#target_2026-{first_id}").dispatch_event("change")
    page.locator(f"#target_2026-{second_id}").fill(str(second_value))
    page.locator(f"#target_2026-{second_id}").dispatch_event("change")

    expect(page.locator(f"#fb-{first_id}")).to_contain_text("Saved at")
    expect(page.locator(f"#fb-{second_id}")).to_contain_text("Saved at")
    expect(page.get_by_text("Not saved")).to_have_count(0)
    with app.app_context():
        saved = {t.id: t.target_2026 for t in svc.load_plan_rows(db.session.get(TargetPlan, plan_id))}
        assert saved[first_id] == first_value and saved[second_id] == second_value
        db.session.remove()
