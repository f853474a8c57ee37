"""District rollups as numbers: plain pandas functions (no Flask, no database, no words).

Completeness, the projection "if every school meets its target", regions against the goals, target
distributions, trajectory choices and a region's schools against the plan's ask. paths.py holds the
paths over the years; present.py puts the figures into words.

Inputs are DataFrames that tests build by hand and rollups.data loads from the database:

- rows: one per target (school x metric x student group) with school_id, region, school_level,
  grade_low, grade_high, status, metric, group, targeted, baseline, n (students measured),
  target (2026) and trajectory; after expand_levels also mlevel (the school level it counts at).
- metrics: indexed by metric code, with goal, name, short_name, unit (percent|dfs), target_kind
  (absolute|gain), target_value, group_gain, group_gain_reading, levels, value_max and order.
- plans: one per school in the cycle: school_id, name, code, region, school_level, status.
- actuals: school_id, metric, group, year, value, n (+ school_level, grade_low, grade_high).
"""
from types import SimpleNamespace
from typing import cast

import numpy as np
import pandas as pd

from portal.kernel.policy import SMALL_GROUP
from portal.strategic_plan.levels import applicable_levels
from portal.targets.guardrails import plan_target

COUNTED = ("submitted", "approved")  # the projection counts these plans
NOT_SUBMITTED = ("not_started", "draft", "returned")  # overdue once the due date has passed
STATUSES = ("not_started", "draft", "submitted", "returned", "approved")
LEVEL_ORDER = ("elementary", "middle", "high", "span")
EPS = 1e-9


# ---------------------------------------------------------------- levels

def expand_levels(frame: pd.DataFrame, metrics: pd.DataFrame, bands: dict) -> pd.DataFrame:
    """One row per level a row counts at (column mlevel): a K-8 span school's SEL rows count at
    elementary and at middle. Rows whose school covers none of the metric's levels are dropped."""
    if frame.empty:
        return frame.assign(mlevel=pd.Series(dtype="object"))
    keys = ["metric", "school_level", "grade_low", "grade_high"]
    combos = frame[keys].drop_duplicates()
    levels: list[list[str]] = []
    for metric, level, low, high in combos.itertuples(index=False):
        wanted = metric_levels(metrics, metric) if metric in metrics.index else []
        covered = applicable_levels(level, int(low), int(high), bands)
        levels.append([lv for lv in LEVEL_ORDER if lv in wanted and lv in covered])
    combos = combos.assign(mlevel=pd.Series(levels, index=combos.index, dtype=object)).explode("mlevel")
    combos = combos[combos["mlevel"].notna()]
    return frame.merge(combos, on=keys, how="inner", sort=False).reset_index(drop=True)


