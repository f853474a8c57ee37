"""One person's notifications as the pages read them: the unread count the bell shows (one COUNT on
the unread index), the notifications page a page at a time, the latest unread for the home page, and
marking them read. A fixed number of queries each, however many notifications a person has; the
views commit."""
from dataclasses import dataclass

from sqlalchemy import case, func, select, update

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.plans import ALL_PLANS
from portal.notifications.models import Notification

PAGE_SIZE = 50
HOME_LATEST = 5


def unread_count(user_id: int) -> int:
    """How many of the person's notifications are unread (the bell): one COUNT on the unread index, which
    needs no plan in scope (a notification belongs to no one plan)."""
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None))
                             .execution_options(**{ALL_PLANS: True})) or 0


@dataclass
class Listing:
    """A page of the person's notifications, newest first."""

    rows: list[Notification]
    total: int  # all of the person's notifications
    unread: int
    page: int
    pages: int
    unread_only: bool


def listing(user_id: int, unread_only: bool, page: int, size: int = PAGE_SIZE) -> Listing:
    """Page `page` (past the last: the last) of the person's notifications, or of the unread ones."""
    total, unread = db.session.execute(
        select(func.count(Notification.id), func.count(case((Notification.read_at.is_(None), 1))))
        .where(Notification.user_id == user_id)).one()
    shown = unread if unread_only else total
    pages = max(1, -(-shown // size))
    page = min(page, pages)
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    rows = list(db.session.scalars(stmt.order_by(Notification.created_at.desc(), Notification.id.desc())
                                   .limit(size).offset((page - 1) * size)))
    return Listing(rows, total, unread, page, pages, unread_only)


def latest_unread(user_id: int, limit: int = HOME_LATEST) -> list[Notification]:
    """The person's newest unread notifications (the home page's 'What needs your attention')."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(note: Notification) -> None:
    if note.read_at is None:
        note.read_at = clock.now()


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the person read; how many there were."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=clock.now()), execution_options={"synchronize_session": False})
    return result.rowcount or 0  # type: ignore[attr-defined]
