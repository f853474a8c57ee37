"""The target-setting journey in Chromium: a principal fills and submits; the regional leader
returns it with a comment; the principal revises and resubmits; the leader sees what changed
and approves; the principal sees the plan approved and locked."""
from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel.policy import Role
from portal.targets import operations as svc
from portal.targets.models import PlanStatus, TargetPlan
from tests.e2e import arrange


def plan_to_fill(app, factories, region: str = "C") -> dict:
    """A school of the test's own in a demo region (Local District Central, whose leader reviews
    it, unless given) with its plan not started, and what the plan asks of each required row."""
    with app.app_context():
        facts = arrange.plan_facts(factories, arrange.central_plan(factories, region=region))
        db.session.remove()
        return facts


def test_a_plan_goes_from_draft_through_return_to_approval(app, browser, live_server, login, factories, screenshot):
    facts = plan_to_fill(app, factories)
    plan_id, school, code, principal_email, rows = (facts["id"], facts["school"], facts["code"], facts["principal"],
                                                    facts["rows"])
    principal = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    leader = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The principal fills every required row; each saves as it is typed.
    login(principal, principal_email)
    principal.get_by_role("link", name="Our targets", exact=True).click()
    principal.wait_for_load_state()  # its live fields answer once the page's scripts have run
    expect(principal.get_by_role("heading", level=1)).to_contain_text(school)
    for row_id, value in rows:
        principal.locator(f"#year_target-{row_id}").fill(str(value))
        expect(principal.locator(f"#fb-{row_id}")).to_contain_text("Saved at")
    screenshot(principal, "journey-1-principal-filled")
    principal.get_by_role("button", name="Submit for review").click()
    expect(principal.locator(".flash--success")).to_contain_text("submitted to your regional office")
    expect(principal.locator(".status-badge")).to_contain_text("Submitted")
    expect(principal.locator(f"#year_target-{rows[0][0]}")).to_have_count(0)  # locked

    # The regional leader finds it in the queue and returns it with a comment.
    login(leader, Role.regional_leader)  # leader.central@, the region's leader
    leader.get_by_role("link", name="Target plans", exact=True).click()
    leader.wait_for_load_state()  # its live fields answer once the page's scripts have run
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
    principal.locator(f"#year_target-{first_id}").fill(str(round(first_value + 2, 1)))
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
    expect(principal.locator("input[id^=year_target-]")).to_have_count(0)
    screenshot(principal, "journey-5-principal-approved")
    with app.app_context():
        assert db.session.get(TargetPlan, plan_id).status == PlanStatus.approved
        db.session.remove()


def test_two_rows_typed_in_quick_succession_both_save_on_a_slow_server(app, browser, live_server, login, factories,
                                                                       monkeypatch):
    """A principal on a busy deadline day types one row and moves straight on to the next while the
    server is still answering the first. The second save must wait for the first and carry the
    plan's new version, not be refused as if someone else had edited the plan."""
    import time

    facts = plan_to_fill(app, factories, region="S")  # a school of its own in Local District South
    plan_id, email = facts["id"], facts["principal"]
    (first_id, first_value), (second_id, second_value) = facts["rows"][:2]

    real_save = svc.save_row

    def slow_save(*args, **kwargs):
        time.sleep(0.6)  # a busy server: the next row's save is sent before this one answers
        return real_save(*args, **kwargs)

    monkeypatch.setattr(svc, "save_row", slow_save)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, email)
    page.goto(f"{live_server}/targets/plans/{plan_id}")
    page.locator(f"#year_target-{first_id}").fill(str(first_value))
    page.locator(f"#year_target-{first_id}").dispatch_event("change")
    page.locator(f"#year_target-{second_id}").fill(str(second_value))
    page.locator(f"#year_target-{second_id}").dispatch_event("change")

    expect(page.locator(f"#fb-{first_id}")).to_contain_text("Saved at")
    expect(page.locator(f"#fb-{second_id}")).to_contain_text("Saved at")
    expect(page.get_by_text("Not saved")).to_have_count(0)
    with app.app_context():
        saved = {t.id: t.year_target for t in svc.load_plan_rows(db.session.get(TargetPlan, plan_id))}
        assert saved[first_id] == first_value and saved[second_id] == second_value
        db.session.remove()
