"""Small server-rendered SVG charts: a path of values over years (no script, CSP-safe)."""
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

from portal.charts.guard import guarded
from portal.charts.scale import finite_values, linear_scale
from portal.charts.shapes import Marker


@dataclass
class PathChart:
    width: int
    height: int
    history: str  # SVG points for the school's past results
    plan: str  # SVG points from the baseline through the yearly targets
    dots: list[Marker]
    low: float
    high: float

    @guarded
    def svg(self, label: str) -> Markup:
        """The chart as inline SVG. Drawn here rather than in a template: a target form draws one
        per row, and building the string once costs a fraction of a template's per-value escaping."""
        parts = [f'<svg class="path-chart" width="{self.width}" height="{self.height}" '
                 f'viewBox="0 0 {self.width} {self.height}" role="img" aria-label="{escape(label)}">']
        if self.history:
            parts.append(f'<polyline class="path-chart__history" points="{self.history}" fill="none" '
                         'stroke="#56606b" stroke-width="2"/>')
        if self.plan:
            parts.append(f'<polyline class="path-chart__plan" points="{self.plan}" fill="none" '
                         'stroke="#0b4f8a" stroke-width="2" stroke-dasharray="5 3"/>')
        parts.extend(f'<circle cx="{d.x}" cy="{d.y}" r="3" fill="#0b4f8a"><title>{escape(d.title)}</title></circle>'
                     for d in self.dots)
        parts.append("</svg>")
        return Markup("".join(parts))


@guarded
def path_chart(history: list[tuple[str, float]], planned: list[tuple[str, float]],
               width: int = 220, height: int = 64, pad: int = 6) -> PathChart | None:
    """history: past (year, value); planned: the baseline and yearly targets (year, value).
    None when there is no path (fewer than two years) or a value too large to draw."""
    series = history + [p for p in planned if p[0] not in {y for y, _ in history}]
    if len(series) < 2 or finite_values(v for _, v in history + planned) is None:
        return None
    low, high = min(v for _, v in series), max(v for _, v in series)
    if high - low < 1:
        high, low = high + 0.5, low - 0.5
    y = linear_scale(low, high, height - pad, pad)
    if y is None:
        return None
    step = (width - 2 * pad) / (len(series) - 1)
    xs = {year: pad + i * step for i, (year, _) in enumerate(series)}
    hist_points = " ".join(f"{xs[yr]:.1f},{y(v)}" for yr, v in history)
    plan_points = " ".join(f"{xs[yr]:.1f},{y(v)}" for yr, v in planned)
    dots = [Marker(round(xs[yr], 1), y(v), f"{yr}: {v:g}") for yr, v in series]
    return PathChart(width, height, hist_points, plan_points, dots, low, high)
