"""Every date fits the plan's clock, in Chromium: an administrator tries to open a target cycle for a
school year after the plan has ended, reads why at the school year field, and opens one in the plan."""
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.strategic_plan import calendar
from portal.targets.models import CycleKind, TargetCycle


def free_trajectory_year(app) -> str:
    """A school year of the plan, before its last, with no trajectory cycle yet (the cycle the test opens is
    removed when it ends)."""
    with app.app_context():
        taken = set(db.session.scalars(select(TargetCycle.school_year).where(
            TargetCycle.kind == CycleKind.trajectory)))
        free = [year for year in calendar.plan_years()[:-1] if year not in taken]
        db.session.remove()
    assert free, "every school year of the plan but its last already has a trajectory cycle"
    return free[-1]


def test_an_administrator_is_told_at_the_field_to_choose_a_year_of_the_plan(app, browser, live_server, login,
                                                                            factories, screenshot):
    year = free_trajectory_year(app)
    start = int(year[:4])
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.admin)
    page.goto(live_server + "/admin/cycles")
    expect(page.get_by_text("A school year of the plan, from 2022-23 to 2025-26")).to_be_visible()

    # A year after the plan: refused, with the reason at the school year field and what was typed kept.
    page.get_by_label("School year", exact=True).fill("2026-27")
    page.get_by_label("Kind", exact=True).select_option("trajectory")
    page.get_by_label("Opens on").fill("2026-09-14")
    page.get_by_label("Due on").fill("2026-10-02")
    page.get_by_label("Closes on").fill("2026-10-09")
    page.get_by_role("button", name="Open the cycle").click()
    message = "The 2022–2026 plan runs from 2022-23 to 2025-26; choose a school year in it."
    expect(page.locator("#school_year-error")).to_contain_text(message)
    expect(page.get_by_label("School year", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("School year", exact=True)).to_have_value("2026-27")
    expect(page.locator(".error-summary")).to_contain_text(message)
    screenshot(page, "plan-calendar-1-year-refused")

    # A year of the plan, its window inside that year and no name typed: opened, named for its year.
    page.get_by_label("School year", exact=True).fill(year)
    page.get_by_label("Opens on").fill(f"{start}-09-02")
    page.get_by_label("Due on").fill(f"{start}-10-04")
    page.get_by_label("Closes on").fill(f"{start}-10-11")
    page.get_by_role("button", name="Open the cycle").click()
    name = f"{year} targets with a trajectory to 2026"
    expect(page.locator(".flash--success")).to_contain_text(f"Opened “{name}”")
    with app.app_context():
        factories.adopt(db.session.scalar(select(TargetCycle).where(TargetCycle.kind == CycleKind.trajectory,
                                                                    TargetCycle.school_year == year)))
        db.session.commit()
        db.session.remove()
    expect(page.get_by_role("rowheader", name=name)).to_be_visible()
    screenshot(page, "plan-calendar-2-opened")
