"""Value axes for the server-drawn charts: a round tick step, the ticks it gives, the range a line
chart's axis spans, and a linear scale from values to SVG coordinates.

Everything is computed in floats and checked with math.isfinite: a value with no place on an axis
(NaN, an infinity, a number too large for a float, a span that overflows) gives None, and the
caller leaves the chart out; the same figures are always in the table next to it. Nothing here raises."""
import math
from collections.abc import Iterable
from dataclasses import dataclass

STEP_FACTORS = (1, 2, 2.5, 5, 10)
MAX_TICKS = 50  # far more than any axis draws: a guard, never a limit a real chart meets


def as_finite(value: object) -> float | None:
    """The value as a float, or None when it cannot be drawn (text is not a number here)."""
    if isinstance(value, str | bytes):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def finite_values(values: Iterable[object]) -> list[float] | None:
    """Every value as a float, or None when any of them cannot be drawn."""
    numbers = [as_finite(v) for v in values]
    return None if any(n is None for n in numbers) else numbers  # type: ignore[return-value]


def nice_step(raw: float) -> float | None:
    """The round step (1, 2, 2.5 or 5 times a power of ten) at or just above raw; 1 when raw is not
    positive; None when raw, or the step, is not finite."""
    if not math.isfinite(raw):
        return None
    if raw <= 0:
        return 1.0
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next((f * magnitude for f in STEP_FACTORS if f * magnitude >= raw), 10 * magnitude)
    return step if math.isfinite(step) and step > 0 else None


def ticks(low: float, high: float, step: float) -> list[float]:
    """low, low + step, ... up to high (a thousandth of a step's slack for rounding)."""
    out: list[float] = []
    tick = low
    while tick <= high + step / 1000 and len(out) < MAX_TICKS:
        out.append(tick)
        tick += step
    return out


@dataclass(frozen=True)
class Axis:
    low: float
    high: float
    step: float

    def ticks(self) -> list[float]:
        return ticks(self.low, self.high, self.step)


def _axis(low: float, high: float, step: float) -> Axis | None:
    if high <= low:
        high = low + step
    if not all(math.isfinite(v) for v in (low, high, high - low)):
        return None
    return Axis(low, high, step)


def axis_from_zero(values: Iterable[object], unit: str) -> Axis | None:
    """A value axis from zero (or the lowest value, when one is below zero) to a round step at or
    above the highest value, in about four steps; a percentage axis stops at 100."""
    numbers = finite_values(values)
    if not numbers:
        return None
    low, top = min(0.0, *numbers), max(numbers)
    step = nice_step((top - low) / 4)
    if step is None:
        return None
    high = step * math.ceil(top / step) if top > 0 else step
    if unit == "percent" and top <= 100:
        high = min(high, 100.0)
    return _axis(low, high, step)


def axis_around(values: Iterable[object], unit: str) -> Axis | None:
    """A value axis spanning the values themselves (not zero) from round step to round step, so a
    point or two of difference shows; a percentage axis stays within 0 to 100."""
    numbers = finite_values(values)
    if not numbers:
        return None
    low, high = min(numbers), max(numbers)
    step = nice_step(max(high - low, 1.0) / 4)
    if step is None:
        return None
    low, high = step * math.floor(low / step), step * math.ceil(high / step)
    if unit == "percent":
        low, high = max(0.0, low), min(100.0, high)
    return _axis(low, high, step)


@dataclass(frozen=True)
class LinearScale:
    """Maps low..high onto start..end (start may be the larger: an SVG y axis runs downwards),
    rounded to a tenth of a pixel."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        return round(self.start + (float(value) - self.low) / (self.high - self.low) * (self.end - self.start), 1)


def linear_scale(low: object, high: object, start: float, end: float) -> LinearScale | None:
    """None unless low and high are finite, high is above low and the span between them is finite."""
    lo, hi = as_finite(low), as_finite(high)
    if lo is None or hi is None or hi <= lo or not math.isfinite(hi - lo):
        return None
    return LinearScale(lo, hi, float(start), float(end))
