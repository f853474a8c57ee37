"""Reading the action-plan forms: an initiative (name, priority, measures, office) and a progress
metric (unit, direction, breakdown, baselines and targets typed as "K-5=13.6; 6-8=12.4").

Each reader returns (clean values, field errors); the caller writes nothing when there are errors."""
import re

from flask_babel import gettext as _

from portal.kernel import clock
from portal.kernel.dates import PERIOD_END
from portal.kernel.formatting import count, long_date
from portal.kernel.i18n import N_
from portal.org.models import Office
from portal.progress import periods
from portal.progress.action_plans import InitiativeData, MetricData
from portal.strategic_plan import calendar
from portal.strategic_plan.models import Measure, Priority
from portal.targets.guardrails import parse_number

MAX_TEXT = 5000
# English kept as data; the page translates them where it shows them.
UNITS = {"count": N_("Count"), "percent": N_("Percent"), "dollars": N_("Dollars")}
DIRECTIONS = {"up": N_("Up is better"), "down": N_("Down is better")}
MEASURE_CODE = re.compile(r"^[1-5][A-D]-[0-9]{1,2}$")


def read_initiative(form, user, priorities: dict[str, Priority], measures: dict[str, Measure],
                    offices: dict[str, Office]) -> tuple[InitiativeData, dict[str, str]]:
    errors: dict[str, str] = {}
    data = InitiativeData()
    data.name = " ".join((form.get("name") or "").split())
    if not data.name:
        errors["name"] = _("Give the action plan a name.")
    elif len(data.name) > 160:
        errors["name"] = _("Keep the name under 160 characters.")
    code = (form.get("priority") or "").strip().upper()
    data.priority = priorities.get(code)
    if data.priority is None:
        errors["priority"] = _("Choose the Priority this action plan serves.")
    data.description = (form.get("description") or "").strip()
    if len(data.description) > MAX_TEXT:
        errors["description"] = _("Keep the description under %(num)s characters.", num=count(MAX_TEXT))
    chosen = [c.strip().upper() for c in form.getlist("measure") if c.strip()]
    extra_raw = form.get("extra_measures") or ""
    extra = [c.upper() for c in re.split(r"[\s,;]+", extra_raw.strip()) if c]
    bad = [c for c in extra if not MEASURE_CODE.match(c) or c not in measures]
    if bad:
        codes = ", ".join(bad[:5])
        errors["extra_measures"] = (
            _("%(codes)s is not a Measure of Success in the plan. Codes look like 1A-1: the Priority, a dash and "
              "the measure's number.", codes=codes) if len(bad) == 1 else
            _("%(codes)s are not Measures of Success in the plan. Codes look like 1A-1: the Priority, a dash and "
              "the measure's number.", codes=codes))
    unknown = [c for c in chosen if c not in measures]
    if unknown:
        errors["measure"] = _("Choose measures from the list.")
    seen: dict[str, Measure] = {}
    for c in chosen + extra:
        if c in measures:
            seen.setdefault(c, measures[c])
    data.measures = sorted(seen.values(), key=lambda m: m.code)
    if user.role.value == "admin":
        data.office = offices.get((form.get("office") or "").strip())
        if data.office is None:
            errors["office"] = _("Choose the office that owns this action plan.")
    else:
        data.office = user.office
    return data, errors


# ---------------------------------------------------------------- progress metrics


def _number(raw: str, unit: str) -> tuple[float | None, str | None]:
    value, problem = parse_number(raw.replace("$", ""))
    if problem:
        return None, problem
    if value is None:
        return None, _("Enter a number.")
    if unit == "percent" and not 0 <= value <= 100:
        return None, _("A percentage is from 0 to 100.")
    if value < 0:
        return None, _("Enter zero or more.")
    return value, None


def read_reference(raw: str, unit: str, breakdown: str) -> tuple[dict, str | None]:
    """Baselines or targets: one number, or "name=value" pairs separated by semicolons or lines."""
    raw = (raw or "").strip()
    if not raw:
        return {}, None
    if len(raw) > 1000:
        return {}, _("Keep this under %(num)s characters.", num=count(1000))
    if "=" not in raw:
        if breakdown:
            return {}, _("This metric is broken down by %(breakdown)s: give a value for each, like K-5=13.6; "
                         "6-8=12.4.", breakdown=breakdown.lower())
        value, problem = _number(raw, unit)
        return ({"": value}, None) if problem is None else ({}, problem)
    if not breakdown:
        return {}, _("Values per breakdown need a breakdown label (like School level). Add the label, or enter "
                     "one number.")
    out: dict[str, float] = {}
    for part in re.split(r"[;\n]+", raw):
        part = part.strip()
        if not part:
            continue
        key, sep, value_text = part.partition("=")
        key = " ".join(key.split())
        if not sep or not key:
            return {}, _("“%(part)s” needs a name and a value, like K-5=13.6.", part=part[:40])
        if len(key) > 80:
            return {}, _("Keep each breakdown name under 80 characters.")
        if key in out:
            return {}, _("%(key)s is given twice.", key=key)
        value, problem = _number(value_text, unit)
        if value is None:  # _number gives a value or a problem
            return {}, f"{key}: {problem}"
        out[key] = value
    return out, None


