"""The Measures of Success scorecard: every measure with its yearly values (typed by the owning
office, or fed by an initiative's check-in), its status per year by the rules in
services.measure_status, and the counts per pillar and priority ("N of M measures improved").

Loading the whole scorecard takes a constant number of queries, however many measures and
values there are. Entering a value, choosing a feed and importing a file are here too: every
change writes its AuditEvent in the same transaction.

Fed values: a measure with feed_metric_id takes, for each school year, the latest value of that
check-in metric whose check-in period ends in that school year, from a check-in whose data the
review accepted (FEEDING_STAGES), unless a value was typed for that year: a typed value wins.
With no feed_breakdown, the metric's unbroken figure feeds the measure itself and a breakdown
named like a sub-target (K-5, 6-8, ...) feeds that sub-target; with a feed_breakdown, that one
breakdown feeds the sub-target of that name, or else the measure itself.
"""
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pandas as pd
from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AuditEvent, CheckIn, Initiative, Measure, MeasureValue, MetricValue, Office, Pillar, Priority, ProgressMetric, Role, Stage, User
from portal.measures import status as ms
from portal.org.imports import MAX_ROWS, ImportReport, RowError, read_table

FIRST_YEAR = 2010  # the earliest school year a value may be entered for: 2010-11
FEEDING_STAGES = (Stage.superintendent, Stage.ready, Stage.board)
STATUS_FILTERS = (ms.IMPROVED, ms.NO_CHANGE, ms.DECLINED, ms.WORK_IN_PROGRESS, ms.ON_TRACK, ms.BEHIND)
IMPORT_COLUMNS = ["measure", "subtarget", "year", "value", "as_of", "source", "note"]
YEAR_RE = re.compile(r"(20\d\d)-(\d\d)")
MAX_SOURCE, MAX_NOTE = 200, 2000
DIRECTIONS = {"increase": "Higher is better", "decrease": "Lower is better", "maintain": "Keep it at the target",
              "achieve": "Reach the target"}
UNITS = {"percent": "Percent", "points": "Points (distance from standard)", "count": "Number",
         "dollars": "Dollars", "ratio": "Ratio", "text": "Number (done or not)"}
# Status in words with a symbol, never colour alone.
SYMBOLS = {ms.IMPROVED: "▲", ms.NO_CHANGE: "■", ms.DECLINED: "▼", ms.WORK_IN_PROGRESS: "…",
           ms.ON_TRACK: "✓", ms.BEHIND: "!"}


# ---------------------------------------------------------------- school years and numbers

def today() -> date:
    return datetime.now(timezone.utc).date()


def school_year_of(day: date) -> str:
    start = day.year if day.month >= 7 else day.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def year_label(start: int) -> str:
    return f"{start}-{(start + 1) % 100:02d}"


def current_school_year() -> str:
    return school_year_of(today())


def year_problem(year: str, latest: str | None = None) -> str | None:
    """A school year like 2023-24, from 2010-11 up to the current school year."""
    match = YEAR_RE.fullmatch(year or "")
    if not match or int(match.group(2)) != (int(match.group(1)) + 1) % 100:
        return "Write the school year as two years in a row, like 2023-24."
    latest = latest or current_school_year()
    if not FIRST_YEAR <= int(match.group(1)) <= ms.year_start(latest):
        return f"Choose a school year from {year_label(FIRST_YEAR)} to {latest}."
    return None


def entry_years() -> list[str]:
    """Every school year a value can be entered for, newest first."""
    return [year_label(y) for y in range(ms.year_start(current_school_year()), FIRST_YEAR - 1, -1)]


def parse_value(raw) -> tuple[float | None, str | None]:
    text = str(raw if raw is not None else "").strip().replace(",", "").replace("%", "").replace("$", "")
    text = text.replace("\u2212", "-")
    if not text:
        return None, "Enter the value, like 62.5."
    try:
        value = float(text)
    except ValueError:
        return None, "Enter a number, like 62.5 (no words)."
    if value != value or value in (float("inf"), float("-inf")):
        return None, "Enter a number, like 62.5."
    return round(value, 4), None


