"""Who hears of a change to a school's target plan, and in what words.

A plan's decisions go to the school's principals, and its submissions to the leaders of the school's
region: nobody else, so no message names another school or region. Each is written by notify() in
the change's own transaction (the plan workflow's announce, targets.workflow.PLAN), so a change that
is rolled back tells nobody. Words name the school and the cycle, as the person would say them;
subjects begin with what happened, so a full inbox reads at a glance. Each is written in its
reader's language (in_each_language: the words are written again for each language among them)."""
from collections.abc import Callable, Sequence
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import Message, in_each_language, notify, notify_each
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
    return _("%(school)s's %(cycle)s", school=school.name, cycle=cycle.name)


def actor_name(event: AuditEvent) -> str:
    """Who acted. The event is not yet flushed, so its actor is read by id (the person acting is
    already in the session: no query). "Someone" is written in the reader's language."""
    actor = event.actor or (db.session.get(User, event.actor_id) if event.actor_id else None)
    return actor.name if actor is not None else _l("Someone")


# ---------------------------------------------------------------- the plan workflow's announce

def _submitted(plan: TargetPlan, event: AuditEvent) -> None:
    """To the region's leaders: a plan waits for their review. A plan sent in again after a return
    says so, as the leader has read it before."""
    notify(leaders(plan.school.region_id), "plan_submitted",
           *in_each_language(submitted_words, plan, actor_name(event), event.from_state == PlanStatus.returned.value),
           review_page(plan.id))


def submitted_words(plan: TargetPlan, actor: str, again: bool) -> tuple[str, str]:
    school, cycle = plan.school, plan.cycle
    if again:
        return (_("Resubmitted for review: %(plan)s", plan=whose(school, cycle)),
                _("%(name)s, principal of %(school)s, resubmitted the school's %(cycle)s for your review after they "
                  "were returned for revision. Open the plan to approve it or return it with a comment.",
                  name=actor, school=school.name, cycle=cycle.name))
    return (_("Submitted for review: %(plan)s", plan=whose(school, cycle)),
            _("%(name)s, principal of %(school)s, submitted the school's %(cycle)s for your review. Open the plan "
              "to approve it or return it with a comment.", name=actor, school=school.name, cycle=cycle.name))


def _returned(plan: TargetPlan, event: AuditEvent) -> None:
    notify(principals([plan.school.id]), "plan_returned", *in_each_language(decision_words, "return", plan,
           actor_name(event)), plan_page(plan.id), comment=event.comment)


def _approved(plan: TargetPlan, event: AuditEvent) -> None:
    notify(principals([plan.school.id]), "plan_approved", *in_each_language(decision_words, "approve", plan,
           actor_name(event)), plan_page(plan.id))


def _reopened(plan: TargetPlan, event: AuditEvent) -> None:
    notify(principals([plan.school.id]), "plan_reopened", *in_each_language(decision_words, "reopen", plan,
           actor_name(event)), plan_page(plan.id), comment=event.comment)


def decision_words(action: str, plan: TargetPlan, actor: str) -> tuple[str, str]:
    """The subject and body of a decision on a plan, told to its school's principals."""
    theirs = whose(plan.school, plan.cycle)
    if action == "approve":
        return (_("Approved: %(plan)s", plan=theirs),
                _("%(name)s approved %(plan)s. Nothing more is needed from you for this cycle.",
                  name=actor, plan=theirs))
    if action == "reopen":
        return (_("Reopened for revision: %(plan)s", plan=theirs),
                _("%(name)s reopened %(plan)s, which had been approved: the plan is back with you for revision. "
                  "Make the changes their comment asks for and submit it again.", name=actor, plan=theirs))
    due = plan.cycle.due_on
    if clock.today() <= due:  # the due date is named while it is ahead
        body = _("%(name)s returned %(plan)s for revision. Make the changes their comment asks for and submit the "
                 "plan again, by %(date)s.", name=actor, plan=theirs, date=long_date(due))
    else:
        body = _("%(name)s returned %(plan)s for revision. Make the changes their comment asks for and submit the "
                 "plan again.", name=actor, plan=theirs)
    return _("Returned for revision: %(plan)s", plan=theirs), body


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
    link = plan_page(plan.id) if plan is not None else page_path("targets.mine")
    notify(principals([school.id]), "window_extended", *in_each_language(extended_words, cycle, school, until), link,
           comment=reason or None)


