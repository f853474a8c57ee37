"""Importing measure values from a CSV or Excel file: every row checked first, then all written or none."""
import pandas as pd
from sqlalchemy import select

from portal.extensions import db
from portal.imports.reader import TableSpec, read_upload
from portal.imports.report import ImportReport, RowError
from portal.kernel.clock import current_school_year
from portal.kernel.workflow import flush_versioned
from portal.measures.models import MeasureValue
from portal.measures.values import can_enter, check_value, write_value
from portal.strategic_plan.models import Measure

IMPORT_COLUMNS = ["measure", "subtarget", "year", "value", "as_of", "source", "note"]


SPEC = TableSpec(columns=tuple(IMPORT_COLUMNS), formats=(".csv", ".xlsx", ".xlsm"))


def _check_rows(frame: pd.DataFrame, user, report: ImportReport) -> list[tuple[Measure, dict, MeasureValue | None]]:
    """Each row checked (a central office only its own office's measures): the rows to write, each
    with the value it replaces; problems go to the report."""
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
        rec["as_of"] = rec["as_of"][:10]  # Excel gives dates with a time of day
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
    return checked


def import_values(data: bytes, filename: str, user) -> ImportReport:
    """Every row is checked first; then all rows are written with their AuditEvents and flushed, or
    none are (the report then lists the problems, and the caller rolls back)."""
    report = ImportReport("measure values")
    frame = read_upload(data, filename, SPEC, report)
    if frame is None:
        return report
    checked = _check_rows(frame, user, report)
    if not report.errors and not checked:
        report.errors.append(RowError(1, "file", "The file has no rows to import."))
    if report.errors:
        return report
    for measure, clean, current in checked:
        outcome = write_value(measure, clean, user, current, "import")
        if outcome == "created":
            report.created += 1
        elif outcome == "updated":
            report.updated += 1
    flush_versioned(lambda: "Someone changed one of these values while the file was being imported, so nothing "
                            "was imported. Import the file again to replace their values.")
    return report
