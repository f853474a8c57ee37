"""In a real browser, a board member opening a school's page sees "n<11" where a group of fewer than 11
students has its figure, with a tooltip saying why; the school's principal sees the figure, marked
"small group"."""
from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel.policy import Role
from tests.e2e.conftest import SCREENSHOT_DIR as SHOTS
from tests.test_small_groups import small_school


def test_the_board_member_sees_the_mark_and_the_principal_the_figure(app, browser, live_server, login, factories,
                                                                      screenshot):
    with app.app_context():
        school = small_school(factories, "C", {"foster": 1}, {"foster": 49.0})
        school_id, principal_email = school.id, factories.principal(school).email
        db.session.remove()

    board = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(board, Role.board)
    board.goto(f"{live_server}/schools/{school_id}")
    foster = board.locator("tr", has=board.get_by_role("rowheader", name="Foster Youth", exact=True)).first
    mark = foster.locator(".suppressed").first
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("n<11")
    assert "not shown to protect student privacy" in (mark.get_attribute("title") or "")
    expect(foster).not_to_contain_text("49.0")
    expect(board.locator(".privacy-legend").first).to_contain_text("Fewer than 11 students")
    board.goto(f"{live_server}/dashboard/schools/{school_id}")
    foster = board.locator("tr", has=board.get_by_role("rowheader", name="Foster Youth", exact=True)).first
    expect(foster.locator(".suppressed").first).to_contain_text("n<11")
    board.locator(".dash-school-metric").first.screenshot(path=str(SHOTS / "small-group-board-dashboard-school.png"))
    board.goto(f"{live_server}/schools/{school_id}")
    screenshot(board, "small-group-board-school")
    board.locator("section.baseline-block").first.screenshot(path=str(SHOTS / "small-group-board-baselines.png"))
    board.locator("section.baseline-block", has=board.locator("#p-ela_g3")).screenshot(
        path=str(SHOTS / "small-group-board-progress.png"))

    principal = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(principal, principal_email)
    principal.goto(f"{live_server}/schools/{school_id}")
    foster = principal.locator("tr", has=principal.get_by_role("rowheader", name="Foster Youth", exact=True)).first
    expect(foster).to_contain_text("49.0")
    expect(foster.locator(".tag--small").first).to_contain_text("small group")
    expect(principal.locator(".suppressed")).to_have_count(0)
    screenshot(principal, "small-group-principal-school")
    principal.locator("section.baseline-block", has=principal.locator("#p-ela_g3")).screenshot(
        path=str(SHOTS / "small-group-principal-progress.png"))
