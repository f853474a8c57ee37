"""The soak tests' district: extra colleagues sharing the demo's work (a second regional leader,
more principals of one school, a second superintendent's-office and office account), plans of the
open target cycle made ready for review, the check-ins of the current period, and what the database
says afterwards. As of the portal's date (2024-10-15) the open cycle is the 2024-25 annual cycle:
its rows take this year's target (`year_target`), not a 2026 target and a trajectory."""
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from portal import create_app
from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.clock import today
from portal.kernel.policy import Role
from portal.org import imports
from portal.org.models import Region, School, User
from portal.progress.check_ins import current_check_ins
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Stage
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets.guardrails import plan_target
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan
from portal.targets.operations import planned_for_year, trajectories
from portal.targets.queries import current_cycle

from .harness import PASSWORD, PORTAL_TODAY

EXTRA_PRINCIPALS = 7
RACE_REGIONS = 2


def open_app(database_url: str):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "soak-reader", "SQLALCHEMY_DATABASE_URI": database_url,
                       "PORTAL_TODAY": PORTAL_TODAY})


@contextmanager
def reading(app):
    with app.app_context():
        try:
            yield db.session
        finally:
            db.session.remove()


@dataclass
class PlanRace:
    plan_id: int
    school: str
    principal: str
    leaders: list[str]
    row_id: int


@dataclass
class CheckInRace:
    check_in_id: int
    name: str
    office_staff: list[str]


@dataclass
class Cast:
    """Who works on what during the soak."""

    plan_races: list[PlanRace] = field(default_factory=list)
    draft_plan_id: int = 0
    draft_row_id: int = 0
    draft_principals: list[str] = field(default_factory=list)
    check_in_races: list[CheckInRace] = field(default_factory=list)
    superintendents: list[str] = field(default_factory=list)
    draft_update_id: int = 0
    draft_plans: list[tuple[int, str, list[int]]] = field(default_factory=list)  # (plan, principal, rows)
    cycle_id: int = 0  # the open cycle every plan above belongs to
    cycle: str = ""
    figure: str = ""  # the row attribute its form's figure is saved to: year_target (annual), target_2026
    period: str = ""  # the check-ins' reporting period (the current one)


