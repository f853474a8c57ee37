"""Demo target plans, cycle by cycle as the plan ran them: in its first year (2022-23) every school set
2026 targets with a trajectory; each later year an annual cycle asks for that year's target from the
approved path. Cycles of past years are finished (every plan approved, some after a return and a
resubmission); this year's is open, its due date just past, with plans in every state. The README's
principal has a draft to finish; every region has plans waiting for its leader."""
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update

from portal.demo.sampling import pick_weighted
from portal.demo.story import Story, nth_weekday
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import School, User
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets.forms import cycle_name
from portal.targets.guardrails import plan_target
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan
from portal.targets.operations import create_cycle

S = PlanStatus
OPEN_MIX = [(S.not_started, 0.12), (S.draft, 0.20), (S.submitted, 0.28), (S.returned, 0.08), (S.approved, 0.32)]
RETURNED_THEN_APPROVED = 0.15  # share of a finished cycle's plans approved after one return
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
README_PRINCIPAL = "principal@"


def cycle_dates(story: Story, year: str) -> tuple[date, date, date]:
    """(opens, due, closes). A past year's window ran from mid-September to the end of October; this
    year's opened a month ago and was due a few days ago, and closes in ten days, within the rules a
    person opening the cycle meets: an annual cycle is due by 31 December of its year, and every date
    falls inside the school year."""
    if year != story.current_year:
        opens = nth_weekday(clock.year_start(year), 9, 0, 2)
        due = opens + timedelta(days=32)
        return opens, due, due + timedelta(days=14)
    first, last = date(clock.year_start(year), 7, 1), date(clock.year_start(year) + 1, 6, 30)
    due = max(first, min(story.today - timedelta(days=4), date(clock.year_start(year), 12, 31)))
    opens = min(due, max(first, story.today - timedelta(days=29)))
    return opens, due, max(due, min(story.today + timedelta(days=10), last))


@dataclass
class Cast:
    """Who acts on each school's plans: its principal and its region's leader."""

    principals: dict
    leaders: dict
    region_of: dict[int, int]
    readme_school: int | None


def build_demo_targets(rng: random.Random, story: Story) -> None:
    principals = dict(db.session.execute(select(User.school_id, User.id).where(User.role == Role.principal)).all())
    leaders = dict(db.session.execute(select(User.region_id, User.id).where(User.role == Role.regional_leader)).all())
    region_of = dict(db.session.execute(select(School.id, School.region_id)).all())
    readme = db.session.scalar(select(User.school_id).where(User.email.startswith(README_PRINCIPAL),
                                                            User.role == Role.principal))
    people = Cast(principals, leaders, region_of, readme)
    for index, year in enumerate(story.started_years):
        kind = CycleKind.trajectory if index == 0 else CycleKind.annual
        opens, due, closes = cycle_dates(story, year)
        cycle = create_cycle(year, kind, cycle_name(year, kind), opens_on=opens, due_on=due, closes_on=closes)
        cycle.created_at = datetime.combine(opens, time(7))
        db.session.flush()
        if year == story.current_year:
            states = _open_states(rng, cycle, people)
            end = story.today - timedelta(days=1)
        else:
            states = dict.fromkeys(region_of, S.approved)
            end = closes
        _fill_cycle(rng, cycle, states, people, end)


def _open_states(rng: random.Random, cycle: TargetCycle, people: Cast) -> dict[int, PlanStatus]:
    """This year's plans in every state. The README's principal has a draft; the first other school of
    every region waits for review; any state the draw missed goes to the next schools."""
    schools = sorted(people.region_of)
    states = {school_id: pick_weighted(rng, OPEN_MIX) for school_id in schools}
    forced: set[int] = set()
    if people.readme_school is not None:
        states[people.readme_school] = S.draft
        forced.add(people.readme_school)
    for region in sorted(set(people.region_of.values())):
        first = next((s for s in schools if people.region_of[s] == region and s not in forced), None)
        if first is not None:
            states[first] = S.submitted
            forced.add(first)
    for state in S:
        if state not in states.values():
            spare = next((s for s in schools if s not in forced), None)
            if spare is not None:
                states[spare] = state
                forced.add(spare)
    return states


def _history(rng: random.Random, status: PlanStatus, finished: bool, principal, leader) -> list[tuple]:
    """The moves that took a plan to `status`: (action, from, to, comment, actor, role)."""
    if status == S.not_started:
        return []
    moves: list[tuple] = [("edit", S.not_started, S.draft, None, principal, Role.principal)]
    if status in (S.submitted, S.returned, S.approved):
        moves.append(("submit", S.draft, S.submitted, None, principal, Role.principal))
    if status == S.returned or (status == S.approved and finished and rng.random() < RETURNED_THEN_APPROVED):
        moves.append(("return", S.submitted, S.returned, rng.choice(RETURN_COMMENTS), leader, Role.regional_leader))
        if status == S.approved:
            moves.append(("edit", S.returned, S.returned, None, principal, Role.principal))
            moves.append(("submit", S.returned, S.submitted, None, principal, Role.principal))
    if status == S.approved:
        moves.append(("approve", S.submitted, S.approved, None, leader, Role.regional_leader))
    return moves


