"""Markers for the server-drawn charts. A line's points differ by shape as well as colour (circle,
square, triangle, diamond), so a chart reads in print and for colour-blind readers. A template draws
a marker either as a <circle> or a <polygon> of `points`, or as one <path> of `path`."""
from dataclasses import dataclass

MARK = 4.5  # the half-width of a polygon marker


@dataclass
class Marker:
    x: float
    y: float
    title: str  # the point in words: the template puts it in the marker's <title>
    shape: str = "circle"
    points: str = ""  # a polygon's corners, for a square, triangle or diamond
    path: str = ""  # the whole shape as an SVG path
    hollow: bool = False  # a reference point (a baseline or target) rather than a reported value


def corners(shape: str, r: float) -> list[tuple[float, float]]:
    """A polygon shape's corners around its centre; none for a circle."""
    if shape == "square":
        return [(-r, -r), (r, -r), (r, r), (-r, r)]
    if shape == "triangle":
        return [(0, -r - 1), (r + 1, r), (-r - 1, r)]
    if shape == "diamond":
        return [(0, -r - 1), (r + 1, 0), (0, r + 1), (-r - 1, 0)]
    return []


def polygon_points(shape: str, x: float, y: float, r: float = MARK) -> str:
    """A <polygon>'s points for the shape centred on (x, y); "" for a circle."""
    return " ".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in corners(shape, r))


def polygon_marker(x: float, y: float, title: str, shape: str) -> Marker:
    return Marker(x, y, title, shape, polygon_points(shape, x, y))


def shape_path(shape: str, x: float, y: float, r: float = 4.0) -> str:
    """An SVG path for the shape centred on (x, y)."""
    if shape == "square":
        return f"M{x - r:.1f},{y - r:.1f}h{2 * r:.1f}v{2 * r:.1f}h{-2 * r:.1f}z"
    if shape in ("triangle", "diamond"):
        return "M" + "L".join(f"{x + dx:.1f},{y + dy:.1f}" for dx, dy in corners(shape, r)) + "z"
    return (f"M{x - r:.1f},{y:.1f}a{r:.1f},{r:.1f} 0 1,0 {2 * r:.1f},0"
            f"a{r:.1f},{r:.1f} 0 1,0 {-2 * r:.1f},0z")
