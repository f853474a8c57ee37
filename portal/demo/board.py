"""The demo's Board updates on the plan's calendar, the moves that took each check-in there, and the
publishing of every update already presented (a report assembled as of its meeting day, as the
superintendent's office would have published it). The next meeting, when the calendar has one, is a
draft being prepared."""
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert, select

from portal.demo.measures import FED
from portal.demo.story import Meeting, Period, Story
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.measures.annual_reports import build_annual_report, title_for
from portal.measures.scorecard import documents as report_documents
from portal.org.models import User
from portal.progress import documents
from portal.progress.board import documents as board_documents
from portal.progress.board_updates import build_report
from portal.progress.models import BoardUpdate, CheckIn, Initiative, Progress, Stage
from portal.progress.publishing import ANNUAL_REPORT, storable

# The current period's check-in of each initiative, at a different point of the cycle: the instruction
# office (central@) has its strategy sharing session to hold; the superintendent's office has data to
# review and an update with the superintendent to record.
THIS_PERIOD = {"tutoring": Stage.sharing, "greening": Stage.data_review, "iattend": Stage.sent_back,
               "connectivity": Stage.superintendent, "priority_schools": Stage.ready, "seni_staffing": Stage.board}
PATH = {  # the moves that take a check-in to each stage, with the acting role
    Stage.sharing: [],
    Stage.data_review: [("record_sharing", Stage.sharing, Stage.sharing, Role.central_office),
                        ("submit_update", Stage.sharing, Stage.data_review, Role.central_office)],
}
PATH[Stage.sent_back] = PATH[Stage.data_review] + [("send_back", Stage.data_review, Stage.sent_back, Role.superintendent)]
PATH[Stage.superintendent] = PATH[Stage.data_review] + [("accept_data", Stage.data_review, Stage.superintendent,
                                                         Role.superintendent)]
PATH[Stage.ready] = PATH[Stage.superintendent] + [("record_superintendent", Stage.superintendent, Stage.ready,
                                                   Role.superintendent)]
PATH[Stage.board] = PATH[Stage.ready] + [("place", Stage.ready, Stage.board, Role.superintendent)]
SEND_BACK = "The as-of dates do not match the data platform; please correct and resubmit."


@dataclass
class DemoUpdates:
    """The Board updates of the calendar up to the next meeting, by (kind, school year)."""

    story: Story
    by_key: dict[tuple[str, str], BoardUpdate] = field(default_factory=dict)
    events: list[dict] = field(default_factory=list)
    # Figures from before the plan the district's updates showed for context: metric name ->
    # [(breakdown, period, value, its last day)], oldest first; and the updates the documents date, which showed them.
    context: dict[str, list[tuple[str, str, float, str]]] = field(default_factory=dict)
    documented: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def create(cls, story: Story, meetings: list[Meeting], titles: list[dict]) -> "DemoUpdates":
        named = {(t["kind"], str(t["school_year"])): t["title"] for t in titles}
        made = cls(story)
        for m in meetings:
            if m.kind == ANNUAL_REPORT:
                title = title_for(m.school_year)
            else:
                title = named.get((m.kind, m.school_year)) or f"Strategic Plan {m.name} {m.school_year}"
            update = BoardUpdate(kind_code=m.kind, school_year=m.school_year, meeting_date=m.day, title=title,
                                 generated=[] if m.dated_by_district else ["meeting_date"])
            db.session.add(update)
            made.by_key[(m.kind, m.school_year)] = update
            if m.dated_by_district:
                made.documented.add((m.kind, m.school_year))
        db.session.flush()
        return made

    def add_context(self, initiative: dict, check_in: dict) -> None:
        names = {m["code"]: m["name"] for m in initiative["metrics"]}
        for v in check_in["values"]:
            self.context.setdefault(names[v["metric"]], []).append(
                (v.get("breakdown", ""), check_in["period"], float(v["value"]), check_in["period_end"].isoformat()))

    def with_context(self, update: BoardUpdate, report: dict) -> dict:
        """A documented update's report with the earlier figures it showed at the start of each path."""
        if (update.kind_code, update.school_year) not in self.documented or not self.context:
            return report
        for pillar in report.get("pillars", []):
            for priority in pillar["priorities"]:
                for initiative in priority["initiatives"]:
                    for metric in initiative["metrics"]:
                        for breakdown, period, value, end in reversed(self.context.get(metric["name"], [])):
                            line = next((s for s in metric["series"] if s["breakdown"] == breakdown), None)
                            if line is None:
                                line = {"breakdown": breakdown, "points": []}
                                metric["series"].append(line)
                            line["points"].insert(0, [period, value, end])
        return report

    def for_meeting(self, meeting: Meeting) -> BoardUpdate:
        return self.by_key[(meeting.kind, meeting.school_year)]

    def district_update(self, kind: str | None, first: bool) -> BoardUpdate | None:
        """The 2022-23 update a documented check-in was presented in, when that meeting has been held."""
        year = self.story.years[0]
        update = self.by_key.get(("initial", year)) if first else self.by_key.get((kind, year)) if kind else None
        return update if update is not None and update.meeting_date <= self.story.today else None


