"""Dates people type, read in one place: ISO dates in plain ASCII digits (2024-06-30), each kind kept
to a plausible range so that a slip such as 9999-12-31 or 0001-01-01 is refused at its field instead
of becoming a record's date (a check-in "current" forever, a meeting in the year 1).

The ranges: nothing before 1 January 2000 (the plan's baselines start in 2018-19, and its oldest
figures in 2010-11); a day that has happened (an as-of date, a session or meeting held) no later
than today; the last day of a reporting period at most a year ahead; a planned date (a Board
meeting, a target window) at most two years ahead. Today is the clock's."""
import re
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext
from wtforms.validators import ValidationError

from portal.kernel import clock
from portal.kernel.formatting import long_date

EARLIEST = date(2000, 1, 1)
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February gives 28 February in a common year)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class DateRange:
    """The dates one kind of typed date may take: from `earliest` to `years_ahead` years after today."""

    years_ahead: int
    earliest: date = EARLIEST

    def latest(self) -> date:
        return years_after(clock.today(), self.years_ahead)

    def problem(self, day: date) -> str | None:
        """None when the day is within the range; else the message for its field."""
        latest = self.latest()
        if self.earliest <= day <= latest:
            return None
        if self.years_ahead == 0:
            return gettext("Enter a date between %(earliest)s and today (%(latest)s).",
                           earliest=long_date(self.earliest), latest=long_date(latest))
        return gettext("Enter a date between %(earliest)s and %(latest)s.", earliest=long_date(self.earliest),
                       latest=long_date(latest))


HAPPENED = DateRange(0)  # an as-of date, a sharing session, an update with the superintendent
PERIOD_END = DateRange(1)  # the last day of a check-in's reporting period
PLANNED = DateRange(2)  # a Board meeting, a target cycle's window and its extensions


def read_date(raw: object, within: DateRange, example: str = "2024-06-30") -> tuple[date | None, str | None]:
    """(the date, None); (None, None) when nothing was typed; (None, what is wrong) when what was
    typed is not a date like `example` or lies outside the range."""
    text = str(raw if raw is not None else "").strip()
    if not text:
        return None, None
    day = None
    if ISO_DATE.fullmatch(text):
        try:
            day = date.fromisoformat(text)
        except ValueError:  # 2023-02-30
            day = None
    if day is None:
        return None, gettext("Enter a date like %(date)s.", date=example)
    problem = within.problem(day)
    return (None, problem) if problem else (day, None)


class Within:
    """A WTForms validator: the field's date lies within the range (a blank field is left to the
    field's required check, a date that could not be read to the field itself)."""

    def __init__(self, within: DateRange) -> None:
        self.within = within

    def __call__(self, _form, field) -> None:
        if field.data is not None:
            problem = self.within.problem(field.data)
            if problem:
                raise ValidationError(problem)
