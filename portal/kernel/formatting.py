"""How the portal writes numbers and dates, in one place: every page, export label and report reads
figures the same way. A missing figure is always EMPTY; a negative one takes a true minus sign.

In English the figures are written as they always were (12,345.6, 41.5%, 7 March 2023); in another
language Babel writes them as that language does (12.345,6, 41,5 %, 7 de marzo de 2023)."""
import math
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from portal.kernel import i18n

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


def _language() -> str:
    return i18n.current()


def plain(value: float, places: int = 1, language: str | None = None) -> str:
    """12,345.6 (or 12.345,6 in Spanish): thousands separated, `places` decimals, as the language writes it."""
    language = language or _language()
    if language == i18n.DEFAULT:
        return f"{value:,.{places}f}"
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return format_decimal(value, format=pattern, locale=language, decimal_quantization=True)


def count(value: float | None) -> str:
    """A whole number: 1,250 (1250 or 12.500 in Spanish)."""
    if value is None or missing(value):
        return EMPTY
    return plain(value, 0)


def percent_sign(text: str) -> str:
    """41.5% in English; 41,5 % (a non-breaking space before the sign) in Spanish."""
    return text + ("%" if _language() == i18n.DEFAULT else "\u00a0%")


def number(value: float | None, places: int = 1) -> str:
    """12,345.6 or −3.2: thousands separated, a true minus sign, EMPTY when missing."""
    if value is None or missing(value):
        return EMPTY
    text = plain(abs(value), places)
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
    return percent_sign(number(value)) if unit == "percent" else number(value)


def amount(value: float | None, unit: str) -> str:
    """A progress metric's value as the Board reads it: 41.5%, $120,000, 1,250."""
    if value is None or missing(value):
        return EMPTY
    if unit == "percent":
        return percent_sign(plain(value, 1))
    if unit == "dollars":
        return "$" + plain(value, 0)
    if unit == "count":
        return plain(value, 0)
    return plain(value, 1)


def measure_value(value: float | None, unit: str) -> str:
    """A Measure of Success's value: as precise as entered (27.7%), large sums in millions."""
    if value is None or missing(value):
        return EMPTY
    english = _language() == i18n.DEFAULT
    if unit == "percent":
        if english:
            return f"{value:,.2f}".rstrip("0").rstrip(".") + "%"
        return percent_sign(format_decimal(round(value, 2), locale=_language()))
    if unit == "dollars":
        if abs(value) >= 1_000_000:
            return f"${value / 1_000_000:,.1f} million" if english else f"${plain(value / 1_000_000, 1)} millones"
        return "$" + plain(value, 0)
    if unit == "count":
        return plain(value, 0) if float(value).is_integer() else plain(value, 1)
    if unit == "points":
        return f"{value:g} pts" if english else f"{format_decimal(value, locale=_language())} pts"
    return f"{value:g}" if english else format_decimal(value, locale=_language())


def long_date(value: date | datetime | str | None) -> str:
    """7 March 2023, from a date, a datetime or an ISO string (a frozen report stores strings)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if _language() != i18n.DEFAULT:
        return format_date(value, format="long", locale=_language())
    return f"{value.day} {value:%B %Y}"


def short_date(value: date | datetime | None) -> str:
    """7 Mar 2023."""
    if value is None:
        return EMPTY
    if _language() != i18n.DEFAULT:
        return format_date(value, format="d MMM y", locale=_language())
    return f"{value.day} {value:%b %Y}"
