"""Each year's outcomes (actuals): an all-or-nothing CSV or Excel import with a row-level report,
and a school's progress: each year's result against the interim target its trajectory sets."""
import io
import re
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from sqlalchemy import case, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Actual, Metric, PlanStatus, School, StudentGroup, TargetCycle, TargetPlan
from portal.org.models import utcnow
from portal.demo.district import applicable_levels
from portal.targets.guardrails import interim_targets, parse_number
from portal.org.imports import ImportReport, RowError
from portal.strategic_plan.queries import setting
from portal.targets.operations import load_plan_rows, metric_bands, today, trajectories

COLUMNS = ["school_code", "metric", "group", "year", "value", "n_students"]
# Other headings people use for the same columns.
ALIASES = {"school": "school_code", "student_group": "group", "number_of_students": "n_students",
           "students": "n_students", "n": "n_students"}
MAX_ROWS = 500_000
MAX_STUDENTS = 100_000
YEAR_RE = re.compile(r"^(\d{4})-(\d{2})$")
FIRST_YEAR = 2000
CHUNK = 20_000

ON_TRACK, BEHIND, NO_RESULT, NO_TARGET = "on_track", "behind", "no_result", "no_target"
STATUS_TITLES = {ON_TRACK: "On track", BEHIND: "Behind", NO_RESULT: "No result yet", NO_TARGET: "No target set"}


@dataclass
class ActualsReport(ImportReport):
    unchanged: int = 0
    seconds: float = 0.0
    import_id: str = ""


# ---------------------------------------------------------------- reading the file

def _cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: 1234.0 is 1234, an empty cell is blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value).strip()


def _read_csv(data: bytes, report: ActualsReport) -> pd.DataFrame | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append(RowError(1, "file", "The file is not UTF-8 text. Save it as 'CSV UTF-8' (or as an "
                                                 "Excel .xlsx workbook) and try again."))
        return None
    try:
        with warnings.catch_warnings():
            # A row with more values than the header would shift or lose data: refuse the file instead.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                               index_col=False)
    except pd.errors.ParserWarning:
        report.errors.append(RowError(1, "file", "The file could not be read as CSV: a row has more values than "
                                                 "the header has columns. Check for stray commas."))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        report.errors.append(RowError(1, "file", f"The file could not be read as CSV ({str(exc).strip()})."))
    return None


def _read_excel(data: bytes, report: ActualsReport) -> pd.DataFrame | None:
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except Exception:  # noqa: BLE001 - a broken workbook can fail in zipfile, openpyxl or pandas
        report.errors.append(RowError(1, "file", "The file could not be read as an Excel workbook. Save it from "
                                                 "Excel as .xlsx (or as CSV UTF-8) and try again."))
        return None
    return frame.map(_cell_text)


def read_upload(data: bytes, filename: str, report: ActualsReport) -> pd.DataFrame | None:
    """The first sheet or the CSV as a table of stripped strings; a file-level problem goes on row 1."""
    name = (filename or "").strip().lower()
    if not name.endswith((".csv", ".xlsx")):
        hint = " Old .xls workbooks cannot be read: save it as .xlsx." if name.endswith(".xls") else ""
        report.errors.append(RowError(1, "file", "Upload a .csv or .xlsx file." + hint))
        return None
    if not data or not data.strip():
        report.errors.append(RowError(1, "file", "The file is empty."))
        return None
    frame = _read_excel(data, report) if name.endswith(".xlsx") else _read_csv(data, report)
    if frame is None:
        return None
    frame.columns = [ALIASES.get(key, key) for key in
                     (re.sub(r"\s+", "_", str(c).strip().lower()) for c in frame.columns)]
    twice = sorted({c for c in frame.columns if c in COLUMNS and list(frame.columns).count(c) > 1})
    if twice:
        report.errors.append(RowError(1, "header", f"Column(s) given twice: {', '.join(twice)}."))
        return None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        report.errors.append(RowError(1, "header", f"Missing column(s): {', '.join(missing)}. "
                                                   f"Expected: {', '.join(COLUMNS)}."))
        return None
    if frame.empty:
        report.errors.append(RowError(1, "file", "The file has a header but no rows of results."))
        return None
    if len(frame) > MAX_ROWS:
        report.errors.append(RowError(1, "file", f"At most {MAX_ROWS:,} rows can be imported at once. "
                                                 "Split the file by year."))
        return None
    report.rows = len(frame)
    return frame[COLUMNS].apply(lambda column: column.astype(str).str.strip())


