"""Numbers read from people, files and links: plain ASCII digits only (no superscripts or other scripts'
digits, which str.isdigit() accepts and int() then refuses), commas only where they group thousands, and
never past what the database holds or a chart can draw."""
import re

from flask_babel import gettext

from portal.kernel.i18n import N_

MAX_ID = 2**63 - 1  # the largest id or count a BIGINT column (PostgreSQL's limit) can hold
MAX_DIGITS = 18  # fewer digits than MAX_ID has, so any accepted number is below it


def parse_int(raw: str | None) -> int | None:
    """A non-negative whole number, or None when `raw` is missing or not plain digits."""
    raw = (raw or "").strip()
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw) > MAX_DIGITS:
        return None
    return int(raw)


MAX_PAGE = 10_000  # no list here has more pages; a larger page is read as the last one asked for


def page_number(raw: str | None) -> int:
    """The page of a paged list: 1 when missing or not a number, at most MAX_PAGE."""
    return max(1, min(MAX_PAGE, parse_int(raw) or 1))


# No count, percentage, score or dollar sum the district reports comes near this; a figure past it is
# a typing slip (or an attempt to break a chart's scale) and is refused where it is typed.
MAX_FIGURE = 1e12
TOO_LARGE = N_("Enter a number between −1,000,000,000,000 and 1,000,000,000,000.")


def within_bounds(value: float) -> bool:
    """A finite figure no larger than MAX_FIGURE either way."""
    return value == value and abs(value) <= MAX_FIGURE


NOT_A_NUMBER = N_("Enter a number, like 62.5 or -20.")
AMBIGUOUS_COMMA = N_("Use a point for decimals, like 1.5; a comma only separates thousands, like 1,500.")

# 1,250 and 12,500.75: commas in the places that group thousands, and nowhere else.
_GROUPED = re.compile(r"[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?", re.ASCII)
_PLAIN = re.compile(r"([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]{1,4})?", re.ASCII)


def ungroup(text: str) -> str | None:
    """`text` without its thousands commas; None when a comma stands anywhere else. "1,5" is 1.5 to a
    Spanish speaker and 15 to a careless parser, so it is refused rather than guessed."""
    if "," not in text:
        return text
    return text.replace(",", "") if _GROUPED.fullmatch(text) else None


def read_figure(raw) -> tuple[float | None, str | None]:
    """A figure as people type or paste it (1,250 · 62.5% · $1,200 · −20), or the message saying why it is
    not one. Blank is (None, None); NaN, infinity and anything past MAX_FIGURE are refused."""
    text = str(raw if raw is not None else "").strip().replace("\u2212", "-")
    if not text:
        return None, None
    sign = -1.0 if text[0] == "-" else 1.0
    if text[0] in "+-":
        text = text[1:].lstrip()
    text = text.removeprefix("$").removesuffix("%").strip()
    plain = ungroup(text)
    if plain is None:
        return None, gettext(AMBIGUOUS_COMMA)
    if not _PLAIN.fullmatch(plain):
        return None, gettext(NOT_A_NUMBER)
    value = sign * float(plain)
    if not within_bounds(value):
        return None, gettext(TOO_LARGE)
    return value, None