def unit_problem(unit: str, value: float) -> str | None:
    if unit == "percent" and not 0 <= value <= 100:
        return "A percentage is from 0 to 100."
    if unit in {"count", "dollars", "ratio"} and value < 0:
        return "Enter zero or more."
    if unit == "points" and not -500 <= value <= 500:
        return "Points from standard are between -500 and 500."
    return None


def fmt_value(value, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:,.2f}".rstrip("0").rstrip(".") + "%"
    if unit == "dollars":
        if abs(value) >= 1_000_000:
            return f"${value / 1_000_000:,.1f} million"
        return f"${value:,.0f}"
    if unit == "count":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    if unit == "points":
        return f"{value:g} pts"
    return f"{value:g}"


def parse_as_of(raw, year: str | None) -> tuple[date | None, str | None]:
    text = str(raw if raw is not None else "").strip()[:10]
    if not text:
        return None, "Enter the date the value is as of, like 2024-06-30."
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None, "Enter a date like 2024-06-30."
    if day > today():
        return None, "The as-of date cannot be in the future."
    if year and YEAR_RE.fullmatch(year) and day < date(ms.year_start(year), 7, 1):
        return None, f"A value for {year} is as of 1 July {ms.year_start(year)} or later."
    return day, None


# ---------------------------------------------------------------- measures, lines and statuses

@dataclass
class Entry:
    """One value of a measure (or a sub-target) for one school year."""

    year: str
    value: float
    as_of: date
    source: str = ""
    note: str = ""
    value_id: int | None = None  # the MeasureValue row, when typed
    entered_by: str | None = None
    entered_at: datetime | None = None
    fed_from: str | None = None  # the initiative whose check-in fed it
    check_in_id: int | None = None
    period: str | None = None

    @property
    def fed(self) -> bool:
        return self.fed_from is not None


def level_target(direction: str, baseline: float | None, target: float | None) -> float | None:
    """The target as a level to aim a straight path at. A target on the wrong side of the baseline is
    a gain the plan states (3A-2: 4% a year from 81%), not a level: then no pace."""
    if baseline is not None and target is not None and (target - baseline) * ms.sign(direction) < 0:
        return None
    return target


@dataclass
class Line:
    """The measure itself (label "") or one of its sub-targets, with its values by year."""

    label: str
    text: str
    baseline: float | None
    baseline_year: str | None
    target: float | None
    entries: dict[str, Entry] = field(default_factory=dict)

    def first_value(self) -> float | None:
        return self.entries[min(self.entries)].value if self.entries else None

    def value(self, year: str) -> float | None:
        entry = self.entries.get(year)
        return entry.value if entry else None

    def status(self, year: str, direction: str) -> ms.Status:
        return ms.status_for(direction, self.baseline, self.baseline_year,
                             level_target(direction, self.baseline, self.target), year, self.value(year),
                             first_value=self.first_value())

    def path(self, direction: str) -> tuple[tuple[str, float], tuple[str, float]] | None:
        """The straight path from the baseline to the 2026 target, when the plan gives both."""
        target = level_target(direction, self.baseline, self.target)
        if self.baseline is None or target is None or not self.baseline_year:
            return None
        return (self.baseline_year, self.baseline), (ms.TARGET_YEAR, target)


@dataclass
class MeasureView:
    id: int
    code: str
    text: str
    unit: str
    direction: str
    position: int
    priority_code: str
    priority_name: str
    pillar_number: int
    pillar_name: str
    office_id: int | None
    office_code: str
    office_name: str
    own: Line
    subs: list[Line]
    feed_metric_id: int | None = None
    feed_breakdown: str = ""
    target_text: str = ""  # the plan's wording of a gain or percent-change target, e.g. "+30 pts"

    @property
    def lines(self) -> list[Line]:
        return [self.own, *self.subs]

    def line(self, label: str) -> Line | None:
        return next((line for line in self.lines if line.label == label), None)

    def status(self, year: str) -> ms.Status:
        """Rule 4: a split measure with no value of its own that year takes its status from its sub-targets."""
        if self.subs and year not in self.own.entries:
            return ms.combine([s.status(year, self.direction) for s in self.subs])
        return self.own.status(year, self.direction)

    def years(self) -> list[str]:
        return sorted({y for line in self.lines for y in line.entries})

    def fmt(self, value) -> str:
        return fmt_value(value, self.unit)


