"""A server-rendered SVG line chart with one line per breakdown (no script, CSP-safe).

Lines differ by dash pattern and marker shape as well as colour, so the chart reads on a
black-and-white printout; the numbers themselves are always in the table next to it."""
import math
from dataclasses import dataclass, field

# (stroke colour, dash pattern, marker shape): distinct in colour, in print and for colour-blind readers.
STYLES = [
    ("#0b4f8a", "", "circle"),
    ("#8a4b00", "7 4", "square"),
    ("#1d6b38", "2 3", "triangle"),
    ("#5b2a86", "9 3 2 3", "diamond"),
    ("#1b1f24", "12 4", "circle"),
    ("#a3261b", "4 2", "square"),
]
WIDTH, HEIGHT = 600, 250
LEFT, RIGHT, TOP, BOTTOM = 72, 24, 14, 40
INSET = 36  # keeps the first and last period's labels inside the frame
MARK = 4.5


@dataclass
class Marker:
    x: float
    y: float
    title: str
    shape: str
    points: str = ""  # for polygons


@dataclass
class Line:
    label: str
    colour: str
    dash: str
    shape: str
    points: str
    markers: list[Marker] = field(default_factory=list)


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    right: float
    top: int
    bottom: float
    lines: list[Line]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    description: str


def periods_in_order(series: list[dict]) -> list[str]:
    """The periods of every line in time order. Each line's points are in period order already,
    so a period new to the list goes straight after the line's previous period."""
    order: list[str] = []
    for s in series:
        previous = -1
        for period, _value in s["points"]:
            if period in order:
                previous = order.index(period)
            else:
                order.insert(previous + 1, period)
                previous += 1
    return order


def _nice_step(raw: float) -> float:
    if raw <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def tick_label(value: float, unit: str) -> str:
    if unit == "dollars":
        if value >= 1_000_000:
            return f"${value / 1_000_000:,.{0 if value % 1_000_000 == 0 else 1}f}M"
        return f"${value:,.0f}"
    if unit == "percent":
        return f"{value:g}%"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def line_chart(series: list[dict], unit: str, fmt) -> LineChart | None:
    """series: [{"breakdown", "points": [[period, value], ...]}]; fmt(value, unit) writes a value.
    None when there is no path to draw (fewer than two periods)."""
    periods = periods_in_order(series)
    values = [v for s in series for _p, v in s["points"] if v is not None]
    if len(periods) < 2 or not values:
        return None
    low = min(0.0, min(values))
    step = _nice_step((max(values) - low) / 4)
    high = step * math.ceil(max(values) / step) if max(values) > 0 else step
    if unit == "percent" and max(values) <= 100:
        high = min(high, 100.0)
    if high <= low:
        high = low + step
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    span = (right - LEFT - 2 * INSET) / (len(periods) - 1)
    xs = {p: round(LEFT + INSET + i * span, 1) for i, p in enumerate(periods)}

    def y(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - TOP), 1)

    ticks = []
    tick = low
    while tick <= high + step / 1000:
        ticks.append((y(tick), tick_label(tick, unit)))
        tick += step
    lines, described = [], []
    for i, s in enumerate(series):
        colour, dash, shape = STYLES[i % len(STYLES)]
        label = s["breakdown"] or "Value"
        pts = [(p, v) for p, v in s["points"] if v is not None]
        markers = [_marker(xs[p], y(v), f"{label}, {p}: {fmt(v, unit)}", shape) for p, v in pts]
        lines.append(Line(label, colour, dash, shape, " ".join(f"{xs[p]},{y(v)}" for p, v in pts), markers))
        if pts:
            first, last = pts[0], pts[-1]
            described.append(f"{label}: {fmt(first[1], unit)} in {first[0]}" + (
                f", {fmt(last[1], unit)} in {last[0]}" if len(pts) > 1 else ""))
    return LineChart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, lines, ticks,
                     [(xs[p], p) for p in periods], "; ".join(described) + ".")


def _marker(x: float, y: float, title: str, shape: str) -> Marker:
    m = MARK

    def xy(dx: float, dy: float) -> str:
        return f"{x + dx:.1f},{y + dy:.1f}"
    if shape == "square":
        points = " ".join([xy(-m, -m), xy(m, -m), xy(m, m), xy(-m, m)])
    elif shape == "triangle":
        points = " ".join([xy(0, -m - 1), xy(m + 1, m), xy(-m - 1, m)])
    elif shape == "diamond":
        points = " ".join([xy(0, -m - 1), xy(m + 1, 0), xy(0, m + 1), xy(-m - 1, 0)])
    else:
        points = ""
    return Marker(x, y, title, shape, points)