def extended_words(cycle: TargetCycle, school: School, until: date) -> tuple[str, str]:
    return (_("Window extended to %(date)s: %(plan)s", date=long_date(until), plan=whose(school, cycle)),
            _("%(school)s may keep editing its %(cycle)s until %(date)s. The administrator's reason is below.",
              school=school.name, cycle=cycle.name, date=long_date(until)))


def extension_changed(cycle: TargetCycle, school: School, plan: TargetPlan | None, until: date, reason: str) -> None:
    """To the school's principals: the administrator moved the last day of their extended window."""
    link = plan_page(plan.id) if plan is not None else page_path("targets.mine")
    notify(principals([school.id]), "window_extended", *in_each_language(changed_words, cycle, school, until), link,
           comment=reason or None)


def changed_words(cycle: TargetCycle, school: School, until: date) -> tuple[str, str]:
    return (_("Window extension changed to %(date)s: %(plan)s", date=long_date(until), plan=whose(school, cycle)),
            _("%(school)s may now keep editing its %(cycle)s until %(date)s. The administrator's reason is below.",
              school=school.name, cycle=cycle.name, date=long_date(until)))


def extension_withdrawn(cycle: TargetCycle, school: School, plan: TargetPlan | None, reason: str) -> None:
    """To the school's principals: their window is back to the cycle's own dates."""
    link = plan_page(plan.id) if plan is not None else page_path("targets.mine")
    notify(principals([school.id]), "window_extended", *in_each_language(withdrawn_words, cycle, school), link,
           comment=reason or None)


def withdrawn_words(cycle: TargetCycle, school: School) -> tuple[str, str]:
    subject = _("Window extension withdrawn: %(plan)s", plan=whose(school, cycle))
    if clock.today() <= cycle.closes_on:
        return subject, _("The administrator withdrew the extension of %(school)s's window for %(cycle)s. The plan "
                          "stays open until the cycle closes on %(date)s. The reason is below.",
                          school=school.name, cycle=cycle.name, date=long_date(cycle.closes_on))
    return subject, _("The administrator withdrew the extension of %(school)s's window for %(cycle)s, so the plan "
                      "can no longer be edited. The reason is below.", school=school.name, cycle=cycle.name)


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
    messages = []
    for school_id in school_ids:
        words = in_each_language(reminder_words, cycle, schools[school_id], sender)
        messages.append(Message(by_school[school_id], *words,
                                plan_page(plans[school_id]) if school_id in plans else page_path("targets.mine"),
                                dedupe=f"reviewer-reminder:c{cycle.id}:s{school_id}:{day.isoformat()}"))
    return notify_each("reviewer_reminder", messages)


def reminder_words(cycle: TargetCycle, school: School, sender: User) -> tuple[str, str]:
    """A reviewer's reminder to one overdue school."""
    theirs, due = whose(school, cycle), long_date(cycle.due_on)
    subject = _("A reminder from %(name)s: %(plan)s are overdue", name=sender.name, plan=theirs)
    if sender.role == Role.regional_leader:
        return subject, _("%(name)s, your regional leader, reminds you that %(plan)s were due on %(date)s and are not "
                          "submitted yet. Please finish and submit them.", name=sender.name, plan=theirs, date=due)
    return subject, _("%(name)s, an administrator, reminds you that %(plan)s were due on %(date)s and are not "
                      "submitted yet. Please finish and submit them.", name=sender.name, plan=theirs, date=due)
