"""A server-rendered SVG line chart of a progress metric across check-ins: one line per breakdown,
each with its own colour, dash and marker shape (never colour alone), and the baseline and target
as labelled points at either end. No script and no style attributes (the CSP forbids both)."""
from portal.charts.guard import guarded
from portal.charts.line import Line, LineChart
from portal.charts.scale import LinearScale, axis_from_zero, linear_scale
from portal.charts.shapes import Marker, shape_path

PALETTE = ["#0b4f8a", "#a3261b", "#1d6b38", "#8a5a00", "#5b3b8c", "#1b1f24"]
DASHES = ["", "7 3", "2 3", "9 3 2 3", "4 4", "1 2"]
SHAPES = ["circle", "square", "triangle", "diamond", "circle", "square"]
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 14, 40  # the margins around the plot


def compact(value: float, unit: str) -> str:
    """An axis label: 12k, 1.5M, 40%, $50M."""
    if unit == "percent":
        return f"{value:g}%"
    sign = "$" if unit == "dollars" else ""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{sign}{value / size:.3g}{suffix}"
    return f"{sign}{value:g}"


@guarded
def line_chart(periods: list[str], lines: dict[str, dict[str, float]], baselines: dict, targets: dict,
               unit: str, fmt, baseline_label: str = "", target_label: str = "",
               width: int = 640, height: int = 250) -> LineChart | None:
    """periods: the check-ins' periods in order; lines: breakdown -> period -> value;
    baselines / targets: breakdown -> value ("" when the metric has no breakdown).
    None when there is nothing to draw, or a value too large to draw."""
    values = [v for line in lines.values() for v in line.values()]
    refs = [v for v in baselines.values() if v is not None] + [v for v in targets.values() if v is not None]
    if not values and not refs:
        return None
    right, bottom = width - RIGHT, height - BOTTOM
    axis = axis_from_zero(values + refs, unit)
    y = linear_scale(axis.low, axis.high, bottom, TOP) if axis else None
    if axis is None or y is None:
        return None
    shown_periods = [p for p in periods if any(p in line for line in lines.values())]
    slots = (["baseline"] if baselines else []) + shown_periods + (["target"] if targets else [])
    gap = (right - LEFT) / (len(slots) - 1) if len(slots) > 1 else 0
    xs = {slot: LEFT + (i * gap if len(slots) > 1 else (right - LEFT) / 2) for i, slot in enumerate(slots)}
    labels = {"baseline": baseline_label or "Baseline", "target": target_label or "Target"}
    keys = list(dict.fromkeys([*lines, *baselines, *targets]))
    series = [_line(index, key, lines.get(key, {}), baselines.get(key), targets.get(key),
                    shown_periods, xs, y, labels, lambda v: fmt(v, unit)) for index, key in enumerate(keys)]
    references = [labels[k] for k in ("baseline", "target") if (baselines if k == "baseline" else targets)]
    return LineChart(width, height, LEFT, right, TOP, bottom, series, _x_ticks(slots, xs, labels),
                     [(y(t), compact(round(t, 6), unit)) for t in axis.ticks()], references=references)


def _x_ticks(slots: list[str], xs: dict[str, float], labels: dict[str, str]) -> list[tuple[float, str]]:
    """At most seven slots' labels, so the words do not collide; long baseline and target labels
    are in the legend, the axis says Baseline and Target."""
    axis = {k: (v if len(v) <= 14 else k.capitalize()) for k, v in labels.items()}
    thin = max(1, -(-len(slots) // 7))
    return [(round(xs[s], 1), _short(axis.get(s, s))) for i, s in enumerate(slots)
            if i % thin == 0 or i == len(slots) - 1]


def _line(index: int, key: str, line: dict[str, float], base: float | None, target: float | None,
          shown_periods: list[str], xs: dict[str, float], y: LinearScale, labels: dict[str, str],
          fmt) -> Line:
    """One breakdown's line: its reported values joined by a solid line, and its baseline and target
    as hollow points joined to the first and last value by dashed reference paths."""
    name = key or "Value"
    shape = SHAPES[index % len(SHAPES)]
    s = Line(label=name, colour=PALETTE[index % len(PALETTE)], dash=DASHES[index % len(DASHES)], shape=shape)
    reported = [(xs[p], y(line[p]), f"{name}, {p}: {fmt(line[p])}") for p in shown_periods if p in line]
    s.points = " ".join(f"{x:.1f},{yy}" for x, yy, _ in reported)
    s.markers = [Marker(x, yy, t, shape) for x, yy, t in reported]
    if base is not None:
        s.markers.insert(0, Marker(xs["baseline"], y(base), f"{name}, {labels['baseline']}: {fmt(base)}",
                                   shape, hollow=True))
        if reported:
            s.reference_paths.append(f"M{xs['baseline']:.1f},{y(base)}L{reported[0][0]:.1f},{reported[0][1]}")
    if target is not None:
        s.markers.append(Marker(xs["target"], y(target), f"{name}, {labels['target']}: {fmt(target)}",
                                shape, hollow=True))
        if reported:
            s.reference_paths.append(f"M{reported[-1][0]:.1f},{reported[-1][1]}L{xs['target']:.1f},{y(target)}")
    s.swatch = shape_path(shape, 17, 6, 3.5)
    for m in s.markers:
        m.path = shape_path(shape, m.x, m.y)
    return s


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
