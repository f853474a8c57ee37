"""The Measures of Success in Chromium: the Division of Instruction enters a school year's value
for one of its measures (1B-2, students identified for gifted/talented programs); the scorecard's
count of improved measures for Pillar 1 goes up by one; the superintendent's office creates and
publishes the annual report on that year; a board member reads it.

The value and the annual report are for 2019-20, a school year no other test uses."""
import random
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.demo.measures import SOURCE, build_demo_measures
from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures.models import MeasureValue

YEAR = "2019-20"


@pytest.fixture(scope="module", autouse=True)
def demo_values(app):
    """The demo's Measures of Success values, whether or not the demo build wrote them already."""
    with app.app_context():
        if not db.session.scalar(select(func.count()).select_from(MeasureValue).where(MeasureValue.source == SOURCE)):
            build_demo_measures(random.Random(7))
            db.session.commit()
        db.session.remove()


def improved_in_pillar_1(page) -> tuple[int, int]:
    text = page.locator("#sc-pillar-1 .sc-count").inner_text()
    match = re.fullmatch(r"(\d+) of (\d+) measures improved", text.strip())
    assert match, text
    return int(match.group(1)), int(match.group(2))


def test_an_office_value_moves_the_scorecard_and_the_published_annual_report_reaches_the_board(
        browser, live_server, login, screenshot):
    office = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    supt = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    board = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The Division of Instruction reads the scorecard of 2019-20: no value of that year improved yet.
    login(office, Role.central_office)
    office.goto(live_server + f"/scorecard?year={YEAR}")
    expect(office.get_by_role("heading", name="Measures of Success scorecard")).to_be_visible()
    before = improved_in_pillar_1(office)

    # ...opens measure 1B-2, which it keeps, and enters the year's value.
    office.get_by_role("link", name="1B-2", exact=True).click()
    office.wait_for_load_state()  # its live fields answer once the page's scripts have run
    expect(office.get_by_role("heading", level=1)).to_contain_text("1B-2")
    office.get_by_label("School year", exact=True).select_option(YEAR)
    office.get_by_label("Value", exact=True).fill("13.6")
    office.get_by_label("As of").fill("2020-06-30")
    office.get_by_label("Source (optional)").fill("GATE identification report, spring 2020")
    office.get_by_role("button", name="Save the value").click()
    expect(office.locator(".flash--success")).to_contain_text("Saved the value of 1B-2 for 2019-20.")
    expect(office.get_by_role("cell", name="13.6%").first).to_be_visible()
    screenshot(office, "scorecard-2-measure-value-entered")

    # The scorecard opens on the latest year; choosing 2019-20 applies in place and in the URL, and
    # the count for Pillar 1 has gone up by one.
    office.goto(live_server + "/scorecard")
    screenshot(office, "scorecard-1-latest-year")
    office.get_by_label("School year", exact=True).select_option(YEAR)
    expect(office).to_have_url(re.compile(r"year=2019-20"))
    expect(office.locator("p.result-count")).to_contain_text(YEAR)
    after = improved_in_pillar_1(office)
    assert after == (before[0] + 1, before[1])
    row = office.locator("#measure-1B-2")
    expect(row).to_contain_text("13.6%")
    expect(row).to_contain_text("Improved")
    screenshot(office, "scorecard-3-count-changed")

    # The superintendent's office creates the annual report on 2019-20 and publishes it.
    login(supt, Role.superintendent)
    supt.goto(live_server + "/annual-reports")
    supt.get_by_label("School year", exact=True).fill(YEAR)
    supt.get_by_role("button", name="Create the draft").click()
    expect(supt.get_by_role("heading", level=1)).to_have_text(f"Annual Report {YEAR}")
    expect(supt.get_by_text("Draft, not yet published.")).to_be_visible()
    expect(supt.locator("#ar-pillar-1 .sc-count")).to_have_text(f"{after[0]} of {after[1]} measures improved")
    supt.get_by_role("button", name="Publish the annual report").click()
    expect(supt.get_by_text("this report is frozen")).to_be_visible()

    # A board member reads it in the portal.
    login(board, Role.board)
    board.goto(live_server + "/annual-reports")
    board.get_by_role("link", name=f"Annual Report {YEAR}", exact=True).click()  # not its PDF or slides
    expect(board.get_by_text("this report is frozen")).to_be_visible()
    expect(board.locator("#ar-pillar-1 .sc-count")).to_have_text(f"{after[0]} of {after[1]} measures improved")
    expect(board.get_by_role("row", name=re.compile("1B-2")).first).to_contain_text("13.6%")
    expect(board.get_by_role("heading", name="Highlights of the initiatives")).to_be_visible()
    expect(board.get_by_role("button", name="Publish the annual report")).to_have_count(0)
    screenshot(board, "scorecard-4-board-reads-annual-report")
