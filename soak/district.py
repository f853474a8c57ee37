"""The soak tests' district: extra colleagues sharing the demo's work (a second regional leader,
more principals of one school, a second superintendent's-office and office account), plans made
ready for review, and what the database says afterwards."""
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, select, text

from portal import create_app
from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org import imports
from portal.org.models import Region, School, User
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Stage
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets.guardrails import plan_target
from portal.targets.models import PlanStatus, Target, TargetPlan

from .harness import PASSWORD

EXTRA_PRINCIPALS = 7
RACE_REGIONS = 2


def open_app(database_url: str):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "soak-reader", "SQLALCHEMY_DATABASE_URI": database_url})


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


def _user(email: str, name: str, role: Role, **scope: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = imports.build_user(email, name, role.value, {"school_code": scope.get("school", ""),
                                                            "region_code": scope.get("region", ""),
                                                            "office_code": scope.get("office", "")})
        user.set_password(PASSWORD)
        db.session.add(user)
    return user


def fill_for_review(plan: TargetPlan) -> None:
    """Every row with a 2026 target, a trajectory and a rationale: a plan a principal can submit."""
    for row in db.session.scalars(select(Target).where(Target.plan_id == plan.id)):
        metric = db.session.get(Metric, row.metric_id)
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
        regions = db.session.scalars(select(Region).order_by(Region.code)).all()
        reviewable = {PlanStatus.submitted, PlanStatus.approved, PlanStatus.returned}
        by_region = []
        for region in regions:
            plans = db.session.scalars(select(TargetPlan).join(School).where(
                School.region_id == region.id, TargetPlan.status.in_(reviewable)).order_by(TargetPlan.id)).all()
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
            TargetPlan.status.in_([PlanStatus.draft, PlanStatus.not_started, PlanStatus.returned]),
            TargetPlan.id.not_in(raced)).order_by(TargetPlan.id)).all()
        shared = drafts[0]
        cast.draft_plan_id, cast.draft_row_id = shared.id, schoolwide_row(shared)
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
        for check_in in db.session.scalars(select(CheckIn).order_by(CheckIn.id)):
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
    with reading(app) as s:
        return dict(s.execute(select(Target.id, Target.target_2026).where(Target.plan_id == plan_id)).all())


def integrity_problems(app) -> list[str]:
    """The database's own consistency check (SQLite); PostgreSQL answers for itself."""
    with reading(app) as s:
        if s.get_bind().dialect.name != "sqlite":
            return []
        found = [r[0] for r in s.execute(text("PRAGMA integrity_check")).all()]
        found += [str(tuple(r)) for r in s.execute(text("PRAGMA foreign_key_check")).all()]
        return [f for f in found if f != "ok"]