# ---------------------------------------------------------------- checking every row

def current_school_year(on: date | None = None) -> str:
    on = on or today()
    start = on.year if on.month >= 7 else on.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def check_year(text: str, latest: str) -> str | None:
    match = YEAR_RE.match(text)
    if not match or (int(match[1]) + 1) % 100 != int(match[2]):
        return "Enter the school year like 2023-24."
    if int(match[1]) < FIRST_YEAR or text > latest:
        return f"Enter a school year from {FIRST_YEAR}-{(FIRST_YEAR + 1) % 100:02d} to {latest} (results for a year " \
               "that has not started cannot be imported)."
    return None


def parse_students(text: str) -> int | None:
    text = text.replace(",", "")
    if not re.fullmatch(r"\d+(\.0*)?", text):
        return None
    n = int(text.split(".")[0])
    return n if n <= MAX_STUDENTS else None


def check_rows(frame: pd.DataFrame, report: ActualsReport) -> list[tuple]:
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
    for index, (code, metric_code, group_code, year, raw_value, raw_n) in enumerate(zip(*columns), start=2):
        before = len(report.errors)
        school = schools.get(code)
        if school is None:
            add(RowError(index, "school_code", f"Unknown school code {code!r}." if code else "Enter the school code."))
        metric = metrics.get(metric_code.lower())
        if metric is None:
            add(RowError(index, "metric", f"Unknown metric {metric_code!r}. Use one of: {', '.join(metrics)}."))
        group_id = groups.get(group_code.lower())
        if group_id is None:
            add(RowError(index, "group", f"Unknown student group {group_code!r}. Use one of: {', '.join(groups)}."))
        problem = check_year(year, latest)
        if problem:
            add(RowError(index, "year", problem))
        value, problem = parse_number(raw_value)
        if problem or value is None:
            add(RowError(index, "value", problem or "Enter the result."))
        elif metric is not None and not metric.value_min <= value <= metric.value_max:
            add(RowError(index, "value", f"Enter a value from {metric.value_min:g} to {metric.value_max:g} "
                                         f"for {metric.code}."))
        n = parse_students(raw_n)
        if n is None:
            add(RowError(index, "n_students", f"Enter the number of students as a whole number from 0 to "
                                              f"{MAX_STUDENTS:,}."))
        if school is not None and metric is not None:
            levels = levels_of.get(school.id)
            if levels is None:
                levels = levels_of[school.id] = applicable_levels(school.level, school.grade_low, school.grade_high,
                                                                  bands)
            if not levels & set(metric.levels):
                add(RowError(index, "metric", f"{metric.code} does not apply to school {school.code} "
                                              f"({school.level}, grades {school.grade_low}-{school.grade_high})."))
        if len(report.errors) > before:
            continue
        key = (school.id, metric.id, group_id, year)
        if key in seen:
            add(RowError(index, "school_code, metric, group, year",
                         f"The same school, metric, group and year is also on row {seen[key]}."))
            continue
        seen[key] = index
        clean.append((*key, value, n))
    return clean


# ---------------------------------------------------------------- writing, all or nothing

