"""A small server-rendered SVG of a measure's path: its values by school year (solid line, filled
dots) against the straight path from the baseline to the 2026 target (dashed line, hollow square
at the target). Shapes and dashes differ as well as colour; the numbers are always in the table
next to it. No script and no style attributes (the CSP forbids both)."""
from dataclasses import dataclass, field

from portal.measures.status import TARGET_YEAR, year_start
from portal.measures.catalog import Line, fmt_value


@dataclass
class Dot:
    x: float
    y: float
    title: str


@dataclass
class SparkChart:
    width: int
    height: int
    values: str  # polyline points of the values
    path: str  # polyline points of the straight path to the target
    dots: list[Dot] = field(default_factory=list)
    target: Dot | None = None
    baseline: Dot | None = None
    first_label: str = ""
    last_label: str = ""
    label_y: float = 0
    right: float = 0
    left: float = 0
    description: str = ""


def spark_chart(line: Line, direction: str, unit: str, width: int = 168, height: int = 58,
                pad: int = 6, label_room: int = 12) -> SparkChart | None:
    """None when there is nothing to draw (no value and no path)."""
    values = sorted((y, e.value) for y, e in line.entries.items())
    path = line.path(direction)
    if not values and path is None:
        return None
    years = [year_start(y) for y, _ in values]
    numbers = [v for _, v in values]
    if path:
        years += [year_start(path[0][0]), year_start(TARGET_YEAR)]
        numbers += [path[0][1], path[1][1]]
    first, last = min(years), max(years)
    if last == first:
        first, last = first - 1, last + 1
    low, high = min(numbers), max(numbers)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    span = high - low
    low, high = low - span * 0.08, high + span * 0.08
    bottom = height - label_room - pad

    def x(year: str) -> float:
        return round(pad + (year_start(year) - first) / (last - first) * (width - 2 * pad), 1)

    def y(value: float) -> float:
        return round(bottom - (value - low) / (high - low) * (bottom - pad), 1)

    chart = SparkChart(width=width, height=height,
                       values=" ".join(f"{x(yr)},{y(v)}" for yr, v in values),
                       path="", left=pad, right=width - pad, label_y=height - 2,
                       first_label=f"{first}-{(first + 1) % 100:02d}", last_label=f"{last}-{(last + 1) % 100:02d}")
    chart.dots = [Dot(x(yr), y(v), f"{yr}: {fmt_value(v, unit)}") for yr, v in values]
    parts = []
    if values:
        parts.append("values " + ", ".join(f"{yr} {fmt_value(v, unit)}" for yr, v in values))
    if path:
        (b_year, b_value), (t_year, t_value) = path
        chart.path = f"{x(b_year)},{y(b_value)} {x(t_year)},{y(t_value)}"
        chart.baseline = Dot(x(b_year), y(b_value), f"Baseline {b_year}: {fmt_value(b_value, unit)}")
        chart.target = Dot(x(t_year), y(t_value), f"2026 target: {fmt_value(t_value, unit)}")
        parts.append(f"straight path from the {b_year} baseline of {fmt_value(b_value, unit)} "
                     f"to the 2026 target of {fmt_value(t_value, unit)}")
    chart.description = "; ".join(parts).capitalize() + ". The same numbers are in the table."
    return chart