def events_for(check_in: CheckIn, stage: Stage, office_user, supt_user, period_end: date, limit: date,
               rng: random.Random) -> list[dict]:
    """The audit events of a check-in's way to `stage`, spread from the day after its period to the day
    before `limit` (its Board meeting, or today)."""
    start = datetime.combine(period_end + timedelta(days=1), time(9))
    end = datetime.combine(max(period_end + timedelta(days=1), limit - timedelta(days=1)), time(17))
    moves = PATH[stage]
    times = sorted(start + (end - start) * rng.random() for _ in moves)
    rows: list[dict[str, Any]] = [{"entity": "check_in", "entity_id": check_in.id, "action": "create", "from_state": None,
             "to_state": Stage.sharing.value, "actor_id": office_user.id if office_user else None,
             "actor_role": Role.central_office.value, "at": start, "comment": None,
             "details": {"period": check_in.period, "period_end": check_in.period_end.isoformat(),
                         "generated": True}}]
    for (action, before, after, role), at in zip(moves, times, strict=True):
        actor = office_user if role == Role.central_office else supt_user
        comment = {"send_back": SEND_BACK, "record_superintendent": check_in.supt_feedback or None}.get(action)
        rows.append({"entity": "check_in", "entity_id": check_in.id, "action": action,
                     "from_state": before.value, "to_state": after.value, "actor_id": actor.id if actor else None,
                     "actor_role": role.value, "at": at, "comment": comment, "details": {"generated": True}})
    check_in.version = len(rows) + 1
    check_in.created_at = start
    check_in.updated_at = rows[-1]["at"]
    check_in.updated_by_id = rows[-1]["actor_id"]
    return rows


def generated_values(initiative: Initiative, last: dict, as_of: date, rng: random.Random) -> list[tuple]:
    """A later period's figures: each metric's last reported ones, moved a little (mostly the right way).
    A metric that feeds a Measure of Success (chronic absence, 2D-1) keeps the district's figures only:
    the demo makes up no later year of a measure the scorecard reads from it."""
    fed = {(initiative_code, metric_code) for initiative_code, metric_code, _ in FED.values()}
    out = []
    for metric in initiative.metrics:
        if (initiative.code, metric.code) in fed:
            continue
        for (code, key), value in list(last.items()):
            if code != metric.code:
                continue
            drift = rng.uniform(0.97, 1.12) if metric.direction == "up" else rng.uniform(0.88, 1.02)
            new = value * drift
            new = round(min(100.0, new), 1) if metric.unit == "percent" else round(new)
            last[(code, key)] = new
            out.append((metric, key, new))
    return out


def narrative_for(initiative: Initiative, period: Period, status: Progress) -> str:
    return {Progress.on_track: f"{period.name}: {initiative.name} kept to plan; the figures moved the right way.",
            Progress.at_risk: f"{period.name}: {initiative.name} moved, but slower than the plan needs.",
            Progress.off_track: f"{period.name}: {initiative.name} fell behind; the office is revising its approach.",
            }[status]


def store_latest_documents(published: list[BoardUpdate]) -> None:
    """The PDF and deck of the latest Board update and the latest annual report, as the Board received them
    the day each was published; the older ones were published before the portal kept documents."""
    for annual in (False, True):
        of_kind = [u for u in published if (u.kind_code == ANNUAL_REPORT) == annual]
        if not of_kind:
            continue
        update = max(of_kind, key=lambda u: u.meeting_date)
        render = report_documents.render if annual else board_documents.render
        with clock.set_now(datetime.combine(update.meeting_date, time(9))), documents.in_district_language():
            documents.store(update, render(update))


def publish_demo_updates(updates: DemoUpdates) -> None:
    """Publish every update whose meeting has been held, its report assembled as of that day (the
    annual report from the results and measure values in by then); leave the coming one a draft."""
    supt = db.session.scalar(select(User).where(User.role == Role.superintendent).order_by(User.id))
    supt_id = supt.id if supt else None
    for update in sorted(updates.by_key.values(), key=lambda u: u.meeting_date):
        if update.meeting_date > updates.story.today:
            continue
        published_at = datetime.combine(update.meeting_date, time(9))
        with clock.set_now(published_at):
            report = build_annual_report(update) if update.kind_code == ANNUAL_REPORT else build_report(update)
        update.snapshot = storable(updates.with_context(update, report))
        update.published_at = published_at
        update.published_by_id = supt_id
        updates.events.append({"entity": "board_update", "entity_id": update.id, "action": "publish",
                               "from_state": "draft", "to_state": "published", "actor_id": supt_id,
                               "actor_role": Role.superintendent.value, "at": published_at, "comment": None,
                               "details": {"check_ins": [c.id for c in update.check_ins]}})
        db.session.flush()
    store_latest_documents([u for u in updates.by_key.values() if u.published])
    for update in updates.by_key.values():
        if update.meeting_date > updates.story.today:
            updates.events.append({"entity": "board_update", "entity_id": update.id, "action": "create",
                                   "from_state": None, "to_state": "draft", "actor_id": supt_id,
                                   "actor_role": Role.superintendent.value, "comment": None,
                                   "at": updates.story.at(updates.story.today - timedelta(days=20), 11),
                                   "details": {"kind": update.kind_code, "school_year": update.school_year}})
    if updates.events:
        db.session.execute(insert(AuditEvent), updates.events)
