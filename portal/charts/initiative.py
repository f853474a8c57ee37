"""A server-rendered SVG line chart of a progress metric across check-ins: one line per breakdown,
each with its own colour, dash and marker shape (never colour alone), and the baseline and target
as labelled points at either end. No script and no style attributes (the CSP forbids both)."""
import math
from dataclasses import dataclass, field

PALETTE = ["#0b4f8a", "#a3261b", "#1d6b38", "#8a5a00", "#5b3b8c", "#1b1f24"]
DASHES = ["", "7 3", "2 3", "9 3 2 3", "4 4", "1 2"]
SHAPES = ["circle", "square", "triangle", "diamond", "circle", "square"]


@dataclass
class Marker:
    x: float
    y: float
    title: str
    hollow: bool = False
    path: str = ""


@dataclass
class Series:
    label: str
    colour: str
    dash: str
    shape: str
    points: str  # the reported values, joined by a solid line
    reference_paths: list[str] = field(default_factory=list)  # dashed: baseline to first, last to target
    markers: list[Marker] = field(default_factory=list)
    swatch: str = ""  # the marker shape for the legend


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    series: list[Series]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    references: list[str]  # the labels of the baseline and target points, for the legend

    @property
    def has_references(self) -> bool:
        return bool(self.references)


def compact(value: float, unit: str) -> str:
    """An axis label: 12k, 1.5M, 40%, $50M."""
    if unit == "percent":
        return f"{value:g}%"
    sign = "$" if unit == "dollars" else ""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{sign}{value / size:.3g}{suffix}"
    return f"{sign}{value:g}"


def _nice_step(span: float) -> float:
    """A round tick step giving about four ticks over the span."""
    raw = span / 4 if span > 0 else 1.0
    base = 10 ** math.floor(math.log10(raw))
    return next(base * f for f in (1, 2, 2.5, 5, 10) if base * f >= raw)


def shape_path(shape: str, x: float, y: float, r: float = 4.0) -> str:
    """An SVG path for a marker shape centred on (x, y)."""
    if shape == "square":
        return f"M{x - r:.1f},{y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}z"
    if shape == "triangle":
        return f"M{x:.1f},{y - r - 1:.1f}L{x + r + 1:.1f},{y + r:.1f}L{x - r - 1:.1f},{y + r:.1f}z"
    if shape == "diamond":
        return f"M{x:.1f},{y - r - 1:.1f}L{x + r + 1:.1f},{y:.1f}L{x:.1f},{y + r + 1:.1f}L{x - r - 1:.1f},{y:.1f}z"
    return (f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0"
            f"a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0z")


def line_chart(periods: list[str], lines: dict[str, dict[str, float]], baselines: dict, targets: dict,
               unit: str, fmt, baseline_label: str = "", target_label: str = "",
               width: int = 640, height: int = 250) -> LineChart | None:
    """periods: the check-ins' periods in order; lines: breakdown -> period -> value;
    baselines / targets: breakdown -> value ("" when the metric has no breakdown)."""
    keys = list(dict.fromkeys([*lines, *baselines, *targets]))
    values = [v for line in lines.values() for v in line.values()]
    refs = [v for v in baselines.values() if v is not None] + [v for v in targets.values() if v is not None]
    if not values and not refs:
        return None
    shown_periods = [p for p in periods if any(p in line for line in lines.values())]
    slots = (["baseline"] if baselines else []) + shown_periods + (["target"] if targets else [])
    left, right, top, bottom = 64, 16, 14, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    every = values + refs
    low, high = min(0.0, min(every)), max(every)
    step = _nice_step(high - low)
    high = step * (int(high / step) + (0 if high % step == 0 and high > low else 1))
    if unit == "percent" and max(every) <= 100:
        high = min(high, 100.0)
    if high <= low:
        high = low + step
    span = high - low
    gap = plot_w / (len(slots) - 1) if len(slots) > 1 else 0
    xs = {slot: left + (i * gap if len(slots) > 1 else plot_w / 2) for i, slot in enumerate(slots)}

    def y(value: float) -> float:
        return round(top + plot_h - (value - low) / span * plot_h, 1)

    ticks, tick = [], low
    while tick <= high + step / 1000:
        ticks.append((y(tick), compact(round(tick, 6), unit)))
        tick += step
    labels = {"baseline": baseline_label or "Baseline", "target": target_label or "Target"}
    axis = {k: (v if len(v) <= 14 else k.capitalize()) for k, v in labels.items()}  # long labels are in the legend
    thin = max(1, -(-len(slots) // 7))  # label at most seven slots so the words do not collide
    x_labels = [(round(xs[s], 1), _short(axis.get(s, s))) for i, s in enumerate(slots)
                if i % thin == 0 or i == len(slots) - 1]
    series = []
    for index, key in enumerate(keys):
        name = key or "Value"
        line = lines.get(key, {})
        shape = SHAPES[index % len(SHAPES)]
        s = Series(label=name, colour=PALETTE[index % len(PALETTE)], dash=DASHES[index % len(DASHES)],
                   shape=shape, points="")
        reported = [(xs[p], y(line[p]), f"{name}, {p}: {fmt(line[p], unit)}") for p in shown_periods if p in line]
        s.points = " ".join(f"{x:.1f},{yy}" for x, yy, _ in reported)
        s.markers = [Marker(x, yy, t) for x, yy, t in reported]
        base, target = baselines.get(key), targets.get(key)
        if base is not None:
            s.markers.insert(0, Marker(xs["baseline"], y(base), f"{name}, {labels['baseline']}: {fmt(base, unit)}",
                                       hollow=True))
            if reported:
                s.reference_paths.append(f"M{xs['baseline']:.1f},{y(base)}L{reported[0][0]:.1f},{reported[0][1]}")
        if target is not None:
            s.markers.append(Marker(xs["target"], y(target), f"{name}, {labels['target']}: {fmt(target, unit)}",
                                    hollow=True))
            if reported:
                s.reference_paths.append(f"M{reported[-1][0]:.1f},{reported[-1][1]}L{xs['target']:.1f},{y(target)}")
        series.append(s)
    for s in series:
        s.swatch = shape_path(s.shape, 17, 6, 3.5)
        for m in s.markers:
            m.path = shape_path(s.shape, m.x, m.y)
    references = [labels[k] for k in ("baseline", "target") if (baselines if k == "baseline" else targets)]
    return LineChart(width, height, left, right, top, bottom, series, x_labels, ticks, references)


def _short(text: str, limit: int = 18) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"
