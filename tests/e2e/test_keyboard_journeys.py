"""Keyboard-only journeys in Chromium, under the portal's real CSP: a principal fills and submits
the school's targets; the regional leader approves that plan in place and returns another with
feedback; a central office takes a check-in through stage 1 and the superintendent's office
accepts its data on the cycle board. Only Tab, Shift+Tab, Enter, Space, Escape and typing:
every control is reached and used that way, focus is always visible, focus goes somewhere sensible
after an htmx swap, and what changes in place is in a live region."""
import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel.policy import Role
from portal.progress.models import CheckIn, Stage
from portal.targets.models import PlanStatus, TargetPlan
from tests.e2e import arrange
from tests.e2e.keyboard import focused, tab_to


def follow_link(page, text, navigates: bool = True) -> None:
    """Tab to a link or button and press Enter: a new page loads, or (htmx) part of this one changes."""
    tab_to(page, text=text)
    if navigates:
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.keyboard.press("Enter")


@pytest.fixture(scope="module")
def plans(app, module_factories):
    """Two schools of their own in Local District Central: one whose principal fills and submits
    its plan by keyboard, one whose plan is already submitted for the leader to return."""
    with app.app_context():
        mine = arrange.central_plan(module_factories)
        other = arrange.central_plan(module_factories, PlanStatus.submitted)
        facts = arrange.plan_facts(module_factories, mine), arrange.plan_facts(module_factories, other)
        db.session.remove()
    return facts


def test_a_principal_fills_and_submits_targets_by_keyboard(app, browser, login, plans, screenshot):
    mine, _ = plans
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, mine["principal"], keyboard=True)
    follow_link(page, "Work on your targets")
    expect(page.get_by_role("heading", level=1)).to_contain_text(mine["school"])

    for row_id, value in mine["rows"]:  # this year's target (2024-25), then on to the row's rationale
        tab_to(page, id=f"year_target-{row_id}")
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")
        assert focused(page)["id"] == f"rationale-{row_id}"
        feedback = page.locator(f"#fb-{row_id}")
        expect(feedback).to_contain_text("Saved at")
        # The saved state is announced where it changed, and focus stays where the principal is.
        expect(feedback).to_have_attribute("aria-live", "polite")
        assert focused(page)["id"] == f"rationale-{row_id}"
    screenshot(page, "keyboard-1-principal-filled")

    follow_link(page, "Submit for review")
    expect(page.locator(".flash--success")).to_contain_text("submitted to your regional office")
    expect(page.locator(".flashes")).to_be_focused()
    expect(page.locator(".flashes")).to_have_attribute("role", "status")
    with app.app_context():
        assert db.session.get(TargetPlan, mine["id"]).status == PlanStatus.submitted
        db.session.remove()


def test_a_regional_leader_approves_one_plan_and_returns_another_by_keyboard(app, browser, login, plans,
                                                                             module_factories, screenshot):
    mine, other = plans
    with app.app_context():  # submitted by its principal, whether or not the story above ran first
        module_factories.drive(db.session.get(TargetPlan, mine["id"]), PlanStatus.submitted)
        db.session.remove()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.regional_leader, keyboard=True)
    follow_link(page, "Target plans")

    # Narrow the queue to the school by typing; the results change in place, focus stays put.
    tab_to(page, id="q")
    page.keyboard.type(mine["code"])
    expect(page.locator("#queue-results .result-count")).to_contain_text("1 plan matches")
    expect(page.locator("#queue-results")).to_have_attribute("aria-live", "polite")
    assert focused(page)["id"] == "q"

    # Approve in place: the row is replaced, focus moves to what happened, and it is announced.
    follow_link(page, f"Approve {mine['school']}", navigates=False)
    status = page.locator(f"#plan-{mine['id']} [role=status]")
    expect(status).to_contain_text("Approved")
    expect(status).to_be_focused()
    assert focused(page)["ring"]
    screenshot(page, "keyboard-2-leader-approved-in-place")

    # Open the other plan and return it; first without saying why.
    tab_to(page, id="q", back=True)
    page.keyboard.press("Control+A")
    page.keyboard.type(other["code"])
    expect(page.locator("#queue-results .result-count")).to_contain_text("1 plan matches")
    follow_link(page, other["school"])
    expect(page.get_by_role("heading", level=1)).to_contain_text(other["school"])
    follow_link(page, "Return for revision")
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    follow_link(page, "Say what needs to change", navigates=False)
    assert focused(page)["id"] == "return-comment"
    expect(page.locator("#return-comment")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#return-comment")).to_have_attribute("aria-describedby", re.compile("return-comment-error"))
    page.keyboard.type("Raise the English Learners' target to the plan's pace.")
    follow_link(page, "Return for revision")
    expect(page.locator(".flash--success")).to_be_visible()
    expect(page.locator(".flashes")).to_be_focused()
    screenshot(page, "keyboard-3-leader-returned")

    with app.app_context():
        assert db.session.get(TargetPlan, mine["id"]).status == PlanStatus.approved
        assert db.session.get(TargetPlan, other["id"]).status == PlanStatus.returned
        db.session.remove()


def test_a_check_in_moves_through_the_cycle_by_keyboard(app, browser, login, factories, screenshot):
    with app.app_context():
        record = arrange.action_plan(factories)
        db.session.remove()
    office = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(office, record["office"], keyboard=True)
    follow_link(office, record["name"])
    expect(office.get_by_role("heading", level=1)).to_contain_text(record["name"])
    follow_link(office, record["period"])
    expect(office.get_by_role("heading", level=1)).to_contain_text(f"{record['period']} check-in")

    # Stage 1: the office enters the figures and the status, and saves.
    tab_to(office, id=f"value-{record['metric_id']}-0")
    office.keyboard.type("512")
    tab_to(office, id="status")
    office.keyboard.type("On track")
    tab_to(office, id="narrative")
    office.keyboard.type("Tutors are in every grade 3 classroom.")
    follow_link(office, re.compile(r"^Save$"))
    expect(office.locator(".flash--success")).to_be_visible()
    expect(office.locator(".flashes")).to_be_focused()

    # ...records the strategy sharing session (a date typed into the date field's parts)...
    tab_to(office, id="sharing_date")
    office.keyboard.type("05022024")
    tab_to(office, id="sharing_attendees")
    office.keyboard.type("Division of Instruction; Strategy office")
    follow_link(office, "Record the sharing session")
    expect(office.locator(".flash--success")).to_be_visible()

    # ...and submits the platform update: stage 2.
    follow_link(office, "Submit the platform update")
    expect(office.locator(".flash--success")).to_be_visible()
    expect(office.locator("[aria-current=step]")).to_contain_text("Platform Progress Update")
    screenshot(office, "keyboard-4-office-submitted")

    # The superintendent's office accepts the data on the cycle board, in place.
    supt = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(supt, Role.superintendent, keyboard=True)
    follow_link(supt, "Progress cycle")
    follow_link(supt, f"Accept the data of {record['name']}", navigates=False)
    card = supt.locator(f"#check-in-{record['check_in_id']}")
    expect(supt.locator("#stage-3-cards").locator(f"#check-in-{record['check_in_id']}")).to_be_visible()
    expect(card.locator(".cycle-card__message")).to_be_focused()
    expect(supt.locator("#cycle-status")).to_contain_text(f"Accepted the data of {record['name']}")
    expect(supt.locator("#cycle-status")).to_have_attribute("role", "status")
    screenshot(supt, "keyboard-5-supt-accepted-in-place")
    with app.app_context():
        assert db.session.get(CheckIn, record["check_in_id"]).stage == Stage.superintendent
        db.session.remove()
