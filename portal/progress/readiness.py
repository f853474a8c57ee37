"""The one rule for which check-ins are ready for a Board update, and how old each is for an update.

Ready: recorded with the superintendent (stage 3) and in no Board update yet. Measured against an
update's school year, a check-in whose reporting period ended in an earlier school year is "earlier":
every page shows it flagged with its year and none preselects it, so a 2021-22 check-in never slips
into a 2026-27 report unnoticed. The home page, the Board update page, the cycle board and the
check-in page all read this module, so their counts and flags agree."""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel import clock
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Stage


@dataclass(frozen=True)
class Ready:
    """A check-in ready for the Board, as an update of `for_year` sees it."""

    check_in: CheckIn
    school_year: str  # the school year its reporting period ended in
    earlier: bool  # that year is before the update's: flagged, never preselected


def school_year_of(check_in: CheckIn) -> str:
    return clock.school_year_of(check_in.period_end)


def is_earlier(check_in: CheckIn, school_year: str) -> bool:
    """Whether the check-in's reporting period ended before the school year `school_year` began."""
    return clock.year_start(school_year_of(check_in)) < clock.year_start(school_year)


def measured_against(update: BoardUpdate | None) -> str:
    """The school year readiness is measured against: the update's, or the current school year."""
    return update.school_year if update is not None else clock.current_school_year()


def _sort_key(check_in: CheckIn) -> tuple:
    return check_in.initiative.priority.code, check_in.initiative.name, check_in.period_end


def ready_for_board(school_year: str) -> list[Ready]:
    """Every check-in ready for a Board update, those of `school_year` or later first, then the
    earlier ones, each group by priority, initiative and period."""
    rows = db.session.scalars(select(CheckIn).where(CheckIn.stage == Stage.ready).options(
        selectinload(CheckIn.initiative).selectinload(Initiative.office),
        selectinload(CheckIn.initiative).selectinload(Initiative.priority))).all()
    ready = [Ready(c, school_year_of(c), is_earlier(c, school_year)) for c in sorted(rows, key=_sort_key)]
    return [r for r in ready if not r.earlier] + [r for r in ready if r.earlier]


def counts(school_year: str) -> tuple[int, int]:
    """How many check-ins are ready for a Board update of `school_year`, and how many of those are
    from an earlier school year."""
    ready = ready_for_board(school_year)
    return len(ready), sum(1 for r in ready if r.earlier)


def preselect(check_in: CheckIn, drafts: list[BoardUpdate]) -> BoardUpdate | None:
    """The draft a check-in's page offers first: the first of `drafts` its period is not earlier than;
    none when it is earlier than every one (the person chooses)."""
    return next((u for u in drafts if not is_earlier(check_in, u.school_year)), None)
