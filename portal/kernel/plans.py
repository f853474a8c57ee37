"""Which Strategic Plan a request reads and writes.

The portal holds every plan the district has adopted. Each record that belongs to one plan (its
goals, measures, cycles, check-ins, Board updates, ...) carries `strategic_plan_id` through the PlanOwned
mixin, and every ORM query a session runs sees only the plan in scope: the current plan, or an
earlier (or upcoming) plan a reader chose at /plans. Only the current plan can change: a write to
a record of any other plan is refused when the session flushes (PlanReadOnly), and the request
hook refuses every unsafe request while another plan is in view, before any work is done.

The plan in scope is resolved once per application context and kept on `flask.g`; `forget()`
drops it after a plan is loaded or made current.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from flask import g, has_app_context, has_request_context, session
from flask_babel import gettext
from sqlalchemy import Boolean, ForeignKey, String, event, select
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, declared_attr, mapped_column, with_loader_criteria

from portal.extensions import Model, db
from portal.kernel import clock

SESSION_KEY = "plan"  # the code of the plan a reader chose at /plans; absent for the current plan
ALL_PLANS = "all_plans"  # execution option: this query reads across plans (the plan list, a loader)


class _Span:
    """Dates and states every view of a plan shares (the model and the per-request summary)."""

    first_year: str
    last_year: str

    @property
    def first_day(self) -> date:
        return date(int(self.first_year[:4]), 7, 1)

    @property
    def last_day(self) -> date:
        return date(int(self.first_year[:2] + self.last_year[5:7]), 6, 30)

    def ended(self, today: date) -> bool:
        return today > self.last_day

    def upcoming(self, today: date) -> bool:
        return today < self.first_day

    @property
    def span(self) -> str:
        """2022–2026: the calendar years the plan runs between."""
        return f"{self.first_day.year}–{self.last_day.year}"


class StrategicPlan(_Span, Model):
    """One adopted Strategic Plan: its name, its school years and whether it is the current one."""

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # its span, like 2022-26
    name: Mapped[str] = mapped_column(String(160))
    first_year: Mapped[str] = mapped_column(String(7))
    last_year: Mapped[str] = mapped_column(String(7))
    adopted_on: Mapped[date | None]
    folder: Mapped[str] = mapped_column(String(300), default="")  # the seed folder it was loaded from
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


@dataclass(frozen=True)
class PlanInfo(_Span):
    """What a request knows of a plan, read once per application context."""

    id: int
    code: str
    name: str
    first_year: str
    last_year: str
    is_current: bool


class PlanReadOnly(Exception):
    """A change to a plan that is not the current one."""

    def __init__(self, plan: StrategicPlan | None):
        self.plan = plan
        super().__init__(refusal(plan))


def refusal(plan: "StrategicPlan | PlanInfo | None") -> str:
    if plan is None:
        return gettext("That belongs to a Strategic Plan that is not the current one, so it can't be changed.")
    if plan.upcoming(clock.today()):
        return gettext("%(plan)s is not the current plan yet, so it can't be changed. An administrator makes it "
                       "current at Administration → Strategic Plans.", plan=plan.name)
    if plan.ended(clock.today()):
        return gettext("%(plan)s has ended and is kept as it was: it can be read but no longer changed.",
                       plan=plan.name)
    return gettext("%(plan)s is no longer the current plan, so it can be read but no longer changed.", plan=plan.name)


def _plan_in_scope_default(context) -> int | None:
    return in_scope_id(context.connection)


class PlanOwned:
    """A record that belongs to one Strategic Plan; queries see only the plan in scope."""

    @declared_attr
    def strategic_plan_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("strategic_plan.id"), index=True, default=_plan_in_scope_default)


def _plans(connection=None) -> list[PlanInfo]:
    """Every plan, read with Core so no ORM hook runs."""
    table = StrategicPlan.__table__
    stmt = select(table.c.id, table.c.code, table.c.name, table.c.first_year, table.c.last_year,
                  table.c.is_current).order_by(table.c.first_year)
    conn = connection if connection is not None else db.session.connection()
    return [PlanInfo(*row) for row in conn.execute(stmt)]


def _resolve(connection=None) -> tuple[PlanInfo | None, PlanInfo | None]:
    """(the plan in scope, the current plan), read once per application context."""
    holder = _holder()
    known = getattr(holder, "_plan_scope", None) if holder is not None else None
    if known is not None:
        return known
    every = _plans(connection)
    current_plan = next((p for p in every if p.is_current), None)
    chosen = session.get(SESSION_KEY) if has_request_context() else None
    in_view = next((p for p in every if p.code == chosen), current_plan) if chosen else current_plan
    if in_view is None and every:  # no plan made current yet: the latest loaded
        in_view = every[-1]
    resolved = (in_view, current_plan)
    if holder is not None and every:
        holder._plan_scope = resolved
    return resolved


def _holder():
    """Where the resolved scope is kept: the application context (every request starts by
    forgetting it, as an application context may outlive several requests in tests and shells)."""
    return g._get_current_object() if has_app_context() else None


def in_scope_id(connection=None) -> int | None:
    in_view = _resolve(connection)[0]
    return in_view.id if in_view is not None else None


def in_view() -> PlanInfo | None:
    """The plan this request reads: the current one, or the one the reader chose at /plans."""
    return _resolve()[0]


def current() -> PlanInfo | None:
    return _resolve()[1]


def current_plan() -> StrategicPlan | None:
    info = current()
    return db.session.get(StrategicPlan, info.id) if info is not None else None


def writable() -> bool:
    """Whether the plan in scope may change: it is the current one (or no plan is current yet)."""
    in_view_, current_ = _resolve()
    return current_ is None or in_view_ == current_


def all_plans() -> list[StrategicPlan]:
    return list(db.session.scalars(select(StrategicPlan).order_by(StrategicPlan.first_year)))


def forget() -> None:
    """Drop the resolved scope (after a plan is loaded or made current, or a reader chooses one)."""
    holder = _holder()
    if holder is not None and hasattr(holder, "_plan_scope"):
        del holder._plan_scope


def choose(plan: StrategicPlan | None) -> None:
    """The reader's choice of plan for the rest of the session: None goes back to the current one."""
    if plan is None or plan.is_current:
        session.pop(SESSION_KEY, None)
    else:
        session[SESSION_KEY] = plan.code
    forget()


