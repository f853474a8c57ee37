"""A server-rendered SVG line chart with one line per breakdown (no script, CSP-safe).

Lines differ by dash pattern and marker shape as well as colour, so the chart reads on a
black-and-white printout; the numbers themselves are always in the table next to it. Periods sit on
a time axis by their last day when the report keeps it, so November 2022 and Fall 2026 are as far
apart on the chart as they are in the calendar."""
from datetime import date

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
CHAR_WIDTH = 7  # an x-axis label's width per character at the chart's 12px type, to keep labels apart


def period_dates(series: list[dict]) -> dict[str, date]:
    """Each period's last day, for the periods whose points carry it ([period, value, "YYYY-MM-DD"]);
    a report frozen before points kept their dates gives none."""
    dates: dict[str, date] = {}
    for s in series:
        for point in s["points"]:
            if len(point) > 2 and point[2]:
                try:
                    dates[point[0]] = date.fromisoformat(point[2])
                except (TypeError, ValueError):
                    continue
    return dates


def periods_in_order(series: list[dict]) -> list[str]:
    """The periods of every line in time order: by their last day when every period has one; otherwise
    each line's points are in period order already, so a period new to the list goes straight after
    the line's previous period."""
    order: list[str] = []
    for s in series:
        previous = -1
        for point in s["points"]:
            period = point[0]
            if period in order:
                previous = order.index(period)
            else:
                order.insert(previous + 1, period)
                previous += 1
    dates = period_dates(series)
    if order and all(p in dates for p in order):
        order.sort(key=lambda p: dates[p])
    return order


def time_positions(periods: list[str], dates: dict[str, date], left: float, right: float) -> dict:
    """Each period's x by its last day, inset at either end; evenly spaced when a period has no date or
    all share one day."""
    days = [dates[p].toordinal() for p in periods if p in dates]
    if len(days) < len(periods) or max(days) == min(days):
        return inset_positions(periods, left, right, INSET)
    first, span = min(days), max(days) - min(days)
    width = right - left - 2 * INSET
    return {p: round(left + INSET + (dates[p].toordinal() - first) / span * width, 1) for p in periods}


def spaced_labels(periods: list[str], xs: dict) -> tuple[list[tuple[float, str]], list[int]]:
    """The x-axis ticks and each label's row. A label too close to one already placed drops to a second
    row; one that fits on neither is left out (its point keeps its title). The latest period's label
    always shows, on the first row, and no label runs past the picture's edge."""
    ticks: list[tuple[float, str]] = []
    rows: list[int] = []
    placed: list[list[tuple[float, float]]] = [[], []]  # per row: (x, half width) of the labels shown
    for p in reversed(periods):
        half = len(p) * CHAR_WIDTH / 2
        row = next((r for r, shown in enumerate(placed)
                    if all(abs(xs[p] - x) >= half + other + 6 for x, other in shown)), None)
        # A long label at either end moves inward just enough to stay inside the picture.
        ticks.append((min(max(xs[p], half + 2), WIDTH - half - 2), p if row is not None else ""))
        rows.append(row or 0)
        if row is not None:
            placed[row].append((xs[p], half))
    return list(reversed(ticks)), list(reversed(rows))


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
    values = [point[1] for s in series for point in s["points"] if point[1] is not None]
    axis = axis_from_zero(values, unit)
    if len(periods) < 2 or axis is None:
        return None
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    y = linear_scale(axis.low, axis.high, bottom, TOP)
    if y is None:
        return None
    xs = time_positions(periods, period_dates(series), LEFT, right)
    lines, described = [], []
    for i, s in enumerate(series):
        label = s["breakdown"] or "Value"
        pts = [(point[0], point[1]) for point in s["points"] if point[1] is not None]
        lines.append(polygon_line(label, STYLES[i % len(STYLES)], pts, xs, y, point_titles(label, unit, fmt)))
        if pts:
            first, last = pts[0], pts[-1]
            described.append(f"{label}: {fmt(first[1], unit)} in {first[0]}" + (
                f", {fmt(last[1], unit)} in {last[0]}" if len(pts) > 1 else ""))
    x_ticks, rows = spaced_labels(periods, xs)
    return LineChart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, lines, x_ticks=x_ticks, x_label_rows=rows,
                     y_ticks=[(y(t), tick_label(t, unit)) for t in axis.ticks()],
                     description="; ".join(described) + ".")