def plain_number(value) -> str:
    """A stored number as a person would type it: 19613, 39.9, 11894670."""
    if value is None:
        return ""
    return f"{float(value):f}".rstrip("0").rstrip(".") or "0"


def format_reference(values: dict) -> str:
    """The typed form of stored baselines or targets, for an edit form."""
    if not values:
        return ""
    if list(values) == [""]:
        return plain_number(values[""])
    return "; ".join(f"{k}={plain_number(v)}" for k, v in values.items())


def read_metric(form) -> tuple[MetricData, dict[str, str]]:
    errors: dict[str, str] = {}
    data = MetricData()
    data.name = " ".join((form.get("name") or "").split())
    if not data.name:
        errors["name"] = _("Name the metric, like “Tutoring: unique users”.")
    elif len(data.name) > 160:
        errors["name"] = _("Keep the name under 160 characters.")
    data.unit = (form.get("unit") or "").strip()
    if data.unit not in UNITS:
        errors["unit"] = _("Choose count, percent or dollars.")
    data.direction = (form.get("direction") or "").strip()
    if data.direction not in DIRECTIONS:
        errors["direction"] = _("Choose whether up or down is better.")
    data.breakdown = " ".join((form.get("breakdown") or "").split())
    if len(data.breakdown) > 60:
        errors["breakdown"] = _("Keep the breakdown label under 60 characters.")
    for attr, limit in (("baseline_label", 80), ("target_label", 120)):
        text = " ".join((form.get(attr) or "").split())
        setattr(data, attr, text)
        if len(text) > limit:
            errors[attr] = _("Keep the label under %(num)s characters.", num=limit)
    if "unit" not in errors and "breakdown" not in errors:
        for attr in ("baselines", "targets"):
            values, problem = read_reference(form.get(attr) or "", data.unit, data.breakdown)
            if problem:
                errors[attr] = problem
            setattr(data, attr, values)
    return data, errors


def read_start(form, taken: set[str]):
    """A new check-in's period: one the check-in calendar has open today, chosen by its id (its name and
    last day are the calendar's), or another period typed as its name and last day (read_period)."""
    raw = str(form.get("period_id") or "").strip()
    if not raw:
        return read_period(form, taken)
    chosen = periods.chosen_open(raw, clock.today())
    if chosen is None:
        return "", None, {"period_id": "Choose a period the check-in calendar has open today, or choose "
                                       "“Another period” and type its name and last day."}
    if chosen.name.lower() in {t.lower() for t in taken}:
        return chosen.name, chosen.due_on, {"period_id": f"This action plan already has a check-in for "
                                                         f"{chosen.name}. Open it, or choose another period."}
    return chosen.name, chosen.due_on, {}


def read_period(form, taken: set[str]):
    """A new check-in's reporting period: a label unique to the initiative and its end date, which falls
    inside the plan's school years and agrees with any year the label names ("Spring 2024" ends in
    2024, "Mid-year 2023-24" in the 2023-24 school year)."""
    from portal.progress.check_ins import parse_date

    errors: dict[str, str] = {}
    period = " ".join((form.get("period") or "").split())
    if not period:
        errors["period"] = _("Name the reporting period, like “Spring 2024”.")
    elif len(period) > 60:
        errors["period"] = _("Keep the period under 60 characters.")
    elif period.lower() in {t.lower() for t in taken}:
        errors["period"] = already_started(period)
    period_end, problem = parse_date(form.get("period_end"), PERIOD_END)
    if problem or period_end is None:
        errors["period_end"] = problem or _("Enter the last day of the period, like 2024-03-31.")
    else:
        problem = calendar.date_problem(period_end)
        if problem:
            errors["period_end"] = problem
    if period_end is not None and "period" not in errors and "period_end" not in errors:
        problem = _label_problem(period, period_end)
        if problem:
            errors["period"] = problem
    return period, period_end, errors


def _label_problem(period: str, period_end) -> str | None:
    """Why the period's name and its last day disagree, or None."""
    last = long_date(period_end)
    school_years = calendar.years_named(period)
    if school_years and clock.school_year_of(period_end) not in school_years:
        return _("“%(period)s” names the %(named)s school year, but its last day, %(last)s, falls in %(year)s. Change "
                 "the name or the last day so they agree.", period=period, named=school_years[0], last=last,
                 year=clock.school_year_of(period_end))
    years = calendar.calendar_years_named(period)
    if years and period_end.year not in years:
        return _("“%(period)s” names %(named)s, but its last day, %(last)s, is in %(year)s. Change the name or the "
                 "last day so they agree.", period=period, named=years[0], last=last, year=period_end.year)
    return None


def already_started(period: str) -> str:
    return _("This action plan already has a check-in for %(period)s. Open it, or name another period.",
             period=period)
