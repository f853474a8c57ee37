"""Password reset by e-mail, as a person meets it: the link arrives at the real SMTP server, works once,
within 30 minutes, ends every session, and the form never says whether an address has an account."""
import re
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.extensions import db, limiter
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import User
from portal.org.passwords import PasswordPolicyError, check_policy
from portal.worker import deliver_all
from tests.conftest import csrf_from
from tests.mail_server import body

NEW_PASSWORD = "walnut harbour lantern 42"
LINK = re.compile(r"http://127\.0\.0\.1:5000(/password/reset/\S+)")


@pytest.fixture(autouse=True)
def fresh_limits(app):
    """Every test's visitors come from 127.0.0.1: each test starts with the throttle's counts at zero."""
    with app.app_context():
        limiter.reset()


@pytest.fixture
def person(app, factories):
    with app.app_context():
        made = factories.principal(factories.school())
        return SimpleNamespace(id=made.id, email=made.email)


def ask_for_link(client, email: str):
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))
    return client.post("/password/forgot", data={"email": email, "csrf_token": token})


def link_in_mail(app, mailbox, email: str) -> str:
    with app.app_context():
        deliver_all()
    [message] = mailbox.to(email)
    assert message["Subject"] == "Choose a new password for the Ready for the World portal"
    return LINK.search(body(message)).group(1)


def choose(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"password": password, "confirm": again or password, "csrf_token": token})


def test_the_log_in_page_offers_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)


def test_the_link_works_once_and_ends_every_session(app, client, auth, person, mailbox):
    other_device = app.test_client()
    assert auth.login(person.email).status_code == 303
    with other_device:
        other_device.post("/login")  # a second session elsewhere
    assert ask_for_link(app.test_client(), person.email).status_code == 303
    path = link_in_mail(app, mailbox, person.email)

    visitor = app.test_client()
    assert "For " + person.email in visitor.get(path).get_data(as_text=True)
    response = choose(visitor, path)
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")

    assert client.get("/home").status_code == 302  # the session open before the reset has ended
    assert auth.login(person.email, NEW_PASSWORD).status_code == 303
    again = visitor.get(path)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)

    with app.app_context():
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.entity == "user", AuditEvent.entity_id == person.id)) == "reset_password"
        deliver_all()
    changed = [m for m in mailbox.to(person.email) if m["Subject"] == "Your portal password was changed"]
    assert len(changed) == 1


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(app, person, mailbox):
    known = ask_for_link(app.test_client(), person.email)
    unknown = ask_for_link(app.test_client(), "nobody.here@district.example")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    visitor = app.test_client()
    ask_for_link(visitor, "nobody.here@district.example")
    unknown_page = visitor.get("/login").get_data(as_text=True)
    assert "If an active account uses that address" in unknown_page
    with app.app_context():
        deliver_all()
    assert mailbox.to("nobody.here@district.example") == []
    assert len(mailbox.to(person.email)) == 1


def test_a_disabled_account_gets_no_link(app, person, mailbox):
    with app.app_context():
        db.session.get(User, person.id).active = False
        db.session.commit()
    assert ask_for_link(app.test_client(), person.email).status_code == 303
    with app.app_context():
        deliver_all()
    assert mailbox.to(person.email) == []


def test_the_link_expires_after_thirty_minutes(app, person, mailbox):
    ask_for_link(app.test_client(), person.email)
    path = link_in_mail(app, mailbox, person.email)
    with clock.set_now(clock.now_aware() + timedelta(minutes=31)):
        page = app.test_client().get(path)
    assert page.status_code == 410 and "has expired" in page.get_data(as_text=True)


def test_a_link_the_portal_did_not_sign_is_refused(app, person, mailbox):
    ask_for_link(app.test_client(), person.email)
    path = link_in_mail(app, mailbox, person.email)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    page = app.test_client().get(forged)
    assert page.status_code == 410 and "not one the portal sent" in page.get_data(as_text=True)
    assert app.test_client().get("/password/reset/" + "x" * 5000).status_code == 410


def test_a_weak_or_mistyped_password_is_refused_at_the_field(app, person, mailbox):
    ask_for_link(app.test_client(), person.email)
    path = link_in_mail(app, mailbox, person.email)
    visitor = app.test_client()
    mistyped = choose(visitor, path, again=NEW_PASSWORD + "x")
    assert mistyped.status_code == 422 and "The two passwords are not the same." in mistyped.get_data(as_text=True)
    with pytest.raises(PasswordPolicyError) as policy:
        check_policy("password1234")
    weak = choose(visitor, path, password="password1234")
    assert weak.status_code == 422 and str(policy.value) in weak.get_data(as_text=True)
    assert choose(visitor, path).status_code == 303  # the link was not used up by the refusals


def test_asking_again_and_again_is_throttled(app, person, mailbox):
    visitor = app.test_client()
    answers = [ask_for_link(visitor, person.email).status_code for _ in range(6)]
    assert answers[:5] == [303] * 5 and answers[5] == 429
    with app.app_context():
        deliver_all()
    assert len(mailbox.to(person.email)) == 5


def test_password_sign_in_switched_off_switches_the_reset_off(app, client):
    app.config["PASSWORD_LOGIN"] = False
    try:
        assert client.get("/password/forgot").status_code == 404
    finally:
        app.config["PASSWORD_LOGIN"] = True


def test_an_administrator_reads_the_reset_in_the_audit_trail(login_as, client, app, person, mailbox):
    login_as(Role.admin)
    ask_for_link(app.test_client(), person.email)
    path = link_in_mail(app, mailbox, person.email)
    choose(app.test_client(), path)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "user",
                                                            AuditEvent.entity_id == person.id)).one()
    assert event.actor_id == person.id
