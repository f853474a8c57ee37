"""Stored rollups: computed results that every app process shares through the database, each kept
until the data it was computed from changes.

A stored rollup (RollupCache) is keyed by its name and filters and carries the fingerprint of the
data it was computed from: the data stamp that the database's own triggers move in the same
transaction as any change to the tables the rollups read (migration 5e1f0c2a9b7d), and today's
date, which decides what is overdue. It is one primary-key lookup, whatever the district's size,
and every process and server sharing the database agrees on whether a stored rollup is fresh.
The fingerprint is read *before* the data: if the data changes while a rollup is being computed,
the stored fingerprint is the older one and the next request recomputes; a stored rollup is never
newer-stamped than its data.

Each process also keeps what it last read or drew from a stored rollup (the decoded payload, a
page's part drawn from it) under the same stamp, and uses it only while the stored rollup still
carries the current stamp.

A page that says so to its reader may ask for the copy stored earlier today even though the data
has changed since (accept_stale): the dashboard shows it at once, with its time, while the worker
computes it again. A copy from an earlier day is never served that way.

Each stored rollup also says what it is (its name, filters, plan and whether it shows drafts), so the
worker can find those a change has made stale (`stale`) and compute them again (`recompute`) with the
function registered for the name (portal.rollups.refresh), before a reader asks. Inside
`stored_only()` nothing is computed: a rollup with no stored copy to serve raises NotStored.
"""
import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from portal.cache.freshness import DRAFTS, ROLLUPS
from portal.cache.models import DataStamp, RollupCache
from portal.extensions import db
from portal.kernel import clock, plans

CACHE_VERSION = "v8"  # bump when a rollup's shape or arithmetic changes
# Rollups this process has already read back, by database and key: (stamp, payload). A stored
# rollup is only served when its stamp is the current one, so this saves decoding it again, never
# freshness.
_decoded: dict[tuple[str, str], tuple[str, dict]] = {}
_rendered: dict[tuple[str, str, str], tuple[str, str]] = {}
DECODED_MAX = 256
KEY_PREFIX = "dashboard/"  # every key these rollups store starts so (other features may share the table)
CURRENT, STALE, MISSING = "current", "stale", "missing"
_stored_only: ContextVar[bool] = ContextVar("stored_only", default=False)


class NotStored(LookupError):
    """Inside stored_only(): the rollup has no stored copy to serve, and computing it is not allowed."""


@contextmanager
def stored_only() -> Iterator[None]:
    """Serve only what is stored: a rollup that would be computed raises NotStored instead (a poll
    that must stay cheap)."""
    token = _stored_only.set(True)
    try:
        yield
    finally:
        _stored_only.reset(token)


@dataclass(frozen=True)
class Stored:
    """What a stored rollup was computed for: enough to compute it again."""

    key: str
    name: str
    filters: dict
    plan_id: int | None
    drafts: bool


def fingerprint(today: date, drafts: bool = True) -> str:
    """The state of everything a rollup reads, in one indexed lookup: the data stamps the database's
    triggers move on every insert, update or delete of those tables (whoever writes), and today's
    date, which decides what is overdue. `drafts` says whether the rollup shows draft rows too
    (portal.cache.freshness)."""
    scopes = (ROLLUPS, DRAFTS) if drafts else (ROLLUPS,)
    counts = dict(db.session.execute(select(DataStamp.scope, DataStamp.n).where(DataStamp.scope.in_(scopes))).all())
    return ":".join([CACHE_VERSION, today.isoformat(), *(str(counts.get(scope)) for scope in scopes)])


def cache_key(name: str, filters: dict) -> str:
    """The stored rollup's key: its name and filters, under the Strategic Plan it describes."""
    args = "&".join(f"{k}={filters[k]}" for k in sorted(filters) if filters[k])
    key = f"{KEY_PREFIX}{CACHE_VERSION}/plan{plans.in_scope_id()}/{name}?{args}"
    if len(key) > 120:  # never in practice (codes are short); keep the key within its column anyway
        key = f"{KEY_PREFIX}{CACHE_VERSION}/{name}#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def cached(name: str, filters: dict, compute: Callable[[], dict], today: date, accept_stale: bool = False,
           drafts: bool = True) -> dict:
    """The stored rollup when its fingerprint is current; otherwise compute, store and return it.

    With accept_stale, a stored rollup computed before the latest change is returned as it is (the
    caller says so to its reader; the worker computes it again); only a missing one is computed."""
    stamp = fingerprint(today, drafts)
    key = cache_key(name, filters)
    stored = _stored_stamp(key)
    if stored is not None and (stored == stamp or (accept_stale and stored.startswith(_day_prefix(today)))):
        known = _decoded.get((_database(), key))
        if known is not None and known[0] == stored:
            return known[1]
        payload = db.session.scalar(select(RollupCache.payload).where(RollupCache.key == key,
                                                                       RollupCache.stamp == stored))
        if payload is not None:
            return _remember(key, stored, payload)
    if _stored_only.get():
        raise NotStored(key)
    payload = compute()
    _store(Stored(key, name, filters, plans.in_scope_id(), drafts), stamp, payload, today)
    return _remember(key, stamp, payload)


