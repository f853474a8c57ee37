"""The header's search in Chromium: a regional leader finds a school of the region by typing in the
header's box, moves into the list with the down arrow, closes it with Escape, and opens the school by
keyboard; the superintendent's office picks an initiative with the mouse and goes on to every result; a
principal is told plainly that another school is not found; and without script the box is a form that
opens the search page."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import School, User
from tests.conftest import ROLE_EMAILS
from tests.e2e import axe
from tests.e2e.keyboard import focused, tab_to


@pytest.fixture(scope="module")
def schools(app):
    """The principal's school (in Local District Central, the demo leader's) and one in another region."""
    with app.app_context():
        own = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal])).school
        other = db.session.scalar(select(School).where(School.region_id != own.region_id).order_by(School.id))
        facts = {"own": (own.id, own.code, own.name), "other": (other.id, other.code, other.name)}
        db.session.remove()
    return facts


def test_a_regional_leader_finds_a_school_and_opens_it_by_keyboard(browser, live_server, login, schools, screenshot):
    school_id, code, name = schools["own"]
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.regional_leader, keyboard=True)
    box = page.get_by_label("Search the portal")
    listing = page.locator("#site-search-results")

    tab_to(page, id="site-search-q")
    page.keyboard.type(code)
    expect(listing).to_be_visible()
    expect(listing.get_by_role("link", name=name)).to_be_visible()
    expect(page.locator("#site-search-status")).to_contain_text(f"for ‘{code}’")
    screenshot(page, "search-1-header-list")

    # Down arrow into the list, Escape out of it: the list closes and the person is back in the box.
    page.keyboard.press("ArrowDown")
    assert name in focused(page)["text"] and focused(page)["ring"]
    page.keyboard.press("Escape")
    expect(listing).to_be_hidden()
    assert focused(page)["id"] == "site-search-q"

    # Typing again opens it; the down arrow and Enter open the school's page.
    page.keyboard.press("End")
    page.keyboard.press("Backspace")
    page.keyboard.type(code[-1])
    expect(listing.get_by_role("link", name=name)).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert name in focused(page)["text"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server}/schools/{school_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    expect(box).to_have_value("")

    # A school of another Local District is not found.
    _, other_code, other_name = schools["other"]
    box.fill(other_code)
    expect(listing).to_be_visible()
    expect(listing).not_to_contain_text(other_name)
    expect(listing).to_contain_text(f"No school, measure or priority matches ‘{other_code}’.")


def test_the_superintendents_office_picks_an_initiative_and_sees_every_result(browser, live_server, login,
                                                                             screenshot):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.superintendent)
    box = page.get_by_label("Search the portal")
    listing = page.locator("#site-search-results")
    box.click()
    box.press_sequentially("tutor")
    expect(listing.get_by_text("Initiatives", exact=False).first).to_be_visible()
    listing.get_by_role("link", name="Acceleration Days & Tutoring").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Acceleration Days & Tutoring")
    page.wait_for_load_state("load")  # the new page's scripts listen to the box before anyone types

    # A click elsewhere closes the list; the list's last link opens the full page of results by kind.
    box.fill("1A")
    expect(listing.get_by_role("link", name=re.compile(r"^1A High-Quality Instruction"))).to_be_visible()
    page.locator(".site-footer").click()
    expect(listing).to_be_hidden()
    box.focus()
    expect(listing).to_be_visible()
    listing.get_by_role("link", name="See all").click()
    expect(page).to_have_url(f"{live_server}/search?q=1A")
    expect(page.get_by_role("heading", name="Measures of Success (5)")).to_be_visible()
    expect(page.get_by_role("heading", name="Priorities (1)")).to_be_visible()
    screenshot(page, "search-2-results-page")


def test_a_principal_without_script_searches_from_the_header_and_gets_the_page(browser, live_server, login,
                                                                               schools, screenshot):
    page = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False).new_page()
    login(page, Role.principal)
    school_id, _, name = schools["own"]
    box = page.get_by_label("Search the portal")
    box.fill(name.split()[0])
    with page.expect_navigation():
        box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Search results for ‘{name.split()[0]}’")
    expect(page.locator("main").get_by_role("link", name=name)).to_have_attribute("href", f"/schools/{school_id}")
    page.get_by_label("Name or code", exact=True).fill("zz no such school")
    with page.expect_navigation():
        page.get_by_label("Name or code", exact=True).press("Enter")
    expect(page.locator("main")).to_contain_text("No school, measure or priority matches ‘zz no such school’.")
    screenshot(page, "search-3-nothing-found")


def test_the_open_list_and_the_results_page_have_no_serious_axe_violations(browser, live_server, login):
    # axe-core is injected as an inline script, which the portal's CSP refuses: this context alone bypasses it.
    page = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.superintendent)
    box = page.get_by_label("Search the portal")
    box.fill("elementary")
    expect(page.locator("#site-search-results")).to_be_visible()
    found = axe.violations(page)
    box.fill("zzzz no such thing")
    expect(page.locator("#site-search-results")).to_contain_text("No school, initiative, measure or priority")
    found += axe.violations(page)
    page.goto(live_server + "/search?q=elementary")
    found += axe.violations(page)
    assert not found, axe.describe("the header's search", found)
