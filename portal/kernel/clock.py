"""The portal's one clock: the only module that reads the system time, and the school-year arithmetic
built on it. Database timestamps are naive UTC.

Two things can move it. The PORTAL_TODAY setting fixes the date an application believes it is (for the
demo, training and tests; production leaves it unset): the day is that date and the time of day runs
as usual, so the day's events keep their order. `set_now` holds the whole time still inside a block."""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from flask import current_app, has_app_context

# The times the clock is held at, innermost last (set_now blocks nest); empty: the system's time.
_held: list[datetime] = []


def portal_today() -> date | None:
    """The date the application is set to believe it is (PORTAL_TODAY), or None: the real one."""
    return current_app.config.get("PORTAL_TODAY") if has_app_context() else None


def now_aware() -> datetime:
    """The current time, timezone-aware in UTC."""
    if _held:
        return _held[-1]
    real = datetime.now(UTC)
    fixed = portal_today()
    return real if fixed is None else datetime.combine(fixed, real.timetz())


def now() -> datetime:
    """The current time as the database stores it: naive UTC."""
    return now_aware().replace(tzinfo=None)


def today() -> date:
    return now_aware().date()


def timestamp() -> float:
    return now_aware().timestamp()


@contextmanager
def set_now(at: datetime) -> Iterator[None]:
    """Hold the clock at `at` (aware, or naive UTC) inside the block."""
    _held.append(at if at.tzinfo else at.replace(tzinfo=UTC))
    try:
        yield
    finally:
        _held.pop()


# ------------------------------------------------------------------ school years ("2023-24", July to June)

def year_label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def year_start(year: str) -> int:
    """2023 for "2023-24"."""
    return int(year[:4])


def school_year_of(day: date) -> str:
    return year_label(day.year if day.month >= 7 else day.year - 1)


def current_school_year(on: date | None = None) -> str:
    return school_year_of(on or today())
