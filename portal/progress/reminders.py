"""The check-in reminders of the daily schedule (portal.worker): a central office hears when a check-in
still with it (stage 1, or sent back) is due within 7 days, and when it has passed its due date.

The last day of a check-in's period is its due date: the period chosen from the check-in calendar
(progress.periods) when the office starts it, or one the office names itself. What the calendar says
before any check-in exists (a period opens; 7 days before its last day, an office has not started its
check-ins for it) is progress.period_notices, the next job of the same schedule.

A check-in is owed one reminder a day at most, the most pressing that is true that day, each once
under a key naming the check-in and the step, so a schedule run twice tells nobody twice. A check-in
left with its office for longer than CATCH_UP days after its due date is not reminded of any more: the
schedule catches up on days the worker was down, not on years of check-ins that were never finished."""
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.notifications.outbox import Message, in_each_language, notify_each
from portal.org.models import User
from portal.progress.models import CheckIn, Initiative, Stage
from portal.progress.notices import check_in_page, headline, named

WITH_THE_OFFICE = (Stage.sharing, Stage.sent_back)
AHEAD = 7  # days before the due date the first reminder goes
CATCH_UP = 30  # days after the due date the overdue reminder may still go
DUE, OVERDUE = "check-in-due", "check-in-overdue"


def step_on(due: date, day: date) -> str | None:
    """The reminder a check-in still with its office is owed on `day`, or None."""
    if due < day <= due + timedelta(days=CATCH_UP):
        return OVERDUE
    if due - timedelta(days=AHEAD) <= day <= due:
        return DUE
    return None


def standing(check_in: CheckIn, day: date) -> str | None:
    """Where a check-in stands against its due date on `day`, as an office's dashboard lists it:
    OVERDUE once past it while still with its office (however long ago, unlike the reminders), DUE
    within AHEAD days of it; None once it has gone on to the superintendent's office, or while the
    date is further off."""
    if check_in.stage not in WITH_THE_OFFICE:
        return None
    if check_in.period_end < day:
        return OVERDUE
    return DUE if check_in.period_end - timedelta(days=AHEAD) <= day else None


def remind(day: date) -> int:
    """The day's check-in reminders; how many notifications were written."""
    check_ins = db.session.scalars(
        select(CheckIn).where(CheckIn.stage.in_(WITH_THE_OFFICE),
                              CheckIn.period_end.between(day - timedelta(days=CATCH_UP), day + timedelta(days=AHEAD)))
        .options(joinedload(CheckIn.initiative).joinedload(Initiative.office)).order_by(CheckIn.period_end, CheckIn.id)
    ).all()
    if not check_ins:
        return 0
    offices: dict[int, list[User]] = {}
    for person in db.session.scalars(select(User).where(
            User.role == Role.central_office, User.active.is_(True),
            User.office_id.in_({c.initiative.office_id for c in check_ins})).order_by(User.id)):
        offices.setdefault(person.office_id or 0, []).append(person)
    messages = []
    for check_in in check_ins:
        step = step_on(check_in.period_end, day)
        team = offices.get(check_in.initiative.office_id)
        if step is None or not team:
            continue
        messages.append(Message(team, *in_each_language(words, step, check_in, day), check_in_page(check_in),
                                dedupe=f"{step}:k{check_in.id}"))
    return len(notify_each("check_in_due", messages))


def capital(text: str) -> str:
    """The first letter a capital, the rest as written (str.capitalize() would lower an initiative's name)."""
    return text[:1].upper() + text[1:]


def words(step: str, check_in: CheckIn, day: date) -> tuple[str, str]:
    """The subject and body of one check-in's reminder, in the language in force."""
    due, what, headed = long_date(check_in.period_end), capital(named(check_in)), headline(check_in)
    if check_in.stage == Stage.sent_back:
        where = _("was sent back to your office")
    else:
        where = _("is still with your office")
    if step == OVERDUE:
        return (_("Overdue: %(check_in)s", check_in=headed),
                _("%(check_in)s was due on %(date)s, the last day of its period, and %(where)s. Finish it and submit "
                  "the platform update for data review.", check_in=what, date=due, where=where))
    days = (check_in.period_end - day).days
    if days == 0:
        return (_("Due today: %(check_in)s", check_in=headed),
                _("%(check_in)s is due today, on %(date)s, the last day of its period, and %(where)s. Finish it and "
                  "submit the platform update for data review.", check_in=what, date=due, where=where))
    if days == 1:
        return (_("Due tomorrow: %(check_in)s", check_in=headed),
                _("%(check_in)s is due tomorrow, on %(date)s, the last day of its period, and %(where)s. Finish it "
                  "and submit the platform update for data review.", check_in=what, date=due, where=where))
    return (_("Due in %(days)s days: %(check_in)s", days=days, check_in=headed),
            _("%(check_in)s is due in %(days)s days, on %(date)s, the last day of its period, and %(where)s. Finish "
              "it and submit the platform update for data review.", check_in=what, days=days, date=due, where=where))
