"""Forms for target cycles: open a cycle, extend one school's window; and the checks that keep a new
cycle on the plan's calendar."""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.dates import PLANNED, Within
from portal.kernel.formatting import long_date
from portal.strategic_plan import calendar
from portal.targets.models import CycleKind, TargetCycle


def cycle_name(year: str, kind: CycleKind) -> str:
    """A cycle's name when none is typed, beginning with its school year (it reads in "Your school's …
    were due on …"): "2022-23 targets with a trajectory to 2026", "2024-25 targets"."""
    if kind == CycleKind.trajectory:
        target = calendar.target_calendar_year()
        return f"{year} targets with a trajectory to {target}" if target else f"{year} targets with a trajectory"
    return f"{year} targets"


class CycleForm(FlaskForm):
    school_year = StringField(_l("School year"), validators=[DataRequired(message=_l("Enter the school year."))])
    kind = SelectField(_l("Kind"), choices=[])
    name = StringField(_l("Name shown to principals"), validators=[Length(max=120)])
    opens_on = DateField(_l("Opens on"), validators=[DataRequired(message=_l("Enter the date the window opens.")),
                                                     Within(PLANNED)])
    due_on = DateField(_l("Due on"), validators=[DataRequired(message=_l("Enter the due date.")), Within(PLANNED)])
    closes_on = DateField(_l("Closes on"), description=_l("After this date principals can no longer edit."),
                          validators=[DataRequired(message=_l("Enter the date the window closes.")),
                                      Within(PLANNED)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = calendar.plan_years()
        example = calendar.example_year()
        target = calendar.target_calendar_year()
        self.school_year.description = (_("A school year of the plan, from %(first)s to %(last)s, like %(example)s.",
                                          first=years[0], last=years[-1], example=example)
                                        if years else _("Like %(example)s.", example=example))
        self.kind.choices = [
            SelectChoice(CycleKind.trajectory.value,
                         _("Set %(year)s targets with a trajectory", year=target) if target
                         else _("Set the plan’s targets with a trajectory")),
            SelectChoice(CycleKind.annual.value, _("Set this year's target from the approved trajectory")),
        ]
        self.name.description = _("Leave blank to use the school year and kind, like “%(name)s”.",
                                  name=cycle_name(example, CycleKind.annual))
        self.due_on.description = _("A trajectory cycle is due within its school year, before the years it sets "
                                    "targets for begin; an annual cycle by 31 December of its year, while the year "
                                    "can still reach its target.")


@dataclass
class NewCycle:
    school_year: str
    kind: CycleKind
    name: str
    opens_on: date
    due_on: date
    closes_on: date


def _add(field, problem: str | None) -> None:
    """Put the problem at the field, unless the field already has one."""
    if problem and not field.errors:
        field.errors.append(problem)


def read_cycle(form: CycleForm) -> NewCycle | None:
    """Check a CycleForm (after its own field checks) against the plan's calendar and the cycles already
    open: the new cycle, or None with every reason at its field.

    The school year is one of the plan's; a trajectory cycle sets targets for the plan's years after its
    own, so it needs one still to come. A typed name names no other school year than the cycle's. The
    window's dates fall inside the cycle's school year, in order; an annual cycle is due by 31 December
    of the year it sets the target for."""
    year = (form.school_year.data or "").strip()
    kind = CycleKind(form.kind.data) if form.kind.data in {k.value for k in CycleKind} else None
    if kind is None:
        _add(form.kind, _("Choose the kind of cycle."))
    if year and not form.school_year.errors:
        _add(form.school_year, calendar.year_format_problem(year) or calendar.year_problem(year))
    year_ok = bool(year) and not form.school_year.errors
    if year_ok and kind == CycleKind.trajectory and not calendar.later_years(year):
        _add(form.school_year, _("A trajectory cycle sets targets for the plan's years after its own, and %(year)s is "
                                 "the plan's last year. Open an annual cycle for %(year)s instead.", year=year))
    if year_ok and kind is not None and db.session.scalar(
            select(TargetCycle.id).where(TargetCycle.school_year == year, TargetCycle.kind == kind)):
        _add(form.school_year, _("A cycle of this kind already exists for that school year."))
    year_ok = year_ok and not form.school_year.errors
    name = " ".join((form.name.data or "").split())
    if year_ok and kind is not None and name:
        other = [y for y in calendar.years_named(name) if y != year]
        if other:
            _add(form.name, _("This name says %(other)s, but the cycle is for the %(year)s school year. Name the "
                              "cycle's own year, or leave the name blank to use “%(name)s”.",
                              other=other[0], year=year, name=cycle_name(year, kind)))
    dates = (form.opens_on, form.due_on, form.closes_on)
    if year_ok:
        for field, what in zip(dates, ("the opening date", "the due date", "the closing date"), strict=True):
            if field.data is not None and not field.errors:
                _add(field, calendar.in_year_problem(field.data, year, what))
    if year_ok and kind == CycleKind.annual and form.due_on.data is not None and not form.due_on.errors:
        by = date(clock.year_start(year), 12, 31)
        if form.due_on.data > by:
            _add(form.due_on, _("An annual cycle sets the target for %(year)s, so it is due by %(date)s, "
                                "while the year can still reach it.", year=year, date=long_date(by)))
    if all(f.data is not None and not f.errors for f in dates) and not (
            form.opens_on.data <= form.due_on.data <= form.closes_on.data):
        _add(form.closes_on, _("The dates must run in order: opens, then due, then closes."))
    if form.errors or kind is None or not year_ok:
        return None
    return NewCycle(year, kind, name or cycle_name(year, kind), form.opens_on.data, form.due_on.data,
                    form.closes_on.data)


class ExtensionForm(FlaskForm):
    school_code = StringField(_l("School code"), validators=[DataRequired(message=_l("Enter the school's code.")),
                                                             Length(max=12)])
    until = DateField(_l("Extend until"), validators=[
        DataRequired(message=_l("Enter the last day the school may edit.")), Within(PLANNED)])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason for the extension.")),
                                                     Length(max=500)])


class ExtensionChangeForm(FlaskForm):
    """A new last day, or a new reason, for one school's extension."""

    until = ExtensionForm.until
    reason = ExtensionForm.reason


class WithdrawExtensionForm(FlaskForm):
    withdraw_reason = TextAreaField(_l("Reason"), validators=[
        DataRequired(message=_l("Give the reason for withdrawing the extension.")), Length(max=500)])
