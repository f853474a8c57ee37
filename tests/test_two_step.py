"""Two-step sign-in for password log-ins, as people meet it: a principal turns it on from their page,
then logging in asks for the authenticator app's code; a wrong code and a used code are refused; a
recovery code works once; an administrator must set it up on the way in and cannot turn it off."""
import re
from datetime import timedelta
from types import SimpleNamespace

import pyotp
import pytest

from portal.extensions import db, limiter
from portal.kernel import clock
from portal.org.models import User
from tests.conftest import DEMO_PASSWORD, csrf_from

SECRET = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')
CODES = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


@pytest.fixture(autouse=True)
def fresh_limits(app):
    with app.app_context():
        limiter.reset()


@pytest.fixture
def admins_need_it(app):
    app.config["ADMIN_TWO_STEP"] = True
    yield
    app.config["ADMIN_TWO_STEP"] = False


def made(app, factories, kind: str) -> SimpleNamespace:
    with app.app_context():
        user = factories.administrator() if kind == "admin" else factories.principal(factories.school())
        return SimpleNamespace(id=user.id, email=user.email)


def password_step(client, email: str):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token})


def send_code(client, path: str, code: str = "", recovery: str = ""):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"code": code, "recovery": recovery, "csrf_token": token})


def turn_on(app, client, path: str = "/account/two-step") -> tuple[pyotp.TOTP, list[str]]:
    page = client.get(path).get_data(as_text=True)
    assert "<svg" in page  # the QR code to scan
    totp = pyotp.TOTP(SECRET.search(page).group(1).replace(" ", ""))
    token = csrf_from(page)
    shown = client.post(path, data={"code": code_now(app, totp), "csrf_token": token})
    codes = CODES.findall(shown.get_data(as_text=True))
    assert shown.status_code == 200 and len(codes) == 10
    return totp, codes


def later(app, seconds: int):
    """The portal's clock (the test date and today's time) moved on by `seconds`."""
    with app.app_context():
        return clock.set_now(clock.now_aware() + timedelta(seconds=seconds))


def code_now(app, totp: pyotp.TOTP) -> str:
    """The app's code for the portal's time now: the tests' date is the portal's, not the machine's."""
    with app.app_context():
        return totp.at(clock.timestamp())


def test_a_principal_turns_it_on_and_then_logging_in_asks_for_the_code(app, factories):
    person = made(app, factories, "principal")
    client = app.test_client()
    assert password_step(client, person.email).headers["Location"].endswith("/home")
    totp, _ = turn_on(app, client)
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").get_data(as_text=True))})

    with later(app, 60):
        asked = password_step(client, person.email)
        assert asked.headers["Location"].endswith("/login/verify")
        assert client.get("/home").status_code == 302  # not signed in before the second step
        wrong = send_code(client, "/login/verify", "000000" if totp.now() != "000000" else "111111")
        assert wrong.status_code == 422 and "That code is not right" in wrong.get_data(as_text=True)
        code = code_now(app, totp)
        assert send_code(client, "/login/verify", code).headers["Location"].endswith("/home")
        assert client.get("/home").status_code == 200

        again = app.test_client()  # the same code, seen over a shoulder, a moment later
        password_step(again, person.email)
        reused = send_code(again, "/login/verify", code)
    assert reused.status_code == 422 and "used already" in reused.get_data(as_text=True)


def test_a_recovery_code_works_once(app, factories):
    person = made(app, factories, "principal")
    client = app.test_client()
    password_step(client, person.email)
    _, codes = turn_on(app, client)
    first = app.test_client()
    password_step(first, person.email)
    assert send_code(first, "/login/verify", recovery=codes[0].upper()).headers["Location"].endswith("/home")
    assert "You used a recovery code: 9 left." in first.get("/home").get_data(as_text=True)
    second = app.test_client()
    password_step(second, person.email)
    refused = send_code(second, "/login/verify", recovery=codes[0])
    assert refused.status_code == 422 and "not one of your unused recovery codes" in refused.get_data(as_text=True)


def test_an_administrator_sets_it_up_on_the_way_in_and_cannot_turn_it_off(app, factories, admins_need_it):
    admin = made(app, factories, "admin")
    client = app.test_client()
    assert password_step(client, admin.email).headers["Location"].endswith("/login/enrol")
    assert client.get("/admin/users").status_code == 302  # nothing before the second step
    totp, _ = turn_on(app, client, "/login/enrol")
    assert client.get("/admin/users").status_code == 200

    with later(app, 60):
        refused = send_code(client, "/account/two-step/off", code_now(app, totp))
    assert refused.status_code == 422 and "must keep two-step sign-in on" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).totp_confirmed_at is not None


def test_the_second_step_waits_ten_minutes_at_most(app, factories):
    person = made(app, factories, "principal")
    client = app.test_client()
    password_step(client, person.email)
    totp, _ = turn_on(app, client)
    fresh = app.test_client()
    password_step(fresh, person.email)
    token = csrf_from(fresh.get("/login/verify").get_data(as_text=True))
    with later(app, 11 * 60):
        late = fresh.post("/login/verify", data={"code": code_now(app, totp), "csrf_token": token})
    assert late.headers["Location"].endswith("/login")
    assert fresh.get("/home").status_code == 302


def test_guessing_codes_is_throttled(app, factories):
    person = made(app, factories, "principal")
    client = app.test_client()
    password_step(client, person.email)
    turn_on(app, client)
    guesser = app.test_client()
    password_step(guesser, person.email)
    answers = [send_code(guesser, "/login/verify", f"{n:06d}").status_code for n in range(6)]
    assert answers[:5] == [422] * 5 and answers[5] == 429


def test_new_recovery_codes_replace_the_old_ones(app, factories):
    person = made(app, factories, "principal")
    client = app.test_client()
    password_step(client, person.email)
    totp, old = turn_on(app, client)
    with later(app, 60):
        renewed = send_code(client, "/account/two-step/codes", code_now(app, totp))
    new = CODES.findall(renewed.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    password_step(other, person.email)
    assert send_code(other, "/login/verify", recovery=old[1]).status_code == 422


def test_the_header_leads_every_signed_in_person_to_the_page(app, factories):
    """The page is found where a person looks for their own settings: beside Notification settings."""
    person = made(app, factories, "principal")
    client = app.test_client()
    password_step(client, person.email)
    header = client.get("/home").get_data(as_text=True).split('<header class="site-header">')[1].split("</header>")[0]
    assert re.search(r'<a class="who__link" href="/account/two-step">Two-step sign-in</a>', header)
    page = client.get("/account/two-step").get_data(as_text=True)
    assert 'href="/account/two-step" aria-current="page">Two-step sign-in</a>' in page


def test_a_refused_code_is_explained_at_the_box_it_was_typed_in(app, factories):
    """The page has a code box for new recovery codes and one for turning it off: a wrong code typed in
    one is explained there alone, and the summary at the top leads to it."""
    person = made(app, factories, "principal")
    client = app.test_client()
    password_step(client, person.email)
    totp, _ = turn_on(app, client)
    wrong = "000000" if code_now(app, totp) != "000000" else "111111"
    page = send_code(client, "/account/two-step/codes", wrong).get_data(as_text=True)
    assert 'id="codes-code-error"' in page and 'id="off-code-error"' not in page
    assert '<a href="#codes-code">That code is not right.' in page
    assert page.count('aria-invalid="true"') == 1
