"""A person's first visit, told in a real browser.

They log in with their demo account, land on their home page with the navigation their role
gives them, log out; mistype a password; read the Strategic Plan and narrow its priorities by
pillar and by a word without the page reloading, with the filter kept in the URL and the back
button; come back after their session has ended; and, as a principal, open their school.
"""
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import url_for
from playwright.sync_api import expect
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.navigation import _NAV
from portal.kernel.policy import Role
from portal.strategic_plan.models import Pillar, Priority

pytestmark = pytest.mark.e2e

WRONG_PASSWORD_MESSAGE = "That email and password do not match an active account."


def nav_for_role(app, role: Role) -> list[tuple[str, str]]:
    """(label, path) of each link the role's navigation should show, in order."""
    with app.test_request_context():
        return [(str(label), url_for(endpoint)) for label, endpoint in _NAV[role]]  # the labels are lazy


def priorities_in_pillar(app, number: int) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Priority.id)).join(Pillar).where(Pillar.number == number))


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_role_logs_in_sees_its_home_and_logs_out(page, app, live_server, login, screenshot, demo_user, role):
    user = demo_user(role)

    login(page, role)

    expect(page).to_have_url(live_server + "/home")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.name}")
    header = page.get_by_role("banner")
    expect(header).to_contain_text(user.name)
    expect(header.locator(".who__role")).to_contain_text(role.title)

    expected = nav_for_role(app, role)
    links = page.get_by_role("navigation", name="Main").get_by_role("link")
    expect(links).to_have_text([label for label, _ in expected])
    for i, (_label, path) in enumerate(expected):
        expect(links.nth(i)).to_have_attribute("href", path)
    expect(links.filter(has_text="Home")).to_have_attribute("aria-current", "page")
    screenshot(page, f"home-{role.value}")

    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url(live_server + "/login")
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    # Logged out, the navigation leads to the district's public pages only.
    expect(page.get_by_role("navigation", name="Main").get_by_role("link")).to_have_text(
        ["Progress", "Scorecard", "The plan"])
    # Logged out for real: the home page now sends them back to the log-in form.
    page.goto(live_server + "/home")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login\?next=.*home"))


