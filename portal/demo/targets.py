"""Demo target plans: an open cycle with plans in every state, as a district would see it a few
days after the due date (some approved, some waiting for review, some returned, some late)."""
import random
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from portal.demo.sampling import pick_weighted
from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import School, User
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets.guardrails import plan_target
from portal.targets.models import CycleKind, PlanStatus, Target, TargetPlan
from portal.targets.operations import create_cycle, today

STATE_MIX = [(PlanStatus.not_started, 0.10), (PlanStatus.draft, 0.18), (PlanStatus.submitted, 0.30),
             (PlanStatus.returned, 0.08), (PlanStatus.approved, 0.34)]
# The March 2023 update showed most schools choosing a linear path, then step-up.
TRAJECTORY_MIX = [("linear", 0.46), ("step_up", 0.27), ("aggressive", 0.14), ("delayed", 0.13)]
RETURN_COMMENTS = [
    "Please raise the English Learner targets: they should close the gap faster than schoolwide.",
    "The math 3-5 target for Students with Disabilities is below baseline. Add a rationale or raise it.",
    "Good start. Choose a trajectory for every row before resubmitting.",
    "The SEL targets look low compared with similar schools in the region; please revisit.",
]
RATIONALES = [
    "Our cohort this year has many newcomers; we expect slower growth in the first two years.",
    "Enrolment is shifting; we set a realistic target and will revisit after the fall data.",
    "We are adding a reading intervention block and expect the gains to arrive in the later years.",
]


def build_demo_targets(rng: random.Random) -> None:
    now = today()
    cycle = create_cycle("2022-23", CycleKind.trajectory, "2025-26 targets with a trajectory",
                         opens_on=now - timedelta(days=45), due_on=now - timedelta(days=3),
                         closes_on=now + timedelta(days=14))
    db.session.flush()
    metrics = {m.id: m for m in db.session.scalars(select(Metric))}
    groups = {g.id: g for g in db.session.scalars(select(StudentGroup))}
    principals = dict(db.session.execute(select(User.school_id, User.id).where(User.role == Role.principal)).all())
    leaders = dict(db.session.execute(select(User.region_id, User.id).where(User.role == Role.regional_leader)).all())
    plans = db.session.execute(select(TargetPlan.id, TargetPlan.school_id, School.region_id)
                               .join(School).where(TargetPlan.cycle_id == cycle.id)).all()
    rows_by_plan: dict[int, list] = {}
    for t in db.session.execute(select(Target.id, Target.plan_id, Target.metric_id, Target.group_id,
                                       Target.baseline_value, Target.baseline_n)
                                .join(TargetPlan).where(TargetPlan.cycle_id == cycle.id)):
        rows_by_plan.setdefault(t.plan_id, []).append(t)

    target_updates: list[dict[str, Any]] = []
    plan_updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    base_time = datetime.combine(cycle.opens_on, datetime.min.time())
    for plan in plans:
        status = pick_weighted(rng, STATE_MIX)
        if status == PlanStatus.not_started:
            continue
        principal = principals.get(plan.school_id)
        leader = leaders.get(plan.region_id)
        trajectory = pick_weighted(rng, TRAJECTORY_MIX)
        started = base_time + timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
        filled = 0
        for row in rows_by_plan.get(plan.id, []):
            metric, group = metrics[row.metric_id], groups[row.group_id]
            if status == PlanStatus.draft and rng.random() < 0.4:
                continue
            if group.targeted and (row.baseline_n or 0) < 11 and rng.random() < 0.7:
                continue
            wanted = plan_target(metric, row.baseline_value, group.targeted)
            spread = 6.0 if metric.unit == "dfs" else 2.5
            value = round(min(metric.value_max, max(metric.value_min, wanted + rng.gauss(0.5, spread))), 1)
            rationale = ""
            if value < wanted:
                rationale = rng.choice(RATIONALES)
            target_updates.append({"tid": row.id, "target_2026": value,
                                   "trajectory_code": trajectory if rng.random() < 0.85 else pick_weighted(rng, TRAJECTORY_MIX),
                                   "rationale": rationale})
            filled += 1
        at = started
        history: list[tuple[str, PlanStatus, PlanStatus, str | None, int | None, Role]] = [
            ("edit", PlanStatus.not_started, PlanStatus.draft, None, principal, Role.principal)]
        if status in (PlanStatus.submitted, PlanStatus.returned, PlanStatus.approved):
            history.append(("submit", PlanStatus.draft, PlanStatus.submitted, None, principal, Role.principal))
        if status == PlanStatus.returned:
            history.append(("return", PlanStatus.submitted, PlanStatus.returned, rng.choice(RETURN_COMMENTS),
                            leader, Role.regional_leader))
        if status == PlanStatus.approved:
            if rng.random() < 0.2:
                history.append(("return", PlanStatus.submitted, PlanStatus.returned, rng.choice(RETURN_COMMENTS),
                                leader, Role.regional_leader))
                history.append(("submit", PlanStatus.returned, PlanStatus.submitted, None, principal, Role.principal))
            history.append(("approve", PlanStatus.submitted, PlanStatus.approved, None, leader, Role.regional_leader))
        submitted_at = decided_at = None
        for action, before, after, comment, actor, role in history:
            at += timedelta(days=rng.randint(0, 3), hours=rng.randint(1, 8))
            events.append({"entity": "target_plan", "entity_id": plan.id, "action": action,
                           "from_state": before.value, "to_state": after.value, "comment": comment,
                           "details": {"snapshot": {}} if action == "return" else
                           ({"rows_filled": filled} if action == "edit" else None),
                           "actor_id": actor, "actor_role": role.value, "at": at})
            if action == "submit":
                submitted_at = at
            if action in ("approve", "return"):
                decided_at = at
        plan_updates.append({"pid": plan.id, "status": status, "version": len(history) + 1, "updated_at": at,
                             "submitted_at": submitted_at, "decided_at": decided_at,
                             "updated_by_id": principal if history[-1][5] == Role.principal else leader})
    conn = db.session.connection()
    if target_updates:
        table = cast(Table, Target.__table__)  # a declarative model's __table__ is a Table
        conn.execute(update(table).where(table.c.id == bindparam("tid")).values(
            target_2026=bindparam("target_2026"), trajectory_code=bindparam("trajectory_code"),
            rationale=bindparam("rationale")), target_updates)
    if plan_updates:
        table = cast(Table, TargetPlan.__table__)
        conn.execute(update(table).where(table.c.id == bindparam("pid")).values(
            status=bindparam("status"), version=bindparam("version"), updated_at=bindparam("updated_at"),
            submitted_at=bindparam("submitted_at"), decided_at=bindparam("decided_at"),
            updated_by_id=bindparam("updated_by_id")), plan_updates)
    if events:
        db.session.execute(insert(AuditEvent), events)


