"""Measures of Success: the plan's "By 2026, we will ..." statements and their yearly values."""
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model
from portal.kernel import clock
from portal.kernel.plans import PlanOwned
from portal.strategic_plan.models import Measure


class MeasureValue(PlanOwned, Model):
    """A Measure of Success's value for a school year, entered by its office or fed by a check-in."""

    __table_args__ = (UniqueConstraint("measure_id", "subtarget", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measure.id"), index=True)
    subtarget: Mapped[str] = mapped_column(String(80), default="")  # "" for the measure itself
    year: Mapped[str] = mapped_column(String(7))
    value: Mapped[float]
    as_of: Mapped[date]
    source: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    entered_at: Mapped[datetime] = mapped_column(default=clock.now)
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_in.id"))  # set when a check-in fed it
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    generated: Mapped[bool] = mapped_column(default=False)  # made up for the demo

    __mapper_args__ = {"version_id_col": version}

    measure: Mapped["Measure"] = relationship(back_populates="values")
    entered_by = relationship("User")
