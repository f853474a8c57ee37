"""The append-only audit trail."""
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.kernel import clock

if TYPE_CHECKING:  # people are the organisation's records, which build on the kernel
    from portal.org.models import User


class AuditEvent(Model):
    """One change to a workflow object: who (and in what role), when (UTC), from, to, comment.

    Rows are only ever inserted, in the same transaction as the change they describe.
    """

    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    actor_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=clock.now)

    actor: Mapped["User | None"] = relationship()