def import_actuals(data: bytes, filename: str) -> ActualsReport:
    """Check every row, then insert new results and update existing ones in one transaction, or write nothing."""
    started = time.perf_counter()
    report = ActualsReport("actuals", import_id=f"actuals-{uuid.uuid4().hex[:12]}")
    frame = read_upload(data, filename, report)
    if frame is None:
        return report
    rows = check_rows(frame, report)
    if report.errors:
        return report
    years = sorted({r[3] for r in rows})
    existing = {}
    for years_chunk in (years[i:i + 50] for i in range(0, len(years), 50)):
        for a in db.session.execute(select(Actual.id, Actual.school_id, Actual.metric_id, Actual.group_id,
                                           Actual.year, Actual.value, Actual.n_students)
                                    .where(Actual.year.in_(years_chunk))):
            existing[(a.school_id, a.metric_id, a.group_id, a.year)] = (a.id, a.value, a.n_students)
    now = utcnow()
    new, changed = [], []
    for school_id, metric_id, group_id, year, value, n in rows:
        found = existing.get((school_id, metric_id, group_id, year))
        if found is None:
            new.append({"school_id": school_id, "metric_id": metric_id, "group_id": group_id, "year": year,
                        "value": value, "n_students": n, "imported_at": now, "import_id": report.import_id})
        elif found[1:] != (value, n):
            changed.append({"id": found[0], "value": value, "n_students": n, "imported_at": now,
                            "import_id": report.import_id})
        else:
            report.unchanged += 1
    try:
        for start in range(0, len(new), CHUNK):
            db.session.execute(insert(Actual), new[start:start + CHUNK])
        for start in range(0, len(changed), CHUNK):
            db.session.execute(update(Actual), changed[start:start + CHUNK])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        report.errors.append(RowError(1, "file", "Another import saved results for the same schools at the same "
                                                 "moment, so nothing from this file was saved. Import it again."))
        return report
    report.created, report.updated = len(new), len(changed)
    report.seconds = time.perf_counter() - started
    return report


def loaded_years() -> list[tuple[str, int]]:
    """How many results are stored for each school year, newest first."""
    return db.session.execute(select(Actual.year, func.count()).group_by(Actual.year)
                              .order_by(Actual.year.desc())).all()


# ---------------------------------------------------------------- progress against the targets

def on_track(actual: float | None, target: float | None, direction: str = "up") -> str:
    """A year's result against its interim target: at or beyond it is on track."""
    if actual is None:
        return NO_RESULT
    if target is None:
        return NO_TARGET
    actual, target = round(actual, 1), round(target, 1)
    return ON_TRACK if (actual >= target if direction != "down" else actual <= target) else BEHIND


@dataclass
class YearResult:
    year: str
    target: float | None
    actual: float | None
    n_students: int | None
    status: str

    @property
    def title(self) -> str:
        return STATUS_TITLES[self.status]


@dataclass
class ProgressRow:
    metric: Metric
    group: StudentGroup
    baseline: float | None
    target_2026: float | None
    trajectory: str
    years: list[YearResult] = field(default_factory=list)


@dataclass
class SchoolProgress:
    plan: TargetPlan | None
    years: list[str]
    sections: list[tuple[Metric, list[ProgressRow]]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_TITLES, 0)
        for _, rows in self.sections:
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
        path = paths.get(row.trajectory_code)
        interims = [None] * len(years)
        if row.baseline_value is not None and row.target_2026 is not None and path is not None:
            interims = interim_targets(row.baseline_value, row.target_2026, path.shares)
        view = ProgressRow(row.metric, row.group, row.baseline_value, row.target_2026, path.name if path else "")
        for year, target in zip(years, interims):
            actual = actuals.get((row.metric_id, row.group_id, year))
            value = actual.value if actual else None
            view.years.append(YearResult(year, target, value, actual.n_students if actual else None,
                                         on_track(value, target, row.metric.direction)))
        sections.setdefault(row.metric_id, (row.metric, []))[1].append(view)
    result.sections = list(sections.values())
    return result
