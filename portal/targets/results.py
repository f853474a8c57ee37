"""Each year's outcomes (actuals): an all-or-nothing CSV or Excel import with a row-level report,
and a school's progress: each year's result against the interim target its trajectory sets."""
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from flask_babel import gettext as _
from sqlalchemy import Row, case, func, select

from portal.extensions import db
from portal.imports.reader import TableSpec, read_upload
from portal.imports.report import ImportReport, RowError
from portal.imports.writing import all_or_nothing, bulk_write, split_rows
from portal.kernel import clock
from portal.kernel.clock import current_school_year
from portal.kernel.formatting import count
from portal.kernel.i18n import N_
from portal.kernel.numbers import ungroup
from portal.org.models import School
from portal.strategic_plan.levels import applicable_levels
from portal.strategic_plan.models import Metric, StudentGroup
from portal.strategic_plan.pace import TITLES, on_track
from portal.strategic_plan.settings import setting
from portal.targets.formats import figure
from portal.targets.guardrails import interim_targets, parse_number
from portal.targets.models import Actual, PlanStatus, TargetCycle, TargetPlan
from portal.targets.operations import load_plan_rows, metric_bands, trajectories

COLUMNS = ["school_code", "metric", "group", "year", "value", "n_students"]
# Other headings people use for the same columns.
ALIASES = {"school": "school_code", "student_group": "group", "number_of_students": "n_students",
           "students": "n_students", "n": "n_students"}
MAX_ROWS = 100_000  # two years of a 1,200-school district: every school, metric and group
MAX_STUDENTS = 100_000
YEAR_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")
FIRST_YEAR = 2000



# ---------------------------------------------------------------- reading the file

SPEC = TableSpec(columns=tuple(COLUMNS), aliases=ALIASES, max_rows=MAX_ROWS, split_hint=N_(" Split the file by year."),
                 no_rows=N_("The file has a header but no rows of results."))


# ---------------------------------------------------------------- checking every row

