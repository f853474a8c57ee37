"""The outbox and its delivery, against a real SMTP server (aiosmtpd on loopback): what is committed
is sent once, what is rolled back is never sent, a server that refuses means retries and then a
failed e-mail an administrator can retry, and no name can add a header."""
from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.notifications import delivery, digests
from portal.notifications.mail import Connection, Settings
from portal.notifications.models import FAILED, PENDING, SENT, Notification, OutboxEmail, Preference
from portal.notifications.outbox import notify
from portal.worker import deliver_all, run_schedule
from tests.mail_server import body, free_port


@pytest.fixture
def person(factories):
    return factories.principal(factories.school())


def tell(user, kind="plan_returned", **kwargs):
    notes = notify([user], kind, "Your plan came back", f"{user.name}, your plan was returned.",
                   "/targets/plan", **kwargs)
    db.session.commit()
    return notes


def test_a_committed_notification_reaches_the_person_with_its_link_and_comment(ctx, person, mailbox):
    tell(person, comment="Raise the grade 3 target.\nSee the baseline.")
    assert deliver_all().sent == 1

    [message] = mailbox.to(person.email)
    assert message["Subject"] == "Your plan came back"
    text = body(message)
    assert "Raise the grade 3 target." in text and "> See the baseline." in text
    assert "http://127.0.0.1:5000/targets/plan" in text
    assert "Raise the grade 3 target." in body(message, "html")
    assert message["List-Unsubscribe"] == "<http://127.0.0.1:5000/notifications/preferences>"
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == person.id)).one()
    assert message["Message-ID"] == f"<{email.key}@district.example>"
    assert (email.state, email.attempts) == (SENT, 1)


def test_a_change_that_is_rolled_back_tells_nobody(ctx, person, mailbox):
    notify([person], "plan_returned", "Your plan came back", "Returned.", "/targets/plan")
    db.session.rollback()
    assert deliver_all().sent == 0
    assert mailbox.messages == []
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == person.id)) is None


def test_a_busy_server_means_a_retry_later_and_then_one_copy(ctx, person, mailbox, app):
    tell(person)
    mailbox.refuse_with = "421 4.3.2 Busy, try again later"
    run = deliver_all()
    assert (run.sent, run.retrying) == (0, 1)
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == person.id)).one()
    assert email.state == PENDING and "421" in email.last_error and email.attempts == 1

    mailbox.refuse_with = None
    assert deliver_all().sent == 1
    assert len(mailbox.to(person.email)) == 1


def test_retries_back_off_and_end_in_a_failed_state_an_administrator_can_retry(ctx, person, mailbox, app,
                                                                             smtp_server):
    app.config.update(MAIL_PORT=free_port(), MAIL_RETRY_SECONDS=60)  # nothing listens there
    tell(person)
    start = clock.now()
    deliver_all()
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == person.id)).one()
    assert email.state == PENDING and "could not be reached" in email.last_error
    assert email.next_attempt_at - start >= timedelta(seconds=59)
    assert deliver_all().retrying == 0  # not due yet: nothing is tried

    for _ in range(app.config["MAIL_MAX_ATTEMPTS"] - 1):
        db.session.refresh(email)
        email.next_attempt_at = clock.now()
        db.session.commit()
        deliver_all()
    db.session.refresh(email)
    assert email.state == FAILED and email.last_error.startswith("Gave up after 8 attempts")

    app.config.update(MAIL_PORT=smtp_server.port)  # the server is back
    delivery.retry(email)
    db.session.commit()
    assert deliver_all().sent == 1
    assert len(mailbox.to(person.email)) == 1


def test_an_address_the_server_will_never_take_fails_at_once_and_the_rest_go_on(ctx, factories, mailbox):
    first, second = factories.principal(factories.school()), factories.principal(factories.school())
    first.email = "not an address@@example"
    db.session.commit()
    notify([first, second], "plan_approved", "Approved", "Your plan is approved.", "/targets/plan")
    db.session.commit()

    run = deliver_all()
    assert (run.sent, run.failed) == (1, 1), run
    failed = db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == first.id)).one()
    assert failed.state == FAILED and "not an e-mail address" in failed.last_error
    assert len(mailbox.to(second.email)) == 1


def test_a_refused_recipient_is_failed_with_the_servers_words(ctx, person, mailbox):
    tell(person)
    mailbox.refuse_with = "550 5.1.1 No such mailbox"
    assert deliver_all().failed == 1
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == person.id)).one()
    assert email.state == FAILED and "550" in email.last_error and "No such mailbox" in email.last_error


