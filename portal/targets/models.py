"""School target setting: cycles, each school's target plan, and its targets."""
import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model, db
from portal.kernel import clock
from portal.kernel.i18n import N_
from portal.kernel.plans import PlanOwned
from portal.org.models import School, User
from portal.strategic_plan.models import Metric, StudentGroup


class CycleKind(str, enum.Enum):
    trajectory = "trajectory"  # set the 2026 target and a trajectory to it
    annual = "annual"  # set this year's target, prefilled from the approved trajectory

    @property
    def title(self) -> str:  # type: ignore[override]  # the district's name for it, not str.title()
        return {"trajectory": N_("2026 targets with a trajectory"), "annual": N_("This year's target")}[self.value]


class PlanStatus(str, enum.Enum):
    not_started = "not_started"
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"

    @property
    def title(self) -> str:  # type: ignore[override]  # the district's name for it, not str.title()
        return {"not_started": N_("Not started"), "draft": N_("Draft"), "submitted": N_("Submitted"),
                "returned": N_("Returned for revision"), "approved": N_("Approved")}[self.value]


class TargetCycle(PlanOwned, Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    school_year: Mapped[str] = mapped_column(String(7))
    kind: Mapped[CycleKind] = mapped_column(db.Enum(CycleKind, native_enum=False, length=12))
    name: Mapped[str] = mapped_column(String(120))
    opens_on: Mapped[date]
    due_on: Mapped[date]
    closes_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __table_args__ = (UniqueConstraint("school_year", "kind"),)

    def is_open(self, today: date) -> bool:
        return self.opens_on <= today <= self.closes_on


class WindowExtension(PlanOwned, Model):
    """An administrator lets one school keep editing after the cycle closes."""

    __table_args__ = (UniqueConstraint("cycle_id", "school_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("target_cycle.id"))
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"))
    until: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))


class TargetPlan(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("cycle_id", "school_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("target_cycle.id"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    status: Mapped[PlanStatus] = mapped_column(db.Enum(PlanStatus, native_enum=False, length=12), index=True,
                                               default=PlanStatus.not_started)
    # Bumped on every change; a write that names an older version loses (optimistic locking).
    version: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    generated: Mapped[bool] = mapped_column(default=False)  # made up for the demo

    __mapper_args__ = {"version_id_col": version}

    cycle: Mapped[TargetCycle] = relationship()
    school: Mapped[School] = relationship()
    updated_by: Mapped[User | None] = relationship()
    targets: Mapped[list["Target"]] = relationship(back_populates="plan", cascade="all, delete-orphan")


class Target(PlanOwned, Model):
    """One metric x student group: the baseline it starts from and the 2026 target chosen."""

    __table_args__ = (UniqueConstraint("plan_id", "metric_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("target_plan.id"))
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("student_group.id"))
    baseline_value: Mapped[float | None]
    baseline_year: Mapped[str | None] = mapped_column(String(7))
    baseline_n: Mapped[int | None]
    baseline_source: Mapped[str] = mapped_column(String(200), default="")
    target_2026: Mapped[float | None]
    trajectory_code: Mapped[str | None] = mapped_column(String(20))
    year_target: Mapped[float | None]  # annual cycles: this year's target
    rationale: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[TargetPlan] = relationship(back_populates="targets")
    metric: Mapped[Metric] = relationship()
    group: Mapped[StudentGroup] = relationship()


class Actual(PlanOwned, Model):
    """A school's result on a metric for one student group in one school year."""

    __table_args__ = (UniqueConstraint("school_id", "metric_id", "group_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("metric.id"))
    group_id: Mapped[int] = mapped_column(ForeignKey("student_group.id"))
    year: Mapped[str] = mapped_column(String(7), index=True)
    value: Mapped[float]
    n_students: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column(default=clock.now)
    import_id: Mapped[str] = mapped_column(String(40), default="")
    generated: Mapped[bool] = mapped_column(default=False)  # made up for the demo

    school: Mapped[School] = relationship()
    metric: Mapped[Metric] = relationship()
    group: Mapped[StudentGroup] = relationship()