def _user(email: str, name: str, role: Role, **scope: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = imports.build_user(email, name, role.value, {"school_code": scope.get("school", ""),
                                                            "region_code": scope.get("region", ""),
                                                            "office_code": scope.get("office", "")})
        user.set_password(PASSWORD)
        db.session.add(user)
    return user


def figure_column(cycle: TargetCycle) -> str:
    """The row attribute a principal types in this cycle: this year's target in an annual cycle,
    the 2026 target (with a trajectory) in a trajectory cycle."""
    return "year_target" if cycle.kind == CycleKind.annual else "target_2026"


def fill_for_review(plan: TargetPlan) -> None:
    """Every row filled, each with a rationale: a plan a principal can submit. In an annual cycle,
    this year's target on the approved path (the baseline where a row has no path); in a
    trajectory cycle, a 2026 target at the district's pace and a trajectory."""
    shares = {code: t.shares for code, t in trajectories().items()}
    for row in db.session.scalars(select(Target).where(Target.plan_id == plan.id)):
        metric = db.session.get(Metric, row.metric_id)
        if plan.cycle.kind == CycleKind.annual:
            wanted = planned_for_year(row, shares)
            wanted = wanted if wanted is not None else row.year_target if row.year_target is not None \
                else row.baseline_value
            row.year_target = round(min(metric.value_max, max(metric.value_min, wanted)), 1)
        else:
            wanted = plan_target(metric, row.baseline_value, row.group.targeted)
            row.target_2026 = round(min(metric.value_max, max(metric.value_min, wanted)), 1)
            row.trajectory_code = "linear"
        row.rationale = "Set at the district's pace after the staff's data review."


def schoolwide_row(plan: TargetPlan) -> int:
    return db.session.scalars(select(Target.id).join(StudentGroup).join(Metric)
                              .where(Target.plan_id == plan.id, Metric.unit == "percent",
                                     StudentGroup.targeted.is_(False)).order_by(Target.id)).first()


def cast_the_district(app) -> Cast:
    """Add the colleagues and pick the plans and check-ins the soak works on."""
    cast = Cast()
    with reading(app):
        cycle = current_cycle()
        assert cycle is not None and cycle.is_open(today()), \
            f"no target cycle is open on the portal's date {today()}: {cycle and cycle.name}"
        cast.cycle_id, cast.cycle, cast.figure = cycle.id, cycle.name, figure_column(cycle)
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
        reviewable = {PlanStatus.submitted, PlanStatus.approved, PlanStatus.returned}
        by_region = []
        for region in regions:
            plans = db.session.scalars(select(TargetPlan).join(School).where(
                TargetPlan.cycle_id == cycle.id, School.region_id == region.id,
                TargetPlan.status.in_(reviewable)).order_by(TargetPlan.id)).all()
            by_region.append((len(plans), region, plans))
        by_region.sort(key=lambda t: (-t[0], t[1].code))
        for _, region, plans in by_region[:RACE_REGIONS]:
            leader = db.session.scalar(select(User.email).where(User.role == Role.regional_leader,
                                                                 User.region_id == region.id).order_by(User.id))
            second = _user(f"leader2.{region.code.lower()}@district.example", f"Deputy leader {region.code}",
                           Role.regional_leader, region=region.code).email
            for plan in plans:
                fill_for_review(plan)
                principal = db.session.scalar(select(User.email).where(User.role == Role.principal,
                                                                       User.school_id == plan.school_id)
                                              .order_by(User.id))
                cast.plan_races.append(PlanRace(plan.id, plan.school.name, principal, [leader, second],
                                                schoolwide_row(plan)))
        raced = {r.plan_id for r in cast.plan_races}
        drafts = db.session.scalars(select(TargetPlan).where(
            TargetPlan.cycle_id == cycle.id,
            TargetPlan.status.in_([PlanStatus.draft, PlanStatus.not_started, PlanStatus.returned]),
            TargetPlan.id.not_in(raced)).order_by(TargetPlan.id)).all()
        shared = drafts[0]
        cast.draft_plan_id, cast.draft_row_id = shared.id, schoolwide_row(shared)
        # The shared row starts blank (nobody has typed in it yet), so that every save the principals
        # make changes it, and the values they write are the only ones it ever holds.
        shared_row = db.session.get(Target, cast.draft_row_id)
        setattr(shared_row, cast.figure, None)
        shared_row.rationale = ""
        school = shared.school
        cast.draft_principals = [db.session.scalar(select(User.email).where(
            User.role == Role.principal, User.school_id == school.id).order_by(User.id))]
        for k in range(EXTRA_PRINCIPALS):
            cast.draft_principals.append(_user(f"p{school.code}.{k + 2}@district.example",
                                               f"Assistant principal {k + 2}", Role.principal,
                                               school=school.code).email)
        for plan in drafts[1:]:
            principal = db.session.scalar(select(User.email).where(User.role == Role.principal,
                                                                   User.school_id == plan.school_id))
            rows = db.session.scalars(select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id)).all()
            if principal and rows:
                cast.draft_plans.append((plan.id, principal, rows))
        cast.superintendents = ["superintendent@district.example",
                                _user("superintendent2@district.example", "Deputy superintendent",
                                      Role.superintendent).email]
        draft_update = db.session.scalar(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))
                                         .order_by(BoardUpdate.meeting_date.desc()))
        cast.draft_update_id = draft_update.id
        # The current period's check-ins: each initiative's latest, all of one period.
        current = sorted(current_check_ins(db.session.scalars(select(Initiative)).all()).values(),
                         key=lambda c: c.id)
        periods = {c.period for c in current}
        assert len(periods) == 1, f"the initiatives' latest check-ins are of several periods: {periods}"
        cast.period = periods.pop()
        for check_in in current:
            in_draft = draft_update in check_in.board_updates
            if check_in.stage in (Stage.sharing,) or (check_in.stage == Stage.board and not in_draft):
                continue
            if check_in.stage in (Stage.ready,) and any(u.published for u in check_in.board_updates):
                continue
            initiative = db.session.get(Initiative, check_in.initiative_id)
            office = initiative.office
            staff = db.session.scalar(select(User.email).where(User.role == Role.central_office,
                                                               User.office_id == office.id).order_by(User.id))
            second = _user(f"office2.{office.code}@district.example", f"{office.name} analyst",
                           Role.central_office, office=office.code).email
            cast.check_in_races.append(CheckInRace(check_in.id, f"{initiative.name}, {check_in.period}",
                                                   [staff or "admin@district.example", second]))
        db.session.commit()
    return cast


# ---------------------------------------------------------------- what the database says

def last_event_id(app) -> int:
    with reading(app) as s:
        return s.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def events_after(app, after: int) -> int:
    """How many audit events were written after event `after` (ids are not gap-free on PostgreSQL)."""
    with reading(app) as s:
        return s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.id > after))


def events_since(app, entity: str, entity_id: int, after: int) -> list[AuditEvent]:
    with reading(app) as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == entity, AuditEvent.entity_id == entity_id,
                                                    AuditEvent.id > after).order_by(AuditEvent.id)).all()
        s.expunge_all()
        return events


def plan_state(app, plan_id: int) -> tuple[PlanStatus, int]:
    with reading(app) as s:
        plan = s.get(TargetPlan, plan_id)
        return plan.status, plan.version


def check_in_state(app, check_in_id: int) -> tuple[Stage, int, list[int]]:
    with reading(app) as s:
        item = s.get(CheckIn, check_in_id)
        return item.stage, item.version, sorted(u.id for u in item.board_updates)


def check_in_feedback(app, check_in_id: int) -> str:
    with reading(app) as s:
        return s.get(CheckIn, check_in_id).supt_feedback


def target_values(app, plan_id: int) -> dict[int, float | None]:
    """Each row's figure, as the plan's cycle asks for it (this year's target in an annual cycle)."""
    with reading(app) as s:
        column = getattr(Target, figure_column(s.get(TargetPlan, plan_id).cycle))
        return dict(s.execute(select(Target.id, column).where(Target.plan_id == plan_id)).all())


def integrity_problems(app) -> list[str]:
    """The database's own consistency check (SQLite); PostgreSQL answers for itself."""
    with reading(app) as s:
        if s.get_bind().dialect.name != "sqlite":
            return []
        found = [r[0] for r in s.execute(text("PRAGMA integrity_check")).all()]
        found += [str(tuple(r)) for r in s.execute(text("PRAGMA foreign_key_check")).all()]
        return [f for f in found if f != "ok"]