@contextmanager
def working_on(plan: StrategicPlan) -> Iterator[None]:
    """Read and write `plan` inside the block, current or not: loading a plan from its seed folder."""
    holder = _holder()
    before = getattr(holder, "_plan_scope", None)
    info = PlanInfo(plan.id, plan.code, plan.name, plan.first_year, plan.last_year, True)
    holder._plan_scope = (info, info)
    try:
        yield
    finally:
        if before is None:
            forget()
        else:
            holder._plan_scope = before


def make_current(plan: StrategicPlan) -> None:
    for other in db.session.scalars(select(StrategicPlan).where(StrategicPlan.is_current)):
        other.is_current = False
    db.session.flush()
    plan.is_current = True
    db.session.flush()
    forget()


@event.listens_for(Session, "do_orm_execute")
def _only_the_plan_in_scope(state: ORMExecuteState) -> None:
    """Reads, and bulk updates and deletes, reach only the plan in scope's records.

    Not the reload of an object already loaded (an attribute expired by a commit, say): it carries the
    options of the query that loaded it, the criteria among them. Adding them again would add one more
    copy each time, and every reload of a long-lived object would be slower than the one before."""
    if not (state.is_select or state.is_update or state.is_delete) or state.execution_options.get(ALL_PLANS) \
            or state.is_column_load or not has_app_context():
        return
    plan_id = in_scope_id(state.session.connection())
    if plan_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(PlanOwned, lambda cls: cls.strategic_plan_id == plan_id, include_aliases=True))


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_other_plans(sess: Session, _context, _instances) -> None:
    if not has_app_context():
        return
    in_view_, current_ = _resolve(sess.connection())
    if current_ is None or in_view_ is None:
        return
    for obj in (*sess.new, *sess.dirty, *sess.deleted):
        if not isinstance(obj, PlanOwned):
            continue
        plan_id = obj.strategic_plan_id if obj.strategic_plan_id is not None else in_view_.id
        if plan_id != current_.id:
            plan = sess.execute(select(StrategicPlan).where(StrategicPlan.id == plan_id)).scalar_one_or_none()
            raise PlanReadOnly(plan)

