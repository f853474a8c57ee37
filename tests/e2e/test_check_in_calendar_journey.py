"""The check-in calendar, in Chromium: the superintendent's office opens the calendar from the progress cycle,
adds a period (its dates typed out of order first, and told so at the field), and a central office then
starts its action plan's check-in by choosing that period, its name and last day taken from the calendar."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.progress.models import CheckIn, CheckInPeriod
from tests.e2e.arrange import action_plan

NAME = "Winter check-in 2024"


def test_the_superintendents_office_adds_a_period_and_an_office_starts_its_check_in(
        app, browser, live_server, login, factories, screenshot):
    with app.app_context():
        plan = action_plan(factories)
        db.session.remove()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.superintendent)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress cycle").click()
    page.get_by_role("link", name="Check-in calendar").click()
    expect(page.get_by_role("heading", name="Check-in calendar", level=1)).to_be_visible()

    page.get_by_label("Name of the period").fill(NAME)
    page.get_by_label("Opens on").fill("2024-12-13")
    page.get_by_label("Last day, when its check-ins are due").fill("2024-10-14")
    page.get_by_role("button", name="Add the period").click()
    expect(page.locator("#period-due_on-error")).to_contain_text("must come after the day the period opens")
    expect(page.get_by_label("Name of the period")).to_have_value(NAME)
    screenshot(page, "check-in-calendar-1-dates-refused")

    page.get_by_label("Opens on").fill("2024-10-14")
    page.get_by_label("Last day, when its check-ins are due").fill("2024-12-13")
    page.get_by_role("button", name="Add the period").click()
    expect(page.locator(".flash--success")).to_contain_text(f"Added {NAME} to the check-in calendar.")
    with app.app_context():
        factories.adopt(db.session.scalar(select(CheckInPeriod).where(CheckInPeriod.name == NAME)))
        db.session.commit()
        db.session.remove()
    open_now = page.locator("section", has=page.locator("#open-title"))
    expect(open_now.get_by_role("rowheader", name=NAME)).to_be_visible()
    screenshot(page, "check-in-calendar-2-added")

    office = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(office, plan["office"])
    office.goto(live_server + f"/initiatives/{plan['initiative_id']}")
    office.get_by_label("Period on the check-in calendar").select_option(label=f"{NAME} (last day 13 December 2024)")
    office.get_by_role("button", name="Start the check-in").click()
    expect(office.get_by_role("heading", level=1)).to_contain_text(NAME)
    screenshot(office, "check-in-calendar-3-started")
    with app.app_context():
        started = db.session.scalar(select(CheckIn).where(CheckIn.initiative_id == plan["initiative_id"],
                                                          CheckIn.period == NAME))
        assert started is not None and started.period_end.isoformat() == "2024-12-13"
        db.session.remove()
