"""Every Measure of Success loaded as a view model: its lines, yearly values (typed or fed) and status."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_, select

from portal.extensions import db
from portal.kernel import formatting
from portal.kernel.audit import AuditEvent
from portal.kernel.clock import school_year_of, year_start
from portal.kernel.i18n import N_
from portal.measures import status as ms
from portal.measures.models import MeasureValue
from portal.org.models import Office, User
from portal.progress.models import CheckIn, Initiative, MetricValue, Stage
from portal.strategic_plan import figures as plan_figures
from portal.strategic_plan.models import Measure, Pillar, Priority
from portal.strategic_plan.settings import setting
from portal.targets import figures

# A check-in feeds a measure only once the review has accepted its data.
FEEDING_STAGES = (Stage.superintendent, Stage.ready, Stage.board)
# English kept as data; the measure's page translates them where it shows them.
DIRECTIONS = {"increase": N_("Higher is better"), "decrease": N_("Lower is better"),
              "maintain": N_("Keep it at the target"), "achieve": N_("Reach the target")}
UNITS = {"percent": N_("Percent"), "points": N_("Points (distance from standard)"), "count": N_("Number"),
         "dollars": N_("Dollars"), "ratio": N_("Ratio"), "text": N_("Number (done or not)")}


@dataclass
class Entry:
    """One value of a measure (or a sub-target) for one school year."""

    year: str
    value: float
    as_of: date | None
    source: str = ""
    note: str = ""
    value_id: int | None = None  # the MeasureValue row, when typed
    entered_by: str | None = None
    entered_at: datetime | None = None
    fed_from: str | None = None  # the initiative whose check-in fed it
    check_in_id: int | None = None
    period: str | None = None
    district: bool = False  # the district's result, from the schools' results
    generated: bool = False  # made up for the demo

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
    unit: str = ""  # a sub-target counted in another unit than its measure (4B-3's schools and dollars)
    stated: tuple[str, str, float | None] = ("level", "", None)  # the plan's target: kind, per, amount
    baseline_label: str = ""  # what the baseline is, where the portal takes it from a District Goal
    baseline_generated: bool = False  # a district baseline computed from school baselines made up for the demo
    note: str = ""  # where the plan states a second figure for the same fact
    results: dict | None = None  # {"metric", "level"}: the line takes the district's results

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
        return (self.baseline_year, self.baseline), (ms.target_year(), target)


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
    readings: list[str] = field(default_factory=list)  # how the portal reads a target the plan leaves open

    @property
    def results_label(self) -> str:
        """Where a District Goal measure's values come from, in words ("" for any other measure)."""
        if not any(line.results for line in self.lines):
            return ""
        return N_("The district's results for all students: each school's result weighted by its number of "
                  "students (the same figures as the public progress page and the dashboard)")

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
        return formatting.measure_value(value, self.unit)


def _sub_line(sub: dict) -> Line:
    baseline = (sub.get("baseline") or {})
    target = (sub.get("target") or {})
    value = None if baseline.get("value") is None else float(baseline["value"])
    amount = None if target.get("value") is None else float(target["value"])
    kind, per = target.get("kind") or "level", target.get("per") or ""
    return Line(label=str(sub.get("label", "")), text=sub.get("text", ""), baseline=value,
                baseline_year=baseline.get("year"),
                target=ms.target_level(kind, per, value, baseline.get("year"), amount),
                unit=str(sub.get("unit") or ""), stated=(kind, per, amount))


