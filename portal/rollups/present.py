"""The rollups in words: level names, row labels, goal labels and gaps, added to compute's frames."""
import pandas as pd

from portal.kernel.formatting import missing
from portal.rollups.compute import metric_levels, metric_spec

LEVEL_NAMES = {"elementary": "Elementary", "middle": "Middle", "high": "High", "span": "Span"}


def goal_label(kind: str, goal: float, unit: str, reading: str = "points", group_gain: float | None = None) -> str:
    """70% / +30 / +25% growth."""
    if kind == "value":
        return f"{goal:g}%" if unit == "percent" else f"{goal:g}"
    if reading == "percent_of_baseline" and group_gain is not None:
        return f"+{group_gain:g}% growth"
    return f"+{goal:g}"


def gap_text(gap, label: str) -> str:
    """'1.8 points short of 70%' or 'reaches +30 (0.4 points above)'. The gap is already rounded."""
    if gap is None or missing(gap):
        return "no submitted targets yet"
    if gap < 0:
        return f"{abs(gap):.1f} points short of {label}"
    if gap == 0:
        return f"reaches {label} exactly"
    return f"reaches {label} ({gap:.1f} points above)"


def row_label(metrics: pd.DataFrame, code: str, mlevel: str) -> str:
    """'A-G' or 'Growth Mindset, middle' (levels named only for metrics set at several levels)."""
    name = str(metrics.at[code, "short_name"])
    if len(metric_levels(metrics, code)) > 1:
        return f"{name}, {LEVEL_NAMES.get(mlevel, mlevel).lower()}"
    return name


def labelled(frame: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """The frame with each row's label (column label), from its metric and level."""
    cells = zip(frame["metric"], frame["mlevel"], strict=True)
    return frame.assign(label=[row_label(metrics, code, mlevel) for code, mlevel in cells])


def against_goal(frame: pd.DataFrame, metrics: pd.DataFrame) -> pd.DataFrame:
    """A projection (compute.projection, regions_against_goal, headline) with its words: the row's
    label, the goal it is held to (goal_label) and the gap to it in words (gap_text)."""
    glabels = []
    specs = {code: metric_spec(metrics, code) for code in dict.fromkeys(frame["metric"])}
    rows = zip(frame["metric"], frame["targeted"], frame["goal_kind"], frame["goal"], strict=True)
    for code, targeted, kind, goal in rows:
        m = specs[code]
        reading = m.group_gain_reading if bool(targeted) else "points"
        glabels.append(goal_label(kind, goal, m.unit, reading, m.group_gain))
    out = labelled(frame, metrics).assign(goal_label=glabels)
    return out.assign(gap_text=[gap_text(g, lab) for g, lab in zip(out["gap"], out["goal_label"], strict=True)])
