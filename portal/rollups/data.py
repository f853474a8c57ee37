"""What the rollups read from the database, as DataFrames, and the rollup cache every app process
shares through the database.

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
has changed since (accept_stale): the dashboard shows it at once, with its time, while it asks for
the recomputed one. A copy from an earlier day is never served that way.
"""
import hashlib
from collections.abc import Callable
from datetime import date, datetime

import pandas as pd
from sqlalchemy import String, delete, func, select, type_coerce
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import Actual, CheckIn, DataStamp, Goal, Initiative, Metric, Pillar, PlanSetting, Region, RollupCache, School, SchoolLevel, StudentGroup, Target, TargetCycle, TargetPlan, Trajectory
from portal.org.models import utcnow
from portal.progress.check_ins import current_check_ins

CACHE_VERSION = "v3"  # bump when a rollup's shape or arithmetic changes
STAMP_SCOPE = "rollups"  # the DataStamp row the triggers move
# Rollups this process has already read back, by database and key: (stamp, payload). A stored
# rollup is only served when its stamp is the current one, so this saves decoding it again, never
# freshness.
_decoded: dict[tuple[str, str], tuple[str, dict]] = {}
_rendered: dict[tuple[str, str, str], tuple[str, str]] = {}
DECODED_MAX = 256
KEY_PREFIX = "dashboard/"  # every key these rollups store starts so (other features may share the table)


# ---------------------------------------------------------------- the shared cache

def fingerprint(today: date) -> str:
    """The state of everything the rollups read, in one primary-key lookup: the data stamp the
    database's triggers move on every insert, update or delete of those tables (whoever writes),
    and today's date, which decides what is overdue."""
    n = db.session.scalar(select(DataStamp.n).where(DataStamp.scope == STAMP_SCOPE))
    return f"{CACHE_VERSION}:{today.isoformat()}:{n}"


def cache_key(name: str, filters: dict) -> str:
    args = "&".join(f"{k}={filters[k]}" for k in sorted(filters) if filters[k])
    key = f"{KEY_PREFIX}{CACHE_VERSION}/{name}?{args}"
    if len(key) > 120:  # never in practice (codes are short); keep the key within its column anyway
        key = f"{KEY_PREFIX}{CACHE_VERSION}/{name}#" + hashlib.sha256(key.encode()).hexdigest()
    return key


def cached(name: str, filters: dict, compute: Callable[[], dict], today: date, accept_stale: bool = False) -> dict:
    """The stored rollup when its fingerprint is current; otherwise compute, store and return it.

    With accept_stale, a stored rollup computed before the latest change is returned as it is (the
    caller says so to its reader and asks for the refresh); only a missing one is computed."""
    stamp = fingerprint(today)
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
    payload = compute()
    row = db.session.get(RollupCache, key)
    session = db.session()
    # Storing the rollup must not expire what the request has already loaded (the user, the plan's
    # vocabulary): that would cost a query per object afterwards.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        # Rollups of an earlier day are never served again (what is overdue has changed): drop them.
        # Those of today under an older stamp stay, to be shown (as of their time) while refreshed.
        session.execute(delete(RollupCache).where(RollupCache.key.startswith(KEY_PREFIX), RollupCache.key != key,
                                                  ~RollupCache.stamp.startswith(_day_prefix(today))))
        if row is None:
            session.add(RollupCache(key=key, stamp=stamp, payload=payload))
        else:
            row.stamp, row.payload, row.computed_at = stamp, payload, utcnow()
        session.commit()
    except (IntegrityError, OperationalError, StaleDataError):
        # Another process stored the same rollup at the same moment, or dropped the stale copy we
        # were replacing (or the database is busy): ours is still correct for this request.
        session.rollback()
    finally:
        session.expire_on_commit = expire
    return _remember(key, stamp, payload)


def rendered(name: str, filters: dict, variant: str, render: Callable[[bool], str], today: date,
             accept_stale: bool = False) -> tuple[str, datetime | None]:
    """A part of a page drawn from a stored rollup, drawn again only when that rollup is recomputed.

    `render` draws it (and through `cached` computes and stores the rollup when needed); what it
    returns is kept by this process under the stamp read first, and served while the stored rollup
    still carries that stamp. `variant` tells apart what else the part depends on (the page, the
    reader's role).

    Returns the part and, when accept_stale let it come from a rollup computed before the latest
    change (earlier today), the time that rollup was computed; None when it is current. `render` is
    told which: it passes that on to `cached`."""
    stamp = fingerprint(today)
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

def current_cycle() -> TargetCycle | None:
    return db.session.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc())
                             .limit(1))


def settings() -> dict:
    return {s.key: s.value for s in db.session.scalars(select(PlanSetting))}


def metrics_frame() -> pd.DataFrame:
    rows = db.session.execute(
        select(Metric.code, Goal.code.label("goal"), Goal.name.label("goal_name"), Goal.number.label("goal_number"),
               Metric.name, Metric.short_name, Metric.unit, Metric.target_kind, Metric.target_value, Metric.group_gain,
               Metric.group_gain_reading, Metric.levels, Metric.value_min, Metric.value_max, Metric.position)
        .join(Goal).order_by(Goal.number, Metric.position)).all()
    frame = pd.DataFrame([r._asdict() for r in rows])
    if frame.empty:
        return frame
    frame["order"] = range(len(frame))
    return frame.set_index("code")


