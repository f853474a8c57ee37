"""The next plan begins, in Chromium: an administrator finds the successor plan loaded beside the
current one, reads it, makes it current, and then finds the plan that was current kept to read only."""
import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import plans
from portal.kernel.plans import StrategicPlan
from portal.kernel.policy import Role
from portal.strategic_plan.seed import load_plan

SUCCESSOR = os.path.join(os.path.dirname(__file__), "..", "fixtures", "successor_plan")
CURRENT = "Ready for the World: Strategic Plan 2022–2026"
NEXT = "Ready for the World: Strategic Plan 2026–2030"


@pytest.fixture
def successor(app):
    with app.app_context():
        load_plan(SUCCESSOR)
        db.session.commit()
    yield
    with app.app_context():
        plans.make_current(db.session.scalar(select(StrategicPlan).where(StrategicPlan.code == "2022-26")))
        db.session.commit()
        db.session.remove()


def test_an_administrator_begins_the_next_plan_and_the_last_one_is_kept_to_read(browser, live_server, login,
                                                                                successor, screenshot):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.admin)
    page.goto(live_server + "/plan")
    page.get_by_role("link", name="All of the district's Strategic Plans").click()
    expect(page.get_by_role("heading", name="Strategic Plans")).to_be_visible()
    successor_row = page.get_by_role("row").filter(has_text=NEXT)
    expect(successor_row).to_contain_text("Not yet current")

    # Reading the next plan before it is current: a banner says so, and the way back.
    successor_row.get_by_role("link", name="Read this plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEXT)
    expect(page.locator(".plan-banner")).to_contain_text(f"You are reading {NEXT}")
    screenshot(page, "successor-1-reading-the-next-plan")
    page.locator(".plan-banner").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(CURRENT)

    # Making it current.
    page.goto(live_server + "/plans")
    page.get_by_role("row").filter(has_text=NEXT).get_by_role("button", name="Make current").click()
    expect(page.locator(".flash--success")).to_contain_text(f"{NEXT} is now the current plan.")
    expect(page.get_by_role("row").filter(has_text=CURRENT)).to_contain_text("read only")
    screenshot(page, "successor-2-made-current")

    # The plan that was current reads as before, and refuses a change with the reason.
    page.get_by_role("row").filter(has_text=CURRENT).get_by_role("link", name="Read this plan").click()
    expect(page.locator(".plan-banner")).to_contain_text("It can be read but not changed.")
    page.goto(live_server + "/board-updates")
    expect(page.get_by_text("Strategic Plan Mid-Year Implementation Update").first).to_be_visible()
    page.goto(live_server + "/admin/cycles")
    page.get_by_label("School year", exact=True).fill("2025-26")
    page.get_by_label("Kind", exact=True).select_option("annual")
    page.get_by_label("Opens on").fill("2025-09-08")
    page.get_by_label("Due on").fill("2025-10-03")
    page.get_by_label("Closes on").fill("2025-10-10")
    page.get_by_role("button", name="Open the cycle").click()
    expect(page.get_by_role("heading", name="This plan can't be changed")).to_be_visible()
    expect(page.get_by_text(f"{CURRENT} is no longer the current plan")).to_be_visible()
    screenshot(page, "successor-3-the-last-plan-refuses-a-change")
