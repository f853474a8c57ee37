"""Checking and saving one value of a measure, and choosing the check-in metric that feeds it."""
import re
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import or_, select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.clock import current_school_year, year_label, year_start
from portal.kernel.dates import HAPPENED, read_date
from portal.kernel.formatting import count, long_date, measure_value
from portal.kernel.numbers import read_figure
from portal.kernel.policy import Role
from portal.kernel.workflow import ConflictError, describe_change, flush_versioned
from portal.measures.models import MeasureValue
from portal.progress.models import Initiative, ProgressMetric
from portal.strategic_plan.models import Measure

FIRST_YEAR = 2010  # the earliest school year a value may be entered for: 2010-11
YEAR_RE = re.compile(r"(20[0-9][0-9])-([0-9][0-9])")
MAX_SOURCE, MAX_NOTE = 200, 2000
VALUE_FIELDS = ("value", "as_of", "source", "note")


# ---------------------------------------------------------------- school years and numbers

def year_problem(year: str, latest: str | None = None) -> str | None:
    """A school year like 2023-24, from 2010-11 up to the current school year."""
    match = YEAR_RE.fullmatch(year or "")
    if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        return _("Write the school year as two years in a row, like 2023-24.")
    latest = latest or current_school_year()
    if not FIRST_YEAR <= int(match.group(1)) <= year_start(latest):
        return _("Choose a school year from %(first)s to %(last)s.", first=year_label(FIRST_YEAR), last=latest)
    return None


def entry_years() -> list[str]:
    """Every school year a value can be entered for, newest first."""
    return [year_label(y) for y in range(year_start(current_school_year()), FIRST_YEAR - 1, -1)]


def parse_value(raw) -> tuple[float | None, str | None]:
    # Offices paste figures as their reports print them: 1,250 or 62.5% or $1,200 or a true minus sign.
    value, problem = read_figure(raw)
    if value is None:
        return None, problem or _("Enter the value, like 62.5.")
    return round(value, 4), None


def unit_problem(unit: str, value: float) -> str | None:
    if unit == "percent" and not 0 <= value <= 100:
        return _("A percentage is from 0 to 100.")
    if unit in {"count", "dollars", "ratio"} and value < 0:
        return _("Enter zero or more.")
    if unit == "points" and not -500 <= value <= 500:
        return _("Points from standard are between -500 and 500.")
    return None


def parse_as_of(raw, year: str | None) -> tuple[date | None, str | None]:
    text = str(raw if raw is not None else "").strip()[:10]
    if not text:
        return None, _("Enter the date the value is as of, like 2024-06-30.")
    day, problem = read_date(text, HAPPENED, example="2024-06-30")
    if day is None:
        return None, problem
    first = date(year_start(year), 7, 1) if year and YEAR_RE.fullmatch(year) else None
    if first is not None and day < first:
        return None, _("A value for %(year)s is as of %(date)s or later.", year=year, date=long_date(first))
    return day, None


# ---------------------------------------------------------------- one value

def can_enter(user, measure: Measure) -> bool:
    """The owning office keeps a measure's values; administrators keep all."""
    return user.role == Role.admin or (user.role == Role.central_office and user.office_id is not None
                                       and user.office_id == measure.owner_office_id)


