"""What an administrator reads of the outbox: how much e-mail is waiting, being sent and sent today,
and the e-mail that failed (newest first, a page at a time), to retry one by one or all at once."""
from dataclasses import dataclass
from datetime import datetime, time

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.kernel import clock
from portal.notifications import delivery
from portal.notifications.kinds import KINDS
from portal.notifications.models import FAILED, PENDING, SENDING, SENT, OutboxEmail

PAGE_SIZE = 50


def kind_label(kind: str) -> str:
    if kind == "digest":
        return _("Daily digest")
    spec = KINDS.get(kind)
    return str(spec.label) if spec is not None else kind


@dataclass
class Summary:
    pending: int
    sending: int
    sent_today: int
    failed: int


def summary() -> Summary:
    """The outbox in four figures (two queries: the states on their index, and today's sent)."""
    by_state = dict(db.session.execute(
        select(OutboxEmail.state, func.count(OutboxEmail.id))
        .where(OutboxEmail.state.in_([PENDING, SENDING, FAILED])).group_by(OutboxEmail.state)).all())
    start = datetime.combine(clock.today(), time.min)
    sent_today = db.session.scalar(select(func.count(OutboxEmail.id))
                                   .where(OutboxEmail.state == SENT, OutboxEmail.sent_at >= start)) or 0
    return Summary(by_state.get(PENDING, 0), by_state.get(SENDING, 0), sent_today, by_state.get(FAILED, 0))


def failed_count() -> int:
    return db.session.scalar(select(func.count(OutboxEmail.id)).where(OutboxEmail.state == FAILED)) or 0


def failed_page(page: int, total: int, size: int = PAGE_SIZE) -> tuple[list[OutboxEmail], int, int]:
    """(the failed e-mail on page `page`, newest first, the page, the number of pages)."""
    pages = max(1, -(-total // size))
    page = min(page, pages)
    rows = list(db.session.scalars(
        select(OutboxEmail).options(joinedload(OutboxEmail.user)).where(OutboxEmail.state == FAILED)
        .order_by(OutboxEmail.id.desc()).limit(size).offset((page - 1) * size)))
    return rows, page, pages


def retry_all() -> int:
    """Every failed e-mail due again now (in the caller's transaction); how many."""
    emails = list(db.session.scalars(select(OutboxEmail).where(OutboxEmail.state == FAILED)))
    for email in emails:
        delivery.retry(email)
    return len(emails)