def _store(what: Stored, stamp: str, payload: dict, today: date) -> None:
    """Store a computed rollup under the fingerprint read before computing it, in a commit of its own."""
    row = db.session.get(RollupCache, what.key)
    session = db.session()
    # Storing the rollup must not expire what the request has already loaded (the user, the plan's
    # vocabulary): that would cost a query per object afterwards.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        # Rollups of an earlier day are never served again (what is overdue has changed): drop them.
        # Those of today under an older stamp stay, to be shown (as of their time) while refreshed.
        session.execute(delete(RollupCache).where(RollupCache.key.startswith(KEY_PREFIX), RollupCache.key != what.key,
                                                  ~RollupCache.stamp.startswith(_day_prefix(today))))
        if row is None:
            row = RollupCache(key=what.key)
            session.add(row)
        row.stamp, row.payload, row.computed_at = stamp, payload, clock.now()
        row.name, row.filters, row.plan_id, row.drafts = what.name, what.filters, what.plan_id, what.drafts
        session.commit()
    except (IntegrityError, OperationalError, StaleDataError):
        # Another process stored the same rollup at the same moment, or dropped the stale copy we
        # were replacing (or the database is busy): ours is still correct for this request.
        session.rollback()
    finally:
        session.expire_on_commit = expire


def status(name: str, filters: dict, today: date, drafts: bool = True) -> tuple[str, datetime | None]:
    """Whether the stored rollup is CURRENT, a STALE copy from earlier today, or MISSING (none, or
    only an earlier day's), and when it was computed: two primary-key lookups, nothing computed."""
    stamp = fingerprint(today, drafts)
    stored = db.session.execute(select(RollupCache.stamp, RollupCache.computed_at)
                                .where(RollupCache.key == cache_key(name, filters))).first()
    if stored is None or not stored.stamp.startswith(_day_prefix(today)):
        return MISSING, None
    return (CURRENT if stored.stamp == stamp else STALE), stored.computed_at


def stale(today: date) -> list[Stored]:
    """Today's stored rollups that a change has made stale, the most recently computed first.

    Those of an earlier day are left alone: the first reader of the day computes what they ask for,
    and storing it drops the rest."""
    current = {drafts: fingerprint(today, drafts) for drafts in (True, False)}
    rows = db.session.execute(select(RollupCache.key, RollupCache.name, RollupCache.filters, RollupCache.plan_id,
                                     RollupCache.drafts, RollupCache.stamp)
                              .where(RollupCache.key.startswith(KEY_PREFIX), RollupCache.name.is_not(None),
                                     RollupCache.stamp.startswith(_day_prefix(today)))
                              .order_by(RollupCache.computed_at.desc())).all()
    return [Stored(r.key, r.name, r.filters or {}, r.plan_id, r.drafts) for r in rows
            if r.stamp != current[r.drafts]]


def recompute(what: Stored, compute: Callable[[], dict], today: date) -> bool:
    """Compute a stored rollup again and store it, unless another process already has; the
    fingerprint is read first, so a change made while computing leaves it stale for the next turn.
    Returns whether it was computed."""
    stamp = fingerprint(today, what.drafts)
    if _stored_stamp(what.key) == stamp:
        return False
    _store(what, stamp, compute(), today)
    return True


def drop(key: str) -> None:
    """Forget a stored rollup that cannot be computed again (its plan or cycle is gone); the caller commits."""
    db.session.execute(delete(RollupCache).where(RollupCache.key == key))


def rendered(name: str, filters: dict, variant: str, render: Callable[[bool], str], today: date,
             accept_stale: bool = False, drafts: bool = True) -> tuple[str, datetime | None]:
    """A part of a page drawn from a stored rollup, drawn again only when that rollup is recomputed.

    `render` draws it (and through `cached` computes and stores the rollup when needed); what it
    returns is kept by this process under the stamp read first, and served while the stored rollup
    still carries that stamp. `variant` tells apart what else the part depends on (the page, the
    reader's role).

    Returns the part and, when accept_stale let it come from a rollup computed before the latest
    change (earlier today), the time that rollup was computed; None when it is current. `render` is
    told which: it passes that on to `cached`."""
    stamp = fingerprint(today, drafts)
    key = cache_key(name, filters)
    stored = db.session.execute(select(RollupCache.stamp, RollupCache.computed_at)
                                .where(RollupCache.key == key)).first()
    serving, as_of = stamp, None
    if accept_stale and stored is not None and stored.stamp != stamp and stored.stamp.startswith(_day_prefix(today)):
        serving, as_of = stored.stamp, stored.computed_at
    memo_key = (_database(), key, variant)
    known = _rendered.get(memo_key)
    if known is not None and known[0] == serving and stored is not None and stored.stamp == serving:
        return known[1], as_of
    html = render(as_of is not None)
    if len(_rendered) >= DECODED_MAX:
        _rendered.clear()
    _rendered[memo_key] = (serving, html)
    return html, as_of


def _day_prefix(today: date) -> str:
    return f"{CACHE_VERSION}:{today.isoformat()}:"


def _stored_stamp(key: str) -> str | None:
    return db.session.scalar(select(RollupCache.stamp).where(RollupCache.key == key))


def _database() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _remember(key: str, stamp: str, payload: dict) -> dict:
    if len(_decoded) >= DECODED_MAX:
        _decoded.clear()
    _decoded[(_database(), key)] = (stamp, payload)
    return payload


# ---------------------------------------------------------------- the plan's vocabulary
