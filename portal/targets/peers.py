"""What a principal sees beside each row of the target form: the spread of targets other schools of the
same level in the region handed in (only where enough did), and the school's own results so far."""
import bisect
from datetime import date

from sqlalchemy import select

from portal.cache import store
from portal.extensions import db
from portal.kernel.clock import today
from portal.kernel.policy import SMALL_GROUP
from portal.org.models import School
from portal.strategic_plan.models import Baseline
from portal.targets.models import PlanStatus, Target, TargetPlan

# Peers are compared on what their schools have handed in, never on drafts.
PEER_STATUSES = (PlanStatus.submitted, PlanStatus.approved)


def peer_spread(plan: TargetPlan) -> dict:
    """Quartiles of the 2026 targets other schools of the same level in the same region handed in
    (submitted or approved), shown only where at least SMALL_GROUP schools did, so no figure is one
    school's own target.

    Every school's targets for its region and level are a stored rollup (store.cached, kept
    until the data changes), so a plan's form reads them once instead of every peer's rows; this
    school's own targets are taken out of them here."""

    school = plan.school
    filters = {"cycle": plan.cycle_id, "region": school.region_id, "level": school.level}
    stored = store.cached("peers", filters, lambda: _peer_targets(plan.cycle_id, school.region_id, school.level),
                          today(), drafts=False)
    own = {(m, g): v for m, g, v in db.session.execute(
        select(Target.metric_id, Target.group_id, Target.target_2026)
        .where(Target.plan_id == plan.id, Target.target_2026.is_not(None)))} if plan.status in PEER_STATUSES else {}
    out = {}
    for metric_id, group_id, values in stored["cells"]:
        mine = own.get((metric_id, group_id))
        if mine is not None:
            values = list(values)
            at = bisect.bisect_left(values, mine)
            if at < len(values) and values[at] == mine:
                del values[at]
        if len(values) >= SMALL_GROUP:  # fewer, and the quartiles would be other schools' own targets
            out[(metric_id, group_id)] = {"q1": _round1(_quantile(values, 0.25)),
                                          "median": _round1(_quantile(values, 0.5)),
                                          "q3": _round1(_quantile(values, 0.75)), "n": len(values)}
    return out


def recompute(filters: dict, _today: date) -> dict:
    """The stored peer targets for `filters` computed again (by the worker, after a change)."""
    return _peer_targets(filters["cycle"], filters["region"], filters["level"])


def _peer_targets(cycle_id: int, region_id: int, level: str) -> dict:
    """Every 2026 target set by the region's schools of one level, sorted, by metric and group."""
    stmt = (select(Target.metric_id, Target.group_id, Target.target_2026)
            .join(TargetPlan, Target.plan_id == TargetPlan.id).join(School, TargetPlan.school_id == School.id)
            .where(TargetPlan.cycle_id == cycle_id, School.region_id == region_id, School.level == level,
                   TargetPlan.status.in_(PEER_STATUSES), Target.target_2026.is_not(None)))
    cells: dict = {}
    for metric_id, group_id, value in db.session.execute(stmt):
        cells.setdefault((metric_id, group_id), []).append(value)
    return {"cells": [[m, g, sorted(v)] for (m, g), v in sorted(cells.items())]}


def _round1(value: float) -> float:
    """To one decimal as numpy rounds (half to even on value x 10), as the figures always were."""
    return round(value * 10) / 10


def _quantile(values: list[float], q: float) -> float:
    """The q-quantile of sorted values by linear interpolation (pandas' and numpy's default)."""
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    a, b, t = values[low], values[high], pos - low
    # numpy's lerp: from the nearer end, so the result rounds as pandas' quantile did
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def school_history(school_id: int) -> dict:
    """The school's own results by metric and group: {(metric_id, group_id): [(year, value), ...]}."""
    out: dict = {}
    for b in db.session.execute(select(Baseline.metric_id, Baseline.group_id, Baseline.year, Baseline.value)
                                .where(Baseline.school_id == school_id).order_by(Baseline.year)):
        out.setdefault((b.metric_id, b.group_id), []).append((b.year, b.value))
    return out
