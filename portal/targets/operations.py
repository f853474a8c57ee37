"""Target plans: creating a cycle's plans, saving a principal's rows, submitting, reviewing,
and the context a reviewer needs (flags, history, changes since return, peers' spread)."""
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import Row, delete, func, insert, select
from sqlalchemy.orm import selectinload

from portal.charts.guard import Undrawn
from portal.charts.svg import PathChart
from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.audit import AuditEvent
from portal.kernel.clock import today
from portal.kernel.formatting import count
from portal.kernel.policy import SMALL_GROUP
from portal.org.models import School
from portal.strategic_plan.levels import applicable_levels, metric_bands
from portal.strategic_plan.models import Baseline, Metric, StudentGroup, Trajectory
from portal.strategic_plan.settings import setting
from portal.strategic_plan.translations import group_name, plan_text
from portal.targets import notices
from portal.targets import workflow as plan_workflow
from portal.targets.guardrails import (
    ERROR,
    blocking,
    check_target,
    check_year_target,
    interim_targets,
    out_of_range,
    parse_number,
)
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan, WindowExtension

MAX_RATIONALE = 2000


def create_cycle(school_year: str, kind, name: str, opens_on: date, due_on: date, closes_on: date) -> TargetCycle:
    """Open a cycle and give every school a plan, each row starting from the school's baseline."""
    cycle = TargetCycle(school_year=school_year, kind=kind, name=name, opens_on=opens_on, due_on=due_on,
                        closes_on=closes_on)
    db.session.add(cycle)
    db.session.flush()
    schools = db.session.execute(select(School.id, School.level, School.grade_low, School.grade_high)).all()
    db.session.execute(insert(TargetPlan), [
        {"cycle_id": cycle.id, "school_id": s.id, "status": PlanStatus.not_started, "version": 1}
        for s in schools])
    plan_ids = dict(db.session.execute(
        select(TargetPlan.school_id, TargetPlan.id).where(TargetPlan.cycle_id == cycle.id)).all())
    rows = build_target_rows(schools, plan_ids)
    if kind == CycleKind.annual:
        prefill_from_trajectory(rows, school_year, {v: k for k, v in plan_ids.items()})
    for start in range(0, len(rows), 20000):
        db.session.execute(insert(Target), rows[start:start + 20000])
    return cycle


def prefill_from_trajectory(rows: list[dict], school_year: str, school_of_plan: dict) -> None:
    """Annual cycles start from each school's approved trajectory: its 2026 target, its path,
    and the path's target for this year (adjustable, with a rationale)."""
    years = setting("trajectory_years", [])
    shares = {t.code: t.shares for t in db.session.scalars(select(Trajectory))}
    approved = {}
    for school_id, metric_id, group_id, target, trajectory, baseline in db.session.execute(
            select(TargetPlan.school_id, Target.metric_id, Target.group_id, Target.target_2026,
                   Target.trajectory_code, Target.baseline_value)
            .join(TargetPlan, Target.plan_id == TargetPlan.id).join(TargetCycle)
            .where(TargetCycle.kind == CycleKind.trajectory, TargetPlan.status == PlanStatus.approved)
            .order_by(TargetCycle.opens_on)):
        approved[(school_id, metric_id, group_id)] = (target, trajectory, baseline)
    for row in rows:
        found = approved.get((school_of_plan[row["plan_id"]], row["metric_id"], row["group_id"]))
        if not found:
            continue
        target, trajectory, baseline = found
        if target is None:
            continue
        row.update(target_2026=target, trajectory_code=trajectory, baseline_value=baseline)
        if trajectory in shares and school_year in years and baseline is not None:
            row["year_target"] = interim_targets(baseline, target, shares[trajectory])[years.index(school_year)]


def path_years() -> list[str]:
    """The school years the trajectories run over, read once per session: every row of a form asks."""
    info = db.session.info
    if "trajectory_years" not in info:
        info["trajectory_years"] = setting("trajectory_years", [])
    return info["trajectory_years"]


def planned_for_year(row: Target, shares: dict) -> float | None:
    """What the approved trajectory gives for the cycle's year (annual cycles)."""
    years = path_years()
    year = row.plan.cycle.school_year
    if row.target_2026 is None or row.baseline_value is None or row.trajectory_code not in shares or year not in years:
        return None
    return interim_targets(row.baseline_value, row.target_2026, shares[row.trajectory_code])[years.index(year)]


