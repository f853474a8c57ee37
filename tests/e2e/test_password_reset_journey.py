"""A forgotten password in Chromium, end to end through a real SMTP server. A principal follows "Forgot
your password?" from the log-in page and reads an answer that does not say whether the address has an
account (an unknown address reads the same words); the e-mail arrives; its link opens the page to choose
a new password, where a mistyped confirmation is explained at the field; setting the password signs out
the browser that was signed in before, at its next click; the new password logs in; and the link cannot
be used a second time."""
import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.worker import deliver_all
from tests.conftest import DEMO_PASSWORD
from tests.mail_server import body

NEW_PASSWORD = "walnut harbour lantern 42"
SUBJECT = "Choose a new password for the Ready for the World portal"
LINK = re.compile(r"Open it in the portal: (\S+)")


def send_mail(app) -> None:
    """What the worker does every few seconds: send the e-mail that is due."""
    with app.app_context():
        deliver_all()
        db.session.remove()


def ask_for_a_link(page, live_server, email: str) -> str:
    """From the log-in page, as a person who forgot: the answer they read afterwards."""
    page.goto(live_server + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Send me a link").click()
    expect(page).to_have_url(live_server + "/login")
    answer = page.locator(".flash--info")
    expect(answer).to_contain_text("If an active account uses that address")
    return answer.inner_text()


@pytest.fixture
def other_device(browser):
    """A second browser, with cookies of its own: the principal's computer at school, say."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_a_principal_resets_a_forgotten_password_from_the_link_in_the_email(
        app, page, other_device, live_server, login, factories, mailbox, monkeypatch, screenshot):
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", live_server)  # the e-mail's links open this server
    with app.app_context():
        email = factories.principal(factories.school()).email
        db.session.remove()
    login(other_device, email)  # signed in elsewhere before the reset

    unknown_answer = ask_for_a_link(page, live_server, "nobody.here@district.example")
    answer = ask_for_a_link(page, live_server, email)
    assert answer == unknown_answer, "the answer must not tell whether an account uses the address"
    screenshot(page, "password-reset-1-neutral-answer")

    send_mail(app)
    assert mailbox.to("nobody.here@district.example") == []
    [message] = mailbox.to(email)
    assert message["Subject"] == SUBJECT
    link = LINK.search(body(message))
    assert link and link.group(1).startswith(live_server + "/password/reset/"), body(message)

    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    expect(page.locator(".lede")).to_contain_text(f"For {email}.")
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("The new password again").fill(NEW_PASSWORD.replace("42", "24"))
    page.get_by_role("button", name="Set my new password").click()
    expect(page.locator("#confirm-error")).to_contain_text("The two passwords are not the same.")
    expect(page.get_by_label("The new password again")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "password-reset-2-mistyped")

    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("The new password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set my new password").click()
    expect(page).to_have_url(live_server + "/login")
    expect(page.locator(".flash--success")).to_contain_text("Your new password is set")

    # The browser signed in before the reset is signed out at its next click.
    other_device.get_by_role("link", name="Notification settings").click()
    expect(other_device).to_have_url(re.compile(re.escape(live_server) + r"/login\?next="))
    expect(other_device.get_by_role("heading", level=1)).to_have_text("Log in")

    login(page, email, password=NEW_PASSWORD)
    login(other_device, email, password=DEMO_PASSWORD, expect_home=False)
    expect(other_device.locator("#password-error")).to_contain_text("do not match an active account")

    page.goto(link.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("This link cannot be used")
    expect(page.locator(".lede")).to_contain_text("This link has been used already")
    expect(page.get_by_role("link", name="Ask for a new link")).to_be_visible()
    screenshot(page, "password-reset-3-link-used")
