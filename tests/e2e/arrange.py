"""Records the accessibility and keyboard tests act on, made for them so no other test's rows move:
target plans in Local District Central taken from the start of the unsubmitted ones (as the target
journey does; the unit tests take theirs from the other end), and action plans of their own."""
import uuid
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.progress.initiatives import plans
from portal.progress.initiatives.forms import InitiativeData, MetricData
from portal.models import (Office, PlanStatus, Priority, Region, Role, School, TargetCycle, TargetPlan, User)
from portal.progress import check_ins as checkins
from portal.targets import operations as svc
from portal.targets.guardrails import plan_target
from tests.conftest import ROLE_EMAILS


def unsubmitted_plan_ids(limit: int) -> list[int]:
    return list(db.session.scalars(
        select(TargetPlan.id).join(TargetCycle).join(School).join(Region)
        .where(TargetPlan.status.in_([PlanStatus.not_started, PlanStatus.draft]), Region.code == "C",
               TargetCycle.kind == "trajectory")
        .order_by(TargetPlan.id).limit(limit)))


def principal_email(plan: TargetPlan) -> str:
    return db.session.scalar(select(User.email).where(User.school_id == plan.school_id, User.role == Role.principal,
                                                      User.active.is_(True)).order_by(User.id))


def fill_and_submit(plan: TargetPlan) -> None:
    """Every required row at the plan's own pace on a linear path, then submitted, as its principal."""
    principal = db.session.scalar(select(User).where(User.email == principal_email(plan)))
    for row in svc.load_plan_rows(plan):
        if svc.required(row):
            value = plan_target(row.metric, row.baseline_value, row.group.targeted)
            errors = svc.save_row(plan, row, {"target_2026": str(value), "trajectory": "linear"}, principal,
                                  plan.version)
            assert not errors, errors
    assert not svc.submit(plan, principal, plan.version)


def plan_facts(plan_id: int) -> dict:
    plan = db.session.get(TargetPlan, plan_id)
    rows = [(r.id, plan_target(r.metric, r.baseline_value, r.group.targeted))
            for r in svc.load_plan_rows(plan) if svc.required(r)]
    return {"id": plan.id, "school": plan.school.name, "code": plan.school.code,
            "principal": principal_email(plan), "rows": rows}


def action_plan(name: str, stage: str = "sharing") -> dict:
    """An action plan of the Division of Instruction's with one metric and one check-in, taken to
    `stage`: "sharing" (started, nothing recorded) or "data_review" (values, session and submitted)."""
    office_user = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.central_office]))
    data = InitiativeData(name=f"{name} {uuid.uuid4().hex[:6]}", priority=db.session.scalar(
        select(Priority).where(Priority.code == "1C")), description="Reading tutors in every grade 3 classroom.",
        office=db.session.scalar(select(Office).where(Office.code == "instruction")))
    initiative = plans.create_initiative(data, office_user)
    metric = plans.add_metric(initiative, MetricData(name="Students tutored"), office_user)
    check_in = plans.start_check_in(initiative, "Spring 2031", date(2031, 4, 30), office_user)
    if stage == "data_review":
        assert not checkins.save_check_in(check_in, {f"value-{metric.id}-0": "420", "status": "on_track",
                                                     "narrative": "Tutors placed in all schools."},
                                          office_user, check_in.version)
        assert not checkins.record_sharing(check_in, {"sharing_date": "2031-05-02",
                                                      "sharing_attendees": "Instruction team"},
                                           office_user, check_in.version)
        assert not checkins.submit_update(check_in, office_user, check_in.version)
    return {"initiative_id": initiative.id, "name": initiative.name, "check_in_id": check_in.id,
            "metric_id": metric.id, "period": check_in.period}