def build_target_rows(schools, plan_ids: dict) -> list[dict]:
    """A row per applicable metric x student group with a baseline, for each school's plan."""
    baseline_year = setting("baseline_year", "2021-22")
    bands = metric_bands()
    metrics = db.session.scalars(select(Metric)).all()
    baselines: dict[int, list[Row]] = {}
    for b in db.session.execute(select(Baseline.school_id, Baseline.metric_id, Baseline.group_id, Baseline.value,
                                       Baseline.n_students, Baseline.source)
                                .where(Baseline.school_id.is_not(None), Baseline.year == baseline_year)):
        baselines.setdefault(b.school_id, []).append(b)
    rows = []
    for s in schools:
        levels = applicable_levels(s.level, s.grade_low, s.grade_high, bands)
        wanted = {m.id for m in metrics if set(m.levels) & levels}
        for b in baselines.get(s.id, []):
            if b.metric_id in wanted:
                rows.append({"plan_id": plan_ids[s.id], "metric_id": b.metric_id, "group_id": b.group_id,
                             "baseline_value": b.value, "baseline_year": baseline_year, "baseline_n": b.n_students,
                             "baseline_source": b.source or "", "rationale": ""})
    return rows


def window_open(plan: TargetPlan, on: date | None = None) -> bool:
    on = on or today()
    if plan.cycle.is_open(on):
        return True
    extension = db.session.scalar(select(WindowExtension).where(
        WindowExtension.cycle_id == plan.cycle_id, WindowExtension.school_id == plan.school_id))
    return window_open_on(plan.cycle, extension.until if extension is not None else None, on)


def window_open_on(cycle: TargetCycle, extended_to: date | None, on: date) -> bool:
    """window_open's rule for a school whose extension (its last day, or None) is already read."""
    return cycle.is_open(on) or (extended_to is not None and on <= extended_to)


def extended_windows(cycle: TargetCycle) -> dict[int, date]:
    """Each extended school's last day to edit in the cycle (school id -> day), in one query."""
    return dict(db.session.execute(select(WindowExtension.school_id, WindowExtension.until)
                                   .where(WindowExtension.cycle_id == cycle.id)).all())


def is_overdue(plan: TargetPlan, on: date | None = None) -> bool:
    """The cycle's due date has passed and the plan is with its school, unless the school sent it in by
    the due date and its reviewer returned it: a return after the due date does not make a school late.
    review.queries.overdue_clause and rollups.data.plan_rows say the same in SQL."""
    if (on or today()) <= plan.cycle.due_on or plan.status not in NOT_SUBMITTED:
        return False
    return not (plan.status == PlanStatus.returned and sent_by_due_date(plan.submitted_at, plan.cycle))


NOT_SUBMITTED = (PlanStatus.not_started, PlanStatus.draft, PlanStatus.returned)


def due_cutoff(cycle: TargetCycle) -> datetime:
    """The first moment after the cycle's due date (a plan submitted before it was on time)."""
    return datetime.combine(cycle.due_on + timedelta(days=1), time())


def sent_by_due_date(submitted_at: datetime | None, cycle: TargetCycle) -> bool:
    return submitted_at is not None and submitted_at < due_cutoff(cycle)


def trajectories() -> dict[str, Trajectory]:
    return {t.code: t for t in db.session.scalars(select(Trajectory).order_by(Trajectory.position))}


def load_plan_rows(plan: TargetPlan) -> Sequence[Target]:
    return db.session.scalars(
        select(Target).where(Target.plan_id == plan.id)
        .options(selectinload(Target.metric), selectinload(Target.group))
        .join(Metric).join(StudentGroup).order_by(Metric.goal_id, Metric.position, StudentGroup.sort)
    ).all()


def required(row: Target) -> bool:
    """Schoolwide rows always; a student group when it is not a small group."""
    return not row.group.targeted or (row.baseline_n or 0) >= SMALL_GROUP


@dataclass
class RowView:
    row: Target
    required: bool
    flags: list = field(default_factory=list)
    interims: list[float] = field(default_factory=list)
    gains: list[float] = field(default_factory=list)
    typed: dict = field(default_factory=dict)  # what the person typed, kept when it could not be saved
    errors: dict = field(default_factory=dict)  # field -> message
    planned: float | None = None  # annual cycles: the approved path's value for this year
    # Set by the views for the page: the row's path chart, the school's past results
    # [(year, value), ...] and the region's spread of peers' targets ({q1, median, q3, n}).
    chart: PathChart | Undrawn | None = None  # Undrawn: drawing it failed (charts.guard)
    history: list[tuple[str, float]] = field(default_factory=list)
    peers: dict | None = None


