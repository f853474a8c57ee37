"""A principal types the last target and presses "Submit for review" at once, before the value's
autosave has answered. The submit waits for that save and carries the plan's version it produced:
the plan is submitted with the value just typed, and no one is said to have edited it meanwhile.
When that save cannot reach the portal, or takes too long, nothing is submitted, the page says why,
and pressing the button again once the save gets through submits the plan with the value."""
from playwright.sync_api import expect

from portal.extensions import db
from portal.targets.models import PlanStatus, Target, TargetPlan
from tests.e2e.test_target_journey import plan_to_fill


def test_a_value_typed_just_before_submitting_is_saved_and_the_plan_submitted(app, browser, live_server, login,
                                                                              factories, screenshot):
    facts = plan_to_fill(app, factories)
    rows = facts["rows"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, facts["principal"])
    page.goto(live_server + f"/targets/plans/{facts['id']}")
    for row_id, value in rows[:-1]:
        page.locator(f"#year_target-{row_id}").fill(str(value))
        expect(page.locator(f"#fb-{row_id}")).to_contain_text("Saved at")

    # The last value, and straight to the button: its save has not even started when the button is pressed.
    last_id, last_value = rows[-1]
    page.locator(f"#year_target-{last_id}").press_sequentially(str(last_value))
    page.get_by_role("button", name="Submit for review").click()

    expect(page.locator(".flash--success")).to_contain_text("submitted to your regional office")
    expect(page.locator(".status-badge")).to_contain_text("Submitted")
    expect(page.get_by_text("while you were working")).to_have_count(0)
    expect(page.get_by_text("in another tab")).to_have_count(0)
    screenshot(page, "submit-after-typing-submitted")
    with app.app_context():
        assert db.session.get(TargetPlan, facts["id"]).status == PlanStatus.submitted
        assert db.session.get(Target, last_id).year_target == float(last_value)
        db.session.remove()


def _fill_all_but_the_last(page, rows):
    for row_id, value in rows[:-1]:
        page.locator(f"#year_target-{row_id}").fill(str(value))
        expect(page.locator(f"#fb-{row_id}")).to_contain_text("Saved at")


def test_a_save_that_cannot_reach_the_portal_stops_the_submit_and_the_next_press_sends_it(
        app, browser, live_server, login, factories, screenshot):
    facts = plan_to_fill(app, factories)
    rows = facts["rows"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, facts["principal"])
    page.goto(live_server + f"/targets/plans/{facts['id']}")
    _fill_all_but_the_last(page, rows)

    # The connection drops as the last value is typed: its save never arrives, so nothing is submitted.
    last_id, last_value = rows[-1]
    page.route(f"**/targets/plans/{facts['id']}/rows/{last_id}", lambda route: route.abort())
    page.locator(f"#year_target-{last_id}").press_sequentially(str(last_value))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#app-alert")).to_contain_text("The portal could not be reached.")
    screenshot(page, "submit-after-typing-offline")
    with app.app_context():
        assert db.session.get(TargetPlan, facts["id"]).status == PlanStatus.draft
        db.session.remove()

    # Back online, the same button saves the value and then submits the plan with it.
    page.unroute(f"**/targets/plans/{facts['id']}/rows/{last_id}")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".flash--success")).to_contain_text("submitted to your regional office")
    with app.app_context():
        assert db.session.get(TargetPlan, facts["id"]).status == PlanStatus.submitted
        assert db.session.get(Target, last_id).year_target == float(last_value)
        db.session.remove()


def test_a_save_that_takes_too_long_stops_the_wait_and_says_so(app, browser, live_server, login, factories):
    facts = plan_to_fill(app, factories)
    rows = facts["rows"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, facts["principal"])
    page.goto(live_server + f"/targets/plans/{facts['id']}")
    _fill_all_but_the_last(page, rows)
    page.evaluate("document.getElementById('plan-form').setAttribute('data-wait-for-saves', '1500')")

    held = []  # the last value's save, held on its way to the portal

    def hold(route):  # Playwright reads the handler's parameters, which a bound builtin does not have
        held.append(route)

    last_id, last_value = rows[-1]
    page.route(f"**/targets/plans/{facts['id']}/rows/{last_id}", hold)
    page.locator(f"#year_target-{last_id}").press_sequentially(str(last_value))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("#app-alert")).to_contain_text("Your last change is still being saved, so nothing was sent")
    with app.app_context():
        assert db.session.get(TargetPlan, facts["id"]).status == PlanStatus.draft
        db.session.remove()

    # The save gets through; pressing again submits the plan with the value.
    for route in held:
        route.continue_()
    page.unroute(f"**/targets/plans/{facts['id']}/rows/{last_id}")
    expect(page.locator(f"#fb-{last_id}")).to_contain_text("Saved at")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".flash--success")).to_contain_text("submitted to your regional office")
    with app.app_context():
        assert db.session.get(Target, last_id).year_target == float(last_value)
        db.session.remove()
