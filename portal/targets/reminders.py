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

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import Message, in_each_language, notify_each
from portal.org.models import Region, School, User
from portal.targets import operations
from portal.targets.models import PlanStatus, TargetCycle, TargetPlan
from portal.targets.notices import plan_page, principals, whose
from portal.targets.queries import current_cycle
from portal.targets.review.queries import NOT_SUBMITTED

WINDOW_OPEN, DUE_7, DUE_1, OVERDUE = "window-open", "due-7", "due-1", "overdue"
NAMED_IN_A_LIST = 25  # a weekly list names this many schools; the review queue has them all
WHERE_IT_STANDS = {PlanStatus.not_started: _l("Nothing is entered in the plan yet."),
                   PlanStatus.draft: _l("The plan is a draft."),
                   PlanStatus.returned: _l("The plan was returned for revision.")}


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
    for person in principals([school.id for _plan, school in able]):
        people.setdefault(person.school_id or 0, []).append(person)
    messages = [Message(people[school.id], *in_each_language(words, step, cycle, plan, school, day,
                                                             extended.get(school.id)),
                        plan_page(plan.id), dedupe=f"{step}:c{cycle.id}:s{school.id}")
                for plan, school in able if school.id in people]
    kind = "target_window_open" if step == WINDOW_OPEN else "target_due"
    return len(notify_each(kind, messages))


def words(step: str, cycle: TargetCycle, plan: TargetPlan, school: School, day: date,
          extended_to: date | None) -> tuple[str, str]:
    """The subject and body of one school's reminder, in the language in force."""
    due, theirs = long_date(cycle.due_on), whose(school, cycle)
    if step == WINDOW_OPEN:
        return (_("The window is open: %(plan)s", plan=theirs),
                _("The target-setting window for %(cycle)s is open. Set %(school)s's targets and submit them for "
                  "review by %(date)s.", cycle=cycle.name, school=school.name, date=due))
    stands = str(WHERE_IT_STANDS[plan.status])
    if step == OVERDUE:
        closes = max(cycle.closes_on, extended_to or cycle.closes_on)
        return (_("Overdue: %(plan)s", plan=theirs),
                _("%(plan)s were due on %(date)s and are not submitted yet. %(stands)s Finish them and submit them "
                  "for review before the window closes on %(closes)s.", plan=theirs, date=due, stands=stands,
                  closes=long_date(closes)))
    days = (cycle.due_on - day).days
    if days == 0:
        return (_("Due today: %(plan)s", plan=theirs),
                _("%(plan)s are due today, on %(date)s, and are not submitted yet. %(stands)s Finish them and submit "
                  "them for review.", plan=theirs, date=due, stands=stands))
    if days == 1:
        return (_("Due tomorrow: %(plan)s", plan=theirs),
                _("%(plan)s are due tomorrow, on %(date)s, and are not submitted yet. %(stands)s Finish them and "
                  "submit them for review.", plan=theirs, date=due, stands=stands))
    return (_("Due in %(days)s days: %(plan)s", days=days, plan=theirs),
            _("%(plan)s are due in %(days)s days, on %(date)s, and are not submitted yet. %(stands)s Finish them "
              "and submit them for review.", plan=theirs, days=days, date=due, stands=stands))


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
    messages = [Message(leaders[region_id], *in_each_language(region_words, cycle, regions[region_id], schools), link,
                        dedupe=f"region-overdue:c{cycle.id}:r{region_id}:{year}-W{week:02d}")
                for region_id, schools in overdue.items() if region_id in leaders]
    return len(notify_each("region_overdue", messages))


def region_words(cycle: TargetCycle, region: Region, schools: list[School]) -> tuple[str, str]:
    """The subject and body of one region's weekly list: its own schools, and nobody else's."""
    count = len(schools)
    return (ngettext("%(region)s: %(num)s school overdue with %(cycle)s",
                     "%(region)s: %(num)s schools overdue with %(cycle)s", count, region=region.name, cycle=cycle.name),
            ngettext("In %(region)s, %(num)s school has not submitted their %(cycle)s, which were due on %(date)s: "
                     "%(schools)s. The review queue lists them, with each plan's status.",
                     "In %(region)s, %(num)s schools have not submitted their %(cycle)s, which were due on %(date)s: "
                     "%(schools)s. The review queue lists them, with each plan's status.",
                     count, region=region.name, cycle=cycle.name, date=long_date(cycle.due_on),
                     schools=listing([s.name for s in schools])))


def listing(names: list[str]) -> str:
    """"A, B and C"; past NAMED_IN_A_LIST names, "A, B, ... and 12 more"."""
    shown, more = names[:NAMED_IN_A_LIST], len(names) - NAMED_IN_A_LIST
    if more > 0:
        return _("%(names)s and %(num)s more", names=", ".join(shown), num=more)
    if len(shown) == 1:
        return shown[0]
    return _("%(names)s and %(last)s", names=", ".join(shown[:-1]), last=shown[-1])