def row_view(row: Target, trajectory_shares: dict, typed: dict | None = None, errors: dict | None = None) -> RowView:
    view = RowView(row, required(row), typed=typed or {}, errors=errors or {})
    target = row.target_2026
    rationale = row.rationale
    trajectory = row.trajectory_code
    if typed:
        parsed, _problem = parse_number(typed.get("target_2026"))
        target = parsed if parsed is not None else None
        rationale = typed.get("rationale", rationale)
        trajectory = typed.get("trajectory", trajectory)
    if row.plan.cycle.kind == CycleKind.annual:
        view.planned = planned_for_year(row, trajectory_shares)
        year_value = row.year_target
        if typed:
            year_value, _problem = parse_number(typed.get("year_target"))
        view.flags = check_year_target(row.metric, view.planned, year_value, rationale)
    else:
        view.flags = check_target(row.metric, row.group.targeted, row.baseline_value, target, rationale)
    refused = any(f.severity == ERROR for f in view.flags)
    if view.errors:  # the field's own error says it once: no second "Fix:" flag for the same value
        view.flags = [f for f in view.flags if f.severity != ERROR]
    if target is not None and row.baseline_value is not None and trajectory in trajectory_shares \
            and not refused and not view.errors:
        view.interims = interim_targets(row.baseline_value, target, trajectory_shares[trajectory])
        previous = [row.baseline_value, *view.interims[:-1]]
        view.gains = [round(b - a, 1) for a, b in zip(previous, view.interims, strict=True)]
    return view


def validate_row_input(row: Target, form: dict, trajectory_codes) -> tuple[dict, dict]:
    """Parse one row's fields. Returns (clean values, errors by field). Annual cycles take this
    year's target; trajectory cycles the 2026 target and a trajectory."""
    errors: dict[str, str] = {}
    clean: dict[str, float | str | None] = {}
    value_field = "year_target" if row.plan.cycle.kind == CycleKind.annual else "target_2026"
    value, problem = parse_number(form.get(value_field))
    if problem:
        errors[value_field] = problem
    elif value is not None and not row.metric.value_min <= value <= row.metric.value_max:
        errors[value_field] = out_of_range(row.metric)
    else:
        clean[value_field] = value
    if value_field == "target_2026":
        trajectory = (form.get("trajectory") or "").strip()
        if trajectory and trajectory not in trajectory_codes:
            errors["trajectory"] = _("Choose one of the four trajectories.")
        else:
            clean["trajectory_code"] = trajectory or None
    rationale = (form.get("rationale") or "").strip()
    if len(rationale) > MAX_RATIONALE:
        errors["rationale"] = _("Keep the rationale under %(num)s characters.", num=count(MAX_RATIONALE))
    else:
        clean["rationale"] = rationale
    return clean, errors


def save_row(plan: TargetPlan, row: Target, form: dict, user, expected_version: int | None) -> dict:
    """Save one row as a draft edit. Raises workflow errors; returns field errors (nothing saved) if any."""
    clean, errors = validate_row_input(row, form, trajectories().keys())
    if errors:
        return errors
    changes = {k: [getattr(row, k), v] for k, v in clean.items() if getattr(row, k) != v}
    if not changes:
        if expected_version is not None and plan.version != expected_version:
            raise workflow.ConflictError(plan_workflow.describe_last_change(plan, user))
        return {}
    for k, (_before, v) in changes.items():
        setattr(row, k, v)
    plan_workflow.apply(plan, "edit", user, expected_version=expected_version, window_open=window_open(plan),
                   details={"target_id": row.id, "metric": row.metric.code, "group": row.group.code,
                            "changes": changes})
    return {}


def save_rows(plan: TargetPlan, rows: Sequence[Target], cleaned: dict[int, dict], user,
              expected_version: int | None) -> bool:
    """Save every row's checked values as one draft edit; False when nothing had changed."""
    changes = {}
    for row in rows:
        diff = {k: [getattr(row, k), v] for k, v in cleaned[row.id].items() if getattr(row, k) != v}
        if diff:
            changes[str(row.id)] = diff
            for k, (_before, v) in diff.items():
                setattr(row, k, v)
    if not changes:
        return False
    plan_workflow.apply(plan, "edit", user, expected_version=expected_version, window_open=window_open(plan),
                        details={"rows": changes})
    return True