def _sub_line(sub: dict) -> Line:
    baseline = (sub.get("baseline") or {})
    target = (sub.get("target") or {})
    return Line(label=str(sub.get("label", "")), text=sub.get("text", ""),
                baseline=None if baseline.get("value") is None else float(baseline["value"]),
                baseline_year=baseline.get("year"),
                target=None if target.get("value") is None else float(target["value"]))


def _feed_map(view: MeasureView) -> dict[str, str]:
    """Which metric breakdown feeds which line (by label)."""
    labels = {s.label for s in view.subs}
    if view.feed_breakdown:
        return {view.feed_breakdown: view.feed_breakdown if view.feed_breakdown in labels else ""}
    return {"": "", **{label: label for label in labels}}


def load_measures(codes: list[str] | None = None) -> list[MeasureView]:
    """Every measure (or those of `codes`) with its lines and values: four queries."""
    stmt = (select(Measure, Priority.code, Priority.name, Pillar.number, Pillar.name, Office.id, Office.code,
                   Office.name)
            .join(Priority, Measure.priority_id == Priority.id).join(Pillar, Priority.pillar_id == Pillar.id)
            .outerjoin(Office, Measure.owner_office_id == Office.id)
            .order_by(Pillar.number, Priority.code, Measure.position))
    if codes is not None:
        stmt = stmt.where(Measure.code.in_(codes))
    views: dict[int, MeasureView] = {}
    for m, pr_code, pr_name, p_number, p_name, o_id, o_code, o_name in db.session.execute(stmt).all():
        views[m.id] = MeasureView(
            id=m.id, code=m.code, text=m.text, unit=m.unit, direction=m.direction, position=m.position,
            priority_code=pr_code, priority_name=pr_name, pillar_number=p_number, pillar_name=p_name,
            office_id=o_id, office_code=o_code or "", office_name=o_name or "No office yet",
            own=Line("", m.text, m.baseline_value, m.baseline_year,
                     ms.target_level(m.target_kind, m.target_per, m.baseline_value, m.baseline_year, m.target_value)),
            target_text=ms.target_words(m.target_kind, m.target_per, m.target_value, m.unit),
            subs=[_sub_line(s) for s in (m.subtargets or []) if s.get("label")],
            feed_metric_id=m.feed_metric_id, feed_breakdown=m.feed_breakdown or "")
    if not views:
        return []
    value_stmt = (select(MeasureValue, User.name, Initiative.name, CheckIn.period)
                  .outerjoin(User, MeasureValue.entered_by_id == User.id)
                  .outerjoin(CheckIn, MeasureValue.check_in_id == CheckIn.id)
                  .outerjoin(Initiative, CheckIn.initiative_id == Initiative.id))
    if codes is not None:
        value_stmt = value_stmt.where(MeasureValue.measure_id.in_(list(views)))
    for value, who, initiative_name, period in db.session.execute(value_stmt).all():
        view = views.get(value.measure_id)
        line = view.line(value.subtarget) if view else None
        if line is None:
            continue
        line.entries[value.year] = Entry(
            year=value.year, value=value.value, as_of=value.as_of, source=value.source, note=value.note,
            value_id=value.id, entered_by=who, entered_at=value.entered_at, fed_from=initiative_name,
            check_in_id=value.check_in_id, period=period)
    _add_fed_values([v for v in views.values() if v.feed_metric_id])
    return list(views.values())