def check_year(text: str, latest: str) -> str | None:
    match = YEAR_RE.match(text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        return _("Enter the school year like 2023-24.")
    if int(match[1]) < FIRST_YEAR or text > latest:
        return _("Enter a school year from %(first)s to %(latest)s (results for a year that has not started cannot "
                 "be imported).", first=f"{FIRST_YEAR}-{(FIRST_YEAR + 1) % 100:02d}", latest=latest)
    return None


def parse_students(text: str) -> int | None:
    text = ungroup(text) or ""
    if not re.fullmatch(r"[0-9]{1,9}(\.0*)?", text):
        return None
    n = int(text.split(".")[0])
    return n if n <= MAX_STUDENTS else None


def value_in_range(raw_value, metric: Metric | None) -> tuple[float | None, str | None]:
    """A row's result and what is wrong with it: not a number, missing, or outside its metric's range."""
    value, problem = parse_number(raw_value)
    if problem or value is None:
        return None, problem or _("Enter the result.")
    if metric is not None and not metric.value_min <= value <= metric.value_max:
        return value, _("Enter a value from %(low)s to %(high)s for %(code)s.", low=figure(metric.value_min),
                        high=figure(metric.value_max), code=metric.code)
    return value, None


def check_rows(frame: pd.DataFrame, report: ImportReport) -> list[tuple]:
    """Every row's problems into the report; the clean rows as (school, metric, group, year, value, n)."""
    schools = {s.code: s for s in db.session.execute(
        select(School.id, School.code, School.level, School.grade_low, School.grade_high))}
    metrics = {m.code: m for m in db.session.scalars(select(Metric))}
    groups = dict(db.session.execute(select(StudentGroup.code, StudentGroup.id)).all())
    bands = metric_bands()
    levels_of: dict[int, set] = {}
    latest = current_school_year()
    seen: dict[tuple, int] = {}
    clean = []
    add = report.errors.append
    columns = [frame[c].tolist() for c in COLUMNS]
    rows = zip(*columns, strict=True)
    for index, (code, metric_code, group_code, year, raw_value, raw_n) in enumerate(rows, start=2):
        before = len(report.errors)
        school = schools.get(code)
        if school is None:
            add(RowError(index, "school_code", _("Unknown school code %(code)s.", code=repr(code)) if code
                         else _("Enter the school code.")))
        metric = metrics.get(metric_code.lower())
        if metric is None:
            add(RowError(index, "metric", _("Unknown metric %(code)s. Use one of: %(codes)s.", code=repr(metric_code),
                                            codes=", ".join(metrics))))
        group_id = groups.get(group_code.lower())
        if group_id is None:
            add(RowError(index, "group", _("Unknown student group %(code)s. Use one of: %(codes)s.",
                                           code=repr(group_code), codes=", ".join(groups))))
        problem = check_year(year, latest)
        if problem:
            add(RowError(index, "year", problem))
        value, problem = value_in_range(raw_value, metric)
        if problem:
            add(RowError(index, "value", problem))
        n = parse_students(raw_n)
        if n is None:
            add(RowError(index, "n_students", _("Enter the number of students as a whole number from 0 to %(max)s.",
                                                max=count(MAX_STUDENTS))))
        if school is not None and metric is not None:
            levels = levels_of.get(school.id)
            if levels is None:
                levels = levels_of[school.id] = applicable_levels(school.level, school.grade_low, school.grade_high,
                                                                  bands)
            if not levels & set(metric.levels):
                add(RowError(index, "metric", _("%(metric)s does not apply to school %(school)s (%(level)s, grades "
                                                "%(low)s-%(high)s).", metric=metric.code, school=school.code,
                                                level=school.level, low=school.grade_low, high=school.grade_high)))
        if len(report.errors) > before or school is None or metric is None:
            continue  # an unknown school or metric is always reported above
        key = (school.id, metric.id, group_id, year)
        if key in seen:
            add(RowError(index, "school_code, metric, group, year",
                         _("The same school, metric, group and year is also on row %(row)s.", row=seen[key])))
            continue
        seen[key] = index
        clean.append((*key, value, n))
    return clean


# ---------------------------------------------------------------- writing, all or nothing

def import_actuals(data: bytes, filename: str) -> ImportReport:
    """Check every row, then insert new results and update existing ones in one transaction, or write nothing."""
    started = time.perf_counter()
    report = ImportReport("actuals", import_id=f"actuals-{uuid.uuid4().hex[:12]}")
    frame = read_upload(data, filename, SPEC, report)
    if frame is None:
        return report
    rows = check_rows(frame, report)
    if report.errors:
        return report
    years = sorted({r[3] for r in rows})
    existing = {}
    for years_chunk in (years[i:i + 50] for i in range(0, len(years), 50)):
        for a in db.session.execute(select(Actual.id, Actual.school_id, Actual.metric_id, Actual.group_id,
                                           Actual.year, Actual.value, Actual.n_students, Actual.generated)
                                    .where(Actual.year.in_(years_chunk))):
            # A result made up for the demo is replaced even by the same figure: the district's file vouches for it.
            existing[(a.school_id, a.metric_id, a.group_id, a.year)] = (
                (a.id, None, None) if a.generated else (a.id, a.value, a.n_students))
    now = clock.now()
    new, changed = split_rows(
        rows, existing,
        lambda key, figure: {"school_id": key[0], "metric_id": key[1], "group_id": key[2], "year": key[3],
                             "value": figure[0], "n_students": figure[1], "imported_at": now,
                             "import_id": report.import_id},
        lambda row_id, figure: {"id": row_id, "value": figure[0], "n_students": figure[1], "imported_at": now,
                                "import_id": report.import_id, "generated": False},
        report)
    all_or_nothing(report, lambda: bulk_write(Actual, new, changed),
                   _("Another import saved results for the same schools at the same moment, so nothing from this "
                     "file was saved. Import it again."))
    if not report.ok:
        return report
    report.created, report.updated = len(new), len(changed)
    report.seconds = time.perf_counter() - started
    return report


def loaded_years() -> Sequence[Row[str, int]]:
    """How many results are stored for each school year, newest first."""
    return db.session.execute(select(Actual.year, func.count()).group_by(Actual.year)
                              .order_by(Actual.year.desc())).all()


# ---------------------------------------------------------------- progress against the targets


@dataclass
class YearResult:
    year: str
    target: float | None
    actual: float | None
    n_students: int | None
    status: str
    generated: bool = False  # the result was made up for the demo

    @property
    def title(self) -> str:
        return TITLES[self.status]


@dataclass
class ProgressRow:
    metric: Metric
    group: StudentGroup
    baseline: float | None
    target_2026: float | None
    trajectory: str
    years: list[YearResult] = field(default_factory=list)
    baseline_n: int | None = None  # the students the baseline was measured on (the small-group rule reads it)


@dataclass
class SchoolProgress:
    plan: TargetPlan | None
    years: list[str]
    sections: list[tuple[Metric, list[ProgressRow]]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(TITLES, 0)
        for _metric, rows in self.sections:
            for row in rows:
                for result in row.years:
                    counts[result.status] += 1
        return counts


def progress_plan(school_id: int) -> TargetPlan | None:
    """The plan progress is measured against: the latest approved one, else the latest submitted one."""
    return db.session.scalar(
        select(TargetPlan).join(TargetCycle)
        .where(TargetPlan.school_id == school_id, TargetPlan.status.in_([PlanStatus.approved, PlanStatus.submitted]))
        .order_by(case((TargetPlan.status == PlanStatus.approved, 0), else_=1), TargetCycle.opens_on.desc(),
                  TargetCycle.id.desc())
        .limit(1))


def progress(school: School) -> SchoolProgress:
    """Each plan row's interim target for every trajectory year, the result, and on track / behind."""
    years = setting("trajectory_years", [])
    plan = progress_plan(school.id)
    result = SchoolProgress(plan, years)
    if plan is None:
        return result
    paths = trajectories()
    actuals = {(a.metric_id, a.group_id, a.year): a for a in db.session.scalars(
        select(Actual).where(Actual.school_id == school.id, Actual.year.in_(years)))}
    sections: dict[int, tuple[Metric, list]] = {}
    for row in load_plan_rows(plan):
        path = paths.get(row.trajectory_code) if row.trajectory_code is not None else None
        interims: Sequence[float | None] = [None] * len(years)
        if row.baseline_value is not None and row.target_2026 is not None and path is not None:
            interims = interim_targets(row.baseline_value, row.target_2026, path.shares)
        view = ProgressRow(row.metric, row.group, row.baseline_value, row.target_2026, path.name if path else "",
                           baseline_n=row.baseline_n)
        for year, target in zip(years, interims, strict=False):
            actual = actuals.get((row.metric_id, row.group_id, year))
            value = actual.value if actual else None
            view.years.append(YearResult(year, target, value, actual.n_students if actual else None,
                                         on_track(value, target, row.metric.direction),
                                         bool(actual and actual.generated)))
        sections.setdefault(row.metric_id, (row.metric, []))[1].append(view)
    result.sections = list(sections.values())
    return result
