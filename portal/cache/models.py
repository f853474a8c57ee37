"""Stored rollups that every app process shares."""
from datetime import datetime

from sqlalchemy import JSON, String, true
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.kernel import clock


class RollupCache(Model):
    """A computed rollup, kept until the data it was computed from changes.

    `stamp` fingerprints that data (the data stamps and the day, read from the database), so every
    process and server that shares the database agrees on whether a stored rollup is fresh.

    `name`, `filters`, `plan_id` and `drafts` say what was computed (the rollup, its filters, the
    Strategic Plan in view, whether it shows drafts), so the worker can compute it again after a
    change without a reader asking (portal.rollups.refresh).
    """

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=clock.now)
    name: Mapped[str | None] = mapped_column(String(40))
    filters: Mapped[dict | None] = mapped_column(JSON)
    plan_id: Mapped[int | None]
    drafts: Mapped[bool] = mapped_column(default=True, server_default=true())


class DataStamp(Model):
    """A counter the database itself moves on every change to the data the rollups read.

    Triggers (migration 5e1f0c2a9b7d) add one to `n` in the same transaction as any insert, update
    or delete on those tables, whoever makes it (the portal, an import, a console), so the stamp
    is read in one primary-key lookup and is never newer than the data it describes.
    """

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
