"""What the daily schedule (portal.worker) tells central offices of the check-in calendar.

A period opens: every active central-office person whose office has an action plan (an initiative of
the current plan) hears it, with the period's last day and a link to where the check-in starts, once
per person per period (a key naming the period), from its opening day until its last day: a schedule
run twice tells nobody twice, and a run that missed the opening day still tells, never after the due
date. Seven days before a period's last day (or on the first run after that, until the last day), an
office with an action plan that has no check-in for the period hears which ones, once per period.

The words go through gettext in each person's language (i18n.for_person), with %(name)s placeholders."""
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from functools import partial

from flask_babel import force_locale, gettext
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import i18n
from portal.kernel.formatting import long_date
from portal.kernel.policy import Role
from portal.kernel.urls import page_path
from portal.notifications.outbox import Message, notify_each
from portal.org.models import Office, User
from portal.progress.models import CheckIn, CheckInPeriod, Initiative
from portal.progress.reminders import AHEAD

OPENS, DUE = "check_in_period_open", "check_in_due"


def announce(day: date) -> int:
    """The day's calendar messages; how many notifications were written."""
    periods = list(db.session.scalars(select(CheckInPeriod).where(CheckInPeriod.opens_on <= day,
                                                                  CheckInPeriod.due_on >= day)
                                      .order_by(CheckInPeriod.due_on, CheckInPeriod.id)))
    if not periods:
        return 0
    plans: dict[int, list[Initiative]] = {}
    for initiative in db.session.scalars(select(Initiative).order_by(Initiative.name, Initiative.id)):
        plans.setdefault(initiative.office_id, []).append(initiative)
    teams: dict[int, list[User]] = {}
    for person in db.session.scalars(select(User).where(
            User.role == Role.central_office, User.active.is_(True), User.office_id.in_(list(plans)))
            .order_by(User.id)):
        teams.setdefault(person.office_id or 0, []).append(person)
    offices = {o.id: o for o in db.session.scalars(select(Office).where(Office.id.in_(list(teams))))}
    named = select(CheckIn.initiative_id, CheckIn.period).where(CheckIn.period.in_([p.name for p in periods]))
    started = {(plan_id, name) for plan_id, name in db.session.execute(named)}
    opening: list[Message] = []
    due: list[Message] = []
    for period in periods:
        soon = period.due_on - timedelta(days=AHEAD) <= day
        for office_id, team in teams.items():
            missing = [i for i in plans[office_id] if (i.id, period.name) not in started]
            link = start_link(period, missing or plans[office_id])
            office = offices[office_id]
            opening += said(team, partial(opening_words, period, office), link, f"period-open:p{period.id}")
            if soon and missing:
                due += said(team, partial(due_words, period, office, missing), link,
                            f"period-due:p{period.id}:o{office_id}")
    return len(notify_each(OPENS, opening)) + len(notify_each(DUE, due))


def said(team: Sequence[User], words: Callable[[], tuple[str, str]], link: str, key: str) -> list[Message]:
    """One message for each language the team reads, written in it."""
    by_language: dict[str, list[User]] = {}
    for person in team:
        by_language.setdefault(i18n.for_person(person), []).append(person)
    out = []
    for language, people in by_language.items():
        with force_locale(language):
            subject, body = words()
        out.append(Message(people, subject, body, link, dedupe=key))
    return out


def start_link(period: CheckInPeriod, plans: list[Initiative]) -> str:
    """Where the check-in starts: the one action plan's form, the period chosen; for an office with
    several, the calendar, which leads to each."""
    if len(plans) == 1:
        return page_path("initiatives.initiative", initiative_id=plans[0].id, period=period.id) + "#start"
    return page_path("initiatives.calendar") + f"#period-{period.id}"


def opening_words(period: CheckInPeriod, office: Office) -> tuple[str, str]:
    return (gettext("A check-in period opens: %(period)s", period=period.name),
            gettext("The check-in period %(period)s is open from %(opens)s. Each action plan of %(office)s reports "
                    "on it in a check-in, due by %(due)s, the last day of the period. Start the check-in from "
                    "the action plan's page.", period=period.name, opens=long_date(period.opens_on),
                    office=office.name, due=long_date(period.due_on)))


def due_words(period: CheckInPeriod, office: Office, missing: list[Initiative]) -> tuple[str, str]:
    names = ", ".join(i.name for i in missing)
    return (gettext("Check-ins due on %(due)s: %(period)s", due=long_date(period.due_on), period=period.name),
            gettext("The check-in period %(period)s ends on %(due)s, and %(office)s has not started its check-in "
                    "for it on these action plans: %(plans)s. Start each one from its action plan's page and "
                    "submit the platform update by the due date.", period=period.name,
                    due=long_date(period.due_on), office=office.name, plans=names))
