"""Demo action plans: the six initiatives of the March 2023 update (seed/demo/initiatives.yaml) with the
figures the district reported, placed in the two 2022-23 Board updates as the district presented them
(no rating, decision or date the documents do not give); then a check-in for every later reporting
period of the plan's calendar up to the portal's date, the current one at every stage of the cycle; and
data review meetings with priority schools this school year."""
import os
import random
from datetime import date, datetime, time, timedelta

import yaml
from sqlalchemy import select

from portal.demo.board import THIS_PERIOD, DemoUpdates, events_for, generated_values, narrative_for
from portal.demo.story import Period, Story, board_meetings, calendar_of, reporting_periods
from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School, User
from portal.progress.models import (
    CheckIn,
    CheckInPeriod,
    DataReviewMeeting,
    Initiative,
    MetricValue,
    Progress,
    ProgressMetric,
    Stage,
)
from portal.strategic_plan.models import Measure, Priority

# The share of later check-ins the offices rated on track, at risk and off track.
STATUS_MIX = [(Progress.on_track, 0.55), (Progress.at_risk, 0.35), (Progress.off_track, 0.10)]
FIRST_UPDATE = "September 2022"  # the one period of the documents reported by the 11 October 2022 update


def build_demo_initiatives(seed_dir: str, rng: random.Random, story: Story) -> DemoUpdates:
    """Create the initiatives, their check-ins and the Board updates they go into (published later, by
    board.publish_demo_updates, once the results and measure values a report reads are in)."""
    with open(os.path.join(seed_dir, "demo", "initiatives.yaml"), encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    offices = {o.code: o for o in db.session.scalars(select(Office))}
    priorities = {p.code: p for p in db.session.scalars(select(Priority))}
    measures = {m.code: m for m in db.session.scalars(select(Measure))}
    supt = db.session.scalar(select(User).where(User.role == Role.superintendent).order_by(User.id))
    fallback = db.session.scalar(select(User).where(User.role == Role.central_office).order_by(User.id))
    office_staff = {u.office_id: u for u in db.session.scalars(select(User).where(User.role == Role.central_office)
                                                               .order_by(User.id.desc()))}
    meetings = board_meetings(story)
    updates = DemoUpdates.create(story, meetings, data.get("board_updates") or [])
    periods = [p for p in reporting_periods(story, meetings) if not p.meeting.dated_by_district]
    events: list[dict] = []
    for spec in data["initiatives"]:
        initiative = _initiative(spec, offices, priorities, measures, story)
        staff = office_staff.get(initiative.office_id) or fallback
        metrics = {m.code: m for m in initiative.metrics}
        last: dict[tuple[str, str], float] = {}
        for c in spec["check_ins"]:
            if c["period_end"] < story.first_day:  # a figure from before the plan (Fall 2021): the
                updates.add_context(spec, c)  # update showed it beside the plan's, no check-in of the plan
                continue
            if c["period_end"] > story.today:
                continue
            meeting = updates.district_update(c.get("board_update"), c["period"] == FIRST_UPDATE)
            values = [(metrics[v["metric"]], v.get("breakdown", ""), v["value"], v.get("as_of")) for v in c["values"]
                      if (v.get("as_of") or c["period_end"]) <= story.today]
            for metric, key, value, _ in values:
                last[(metric.code, key)] = value
            stage = Stage.board if meeting is not None else Stage.ready
            check_in = _district_check_in(initiative, c, values, stage, meeting)
            limit = meeting.meeting_date if meeting is not None else c["period_end"] + timedelta(days=30)
            events += events_for(check_in, stage, staff, supt, c["period_end"], min(limit, story.today), rng)
        for period in periods:
            current = period.meeting.day > story.today
            stage = THIS_PERIOD.get(initiative.code, Stage.sharing) if current else Stage.board
            events += _later_check_in(initiative, period, stage, updates, last, staff, supt, story, rng)
    db.session.flush()
    updates.events.extend(events)
    _data_review_meetings(rng, story, fallback)
    _calendar(story)
    return updates


def _calendar(story: Story) -> None:
    """The check-in calendar: the periods the check-ins name, with their last days, and the one open now."""
    ended = [(name, end) for name, end in db.session.execute(select(CheckIn.period, CheckIn.period_end).distinct())]
    db.session.add_all(CheckInPeriod(name=name, opens_on=opens, due_on=due)
                       for name, opens, due in calendar_of(ended, story))


def _initiative(spec: dict, offices, priorities, measures, story: Story) -> Initiative:
    created = datetime.combine(max(story.first_day, date(story.first_day.year, 9, 1)), time(9))
    initiative = Initiative(code=spec["code"], name=spec["name"], description=spec.get("description", ""),
                            priority=priorities[str(spec["priority"])], office=offices[spec["office"]],
                            measures=[measures[c] for c in spec.get("measures", [])],
                            created_at=min(created, story.at(story.today)))
    db.session.add(initiative)
    for position, m in enumerate(spec["metrics"]):
        targets = dict(m.get("targets") or {})
        if "target" in m:
            targets[""] = m["target"]
        initiative.metrics.append(ProgressMetric(
            code=m["code"], position=position, name=m["name"], unit=m["unit"], direction=m.get("direction", "up"),
            breakdown=m.get("breakdown", ""), baselines=dict(m.get("baselines") or {}), targets=targets,
            baseline_label=m.get("baseline_label", ""), target_label=m.get("target_label", "")))
    db.session.flush()
    return initiative


def _district_check_in(initiative: Initiative, spec: dict, values: list, stage: Stage, meeting) -> CheckIn:
    """A check-in as the district reported it: its period, figures (with an as-of date only where the
    documents give one) and what the slides said; no status, session, review or decision, which the
    documents do not give. A narrative the demo wrote to sum up the slides is marked as generated, and
    so is the time of its last move through the cycle, which the portal did not see."""
    status = Progress(spec["status"]) if spec.get("status") else None
    narrative = spec.get("narrative", "")
    generated = ["updated_at"] + (["narrative"] if narrative and spec.get("narrative_from") != "document" else [])
    check_in = CheckIn(initiative=initiative, period=spec["period"], period_end=spec["period_end"], stage=stage,
                       status=status, narrative=narrative, version=1, generated=generated)
    if meeting is not None:
        check_in.board_updates.append(meeting)
    for metric, breakdown, value, as_of in values:
        check_in.values.append(MetricValue(metric=metric, breakdown=breakdown, value=float(value), as_of=as_of))
    db.session.add(check_in)
    db.session.flush()
    return check_in


def _later_check_in(initiative: Initiative, period: Period, stage: Stage, updates: DemoUpdates,
                    last: dict, staff, supt, story: Story, rng: random.Random) -> list[dict]:
    """A generated check-in for a period after the documents: figures moving on from the last ones, and
    as far through the cycle as its stage (a held meeting's check-ins were presented in it)."""
    values = generated_values(initiative, last, period.end, rng) if stage != Stage.sharing else []
    status = None
    if stage != Stage.sharing:
        status = Progress.at_risk if stage == Stage.sent_back else _pick(rng, STATUS_MIX)
    check_in = CheckIn(initiative=initiative, period=period.name, period_end=period.end, stage=stage,
                       status=status, narrative=narrative_for(initiative, period, status) if status else "",
                       version=1, created_at=story.at(period.end + timedelta(days=1), 9))
    made_up = ["updated_at"] + (["status", "narrative"] if status else [])
    limit = min(period.meeting.day, story.today)
    if stage != Stage.sharing:
        check_in.sharing_date = min(period.end + timedelta(days=4), limit - timedelta(days=3))
        check_in.sharing_attendees = f"{initiative.office.name} team; Strategy office"
        check_in.sharing_notes = "Shared the strategy, the period's data and next steps."
        made_up += ["sharing_date", "sharing_attendees", "sharing_notes"]
    if stage in (Stage.ready, Stage.board):
        check_in.review_notes = "Figures checked against the source systems."
        check_in.supt_date = min(period.end + timedelta(days=10), limit - timedelta(days=1))
        check_in.supt_feedback = "Keep the focus on the students most in need; report the next figures by school level."
        check_in.supt_decisions = "Continue as planned."
        made_up += ["review_notes", "supt_date", "supt_feedback", "supt_decisions"]
    check_in.generated = made_up
    if stage == Stage.board:
        check_in.board_updates.append(updates.for_meeting(period.meeting))
    for metric, breakdown, value in values:
        check_in.values.append(MetricValue(metric=metric, breakdown=breakdown, value=float(value), as_of=period.end,
                                           generated=True))
    db.session.add(check_in)
    db.session.flush()
    return events_for(check_in, stage, staff, supt, period.end, limit, rng)


def _pick(rng: random.Random, weighted: list[tuple[Progress, float]]) -> Progress:
    r, acc = rng.random(), 0.0
    for value, weight in weighted:
        acc += weight
        if r < acc:
            return value
    return weighted[-1][0]


def _data_review_meetings(rng: random.Random, story: Story, actor) -> None:
    """Meetings this school year up to today: central ones with Tier 2 schools, regional ones with Tier 3."""
    start = max(story.first_day, date(story.today.year if story.today.month >= 8 else story.today.year - 1, 8, 20))
    if start > story.today:
        return
    days = (story.today - start).days
    tier2 = db.session.scalars(select(School.id).where(School.priority_tier == 2)).all()
    regions = db.session.scalars(select(Region)).all()

    def meeting(held_by: str, chosen: list[int], notes: str, region_id: int | None = None) -> None:
        held_on = start + timedelta(days=rng.randint(0, days))
        made = DataReviewMeeting(held_on=held_on, held_by=held_by, region_id=region_id, notes=notes,
                                 created_by_id=actor.id if actor else None,
                                 created_at=datetime.combine(held_on, time(5)))
        made.schools = list(db.session.scalars(select(School).where(School.id.in_(chosen))).all())
        db.session.add(made)

    for _ in range(4):
        if tier2:
            meeting("central", rng.sample(tier2, max(1, len(tier2) // 2)),
                    "Reviewed attendance, assessment and target progress school by school.")
    for region in regions:
        tier3 = db.session.scalars(select(School.id).where(School.priority_tier == 3,
                                                           School.region_id == region.id)).all()
        for _ in range(2):
            if tier3:
                meeting("regional", rng.sample(tier3, max(1, len(tier3) * 2 // 3)),
                        "Regional data review with Tier 3 schools.", region.id)
