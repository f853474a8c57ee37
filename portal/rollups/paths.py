"""Rollups over the years, as numbers: the district's paths to a goal and one school's path."""
from typing import cast

import numpy as np
import pandas as pd

from portal.rollups.compute import EPS, counted, goal_for, in_plan_order, measured, metric_spec
from portal.strategic_plan import pace
from portal.targets.guardrails import interim_targets, plan_target

# ---------------------------------------------------------------- the district


def _wmean(values: pd.Series, weights: pd.Series) -> float:
    total = weights.sum()
    return float((values * weights).sum() / total) if total > 0 else np.nan


def _projected(cg: pd.DataFrame | None, baseline_year: str, years: list[str], shares: dict) -> dict:
    """The projected path: the n-weighted mean of the counted rows' interim targets, by year."""
    projected: dict = {}
    if cg is not None and not cg.empty:
        projected[baseline_year] = _wmean(cg["baseline"], cg["n"])
        for i, y in enumerate(years):
            share = cg["trajectory"].map(lambda t, i=i: shares[t][i])
            projected[y] = _wmean(cg["baseline"] + share * (cg["target"] - cg["baseline"]), cg["n"])
    return projected


def _actual_by_year(act: pd.DataFrame | None) -> dict:
    """Year -> (n-weighted mean of the schools' results, students, schools, made up for the demo)."""
    by_year: dict = {}
    if act is not None:
        for year, ay in act.groupby("year"):
            ay = ay[ay["n"] > 0]
            if not ay.empty:
                by_year[year] = (_wmean(ay["value"], ay["n"]), int(ay["n"].sum()), int(ay["school_id"].nunique()),
                                 False)
    return by_year


def district_paths(rows: pd.DataFrame, actuals: pd.DataFrame, metrics: pd.DataFrame, shares: dict,
                   years: list[str], baseline_year: str, results=None, starts=None) -> pd.DataFrame:
    """Per metric x level x group and year: the goal's path (the measured baseline to the 2026 goal
    along a straight line), the projected path (n-weighted mean of the counted rows' interim
    targets) and the actual path (n-weighted mean of the schools' actual results). `results`, when
    given, answers the actual path instead of `actuals`: (metric, level, group, year) -> (value, n,
    schools, made up for the demo), the district's one figure for each year (portal.targets.figures),
    and `starts` the goal path's starting point: (metric, level, group) -> (the district baseline, made
    up for the demo), or None. start_generated and actual_generated say which figures of a row were
    computed from school rows the demo made up."""
    columns = ["metric", "mlevel", "group", "year", "goal_path", "projected_path", "actual", "actual_n",
               "actual_schools", "vs_goal", "on_track", "start_generated", "actual_generated"]
    everyone = measured(rows)
    if everyone.empty:
        return pd.DataFrame(columns=columns)
    timeline = [baseline_year, *years]
    extra = sorted(set(actuals["year"]) - set(timeline)) if not actuals.empty else []
    timeline = sorted(set(timeline) | set(extra))
    c = counted(rows)
    c = c[c["trajectory"].isin(list(shares))]
    actual_groups = dict(list(actuals.groupby(["metric", "mlevel", "group"]))) if not actuals.empty else {}
    counted_groups = dict(list(c.groupby(["metric", "mlevel", "group"])))
    out = []
    for key, grp in everyone.groupby(["metric", "mlevel", "group"]):
        metric, mlevel, group = key
        m = metric_spec(metrics, str(metric))
        base = _wmean(grp["baseline"], grp["n"])
        start_generated = False
        if starts is not None and (start := starts(metric, mlevel, group)) is not None:
            base, start_generated = start
        kind, goal = goal_for(m, bool(grp["targeted"].iloc[0]), base)
        end = goal if kind == "value" else base + goal
        steps = len(years)
        goal_path = {baseline_year: base}
        goal_path.update({y: base + (end - base) * (i + 1) / steps for i, y in enumerate(years)})
        projected = _projected(counted_groups.get(key), baseline_year, years, shares)
        if results is not None:
            by_year = {y: found for y in timeline if (found := results(metric, mlevel, group, y)) is not None}
        else:
            by_year = _actual_by_year(actual_groups.get(key))
        for y in timeline:
            actual = by_year.get(y, (np.nan, 0, 0, False))
            g = goal_path.get(y, np.nan)
            vs = actual[0] - g if not np.isnan(actual[0]) and not np.isnan(g) else np.nan
            out.append({"metric": metric, "mlevel": mlevel, "group": group, "year": y, "goal_path": g,
                        "projected_path": projected.get(y, np.nan), "actual": actual[0], "actual_n": actual[1],
                        "actual_schools": actual[2], "vs_goal": vs,
                        "on_track": (None if np.isnan(vs) else bool(round(vs, 1) >= 0)),
                        "start_generated": start_generated and y == baseline_year,
                        "actual_generated": bool(actual[3] and not np.isnan(actual[0]))})
    frame = pd.DataFrame(out, columns=columns)
    return in_plan_order(frame, metrics, ["group", "year"])