def filter_level(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    """Expanded rows at one level; 'span' means the span schools' rows at every level."""
    if not level:
        return frame
    if level == "span":
        return frame[frame["school_level"] == "span"]
    return frame[frame["mlevel"] == level]


# ---------------------------------------------------------------- goals

def metric_levels(metrics: pd.DataFrame, code: str) -> list[str]:
    """The levels a metric is set at. The levels column holds a list per metric, which pandas-stubs
    cannot know (they type a cell as a scalar)."""
    return cast(list[str], metrics.at[code, "levels"])


def metric_spec(metrics: pd.DataFrame, code: str) -> SimpleNamespace:
    fields = {str(name): value for name, value in metrics.loc[code].to_dict().items()}
    return SimpleNamespace(code=code, **fields)


def goal_for(metric, targeted: bool, baseline: float) -> tuple[str, float]:
    """What a row set is compared with: ('value', 70) for an absolute goal reached by 2026, or
    ('gain', 30) for a gain over the baseline. Targeted groups are held to their group gain."""
    if targeted:
        if metric.group_gain_reading == "percent_of_baseline":
            return "gain", abs(baseline) * metric.group_gain / 100
        return "gain", float(metric.group_gain)
    if metric.target_kind == "absolute":
        return "value", float(metric.target_value)
    return "gain", float(metric.target_value)


# ---------------------------------------------------------------- sorting

def in_plan_order(frame: pd.DataFrame, metrics: pd.DataFrame, extra: list[str] | None = None) -> pd.DataFrame:
    """Rows in the plan's order: metric, level, then `extra`, then student group."""
    if frame.empty:
        return frame.reset_index(drop=True)
    keys = frame.assign(
        _m=frame["metric"].map(metrics["order"]).fillna(999) if "metric" in frame else 0,
        _l=frame["mlevel"].map({lv: i for i, lv in enumerate(LEVEL_ORDER)}).fillna(9) if "mlevel" in frame else 0,
        _g=frame.get("group_sort", 0))
    by = [c for c in ("_m", "_l") if c in keys] + (extra or []) + ["_g"]
    return keys.sort_values(by, kind="stable").drop(columns=["_m", "_l", "_g"]).reset_index(drop=True)


# ---------------------------------------------------------------- the projection

def counted(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows the projection counts: the plan is submitted or approved and the row has a target, a
    baseline and students."""
    return rows[rows["status"].isin(COUNTED) & rows["target"].notna() & rows["baseline"].notna()
                & (rows["n"].fillna(0) > 0)]


def measured(rows: pd.DataFrame) -> pd.DataFrame:
    """Every row with a baseline and students, whatever its plan's status (coverage's denominator)."""
    return rows[rows["baseline"].notna() & (rows["n"].fillna(0) > 0)]


def projection(rows: pd.DataFrame, metrics: pd.DataFrame, by: tuple[str, ...] = ()) -> pd.DataFrame:
    """Where the district lands if every counted school meets its target: per metric x level x
    student group (x `by`), the n-weighted baseline and projected value, the gain, the goal and
    the gap in the goal's own unit, and coverage (schools and share of measured students).
    present.against_goal adds its words."""
    keys = ["metric", "mlevel", "group", *by]
    columns = [*keys, "targeted", "schools", "schools_all", "n", "n_all", "share_students", "baseline",
               "projected", "gain", "goal_kind", "goal", "achieved", "gap", "meets", "unit"]
    everyone = measured(rows)
    if everyone.empty:
        return pd.DataFrame(columns=columns)
    base = everyone.groupby(keys, dropna=False).agg(
        schools_all=("school_id", "nunique"), n_all=("n", "sum"), targeted=("targeted", "first"),
        **({"group_sort": ("group_sort", "first")} if "group_sort" in rows else {}))
    c = counted(rows)
    c = c.assign(wb=c["baseline"] * c["n"], wt=c["target"] * c["n"])
    part = c.groupby(keys, dropna=False).agg(schools=("school_id", "nunique"), n=("n", "sum"), wb=("wb", "sum"),
                                             wt=("wt", "sum"))
    out = base.join(part, how="left").reset_index()
    out["schools"] = out["schools"].fillna(0).astype(int)
    out["n"] = out["n"].fillna(0).astype(int)
    out["n_all"] = out["n_all"].astype(int)
    out["schools_all"] = out["schools_all"].astype(int)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["baseline"] = np.where(out["n"] > 0, out["wb"] / out["n"].replace(0, np.nan), np.nan)
        out["projected"] = np.where(out["n"] > 0, out["wt"] / out["n"].replace(0, np.nan), np.nan)
    out["gain"] = out["projected"] - out["baseline"]
    out["share_students"] = out["n"] / out["n_all"]
    kinds: list[str] = []
    goals: list[float] = []
    achieved: list[float] = []
    baselines = out["baseline"].astype(float).fillna(0.0)  # a group with no counted rows has no baseline
    cells = zip(out["metric"], out["targeted"], baselines, out["projected"], out["gain"], strict=True)
    for code, targeted, baseline, projected, gain in cells:
        kind, goal = goal_for(metric_spec(metrics, code), bool(targeted), baseline)
        kinds.append(kind)
        goals.append(goal)
        achieved.append(projected if kind == "value" else gain)
    out["goal_kind"], out["goal"], out["achieved"] = kinds, goals, achieved
    out["unit"] = out["metric"].map(metrics["unit"])
    out["gap"] = (out["achieved"] - out["goal"]).round(1)
    out["meets"] = [None if n == 0 else bool(g >= 0) for n, g in zip(out["n"], out["gap"], strict=True)]
    out = out.drop(columns=["wb", "wt"])
    return in_plan_order(out, metrics, list(by))[[*columns, *(["group_sort"] if "group_sort" in out else [])]]


def regions_against_goal(rows: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """The projection per region, furthest short first within each metric and level (rank 1 =
    furthest short), and whether the region falls short."""
    out = projection(rows, metrics, by=("region",))
    if out.empty:
        return out.assign(rank=pd.Series(dtype=int), short=pd.Series(dtype=bool))
    out = out.sort_values(["gap"], kind="stable", na_position="last")
    out = in_plan_order(out, metrics, ["group"])
    out["rank"] = out.groupby(["metric", "mlevel", "group"]).cumcount() + 1
    out["short"] = out["gap"] < 0
    return out


def headline(projected: pd.DataFrame, regions: pd.DataFrame, group: str = "all") -> pd.DataFrame:
    """One line per metric and level for a student group, with the region furthest short."""
    lines = projected[projected["group"] == group].copy()
    worst = regions[(regions["group"] == group) & regions["short"].fillna(False).astype(bool)]
    worst = worst.sort_values("gap").drop_duplicates(["metric", "mlevel"])
    worst = worst.set_index(["metric", "mlevel"])
    cells = list(zip(lines["metric"], lines["mlevel"], strict=True))
    lines["worst_region"] = [worst["region"].get(cell) for cell in cells]
    lines["worst_gap"] = [worst["gap"].get(cell) for cell in cells]
    lines["worst_achieved"] = [worst["achieved"].get(cell) for cell in cells]
    lines["regions_short"] = [int(((regions["metric"] == m) & (regions["mlevel"] == lv) & (regions["group"] == group)
                                   & regions["short"].fillna(False).astype(bool)).sum())
                              for m, lv in cells]
    return lines.reset_index(drop=True)


# ---------------------------------------------------------------- completeness

def overdue(plans: pd.DataFrame, late: bool) -> pd.Series:
    """Each plan is overdue: the due date has passed (`late`) and it is with its school, unless its school
    had sent it in on time and it came back (targets.operations.is_overdue)."""
    if not late:
        return pd.Series(False, index=plans.index)
    sent = plans["sent_on_time"].astype(bool) if "sent_on_time" in plans else pd.Series(False, index=plans.index)
    return plans["status"].isin(NOT_SUBMITTED) & ~((plans["status"] == "returned") & sent)


def completeness(plans: pd.DataFrame, late: bool, by: tuple[str, ...] = ("region", "school_level")) -> pd.DataFrame:
    """Plans by status for each `by` cell, with submitted (waiting or approved), approved and
    overdue counts. A plan is overdue when it is not submitted and the due date has passed."""
    columns = [*by, "plans", *STATUSES, "submitted_or_approved", "pct_submitted", "pct_approved", "overdue"]
    if plans.empty:
        return pd.DataFrame(columns=columns)
    counts = pd.crosstab([plans[k] for k in by], plans["status"]).reindex(columns=list(STATUSES), fill_value=0)
    counts.columns = list(STATUSES)
    counts = counts.reset_index()
    counts["plans"] = counts[list(STATUSES)].sum(axis=1)
    counts["submitted_or_approved"] = counts["submitted"] + counts["approved"]
    counts["pct_submitted"] = (100 * counts["submitted_or_approved"] / counts["plans"]).round(1)
    counts["pct_approved"] = (100 * counts["approved"] / counts["plans"]).round(1)
    if late:
        late_plans = plans.assign(_late=overdue(plans, late)).groupby(list(by))["_late"].sum()
        counts["overdue"] = counts.set_index(list(by)).index.map(late_plans.to_dict()).fillna(0).astype(int)
    else:
        counts["overdue"] = 0
    if "school_level" in by:
        counts["_l"] = counts["school_level"].map({lv: i for i, lv in enumerate(LEVEL_ORDER)}).fillna(9)
        counts = counts.sort_values([*(k for k in by if k != "school_level"), "_l"]).drop(columns="_l")
    else:
        counts = counts.sort_values(list(by))
    return counts[columns].reset_index(drop=True)


# ---------------------------------------------------------------- targets chosen

def distribution(rows: pd.DataFrame, metrics: pd.DataFrame, by: str) -> pd.DataFrame:
    """Quartiles of the submitted 2026 targets and of the gains they plan, per metric and level
    and `by` (school_level, region or group)."""
    columns = ["metric", "mlevel", by, "targets", "q1", "median", "q3", "median_gain"]
    c = counted(rows)
    # A small group's target and planned gain would give its baseline (one school's target is a region's
    # median): small groups need no target, and their targets are left out (kernel.privacy).
    c = c[c["n"] >= SMALL_GROUP]
    if c.empty:
        return pd.DataFrame(columns=columns)
    c = c.assign(planned_gain=c["target"] - c["baseline"])
    keys = ["metric", "mlevel", by]
    grouped = c.groupby(keys, dropna=False)
    out = grouped.agg(targets=("target", "size"), median=("target", "median"),
                      median_gain=("planned_gain", "median"),
                      **({"group_sort": ("group_sort", "first")} if by == "group" and "group_sort" in c else {}))
    out["q1"] = grouped["target"].quantile(0.25)
    out["q3"] = grouped["target"].quantile(0.75)
    out = out.reset_index()
    if by == "school_level":
        out["_o"] = out["school_level"].map({lv: i for i, lv in enumerate(LEVEL_ORDER)})
        out = in_plan_order(out, metrics, ["_o"]).drop(columns="_o")
    elif by == "group":
        out = in_plan_order(out, metrics)
    else:
        out = in_plan_order(out, metrics, [by])
    return out[columns + (["group_sort"] if "group_sort" in out else [])]


def trajectory_choices(rows: pd.DataFrame, metrics: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """Per goal, how many submitted targets follow each trajectory and their share (the March 2023
    update's 'Target Selection Trajectory by Academic Goal'). A span school's row counts once."""
    c = counted(rows)
    c = c[c["trajectory"].notna() & (c["trajectory"] != "")]
    c = c.drop_duplicates(["school_id", "metric", "group"])
    columns = ["goal", "trajectory", "targets", "share", "schools"]
    if c.empty:
        return pd.DataFrame(columns=columns)
    c = c.assign(goal=c["metric"].map(metrics["goal"]))
    grouped = c.groupby(["goal", "trajectory"]).agg(targets=("school_id", "size"), schools=("school_id", "nunique"))
    full = pd.MultiIndex.from_product([list(dict.fromkeys(metrics.sort_values("order")["goal"])), order],
                                      names=["goal", "trajectory"])
    out = grouped.reindex(full, fill_value=0).reset_index()
    totals = out.groupby("goal")["targets"].transform("sum")
    out["share"] = np.where(totals > 0, 100 * out["targets"] / totals.replace(0, np.nan), 0.0).round(1)
    return out[columns]


# ---------------------------------------------------------------- a region's schools

def school_table(plans: pd.DataFrame, rows: pd.DataFrame, metrics: pd.DataFrame, late: bool,
                 metric: str | None = None, group: str = "all") -> pd.DataFrame:
    """A region's schools: status, overdue, how many of their targets reach what the plan asks, and
    for one metric the school's planned gain against the plan's ask. Schools needing attention come
    first: furthest below the ask for one metric; otherwise overdue, then fewest targets at the ask."""
    columns = ["school_id", "code", "name", "school_level", "status", "overdue", "targets", "at_ask",
               "baseline", "target", "gain", "ask_gain", "gap", "n"]
    if plans.empty:
        return pd.DataFrame(columns=columns)
    out = plans[["school_id", "code", "name", "school_level", "status"]].copy()
    out["overdue"] = overdue(plans, late)
    have = rows[rows["target"].notna() & rows["baseline"].notna()]
    asks = [plan_target(metric_spec(metrics, code), baseline, bool(targeted))
            for code, baseline, targeted in zip(have["metric"], have["baseline"].astype(float), have["targeted"],
                                                strict=True)]
    have = have.assign(ask=asks)
    have = have.assign(at_ask=have["target"] + EPS >= have["ask"])
    summary = have.groupby("school_id").agg(targets=("target", "size"), at_ask=("at_ask", "sum"))
    out = out.merge(summary, left_on="school_id", right_index=True, how="left")
    out["targets"] = out["targets"].fillna(0).astype(int)
    out["at_ask"] = out["at_ask"].fillna(0).astype(int)
    if metric:
        one = have[(have["metric"] == metric) & (have["group"] == group)]
        one = one.assign(gain=one["target"] - one["baseline"], ask_gain=one["ask"] - one["baseline"],
                         gap=(one["target"] - one["ask"]).round(1))
        # Only the schools the metric is measured at, furthest below the plan's ask first.
        measured_at = set(rows.loc[rows["metric"] == metric, "school_id"])
        out = out[out["school_id"].isin(measured_at)]
        out = out.merge(one[["school_id", "baseline", "target", "gain", "ask_gain", "gap", "n"]], on="school_id",
                        how="left")
        out = out.sort_values(["gap", "name"], na_position="last", kind="stable")
    else:
        for col in ("baseline", "target", "gain", "ask_gain", "gap", "n"):
            out[col] = np.nan
        # Overdue schools first, then the smallest share of targets at the plan's ask.
        share = (out["at_ask"] / out["targets"].replace(0, np.nan)).fillna(-1)
        out = out.assign(_share=share).sort_values(["overdue", "_share", "name"], ascending=[False, True, True],
                                                  kind="stable").drop(columns="_share")
    return out.reset_index(drop=True)[columns]


# ---------------------------------------------------------------- JSON

def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-safe dicts (NaN and NA become None; numpy scalars become Python numbers)."""
    if frame is None or frame.empty:
        return []
    clean = frame.astype(object).where(frame.notna(), None)
    out = []
    for row in clean.to_dict(orient="records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and (np.isnan(value) or np.isinf(value)):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
