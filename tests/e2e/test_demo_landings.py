"""Each demo log-in lands on its task, in a real browser, as of the portal's date (15 October 2024): the
principal works on this year's draft plan, the regional leader finds submissions waiting, the instruction
office its check-in at stage 1, and the superintendent's office check-ins at stages 2 and 3."""
import re

import pytest
from playwright.sync_api import expect

from portal.kernel.policy import Role

pytestmark = pytest.mark.e2e


def test_each_demo_log_in_lands_on_its_task(page, live_server, login, screenshot):
    # The principal: this year's plan, a draft open for editing; a row saves as it is typed.
    login(page, Role.principal)
    expect(page.locator("body")).to_contain_text("as of 15 October 2024")
    card = page.locator(".card--lead").first
    expect(card).to_contain_text("2024-25 targets")
    expect(card.locator(".status-badge")).to_have_text("Draft")
    card.get_by_role("link", name="Work on your targets").click()
    field = page.locator("input[id^=year_target-]").first
    expect(field).to_be_editable()
    row_id = field.get_attribute("id").split("-", 1)[1]
    before = field.input_value()
    typed = f"{float(before or 50) + 0.5:g}"
    field.fill(typed)
    field.dispatch_event("change")
    expect(page.locator(f"#fb-{row_id}")).to_contain_text("Saved at")
    screenshot(page, "demo-landing-principal")
    field.fill(before)  # leave the shared demo plan as it was
    field.dispatch_event("change")
    expect(page.locator(f"#fb-{row_id}")).to_contain_text("Saved at")
    page.get_by_role("button", name="Log out").click()

    # The regional leader: submissions waiting for review.
    login(page, Role.regional_leader)
    waiting = page.get_by_role("link", name=re.compile(r"\d+ plans? waiting for your review"))
    expect(waiting).to_be_visible()
    assert int(re.match(r"\d+", waiting.inner_text()).group()) >= 1
    page.get_by_role("link", name="Review submitted plans").click()
    expect(page.get_by_role("button", name=re.compile("^Approve")).first).to_be_visible()
    screenshot(page, "demo-landing-leader")
    page.get_by_role("button", name="Log out").click()

    # The instruction office: its Fall 2024 check-in, at stage 1 (the strategy sharing session to hold).
    login(page, Role.central_office)
    stage_one = page.get_by_role("link", name="1. Strategy Sharing Session")
    expect(stage_one).to_be_visible()
    expect(page.locator(".card--lead")).to_contain_text("Fall 2024")
    stage_one.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fall 2024 check-in")
    expect(page.get_by_role("heading", name="1. Strategy sharing session")).to_be_visible()
    screenshot(page, "demo-landing-office")
    page.get_by_role("button", name="Log out").click()

    # The superintendent's office: a check-in waiting for data review, one to record with the superintendent.
    login(page, Role.superintendent)
    cycle_card = page.locator(".card--lead").filter(has_text="Progress monitoring cycle")
    expect(cycle_card).to_contain_text("1 check-in waiting for data review")
    expect(cycle_card).to_contain_text("1 to record with the superintendent")
    cycle_card.get_by_role("link", name="Open the cycle board").click()
    expect(page.locator("#stage-2-cards li")).not_to_have_count(0)
    expect(page.locator("#stage-3-cards li")).not_to_have_count(0)
    expect(page.locator("#stage-2-cards")).to_contain_text("Greening Projects")
    expect(page.locator("#stage-3-cards")).to_contain_text("Connectivity")
    screenshot(page, "demo-landing-superintendent")
