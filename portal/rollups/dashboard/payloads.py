"""The dashboard's rollups for one set of filters, computed with pandas (services.rollups) from the
frames services.rollup_data loads, and stored in the shared cache as plain JSON."""
from datetime import date

import pandas as pd

from portal.models import TargetCycle
from portal.rollups import data as rd
from portal.rollups import compute as r
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary


def district(cycle: TargetCycle, flt: DashboardFilter, vocab: Vocabulary, today: date,
             accept_stale: bool = False) -> dict:
    """Everything the district and region pages show, from the cache when the data has not changed
    (or, with accept_stale, from the copy stored before the latest change)."""
    filters = {"cycle": cycle.id, **flt.as_args()}
    return rd.cached("district", filters, lambda: compute(cycle, flt, vocab, today), today, accept_stale)


def compute(cycle: TargetCycle, flt: DashboardFilter, vocab: Vocabulary, today: date) -> dict:
    metrics = rd.metrics_frame()
    bands = rd.bands()
    settings = rd.settings()
    shares = rd.trajectory_shares()
    years = list(settings.get("trajectory_years") or [])
    baseline_year = settings.get("baseline_year") or "2021-22"
    late = today > cycle.due_on
    codes = flt.metric_codes(vocab)
    group = flt.shown_group

    every = rd.target_rows(cycle)
    every_level = r.filter_level(r.expand_levels(every, metrics, bands), flt.level)
    rows = every[every["metric"].isin(codes)] if not every.empty else every
    expanded = every_level[every_level["metric"].isin(codes)]
    in_region = expanded[expanded["region"] == flt.region] if flt.region else expanded
    of_group = in_region[in_region["group"] == flt.group] if flt.group else in_region
    shown = in_region[in_region["group"] == group]

    # Regions are compared across the district, whatever region the page is for; the headline
    # cards always show the four goals (the goal filter narrows the tables below them).
    all_regions = r.regions_against_goal(every_level[every_level["group"] == group], metrics)
    regions = all_regions[all_regions["metric"].isin(codes)]
    headline_rows = every_level[every_level["group"] == group]
    if flt.region:
        headline_rows = headline_rows[headline_rows["region"] == flt.region]
    lines = r.headline(r.projection(headline_rows, metrics), all_regions, group)
    lines["region_rank"] = [_rank(all_regions, m, lv, flt.region) for m, lv in zip(lines["metric"], lines["mlevel"])]
    lines["regions_total"] = [int(((all_regions["metric"] == m) & (all_regions["mlevel"] == lv)
                                   & (all_regions["n"] > 0)).sum()) for m, lv in zip(lines["metric"], lines["mlevel"])]
    projected = r.projection(of_group, metrics)

    plans = rd.plan_rows(cycle)
    if flt.region and not plans.empty:
        plans = plans[plans["region"] == flt.region]
    if flt.level and not plans.empty:
        plans = plans[plans["school_level"] == flt.level]
    by_cell = r.completeness(plans, late)
    by_region = r.completeness(plans, late, by=("region",))
    total = r.completeness(plans.assign(scope="District"), late, by=("scope",)) if not plans.empty \
        else pd.DataFrame()

    focus = flt.focus_metrics(vocab)
    actuals = rd.actual_rows(metrics=focus, group=group, region=flt.region)
    if not actuals.empty:
        actuals = r.filter_level(r.expand_levels(actuals, metrics, bands), flt.level)
    path_rows = shown[shown["metric"].isin(focus)]
    paths = r.district_paths(path_rows, actuals, metrics, shares, years, baseline_year)

    payload = {
        "late": late,
        "group": group,
        "years": [baseline_year, *years],
        "plans": int(len(plans)),
        "plans_counted": int(plans["status"].isin(r.COUNTED).sum()) if not plans.empty else 0,
        "lines": r.records(lines),
        "projection": r.records(projected),
        "regions": r.records(regions),
        "completeness": r.records(by_cell),
        "completeness_regions": r.records(by_region),
        "completeness_total": r.records(total),
        "distribution": {by: r.records(r.distribution(of_group if by == "group" else shown, metrics, by))
                         for by in ("school_level", "region", "group")},
        "trajectories": r.records(r.trajectory_choices(of_group, metrics, list(shares))),
        "paths": r.records(paths),
        "schools": [],
    }
    if flt.region:
        region_rows = rows[rows["region"] == flt.region] if not rows.empty else rows
        if flt.level and not region_rows.empty:
            region_rows = region_rows[region_rows["school_level"] == flt.level]
        metric = flt.goal if vocab.metric(flt.goal) else None
        payload["schools"] = r.records(r.school_table(plans, region_rows, metrics, late, metric, group))
    return payload


def _rank(regions: pd.DataFrame, metric: str, mlevel: str, region: str) -> int | None:
    """The region's place among the regions on one metric and level (1 = furthest short)."""
    if not region:
        return None
    found = regions[(regions["metric"] == metric) & (regions["mlevel"] == mlevel) & (regions["region"] == region)]
    return int(found["rank"].iloc[0]) if not found.empty else None


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
    targets = r.school_targets(rows, metrics, shares, years) if not rows.empty else pd.DataFrame()
    actuals = rd.actual_rows(school_id=school_id)
    progress = r.school_progress(targets, actuals, years) if not targets.empty else pd.DataFrame()
    return {"years": years, "targets": r.records(targets),
            "progress": r.records(progress)}
