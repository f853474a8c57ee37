"""The public progress page's figures: the district's and each region's results (the schools' results
weighted by their numbers of students) against the path to the 2026 goal. Every figure goes through
suppress(), so no cell built on fewer than 11 students is ever shown, and the Local Districts, which add
up to the district, go through the small-group rule's complementary suppression (kernel.privacy), so no
hidden region can be had by subtracting the others from the district."""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.cache import store
from portal.extensions import db
from portal.kernel import privacy
from portal.kernel.clock import today
from portal.kernel.i18n import N_
from portal.kernel.policy import SMALL_GROUP
from portal.org.models import Region
from portal.strategic_plan import figures as plan_figures
from portal.strategic_plan.models import Metric, StudentGroup, Trajectory
from portal.strategic_plan.pace import NO_RESULT, on_track
from portal.strategic_plan.pace import TITLES as STATUS_TITLES
from portal.strategic_plan.settings import setting
from portal.targets import figures
from portal.targets.guardrails import interim_targets, plan_target

MIN_CELL = SMALL_GROUP
SUPPRESSED_NOTE = N_("Fewer than 11 students: not shown to protect student privacy")


@dataclass(frozen=True)
class Cell:
    """One figure as the public sees it."""

    value: float | None = None
    n: int | None = None
    status: str | None = None
    suppressed: bool = False
    generated: bool = False  # computed from school rows the demo made up

    @property
    def status_title(self) -> str:
        return STATUS_TITLES.get(self.status, "") if self.status else ""


def suppress(n: int | None, value: float | None = None, status: str | None = None, generated: bool = False) -> Cell:
    """The only way a figure reaches the page: no data is 'no result yet'; fewer than 11 students, hidden."""
    if n is None:
        return Cell(status=NO_RESULT)
    if n < MIN_CELL:
        return Cell(n=None, suppressed=True)
    return Cell(value=None if value is None else round(value, 1), n=int(n), status=status,
                generated=generated and value is not None)


@dataclass
class Series:
    """One metric x group for one scope (the district or a region)."""

    group: StudentGroup
    baseline: Cell
    goal: Cell
    years: dict[str, Cell] = field(default_factory=dict)  # year -> result (with on track / behind)
    path: dict[str, Cell] = field(default_factory=dict)  # year -> the path's value for the year


    @property
    def generated(self) -> bool:
        return self.baseline.generated or any(c.generated for c in self.years.values())


@dataclass
class MetricProgress:
    metric: Metric
    district: list[Series] = field(default_factory=list)
    regions: list[tuple[Region, dict[str, Series]]] = field(default_factory=list)  # region -> group code -> series
    latest_year: str | None = None


def series(metric: Metric, group: StudentGroup, scope: str, years: list[str], shares: list[float],
           results: figures.Sums, starts: figures.Sums, baseline_year: str) -> Series:
    """One metric x group for the district (scope "") or a region (its code), from the figures'
    one functions: the district baseline from every school's baseline and each year's district result."""
    start = starts.figure(metric.code, baseline_year, group.code, region=scope)
    goal: float | None = None
    path: list[float | None] = [None] * len(years)
    if start.value is not None and (start.n or 0) >= MIN_CELL:
        goal = plan_target(metric, start.value, group.targeted)
        path = list(interim_targets(start.value, goal, shares))
    out = Series(group, suppress(start.n, start.value, generated=start.generated), suppress(start.n, goal))
    for year, planned in zip(years, path, strict=False):
        result = results.figure(metric.code, year, group.code, region=scope)
        status = on_track(result.value, planned, metric.direction) if planned is not None else None
        out.years[year] = suppress(result.n, result.value, status if result.n is not None else None,
                                   generated=result.generated)
        out.path[year] = suppress(start.n, planned)
    return out


def complement(item: MetricProgress, groups, years: list[str], results: figures.Sums) -> None:
    """Hide, for each group and year, the regions' results that would let a hidden one be subtracted from
    the district's (kernel.privacy.hidden_cells over the partition district = its regions)."""
    district = {s.group.code: s for s in item.district}
    for group in groups:
        for year in years:
            counts: dict = {region.code: results.figure(item.metric.code, year, group.code, region=region.code).n
                            for region, _ in item.regions}
            counts["district"] = results.figure(item.metric.code, year, group.code).n
            hidden = privacy.hidden_cells(counts, [privacy.Partition(tuple(r.code for r, _ in item.regions),
                                                                     "district")])
            for region, by_group in item.regions:
                if region.code in hidden:
                    by_group[group.code].years[year] = Cell(suppressed=True)
            if "district" in hidden and group.code in district:
                district[group.code].years[year] = Cell(suppressed=True)


def _marked(item: MetricProgress) -> bool:
    """Whether a figure the page shows for the metric was computed from school rows the demo made up
    (the page shows a metric's tables only once it has a result)."""
    if not item.latest_year:
        return False
    return (any(s.generated for s in item.district)
            or any(s.years[item.latest_year].generated for _, by_group in item.regions for s in by_group.values()))


def stored_sums(years: list[str], baseline_year: str) -> tuple[figures.Sums, figures.Sums]:
    """Each year's district and region results and the starting points, summed over every school's rows:
    a stored rollup, kept until the data changes (and computed again by the worker after a change)."""
    filters = {"years": ",".join(years), "baseline": baseline_year}
    stored = store.cached("public", filters, lambda: recompute(filters, today()), today(), drafts=False)
    return (figures.Sums({tuple(row[:5]): row[5:] for row in stored["results"]}, plan_figures.result_label),
            figures.Sums({tuple(row[:5]): row[5:] for row in stored["starts"]}, plan_figures.start_label))


def recompute(filters: dict, _today: date) -> dict:
    """The public page's sums for `filters` (its years and baseline year), computed afresh."""
    years = [year for year in filters["years"].split(",") if year]
    levels = figures.school_levels()
    results = figures.district_results(years, levels=levels)
    starts = figures.district_starts(levels=levels, year=filters["baseline"])
    return {"results": [[*key, *total] for key, total in results.cells.items()],
            "starts": [[*key, *total] for key, total in starts.cells.items()]}


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
    results, starts = stored_sums(years, baseline_year)
    report = []
    for metric in metrics:
        item = MetricProgress(metric)
        with_results = results.years(metric.code)
        item.latest_year = max(with_results) if with_results else None
        item.district = [series(metric, g, "", years, shares, results, starts, baseline_year)
                         for g in groups if starts.figure(metric.code, baseline_year, g.code).n]
        for region in regions:
            item.regions.append((region, {
                g.code: series(metric, g, region.code, years, shares, results, starts, baseline_year)
                for g in groups}))
        complement(item, groups, years, results)
        report.append(item)
    return {"years": years, "baseline_year": baseline_year, "progress": {m.metric.id: m for m in report},
            "has_results": any(p.latest_year for p in report), "groups": groups,
            "has_generated": any(_marked(p) for p in report),
            "start_label": plan_figures.start_label(baseline_year), "result_label": plan_figures.result_label,
            "path_name": trajectory.name if trajectory else "Linear", "path_code": path_code, "note": SUPPRESSED_NOTE,
            "min_cell": MIN_CELL}