def test_wrong_password_is_explained_at_the_password_field(page, live_server, login):
    login(page, Role.board, password="not-the-password", expect_home=False)

    expect(page).to_have_url(live_server + "/login")
    password = page.get_by_label("Password", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(password).to_have_attribute("aria-describedby", re.compile(r"\bpassword-error\b"))
    error = page.locator("#password-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(WRONG_PASSWORD_MESSAGE)
    # The field's error sits with the password field, and the summary links to it.
    expect(page.locator(".field--error").filter(has=password)).to_contain_text(WRONG_PASSWORD_MESSAGE)
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text(WRONG_PASSWORD_MESSAGE)
    expect(page.get_by_label("Email", exact=True)).to_have_value("board@district.example")
    expect(password).to_have_value("")


def test_plan_filters_in_place_keep_state_in_the_url(page, app, live_server, login, screenshot):
    in_pillar_2 = priorities_in_pillar(app, 2)
    login(page, Role.central_office)
    page.goto(live_server + "/plan")

    results = page.locator("#plan-results")
    count = results.locator(".result-count")
    pillar_select = page.get_by_label("Pillar", exact=True)
    words = page.get_by_label("Words in a priority, strategy or measure")
    expect(count).to_have_text("All 20 priorities across the five pillars.")
    expect(results.locator("article.pillar")).to_have_count(5)
    expect(results.locator("details.priority")).to_have_count(20)

    # A marker that only survives if the page is never reloaded.
    page.evaluate("window.__marker = 'same-page'")

    pillar_select.select_option(label="2. Joy and Wellness")

    expect(page).to_have_url(re.compile(r"[?&]pillar=2(&|$)"))
    expect(count).to_have_text(f"{in_pillar_2} of 20 priorities match.")
    expect(results.locator("article.pillar")).to_have_count(1)
    expect(results.locator("article.pillar h3")).to_have_text("Pillar 2: Joy and Wellness")
    expect(results.locator("details.priority")).to_have_count(in_pillar_2)
    assert page.evaluate("window.__marker") == "same-page", "choosing a pillar reloaded the whole page"

    words.fill("attendance")

    expect(page).to_have_url(re.compile(r"[?&]q=attendance(&|$)"))
    expect(page).to_have_url(re.compile(r"[?&]pillar=2(&|$)"))
    expect(count).to_have_text("1 of 20 priorities matches “attendance”.")
    expect(results.locator("details.priority")).to_have_count(1)
    expect(results.locator("#priority-2D summary")).to_contain_text("2D Outstanding Attendance")
    expect(results.locator("#priority-2D")).to_have_attribute("open", "")
    assert page.evaluate("window.__marker") == "same-page", "typing a word reloaded the whole page"

    page.go_back()

    # htmx sends every field of the form, so "no words" is an empty q= (or none at all).
    expect(page).to_have_url(re.compile(r"/plan\?pillar=2(&q=)?$"))
    expect(count).to_have_text(f"{in_pillar_2} of 20 priorities match.")
    expect(results.locator("article.pillar h3")).to_have_text("Pillar 2: Joy and Wellness")
    expect(results.locator("details.priority")).to_have_count(in_pillar_2)
    expect(pillar_select).to_have_value("2")
    expect(words).to_have_value("")
    assert parse_qs(urlsplit(page.url).query) == {"pillar": ["2"]}
    assert page.evaluate("window.__marker") == "same-page", "the back button reloaded the whole page"

    # The URL alone is enough to rebuild the filtered page (a bookmark, a shared link).
    page.goto(live_server + "/plan?pillar=2&q=attendance")

    expect(pillar_select).to_have_value("2")
    expect(words).to_have_value("attendance")
    expect(count).to_have_text("1 of 20 priorities matches “attendance”.")
    expect(results.locator("details.priority")).to_have_count(1)
    expect(results.locator("#priority-2D summary")).to_contain_text("2D Outstanding Attendance")
    expect(page.get_by_role("heading", name="The four District Goals")).to_be_visible()
    screenshot(page, "plan-filtered")


def test_expired_session_sends_an_htmx_request_to_the_login_page(page, context, live_server, login):
    login(page, Role.board)
    page.goto(live_server + "/schools")
    expect(page.get_by_role("heading", name="Schools", level=1)).to_be_visible()

    context.clear_cookies()  # the session has ended (expired, or logged out elsewhere)
    with page.expect_response(lambda r: "/schools?" in r.url and r.request.headers.get("hx-request") == "true") as hx:
        page.get_by_label("Level", exact=True).select_option("high")

    # The server answers htmx with HX-Redirect (not a login form swapped into the results)...
    assert hx.value.headers.get("hx-redirect", "").startswith("/login"), hx.value.headers
    # ...and the browser follows it to the full log-in page.
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?|$)"))
    expect(page.get_by_role("heading", name="Log in", level=1)).to_be_visible()
    expect(page.get_by_label("Email", exact=True)).to_be_visible()


def test_principal_opens_my_school(page, live_server, login, screenshot, demo_user):
    principal = demo_user(Role.principal)
    login(page, Role.principal)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My school").click()
    expect(page).to_have_url(f"{live_server}/my-school")  # the school's dashboard (test_role_dashboards_journey)
    page.get_by_role("link", name="the school's page").click()

    expect(page).to_have_url(f"{live_server}/schools/{principal.school_id}")
    expect(page.get_by_role("heading", name="Baselines by District Goal and student group")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("")
    expect(page.locator("table.data").first).to_be_visible()
    # The school's page sits under "My school" in the navigation.
    my_school = page.get_by_role("navigation", name="Main").get_by_role("link", name="My school")
    expect(my_school).to_have_attribute("aria-current", "true")
    screenshot(page, "my-school")