def _add_fed_values(fed: list[MeasureView]) -> None:
    """One query for every fed measure: the latest accepted check-in value per school year."""
    if not fed:
        return
    rows = db.session.execute(
        select(MetricValue, CheckIn.id, CheckIn.period, CheckIn.period_end, Initiative.name)
        .join(CheckIn, MetricValue.check_in_id == CheckIn.id).join(Initiative, CheckIn.initiative_id == Initiative.id)
        .where(MetricValue.metric_id.in_({v.feed_metric_id for v in fed}), CheckIn.stage.in_(FEEDING_STAGES))
        .order_by(CheckIn.period_end, MetricValue.as_of, MetricValue.id)).all()
    by_metric = defaultdict(list)
    for row in rows:
        by_metric[row[0].metric_id].append(row)
    for view in fed:
        targets = _feed_map(view)
        latest: dict[tuple[str, str], Entry] = {}
        for value, check_in_id, period, period_end, initiative_name in by_metric.get(view.feed_metric_id, []):
            if value.breakdown not in targets:
                continue
            year = school_year_of(period_end)
            latest[(targets[value.breakdown], year)] = Entry(  # rows come oldest first: the last one wins
                year=year, value=value.value, as_of=value.as_of, source=f"{initiative_name} check-in, {period}",
                fed_from=initiative_name, check_in_id=check_in_id, period=period)
        for (label, year), entry in latest.items():
            line = view.line(label)
            if line is not None and year not in line.entries:  # a typed value wins
                line.entries[year] = entry


# ---------------------------------------------------------------- the scorecard

@dataclass
class Counts:
    total: int = 0
    improved: int = 0
    no_change: int = 0
    declined: int = 0
    work_in_progress: int = 0
    on_track: int = 0
    behind: int = 0

    def add(self, status: ms.Status) -> None:
        self.total += 1
        setattr(self, status.change, getattr(self, status.change) + 1)
        if status.pace:
            setattr(self, status.pace, getattr(self, status.pace) + 1)

    @property
    def text(self) -> str:
        return f"{self.improved} of {self.total} measure{'' if self.total == 1 else 's'} improved"

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("total", "improved", "no_change", "declined", "work_in_progress",
                                                "on_track", "behind")} | {"text": self.text}


@dataclass
class ScorecardFilter:
    year: str = ""
    pillar: str = ""
    office: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args, years: list[str], offices: list[str], pillars: list[str]) -> "ScorecardFilter":
        flt = cls(year=(args.get("year") or "").strip(), pillar=(args.get("pillar") or "").strip(),
                  office=(args.get("office") or "").strip(), status=(args.get("status") or "").strip())
        if flt.year not in years and year_problem(flt.year) is not None:
            flt.year = ""
        if flt.pillar not in pillars:
            flt.pillar = ""
        if flt.office not in offices:
            flt.office = ""
        if flt.status not in STATUS_FILTERS:
            flt.status = ""
        return flt

    def as_args(self, **override) -> dict:
        values = {"year": self.year, "pillar": self.pillar, "office": self.office, "status": self.status} | override
        return {k: v for k, v in values.items() if v}

    @property
    def narrowed(self) -> bool:
        return bool(self.pillar or self.office or self.status)


def status_matches(status: ms.Status, wanted: str) -> bool:
    return not wanted or status.change == wanted or status.pace == wanted


def years_with_values(measures: list[MeasureView]) -> list[str]:
    return sorted({y for m in measures for y in m.years()})


def year_choices(measures: list[MeasureView]) -> list[str]:
    """The plan's years so far and every year holding a value, newest first."""
    current = current_school_year()
    years = set(years_with_values(measures)) | {year_label(y) for y in range(2022, ms.year_start(current) + 1)}
    return sorted((y for y in years if ms.year_start(y) <= ms.year_start(current)), reverse=True)


def default_year(measures: list[MeasureView]) -> str:
    """The latest school year holding any value (up to the current one), else the current school year."""
    current = current_school_year()
    with_values = [y for y in years_with_values(measures) if ms.year_start(y) <= ms.year_start(current)]
    return with_values[-1] if with_values else current


def build_scorecard(year: str, measures: list[MeasureView], pillar: str = "", office: str = "",
                    status: str = "") -> dict:
    """Per pillar and priority: the counts over the measures of the chosen pillar and office, and
    the rows that also match the status filter."""
    pillars: dict[int, dict] = {}
    total = Counts()
    shown = 0
    for m in measures:
        if pillar and str(m.pillar_number) != pillar:
            continue
        if office and m.office_code != office:
            continue
        st = m.status(year)
        p = pillars.setdefault(m.pillar_number, {"number": m.pillar_number, "name": m.pillar_name,
                                                 "counts": Counts(), "priorities": {}})
        pr = p["priorities"].setdefault(m.priority_code, {"code": m.priority_code, "name": m.priority_name,
                                                          "counts": Counts(), "rows": []})
        for c in (total, p["counts"], pr["counts"]):
            c.add(st)
        if status_matches(st, status):
            pr["rows"].append({"measure": m, "status": st,
                               "subs": [(s, s.status(year, m.direction)) for s in m.subs]})
            shown += 1
    return {"year": year, "total": total, "shown": shown,
            "pillars": [{**p, "priorities": list(p["priorities"].values())} for _, p in sorted(pillars.items())]}


