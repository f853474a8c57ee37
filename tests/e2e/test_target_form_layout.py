"""The target form as a principal tabs through it: the field being edited is never hidden behind the
sticky bar of Save and Submit at the bottom of the window."""
import pytest
from playwright.sync_api import expect

from tests.e2e.test_click_counts import trajectory_plan

pytestmark = pytest.mark.e2e


def test_tabbing_down_the_form_keeps_the_field_in_use_above_the_sticky_bar(browser, app, live_server, login,
                                                                            factories, screenshot):
    facts = trajectory_plan(app, factories)
    page = browser.new_context(viewport={"width": 1280, "height": 720}).new_page()
    login(page, facts["principal"])
    page.get_by_role("link", name="Our targets", exact=True).click()
    bar = page.locator(".form-actions").first
    expect(bar).to_be_visible()
    first_id = facts["rows"][0][0]
    page.locator(f"#target_2026-{first_id}").focus()
    hidden = []
    for _ in range(24):  # down through the first rows' target, trajectory and rationale
        page.keyboard.press("Tab")
        box = page.evaluate("""() => { const r = document.activeElement.getBoundingClientRect();
                                        return {id: document.activeElement.id, bottom: r.bottom}; }""")
        in_a_row = box["id"].split("-")[0] in ("target_2026", "trajectory", "rationale")
        if in_a_row and box["bottom"] > bar.bounding_box()["y"]:
            hidden.append(box["id"])
    screenshot(page, "target-form-tabbing")
    assert hidden == []
