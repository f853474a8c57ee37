"""School baselines from a CSV or Excel file: the same all-or-nothing import, with the same row-level
report, as the yearly results (targets.results). A baseline already stored for the same school,
metric, student group and year is replaced; every other row is added."""
import time
import uuid
from collections.abc import Sequence

from sqlalchemy import Row, func, select

from portal.extensions import db
from portal.imports.reader import read_upload
from portal.imports.report import ImportReport
from portal.imports.writing import all_or_nothing, bulk_write, split_rows
from portal.org.models import School
from portal.strategic_plan.models import Baseline, Metric, StudentGroup
from portal.targets.results import COLUMNS, SPEC, check_rows  # noqa: F401 (COLUMNS: the admin page lists them)

SOURCE = "Baseline import"
STATISTICS_AFTER = 10_000  # rows added at once: the planner's statistics are refreshed


def import_baselines(data: bytes, filename: str) -> ImportReport:
    """Check every row, then add new baselines and replace stored ones in one transaction, or write nothing."""
    started = time.perf_counter()
    report = ImportReport("baselines", import_id=f"baselines-{uuid.uuid4().hex[:12]}")
    frame = read_upload(data, filename, SPEC, report)
    if frame is None:
        return report
    rows = check_rows(frame, report)
    if report.errors:
        return report
    years = sorted({r[3] for r in rows})
    existing = {}
    for b in db.session.execute(select(Baseline.id, Baseline.school_id, Baseline.metric_id, Baseline.group_id,
                                       Baseline.year, Baseline.value, Baseline.n_students, Baseline.generated)
                                .where(Baseline.school_id.is_not(None), Baseline.year.in_(years))):
        # A baseline made up for the demo is replaced even by the same figure: the district's file vouches for it.
        existing[(b.school_id, b.metric_id, b.group_id, b.year)] = (
            (b.id, None, None) if b.generated else (b.id, b.value, b.n_students))
    source = f"{SOURCE} {report.import_id}"
    new, changed = split_rows(
        rows, existing,
        lambda key, figure: {"school_id": key[0], "metric_id": key[1], "group_id": key[2], "level": "",
                             "year": key[3], "value": figure[0], "n_students": figure[1], "source": source},
        lambda row_id, figure: {"id": row_id, "value": figure[0], "n_students": figure[1], "source": source,
                                "generated": False},
        report)
    all_or_nothing(report, lambda: bulk_write(Baseline, new, changed),
                   "Another import saved baselines for the same schools at the same moment, so nothing from this "
                   "file was saved. Import it again.")
    if not report.ok:
        return report
    report.created, report.updated = len(new), len(changed)
    report.large = len(new) >= STATISTICS_AFTER
    report.seconds = time.perf_counter() - started
    return report


def loaded_years() -> Sequence[Row[str, int]]:
    """How many school baselines are stored for each school year, newest first."""
    return db.session.execute(select(Baseline.year, func.count()).where(Baseline.school_id.is_not(None))
                              .group_by(Baseline.year).order_by(Baseline.year.desc())).all()


def school_baselines(school: School):
    """The school's baseline table: metric -> group -> {year: (value, n)}, in plan order."""
    rows = db.session.execute(
        select(Baseline, Metric, StudentGroup)
        .join(Metric, Baseline.metric_id == Metric.id)
        .join(StudentGroup, Baseline.group_id == StudentGroup.id)
        .where(Baseline.school_id == school.id)
        .order_by(Metric.goal_id, Metric.position, StudentGroup.sort, Baseline.year)
    ).all()
    table: dict = {}
    years: dict = {}
    for baseline, metric, group in rows:
        by_group = table.setdefault(metric, {})
        by_group.setdefault(group, {})[baseline.year] = baseline
        years.setdefault(metric, set()).add(baseline.year)
    return [(metric, sorted(years[metric]), groups) for metric, groups in table.items()]