def status_text(status: ms.Status) -> str:
    text = ms.TITLES[status.change]
    return f"{text}; {ms.TITLES[status.pace].lower()}" if status.pace else text


def export_rows(card: dict) -> tuple[list[str], list[list]]:
    """One row per measure and per sub-target for the scorecard's year, as shown (filters and all)."""
    year = card["year"]
    columns = ["Pillar", "Priority", "Measure", "Sub-target", "Wording", "Office", "Unit", "Direction",
               "Baseline", "Baseline year", "2026 target", f"Value {year}", "As of", "Source", "From check-in",
               "Change", "Pace"]
    rows = []
    for p in card["pillars"]:
        for pr in p["priorities"]:
            for row in pr["rows"]:
                m = row["measure"]
                for line, st in [(m.own, row["status"]), *row["subs"]]:
                    entry = line.entries.get(year)
                    rows.append([
                        f"{p['number']}. {p['name']}", pr["code"], m.code, line.label, line.text, m.office_name,
                        m.unit, m.direction, line.baseline, line.baseline_year or "", line.target,
                        entry.value if entry else None, entry.as_of if entry else None,
                        entry.source if entry else "", entry.fed_from or "" if entry else "",
                        ms.TITLES[st.change], ms.TITLES[st.pace] if st.pace else ""])
    return columns, rows


def pillar_names() -> list[tuple[int, str]]:
    return [tuple(row) for row in db.session.execute(select(Pillar.number, Pillar.name).order_by(Pillar.number))]


def offices_with_measures() -> list[Office]:
    return db.session.scalars(select(Office).where(Office.id.in_(select(Measure.owner_office_id)))
                              .order_by(Office.name)).all()


# ---------------------------------------------------------------- one measure

def measure_or_none(code: str) -> Measure | None:
    return db.session.scalar(select(Measure).where(Measure.code == (code or "").strip().upper()[:8]))


def can_enter(user, measure: Measure) -> bool:
    """The owning office keeps a measure's values; administrators keep all."""
    return user.role == Role.admin or (user.role == Role.central_office and user.office_id is not None
                                       and user.office_id == measure.owner_office_id)