# ---------------------------------------------------------------- one school

def school_targets(rows: pd.DataFrame, metrics: pd.DataFrame, shares: dict, years: list[str]) -> pd.DataFrame:
    """One school's rows: baseline, 2026 target, what the plan asks of the row, the gap to that
    ask, and the yearly interim targets its trajectory gives."""
    if rows.empty:
        return pd.DataFrame()
    out = []
    # A missing baseline or target (None or NaN) is NaN as a float: the one value unequal to itself.
    numbers = zip(rows.itertuples(index=False), rows["baseline"].astype(float), rows["target"].astype(float),
                  strict=True)
    for r, baseline, target in numbers:
        m = metric_spec(metrics, str(r.metric))
        ask = plan_target(m, baseline, bool(r.targeted)) if baseline == baseline else np.nan
        has_target = target == target
        interims = (interim_targets(baseline, target, shares[r.trajectory])
                    if has_target and r.trajectory in shares and ask == ask else [np.nan] * len(years))
        out.append({"metric": r.metric, "group": r.group, "group_name": getattr(r, "group_name", r.group),
                    "targeted": bool(r.targeted), "baseline": baseline, "n": r.n,
                    "target": target if has_target else np.nan, "ask": ask,
                    "gap_to_ask": round(target - ask, 1) if has_target and ask == ask else np.nan,
                    "meets_ask": (bool(target + EPS >= ask) if has_target and ask == ask else None),
                    "trajectory": r.trajectory, "interims": dict(zip(years, interims, strict=False)),
                    "group_sort": getattr(r, "group_sort", 0), "unit": m.unit,
                    "direction": getattr(m, "direction", "up")})
    frame = pd.DataFrame(out)
    return in_plan_order(frame, metrics) if not frame.empty else frame


VERDICTS = {pace.ON_TRACK: "on track", pace.BEHIND: "behind"}


def on_track(actual, interim, direction: str = "up") -> str | None:
    """'on track' or 'behind' by the plan's one rule (strategic_plan.pace); None without both figures."""
    if actual is None or interim is None or actual != actual or interim != interim:
        return None
    return VERDICTS.get(pace.on_track(actual, interim, direction))


def school_progress(targets: pd.DataFrame, actuals: pd.DataFrame, years: list[str]) -> pd.DataFrame:
    """One row per target row and year: the interim target, the actual and on track / behind."""
    found = {(a.metric, a.group, a.year): a for a in actuals.itertuples(index=False)} if not actuals.empty else {}
    out = []
    for t in targets.itertuples(index=False):
        interims = cast(dict[str, float], t.interims)  # a column of dicts (school_targets): not a scalar
        for y in years:
            interim = interims.get(y, np.nan)
            a = found.get((t.metric, t.group, y))
            actual = a.value if a is not None else np.nan
            verdict = on_track(actual, interim, getattr(t, "direction", "up"))
            out.append({"metric": t.metric, "group": t.group, "year": y, "interim": interim, "actual": actual,
                        "actual_n": a.n if a is not None else None, "verdict": verdict})
    return pd.DataFrame(out, columns=["metric", "group", "year", "interim", "actual", "actual_n", "verdict"])


