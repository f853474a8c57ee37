"""Board updates for the views: who sees which, the calendar, creating a draft, and the check-ins
a draft can take. Publishing and placing go through progress.publishing and progress.check_ins."""
from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel import clock, formatting
from portal.kernel.access import deny
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.numbers import parse_int
from portal.kernel.policy import SUPERINTENDENTS
from portal.progress import documents, readiness
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Stage, board_update_check_in
from portal.progress.publishing import ANNUAL_REPORT
from portal.strategic_plan import calendar
from portal.strategic_plan.models import BoardUpdateKind


# Who may see drafts, create updates, place check-ins and publish (policy.SUPERINTENDENTS).
def can_edit(user) -> bool:
    return user.role in SUPERINTENDENTS


def short_date(value) -> str:
    """1 Nov 2022, for the as-of dates in tables."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return formatting.short_date(value)


def kinds() -> list[BoardUpdateKind]:
    return list(db.session.scalars(select(BoardUpdateKind).order_by(BoardUpdateKind.position)).all())


def visible_updates(user) -> list[dict]:
    """Every update the user may read, newest meeting first, with its number of initiatives:
    as frozen in the snapshot once published, as placed so far while a draft."""
    stmt = select(BoardUpdate).options(selectinload(BoardUpdate.kind)).order_by(
        BoardUpdate.meeting_date.desc(), BoardUpdate.id.desc())
    if not can_edit(user):
        stmt = stmt.where(BoardUpdate.published_at.is_not(None))
    updates = db.session.scalars(stmt).all()
    placed: dict[int, int] = dict(db.session.execute(
        select(board_update_check_in.c.board_update_id, func.count())
        .group_by(board_update_check_in.c.board_update_id)).all())
    kinds = documents.kinds_by_update([u.id for u in updates if u.published])
    return [{"record": u, "initiatives": (u.snapshot or {}).get("initiative_count", 0) if u.published
             else placed.get(u.id, 0), "documents": kinds.get(u.id, [])} for u in updates]


def update_or_404(update_id: int, user) -> BoardUpdate:
    """A draft is the superintendent's office's work in progress: others get 404, as if absent."""
    update = db.session.get(BoardUpdate, update_id)
    if update is None:
        abort(404)
    if not update.published and not can_edit(user):
        deny(404, "a Board update not yet published")
    return update


def meeting_date_problem(day: date, year: str, kind_code: str) -> str | None:
    """None when a Board meeting on `day` fits an update on the school year `year`: inside that year,
    or for the annual report on a year, in the fall after it ends (to 31 December)."""
    if kind_code != "annual_report":
        return calendar.in_year_problem(day, year, "the meeting date")
    first, last = date(clock.year_start(year) + 1, 7, 1), date(clock.year_start(year) + 1, 12, 31)
    if first <= day <= last:
        return None
    return _("The annual report on %(year)s is given in the fall after the year ends: choose a date between "
             "%(first)s and %(last)s.", year=year, first=long_date(first), last=long_date(last))


def create_update(form, user) -> BoardUpdate | None:
    """Check a BoardUpdateForm (after its own field checks) and create the draft; or put every
    reason at its field, save nothing and return None. The school year is one of the plan's, and the
    meeting falls in it (see meeting_date_problem)."""
    year = (form.school_year.data or "").strip()
    if year and not form.school_year.errors:
        problem = calendar.year_format_problem(year) or calendar.year_problem(year)
        if problem:
            form.school_year.errors.append(problem)
    kind = db.session.get(BoardUpdateKind, form.kind.data) if form.kind.data else None
    if form.kind.data and kind is None and not form.kind.errors:
        form.kind.errors.append(_("Choose one of the kinds of update in the Board calendar."))
    year_ok = bool(year) and not form.school_year.errors
    if kind is not None and year_ok:
        existing = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == kind.code,
                                                               BoardUpdate.school_year == year))
        if existing is not None:
            form.kind.errors.append(_("%(year)s already has its %(kind)s: “%(title)s”. Each kind of update happens "
                                      "once a school year.", year=year, kind=kind.name, title=existing.title))
    if kind is not None and year_ok and form.meeting_date.data is not None and not form.meeting_date.errors:
        problem = meeting_date_problem(form.meeting_date.data, year, kind.code)
        if problem:
            form.meeting_date.errors.append(problem)
    if form.errors or kind is None:  # no kind is always an error at the kind field
        return None
    title = (form.title.data or "").strip() or f"Strategic Plan {kind.name} {year}"
    update = BoardUpdate(kind_code=kind.code, school_year=year, meeting_date=form.meeting_date.data, title=title)
    db.session.add(update)
    try:
        db.session.flush()
        db.session.add(AuditEvent(entity="board_update", entity_id=update.id, action="create", to_state="draft",
                                  actor_id=user.id, actor_role=user.role.value,
                                  details={"kind": kind.code, "school_year": year}))
        db.session.flush()
    except IntegrityError:  # someone created the same kind for the same year a moment ago; the view rolls back
        form.kind.errors.append(_("%(year)s already has its %(kind)s. Each kind of update happens once a school year.",
                                  year=year, kind=kind.name))
        return None
    return update


def placed_check_ins(update: BoardUpdate) -> list[readiness.Ready]:
    """The check-ins in a draft, each flagged when its period is from a school year before the update's."""
    rows = db.session.scalars(select(CheckIn).where(CheckIn.board_updates.any(BoardUpdate.id == update.id)).options(
        selectinload(CheckIn.initiative).selectinload(Initiative.office),
        selectinload(CheckIn.initiative).selectinload(Initiative.priority))).all()
    return [readiness.Ready(c, readiness.school_year_of(c), readiness.is_earlier(c, update.school_year))
            for c in sorted(rows, key=lambda c: (c.initiative.priority.code, c.initiative.name, c.period_end))]


def ready_check_in(raw: str | None) -> CheckIn | None:
    """The check-in a new update is prepared for (`?check_in=` on the form, a hidden field when posted),
    when it is one ready for the Board; None for anything else."""
    check_in_id = parse_int((raw or "").strip())
    check_in = db.session.get(CheckIn, check_in_id) if check_in_id is not None else None
    return check_in if check_in is not None and check_in.stage == Stage.ready else None


def prefill_for(check_in: CheckIn) -> dict[str, str]:
    """What the create form offers for a check-in ready for the Board: the check-in's school year, or the
    current one when that is later, if it is one of the plan's; and the first kind of update on the
    calendar that year has not had yet (never the annual report, which the scorecard assembles)."""
    years = calendar.plan_years()
    later = max(readiness.school_year_of(check_in), clock.current_school_year(), key=clock.year_start)
    year = later if later in years else clock.current_school_year()
    taken = set(db.session.scalars(select(BoardUpdate.kind_code).where(BoardUpdate.school_year == year)))
    kind = next((k.code for k in kinds() if k.code != ANNUAL_REPORT and k.code not in taken), "")
    return {"kind": kind, "school_year": year}
