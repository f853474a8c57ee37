"""How the portal writes numbers and dates, in one place: every page, export label and report reads
figures the same way. A missing figure is always EMPTY; a negative one takes a true minus sign."""
import math
from datetime import date, datetime

EMPTY = "—"  # the mark for "no figure" everywhere
MINUS = "\u2212"


def missing(value: object) -> bool:
    """None, NaN (pandas' missing value) and infinities have no figure to show."""
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def number(value: float | None, places: int = 1) -> str:
    """12,345.6 or −3.2: thousands separated, a true minus sign, EMPTY when missing."""
    if value is None or missing(value):
        return EMPTY
    text = f"{abs(value):,.{places}f}"
    return (MINUS + text) if round(value, places) < 0 else text


def signed(value: float | None, places: int = 1) -> str:
    """A change: +2.5, −1.0, +0.0."""
    if value is None or missing(value):
        return EMPTY
    return ("+" if round(value, places) >= 0 else "") + number(value, places)


def result(value: float | None, unit: str) -> str:
    """A school or district result in its metric's unit: 68.2% or −12.3 (points from standard)."""
    if value is None or missing(value):
        return EMPTY
    return number(value) + ("%" if unit == "percent" else "")


def amount(value: float | None, unit: str) -> str:
    """A progress metric's value as the Board reads it: 41.5%, $120,000, 1,250."""
    if value is None or missing(value):
        return EMPTY
    if unit == "percent":
        return f"{value:,.1f}%"
    if unit == "dollars":
        return f"${value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def measure_value(value: float | None, unit: str) -> str:
    """A Measure of Success's value: as precise as entered (27.7%), large sums in millions."""
    if value is None or missing(value):
        return EMPTY
    if unit == "percent":
        return f"{value:,.2f}".rstrip("0").rstrip(".") + "%"
    if unit == "dollars":
        if abs(value) >= 1_000_000:
            return f"${value / 1_000_000:,.1f} million"
        return f"${value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "points":
        return f"{value:g} pts"
    return f"{value:g}"


def long_date(value: date | datetime | str | None) -> str:
    """7 March 2023, from a date, a datetime or an ISO string (a frozen report stores strings)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def short_date(value: date | datetime | None) -> str:
    """7 Mar 2023."""
    if value is None:
        return EMPTY
    return f"{value.day} {value:%b %Y}"
