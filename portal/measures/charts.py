"""A small server-rendered SVG of a measure's path: its values by school year (solid line, filled
dots) against the straight path from the baseline to the 2026 target (dashed line, hollow square
at the target). Shapes and dashes differ as well as colour; the numbers are always in the table
next to it. No script and no style attributes (the CSP forbids both)."""
from dataclasses import dataclass, field

from flask_babel import gettext

from portal.charts.guard import guarded
from portal.charts.scale import finite_values, linear_scale
from portal.charts.shapes import Marker
from portal.kernel import formatting
from portal.measures.catalog import Line
from portal.measures.status import target_label, target_year, year_start


@dataclass
class SparkChart:
    width: int
    height: int
    values: str  # polyline points of the values
    path: str  # polyline points of the straight path to the target
    dots: list[Marker] = field(default_factory=list)
    target: Marker | None = None
    baseline: Marker | None = None
    first_label: str = ""
    last_label: str = ""
    label_y: float = 0
    right: float = 0
    left: float = 0
    description: str = ""


@guarded
def spark_chart(line: Line, direction: str, unit: str, width: int = 168, height: int = 58,
                pad: int = 6, label_room: int = 12) -> SparkChart | None:
    """None when there is nothing to draw (no value and no path), or a value too large to draw."""
    fmt = formatting.measure_value
    values = sorted((y, e.value) for y, e in line.entries.items())
    path = line.path(direction)
    if not values and path is None:
        return None
    years = [year_start(y) for y, _ in values]
    raw = [v for _, v in values]
    if path:
        years += [year_start(path[0][0]), year_start(target_year())]
        raw += [path[0][1], path[1][1]]
    numbers = finite_values(raw)
    if numbers is None:
        return None
    first, last = min(years), max(years)
    if last == first:
        first, last = first - 1, last + 1
    low, high = min(numbers), max(numbers)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    span = high - low
    bottom = height - label_room - pad
    y = linear_scale(low - span * 0.08, high + span * 0.08, bottom, pad)
    x_of = linear_scale(first, last, pad, width - pad)
    if y is None or x_of is None:
        return None

    def x(year: str) -> float:
        return x_of(year_start(year))

    chart = SparkChart(width=width, height=height,
                       values=" ".join(f"{x(yr)},{y(v)}" for yr, v in values),
                       path="", left=pad, right=width - pad, label_y=height - 2,
                       first_label=f"{first}-{(first + 1) % 100:02d}", last_label=f"{last}-{(last + 1) % 100:02d}")
    chart.dots = [Marker(x(yr), y(v), f"{yr}: {fmt(v, unit)}") for yr, v in values]
    parts = []
    if values:
        parts.append(gettext("values %(values)s", values=", ".join(f"{yr} {fmt(v, unit)}" for yr, v in values)))
    if path:
        (b_year, b_value), (t_year, t_value) = path
        chart.path = f"{x(b_year)},{y(b_value)} {x(t_year)},{y(t_value)}"
        chart.baseline = Marker(x(b_year), y(b_value), gettext("Baseline %(year)s: %(value)s", year=b_year,
                                                                     value=fmt(b_value, unit)))
        chart.target = Marker(x(t_year), y(t_value), f"{target_label()}: {fmt(t_value, unit)}")
        parts.append(gettext("straight path from the %(year)s baseline of %(start)s to the %(target)s of %(end)s",
                             year=b_year, start=fmt(b_value, unit), target=target_label(), end=fmt(t_value, unit)))
    chart.description = "; ".join(parts).capitalize() + ". " + gettext("The same numbers are in the table.")
    return chart