def history(measure: Measure) -> list[tuple[AuditEvent, str | None]]:
    ids = list(db.session.scalars(select(MeasureValue.id).where(MeasureValue.measure_id == measure.id)))
    clause = and_(AuditEvent.entity == "measure", AuditEvent.entity_id == measure.id)
    if ids:
        clause = or_(clause, and_(AuditEvent.entity == "measure_value", AuditEvent.entity_id.in_(ids)))
    return db.session.execute(select(AuditEvent, User.name).outerjoin(User, AuditEvent.actor_id == User.id)
                              .where(clause).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()


def moving_initiatives(measure: Measure) -> list[Initiative]:
    return db.session.scalars(select(Initiative).where(Initiative.measures.any(Measure.id == measure.id))
                              .order_by(Initiative.name)).all()


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
            whole = "each sub-target from the breakdown of its name"
        elif metric.breakdown:
            whole = "the figure without a breakdown"
        else:
            whole = "the measure's own value"
        choices.append((f"{metric.id}:", f"{initiative_name}: {metric.name} ({whole})"))
        if metric.breakdown:
            for key in keys:
                target = f"the {key} sub-target" if key in labels else "the measure's own value"
                choices.append((f"{metric.id}:{key}", f"{initiative_name}: {metric.name}, {key} only ({target})"))
    return choices


def feed_label(measure: Measure) -> str:
    """Which check-in metric feeds the measure, in words ("" when none does)."""
    if not measure.feed_metric_id:
        return ""
    row = db.session.execute(select(ProgressMetric.name, Initiative.name).join(Initiative)
                             .where(ProgressMetric.id == measure.feed_metric_id)).first()
    if row is None:
        return ""
    part = f", {measure.feed_breakdown} only" if measure.feed_breakdown else ""
    return f"{row[0]}{part}, from the {row[1]} check-ins"


def set_feed(measure: Measure, choice: str, user) -> str | None:
    """Choose the check-in metric (and breakdown) that feeds the measure, or none. Returns a problem."""
    choice = (choice or "").strip()
    if choice and choice not in {value for value, _ in feed_choices(measure)}:
        return "Choose one of the check-in metrics listed, or no feed."
    metric_id, breakdown = (int(choice.split(":", 1)[0]), choice.split(":", 1)[1]) if choice else (None, "")
    before = f"{measure.feed_metric_id or ''}:{measure.feed_breakdown or ''}"
    measure.feed_metric_id, measure.feed_breakdown = metric_id, breakdown
    db.session.add(AuditEvent(entity="measure", entity_id=measure.id, action="set_feed", actor_id=user.id,
                              actor_role=user.role.value,
                              details={"measure": measure.code, "from": before, "to": choice}))
    db.session.commit()
    return None


def check_value(measure: Measure, form, latest_year: str | None = None) -> tuple[dict, dict]:
    """The posted year, sub-target, value, as-of date, source and note: (clean values, field errors)."""
    errors: dict[str, str] = {}
    year = (form.get("year") or "").strip()
    if not year:
        errors["year"] = "Choose the school year the value is for."
    else:
        problem = year_problem(year, latest_year)
        if problem:
            errors["year"] = problem
    subtarget = (form.get("subtarget") or "").strip()
    labels = [s.get("label") for s in measure.subtargets or []]
    if subtarget and subtarget not in labels:
        errors["subtarget"] = ("Choose the measure itself or one of its sub-targets: " + ", ".join(labels) + "."
                               if labels else "This measure has no sub-targets: leave this blank.")
    value, problem = parse_value(form.get("value"))
    if problem is None:
        problem = unit_problem(measure.unit, value)
    if problem:
        errors["value"] = problem
    as_of, problem = parse_as_of(form.get("as_of"), year if "year" not in errors else None)
    if problem:
        errors["as_of"] = problem
    source = (form.get("source") or "").strip()
    if len(source) > MAX_SOURCE:
        errors["source"] = f"Keep the source under {MAX_SOURCE} characters."
    note = (form.get("note") or "").strip()
    if len(note) > MAX_NOTE:
        errors["note"] = f"Keep the note under {MAX_NOTE:,} characters."
    return {"year": year, "subtarget": subtarget, "value": value, "as_of": as_of, "source": source,
            "note": note}, errors


def _write_value(measure: Measure, clean: dict, user, existing: MeasureValue | None, via: str) -> str:
    """Insert or update one value and its AuditEvent (not committed). Returns 'created'/'updated'/'same'."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    fields = ("value", "as_of", "source", "note")
    if existing is not None and all(getattr(existing, f) == clean[f] for f in fields) \
            and existing.check_in_id is None:
        return "same"
    if existing is None:
        row = MeasureValue(measure_id=measure.id, subtarget=clean["subtarget"], year=clean["year"],
                           entered_by_id=user.id, entered_at=now, **{f: clean[f] for f in fields})
        db.session.add(row)
        db.session.flush()
        before, action = None, "create"
    else:
        row, before, action = existing, existing.value, "update"
        for f in fields:
            setattr(row, f, clean[f])
        row.entered_by_id, row.entered_at, row.check_in_id = user.id, now, None
    db.session.add(AuditEvent(entity="measure_value", entity_id=row.id, action=action, actor_id=user.id,
                              actor_role=user.role.value, at=now,
                              details={"measure": measure.code, "subtarget": clean["subtarget"],
                                       "year": clean["year"], "from": before, "to": clean["value"], "via": via}))
    return "created" if action == "create" else "updated"


def save_value(measure: Measure, form, user) -> tuple[dict, dict, str]:
    """Check and save one typed value: (clean values, field errors, 'created'|'updated'|'same')."""
    clean, errors = check_value(measure, form)
    if errors:
        return clean, errors, ""
    def current() -> MeasureValue | None:
        return db.session.scalar(select(MeasureValue).where(
            MeasureValue.measure_id == measure.id, MeasureValue.subtarget == clean["subtarget"],
            MeasureValue.year == clean["year"]))

    try:
        outcome = _write_value(measure, clean, user, current(), "form")
        db.session.commit()
    except IntegrityError:  # someone saved the same year a moment ago: update theirs instead
        db.session.rollback()
        outcome = _write_value(measure, clean, user, current(), "form")
        db.session.commit()
    return clean, errors, outcome


# ---------------------------------------------------------------- import from CSV or Excel

def read_upload(data: bytes, filename: str, report: ImportReport) -> pd.DataFrame | None:
    """A CSV or Excel (.xlsx) file as a table of strings, with every column the import needs."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        if not data:
            report.errors.append(RowError(1, "file", "The file is empty."))
            return None
        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the person's file problem
            report.errors.append(RowError(1, "file", f"The file could not be read as an Excel workbook ({exc})."))
            return None
        frame.columns = [str(c).strip().lower() for c in frame.columns]
        missing = [c for c in IMPORT_COLUMNS if c not in frame.columns]
        if missing:
            report.errors.append(RowError(1, "header", f"Missing column(s): {', '.join(missing)}. "
                                                       f"Expected: {', '.join(IMPORT_COLUMNS)}."))
            return None
        if len(frame) > MAX_ROWS:
            report.errors.append(RowError(1, "file", f"At most {MAX_ROWS:,} rows can be imported at once."))
            return None
        report.rows = len(frame)
        return frame.map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v).strip())
    if not filename.lower().endswith(".csv"):
        report.errors.append(RowError(1, "file", "Upload a .csv or .xlsx file."))
        return None
    return read_table(data, IMPORT_COLUMNS, report)


