"""Central office action plans (initiatives), their progress check-ins through the four-stage
cycle, Board updates, and data review meetings with priority schools."""
import enum
from datetime import date, datetime

from flask_babel import gettext
from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import Model, db
from portal.kernel import clock
from portal.kernel.i18n import N_
from portal.kernel.plans import PlanOwned
from portal.org.models import Office, Region, School, User
from portal.strategic_plan.models import BoardUpdateKind, Measure, Priority

initiative_measure = Table(
    "initiative_measure", db.metadata,
    Column("initiative_id", ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
)
board_update_check_in = Table(
    "board_update_check_in", db.metadata,
    Column("board_update_id", ForeignKey("board_update.id", ondelete="CASCADE"), primary_key=True),
    Column("check_in_id", ForeignKey("check_in.id", ondelete="CASCADE"), primary_key=True),
)
data_review_school = Table(
    "data_review_school", db.metadata,
    Column("meeting_id", ForeignKey("data_review_meeting.id", ondelete="CASCADE"), primary_key=True),
    Column("school_id", ForeignKey("school.id", ondelete="CASCADE"), primary_key=True),
)


class Stage(str, enum.Enum):
    """Where a check-in is in the Progress Monitoring Cycle."""

    sharing = "sharing"  # 1. Strategy Sharing Session: the office prepares the check-in
    data_review = "data_review"  # 2. Platform Progress Update / Data Review
    sent_back = "sent_back"  # 2. sent back to the office with a comment
    superintendent = "superintendent"  # 3. Update with the Superintendent (to be recorded)
    ready = "ready"  # 3. recorded; ready to go into a Board update
    board = "board"  # 4. placed in a Board update

    @property
    def number(self) -> int:
        return {"sharing": 1, "data_review": 2, "sent_back": 2, "superintendent": 3, "ready": 3, "board": 4}[self.value]

    @property
    def phrase(self) -> str:
        """Where the check-in is, in the page's language: "at stage 2 (sent back to the office)"."""
        return gettext("at stage %(number)s (%(name)s)", number=self.number,
                       name=gettext(self.title).split(". ", 1)[-1].lower())

    @property
    def title(self) -> str:  # type: ignore[override]  # the district's name for it, not str.title()
        return {
            "sharing": N_("1. Strategy Sharing Session"),
            "data_review": N_("2. Platform Progress Update / Data Review"),
            "sent_back": N_("2. Sent back to the office"),
            "superintendent": N_("3. Update with the Superintendent"),
            "ready": N_("3. Ready for the Board"),
            "board": N_("4. Update to the Board of Education"),
        }[self.value]


# English kept as data (exports, notices); a page translates them where it shows them.
STAGE_NAMES = {1: N_("Strategy Sharing Session"), 2: N_("Platform Progress Update / Data Review"),
               3: N_("Update with the Superintendent"), 4: N_("Update to the Board of Education")}


class Progress(str, enum.Enum):
    on_track = "on_track"
    at_risk = "at_risk"
    off_track = "off_track"

    @property
    def title(self) -> str:  # type: ignore[override]  # the district's name for it, not str.title()
        return {"on_track": N_("On track"), "at_risk": N_("At risk"), "off_track": N_("Off track")}[self.value]


class Initiative(PlanOwned, Model):
    """An action plan owned by a central office, tied to one Priority."""

    __table_args__ = (UniqueConstraint("strategic_plan_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text, default="")
    priority_id: Mapped[int] = mapped_column(ForeignKey("priority.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Moves with every edit of the plan's own fields and measures (not with its metrics, which have theirs).
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    priority: Mapped[Priority] = relationship()
    office: Mapped[Office] = relationship()
    measures: Mapped[list[Measure]] = relationship(secondary=initiative_measure, order_by=Measure.code)
    metrics: Mapped[list["ProgressMetric"]] = relationship(back_populates="initiative",
                                                           order_by="ProgressMetric.position",
                                                           cascade="all, delete-orphan")
    check_ins: Mapped[list["CheckIn"]] = relationship(back_populates="initiative",
                                                      order_by="CheckIn.period_end",
                                                      cascade="all, delete-orphan")


class ProgressMetric(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("initiative_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(160))
    unit: Mapped[str] = mapped_column(String(12))  # count | percent | dollars
    direction: Mapped[str] = mapped_column(String(4), default="up")  # up | down
    breakdown: Mapped[str] = mapped_column(String(60), default="")  # e.g. "Service type"; blank for none
    # Per breakdown value ("" when the metric has no breakdown).
    baselines: Mapped[dict] = mapped_column(JSON, default=dict)
    targets: Mapped[dict] = mapped_column(JSON, default=dict)
    baseline_label: Mapped[str] = mapped_column(String(80), default="")
    target_label: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    initiative: Mapped[Initiative] = relationship(back_populates="metrics")


class CheckInPeriod(PlanOwned, Model):
    """A reporting period of the check-in calendar: the superintendent's office names it, with the day
    it opens and its last day (the due date of every check-in for it). Check-ins name their period by
    its name (CheckIn.period), so a period they name keeps its name and last day."""

    __table_args__ = (UniqueConstraint("strategic_plan_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    opens_on: Mapped[date] = mapped_column(index=True)
    due_on: Mapped[date] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    __mapper_args__ = {"version_id_col": version}

    def is_open(self, day: date) -> bool:
        return self.opens_on <= day <= self.due_on


class CheckIn(PlanOwned, Model):
    """A reporting period's progress: values, a status, a narrative, and its way through the stages."""

    __table_args__ = (UniqueConstraint("initiative_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    period: Mapped[str] = mapped_column(String(60))
    period_end: Mapped[date]
    stage: Mapped[Stage] = mapped_column(db.Enum(Stage, native_enum=False, length=16), index=True,
                                         default=Stage.sharing)
    status: Mapped[Progress | None] = mapped_column(db.Enum(Progress, native_enum=False, length=10))
    narrative: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[list] = mapped_column(JSON, default=list)  # [{"label", "url"}]
    # Stage 1: the strategy sharing session
    sharing_date: Mapped[date | None]
    sharing_attendees: Mapped[str] = mapped_column(Text, default="")
    sharing_notes: Mapped[str] = mapped_column(Text, default="")
    # Stage 2: the data review
    review_notes: Mapped[str] = mapped_column(Text, default="")
    # Stage 3: the update with the superintendent
    supt_date: Mapped[date | None]
    supt_feedback: Mapped[str] = mapped_column(Text, default="")
    supt_decisions: Mapped[str] = mapped_column(Text, default="")
    supt_followups: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    generated: Mapped[list] = mapped_column(JSON, default=list)  # fields made up for the demo

    __mapper_args__ = {"version_id_col": version}

    initiative: Mapped[Initiative] = relationship(back_populates="check_ins")
    values: Mapped[list["MetricValue"]] = relationship(back_populates="check_in", cascade="all, delete-orphan")
    updated_by: Mapped[User | None] = relationship()
    board_updates: Mapped[list["BoardUpdate"]] = relationship(secondary=board_update_check_in,
                                                              back_populates="check_ins")
    files: Mapped[list["EvidenceFile"]] = relationship(back_populates="check_in", order_by="EvidenceFile.id",
                                                       cascade="all, delete-orphan")


class EvidenceFile(PlanOwned, Model):
    """A file an office attaches to a check-in as evidence (a report, a workbook, a photo), kept in the
    database with the type recognised from its content and a SHA-256 of its bytes."""

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_in.id"), index=True)
    name: Mapped[str] = mapped_column(String(160))  # the display name, cleaned of path parts
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only to serve a download
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    check_in: Mapped[CheckIn] = relationship(back_populates="files")
    uploaded_by: Mapped[User | None] = relationship()


class MetricValue(PlanOwned, Model):
    __table_args__ = (UniqueConstraint("check_in_id", "metric_id", "breakdown"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_in.id"), index=True)
    metric_id: Mapped[int] = mapped_column(ForeignKey("progress_metric.id"), index=True)
    breakdown: Mapped[str] = mapped_column(String(80), default="")
    value: Mapped[float]
    as_of: Mapped[date | None]  # None where the source gives no date
    generated: Mapped[bool] = mapped_column(default=False)  # made up for the demo

    check_in: Mapped[CheckIn] = relationship(back_populates="values")
    metric: Mapped[ProgressMetric] = relationship()


class Publication(str, enum.Enum):
    """A Board update's (or an annual report's) place in publishing: drafted, then frozen for the Board."""

    draft = "draft"
    published = "published"

    @property
    def title(self) -> str:  # type: ignore[override]  # the district's name for it, not str.title()
        return self.value.title()

    @property
    def phrase(self) -> str:
        return gettext("already published") if self is Publication.published else gettext("a draft")


class BoardUpdate(PlanOwned, Model):
    """An update to the Board of Education. Publishing freezes its report in `snapshot`."""

    __table_args__ = (UniqueConstraint("kind_code", "school_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_code: Mapped[str] = mapped_column(ForeignKey("board_update_kind.code"))
    school_year: Mapped[str] = mapped_column(String(7))
    meeting_date: Mapped[date]
    title: Mapped[str] = mapped_column(String(160))
    published_at: Mapped[datetime | None]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(default=1)
    generated: Mapped[list] = mapped_column(JSON, default=list)  # fields made up for the demo

    __mapper_args__ = {"version_id_col": version}

    kind: Mapped[BoardUpdateKind] = relationship()
    check_ins: Mapped[list[CheckIn]] = relationship(secondary=board_update_check_in, back_populates="board_updates")
    documents: Mapped[list["BoardDocument"]] = relationship(cascade="all, delete-orphan")

    @property
    def published(self) -> bool:
        return self.published_at is not None

    @property
    def publication(self) -> "Publication":
        return Publication.published if self.published else Publication.draft


class BoardDocument(Model):
    """The PDF or slide deck of a published report, rendered once from its snapshot when it was
    published; its SHA-256 lets the district show the document the Board received is unchanged."""

    __table_args__ = (UniqueConstraint("board_update_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    board_update_id: Mapped[int] = mapped_column(ForeignKey("board_update.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # pdf | pptx
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only for a download
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class DataReviewMeeting(PlanOwned, Model):
    """A school-by-school data review meeting (Priority 4A): held centrally or by a region."""

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(index=True)
    held_by: Mapped[str] = mapped_column(String(10))  # central | regional
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    region: Mapped[Region | None] = relationship()
    schools: Mapped[list[School]] = relationship(secondary=data_review_school)
