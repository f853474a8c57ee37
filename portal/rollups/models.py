"""Outcomes as they happen (actuals) and stored rollups that every app process shares."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.org.models import School, utcnow
from portal.strategic_plan.models import Metric, StudentGroup


class Actual(db.Model):
    """A school's result on a metric for one student group in one school year."""

    __table_args__ = (UniqueConstraint("school_id", "metric_id", "group_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("student_group.id"))
    year: Mapped[str] = mapped_column(String(7), index=True)
    value: Mapped[float]
    n_students: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    import_id: Mapped[str] = mapped_column(String(40), default="")

    school: Mapped[School] = relationship()
    metric: Mapped[Metric] = relationship()
    group: Mapped[StudentGroup] = relationship()


class RollupCache(db.Model):
    """A computed rollup, kept until the data it was computed from changes.

    `stamp` fingerprints that data (counts and latest change times, read from the database), so
    every process and server that shares the database agrees on whether a stored rollup is fresh.
    """

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class DataStamp(db.Model):
    """A counter the database itself moves on every change to the data the rollups read.

    Triggers (migration 5e1f0c2a9b7d) add one to `n` in the same transaction as any insert, update
    or delete on those tables, whoever makes it (the portal, an import, a console), so the stamp
    is read in one primary-key lookup and is never newer than the data it describes.
    """

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
