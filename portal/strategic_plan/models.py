"""The Strategic Plan as data: goals and metrics, baselines, pillars to measures, trajectories."""

from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.kernel import formatting
from portal.kernel.plans import PlanOwned

if TYPE_CHECKING:  # the values live with the measures feature, which builds on the plan
    from portal.measures.models import MeasureValue


class PlanSetting(PlanOwned, Model):
    """Plan-wide values (baseline year, mission, ...) keyed by name, one set per plan."""

    __table_args__ = (UniqueConstraint("strategic_plan_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60))
    value: Mapped[dict | list | str | None] = mapped_column(JSON)


class Goal(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("strategic_plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30))
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    headline: Mapped[str] = mapped_column(String(20))
    statement: Mapped[str] = mapped_column(Text)

    metrics: Mapped[list["Metric"]] = relationship(back_populates="goal", order_by="Metric.position")


class Metric(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("strategic_plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    goal_id: Mapped[int] = mapped_column(ForeignKey("goal.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(120))
    short_name: Mapped[str] = mapped_column(String(40))
    measure: Mapped[str] = mapped_column(Text, default="")
    unit: Mapped[str] = mapped_column(String(12))  # percent | dfs
    direction: Mapped[str] = mapped_column(String(8), default="up")
    target_kind: Mapped[str] = mapped_column(String(12))  # absolute | gain
    target_value: Mapped[float]
    group_gain: Mapped[float]
    group_gain_reading: Mapped[str] = mapped_column(String(24), default="points")
    levels: Mapped[list] = mapped_column(JSON, default=list)
    value_min: Mapped[float]
    value_max: Mapped[float]
    source: Mapped[str] = mapped_column(String(200), default="")

    goal: Mapped[Goal] = relationship(back_populates="metrics")

    @property
    def unit_label(self) -> str:
        return "%" if self.unit == "percent" else " pts"

    @property
    def target_label(self) -> str:
        if self.target_kind == "absolute":
            value = f"{self.target_value:g}"
            return formatting.percent_sign(value) if self.unit == "percent" else value
        suffix = " pts" if self.unit == "dfs" else " pts"
        return f"+{self.target_value:g}{suffix}"

    @property
    def group_target_label(self) -> str:
        if self.group_gain_reading == "percent_of_baseline":
            return gettext("%(gain)s growth", gain=formatting.percent_sign(f"+{self.group_gain:g}"))
        return f"+{self.group_gain:g} pts"


class StudentGroup(Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    short_name: Mapped[str] = mapped_column(String(30))
    targeted: Mapped[bool] = mapped_column(default=True)
    sort: Mapped[int] = mapped_column(default=0)


class SchoolLevel(Model):
    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    grades: Mapped[str] = mapped_column(String(40))
    band_low: Mapped[int | None]
    band_high: Mapped[int | None]
    sort: Mapped[int] = mapped_column(default=0)


class Baseline(PlanOwned, Model):
    """A metric's value for one student group in one year, for the district or one school."""

    __table_args__ = (
        UniqueConstraint("metric_id", "group_id", "school_id", "level", "year", name="uq_baseline_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("student_group.id"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("school.id"), index=True)
    # For district SEL tables: the school level the row describes; blank otherwise.
    level: Mapped[str] = mapped_column(String(12), default="")
    year: Mapped[str] = mapped_column(String(7))
    value: Mapped[float]
    n_students: Mapped[int | None]
    source: Mapped[str] = mapped_column(String(200), default="")
    generated: Mapped[bool] = mapped_column(default=False)  # a school baseline made up for the demo

    metric: Mapped[Metric] = relationship()
    group: Mapped[StudentGroup] = relationship()


class Pillar(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("strategic_plan_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    tagline: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")

    priorities: Mapped[list["Priority"]] = relationship(back_populates="pillar", order_by="Priority.code")


class Priority(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("strategic_plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4))
    pillar_id: Mapped[int] = mapped_column(ForeignKey("pillar.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    our_priority: Mapped[str] = mapped_column(Text)
    why_this_matters: Mapped[str] = mapped_column(Text)

    pillar: Mapped[Pillar] = relationship(back_populates="priorities")
    strategies: Mapped[list["Strategy"]] = relationship(order_by="Strategy.position", cascade="all, delete-orphan")
    measures: Mapped[list["Measure"]] = relationship(order_by="Measure.position", cascade="all, delete-orphan")
    resources: Mapped[list["Resource"]] = relationship(order_by="Resource.position", cascade="all, delete-orphan")


class Strategy(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("priority_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)


class Resource(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("priority_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))


class Trajectory(PlanOwned, Model):
    """A path to 2026 as the share of the total gain reached by the end of each year."""

    __table_args__ = (UniqueConstraint("strategic_plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    shares: Mapped[list] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(default=0)


class GraduateAttribute(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("strategic_plan_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(80))
    bullets: Mapped[list] = mapped_column(JSON)


class CoreBelief(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("strategic_plan_id", "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)


class Measure(PlanOwned, Model):
    """A Measure of Success: 'By 2026, we will ...'."""

    __table_args__ = (UniqueConstraint("strategic_plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8))
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id"), index=True)
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(12), default="text")
    direction: Mapped[str] = mapped_column(String(12), default="increase")
    baseline_value: Mapped[float | None]
    baseline_year: Mapped[str | None] = mapped_column(String(7))
    target_value: Mapped[float | None]
    # How the plan states the target: a level to reach, a gain in the measure's unit, or a percent
    # change; target_per is "year" where the plan says "annually".
    target_kind: Mapped[str] = mapped_column(String(16), default="level", server_default="level")
    target_per: Mapped[str] = mapped_column(String(8), default="", server_default="")
    subtargets: Mapped[list] = mapped_column(JSON, default=list)
    owner_office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    # A check-in metric that measures the same quantity feeds this measure (no typing it twice).
    feed_metric_id: Mapped[int | None] = mapped_column(ForeignKey("progress_metric.id"))
    feed_breakdown: Mapped[str] = mapped_column(String(80), default="", server_default="")

    priority: Mapped[Priority] = relationship(back_populates="measures")
    owner_office = relationship("Office")
    values: Mapped[list["MeasureValue"]] = relationship(back_populates="measure", order_by="MeasureValue.year",
                                                        cascade="all, delete-orphan")


class BoardUpdateKind(Model):
    """A slot in the Board update calendar: initial (October), mid-year (March), ..."""

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    month: Mapped[int]
    season: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)


class BoardMeeting(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("kind_code", "school_year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind_code: Mapped[str] = mapped_column(ForeignKey("board_update_kind.code"))
    school_year: Mapped[str] = mapped_column(String(7))
    date: Mapped[date]

    kind: Mapped[BoardUpdateKind] = relationship()
