"""School baselines from a CSV or Excel file: the same all-or-nothing import, with the same row-level
report, as the yearly results (services.actuals). A baseline already stored for the same school,
metric, student group and year is replaced; every other row is added."""
import time
import uuid

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import Baseline
from portal.targets.results import CHUNK, COLUMNS, ActualsReport, check_rows, read_upload  # noqa: F401 (COLUMNS)
from portal.demo.district import refresh_statistics
from portal.org.imports import RowError

SOURCE = "Baseline import"
STATISTICS_AFTER = 10_000  # rows added at once: the planner's statistics are refreshed


def import_baselines(data: bytes, filename: str) -> ActualsReport:
    """Check every row, then add new baselines and replace stored ones in one transaction, or write nothing."""
    started = time.perf_counter()
    report = ActualsReport("baselines", import_id=f"baselines-{uuid.uuid4().hex[:12]}")
    frame = read_upload(data, filename, report)
    if frame is None:
        return report
    rows = check_rows(frame, report)
    if report.errors:
        return report
    years = sorted({r[3] for r in rows})
    existing = {}
    for b in db.session.execute(select(Baseline.id, Baseline.school_id, Baseline.metric_id, Baseline.group_id,
                                       Baseline.year, Baseline.value, Baseline.n_students)
                                .where(Baseline.school_id.is_not(None), Baseline.year.in_(years))):
        existing[(b.school_id, b.metric_id, b.group_id, b.year)] = (b.id, b.value, b.n_students)
    source = f"{SOURCE} {report.import_id}"
    new, changed = [], []
    for school_id, metric_id, group_id, year, value, n in rows:
        found = existing.get((school_id, metric_id, group_id, year))
        if found is None:
            new.append({"school_id": school_id, "metric_id": metric_id, "group_id": group_id, "level": "",
                        "year": year, "value": value, "n_students": n, "source": source})
        elif found[1:] != (value, n):
            changed.append({"id": found[0], "value": value, "n_students": n, "source": source})
        else:
            report.unchanged += 1
    try:
        for start in range(0, len(new), CHUNK):
            db.session.execute(insert(Baseline), new[start:start + CHUNK])
        for start in range(0, len(changed), CHUNK):
            db.session.execute(update(Baseline), changed[start:start + CHUNK])
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        report.errors.append(RowError(1, "file", "Another import saved baselines for the same schools at the same "
                                                 "moment, so nothing from this file was saved. Import it again."))
        return report
    report.created, report.updated = len(new), len(changed)
    if len(new) >= STATISTICS_AFTER:
        refresh_statistics()
    report.seconds = time.perf_counter() - started
    return report


def loaded_years() -> list[tuple[str, int]]:
    """How many school baselines are stored for each school year, newest first."""
    return db.session.execute(select(Baseline.year, func.count()).where(Baseline.school_id.is_not(None))
                              .group_by(Baseline.year).order_by(Baseline.year.desc())).all()
