"""Reading an uploaded CSV or Excel (.xlsx) file into a table of stripped strings, one reader for every
import, with file-level problems (wrong type, not text, missing columns, too many rows) on row 1."""
import io
import re
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import openpyxl
import pandas as pd
from flask_babel import format_number, gettext

from portal.imports.report import ImportReport
from portal.kernel.uploads import unpacks_too_far

NOT_A_WORKBOOK = ("The file could not be read as an Excel workbook. Save it from Excel as .xlsx (or as CSV UTF-8) "
                  "and try again.")
TIME_BUDGET = 10.0  # seconds an import may spend reading a workbook: a third of a worker's timeout


@dataclass(frozen=True)
class TableSpec:
    """The columns an import needs, other headings people use for them, and its limits."""

    columns: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    max_rows: int = 50_000
    formats: tuple[str, ...] = (".csv", ".xlsx")
    split_hint: str = ""  # how to split a file that has too many rows
    no_rows: str | None = None  # the message for a header without rows; None accepts such a file


def too_many_rows(spec: TableSpec) -> str:
    limit = gettext("At most %(num)s rows can be imported at once.", num=format_number(spec.max_rows))
    return f"{limit}{gettext(spec.split_hint) if spec.split_hint else ''}"


def read_upload(data: bytes, filename: str, spec: TableSpec, report: ImportReport) -> pd.DataFrame | None:
    """The first sheet or the CSV as a table of stripped strings, in the spec's column order."""
    name = (filename or "").strip().lower()
    if not name.endswith(spec.formats):
        named = [f for f in spec.formats if f != ".xlsm"]  # a macro workbook is read as the .xlsx it contains
        kinds = gettext(" or ").join(named)
        report.file_problem(gettext("Upload a %(kinds)s file. Old .xls workbooks cannot be read: save it as .xlsx.",
                                    kinds=kinds) if name.endswith(".xls") else
                            gettext("Upload a %(kinds)s file.", kinds=kinds))
        return None
    if not data or not data.strip():
        report.file_problem(gettext("The file is empty."))
        return None
    frame = _read_excel(data, spec, report) if name.endswith((".xlsx", ".xlsm")) else _read_csv(data, spec, report)
    if frame is None or not _check_header(frame, spec, report):
        return None
    if frame.empty and spec.no_rows is not None:
        report.file_problem(gettext(spec.no_rows))
        return None
    if len(frame) > spec.max_rows:
        report.file_problem(too_many_rows(spec))
        return None
    report.rows = len(frame)
    report.table = frame[list(spec.columns)].apply(lambda column: column.astype(str).str.strip())
    return report.table


def _check_header(frame: pd.DataFrame, spec: TableSpec, report: ImportReport) -> bool:
    frame.columns = [spec.aliases.get(key, key) for key in
                     (re.sub(r"\s+", "_", str(c).strip().lower()) for c in frame.columns)]
    headings = list(frame.columns)
    twice = sorted({c for c in headings if c in spec.columns and headings.count(c) > 1})
    if twice:
        report.file_problem(gettext("Column(s) given twice: %(columns)s.", columns=", ".join(twice)), "header")
        return False
    missing = [c for c in spec.columns if c not in headings]
    if missing:
        report.file_problem(gettext("Missing column(s): %(missing)s. Expected: %(expected)s.",
                                    missing=", ".join(missing), expected=", ".join(spec.columns)), "header")
        return False
    return True


def _read_csv(data: bytes, spec: TableSpec, report: ImportReport) -> pd.DataFrame | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.file_problem(gettext("The file is not UTF-8 text. Save it as 'CSV UTF-8' (or as an Excel .xlsx "
                                    "workbook) and try again.") if ".xlsx" in spec.formats else
                            gettext("The file is not UTF-8 text. Save it as 'CSV UTF-8' and try again."))
        return None
    try:
        with warnings.catch_warnings():
            # A row with more values than the header would shift or lose data: refuse the file instead.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                               index_col=False)
    except pd.errors.ParserWarning:
        report.file_problem(gettext("The file could not be read as CSV: a row has more values than the header "
                                    "has columns. Check for stray commas."))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        report.file_problem(gettext("The file could not be read as CSV (%(reason)s).", reason=str(exc).strip()))
    return None


def _read_excel(data: bytes, spec: TableSpec, report: ImportReport) -> pd.DataFrame | None:
    """The first sheet, read row by row (openpyxl's read-only mode, XML parsed by defusedxml) and only
    after the archive says it unpacks to a sane size: a small file that unpacks to millions of rows
    is refused before it can hold a worker."""
    problem = _archive_problem(data)
    if problem:
        report.file_problem(problem)
        return None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a file that is not a workbook
        report.file_problem(NOT_A_WORKBOOK)
        return None
    try:
        rows = _sheet_rows(workbook.worksheets[0], spec, report) if workbook.worksheets else []
    except Exception:  # a damaged sheet inside a readable archive
        report.file_problem(NOT_A_WORKBOOK)
        return None
    finally:
        workbook.close()
    if rows is None:
        return None
    if not rows:
        return pd.DataFrame()
    width = len(rows[0])
    body = [[_cell_text(v) for v in (list(r) + [None] * width)[:width]] for r in rows[1:]]
    return pd.DataFrame(body, columns=[_cell_text(v) for v in rows[0]])


def _archive_problem(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        return NOT_A_WORKBOOK
    if unpacks_too_far(members):
        return ("The workbook unpacks to far more than its size suggests, so it was not opened. Save the "
                "sheet as CSV UTF-8, or split it, and try again.")
    return None


def _sheet_rows(sheet, spec: TableSpec, report: ImportReport) -> list[tuple] | None:
    """The header and the rows, numbered as the sheet numbers them (blank rows at the end left out),
    stopping at the row limit or the time budget."""
    started = time.monotonic()
    rows: list[tuple] = []
    blanks = 0  # blank rows not yet followed by a filled one
    for index, row in enumerate(sheet.iter_rows(values_only=True)):
        if index % 1000 == 0 and time.monotonic() - started > TIME_BUDGET:
            report.file_problem("The workbook took too long to read. Save the sheet as CSV UTF-8 and try again.")
            return None
        if all(v is None or v == "" for v in row):
            blanks += 1
            continue
        rows.extend([()] * blanks)
        blanks = 0
        rows.append(row)
        if len(rows) > spec.max_rows + 1:  # the header and one row past the limit are enough to refuse
            report.file_problem(too_many_rows(spec))
            return None
    return rows


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person typed: 1234.0 is 1234, an empty cell is blank."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()