def check_value(measure: Measure, form, latest_year: str | None = None) -> tuple[dict, dict]:
    """The posted year, sub-target, value, as-of date, source and note: (clean values, field errors)."""
    errors: dict[str, str] = {}
    year = (form.get("year") or "").strip()
    problem = year_problem(year, latest_year) if year else _("Choose the school year the value is for.")
    if problem:
        errors["year"] = problem
    subtarget = (form.get("subtarget") or "").strip()
    labels = [s.get("label") for s in measure.subtargets or []]
    if subtarget and subtarget not in labels:
        errors["subtarget"] = (_("Choose the measure itself or one of its sub-targets: %(labels)s.",
                                 labels=", ".join(labels)) if labels else
                               _("This measure has no sub-targets: leave this blank."))
    value, problem = parse_value(form.get("value"))
    if value is not None:  # parse_value gives a value or a problem
        problem = unit_problem(measure.unit, value)
    if problem:
        errors["value"] = problem
    as_of, problem = parse_as_of(form.get("as_of"), year if "year" not in errors else None)
    if problem:
        errors["as_of"] = problem
    source = (form.get("source") or "").strip()
    if len(source) > MAX_SOURCE:
        errors["source"] = _("Keep the source under %(num)s characters.", num=MAX_SOURCE)
    note = (form.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = _("Keep the note under %(num)s characters.", num=count(MAX_NOTE))
    return {"year": year, "subtarget": subtarget, "value": value, "as_of": as_of, "source": source,
            "note": note}, errors


def write_value(measure: Measure, clean: dict, user, existing: MeasureValue | None, via: str) -> str:
    """Insert or update one checked value and its AuditEvent. Returns 'created', 'updated' or 'same'."""
    now = clock.now()
    # A fed value saved as typed is a change even with the same figure: the office now vouches for it.
    if existing is not None and all(getattr(existing, f) == clean[f] for f in VALUE_FIELDS) \
            and existing.check_in_id is None:
        return "same"
    if existing is None:
        row = MeasureValue(measure_id=measure.id, subtarget=clean["subtarget"], year=clean["year"],
                           entered_by_id=user.id, entered_at=now, **{f: clean[f] for f in VALUE_FIELDS})
        db.session.add(row)
        db.session.flush()  # the audit event names the new row's id
        before, action = None, "create"
    else:
        row, before, action = existing, existing.value, "update"
        for f in VALUE_FIELDS:
            setattr(row, f, clean[f])
        row.entered_by_id, row.entered_at, row.check_in_id = user.id, now, None
        row.generated = False
    db.session.add(AuditEvent(entity="measure_value", entity_id=row.id, action=action, actor_id=user.id,
                              actor_role=user.role.value, at=now,
                              details={"measure": measure.code, "subtarget": clean["subtarget"],
                                       "year": clean["year"], "from": before, "to": clean["value"], "via": via}))
    return "created" if action == "create" else "updated"


def value_row(measure: Measure, year: str, subtarget: str) -> MeasureValue | None:
    """The value saved for the measure's school year and sub-target ("" for the measure itself)."""
    return db.session.scalar(select(MeasureValue).where(
        MeasureValue.measure_id == measure.id, MeasureValue.subtarget == subtarget, MeasureValue.year == year))


def value_noun(year: str, subtarget: str, opening: bool = False) -> str:
    """The value a refusal is about: "this 2023-24 value" ("The 2023-24 value" to start a sentence)."""
    if subtarget:
        return (_("The %(year)s %(subtarget)s value", year=year, subtarget=subtarget) if opening else
                _("this %(year)s %(subtarget)s value", year=year, subtarget=subtarget))
    return _("The %(year)s value", year=year) if opening else _("this %(year)s value", year=year)


def describe_value_change(row_id: int | None, noun: str) -> str:
    """Who entered or changed the value last, and when."""
    last = None if row_id is None else db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "measure_value", AuditEvent.entity_id == row_id).order_by(AuditEvent.id.desc())).first()
    return describe_change(last, noun, done="entered" if last is not None and last.action == "create" else "changed")


def check_seen(measure: Measure, clean: dict, existing: MeasureValue | None, seen: tuple[str, str],
               seen_version: int) -> None:
    """Refuse to write over a value the form did not show as it is now. The form says which school
    year and sub-target it was showing (`seen`) and that value's version (0: there was none)."""
    noun = value_noun(clean["year"], clean["subtarget"])
    if seen == (clean["year"], clean["subtarget"]):
        if (existing.version if existing is not None else 0) != seen_version:
            raise ConflictError(describe_value_change(existing.id if existing is not None else None, noun))
    elif existing is not None:  # the form showed another year (its page did not follow the choice)
        who = existing.entered_by.name if existing.entered_by else _("someone")
        raise ConflictError(_("%(this)s is already saved: %(value)s, entered by %(who)s on %(date)s. Check it, "
                              "then save again to replace it.",
                              this=value_noun(clean["year"], clean["subtarget"], opening=True),
                              value=measure_value(existing.value, measure.unit), who=who,
                              date=long_date(existing.entered_at)))


