"""The long target form guides a principal in Chromium: the count of targets set changes in place as
a row saves, the fills start every empty target at the district's pace and give each goal one
trajectory, finished rows fold to one line that opens again from the keyboard, and a goal's link
takes the principal to it."""
import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.targets.models import Target
from tests.e2e.test_click_counts import trajectory_plan

pytestmark = pytest.mark.e2e


def test_a_principal_is_guided_through_a_35_row_plan(page, app, live_server, login, factories, screenshot):
    facts = trajectory_plan(app, factories)
    login(page, facts["principal"])
    page.get_by_role("link", name="Our targets", exact=True).click()
    progress = page.locator("#plan-progress")
    expect(progress).to_contain_text("0 of 35 targets set")
    expect(progress).to_contain_text("35 rows still need")
    # One row by hand: the count changes in place, without a new page.
    first, value = facts["rows"][0]
    page.locator(f"#target_2026-{first}").fill(str(value))
    page.locator(f"#trajectory-{first}").click()
    expect(page.locator(f"#fb-{first}")).to_contain_text("Saved at")
    expect(progress).to_contain_text("1 of 35 targets set")
    expect(page.locator(f"#sum-{first}")).to_contain_text("Steady")
    # Every empty target at the district's pace, then one trajectory for each goal.
    page.get_by_role("button", name="Start every empty target at the district's pace").click()
    expect(page.locator(".flash--success")).to_contain_text("34 empty 2026 targets are now at the district's pace")
    goals = page.locator(".goal-fill select").count()
    assert goals >= 2
    for n in range(goals):
        page.locator(".goal-fill select").nth(n).select_option("delayed")
        page.locator(".goal-fill").nth(n).get_by_role("button", name="Use this trajectory").click()
        expect(page.locator(".flash--success")).to_contain_text("now follow")
    expect(progress).to_contain_text("35 of 35 targets set")
    expect(progress).to_contain_text("Every row that needs a target is set.")
    with app.app_context():
        rows = {r.id: (r.target_2026, r.trajectory_code) for r in db.session.query(Target).filter(
            Target.id.in_([row_id for row_id, _v in facts["rows"]]))}
        db.session.remove()
    assert rows[first] == (value, "linear")  # what the principal set by hand is kept
    assert all(rows[row_id] == (pace, "delayed") for row_id, pace in facts["rows"][1:])
    # Finished rows are folded to one line; the summary opens one again from the keyboard.
    fold = page.locator(f"#fold-{facts['rows'][1][0]}")
    expect(fold).not_to_have_attribute("open", re.compile(".*"))
    expect(page.locator(f"#target_2026-{facts['rows'][1][0]}")).to_be_hidden()
    screenshot(page, "guided-form-folded")
    fold.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"#target_2026-{facts['rows'][1][0]}")).to_be_visible()
    # A goal's link takes the principal to its section.
    link = progress.get_by_role("link").nth(1)
    target = link.get_attribute("href")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".status-badge")).to_contain_text("Submitted")


def test_without_a_trajectory_chosen_the_goal_fill_says_so_at_its_field(page, app, live_server, login, factories):
    facts = trajectory_plan(app, factories)
    login(page, facts["principal"])
    page.get_by_role("link", name="Our targets", exact=True).click()
    page.locator(".goal-fill").first.get_by_role("button", name="Use this trajectory").click()
    select = page.locator(".goal-fill select").first
    expect(select).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".goal-fill .field__error").first).to_contain_text("Choose the trajectory")
    expect(page.locator("#plan-progress")).to_contain_text("0 of 35 targets set")
