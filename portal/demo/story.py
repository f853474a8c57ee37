"""The demo district's calendar: the story the demo tells is the plan's own, as of the portal's date
(clock.today(), which PORTAL_TODAY fixes). The plan's school years bound it; every date the demo writes
falls inside them and on or before that day, except the open cycle's due and closing dates, a Board
meeting already on the calendar (a draft update being prepared for it) and the last day of the check-in
period open that day."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.strategic_plan.models import BoardMeeting, BoardUpdateKind
from portal.strategic_plan.settings import setting

EXAMPLE_TODAY = "2024-10-15"
TUESDAY = 1


class DemoError(RuntimeError):
    pass


@dataclass(frozen=True)
class Story:
    """The day the demo is built for and the plan's school years ("2022-23" ... "2025-26")."""

    today: date
    years: tuple[str, ...]

    @property
    def first_day(self) -> date:
        return date(clock.year_start(self.years[0]), 7, 1)

    @property
    def last_day(self) -> date:
        return date(clock.year_start(self.years[-1]) + 1, 6, 30)

    @property
    def current_year(self) -> str:
        return clock.school_year_of(self.today)

    @property
    def past_years(self) -> list[str]:
        """The plan's school years already over."""
        return [y for y in self.years if year_end(y) < self.today]

    @property
    def started_years(self) -> list[str]:
        """The plan's school years begun by today (the past ones and this one)."""
        return [y for y in self.years if year_first(y) <= self.today]

    def happened(self, day: date) -> bool:
        return self.first_day <= day <= self.today

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        """A time of day on `day`, never after the portal's day (a day that has not come is clamped to yesterday's)."""
        return datetime.combine(min(day, self.today - timedelta(days=1)), time(hour, minute))


def year_first(year: str) -> date:
    return date(clock.year_start(year), 7, 1)


def year_end(year: str) -> date:
    return date(clock.year_start(year) + 1, 6, 30)


def story_for(today: date | None = None) -> Story:
    """The story as of `today` (the portal's date); refused when that day is outside the plan's years."""
    years = tuple(setting("trajectory_years", []) or ())
    if not years:
        raise DemoError("Load the plan first: flask seed")
    day = today or clock.today()
    story = Story(day, years)
    if not story.first_day <= day <= story.last_day:
        raise DemoError(
            f"The demo district tells the story of the {years[0]} to {years[-1]} plan, and the portal's date "
            f"({day.isoformat()}) is outside those school years ({story.first_day.isoformat()} to "
            f"{story.last_day.isoformat()}): set PORTAL_TODAY, e.g. PORTAL_TODAY={EXAMPLE_TODAY}.")
    return story


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


@dataclass(frozen=True)
class Meeting:
    kind: str
    name: str
    school_year: str
    day: date
    dated_by_district: bool  # the documents date it (seed/board_calendar.yaml meetings)


def board_meetings(story: Story) -> list[Meeting]:
    """The plan's Board calendar (initial update in October, mid-year in March, end of year in June, the
    annual report on the year before in the fall), school year by school year, up to the next meeting
    after today. A meeting the documents date keeps its date; the others fall on the fourth Tuesday of
    their month. The annual report of the plan's first year comes in the fall of its second."""
    kinds = list(db.session.scalars(select(BoardUpdateKind).order_by(BoardUpdateKind.position)))
    dated = {(m.kind_code, m.school_year): m.date for m in db.session.scalars(select(BoardMeeting))}
    out = []
    for year in story.years:
        start = clock.year_start(year)
        for kind in kinds:
            on_year = year
            if kind.code == "annual_report":  # the report on the year before, in this one's fall
                index = story.years.index(year)
                if index == 0:
                    continue
                on_year = story.years[index - 1]
            calendar_year = start if kind.month >= 7 else start + 1
            day = dated.get((kind.code, on_year)) or nth_weekday(calendar_year, kind.month, TUESDAY, 4)
            out.append(Meeting(kind.code, kind.name, on_year, day, (kind.code, on_year) in dated))
    out.sort(key=lambda m: m.day)
    held = [m for m in out if m.day <= story.today]
    coming = [m for m in out if m.day > story.today and m.day <= story.last_day][:1]
    return held + coming


@dataclass(frozen=True)
class Period:
    """A reporting period of the progress monitoring cycle, ending before the Board meeting it feeds."""

    name: str
    end: date
    meeting: Meeting


PERIOD_NAMES = {"initial": "Fall {start}", "mid_year": "Mid-year {year}", "end_of_year": "End of year {year}"}


def reporting_periods(story: Story, meetings: list[Meeting]) -> list[Period]:
    """One period for each Board update that reports check-ins (not the annual reports), ending with the
    month before its meeting."""
    out = []
    for meeting in meetings:
        if meeting.kind not in PERIOD_NAMES:
            continue
        end = meeting.day.replace(day=1) - timedelta(days=1)
        if end > story.today:
            continue
        name = PERIOD_NAMES[meeting.kind].format(start=clock.year_start(meeting.school_year), year=meeting.school_year)
        out.append(Period(name, end, meeting))
    return out


def next_period(story: Story) -> Period | None:
    """The reporting period after the last one ended by today (the one open now), or None after the plan's last."""
    later = Story(story.last_day, story.years)
    return next((p for p in reporting_periods(later, board_meetings(later)) if p.end > story.today), None)


def calendar_of(ended: list[tuple[str, date]], story: Story) -> list[tuple[str, date, date]]:
    """The check-in calendar of the periods check-ins name (name, last day), and of the next period: each
    opens the day after the last day before its own (the first on the plan's first day)."""
    coming = next_period(story)
    named = dict(ended)
    if coming is not None and coming.name not in named:
        named[coming.name] = coming.end
    ends = sorted(set(named.values()))
    opens = {end: (ends[i - 1] + timedelta(days=1) if i else story.first_day) for i, end in enumerate(ends)}
    return sorted(((name, opens[end], end) for name, end in named.items()), key=lambda p: (p[2], p[0]))