def _view(m: Measure, pr_code, pr_name, p_number, p_name, o_id, o_code, o_name) -> MeasureView:
    return MeasureView(
        id=m.id, code=m.code, text=m.text, unit=m.unit, direction=m.direction, position=m.position,
        priority_code=pr_code, priority_name=pr_name, pillar_number=p_number, pillar_name=p_name,
        office_id=o_id, office_code=o_code or "", office_name=o_name or "No office yet",
        own=Line("", m.text, m.baseline_value, m.baseline_year,
                 ms.target_level(m.target_kind, m.target_per, m.baseline_value, m.baseline_year, m.target_value),
                 stated=(m.target_kind or "level", m.target_per or "", m.target_value)),
        target_text=ms.target_words(m.target_kind, m.target_per, m.target_value, m.unit),
        subs=[_sub_line(s) for s in (m.subtargets or []) if s.get("label")],
        feed_metric_id=m.feed_metric_id, feed_breakdown=m.feed_breakdown or "")


def load_measures(codes: list[str] | None = None, office_id: int | None = None) -> list[MeasureView]:
    """Every measure (or those of `codes`, or those one office keeps) with its lines and values: four
    queries, however many measures and values there are."""
    stmt = (select(Measure, Priority.code, Priority.name, Pillar.number, Pillar.name, Office.id, Office.code,
                   Office.name)
            .join(Priority, Measure.priority_id == Priority.id).join(Pillar, Priority.pillar_id == Pillar.id)
            .outerjoin(Office, Measure.owner_office_id == Office.id)
            .order_by(Pillar.number, Priority.code, Measure.position))
    if codes is not None:
        stmt = stmt.where(Measure.code.in_(codes))
    if office_id is not None:
        stmt = stmt.where(Measure.owner_office_id == office_id)
    views = {row[0].id: _view(*row) for row in db.session.execute(stmt).all()}
    if not views:
        return []
    _add_typed_values(views, only_these=codes is not None or office_id is not None)
    _add_fed_values([v for v in views.values() if v.feed_metric_id])
    _add_district_results(views)
    readings = setting("measure_readings", {}) or {}
    for view in views.values():
        view.readings = list(readings.get(view.code, []))
    return list(views.values())


def _add_district_results(views: dict[int, MeasureView]) -> None:
    """The lines that restate a District Goal take the district's results (all students), which win
    over a typed value, so the scorecard shows the figure every other page shows. Where the plan
    gives the line no baseline, it starts from the plan's published figure for the goals' baseline
    year, or else from the district baseline of every school."""
    by_code = {v.code: v for v in views.values()}
    wanted = {code: lines for code, lines in (setting("measure_results", {}) or {}).items() if code in by_code}
    if not wanted:
        return
    year, levels = plan_figures.baseline_year(), figures.school_levels()
    results, starts = figures.district_results(levels=levels), figures.district_starts(levels=levels, year=year)
    published = plan_figures.published_tables()
    for code, lines in wanted.items():
        view = by_code[code]
        for label, spec in lines.items():
            line = view.line(label)
            if line is None:
                continue
            metric, level = spec["metric"], spec.get("level") or ""
            line.results = {"metric": metric, "level": level}
            if line.baseline is None:
                plan = plan_figures.published_baseline(metric, plan_figures.ALL, level, year, tables=published,
                                                       with_note=False)
                start = plan if plan.value is not None else starts.figure(metric, year, plan_figures.ALL, level)
                line.baseline, line.baseline_year = start.rounded, year if start.value is not None else None
                line.baseline_label = start.label
                line.baseline_generated = start.generated
                kind, per, amount = line.stated
                line.target = ms.target_level(kind, per, line.baseline, line.baseline_year, amount)
            else:
                line.baseline_label = f"the plan's baseline in Measure of Success {code} ({line.baseline_year})"
                line.note = plan_figures.published_baseline(metric, plan_figures.ALL, level, line.baseline_year,
                                                       tables=published).note if line.baseline_year else ""
            for y in results.years(metric, plan_figures.ALL, level):
                result = results.figure(metric, y, plan_figures.ALL, level)
                line.entries[y] = Entry(year=y, value=result.rounded or 0.0, as_of=date(year_start(y) + 1, 6, 30),
                                        source=f"{result.label[0].upper()}{result.label[1:]}: the schools' results "
                                               f"weighted by their {result.n:,} students", district=True,
                                        generated=result.generated)


