"""The public progress page's figures: the district's and each region's results (the schools' results
weighted by their numbers of students) against the path to the 2026 goal. Every figure goes through
suppress(), so no cell built on fewer than 11 students is ever shown."""
from dataclasses import dataclass, field

from sqlalchemy import and_, func, select

from portal.cache import store
from portal.extensions import db
from portal.kernel.database import weighted_sums
from portal.kernel.policy import SMALL_GROUP
from portal.org.models import Region, School
from portal.strategic_plan.models import Baseline, Metric, StudentGroup, Trajectory
from portal.strategic_plan.pace import NO_RESULT, on_track
from portal.strategic_plan.pace import TITLES as STATUS_TITLES
from portal.strategic_plan.queries import setting
from portal.targets.guardrails import interim_targets, plan_target
from portal.targets.models import Actual

MIN_CELL = SMALL_GROUP
SUPPRESSED_NOTE = "Fewer than 11 students: not shown to protect student privacy"
DISTRICT = "district"


@dataclass(frozen=True)
class Cell:
    """One figure as the public sees it."""

    value: float | None = None
    n: int | None = None
    status: str | None = None
    suppressed: bool = False

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, "") if self.status else ""


def suppress(n: int | None, value: float | None = None, status: str | None = None) -> Cell:
    """The only way a figure reaches the page: no data is 'no result yet'; fewer than 11 students, hidden."""
    if n is None:
        return Cell(status=NO_RESULT)
    if n < MIN_CELL:
        return Cell(n=None, suppressed=True)
    return Cell(value=None if value is None else round(value, 1), n=int(n), status=status)


@dataclass
class Series:
    """One metric x group for one scope (the district or a region)."""

    group: StudentGroup
    baseline: Cell
    goal: Cell
    years: dict[str, Cell] = field(default_factory=dict)  # year -> result (with on track / behind)
    path: dict[str, Cell] = field(default_factory=dict)  # year -> the path's value for the year


@dataclass
class MetricProgress:
    metric: Metric
    district: list[Series] = field(default_factory=list)
    regions: list[tuple[Region, dict[str, Series]]] = field(default_factory=list)  # region -> group code -> series
    latest_year: str | None = None


def _sums(rows) -> dict:
    out: dict = {}
    for scope, metric_id, group_id, year, weighted, n in rows:
        for key in ((scope, metric_id, group_id, year), (DISTRICT, metric_id, group_id, year)):
            total = out.setdefault(key, [0.0, 0])
            total[0] += weighted or 0.0
            total[1] += n or 0
    return out


def aggregates(years: list[str], baseline_year: str) -> tuple[dict, dict]:
    """(results, baselines): region or 'district' x metric x group x year -> [sum of value x n, sum of n].

    Summed over every school's results, so kept in the shared rollup cache until the data changes."""
    from portal.kernel.clock import today

    stored = store.cached("public", {"years": ",".join(years), "baseline": baseline_year},
                          lambda: _stored_sums(years, baseline_year), today(), drafts=False)
    return ({tuple(k): v for k, v in stored["results"]}, {tuple(k): v for k, v in stored["baselines"]})


def _stored_sums(years: list[str], baseline_year: str) -> dict:
    results, baselines = _aggregate_sums(years, baseline_year)
    return {"results": [[list(k), v] for k, v in results.items()],
            "baselines": [[list(k), v] for k, v in baselines.items()]}


def _aggregate_sums(years: list[str], baseline_year: str) -> tuple[dict, dict]:
    """Baselines are taken over the same school cells that have results, so the gain compares like with like."""
    results = _sums(db.session.execute(
        select(School.region_id, Actual.metric_id, Actual.group_id, Actual.year,
               *weighted_sums(Actual.value, Actual.n_students))
        .join(School, Actual.school_id == School.id).where(Actual.year.in_(years))
        .group_by(School.region_id, Actual.metric_id, Actual.group_id, Actual.year)).all())
    cells = (select(Actual.school_id, Actual.metric_id, Actual.group_id).where(Actual.year.in_(years))
             .distinct().subquery())
    n = func.coalesce(Baseline.n_students, 0)
    baselines = _sums(db.session.execute(
        select(School.region_id, Baseline.metric_id, Baseline.group_id, Baseline.year,
               *weighted_sums(Baseline.value, n))
        .join(School, Baseline.school_id == School.id)
        .join(cells, and_(cells.c.school_id == Baseline.school_id, cells.c.metric_id == Baseline.metric_id,
                          cells.c.group_id == Baseline.group_id))
        .where(Baseline.year == baseline_year)
        .group_by(School.region_id, Baseline.metric_id, Baseline.group_id, Baseline.year)).all())
    return results, baselines


def _mean(total) -> tuple[float | None, int | None]:
    if total is None:
        return None, None
    weighted, n = total
    return (weighted / n if n else None), n


def series(metric: Metric, group: StudentGroup, scope, years: list[str], shares: list[float],
           results: dict, baselines: dict, baseline_year: str) -> Series:
    base_value, base_n = _mean(baselines.get((scope, metric.id, group.id, baseline_year)))
    goal: float | None = None
    path: list[float | None] = [None] * len(years)
    if base_value is not None and (base_n or 0) >= MIN_CELL:
        goal = plan_target(metric, base_value, group.targeted)
        path = list(interim_targets(base_value, goal, shares))
    out = Series(group, suppress(base_n, base_value), suppress(base_n, goal))
    for year, planned in zip(years, path, strict=False):
        value, n = _mean(results.get((scope, metric.id, group.id, year)))
        status = on_track(value, planned, metric.direction) if planned is not None else None
        out.years[year] = suppress(n, value, status if n is not None else None)
        out.path[year] = suppress(base_n, planned)
    return out


def district_progress() -> dict:
    """Everything the public page shows beyond the plan's own tables."""
    years = setting("trajectory_years", [])
    baseline_year = setting("baseline_year", "2021-22")
    path_code = setting("district_trajectory", "linear")
    trajectory = db.session.scalar(select(Trajectory).where(Trajectory.code == path_code))
    shares = trajectory.shares if trajectory else [(i + 1) / len(years) for i in range(len(years))]
    metrics = db.session.scalars(select(Metric).order_by(Metric.goal_id, Metric.position)).all()
    groups = db.session.scalars(select(StudentGroup).order_by(StudentGroup.sort)).all()
    regions = db.session.scalars(select(Region).order_by(Region.name)).all()
    results, baselines = aggregates(years, baseline_year)
    with_results = {(k[1], k[3]) for k in results if k[0] == DISTRICT}
    report = []
    for metric in metrics:
        item = MetricProgress(metric)
        item.latest_year = max((y for m, y in with_results if m == metric.id), default=None)
        item.district = [series(metric, g, DISTRICT, years, shares, results, baselines, baseline_year)
                         for g in groups if (DISTRICT, metric.id, g.id, baseline_year) in baselines]
        for region in regions:
            item.regions.append((region, {
                g.code: series(metric, g, region.id, years, shares, results, baselines, baseline_year)
                for g in groups}))
        report.append(item)
    return {"years": years, "baseline_year": baseline_year, "progress": {m.metric.id: m for m in report},
            "has_results": bool(with_results), "groups": groups,
            "path_name": trajectory.name if trajectory else "Linear", "note": SUPPRESSED_NOTE,
            "min_cell": MIN_CELL}
