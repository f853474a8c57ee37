"""The dashboard's rollups for one set of filters: computed with pandas (rollups.compute and
rollups.paths, put into words by rollups.present) from the frames rollups.data loads, and stored in
the shared cache as plain JSON (DistrictRollup.as_json and from_json are the boundary)."""
from dataclasses import dataclass, field, fields
from datetime import date

import pandas as pd

from portal.cache import store
from portal.extensions import db
from portal.rollups import compute as r
from portal.rollups import data as rd
from portal.rollups import paths as rp
from portal.rollups import present
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary
from portal.strategic_plan.levels import metric_bands
from portal.targets import figures
from portal.targets.models import TargetCycle

DISTRIBUTIONS = ("school_level", "region", "group")


@dataclass
class DistrictRollup:
    """What the district and region pages show for one set of filters. Every field is plain JSON
    (rows are compute.records), so the cache stores as_json() and reads it back with from_json()."""

    late: bool  # the due date has passed
    group: str  # the student group the headlines and region tables are for
    years: list[str]  # the baseline year, then the plan's years
    plans: int
    plans_counted: int  # plans submitted or approved
    plans_generated: int  # of those, plans the demo district made up
    lines: list[dict]  # the headline cards: one per metric and level
    projection: list[dict]  # per metric, level and student group
    regions: list[dict]  # each region against each goal, furthest short first
    completeness: list[dict]  # per region and level
    completeness_regions: list[dict]
    completeness_total: list[dict]  # one row, or none without plans
    distribution: dict[str, list[dict]]  # by school_level, region and group
    trajectories: list[dict]
    paths: list[dict]
    schools: list[dict] = field(default_factory=list)  # a region's schools (region pages only)

    def as_json(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_json(cls, data: dict) -> "DistrictRollup":
        return cls(**{f.name: data[f.name] for f in fields(cls)})


@dataclass
class Inputs:
    """What the rollups read besides the targets and plans."""

    metrics: pd.DataFrame
    bands: dict
    shares: dict[str, list[float]]  # trajectory code -> the share of the gain reached each year
    years: list[str]
    baseline_year: str
    late: bool

    @classmethod
    def load(cls, cycle: TargetCycle, today: date) -> "Inputs":
        metrics = rd.metrics_frame()
        bands = metric_bands()
        settings = rd.settings()
        return cls(metrics, bands, rd.trajectory_shares(), list(settings.get("trajectory_years") or []),
                   settings.get("baseline_year") or "2021-22", today > cycle.due_on)


def stored_filters(cycle: TargetCycle, flt: DashboardFilter) -> dict:
    """What the stored district rollup is kept under: the cycle and the filters."""
    return {"cycle": cycle.id, **flt.as_args()}


def shows_drafts(flt: DashboardFilter) -> bool:
    """A region's page lists its schools' targets as typed, drafts included; the district's counts only
    submitted and approved ones, so a draft autosave leaves it fresh (portal.cache.freshness)."""
    return bool(flt.region)


def district(cycle: TargetCycle, flt: DashboardFilter, vocab: Vocabulary, today: date,
             accept_stale: bool = False) -> DistrictRollup:
    """Everything the district and region pages show, from the cache when the data has not changed
    (or, with accept_stale, from the copy stored before the latest change)."""
    stored = store.cached("district", stored_filters(cycle, flt), lambda: compute(cycle, flt, vocab, today).as_json(),
                          today, accept_stale, drafts=shows_drafts(flt))
    return DistrictRollup.from_json(stored)


def recompute(filters: dict, today: date) -> dict:
    """The stored district rollup for `filters` computed again (by the worker, after a change)."""
    cycle = db.session.get(TargetCycle, filters["cycle"])
    if cycle is None:
        raise LookupError(f"cycle {filters['cycle']} is gone")
    flt = DashboardFilter(**{k: filters.get(k, "") for k in ("region", "goal", "level", "group")})
    return compute(cycle, flt, Vocabulary.load(), today).as_json()


def compute(cycle: TargetCycle, flt: DashboardFilter, vocab: Vocabulary, today: date) -> DistrictRollup:
    """Every figure the district and region pages show for the filters, computed afresh."""
    inputs = Inputs.load(cycle, today)
    metrics = inputs.metrics
    codes = flt.metric_codes(vocab)
    every = rd.target_rows(cycle)
    every_level = r.filter_level(r.expand_levels(every, metrics, inputs.bands), flt.level)
    expanded = every_level[every_level["metric"].isin(codes)]
    in_region = expanded[expanded["region"] == flt.region] if flt.region else expanded
    of_group = in_region[in_region["group"] == flt.group] if flt.group else in_region
    shown = in_region[in_region["group"] == flt.shown_group]

    lines, regions = _headlines(every_level, codes, flt, metrics)
    plans = _plans(cycle, flt)
    by_cell, by_region, total = _completeness(plans, inputs.late)
    rollup = DistrictRollup(
        late=inputs.late,
        group=flt.shown_group,
        years=[inputs.baseline_year, *inputs.years],
        plans=int(len(plans)),
        plans_counted=int(plans["status"].isin(r.COUNTED).sum()) if not plans.empty else 0,
        plans_generated=int((plans["status"].isin(r.COUNTED) & plans["generated"].astype(bool)).sum())
        if not plans.empty else 0,
        lines=r.records(present.against_goal(lines, metrics)),
        projection=r.records(present.against_goal(r.projection(of_group, metrics), metrics)),
        regions=r.records(present.against_goal(regions, metrics)),
        completeness=by_cell,
        completeness_regions=by_region,
        completeness_total=total,
        distribution={by: r.records(present.labelled(r.distribution(of_group if by == "group" else shown,
                                                                    metrics, by), metrics))
                      for by in DISTRIBUTIONS},
        trajectories=r.records(r.trajectory_choices(of_group, metrics, list(inputs.shares))),
        paths=r.records(_paths(shown, flt, vocab, inputs)),
    )
    if flt.region:
        rollup.schools = _schools(every, codes, plans, flt, vocab, inputs)
    return rollup


def _headlines(every_level: pd.DataFrame, codes: list[str], flt: DashboardFilter,
               metrics: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The headline lines (one per metric and level for the shown group, with the region furthest
    short, and a region's rank on its own page) and the regions against the filters' goals.

    Regions are compared across the district, whatever region the page is for; the headline cards
    follow the goal filter like everything else on the page (the chosen goal's or metric's lines)."""
    group = flt.shown_group
    of_group = every_level[every_level["group"] == group]
    all_regions = r.regions_against_goal(of_group, metrics)
    headline_rows = of_group[of_group["region"] == flt.region] if flt.region else of_group
    lines = r.headline(r.projection(headline_rows, metrics), all_regions, group)
    lines = lines[lines["metric"].isin(codes)].reset_index(drop=True)
    cells = list(zip(lines["metric"], lines["mlevel"], strict=True))
    lines["region_rank"] = [_rank(all_regions, m, lv, flt.region) for m, lv in cells]
    lines["regions_total"] = [int(((all_regions["metric"] == m) & (all_regions["mlevel"] == lv)
                                   & (all_regions["n"] > 0)).sum()) for m, lv in cells]
    return lines, all_regions[all_regions["metric"].isin(codes)]


def _rank(regions: pd.DataFrame, metric: str, mlevel: str, region: str) -> int | None:
    """The region's place among the regions on one metric and level (1 = furthest short)."""
    if not region:
        return None
    found = regions[(regions["metric"] == metric) & (regions["mlevel"] == mlevel) & (regions["region"] == region)]
    return int(found["rank"].iloc[0]) if not found.empty else None


def _plans(cycle: TargetCycle, flt: DashboardFilter) -> pd.DataFrame:
    """The cycle's plans in the filters' region and level."""
    plans = rd.plan_rows(cycle)
    if flt.region and not plans.empty:
        plans = plans[plans["region"] == flt.region]
    if flt.level and not plans.empty:
        plans = plans[plans["school_level"] == flt.level]
    return plans


def _completeness(plans: pd.DataFrame, late: bool) -> tuple[list[dict], list[dict], list[dict]]:
    """Plans by status per region and level, per region, and in all (records)."""
    by_cell = r.completeness(plans, late)
    by_region = r.completeness(plans, late, by=("region",))
    total = r.completeness(plans.assign(scope="District"), late, by=("scope",)) if not plans.empty \
        else pd.DataFrame()
    return r.records(by_cell), r.records(by_region), r.records(total)


def _paths(shown: pd.DataFrame, flt: DashboardFilter, vocab: Vocabulary, inputs: Inputs) -> pd.DataFrame:
    """The actual path beside the goal's and the projected path, for the metrics in focus."""
    focus = flt.focus_metrics(vocab)
    levels = (inputs.bands, {str(code): set(levels) for code, levels in inputs.metrics["levels"].items()})
    sums = figures.district_results(span_only=flt.level == "span", levels=levels)
    begun = figures.district_starts(span_only=flt.level == "span", levels=levels, year=inputs.baseline_year)

    def result(metric: str, level: str, group: str, year: str) -> tuple[float, int, int, bool] | None:
        found = sums.figure(metric, year, group, level, flt.region)
        return None if found.value is None else (found.value, found.n or 0, found.schools or 0, found.generated)
    def start(metric: str, level: str, group: str) -> tuple[float, bool] | None:
        found = begun.figure(metric, inputs.baseline_year, group, level, flt.region)
        return None if found.value is None else (found.value, found.generated)
    return rp.district_paths(shown[shown["metric"].isin(focus)], pd.DataFrame(), inputs.metrics, inputs.shares,
                             inputs.years, inputs.baseline_year, results=result, starts=start)


def _schools(every: pd.DataFrame, codes: list[str], plans: pd.DataFrame, flt: DashboardFilter,
             vocab: Vocabulary, inputs: Inputs) -> list[dict]:
    """A region's schools against the plan's ask (for one metric when the filter picks one)."""
    rows = every[every["metric"].isin(codes)] if not every.empty else every
    region_rows = rows[rows["region"] == flt.region] if not rows.empty else rows
    if flt.level and not region_rows.empty:
        region_rows = region_rows[region_rows["school_level"] == flt.level]
    metric = flt.goal if vocab.metric(flt.goal) else None
    return r.records(r.school_table(plans, region_rows, inputs.metrics, inputs.late, metric, flt.shown_group))


def school(cycle: TargetCycle, school_id: int, vocab: Vocabulary, flt: DashboardFilter) -> dict:
    """One school's targets against the plan, its interim path and actuals (small: not cached)."""
    metrics = rd.metrics_frame()
    settings = rd.settings()
    shares = rd.trajectory_shares()
    years = list(settings.get("trajectory_years") or [])
    rows = rd.target_rows(cycle, school_id=school_id)
    codes = flt.metric_codes(vocab)
    if not rows.empty:
        rows = rows[rows["metric"].isin(codes)]
        if flt.group:
            rows = rows[rows["group"] == flt.group]
    targets = rp.school_targets(rows, metrics, shares, years) if not rows.empty else pd.DataFrame()
    actuals = rd.actual_rows(school_id=school_id)
    progress = rp.school_progress(targets, actuals, years) if not targets.empty else pd.DataFrame()
    return {"years": years, "targets": r.records(targets),
            "progress": r.records(progress)}