def bands() -> dict:
    return {lv.code: (lv.band_low, lv.band_high)
            for lv in db.session.scalars(select(SchoolLevel)) if lv.band_low is not None}


def trajectory_shares() -> dict[str, list[float]]:
    return {t.code: t.shares for t in db.session.scalars(select(Trajectory).order_by(Trajectory.position))}


def trajectory_names() -> dict[str, str]:
    return {t.code: t.name for t in db.session.scalars(select(Trajectory).order_by(Trajectory.position))}


# ---------------------------------------------------------------- frames

# The plan's status as stored (its enum's value), without building an enum object per row.
STATUS = type_coerce(TargetPlan.status, String).label("status")
SCHOOL_COLUMNS = (School.id.label("school_id"), School.code.label("school_code"), School.name.label("school_name"),
                  Region.code.label("region"), School.level.label("school_level"), School.grade_low, School.grade_high)


def target_rows(cycle: TargetCycle, region_id: int | None = None, school_id: int | None = None) -> pd.DataFrame:
    """Every target of the cycle with its school, region, plan status and student group."""
    stmt = (select(*SCHOOL_COLUMNS, STATUS, Metric.code.label("metric"),
                   StudentGroup.code.label("group"), StudentGroup.name.label("group_name"),
                   StudentGroup.targeted, StudentGroup.sort.label("group_sort"),
                   Target.baseline_value.label("baseline"), Target.baseline_n.label("n"),
                   Target.target_2026.label("target"), Target.trajectory_code.label("trajectory"))
            .select_from(Target).join(TargetPlan, Target.plan_id == TargetPlan.id)
            .join(School, TargetPlan.school_id == School.id).join(Region, School.region_id == Region.id)
            .join(Metric, Target.metric_id == Metric.id).join(StudentGroup, Target.group_id == StudentGroup.id)
            .where(TargetPlan.cycle_id == cycle.id))
    if region_id is not None:
        stmt = stmt.where(School.region_id == region_id)
    if school_id is not None:
        stmt = stmt.where(School.id == school_id)
    frame = _frame(stmt)
    if not frame.empty:
        frame["n"] = frame["n"].fillna(0)
        for col in ("baseline", "target", "n"):
            frame[col] = frame[col].astype(float)
    return frame


def plan_rows(cycle: TargetCycle, region_id: int | None = None) -> pd.DataFrame:
    stmt = (select(*SCHOOL_COLUMNS, STATUS, TargetPlan.id.label("plan_id"))
            .select_from(TargetPlan).join(School, TargetPlan.school_id == School.id)
            .join(Region, School.region_id == Region.id).where(TargetPlan.cycle_id == cycle.id))
    if region_id is not None:
        stmt = stmt.where(School.region_id == region_id)
    frame = _frame(stmt)
    if not frame.empty:
        frame = frame.rename(columns={"school_code": "code", "school_name": "name"})
    return frame


def actual_rows(school_id: int | None = None, metrics: list[str] | None = None, group: str | None = None,
                region: str | None = None) -> pd.DataFrame:
    stmt = (select(Actual.school_id, School.level.label("school_level"), School.grade_low, School.grade_high,
                   Region.code.label("region"), Metric.code.label("metric"), StudentGroup.code.label("group"),
                   Actual.year, Actual.value, Actual.n_students.label("n"))
            .select_from(Actual).join(School, Actual.school_id == School.id)
            .join(Region, School.region_id == Region.id).join(Metric, Actual.metric_id == Metric.id)
            .join(StudentGroup, Actual.group_id == StudentGroup.id))
    if school_id is not None:
        stmt = stmt.where(Actual.school_id == school_id)
    if metrics is not None:
        stmt = stmt.where(Metric.code.in_(metrics))
    if group is not None:
        stmt = stmt.where(StudentGroup.code == group)
    if region:
        stmt = stmt.where(Region.code == region)
    frame = _frame(stmt)
    if frame.empty:
        return pd.DataFrame(columns=["school_id", "school_level", "grade_low", "grade_high", "region", "metric",
                                     "group", "year", "value", "n"])
    frame["value"] = frame["value"].astype(float)
    frame["n"] = frame["n"].astype(float)
    return frame


def _frame(stmt) -> pd.DataFrame:
    """A query's rows as a DataFrame, column by column (much faster than row objects)."""
    result = db.session.execute(stmt)
    keys = list(result.keys())
    rows = result.all()
    columns = list(zip(*rows)) if rows else [() for _ in keys]
    return pd.DataFrame({key: list(values) for key, values in zip(keys, columns)}, columns=keys)


# ---------------------------------------------------------------- initiatives

def initiative_grid() -> list:
    """The 5 pillars and their 20 priorities, each with its initiatives and their latest check-in:
    [(pillar, [(priority, [(initiative, check_in or None)])])], in five queries."""
    pillars = db.session.scalars(select(Pillar).order_by(Pillar.number)
                                 .options(selectinload(Pillar.priorities))).all()
    initiatives = db.session.scalars(select(Initiative).order_by(Initiative.name)
                                     .options(selectinload(Initiative.office))).all()
    latest = current_check_ins(list(initiatives))
    by_priority: dict = {}
    for initiative in initiatives:
        by_priority.setdefault(initiative.priority_id, []).append((initiative, latest.get(initiative.id)))
    return [(pillar, [(priority, by_priority.get(priority.id, [])) for priority in pillar.priorities])
            for pillar in pillars]
