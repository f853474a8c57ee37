"""The check-in calendar: the reporting periods the superintendent's office opens for check-ins, each
with the day it opens and its last day (the due date of the check-ins for it), inside the plan's years.

Reading the period form (every problem at its field), adding, changing and removing a period, each with
its audit event, and the reads the pages and the daily schedule share. A check-in names its period by
name (CheckIn.period), so a period check-ins already name keeps its name and last day, and is not removed."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.dates import PLANNED, read_date
from portal.kernel.formatting import long_date
from portal.kernel.numbers import parse_int
from portal.kernel.workflow import check_version, describe_change, flush_versioned
from portal.progress.models import CheckIn, CheckInPeriod
from portal.strategic_plan import calendar

NAME_MAX = 60  # as long as a check-in's period (CheckIn.period)
FIELDS = ("name", "opens_on", "due_on")


@dataclass
class PeriodData:
    name: str = ""
    opens_on: date | None = None
    due_on: date | None = None


def _date(form, key: str, blank: str, errors: dict[str, str]) -> date | None:
    day, problem = read_date(form.get(key), PLANNED, example=calendar.example_date(10, 1))
    if problem is None and day is None:
        problem = blank
    if problem is None and day is not None:
        problem = calendar.date_problem(day)
    if problem:
        errors[key] = problem
        return None
    return day


def read_period(form, period: CheckInPeriod | None = None) -> tuple[PeriodData, dict[str, str]]:
    """The period form (a new period, or a change to `period`): clean values and each field's problem."""
    errors: dict[str, str] = {}
    data = PeriodData(name=" ".join(str(form.get("name") or "").split()))
    if not data.name:
        errors["name"] = _("Name the period, like “Mid-year 2024-25”.")
    elif len(data.name) > NAME_MAX:
        errors["name"] = _("Keep the name under %(max)s characters.", max=NAME_MAX)
    elif any(not ch.isprintable() for ch in data.name):
        errors["name"] = _("Use letters, digits and punctuation only in the name.")
    elif name_taken(data.name, period):
        errors["name"] = _("The calendar already has a period named “%(name)s”. Give this one another name.",
                           name=data.name)
    data.opens_on = _date(form, "opens_on", _("Enter the day the period opens, like 2024-10-01."), errors)
    data.due_on = _date(form, "due_on", _("Enter the period's last day, when its check-ins are due."), errors)
    if data.opens_on and data.due_on and data.due_on <= data.opens_on:
        errors["due_on"] = _("The last day must come after the day the period opens (%(opens)s). "
                             "Check the order of the two dates.", opens=long_date(data.opens_on))
    if period is not None and not errors and in_use(period) and (
            data.name != period.name or data.due_on != period.due_on):
        key = "name" if data.name != period.name else "due_on"
        errors[key] = _("Check-ins already report on %(period)s, so its name and last day stay as they are "
                        "(%(due)s). Only the day it opens can change.", period=period.name,
                        due=long_date(period.due_on))
    return data, errors


def name_taken(name: str, besides: CheckInPeriod | None = None) -> bool:
    stmt = select(CheckInPeriod.id).where(func.lower(CheckInPeriod.name) == name.lower())
    if besides is not None:
        stmt = stmt.where(CheckInPeriod.id != besides.id)
    return db.session.scalar(stmt.limit(1)) is not None


def check_ins_naming(period: CheckInPeriod) -> int:
    """How many check-ins report on the period (any action plan's)."""
    return db.session.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.period == period.name)) or 0


def in_use(period: CheckInPeriod) -> bool:
    return check_ins_naming(period) > 0


def _audit(period: CheckInPeriod, action: str, user, details: dict) -> None:
    db.session.add(AuditEvent(entity="check_in_period", entity_id=period.id, action=action, details=details,
                              actor_id=user.id, actor_role=user.role.value, at=clock.now()))


def _shown(data: PeriodData) -> dict:
    return {"name": data.name, "opens_on": data.opens_on.isoformat() if data.opens_on else None,
            "due_on": data.due_on.isoformat() if data.due_on else None}


def describe_period_change(period_id: int) -> str:
    last = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "check_in_period",
                                                      AuditEvent.entity_id == period_id)
                             .order_by(AuditEvent.id.desc()).limit(1))
    return describe_change(last, _("this period"))


def add_period(data: PeriodData, user) -> CheckInPeriod:
    period = CheckInPeriod(name=data.name, opens_on=data.opens_on, due_on=data.due_on)
    db.session.add(period)
    db.session.flush()
    _audit(period, "create", user, _shown(data))
    db.session.flush()
    return period


def change_period(period: CheckInPeriod, data: PeriodData, user, expected_version: int) -> None:
    """Save the change, or raise ConflictError when the form was filled in on an older version."""
    period_id = period.id
    check_version(period, expected_version, lambda: describe_period_change(period_id))
    before = _shown(PeriodData(period.name, period.opens_on, period.due_on))
    after = _shown(data)
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if not changes:
        return
    assert data.opens_on is not None and data.due_on is not None  # checked by the form's rules
    period.name, period.opens_on, period.due_on = data.name, data.opens_on, data.due_on
    _audit(period, "edit", user, {"changes": changes})
    flush_versioned(lambda: describe_period_change(period_id))


def remove_period(period: CheckInPeriod, user) -> str | None:
    """Remove the period; the reason it stays (check-ins report on it), or None when it is gone."""
    count = check_ins_naming(period)
    if count:
        return ngettext("%(period)s stays on the calendar: %(num)d check-in already reports on it. A period no "
                        "check-in names can be removed.",
                        "%(period)s stays on the calendar: %(num)d check-ins already report on it. A period no "
                        "check-in names can be removed.", count, period=period.name)
    _audit(period, "remove", user, _shown(PeriodData(period.name, period.opens_on, period.due_on)))
    db.session.delete(period)
    db.session.flush()
    return None


# ---------------------------------------------------------------- reads

def all_periods() -> list[CheckInPeriod]:
    return list(db.session.scalars(select(CheckInPeriod).order_by(CheckInPeriod.opens_on, CheckInPeriod.name)))


def by_when(day: date) -> dict[str, list[CheckInPeriod]]:
    """The calendar as its page lists it: the periods open on `day`, those still to come, and past ones
    (the latest first)."""
    every = all_periods()
    return {"open": [p for p in every if p.is_open(day)], "upcoming": [p for p in every if p.opens_on > day],
            "past": sorted((p for p in every if p.due_on < day), key=lambda p: p.due_on, reverse=True)}


def open_on(day: date) -> list[CheckInPeriod]:
    return list(db.session.scalars(select(CheckInPeriod).where(CheckInPeriod.opens_on <= day,
                                                               CheckInPeriod.due_on >= day)
                                   .order_by(CheckInPeriod.due_on, CheckInPeriod.name)))


def chosen_open(raw: str | None, day: date) -> CheckInPeriod | None:
    """The open period a start form chose by its id, or None when it names no period open on `day`."""
    period_id = parse_int(raw)
    if period_id is None:
        return None
    period = db.session.get(CheckInPeriod, period_id)
    return period if period is not None and period.is_open(day) else None
