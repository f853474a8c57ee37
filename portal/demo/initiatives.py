"""Demo action plans: the six initiatives of the March 2023 update with their real figures
(seed/demo/initiatives.yaml), the Board updates they were presented in, this year's check-ins
at every stage of the cycle, and data review meetings with priority schools."""
import os
import random
from datetime import date, datetime, time, timedelta

import yaml
from sqlalchemy import insert, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.clock import school_year_of
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School, User
from portal.progress.board_updates import build_report
from portal.progress.models import (
    BoardUpdate,
    CheckIn,
    DataReviewMeeting,
    Initiative,
    MetricValue,
    Progress,
    ProgressMetric,
    Stage,
)
from portal.strategic_plan.models import Measure, Priority

# This year's check-in for each initiative, at a different point of the cycle.
THIS_YEAR = {"tutoring": Stage.sharing, "greening": Stage.data_review, "iattend": Stage.sent_back,
             "connectivity": Stage.superintendent, "priority_schools": Stage.ready, "seni_staffing": Stage.board}
PATH = {  # the stages a check-in passed through to reach each stage, with the acting role
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


def build_demo_initiatives(seed_dir: str, rng: random.Random, today: date) -> None:
    with open(os.path.join(seed_dir, "demo", "initiatives.yaml"), encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    offices = {o.code: o for o in db.session.scalars(select(Office))}
    priorities = {p.code: p for p in db.session.scalars(select(Priority))}
    measures = {m.code: m for m in db.session.scalars(select(Measure))}
    actors = {role: db.session.scalar(select(User).where(User.role == role).order_by(User.id))
              for role in (Role.central_office, Role.superintendent)}
    office_staff = {u.office_id: u for u in db.session.scalars(select(User).where(User.role == Role.central_office)
                                                               .order_by(User.id.desc()))}
    updates = {}
    for u in data["board_updates"]:
        update = BoardUpdate(kind_code=u["kind"], school_year=u["school_year"], meeting_date=u["date"],
                             title=u["title"])
        db.session.add(update)
        updates[u["kind"]] = update
    events = []
    current_year = school_year_of(today)
    current_update = BoardUpdate(kind_code="mid_year", school_year=current_year,
                                 meeting_date=date(today.year + (1 if today.month >= 7 else 0), 3, 2),
                                 title=f"Strategic Plan Mid-Year Implementation Update {current_year}")
    db.session.add(current_update)
    for spec in data["initiatives"]:
        office = offices[spec["office"]]
        initiative = Initiative(code=spec["code"], name=spec["name"], description=spec.get("description", ""),
                                priority=priorities[str(spec["priority"])], office=office,
                                measures=[measures[c] for c in spec.get("measures", [])])
        db.session.add(initiative)
        metrics = {}
        for position, m in enumerate(spec["metrics"]):
            targets = dict(m.get("targets") or {})
            if "target" in m:
                targets[""] = m["target"]
            metric = ProgressMetric(code=m["code"], position=position, name=m["name"], unit=m["unit"],
                                    direction=m.get("direction", "up"), breakdown=m.get("breakdown", ""),
                                    baselines=dict(m.get("baselines") or {}), targets=targets,
                                    baseline_label=m.get("baseline_label", ""),
                                    target_label=m.get("target_label", ""))
            initiative.metrics.append(metric)
            metrics[m["code"]] = metric
        db.session.flush()
        staff = office_staff.get(office.id) or actors[Role.central_office]
        for c in spec["check_ins"]:
            presented_in = updates.get(c.get("board_update")) if c.get("board_update") else None
            if c["period"] == "September 2022" and "initial" in updates:
                presented_in = updates["initial"]
            check_in = _check_in(initiative, c["period"], c["period_end"], Progress(c["status"]), c["narrative"],
                                 [(metrics[v["metric"]], v.get("breakdown", ""), v["value"], v["as_of"])
                                  for v in c["values"]],
                                 Stage.board if presented_in else Stage.ready, presented_in)
            events += _events(check_in, Stage.board if presented_in else Stage.ready, staff,
                              actors[Role.superintendent], datetime.combine(c["period_end"], time(15)), rng)
        # This year's check-in, somewhere in the cycle.
        stage = THIS_YEAR.get(spec["code"], Stage.sharing)
        period_end = date(today.year if today.month >= 10 else today.year - 1, 10, 31)
        values = []
        for metric in initiative.metrics:
            last = {}
            for c in spec["check_ins"]:
                for v in c["values"]:
                    if v["metric"] == metric.code:
                        last[v.get("breakdown", "")] = v["value"]
            for key, value in last.items():
                drift = rng.uniform(0.9, 1.25) if metric.direction == "up" else rng.uniform(0.75, 1.0)
                new = value * drift
                if metric.unit == "percent":
                    new = round(min(100.0, new), 1)
                else:
                    new = round(new)
                values.append((metric, key, new, period_end))
        status = {Stage.sent_back: Progress.at_risk, Stage.sharing: None}.get(stage, rng.choice(list(Progress)))
        narrative = "" if stage == Stage.sharing else f"Fall {period_end.year} progress for {initiative.name}."
        check_in = _check_in(initiative, f"Fall {period_end.year}", period_end, status, narrative,
                             values if stage != Stage.sharing else values[:1], stage,
                             current_update if stage == Stage.board else None)
        events += _events(check_in, stage, staff, actors[Role.superintendent],
                          datetime.combine(period_end, time(10)) + timedelta(days=3), rng)
    db.session.flush()
    supt = actors[Role.superintendent]
    supt_id = supt.id if supt else None
    for update in updates.values():
        update.snapshot = build_report(update)
        update.published_at = datetime.combine(update.meeting_date, time(9))
        update.published_by_id = supt_id
        events.append({"entity": "board_update", "entity_id": update.id, "action": "publish",
                       "from_state": "draft", "to_state": "published", "actor_id": supt_id,
                       "actor_role": Role.superintendent.value, "at": update.published_at})
    db.session.execute(insert(AuditEvent), events)
    _data_review_meetings(rng, today, actors[Role.central_office])


def _check_in(initiative, period, period_end, status, narrative, values, stage, update) -> CheckIn:
    check_in = CheckIn(initiative=initiative, period=period, period_end=period_end, status=status,
                       narrative=narrative, stage=stage, version=1)
    if stage != Stage.sharing:
        check_in.sharing_date = period_end + timedelta(days=5)
        check_in.sharing_attendees = f"{initiative.office.name} team; Strategy office"
        check_in.sharing_notes = "Shared the strategy, the period's data and next steps."
    if stage in (Stage.ready, Stage.board):
        check_in.review_notes = "Figures checked against the source systems."
        check_in.supt_date = period_end + timedelta(days=12)
        check_in.supt_feedback = "Keep the focus on the students most in need; report the next figures by school level."
        check_in.supt_decisions = "Continue as planned."
    if update is not None:
        check_in.board_updates.append(update)
    for metric, breakdown, value, as_of in values:
        check_in.values.append(MetricValue(metric=metric, breakdown=breakdown, value=float(value), as_of=as_of))
    db.session.add(check_in)
    db.session.flush()
    return check_in


def _events(check_in: CheckIn, stage: Stage, office_user, supt_user, start: datetime, rng) -> list[dict]:
    rows = [{"entity": "check_in", "entity_id": check_in.id, "action": "edit", "from_state": "sharing",
             "to_state": "sharing", "actor_id": office_user.id, "actor_role": Role.central_office.value,
             "at": start, "comment": None}]
    at = start
    for action, before, after, role in PATH[stage]:
        at += timedelta(days=rng.randint(1, 4), hours=rng.randint(1, 6))
        actor = office_user if role == Role.central_office else supt_user
        comment = {"send_back": "The as-of dates do not match the data platform; please correct and resubmit.",
                   "record_superintendent": check_in.supt_feedback or None}.get(action)
        rows.append({"entity": "check_in", "entity_id": check_in.id, "action": action,
                     "from_state": before.value, "to_state": after.value, "actor_id": actor.id,
                     "actor_role": role.value, "at": at, "comment": comment})
    check_in.version = len(rows) + 1
    check_in.updated_at = at
    return rows


def _data_review_meetings(rng, today: date, actor) -> None:
    """Meetings this school year: central ones with Tier 2 schools, regional ones with Tier 3."""
    start = date(today.year if today.month >= 8 else today.year - 1, 8, 20)
    days = max(1, (today - start).days)
    tier2 = db.session.scalars(select(School.id).where(School.priority_tier == 2)).all()
    regions = db.session.scalars(select(Region)).all()
    for _ in range(4):
        chosen = rng.sample(tier2, min(len(tier2), max(1, len(tier2) // 2)))
        meeting = DataReviewMeeting(held_on=start + timedelta(days=rng.randint(0, days)), held_by="central",
                                    notes="Reviewed attendance, assessment and target progress school by school.",
                                    created_by_id=actor.id if actor else None)
        meeting.schools = list(db.session.scalars(select(School).where(School.id.in_(chosen))).all())
        db.session.add(meeting)
    for region in regions:
        tier3 = db.session.scalars(select(School.id).where(School.priority_tier == 3,
                                                           School.region_id == region.id)).all()
        for _ in range(2):
            if not tier3:
                break
            chosen = rng.sample(tier3, max(1, len(tier3) * 2 // 3))
            meeting = DataReviewMeeting(held_on=start + timedelta(days=rng.randint(0, days)), held_by="regional",
                                        region_id=region.id, notes="Regional data review with Tier 3 schools.",
                                        created_by_id=actor.id if actor else None)
            meeting.schools = list(db.session.scalars(select(School).where(School.id.in_(chosen))).all())
            db.session.add(meeting)
