"""Stored rollups that every app process shares."""
from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import Model
from portal.kernel import clock


class RollupCache(Model):
    """A computed rollup, kept until the data it was computed from changes.

    `stamp` fingerprints that data (counts and latest change times, read from the database), so
    every process and server that shares the database agrees on whether a stored rollup is fresh.
    """

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    stamp: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict] = mapped_column(JSON)
    computed_at: Mapped[datetime] = mapped_column(default=clock.now)


class DataStamp(Model):
    """A counter the database itself moves on every change to the data the rollups read.

    Triggers (migration 5e1f0c2a9b7d) add one to `n` in the same transaction as any insert, update
    or delete on those tables, whoever makes it (the portal, an import, a console), so the stamp
    is read in one primary-key lookup and is never newer than the data it describes.
    """

    scope: Mapped[str] = mapped_column(String(40), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)
