"""What the rollups read from the database, as DataFrames (one SQL query each)."""

import pandas as pd
from sqlalchemy import String, and_, case, select, type_coerce
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.org.models import Region, School
from portal.progress.check_ins import current_check_ins
from portal.progress.models import Initiative
from portal.strategic_plan.models import Goal, Metric, Pillar, PlanSetting, StudentGroup, Trajectory
from portal.targets.models import Actual, Target, TargetCycle, TargetPlan
from portal.targets.operations import due_cutoff


def settings() -> dict:
    return {s.key: s.value for s in db.session.scalars(select(PlanSetting))}


def metrics_frame() -> pd.DataFrame:
    rows = db.session.execute(
        select(Metric.code, Goal.code.label("goal"), Goal.name.label("goal_name"), Goal.number.label("goal_number"),
               Metric.name, Metric.short_name, Metric.unit, Metric.target_kind, Metric.target_value, Metric.group_gain,
               Metric.group_gain_reading, Metric.levels, Metric.value_min, Metric.value_max, Metric.position,
               Metric.direction)
        .join(Goal).order_by(Goal.number, Metric.position)).all()
    frame = pd.DataFrame([r._asdict() for r in rows])
    if frame.empty:
        return frame
    frame["order"] = range(len(frame))
    return frame.set_index("code")


def trajectory_shares() -> dict[str, list[float]]:
    return {t.code: t.shares for t in db.session.scalars(select(Trajectory).order_by(Trajectory.position))}


def trajectory_names() -> dict[str, str]:
    return {t.code: t.name for t in db.session.scalars(select(Trajectory).order_by(Trajectory.position))}


# ---------------------------------------------------------------- frames

# The plan's status as stored (its enum's value), without building an enum object per row.
STATUS = type_coerce(TargetPlan.status, String).label("status")
SCHOOL_COLUMNS = (School.id.label("school_id"), School.code.label("school_code"), School.name.label("school_name"),
                  Region.code.label("region"), School.level.label("school_level"), School.grade_low, School.grade_high)


def target_rows(cycle: TargetCycle, region_id: int | None = None, school_id: int | None = None) -> pd.DataFrame:
    """Every target of the cycle with its school, region, plan status and student group."""
    stmt = (select(*SCHOOL_COLUMNS, STATUS, Metric.code.label("metric"),
                   StudentGroup.code.label("group"), StudentGroup.name.label("group_name"),
                   StudentGroup.targeted, StudentGroup.sort.label("group_sort"),
                   Target.baseline_value.label("baseline"), Target.baseline_n.label("n"),
                   Target.target_2026.label("target"), Target.trajectory_code.label("trajectory"))
            .select_from(Target).join(TargetPlan, Target.plan_id == TargetPlan.id)
            .join(School, TargetPlan.school_id == School.id).join(Region, School.region_id == Region.id)
            .join(Metric, Target.metric_id == Metric.id).join(StudentGroup, Target.group_id == StudentGroup.id)
            .where(TargetPlan.cycle_id == cycle.id))
    if region_id is not None:
        stmt = stmt.where(School.region_id == region_id)
    if school_id is not None:
        stmt = stmt.where(School.id == school_id)
    frame = _frame(stmt)
    if not frame.empty:
        frame["n"] = frame["n"].fillna(0)
        for col in ("baseline", "target", "n"):
            frame[col] = frame[col].astype(float)
    return frame


def plan_rows(cycle: TargetCycle, region_id: int | None = None) -> pd.DataFrame:
    """Each plan of the cycle with its school; `sent_on_time`: it was last submitted by the due date (a
    returned plan its school had sent in on time is not overdue: targets.operations.is_overdue)."""
    on_time = case((and_(TargetPlan.submitted_at.is_not(None), TargetPlan.submitted_at < due_cutoff(cycle)), 1),
                   else_=0).label("sent_on_time")
    stmt = (select(*SCHOOL_COLUMNS, STATUS, TargetPlan.id.label("plan_id"), TargetPlan.generated.label("generated"),
                   on_time)
            .select_from(TargetPlan).join(School, TargetPlan.school_id == School.id)
            .join(Region, School.region_id == Region.id).where(TargetPlan.cycle_id == cycle.id))
    if region_id is not None:
        stmt = stmt.where(School.region_id == region_id)
    frame = _frame(stmt)
    if not frame.empty:
        frame = frame.rename(columns={"school_code": "code", "school_name": "name"})
    return frame


def actual_rows(school_id: int | None = None, metrics: list[str] | None = None, group: str | None = None,
                region: str | None = None) -> pd.DataFrame:
    stmt = (select(Actual.school_id, School.level.label("school_level"), School.grade_low, School.grade_high,
                   Region.code.label("region"), Metric.code.label("metric"), StudentGroup.code.label("group"),
                   Actual.year, Actual.value, Actual.n_students.label("n"))
            .select_from(Actual).join(School, Actual.school_id == School.id)
            .join(Region, School.region_id == Region.id).join(Metric, Actual.metric_id == Metric.id)
            .join(StudentGroup, Actual.group_id == StudentGroup.id))
    if school_id is not None:
        stmt = stmt.where(Actual.school_id == school_id)
    if metrics is not None:
        stmt = stmt.where(Metric.code.in_(metrics))
    if group is not None:
        stmt = stmt.where(StudentGroup.code == group)
    if region:
        stmt = stmt.where(Region.code == region)
    frame = _frame(stmt)
    if frame.empty:
        return pd.DataFrame(columns=["school_id", "school_level", "grade_low", "grade_high", "region", "metric",
                                     "group", "year", "value", "n"])
    frame["value"] = frame["value"].astype(float)
    frame["n"] = frame["n"].astype(float)
    return frame


def _frame(stmt) -> pd.DataFrame:
    """A query's rows as a DataFrame, column by column (much faster than row objects)."""
    result = db.session.execute(stmt)
    keys = list(result.keys())
    rows = result.all()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    return pd.DataFrame({key: list(values) for key, values in zip(keys, columns, strict=True)}, columns=keys)


# ---------------------------------------------------------------- initiatives

def initiative_grid(office_id: int | None = None) -> list:
    """The 5 pillars and their 20 priorities, each with its initiatives (one office's, when given)
    and their latest check-in: [(pillar, [(priority, [(initiative, check_in or None)])])], in five
    queries."""
    pillars = db.session.scalars(select(Pillar).order_by(Pillar.number)
                                 .options(selectinload(Pillar.priorities))).all()
    stmt = select(Initiative).order_by(Initiative.name).options(selectinload(Initiative.office))
    if office_id is not None:
        stmt = stmt.where(Initiative.office_id == office_id)
    initiatives = db.session.scalars(stmt).all()
    latest = current_check_ins(list(initiatives))
    by_priority: dict = {}
    for initiative in initiatives:
        by_priority.setdefault(initiative.priority_id, []).append((initiative, latest.get(initiative.id)))
    return [(pillar, [(priority, by_priority.get(priority.id, [])) for priority in pillar.priorities])
            for pillar in pillars]
