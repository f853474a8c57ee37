"""The progress monitoring cycle in Chromium: a central office starts an action plan and logs a
check-in with its sharing session; data review sends it back; the office fixes and resubmits;
the superintendent's office records the update with the superintendent, places it in a Board
update and publishes it; a board member reads it."""
import uuid

from playwright.sync_api import expect

from portal.kernel import clock
from portal.kernel.policy import Role


def test_a_check_in_goes_from_the_sharing_session_to_a_published_board_update(app, browser, live_server, login,
                                                                               screenshot):
    plan_name = f"Saturday Literacy Academies {uuid.uuid4().hex[:6]}"
    office = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    supt = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    board = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    # The Division of Instruction starts an action plan with one progress metric.
    login(office, Role.central_office)
    office.get_by_role("link", name="Progress cycle", exact=True).click()
    office.get_by_role("link", name="Start a new action plan").click()
    office.get_by_label("Name", exact=True).fill(plan_name)
    office.get_by_label("Priority", exact=True).select_option("1C")
    office.get_by_label("Description").fill("Saturday reading academies for third graders below standard.")
    office.get_by_role("button", name="Create the action plan").click()
    expect(office.get_by_role("heading", level=1)).to_contain_text(plan_name)
    office.get_by_label("Metric name").fill("Third graders enrolled")
    office.get_by_role("button", name="Add the metric").click()
    expect(office.get_by_text("Third graders enrolled").first).to_be_visible()

    # ...logs this period's check-in and records the strategy sharing session.
    office.get_by_label("Reporting period").fill("Winter 2024")
    office.get_by_label("Last day of the period").fill("2024-01-31")
    office.get_by_role("button", name="Start the check-in").click()
    office.get_by_label("Third graders enrolled", exact=True).fill("812")
    office.get_by_label("Status", exact=True).select_option("on_track")
    office.get_by_label("Narrative").fill("Academies opened in all six Local Districts.")
    office.get_by_role("button", name="Save", exact=True).click()
    expect(office.locator(".flash--success")).to_be_visible()
    office.get_by_label("Date of the session").fill("2024-02-03")
    office.get_by_label("Who attended").fill("Division of Instruction team; Strategy office")
    office.get_by_role("button", name="Record the sharing session").click()
    expect(office.locator(".flash--success")).to_be_visible()
    office.get_by_role("button", name="Submit the platform update").click()
    expect(office.locator(".flash--success")).to_be_visible()
    check_in_url = office.url
    screenshot(office, "cycle-1-office-submitted")

    # Data review sends it back with a comment.
    login(supt, Role.superintendent)
    supt.goto(check_in_url)
    supt.get_by_label("What the office should fix").fill("Enrolment must be as of the last Saturday of January.")
    supt.get_by_role("button", name="Send back").click()
    expect(supt.locator(".flash--success")).to_be_visible()

    # The office sees why, fixes the figure and resubmits.
    office.reload()
    expect(office.get_by_text("Enrolment must be as of the last Saturday of January.").first).to_be_visible()
    screenshot(office, "cycle-2-office-sent-back")
    office.get_by_label("Third graders enrolled", exact=True).fill("845")
    office.get_by_label("Values are as of").fill("2024-01-30")
    office.get_by_role("button", name="Save", exact=True).click()
    expect(office.locator(".flash--success")).to_be_visible()
    office.get_by_role("button", name="Submit the platform update").click()
    expect(office.locator(".flash--success")).to_be_visible()

    # The superintendent's office accepts the data and records the update with the superintendent.
    supt.reload()
    supt.get_by_role("button", name="Accept the data").click()
    expect(supt.locator(".flash--success")).to_be_visible()
    supt.get_by_label("Date of the update").fill("2024-02-10")
    supt.get_by_label("The superintendent's feedback").fill("Expand to grade 2 next year.")
    supt.get_by_role("button", name="Record the update with the superintendent").click()
    expect(supt.locator(".flash--success")).to_be_visible()

    # It prepares a Board update, places the check-in in it, and publishes it.
    supt.goto(live_server + "/board-updates")
    # Next school year's End-of-Year Update, whose meeting is within the two years ahead the form takes
    # (the portal's date, as the form checks it).
    with app.app_context():
        start = clock.year_start(clock.current_school_year()) + 1
    year = clock.year_label(start)
    supt.get_by_label("Kind of update").select_option("end_of_year")
    supt.get_by_label("School year").fill(year)
    supt.get_by_label("Board meeting date").fill(f"{start + 1}-06-10")
    supt.get_by_label("Title").fill(f"End-of-Year Update {year}")
    supt.get_by_role("button", name="Create the draft").click()
    supt.goto(check_in_url)
    option = supt.locator("#board_update_id option", has_text=f"End-of-Year Update {year}")
    expect(option).to_have_count(1)
    supt.get_by_label("Board update", exact=True).select_option(option.get_attribute("value"))
    supt.get_by_role("button", name="Place in the Board update").click()
    expect(supt.locator(".flash--success")).to_be_visible()
    supt.goto(live_server + "/board-updates")
    supt.get_by_role("link", name=f"End-of-Year Update {year}").click()
    supt.get_by_label("I have checked the report: freeze it and publish it to the Board.").check()
    supt.get_by_role("button", name="Publish this update").click()
    expect(supt.get_by_text("this report is frozen")).to_be_visible()
    screenshot(supt, "cycle-3-published")

    # A board member reads it.
    login(board, Role.board)
    board.get_by_role("link", name="Board updates", exact=True).click()
    board.get_by_role("link", name=f"End-of-Year Update {year}", exact=True).click()  # not its PDF or slides
    expect(board.get_by_role("heading", name=plan_name)).to_be_visible()
    expect(board.get_by_text("Academies opened in all six Local Districts.")).to_be_visible()
    expect(board.get_by_text("845").first).to_be_visible()
    screenshot(board, "cycle-4-board-reads")
