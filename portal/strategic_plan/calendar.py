"""The Strategic Plan's time span: its school years, its first and last day, and the checks that keep a
school year, a date or a name typed in a form inside it, each with the message for the field.

The span is the plan in view's (kernel.plans), read on every call. A school year runs from 1 July to
30 June and is written "2024-25"."""
import re
from datetime import date

from wtforms.validators import StopValidation

from portal.kernel import clock, plans
from portal.kernel.formatting import long_date

YEAR_LABEL = re.compile(r"(20[0-9]{2})-([0-9]{2})")
# A school year as people write it in a name or a label: 2025-26, 2025–26, 2025/26, 2025-2026.
YEAR_IN_TEXT = re.compile(r"(?<![0-9])(20[0-9]{2})\s*[-–—/]\s*(20)?([0-9]{2})(?![0-9])")
CALENDAR_YEAR_IN_TEXT = re.compile(r"(?<![0-9])(20[0-9]{2})(?![0-9])")


def plan_years() -> list[str]:
    """The plan in view's school years in order ("2022-23" ... "2025-26")."""
    plan = plans.in_view()
    if plan is None:
        return []
    return [clock.year_label(start) for start in range(clock.year_start(plan.first_year),
                                                       clock.year_start(plan.last_year) + 1)]


def year_first_day(year: str) -> date:
    return date(clock.year_start(year), 7, 1)


def year_last_day(year: str) -> date:
    return date(clock.year_start(year) + 1, 6, 30)


def first_day() -> date | None:
    """1 July of the plan's first school year (None when no plan is loaded)."""
    years = plan_years()
    return year_first_day(years[0]) if years else None


def last_day() -> date | None:
    """30 June of the plan's last school year (None when no plan is loaded)."""
    years = plan_years()
    return year_last_day(years[-1]) if years else None


def target_calendar_year() -> int | None:
    """The calendar year the plan's goals are set for (2026: its last school year ends then)."""
    end = last_day()
    return end.year if end else None


def plan_title() -> str:
    """The plan as a sentence names it, by its years ("the 2022–2026 plan")."""
    plan = plans.in_view()
    return f"the {plan.span} plan" if plan is not None else "the Strategic Plan"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


NO_PLAN = "No Strategic Plan is loaded yet, so no date can be placed in one. Load the plan first."


def year_format_problem(text: str) -> str | None:
    """None when `text` is a school year written like 2024-25; else the message for its field."""
    match = YEAR_LABEL.fullmatch(text or "")
    if match and int(match.group(2)) == (int(match.group(1)) + 1) % 100:
        return None
    return f"Write the school year as two years in a row, like {example_year()}."


def year_problem(year: str) -> str | None:
    """None when `year` is one of the plan's school years; else the message for its field."""
    years = plan_years()
    if not years:
        return NO_PLAN
    if year in years:
        return None
    return f"{_sentence(plan_title())} runs from {years[0]} to {years[-1]}; choose a school year in it."


def date_problem(day: date) -> str | None:
    """None when `day` falls inside the plan's school years; else the message for its field."""
    first, last = first_day(), last_day()
    if first is None or last is None:
        return NO_PLAN
    if first <= day <= last:
        return None
    return (f"{_sentence(plan_title())} runs from {long_date(first)} to {long_date(last)}; "
            "choose a date in it.")


def in_year_problem(day: date, year: str, what: str = "a date") -> str | None:
    """None when `day` falls inside the school year `year`; else the message for its field."""
    first, last = year_first_day(year), year_last_day(year)
    if first <= day <= last:
        return None
    return f"Choose {what} in the {year} school year, from {long_date(first)} to {long_date(last)}."


def later_years(year: str) -> list[str]:
    """The plan's school years after `year`."""
    years = plan_years()
    return years[years.index(year) + 1:] if year in years else []


def example_year() -> str:
    """A school year to show in a hint: the plan's year today falls in, or its nearest one."""
    years = plan_years()
    if not years:
        return clock.current_school_year()
    today = clock.current_school_year()
    if today in years:
        return today
    return years[0] if today < years[0] else years[-1]


def example_date(month: int = 3, day: int = 4) -> str:
    """A date of the example school year to show in a hint (4 March by default), like 2025-03-04."""
    start = clock.year_start(example_year())
    return date(start if month >= 7 else start + 1, month, day).isoformat()


def years_named(text: str) -> list[str]:
    """The school years a name or a label spells out ("2025-26 targets" names 2025-26); a span of more
    than one year, like the plan's own "2022-26", names none."""
    found = []
    for match in YEAR_IN_TEXT.finditer(text or ""):
        start, end = int(match.group(1)), int(match.group(3))
        if end == (start + 1) % 100:
            label = clock.year_label(start)
            if label not in found:
                found.append(label)
    return found


def calendar_years_named(text: str) -> list[int]:
    """The calendar years a label names on their own ("Spring 2027" names 2027), apart from those
    inside a school year it spells out."""
    rest = YEAR_IN_TEXT.sub(" ", text or "")
    return sorted({int(y) for y in CALENDAR_YEAR_IN_TEXT.findall(rest)})


class InPlan:
    """A WTForms validator: the field's date falls inside the plan's school years. A date outside is
    refused at the field and not kept, so no later check speaks about it again."""

    def __call__(self, _form, field) -> None:
        if field.data is not None:
            problem = date_problem(field.data)
            if problem:
                field.data = None
                raise StopValidation(problem)
