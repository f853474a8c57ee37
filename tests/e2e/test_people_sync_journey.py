"""Accounts that follow the district's list of people, in Chromium. An administrator uploads the list in
sync mode from the Imports page; the preview says what would happen (who is deactivated, who changes
role, who comes back) and names them; applying does exactly that, as the database and the People page
show, and a principal who left, still signed in at their school, is signed out at their next click. A
list with a bad row shows the row to fix and changes nothing.

A sync touches every account, so it runs on a small portal of its own (tests/people_lists.py) served on
a port of its own, never on the shared database the other journeys use."""
import re
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import DEMO_PASSWORD
from tests.people_lists import as_csv, close, small_portal, the_list
from tests.trust.conftest import changed_tables, dump

ADMIN = "admin@district.example"
RETURNING = {"email": "rosa.returning@district.example", "name": "Rosa Returning", "role": "board",
             "school_code": "", "region_code": "", "office_code": ""}


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    app = small_portal(tmp_path_factory.mktemp("sync-journey"), "people-sync-journey-secret-key-0123456789")
    with app.app_context():  # someone who left last year, back on this year's list
        db.session.add(User(email=RETURNING["email"], name=RETURNING["name"], role=Role.board, active=False,
                            password_hash="!unset"))
        db.session.commit()
        db.session.remove()
    yield app
    close(app)


@pytest.fixture(scope="module")
def server(portal):
    """The small portal on a real HTTP server of its own; its base URL."""
    http = make_server("127.0.0.1", 0, portal, threaded=True)
    thread = threading.Thread(target=http.serve_forever, name="e2e-sync-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()
    http.server_close()
    thread.join(timeout=10)


def log_in(page, server: str, email: str) -> None:
    page.goto(server + "/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page).to_have_url(server + "/home")


def upload_for_preview(page, rows: list[dict]) -> None:
    """From the Imports page, as the administrator finds it: the list, in sync mode, to preview."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    section = page.get_by_role("region", name="Keep accounts in step with the district's list of people")
    section.get_by_label("The district's list of people (CSV)").set_input_files(
        files=[{"name": "people.csv", "mimeType": "text/csv", "buffer": as_csv(rows)}])
    section.get_by_role("button", name="Preview the changes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People sync: what would change")


def account(portal, email: str) -> User:
    with portal.app_context():
        found = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(found)
        return found


def listed_under(page, heading: str):
    """The table of changes under one of the preview's headings."""
    return page.get_by_role("heading", name=re.compile("^" + re.escape(heading))).locator(
        "xpath=following-sibling::div[1]").get_by_role("table")


@pytest.fixture
def leavers_browser(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_the_preview_names_who_changes_and_applying_does_exactly_that(portal, server, page, leavers_browser,
                                                                      screenshot):
    rows = the_list(portal)
    principals = [r for r in rows if r["role"] == "principal"]
    leaving, mover = principals[0], principals[1]
    office = next(r["office_code"] for r in rows if r["role"] == "central_office")
    mover_was = f"{Role.principal.title} of {mover['school_code']}"
    rows.remove(leaving)
    mover.update(role="central_office", school_code="", office_code=office)  # moves to the central office
    rows.append(RETURNING)
    log_in(leavers_browser, server, leaving["email"])  # still open at their old school

    log_in(page, server, ADMIN)
    upload_for_preview(page, rows)
    expect(page.locator(".lede")).to_contain_text(
        "1 account will be deactivated, 1 change role or scope, 0 will be created and 1 reactivated.")
    deactivated = listed_under(page, "To deactivate: not in the list (1)")
    expect(deactivated.get_by_role("row").filter(has_text=leaving["email"])).to_contain_text(
        f"{Role.principal.title} of {leaving['school_code']}")
    changed = listed_under(page, "To change (1)").get_by_role("row").filter(has_text=mover["email"])
    expect(changed).to_contain_text(mover_was)
    expect(changed).to_contain_text(f"{Role.central_office.title} of {office}")
    expect(listed_under(page, "To reactivate (1)")).to_contain_text(RETURNING["email"])
    expect(page.get_by_role("heading", name=re.compile("^To create"))).to_have_count(0)
    screenshot(page, "people-sync-1-preview")

    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator(".flash--success")).to_contain_text(
        "The accounts now follow the list: 0 created, 1 changed, 1 deactivated and 1 reactivated.")
    assert not account(portal, leaving["email"]).active
    assert account(portal, mover["email"]).role == Role.central_office
    assert account(portal, RETURNING["email"]).active

    # The principal who left is signed out at their next click.
    leavers_browser.get_by_role("link", name="Notification settings").click()
    expect(leavers_browser).to_have_url(re.compile(re.escape(server) + r"/login\?next="))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    page.wait_for_load_state()  # its live fields answer once the page's scripts have run
    for email, shows in ((leaving["email"], "Disabled"), (mover["email"], "Central office"),
                         (RETURNING["email"], "Active")):
        page.get_by_label("Name or email").fill(email)
        row = page.locator("#user-results").get_by_role("row").filter(has_text=email)
        expect(page.locator("#user-results .result-count")).to_have_text("1 account.")
        expect(row).to_contain_text(shows)
    screenshot(page, "people-sync-2-people-page")


def test_a_list_with_a_bad_row_shows_the_row_and_changes_nothing(portal, server, page, screenshot):
    rows = the_list(portal)
    rows.insert(2, {"email": "pat@school..example", "name": "Pat", "role": "board", "school_code": "",
                    "region_code": "", "office_code": ""})
    log_in(page, server, ADMIN)  # (which notes the administrator's log-in)
    before = dump(portal)
    upload_for_preview(page, rows)
    report = page.get_by_role("region", name=re.compile("^Nothing was imported: 1 problem to fix"))
    expect(report).to_be_visible()
    problem = report.get_by_role("row").filter(has_text="Enter a valid email address")
    expect(problem.get_by_role("cell")).to_have_text([  # the third person: row 4 under the header
        "4", "email", "pat@school..example", re.compile("Enter a valid email address")])
    expect(page.get_by_text("No account has changed.")).to_be_visible()
    expect(page.get_by_role("button", name="Apply these changes")).to_have_count(0)
    screenshot(page, "people-sync-3-bad-row")
    assert changed_tables(before, dump(portal)) == []
