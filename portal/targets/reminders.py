"""The target-setting reminders of the daily schedule (portal.worker): what each school's principals
are told as the current cycle's due date comes and goes, and each regional leader's weekly list of
their region's overdue schools.

A school whose plan is not yet submitted (nor approved) is owed one reminder a day at most, the most
pressing that is true that day: the window is open; its targets are due within 7 days; due within a
day (tomorrow, or today); overdue. Each is sent once under a key naming the cycle, the school and the
step, so a schedule run twice, or run late after the worker was down, tells nobody twice and never
sends a stale step on top of the one that is true now (a run on the day before the due date sends
"due tomorrow", and the 7-day reminder it missed is never sent). The due date and overdue are the
portal's own (the cycle's due date, operations.is_overdue), and a school is reminded only while it
can still act: while its window (extended or not, operations.window_open) is open.

A district of 1,200 schools is read in a handful of queries: the plans not yet submitted with their
schools, the window extensions, the principals, and one batch of notifications per kind."""
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import Message, notify_each
from portal.org.models import Region, School, User
from portal.targets import operations
from portal.targets.models import PlanStatus, TargetCycle, TargetPlan
from portal.targets.notices import plan_page, principals, whose
from portal.targets.queries import current_cycle
from portal.targets.review.queries import NOT_SUBMITTED

WINDOW_OPEN, DUE_7, DUE_1, OVERDUE = "window-open", "due-7", "due-1", "overdue"
NAMED_IN_A_LIST = 25  # a weekly list names this many schools; the review queue has them all
WHERE_IT_STANDS = {PlanStatus.not_started: "Nothing is entered in the plan yet.",
                   PlanStatus.draft: "The plan is a draft.", PlanStatus.returned: "The plan was returned for revision."}


def step_on(cycle: TargetCycle, day: date) -> str | None:
    """The most pressing reminder a school that has not submitted is owed on `day`, or None."""
    if day > cycle.due_on:
        return OVERDUE
    if day >= cycle.due_on - timedelta(days=1):
        return DUE_1
    if day >= cycle.due_on - timedelta(days=7):
        return DUE_7
    if day >= cycle.opens_on:
        return WINDOW_OPEN
    return None


def remind(day: date) -> int:
    """The day's target-setting reminders for the current cycle; how many notifications were written."""
    cycle = current_cycle()
    if cycle is None or day < cycle.opens_on:
        return 0
    waiting = db.session.execute(
        select(TargetPlan, School).join(School, TargetPlan.school_id == School.id)
        .where(TargetPlan.cycle_id == cycle.id, TargetPlan.status.in_(NOT_SUBMITTED)).order_by(School.name)
    ).all()
    return remind_schools(cycle, waiting, day) + remind_leaders(cycle, waiting, day)


def remind_schools(cycle: TargetCycle, waiting: Sequence[tuple[TargetPlan, School]], day: date) -> int:
    """Each waiting school's principals: the step of the day, once."""
    step = step_on(cycle, day)
    if step is None:
        return 0
    extended = operations.extended_windows(cycle)
    able = [(plan, school) for plan, school in waiting
            if operations.window_open_on(cycle, extended.get(school.id), day)
            and (step != OVERDUE or operations.is_overdue(plan, day))]
    people: dict[int, list[User]] = {}
    for person in principals([school.id for _, school in able]):
        people.setdefault(person.school_id or 0, []).append(person)
    messages = [Message(people[school.id], *words(step, cycle, plan, school, day, extended.get(school.id)),
                        plan_page(plan.id), dedupe=f"{step}:c{cycle.id}:s{school.id}")
                for plan, school in able if school.id in people]
    kind = "target_window_open" if step == WINDOW_OPEN else "target_due"
    return len(notify_each(kind, messages))


def words(step: str, cycle: TargetCycle, plan: TargetPlan, school: School, day: date,
          extended_to: date | None) -> tuple[str, str]:
    """The subject and body of one school's reminder."""
    due, theirs = long_date(cycle.due_on), whose(school, cycle)
    if step == WINDOW_OPEN:
        return (f"The window is open: {theirs}",
                f"The target-setting window for {cycle.name} is open. Set {school.name}'s targets and submit "
                f"them for review by {due}.")
    if step == OVERDUE:
        closes = max(cycle.closes_on, extended_to or cycle.closes_on)
        return (f"Overdue: {theirs}",
                f"{theirs} were due on {due} and are not submitted yet. {WHERE_IT_STANDS[plan.status]} "
                f"Finish them and submit them for review before the window closes on {long_date(closes)}.")
    days = (cycle.due_on - day).days
    when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
    return (f"Due {when}: {theirs}",
            f"{theirs} are due {when}, on {due}, and are not submitted yet. {WHERE_IT_STANDS[plan.status]} "
            "Finish them and submit them for review.")


def remind_leaders(cycle: TargetCycle, waiting: Sequence[tuple[TargetPlan, School]], day: date) -> int:
    """On Mondays while the cycle is open: each regional leader's list of their own region's overdue
    schools, once a week; nothing to a region with none."""
    if day.weekday() != 0 or not cycle.is_open(day):
        return 0
    overdue: dict[int, list[School]] = {}
    for plan, school in waiting:
        if operations.is_overdue(plan, day):
            overdue.setdefault(school.region_id, []).append(school)
    if not overdue:
        return 0
    regions = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(list(overdue))))}
    leaders: dict[int, list[User]] = {}
    for person in db.session.scalars(select(User).where(
            User.role == Role.regional_leader, User.active.is_(True), User.region_id.in_(list(overdue)))):
        leaders.setdefault(person.region_id or 0, []).append(person)
    year, week, _ = day.isocalendar()
    link = page_path("review.queue", overdue="1")
    messages = [Message(leaders[region_id], *region_words(cycle, regions[region_id], schools), link,
                        dedupe=f"region-overdue:c{cycle.id}:r{region_id}:{year}-W{week:02d}")
                for region_id, schools in overdue.items() if region_id in leaders]
    return len(notify_each("region_overdue", messages))


def region_words(cycle: TargetCycle, region: Region, schools: list[School]) -> tuple[str, str]:
    """The subject and body of one region's weekly list: its own schools, and nobody else's."""
    count = len(schools)
    schools_are = "1 school has" if count == 1 else f"{count} schools have"
    return (f"{region.name}: {count} school{'' if count == 1 else 's'} overdue with {cycle.name}",
            f"In {region.name}, {schools_are} not submitted their {cycle.name}, which were due on "
            f"{long_date(cycle.due_on)}: {listing([s.name for s in schools])}. The review queue lists them, "
            "with each plan's status.")


def listing(names: list[str]) -> str:
    """"A, B and C"; past NAMED_IN_A_LIST names, "A, B, ... and 12 more"."""
    shown, more = names[:NAMED_IN_A_LIST], len(names) - NAMED_IN_A_LIST
    if more > 0:
        return ", ".join(shown) + f" and {more} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]
