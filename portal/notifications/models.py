"""Notifications, the e-mail outbox, and each person's choices of how to hear."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.kernel import clock
from portal.org.models import User

PENDING, SENDING, SENT, FAILED = "pending", "sending", "sent", "failed"


class OutboxEmail(Model):
    """An e-mail to deliver, written in the same transaction as the change it tells of.

    `key` names the message for good: it is the Message-ID, and the worker reads the row under that
    key again before sending, so a message the worker was told twice to send goes out once. The
    worker claims a row (state sending, claimed until a lease ends), sends it, and marks it sent; a
    worker that dies mid-batch leaves its rows claimed until the lease ends, and the next run takes
    them up again (at least once). A failed send is tried again later (attempts, next_attempt_at);
    after the last try the row is failed, with the error, until an administrator retries it."""

    __table_args__ = (Index("ix_outbox_email_due", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    to_address: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))  # a notification kind, or "digest"
    state: Mapped[str] = mapped_column(String(10), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=clock.now)
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    notifications: Mapped[list["Notification"]] = relationship(back_populates="email",
                                                               order_by="Notification.id")


class Notification(Model):
    """One thing one person is told: on their notifications page and bell, and by e-mail as they chose.

    `dedupe_key` names a scheduled message (a reminder, a weekly list) for good, so that running the
    schedule twice tells nobody twice."""

    __table_args__ = (Index("ix_notification_unread", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)  # the reviewer's words, quoted as they wrote them
    link: Mapped[str] = mapped_column(String(300))  # the page that needs the person, as a path
    delivery: Mapped[str] = mapped_column(String(10))  # immediate | daily | off | no_address
    email_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_email.id"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
    email: Mapped[OutboxEmail | None] = relationship(back_populates="notifications")


class Preference(Model):
    """How one person hears one kind of message, when not the kind's default."""

    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10))
