"""Whole numbers read from people and links: plain ASCII digits only (no superscripts or other scripts'
digits, which str.isdigit() accepts and int() then refuses), and never past what the database holds."""

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
TOO_LARGE = "Enter a number between −1,000,000,000,000 and 1,000,000,000,000."


def within_bounds(value: float) -> bool:
    """A finite figure no larger than MAX_FIGURE either way."""
    return value == value and abs(value) <= MAX_FIGURE