def save_value(measure: Measure, form, user, seen: tuple[str, str], seen_version: int) -> tuple[dict, dict, str]:
    """Check and write one typed value: (clean values, field errors, 'created'|'updated'|'same').
    Raises ConflictError, writing nothing, when the value is not as the form showed it (check_seen).

    When someone saved the same year a moment ago the flush raises IntegrityError: the caller rolls
    back and calls this again, which then finds their value and refuses."""
    clean, errors = check_value(measure, form)
    if errors:
        return clean, errors, ""
    existing = value_row(measure, clean["year"], clean["subtarget"])
    check_seen(measure, clean, existing, seen, seen_version)
    outcome = write_value(measure, clean, user, existing, "form")
    row_id, noun = (existing.id if existing is not None else None), value_noun(clean["year"], clean["subtarget"])
    flush_versioned(lambda: describe_value_change(row_id, noun))
    return clean, errors, outcome


# ---------------------------------------------------------------- the feed

def feed_choices(measure: Measure) -> list[tuple[str, str]]:
    """(value, label) for each check-in metric that may feed the measure: the metrics of the
    initiatives that move it, each as a whole or by one of its breakdowns."""
    from portal.progress.check_ins import breakdowns

    metrics = db.session.execute(
        select(ProgressMetric, Initiative.name).join(Initiative)
        .where(or_(Initiative.measures.any(Measure.id == measure.id), ProgressMetric.id == measure.feed_metric_id))
        .order_by(Initiative.name, ProgressMetric.position)).all()
    labels = {s.get("label") for s in measure.subtargets or []}
    choices = []
    for metric, initiative_name in metrics:
        keys = breakdowns(metric)
        if metric.breakdown and any(k in labels for k in keys):
            whole = _("each sub-target from the breakdown of its name")
        elif metric.breakdown:
            whole = _("the figure without a breakdown")
        else:
            whole = _("the measure's own value")
        choices.append((f"{metric.id}:", f"{initiative_name}: {metric.name} ({whole})"))
        if metric.breakdown:
            for key in keys:
                target = _("the %(key)s sub-target", key=key) if key in labels else _("the measure's own value")
                choices.append((f"{metric.id}:{key}", _("%(plan)s: %(metric)s, %(key)s only (%(target)s)",
                                                        plan=initiative_name, metric=metric.name, key=key,
                                                        target=target)))
    return choices


def feed_label(measure: Measure) -> str:
    """Which check-in metric feeds the measure, in words ("" when none does)."""
    if not measure.feed_metric_id:
        return ""
    row = db.session.execute(select(ProgressMetric.name, Initiative.name).join(Initiative)
                             .where(ProgressMetric.id == measure.feed_metric_id)).first()
    if row is None:
        return ""
    if measure.feed_breakdown:
        return _("%(metric)s, %(key)s only, from the %(plan)s check-ins", metric=row[0], key=measure.feed_breakdown,
                 plan=row[1])
    return _("%(metric)s, from the %(plan)s check-ins", metric=row[0], plan=row[1])


def set_feed(measure: Measure, choice: str, user) -> str | None:
    """Choose the check-in metric (and breakdown) that feeds the measure, or none. Returns a problem."""
    choice = (choice or "").strip()
    if choice and choice not in {value for value, _ in feed_choices(measure)}:
        return _("Choose one of the check-in metrics listed, or no feed.")
    metric_id, breakdown = (int(choice.split(":", 1)[0]), choice.split(":", 1)[1]) if choice else (None, "")
    before = f"{measure.feed_metric_id or ''}:{measure.feed_breakdown or ''}"
    measure.feed_metric_id, measure.feed_breakdown = metric_id, breakdown
    db.session.add(AuditEvent(entity="measure", entity_id=measure.id, action="set_feed", actor_id=user.id,
                              actor_role=user.role.value,
                              details={"measure": measure.code, "from": before, "to": choice}))
    db.session.flush()
    return None
