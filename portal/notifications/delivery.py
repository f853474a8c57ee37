"""The worker's half of the outbox: claim the e-mails that are due, send them, record what happened.

Claiming is one conditional UPDATE per batch: on PostgreSQL the candidate rows are read FOR UPDATE
SKIP LOCKED, so two workers never wait for each other; on SQLite the database's single writer makes
the UPDATE atomic. Either way a row is claimed by one worker, which then owns it until its lease
ends. Each sent e-mail is marked in its own commit right after the server accepts it."""
import secrets
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import joinedload, selectinload

from portal.extensions import db
from portal.kernel import clock
from portal.notifications.mail import BadAddress, Connection, Settings, compose
from portal.notifications.models import FAILED, PENDING, SENDING, SENT, OutboxEmail

BACKOFF_CAP = timedelta(hours=1)


class Permanent(Exception):
    """This e-mail will never be accepted as it is: failed at once, without further tries."""


@dataclass
class Run:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    unreachable: str = ""  # why the server could not be reached, for the rest of the batch


def _claimable(now: datetime):
    return or_(and_(OutboxEmail.state == PENDING, OutboxEmail.next_attempt_at <= now),
               and_(OutboxEmail.state == SENDING, OutboxEmail.claimed_until < now))


def claim(limit: int) -> list[int]:
    """Take up to `limit` due e-mails for this worker (and any a dead worker's lease let go of)."""
    now = clock.now()
    # The longest due first: an e-mail that keeps being retried does not hold back those queued after it.
    candidates = (select(OutboxEmail.id).where(_claimable(now))
                  .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates))
    if not ids:
        db.session.rollback()
        return []
    token = secrets.token_hex(16)
    lease = timedelta(seconds=current_app.config["MAIL_LEASE_SECONDS"])
    db.session.execute(update(OutboxEmail).where(OutboxEmail.id.in_(ids), _claimable(now)).values(
        state=SENDING, claim_token=token, claimed_until=now + lease, attempts=OutboxEmail.attempts + 1),
        execution_options={"synchronize_session": False})
    db.session.commit()
    return list(db.session.scalars(select(OutboxEmail.id).where(
        OutboxEmail.claim_token == token, OutboxEmail.state == SENDING).order_by(OutboxEmail.id)))


def deliver_due(limit: int = 100) -> Run:
    """Send what is due, one batch; return what happened."""
    run = Run()
    ids = claim(limit)
    if not ids:
        return run
    connection = Connection(Settings.from_config(current_app.config))
    session = db.session()
    # Each e-mail is recorded in a commit of its own; keeping what the batch loaded in one go (the
    # e-mails, their notifications and people) across those commits saves reloading them one by one.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        # Held while the batch is sent: the session keeps an object only while something refers to it.
        batch = db.session.scalars(select(OutboxEmail).where(OutboxEmail.id.in_(ids)).options(
            selectinload(OutboxEmail.notifications), joinedload(OutboxEmail.user))
            .execution_options(populate_existing=True)).all()  # as the claim left them, not as last seen
        for index, email_id in enumerate(ids):
            if not _deliver(email_id, connection, run):  # the server cannot be reached: the rest wait too
                for rest in ids[index + 1:]:
                    _retry_later(db.session.get(OutboxEmail, rest), run.unreachable, run)
                db.session.commit()
                break
        del batch
    finally:
        connection.close()
        session.expire_on_commit = expire
    return run


def _deliver(email_id: int, connection: Connection, run: Run) -> bool:
    """Send one claimed e-mail and record the outcome; False when the server could not be reached."""
    email = db.session.get(OutboxEmail, email_id)
    state = db.session.scalar(select(OutboxEmail.state).where(OutboxEmail.id == email_id))  # as it is now
    if email is None or state != SENDING:  # already sent under this key, or retried elsewhere
        run.skipped += 1
        return True
    try:
        message = compose(email)
        connection.send(message)
    except (BadAddress, Permanent) as exc:
        _fail(email, str(exc), run)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        reason = "; ".join(f"{code} {text.decode(errors='replace')}" for code, text in exc.recipients.values())
        if all(code >= 500 for code in codes):
            _fail(email, f"The mail server refused the address: {reason}", run)
        else:
            if 421 in codes:  # smtplib has closed the session: the next message opens a new one
                connection.drop()
            _retry_later(email, f"The mail server deferred the address: {reason}", run)
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error
        text = f"{exc.smtp_code} {said.decode(errors='replace') if isinstance(said, bytes) else said}"
        if exc.smtp_code >= 500:
            _fail(email, f"The mail server refused the message: {text}", run)
        else:
            connection.drop()
            _retry_later(email, f"The mail server answered {text}", run)
    except (smtplib.SMTPException, OSError) as exc:
        connection.drop()
        run.unreachable = f"The mail server could not be reached: {exc or type(exc).__name__}"
        _retry_later(email, run.unreachable, run)
        db.session.commit()
        return False
    else:
        email.state, email.sent_at, email.last_error, email.claim_token = SENT, clock.now(), None, None
        run.sent += 1
    db.session.commit()
    return True


def _fail(email: OutboxEmail, reason: str, run: Run) -> None:
    email.state, email.last_error, email.claim_token, email.claimed_until = FAILED, reason, None, None
    run.failed += 1
    run.errors.append(reason)


def _retry_later(email: OutboxEmail | None, reason: str, run: Run) -> None:
    """Another try after a wait that doubles with each attempt; failed after the last one."""
    if email is None or email.state != SENDING:
        return
    if email.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        _fail(email, f"Gave up after {email.attempts} attempts. {reason}", run)
        return
    wait = timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"] * 2 ** max(email.attempts - 1, 0))
    email.state, email.last_error, email.claim_token, email.claimed_until = PENDING, reason, None, None
    email.next_attempt_at = clock.now() + min(wait, BACKOFF_CAP)
    run.retrying += 1
    run.errors.append(reason)


def retry(email: OutboxEmail) -> None:
    """An administrator's retry of a failed e-mail: due now, with its tries counted afresh."""
    email.state, email.attempts, email.next_attempt_at, email.claimed_until = PENDING, 0, clock.now(), None
