"""The trajectory choices on the target form, as a principal sees them on a laptop and on a phone:
each path's name, picture and sentence whole (nothing cut off), chosen with one click; and a value
out of range said once, at its field."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import SCREENSHOT_DIR
from tests.e2e.test_click_counts import trajectory_plan

pytestmark = pytest.mark.e2e

CLIPPED = """els => els.filter(el => el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)
                 .map(el => el.textContent.trim())"""


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_every_trajectory_choice_reads_whole_and_is_chosen_with_one_click(browser, app, live_server, login,
                                                                          factories, screenshot, width, height):
    facts = trajectory_plan(app, factories)
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    login(page, facts["principal"])
    page.goto(f"{live_server}/targets/")  # on a phone the navigation folds away behind its menu button
    row_id = facts["rows"][0][0]
    group = page.get_by_role("group", name="Trajectory").first
    choices = group.get_by_role("radio")
    expect(choices).to_have_count(4)
    for name in ("Steady", "Start fast, then ease off", "Build up each year", "Start slow, finish fast"):
        expect(group.get_by_role("radio", name=name)).to_be_visible()
    words = page.locator(f"#row-{row_id} .path-option, #row-{row_id} .path-option__words, "
                         f"#row-{row_id} .path-option__name, #row-{row_id} .path-option__sentence")
    assert words.count() == 16
    assert words.evaluate_all(CLIPPED) == []
    box = page.locator(f"#row-{row_id}").bounding_box()
    for option in page.locator(f"#row-{row_id} .path-option").all():
        edge = option.bounding_box()
        assert edge["x"] >= box["x"] and edge["x"] + edge["width"] <= box["x"] + box["width"] + 0.5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    pictures = page.locator(f"#row-{row_id} .path-option__picture")
    assert pictures.evaluate_all("els => els.every(el => el.getAttribute('aria-hidden') === 'true')")
    page.locator(f"#row-{row_id}").scroll_into_view_if_needed()
    screenshot(page, f"target-trajectory-choices-{width}")
    page.locator(f"#row-{row_id}").screenshot(path=str(SCREENSHOT_DIR / f"target-trajectory-row-{width}.png"))
    page.locator(f"#target_2026-{row_id}").fill(str(facts["rows"][0][1]))
    group.get_by_text("Start slow, finish fast").click()
    expect(page.locator(f"#fb-{row_id}")).to_contain_text("Saved at")
    expect(group.get_by_role("radio", name="Start slow, finish fast")).to_be_checked()


def test_a_value_out_of_range_is_said_once_at_its_field(browser, app, live_server, login, factories, screenshot):
    facts = trajectory_plan(app, factories)
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    login(page, facts["principal"])
    page.get_by_role("link", name="Our targets", exact=True).click()
    page.wait_for_load_state()  # its live fields answer once the page's scripts have run
    row_id = facts["rows"][0][0]
    field = page.locator(f"#target_2026-{row_id}")
    field.fill("5000")
    feedback = page.locator(f"#fb-{row_id}")
    expect(feedback.locator(f"#err-target_2026-{row_id}")).to_contain_text("Enter a value from")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter a value from", exact=False)).to_have_count(1)
    assert "Fix:" not in feedback.inner_text()
    page.locator(f"#row-{row_id}").screenshot(path=str(SCREENSHOT_DIR / "target-value-out-of-range-row.png"))
