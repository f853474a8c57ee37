"""The dashboard's server-rendered SVG charts (no script, no style attributes): stacked bars of the
trajectories schools chose per goal, and a path chart of the goal's, projected and actual paths.
Series differ by pattern, dash and marker shape as well as colour, and every chart's numbers are
in a table beside it."""
from dataclasses import dataclass, field
from typing import TypeGuard

from portal.charts.guard import guarded
from portal.charts.line import LineChart, inset_positions, point_titles, polygon_line
from portal.charts.scale import axis_around, linear_scale

# Trajectory segments: colour and a fill pattern, so the bars read without colour.
SEGMENT_STYLES = {
    "linear": ("#0b4f8a", "solid"),
    "step_up": ("#1d6b38", "diagonal"),
    "aggressive": ("#8a4b00", "dots"),
    "delayed": ("#5b2a86", "cross"),
}
EXTRA_STYLES = [("#1b1f24", "solid"), ("#a3261b", "diagonal")]
# The three paths: goal (dashed, squares), projected (dotted, triangles), actual (solid, circles).
PATH_STYLES = {"goal": ("#56606b", "8 4", "square"), "projected": ("#0b4f8a", "2 4", "triangle"),
               "actual": ("#a3261b", "", "circle")}


@dataclass
class Segment:
    key: str
    label: str
    x: float
    width: float
    share: float
    count: int
    colour: str
    pattern: str
    text: str  # the share written on the bar when it fits
    text_x: float
    title: str


@dataclass
class Bar:
    label: str
    y: float
    segments: list[Segment] = field(default_factory=list)


@dataclass
class StackedChart:
    width: int
    height: int
    left: int
    bar_height: int
    plot_width: float
    bars: list[Bar]
    legend: list[tuple[str, str, str, str]]  # key, label, colour, pattern
    ticks: list[tuple[float, str]]
    patterns: list[tuple[str, str, str]]  # segment key, pattern kind, colour (one <pattern> each)


@guarded
def stacked_bars(bars: list[tuple[str, list[tuple[str, str, float, int]]]], width: int = 660,
                 left: int = 190, bar_height: int = 30, gap: int = 14) -> StackedChart | None:
    """bars: [(label, [(key, segment label, share %, count), ...])]; shares add up to 100 per bar."""
    if not bars or not any(count for _, segs in bars for *_, count in segs):
        return None
    right = 16
    plot = width - left - right
    top = 8
    out, styles = [], {}
    for i, (label, segs) in enumerate(bars):
        y = top + i * (bar_height + gap)
        bar = Bar(label, y)
        x = float(left)
        for j, (key, seg_label, share, count) in enumerate(segs):
            colour, pattern = SEGMENT_STYLES.get(key) or EXTRA_STYLES[j % len(EXTRA_STYLES)]
            styles[key] = (seg_label, colour, pattern)
            w = plot * share / 100
            fits = w >= 34
            bar.segments.append(Segment(key, seg_label, round(x, 1), round(w, 1), share, count, colour, pattern,
                                        f"{share:.0f}%" if fits else "", round(x + w / 2, 1),
                                        f"{label}: {seg_label} {share:.1f}% ({count} targets)"))
            x += w
        out.append(bar)
    height = top + len(bars) * (bar_height + gap) + 22
    ticks = [(round(left + plot * p / 100, 1), f"{p}%") for p in (0, 25, 50, 75, 100)]
    legend_rows = [(k, *v) for k, v in styles.items()]
    patterns = [(k, p, c) for k, _, c, p in legend_rows if p != "solid"]
    return StackedChart(width, height, left, bar_height, plot, out, legend_rows, ticks, patterns)


def _present(value: float | None) -> TypeGuard[float]:
    """Not None and not NaN (pandas' missing value), tested without math.isnan, which raises for
    an integer too large for a float: NaN is the one value unequal to itself."""
    return value is not None and value == value


@guarded
def path_chart(timeline: list[str], series: dict[str, dict[str, float | None]], unit: str, fmt,
               labels: dict[str, str] | None = None, width: int = 600, height: int = 260) -> LineChart | None:
    """timeline: the years in order; series: 'goal' / 'projected' / 'actual' -> year -> value.
    The value axis spans the data (not zero), so a point or two of difference shows. A missing
    value (None or NaN) leaves a gap; a value too large to draw (an infinity) leaves the chart out."""
    values = [v for s in series.values() for v in s.values() if _present(v)]
    if len(timeline) < 2 or not values:
        return None
    left, right_pad, top, bottom_pad, inset = 64, 20, 14, 40, 30
    right, bottom = width - right_pad, height - bottom_pad
    axis = axis_around(values, unit)
    y = linear_scale(axis.low, axis.high, bottom, top) if axis else None
    if axis is None or y is None:
        return None
    xs = inset_positions(timeline, left, right, inset)
    names = labels or {"goal": "Goal's path", "projected": "Projected (submitted targets)", "actual": "Actual"}
    lines, described = [], []
    for key in ("goal", "projected", "actual"):
        points = [(yr, v) for yr, v in series.get(key, {}).items()
                  if yr in xs and _present(v)]
        if not points:
            continue
        points.sort(key=lambda p: timeline.index(p[0]))
        label = names[key]
        lines.append(polygon_line(label, PATH_STYLES[key], points, xs, y, point_titles(label, unit, fmt)))
        described.append(f"{label}: {fmt(points[0][1], unit)} in {points[0][0]}"
                         + (f" to {fmt(points[-1][1], unit)} in {points[-1][0]}" if len(points) > 1 else ""))
    return LineChart(width, height, left, right, top, bottom, lines,
                     x_ticks=[(xs[yr], yr) for yr in timeline],
                     y_ticks=[(y(t), fmt(t, unit, 0)) for t in axis.ticks()],
                     description="; ".join(described) + ".")
