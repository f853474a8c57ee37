"""Board updates for the views: who sees which, the calendar, creating a draft, and the check-ins
a draft can take. Publishing and placing go through progress.publishing and progress.check_ins."""
import re
from datetime import date

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel.access import deny
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import SUPERINTENDENTS
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Stage, board_update_check_in
from portal.strategic_plan.models import BoardUpdateKind

# Who may see drafts, create updates, place check-ins and publish (policy.SUPERINTENDENTS).
YEAR_RE = re.compile(r"20[0-9][0-9]-[0-9][0-9]")


def can_edit(user) -> bool:
    return user.role in SUPERINTENDENTS


def long_date(value) -> str:
    """7 March 2023, from a date, a datetime or an ISO string."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%B %Y}"


def short_date(value) -> str:
    """1 Nov 2022, for the as-of dates in tables."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {value:%b %Y}"


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
    return [{"record": u, "initiatives": (u.snapshot or {}).get("initiative_count", 0) if u.published
             else placed.get(u.id, 0)} for u in updates]


def update_or_404(update_id: int, user) -> BoardUpdate:
    """A draft is the superintendent's office's work in progress: others get 404, as if absent."""
    update = db.session.get(BoardUpdate, update_id)
    if update is None:
        abort(404)
    if not update.published and not can_edit(user):
        deny(404, "a Board update not yet published")
    return update


def school_year_problem(year: str) -> str | None:
    if not YEAR_RE.fullmatch(year) or int(year[5:]) != (int(year[2:4]) + 1) % 100:
        return "Write the school year as two years in a row, like 2026-27."
    return None


def create_update(form, user) -> BoardUpdate | None:
    """Check a BoardUpdateForm (after its own field checks) and create the draft; or put every
    reason at its field, save nothing and return None."""
    year = (form.school_year.data or "").strip()
    if year and not form.school_year.errors:
        problem = school_year_problem(year)
        if problem:
            form.school_year.errors.append(problem)
    kind = db.session.get(BoardUpdateKind, form.kind.data) if form.kind.data else None
    if form.kind.data and kind is None and not form.kind.errors:
        form.kind.errors.append("Choose one of the kinds of update in the Board calendar.")
    year_ok = bool(year) and not form.school_year.errors
    if kind is not None and year_ok:
        existing = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == kind.code,
                                                               BoardUpdate.school_year == year))
        if existing is not None:
            form.kind.errors.append(f"{year} already has its {kind.name}: “{existing.title}”. "
                                    "Each kind of update happens once a school year.")
    if year_ok and form.meeting_date.data is not None and not form.meeting_date.errors:
        start = int(year[:4])
        # The annual report on a school year is given in the fall after it ends.
        if not date(start, 7, 1) <= form.meeting_date.data <= date(start + 1, 12, 31):
            form.meeting_date.errors.append(f"Choose a date between 1 July {start} and 31 December {start + 1} "
                                            f"for an update on the {year} school year.")
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
        form.kind.errors.append(f"{year} already has its {kind.name}. Each kind of update happens once a school year.")
        return None
    return update


def _with_initiative(stmt):
    return stmt.options(selectinload(CheckIn.initiative).selectinload(Initiative.office),
                        selectinload(CheckIn.initiative).selectinload(Initiative.priority))


def ready_check_ins() -> list[CheckIn]:
    """Check-ins recorded with the superintendent (stage 3) and not yet in a Board update."""
    rows = db.session.scalars(_with_initiative(select(CheckIn).where(CheckIn.stage == Stage.ready))).all()
    return sorted(rows, key=lambda c: (c.initiative.priority.code, c.initiative.name, c.period_end))


def placed_check_ins(update: BoardUpdate) -> list[CheckIn]:
    rows = db.session.scalars(_with_initiative(
        select(CheckIn).where(CheckIn.board_updates.any(BoardUpdate.id == update.id)))).all()
    return sorted(rows, key=lambda c: (c.initiative.priority.code, c.initiative.name, c.period_end))
