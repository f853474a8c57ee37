"""The line chart the Board report, an action plan's metrics and the dashboard's paths share: lines
of points, each with its colour, dash pattern and marker shape, over a value axis with its ticks.
Python computes the coordinates; the templates draw them."""
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field

from portal.charts.shapes import Marker, polygon_marker


@dataclass
class Line:
    label: str
    colour: str
    dash: str  # an SVG stroke-dasharray; "" for a solid line
    shape: str  # the marker shape
    points: str = ""  # the <polyline>'s points
    markers: list[Marker] = field(default_factory=list)
    reference_paths: list[str] = field(default_factory=list)  # dashed: baseline to first value, last to target
    swatch: str = ""  # the marker as an SVG path, for the legend


@dataclass
class LineChart:
    """`left`, `right`, `top` and `bottom` are the plot area's edges, in the SVG's coordinates."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    lines: list[Line]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    x_label_rows: list[int] = field(default_factory=list)  # each x label's row (0 or 1) where labels crowd
    description: str = ""  # the lines in words, for the SVG's <desc>
    references: list[str] = field(default_factory=list)  # the labels of hollow reference points, for the legend

    @property
    def has_references(self) -> bool:
        return bool(self.references)


def inset_positions(keys: list, left: float, right: float, inset: float) -> dict:
    """Each key's x, evenly spaced with an inset at either end so the first and last labels stay
    inside the frame. Needs two keys or more."""
    gap = (right - left - 2 * inset) / (len(keys) - 1)
    return {k: round(left + inset + i * gap, 1) for i, k in enumerate(keys)}


def point_titles(label: str, unit: str, fmt: Callable[[float, str], str]) -> Callable[[Hashable, float], str]:
    """Each point's title for polygon_line: 'label, key: value' with the value written by fmt(value, unit)."""
    return lambda key, value: f"{label}, {key}: {fmt(value, unit)}"


def polygon_line(label: str, style: tuple[str, str, str], points: Sequence[tuple[Hashable, float]],
                 xs: dict, y: Callable[[float], float], title: Callable[[Hashable, float], str]) -> Line:
    """A line through (key, value) points, a polygon marker (or circle) on each with its title."""
    colour, dash, shape = style
    markers = [polygon_marker(xs[k], y(v), title(k, v), shape) for k, v in points]
    return Line(label, colour, dash, shape, " ".join(f"{xs[k]},{y(v)}" for k, v in points), markers)
