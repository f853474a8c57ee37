"""The portal's one clock: the only module that reads the system time, and the school-year arithmetic
built on it. Database timestamps are naive UTC; `set_now` fixes the time for tests and demos."""
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

# The times the clock is held at, innermost last (set_now blocks nest); empty: the system's time.
_held: list[datetime] = []


def now_aware() -> datetime:
    """The current time, timezone-aware in UTC."""
    return _held[-1] if _held else datetime.now(UTC)


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