def _add_typed_values(views: dict[int, MeasureView], only_these: bool) -> None:
    stmt = (select(MeasureValue, User.name, Initiative.name, CheckIn.period)
            .outerjoin(User, MeasureValue.entered_by_id == User.id)
            .outerjoin(CheckIn, MeasureValue.check_in_id == CheckIn.id)
            .outerjoin(Initiative, CheckIn.initiative_id == Initiative.id))
    if only_these:
        stmt = stmt.where(MeasureValue.measure_id.in_(list(views)))
    for value, who, initiative_name, period in db.session.execute(stmt).all():
        view = views.get(value.measure_id)
        line = view.line(value.subtarget) if view else None
        if line is None:  # a sub-target the plan does not (or no longer) name
            continue
        line.entries[value.year] = Entry(
            year=value.year, value=value.value, as_of=value.as_of, source=value.source, note=value.note,
            value_id=value.id, entered_by=who, entered_at=value.entered_at, fed_from=initiative_name,
            check_in_id=value.check_in_id, period=period, generated=value.generated)


def _feed_map(view: MeasureView) -> dict[str, str]:
    """Which metric breakdown feeds which line (by label). With no feed_breakdown, the metric's
    unbroken figure feeds the measure itself and a breakdown named like a sub-target (K-5, 6-8, ...)
    feeds that sub-target; with one, that breakdown feeds the sub-target of its name, or else the
    measure itself."""
    labels = {s.label for s in view.subs}
    if view.feed_breakdown:
        return {view.feed_breakdown: view.feed_breakdown if view.feed_breakdown in labels else ""}
    return {"": "", **{label: label for label in labels}}


def _add_fed_values(fed: list[MeasureView]) -> None:
    """One query for every fed measure: per school year, the latest value of its metric from a
    check-in whose period ends in that year and whose data the review accepted."""
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
        if view.feed_metric_id is None:  # only fed measures come here
            continue
        targets = _feed_map(view)
        latest: dict[tuple[str, str], Entry] = {}
        for value, check_in_id, period, period_end, initiative_name in by_metric.get(view.feed_metric_id, []):
            if value.breakdown not in targets:
                continue
            year = school_year_of(period_end)
            latest[(targets[value.breakdown], year)] = Entry(  # rows come oldest first: the last one wins
                year=year, value=value.value, as_of=value.as_of, source=f"{initiative_name} check-in, {period}",
                fed_from=initiative_name, check_in_id=check_in_id, period=period, generated=value.generated)
        for (label, year), entry in latest.items():
            line = view.line(label)
            if line is not None and year not in line.entries:  # a typed value wins
                line.entries[year] = entry


def measure_or_none(code: str) -> Measure | None:
    return db.session.scalar(select(Measure).where(Measure.code == (code or "").strip().upper()[:8]))


def history(measure: Measure) -> list[tuple[AuditEvent, str | None]]:
    """The measure's audit trail: its feed changes and every change to its values, newest first."""
    ids = list(db.session.scalars(select(MeasureValue.id).where(MeasureValue.measure_id == measure.id)))
    clause = and_(AuditEvent.entity == "measure", AuditEvent.entity_id == measure.id)
    if ids:
        clause = or_(clause, and_(AuditEvent.entity == "measure_value", AuditEvent.entity_id.in_(ids)))
    rows = db.session.execute(select(AuditEvent, User.name).outerjoin(User, AuditEvent.actor_id == User.id)
                              .where(clause).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())).all()
    return [(event, who) for event, who in rows]  # who is None for an event without an actor


def moving_initiatives(measure: Measure) -> list[Initiative]:
    return list(db.session.scalars(select(Initiative).where(Initiative.measures.any(Measure.id == measure.id))
                                   .order_by(Initiative.name)).all())