def test_a_name_cannot_add_a_header(ctx, person, mailbox):
    person.name = "Pat\r\nBcc: everyone@elsewhere.example"
    db.session.commit()
    notify([person], "plan_approved", "Approved\r\nBcc: also@elsewhere.example", "Approved.", "/targets/plan")
    db.session.commit()
    assert deliver_all().sent == 1
    [message] = mailbox.messages
    assert message["Bcc"] is None
    assert "\n" not in message["To"] and "\n" not in message["Subject"]
    assert mailbox.envelopes[0][1] == [person.email]


def test_an_email_already_sent_under_its_key_is_not_sent_again(ctx, person, mailbox):
    tell(person)
    [claimed] = delivery.claim(10)
    email = db.session.get(OutboxEmail, claimed)
    email.state = SENT  # another worker sent it and recorded so after this one claimed it
    db.session.commit()
    run = delivery.Run()
    delivery._deliver(claimed, Connection(Settings.from_config(current_app.config)), run)
    assert run.skipped == 1 and mailbox.messages == []


def test_a_worker_that_died_holding_emails_lets_go_when_its_lease_ends(ctx, person, mailbox):
    tell(person)
    assert delivery.claim(10)  # claimed, and then the worker is gone
    assert deliver_all().sent == 0  # still leased
    email = db.session.scalars(select(OutboxEmail).where(OutboxEmail.user_id == person.id)).one()
    email.claimed_until = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert deliver_all().sent == 1
    assert len(mailbox.to(person.email)) == 1


def test_off_keeps_the_notification_in_the_portal_but_sends_no_email(ctx, person, mailbox):
    db.session.add(Preference(user_id=person.id, kind="plan_returned", mode="off"))
    db.session.commit()
    [note_id] = tell(person)
    note = db.session.get(Notification, note_id)
    assert note.delivery == "off" and note.email is None
    assert deliver_all().sent == 0


def test_security_messages_cannot_be_switched_off(ctx, person, mailbox):
    db.session.add(Preference(user_id=person.id, kind="security", mode="off"))
    db.session.commit()
    [note_id] = tell(person, kind="security")
    assert db.session.get(Notification, note_id).delivery == "immediate"
    assert deliver_all().sent == 1


def test_a_daily_digest_gathers_the_days_messages_once(ctx, person, mailbox):
    db.session.add(Preference(user_id=person.id, kind="plan_returned", mode="daily"))
    db.session.commit()
    tell(person)
    notify([person], "plan_returned", "Returned again", "Returned a second time.", "/targets/plan")
    db.session.commit()
    assert deliver_all().sent == 0  # nothing goes before the digest

    day = clock.today()
    assert run_schedule(day)["digests"] >= 1
    assert run_schedule(day)["digests"] == 0  # the same day again: nothing twice
    deliver_all()
    [message] = mailbox.to(person.email)
    assert "daily digest" in message["Subject"] and "2 updates" in message["Subject"]
    text = body(message)
    assert "Your plan came back" in text and "Returned again" in text
    assert db.session.scalar(select(OutboxEmail.key).where(OutboxEmail.user_id == person.id)) == \
        digests.digest_key(person.id, day)


def test_a_scheduled_message_is_told_once_under_its_key(ctx, person, mailbox):
    tell(person, kind="target_due", dedupe="due-7:test")
    tell(person, kind="target_due", dedupe="due-7:test")
    assert len(db.session.scalars(select(Notification).where(Notification.user_id == person.id)).all()) == 1
    assert deliver_all().sent == 1


def test_a_server_that_cannot_be_reached_leaves_each_email_its_own_reason(ctx, factories, mailbox, app, monkeypatch):
    """The rest of a batch waits when the server cannot be reached; each says why once (the soak's
    1,200 e-mails once said "Gave up after 3 attempts." up to a hundred times over)."""
    app.config.update(MAIL_PORT=free_port())  # nothing listens there
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 1)
    people = [factories.principal(factories.school()) for _ in range(3)]
    notify(people, "plan_approved", "Approved", "Your plan is approved.", "/targets/plan")
    db.session.commit()
    assert deliver_all().failed == 3
    errors = db.session.scalars(select(OutboxEmail.last_error).where(
        OutboxEmail.user_id.in_([p.id for p in people]))).all()
    assert len(errors) == 3
    assert all(e.startswith("Gave up after 1 attempts. The mail server could not be reached")
               and e.count("Gave up") == 1 for e in errors), errors