def completeness_problems(plan: TargetPlan, rows: Sequence[Target] | None = None) -> list[tuple[Target, str]]:
    rows = rows if rows is not None else load_plan_rows(plan)
    problems: list[tuple[Target, str]] = []
    shares: dict | None = None  # the trajectories, read once when an annual row needs them
    for row in rows:
        if not required(row):
            continue
        words = {"metric": plan_text("metric", row.metric.code, "short_name", row.metric.short_name),
                 "group": group_name(row.group, short=True)}  # Markup when kept in English (lang="en")
        if row.plan.cycle.kind == CycleKind.annual:
            if row.year_target is None:
                problems.append((row, Markup(_("%(metric)s, %(group)s: enter this year's target.")) % words))
                continue
            shares = shares if shares is not None else {t.code: t.shares for t in trajectories().values()}
            for flag in blocking(check_year_target(row.metric, planned_for_year(row, shares), row.year_target,
                                                   row.rationale)):
                problems.append((row, about(words, flag.message)))
            continue
        if row.target_2026 is None:
            problems.append((row, Markup(_("%(metric)s, %(group)s: enter a 2026 target.")) % words))
            continue
        if not row.trajectory_code:
            problems.append((row, Markup(_("%(metric)s, %(group)s: choose a trajectory.")) % words))
        for flag in blocking(check_target(row.metric, row.group.targeted, row.baseline_value, row.target_2026,
                                          row.rationale)):
            problems.append((row, about(words, flag.message)))
    return problems


def about(words: dict, problem: str) -> Markup:
    """A row's problem, named by its metric and student group."""
    return Markup(_("%(metric)s, %(group)s: %(problem)s")) % {**words, "problem": problem}


def submit(plan: TargetPlan, user, expected_version: int | None) -> list[str]:
    problems = completeness_problems(plan)
    if problems:
        return [message for _row, message in problems]
    plan_workflow.apply(plan, "submit", user, expected_version=expected_version, window_open=window_open(plan))
    return []


def snapshot(plan: TargetPlan) -> dict:
    return {str(r.id): {"target_2026": r.target_2026, "trajectory_code": r.trajectory_code,
                        "year_target": r.year_target, "rationale": r.rationale}
            for r in db.session.scalars(select(Target).where(Target.plan_id == plan.id))}


def decide(plan: TargetPlan, action: str, user, comment: str | None, expected_version: int | None):
    """approve / return / reopen. A return keeps a snapshot so the reviewer later sees what changed."""
    details = {"snapshot": snapshot(plan)} if action in ("return", "reopen") else None
    plan_workflow.apply(plan, action, user, comment=comment, expected_version=expected_version, details=details)


def add_comment(plan: TargetPlan, user, text: str) -> None:
    db.session.add(AuditEvent(entity="target_plan", entity_id=plan.id, action="comment", comment=text.strip(),
                              actor_id=user.id, actor_role=user.role.value,
                              from_state=plan.status.value, to_state=plan.status.value))
    db.session.flush()


def history(plan: TargetPlan) -> Sequence[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "target_plan",
                                                       AuditEvent.entity_id == plan.id)
                              .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.id)).all()


def changes_since_return(plan: TargetPlan, rows: Sequence[Target], events: Sequence[AuditEvent]) -> dict | None:
    """Rows whose target, trajectory or rationale differ from the moment the plan was last returned."""
    last_return = next((e for e in reversed(events) if e.action in ("return", "reopen")), None)
    if last_return is None or not last_return.details:
        return None
    before = last_return.details.get("snapshot", {})
    changed = {}
    for row in rows:
        old = before.get(str(row.id))
        if old is None:
            continue
        diff = {k: (old.get(k), getattr(row, k)) for k in ("target_2026", "trajectory_code", "year_target", "rationale")
                if old.get(k) != getattr(row, k)}
        if diff:
            changed[row.id] = diff
    return {"event": last_return, "rows": changed}


def extend_window(cycle: TargetCycle, school: School, until: date, reason: str, admin) -> WindowExtension:
    db.session.execute(delete(WindowExtension).where(WindowExtension.cycle_id == cycle.id,
                                                     WindowExtension.school_id == school.id))
    ext = WindowExtension(cycle_id=cycle.id, school_id=school.id, until=until, reason=reason.strip(),
                          granted_by_id=admin.id)
    db.session.add(ext)
    plan = db.session.scalar(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id,
                                                      TargetPlan.school_id == school.id))
    if plan is not None:
        db.session.add(AuditEvent(entity="target_plan", entity_id=plan.id, action="extend",
                                  comment=f"Window extended to {until:%d %b %Y}: {reason.strip()}",
                                  actor_id=admin.id, actor_role=admin.role.value,
                                  from_state=plan.status.value, to_state=plan.status.value))
    notices.window_extended(cycle, school, plan, until, reason.strip())
    db.session.flush()
    return ext


def status_counts(plans_stmt) -> dict[PlanStatus, int]:
    sub = plans_stmt.subquery()
    counts: dict[PlanStatus, int] = dict(
        db.session.execute(select(sub.c.status, func.count()).group_by(sub.c.status)).all())
    return {status: counts.get(status, 0) for status in PlanStatus}
