"""Who hears of a change to a school's target plan, and in what words.

A plan's decisions go to the school's principals, and its submissions to the leaders of the school's
region: nobody else, so no message names another school or region. Each is written by notify() in
the change's own transaction (the plan workflow's announce, targets.workflow.PLAN), so a change that
is rolled back tells nobody. Words name the school and the cycle, as the person would say them;
subjects begin with what happened, so a full inbox reads at a glance."""
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import Message, notify, notify_each
from portal.org.models import School, User
from portal.targets.models import PlanStatus, TargetCycle, TargetPlan


def principals(school_ids: Sequence[int]) -> list[User]:
    """The active principals of these schools, in one query."""
    if not school_ids:
        return []
    return list(db.session.scalars(select(User).where(
        User.role == Role.principal, User.active.is_(True), User.school_id.in_(list(school_ids)))
        .order_by(User.id)))


def leaders(region_id: int) -> list[User]:
    """The active regional leaders of one region: the people who review its schools' plans."""
    return list(db.session.scalars(select(User).where(
        User.role == Role.regional_leader, User.active.is_(True), User.region_id == region_id).order_by(User.id)))


def plan_page(plan_id: int) -> str:
    """Where a principal works on the plan."""
    return page_path("targets.plan", plan_id=plan_id)


def review_page(plan_id: int) -> str:
    """Where a regional leader reviews the plan."""
    return page_path("review.plan", plan_id=plan_id)


def whose(school: School, cycle: TargetCycle) -> str:
    """"Juniper Elementary's 2024-25 targets": the school's plan for the cycle, as the messages say it."""
    return f"{school.name}'s {cycle.name}"


def actor_name(event: AuditEvent) -> str:
    """Who acted. The event is not yet flushed, so its actor is read by id (the person acting is
    already in the session: no query)."""
    actor = event.actor or (db.session.get(User, event.actor_id) if event.actor_id else None)
    return actor.name if actor is not None else "Someone"


# ---------------------------------------------------------------- the plan workflow's announce

def _submitted(plan: TargetPlan, event: AuditEvent) -> None:
    """To the region's leaders: a plan waits for their review. A plan sent in again after a return
    says so, as the leader has read it before."""
    school, cycle = plan.school, plan.cycle
    again = event.from_state == PlanStatus.returned.value
    verb = "Resubmitted" if again else "Submitted"
    body = (f"{actor_name(event)}, principal of {school.name}, {verb.lower()} the school's {cycle.name} for your "
            f"review{' after they were returned for revision' if again else ''}. Open the plan to approve it "
            "or return it with a comment.")
    notify(leaders(school.region_id), "plan_submitted", f"{verb} for review: {whose(school, cycle)}", body,
           review_page(plan.id))


def _returned(plan: TargetPlan, event: AuditEvent) -> None:
    school, cycle = plan.school, plan.cycle
    body = (f"{actor_name(event)} returned {whose(school, cycle)} for revision. Make the changes their comment "
            f"asks for and submit the plan again{_by(cycle)}.")
    notify(principals([school.id]), "plan_returned", f"Returned for revision: {whose(school, cycle)}", body,
           plan_page(plan.id), comment=event.comment)


def _approved(plan: TargetPlan, event: AuditEvent) -> None:
    school, cycle = plan.school, plan.cycle
    body = f"{actor_name(event)} approved {whose(school, cycle)}. Nothing more is needed from you for this cycle."
    notify(principals([school.id]), "plan_approved", f"Approved: {whose(school, cycle)}", body, plan_page(plan.id))


def _reopened(plan: TargetPlan, event: AuditEvent) -> None:
    school, cycle = plan.school, plan.cycle
    body = (f"{actor_name(event)} reopened {whose(school, cycle)}, which had been approved: the plan is back with "
            "you for revision. Make the changes their comment asks for and submit it again.")
    notify(principals([school.id]), "plan_reopened", f"Reopened for revision: {whose(school, cycle)}", body,
           plan_page(plan.id), comment=event.comment)


def _by(cycle: TargetCycle) -> str:
    """", by 4 November 2024" while the due date is ahead; nothing once it has passed."""
    return f", by {long_date(cycle.due_on)}" if clock.today() <= cycle.due_on else ""


ANNOUNCED: dict[str, Callable[[TargetPlan, AuditEvent], None]] = {
    "submit": _submitted, "return": _returned, "approve": _approved, "reopen": _reopened}


def announce(plan: TargetPlan, event: AuditEvent) -> None:
    """The plan workflow's announce: tell the people a decision or a submission concerns (an edit
    tells nobody)."""
    tell = ANNOUNCED.get(event.action)
    if tell is not None:
        tell(plan, event)


# ---------------------------------------------------------------- changes made outside the workflow

def window_extended(cycle: TargetCycle, school: School, plan: TargetPlan | None, until: date, reason: str) -> None:
    """To the school's principals: they may keep editing until the new date (the administrator's
    reason quoted)."""
    body = (f"{school.name} may keep editing its {cycle.name} until {long_date(until)}. The administrator's "
            "reason is below.")
    link = plan_page(plan.id) if plan is not None else page_path("targets.mine")
    notify(principals([school.id]), "window_extended",
           f"Window extended to {long_date(until)}: {whose(school, cycle)}", body, link, comment=reason or None)


def reviewer_reminder(cycle: TargetCycle, reminded: Sequence[User], sender: User, day: date) -> list:
    """A regional leader's reminder to the principals of overdue schools, each about their own school,
    at most once a day (the day is in the key)."""
    by_school: dict[int, list[User]] = {}
    for person in reminded:
        if person.school_id is not None:
            by_school.setdefault(person.school_id, []).append(person)
    school_ids = sorted(by_school)
    if not school_ids:
        return []
    schools = {s.id: s for s in db.session.scalars(select(School).where(School.id.in_(school_ids)))}
    plans = dict(db.session.execute(select(TargetPlan.school_id, TargetPlan.id).where(
        TargetPlan.cycle_id == cycle.id, TargetPlan.school_id.in_(school_ids))).all())
    title = "your regional leader" if sender.role == Role.regional_leader else "an administrator"
    messages = []
    for school_id in school_ids:
        school = schools[school_id]
        body = (f"{sender.name}, {title}, reminds you that {whose(school, cycle)} were due on "
                f"{long_date(cycle.due_on)} and are not submitted yet. Please finish and submit them.")
        messages.append(Message(by_school[school_id],
                                f"A reminder from {sender.name}: {whose(school, cycle)} are overdue", body,
                                plan_page(plans[school_id]) if school_id in plans else page_path("targets.mine"),
                                dedupe=f"reviewer-reminder:c{cycle.id}:s{school_id}:{day.isoformat()}"))
    return notify_each("reviewer_reminder", messages)