def import_values(data: bytes, filename: str, user) -> ImportReport:
    """Every row is checked first (a central office only its own office's measures); then all rows
    are written in one transaction with their AuditEvents, or none are."""
    report = ImportReport("measure values")
    frame = read_upload(data, filename, report)
    if frame is None:
        return report
    measures = {m.code: m for m in db.session.scalars(select(Measure))}
    existing = {(v.measure_id, v.subtarget, v.year): v for v in db.session.scalars(select(MeasureValue))}
    latest = current_school_year()
    seen: dict[tuple, int] = {}
    checked = []
    for index, rec in enumerate(frame.to_dict("records"), start=2):
        rec = {k: ("" if v is None else str(v)) for k, v in rec.items()}
        if not any(rec.get(c) for c in IMPORT_COLUMNS):
            continue  # a blank line
        code = rec["measure"].strip().upper()
        measure = measures.get(code)
        if measure is None:
            report.errors.append(RowError(index, "measure",
                                          f"Unknown measure {rec['measure']!r}. Use a code like 1A-5."))
            continue
        if not can_enter(user, measure):
            owner = measure.owner_office.name if measure.owner_office else "another office"
            report.errors.append(RowError(index, "measure", f"{code} is kept by {owner}; "
                                                            "your office can import only its own measures."))
            continue
        rec["as_of"] = rec["as_of"][:10]
        clean, errs = check_value(measure, rec, latest)
        for column in IMPORT_COLUMNS:
            if column in errs:
                report.errors.append(RowError(index, column, errs[column]))
        if errs:
            continue
        key = (measure.id, clean["subtarget"], clean["year"])
        if key in seen:
            report.errors.append(RowError(index, "year", f"{code} {clean['subtarget'] or ''} {clean['year']} "
                                                         f"is also on row {seen[key]}.".replace("  ", " ")))
            continue
        seen[key] = index
        checked.append((measure, clean, existing.get(key)))
    if not report.errors and not checked:
        report.errors.append(RowError(1, "file", "The file has no rows to import."))
    if report.errors:
        return report
    for measure, clean, current in checked:
        outcome = _write_value(measure, clean, user, current, "import")
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
    db.session.commit()
    return report
