"""Two-step sign-in in Chromium, as people meet it. An administrator who logs in with a password is made
to set it up on the way in: scans the QR code (here: reads the key shown as text, as someone who cannot
scan types it), confirms a first code, is shown the recovery codes once and lands on their home page.
Logging in again asks for the code: a wrong code is explained at the field, the right one opens the home
page, the same code a moment later is refused, and a recovery code works once and not twice. A principal
finds the page from the header and turns it on for themselves.

The portal's clock is held still while the codes are made (the demo's date, not the machine's): one
30-second step for setting it up and one a minute later for logging in, so every code is the one the
page expects, however slowly the browser goes."""
import re
from contextlib import contextmanager
from datetime import timedelta

import pyotp
from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel import clock

KEY = re.compile(r"^[A-Z2-7 ]+$")
WRONG = "That code is not right. Enter the newest 6-digit code from your authenticator app."
USED = "That code has been used already."
NOT_A_RECOVERY_CODE = "That is not one of your unused recovery codes."


@contextmanager
def held_at(moment):
    """The portal's clock (the live server's too: it runs in this process) held at `moment`."""
    with clock.set_now(moment):
        yield moment.timestamp()


def made(app, factories, kind: str) -> str:
    with app.app_context():
        person = factories.administrator() if kind == "admin" else factories.principal(factories.school())
        email = person.email
        db.session.remove()
        return email


def portal_now(app):
    with app.app_context():
        return clock.now_aware()


def key_on_the_page(page) -> pyotp.TOTP:
    """What a person types into the app when they cannot scan: the key under the QR code."""
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    key = page.locator("code.secret")
    expect(key).to_have_text(KEY)
    return pyotp.TOTP(key.inner_text().replace(" ", ""))


def confirm_first_code(page, code: str) -> list[str]:
    page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = page.locator(".recovery-codes code")
    expect(codes).to_have_count(10)
    return codes.all_inner_texts()


def second_step(page, live_server, code: str = "", recovery: str = "") -> None:
    expect(page).to_have_url(live_server + "/login/verify")
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    if recovery:
        page.get_by_text("No phone with you? Use a recovery code").click()
        page.get_by_label("Or a recovery code").fill(recovery)
    else:
        page.get_by_label("6-digit code from your authenticator app").fill(code)
    page.get_by_role("button", name="Continue").click()


def wrong_code(right: str) -> str:
    return "000000" if right != "000000" else "111111"


def refused_at(page, field_id: str, message: str) -> None:
    """The page says what is wrong next to the field, and in the summary at the top."""
    expect(page.locator(f"#{field_id}-error")).to_contain_text(message)
    expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert").filter(has_text="There is a problem")).to_contain_text(message)


def log_out(page, live_server) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(live_server + "/login")


def test_an_administrator_sets_it_up_on_the_way_in_then_logs_in_with_codes(app, page, live_server, login,
                                                                          factories, monkeypatch, screenshot):
    monkeypatch.setitem(app.config, "ADMIN_TWO_STEP", True)
    email = made(app, factories, "admin")
    start = portal_now(app) - timedelta(seconds=90)  # both steps before the clock runs again

    with held_at(start) as at_setup:
        login(page, email, expect_home=False)
        expect(page).to_have_url(live_server + "/login/enrol")
        expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step sign-in")
        expect(page.get_by_role("banner")).not_to_contain_text("Log out")  # not signed in yet
        totp = key_on_the_page(page)
        screenshot(page, "two-step-1-admin-sets-up")
        codes = confirm_first_code(page, totp.at(at_setup))
        expect(page.locator(".lede")).to_contain_text("This is the only time they are shown.")
        screenshot(page, "two-step-2-recovery-codes")
        page.get_by_role("link", name="I have kept them: continue").click()
        expect(page).to_have_url(live_server + "/home")
        expect(page.get_by_role("banner")).to_contain_text("Log out")
        log_out(page, live_server)

    with held_at(start + timedelta(seconds=60)) as a_minute_later:
        login(page, email, expect_home=False)
        right = totp.at(a_minute_later)
        second_step(page, live_server, code=wrong_code(right))
        refused_at(page, "code", WRONG)
        screenshot(page, "two-step-3-wrong-code")
        second_step(page, live_server, code=right)
        expect(page).to_have_url(live_server + "/home")
        log_out(page, live_server)

        # The same code, seen over a shoulder, in the same half minute.
        login(page, email, expect_home=False)
        second_step(page, live_server, code=right)
        refused_at(page, "code", USED)

        second_step(page, live_server, recovery=codes[0])
        expect(page).to_have_url(live_server + "/home")
        expect(page.locator(".flash--info")).to_contain_text("You used a recovery code: 9 left.")
        log_out(page, live_server)

        login(page, email, expect_home=False)
        second_step(page, live_server, recovery=codes[0])
        refused_at(page, "recovery", NOT_A_RECOVERY_CODE)
        expect(page.get_by_label("Or a recovery code")).to_be_visible()  # the box stays open to try again
        screenshot(page, "two-step-4-used-recovery-code")


def test_a_principal_finds_the_page_in_the_header_and_turns_it_on(app, page, live_server, login, factories,
                                                                  screenshot):
    email = made(app, factories, "principal")
    with held_at(portal_now(app) - timedelta(seconds=30)) as now:
        login(page, email)
        page.get_by_role("banner").get_by_role("link", name="Two-step sign-in").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
        expect(page.locator(".lede")).to_contain_text("Two-step sign-in is off.")
        totp = key_on_the_page(page)

        page.get_by_label("6-digit code from your authenticator app").fill("12345")
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        refused_at(page, "code", "Enter the 6-digit code from your authenticator app.")
        screenshot(page, "two-step-5-principal-account-page")

        confirm_first_code(page, totp.at(now))
        page.get_by_role("link", name="I have kept them: continue").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
        expect(page.locator(".lede")).to_contain_text("Two-step sign-in is on")
        expect(page.locator(".lede")).to_contain_text("You have 10 unused recovery codes.")
        screenshot(page, "two-step-6-principal-turned-on")

        # A wrong code for new recovery codes is explained at that box, not at the one for turning it off.
        renew = page.locator("form").filter(has=page.get_by_role("heading", name="New recovery codes"))
        renew.get_by_label("6-digit code from your authenticator app").fill(wrong_code(totp.at(now)))
        renew.get_by_role("button", name="Make new recovery codes").click()
        refused_at(page, "codes-code", WRONG)
        expect(page.locator("#off-code-error")).to_have_count(0)
        expect(page.get_by_role("button", name="Turn off two-step sign-in")).to_be_visible()
