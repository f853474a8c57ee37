"""A server-rendered SVG line chart with one line per breakdown (no script, CSP-safe).

Lines differ by dash pattern and marker shape as well as colour, so the chart reads on a
black-and-white printout; the numbers themselves are always in the table next to it."""
from portal.charts.guard import guarded
from portal.charts.line import LineChart, inset_positions, point_titles, polygon_line
from portal.charts.scale import axis_from_zero, linear_scale

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


def tick_label(value: float, unit: str) -> str:
    if unit == "dollars":
        if value >= 1_000_000:
            return f"${value / 1_000_000:,.{0 if value % 1_000_000 == 0 else 1}f}M"
        return f"${value:,.0f}"
    if unit == "percent":
        return f"{value:g}%"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


@guarded
def line_chart(series: list[dict], unit: str, fmt) -> LineChart | None:
    """series: [{"breakdown", "points": [[period, value], ...]}]; fmt(value, unit) writes a value.
    None when there is no path to draw (fewer than two periods), or a value too large to draw."""
    periods = periods_in_order(series)
    values = [v for s in series for _p, v in s["points"] if v is not None]
    axis = axis_from_zero(values, unit)
    if len(periods) < 2 or axis is None:
        return None
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    y = linear_scale(axis.low, axis.high, bottom, TOP)
    if y is None:
        return None
    xs = inset_positions(periods, LEFT, right, INSET)
    lines, described = [], []
    for i, s in enumerate(series):
        label = s["breakdown"] or "Value"
        pts = [(p, v) for p, v in s["points"] if v is not None]
        lines.append(polygon_line(label, STYLES[i % len(STYLES)], pts, xs, y, point_titles(label, unit, fmt)))
        if pts:
            first, last = pts[0], pts[-1]
            described.append(f"{label}: {fmt(first[1], unit)} in {first[0]}" + (
                f", {fmt(last[1], unit)} in {last[0]}" if len(pts) > 1 else ""))
    return LineChart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, lines,
                     x_ticks=[(xs[p], p) for p in periods],
                     y_ticks=[(y(t), tick_label(t, unit)) for t in axis.ticks()],
                     description="; ".join(described) + ".")
