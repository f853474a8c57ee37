"""In a real browser, a rating the demo made up shows its "generated for the demo" mark beside it, with a
tooltip saying what the mark means; the district's own Board update figures show none."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.progress.models import CheckIn, Initiative

pytestmark = pytest.mark.e2e


def test_a_generated_rating_shows_its_mark_on_the_page(app, page, live_server, login, screenshot):
    with app.app_context():
        check_in = db.session.scalar(select(CheckIn).join(Initiative).where(
            Initiative.code == "iattend", CheckIn.period == "End of year 2023-24"))
        check_in_id, status = check_in.id, check_in.status.title
    login(page, Role.superintendent)
    page.goto(f"{live_server}/check-ins/{check_in_id}")
    rating = page.locator(".facts dd", has_text=status).first
    mark = rating.locator(".generated-mark")
    expect(mark).to_be_visible()
    expect(mark).to_contain_text("generated for the demo")
    assert "made this up" in (mark.get_attribute("title") or "")
    screenshot(page, "generated-mark-check-in")
