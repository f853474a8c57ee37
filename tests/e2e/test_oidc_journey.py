"""Signing in with the district's identity provider, in a real browser: the portal's log-in page offers
"Sign in with ...", the person signs in on the provider's own page (tests/oidc/provider.mjs, a real
OpenID provider), lands on their home page, and logs out of the portal and then of the provider. A
person the portal does not know, or who cancels at the provider, reads why on a page of the portal's
and finds their way back to the log-in page. Everything runs under the portal's real Content Security
Policy (its form-action lets the log-out go on to the provider)."""
import re

import pytest
from playwright.sync_api import expect

from portal.kernel.policy import Role
from tests.e2e import axe
from tests.oidc_provider import PROVIDER_NAME

pytestmark = pytest.mark.e2e


def at_provider(page, oidc):
    expect(page).to_have_url(re.compile(re.escape(oidc.issuer) + r"/interaction/"))
    expect(page.get_by_role("heading", name="Test District Identity")).to_be_visible()


def sign_in_at_provider(page, oidc, username: str) -> None:
    at_provider(page, oidc)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(oidc.password)
    page.get_by_role("button", name="Sign in").click()


def test_a_principal_signs_in_with_the_district_provider_and_logs_out(page, oidc, live_server, screenshot,
                                                                       demo_user):
    user = demo_user(Role.principal)
    page.goto(live_server + "/login")
    button = page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}")
    expect(button).to_be_visible()
    screenshot(page, "oidc-login")
    button.click()

    sign_in_at_provider(page, oidc, "principal")

    expect(page).to_have_url(live_server + "/home")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.name}")
    expect(page.get_by_role("banner").locator(".who__role")).to_contain_text(Role.principal.title)

    page.get_by_role("button", name="Log out").click()
    # The provider asks whether to end its own session too, then sends the person back.
    expect(page).to_have_url(re.compile(re.escape(oidc.issuer) + r"/session/end"))
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login(\?.*)?$"))
    expect(page.get_by_role("status")).to_contain_text("You have logged out.")
    page.goto(live_server + "/home")
    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login\?next=.*home"))
    # Signed out at the provider as well: signing in again asks for the password again.
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    at_provider(page, oidc)


@pytest.fixture
def checked_page(browser):
    """A page whose context lets axe-core run (the portal's CSP refuses the script Playwright adds)."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("username,status,title", [
    ("stranger", 403, "There is no portal account for you"),
    ("unverified", 403, "Your e-mail address is not verified"),
], ids=["unknown", "unverified"])
def test_a_refused_person_reads_why_and_finds_the_way_back(checked_page, oidc, live_server, screenshot, username,
                                                          status, title):
    page = checked_page
    page.goto(live_server + "/login")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    sign_in_at_provider(page, oidc, username)

    expect(page).to_have_url(re.compile(re.escape(live_server) + r"/login/oidc/callback\?"))
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.locator(".error-page__code")).to_contain_text(str(status))
    expect(page.get_by_role("banner")).not_to_contain_text("Log out")
    assert axe.violations(page) == []
    screenshot(page, f"oidc-refused-{username}")
    page.get_by_role("link", name="Back to the log-in page").click()
    expect(page).to_have_url(live_server + "/login")


def test_cancelling_at_the_provider_comes_back_to_a_plain_page(page, oidc, live_server):
    page.goto(live_server + "/login")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    at_provider(page, oidc)
    page.get_by_role("link", name="Cancel and go back").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You were not signed in")
    page.get_by_role("link", name="Back to the log-in page").click()
    expect(page).to_have_url(live_server + "/login")