def _rows_by_plan(cycle: TargetCycle) -> tuple[Sequence, dict[int, list]]:
    plans = db.session.execute(select(TargetPlan.id, TargetPlan.school_id).where(TargetPlan.cycle_id == cycle.id)
                               .order_by(TargetPlan.school_id)).all()
    rows: dict[int, list] = {}
    for t in db.session.execute(select(Target.id, Target.plan_id, Target.metric_id, Target.group_id,
                                       Target.baseline_value, Target.baseline_n, Target.year_target)
                                .join(TargetPlan).where(TargetPlan.cycle_id == cycle.id)):
        rows.setdefault(t.plan_id, []).append(t)
    return plans, rows


def _row_values(rng: random.Random, cycle: TargetCycle, status: PlanStatus, rows: list, metrics, groups,
                trajectory: str) -> list[dict[str, Any]]:
    """What the principal typed: a 2026 target and a trajectory (first cycle), or this year's target near
    the approved path (annual cycles), with a rationale where the plan asks for one."""
    out = []
    for row in rows:
        metric, group = metrics[row.metric_id], groups[row.group_id]
        if status == S.draft and rng.random() < 0.4:
            continue
        if group.targeted and (row.baseline_n or 0) < 11 and rng.random() < 0.7:
            continue
        spread = 6.0 if metric.unit == "dfs" else 2.5
        if cycle.kind == CycleKind.trajectory:
            wanted = plan_target(metric, row.baseline_value, group.targeted)
            value = round(min(metric.value_max, max(metric.value_min, wanted + rng.gauss(0.5, spread))), 1)
            out.append({"tid": row.id, "target_2026": value,
                        "trajectory_code": trajectory if rng.random() < 0.85 else pick_weighted(rng, TRAJECTORY_MIX),
                        "rationale": rng.choice(RATIONALES) if value < wanted else ""})
        elif row.year_target is not None and rng.random() < 0.3:  # most keep the path's value
            value = round(min(metric.value_max, max(metric.value_min, row.year_target + rng.gauss(0, spread / 2))), 1)
            out.append({"tid": row.id, "year_target": value,
                        "rationale": rng.choice(RATIONALES) if abs(value - row.year_target) >= 0.05 else ""})
    return out


def _fill_cycle(rng: random.Random, cycle: TargetCycle, states: dict[int, PlanStatus], people: Cast,
                end: date) -> None:
    """Write the plans' rows, states and histories in bulk: every move an audit event inside the cycle's
    window (from its opening to `end`)."""
    metrics = {m.id: m for m in db.session.scalars(select(Metric))}
    groups = {g.id: g for g in db.session.scalars(select(StudentGroup))}
    plans, rows_by_plan = _rows_by_plan(cycle)
    finished = end == cycle.closes_on
    start = datetime.combine(cycle.opens_on, time(8))
    last = datetime.combine(end, time(17))
    span_days = max(1, (min(cycle.due_on, end) - cycle.opens_on).days)
    trajectory_rows: list[dict[str, Any]] = []
    annual_rows: list[dict[str, Any]] = []
    plan_updates: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for plan in plans:
        status = states.get(plan.school_id, S.not_started)
        principal = people.principals.get(plan.school_id)
        leader = people.leaders.get(people.region_of[plan.school_id])
        moves = _history(rng, status, finished, principal, leader)
        if not moves:
            continue
        values = _row_values(rng, cycle, status, rows_by_plan.get(plan.id, []), metrics, groups,
                             pick_weighted(rng, TRAJECTORY_MIX))
        (trajectory_rows if cycle.kind == CycleKind.trajectory else annual_rows).extend(values)
        # Spread the moves over the window: the first edit in its first weeks, the rest after it.
        at = start + timedelta(days=rng.randint(0, max(0, span_days - len(moves) * 2)), hours=rng.randint(0, 8))
        step = max(timedelta(hours=2), (last - at) / (len(moves) + 1))
        submitted_at = decided_at = None
        for action, before, after, comment, actor, role in moves:
            at = min(last, at + step * rng.uniform(0.3, 1.0))
            details: dict | None = {"rows_filled": len(values)} if action == "edit" else None
            if action == "return":
                details = {"snapshot": {}}
            events.append({"entity": "target_plan", "entity_id": plan.id, "action": action,
                           "from_state": before.value, "to_state": after.value, "comment": comment,
                           "details": details, "actor_id": actor, "actor_role": role.value, "at": at})
            if action == "submit":
                submitted_at = at
            if action in ("approve", "return"):
                decided_at = at
        plan_updates.append({"pid": plan.id, "status": status, "version": len(moves) + 1, "updated_at": at,
                             "submitted_at": submitted_at, "decided_at": decided_at,
                             "updated_by_id": moves[-1][4], "generated": True})
    conn = db.session.connection()
    table = cast(Table, Target.__table__)  # a declarative model's __table__ is a Table
    if trajectory_rows:
        conn.execute(update(table).where(table.c.id == bindparam("tid")).values(
            target_2026=bindparam("target_2026"), trajectory_code=bindparam("trajectory_code"),
            rationale=bindparam("rationale")), trajectory_rows)
    if annual_rows:
        conn.execute(update(table).where(table.c.id == bindparam("tid")).values(
            year_target=bindparam("year_target"), rationale=bindparam("rationale")), annual_rows)
    if plan_updates:
        plans_table = cast(Table, TargetPlan.__table__)
        conn.execute(update(plans_table).where(plans_table.c.id == bindparam("pid")).values(
            status=bindparam("status"), version=bindparam("version"), updated_at=bindparam("updated_at"),
            submitted_at=bindparam("submitted_at"), decided_at=bindparam("decided_at"),
            updated_by_id=bindparam("updated_by_id"), generated=bindparam("generated")), plan_updates)
    if events:
        db.session.execute(insert(AuditEvent), events)
