"""Reading an uploaded CSV or Excel (.xlsx) file into a table of stripped strings, one reader for every
import, with file-level problems (wrong type, not text, missing columns, too many rows) on row 1."""
import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd

from portal.imports.report import ImportReport


@dataclass(frozen=True)
class TableSpec:
    """The columns an import needs, other headings people use for them, and its limits."""

    columns: tuple[str, ...]
    aliases: dict[str, str] = field(default_factory=dict)
    max_rows: int = 50_000
    formats: tuple[str, ...] = (".csv", ".xlsx")
    split_hint: str = ""  # how to split a file that has too many rows
    no_rows: str | None = None  # the message for a header without rows; None accepts such a file


def read_upload(data: bytes, filename: str, spec: TableSpec, report: ImportReport) -> pd.DataFrame | None:
    """The first sheet or the CSV as a table of stripped strings, in the spec's column order."""
    name = (filename or "").strip().lower()
    if not name.endswith(spec.formats):
        hint = " Old .xls workbooks cannot be read: save it as .xlsx." if name.endswith(".xls") else ""
        named = [f for f in spec.formats if f != ".xlsm"]  # a macro workbook is read as the .xlsx it contains
        report.file_problem(f"Upload a {' or '.join(named)} file.{hint}")
        return None
    if not data or not data.strip():
        report.file_problem("The file is empty.")
        return None
    frame = _read_excel(data, report) if name.endswith((".xlsx", ".xlsm")) else _read_csv(data, spec, report)
    if frame is None or not _check_header(frame, spec, report):
        return None
    if frame.empty and spec.no_rows is not None:
        report.file_problem(spec.no_rows)
        return None
    if len(frame) > spec.max_rows:
        report.file_problem(f"At most {spec.max_rows:,} rows can be imported at once.{spec.split_hint}")
        return None
    report.rows = len(frame)
    return frame[list(spec.columns)].apply(lambda column: column.astype(str).str.strip())


def _check_header(frame: pd.DataFrame, spec: TableSpec, report: ImportReport) -> bool:
    frame.columns = [spec.aliases.get(key, key) for key in
                     (re.sub(r"\s+", "_", str(c).strip().lower()) for c in frame.columns)]
    headings = list(frame.columns)
    twice = sorted({c for c in headings if c in spec.columns and headings.count(c) > 1})
    if twice:
        report.file_problem(f"Column(s) given twice: {', '.join(twice)}.", "header")
        return False
    missing = [c for c in spec.columns if c not in headings]
    if missing:
        report.file_problem(f"Missing column(s): {', '.join(missing)}. Expected: {', '.join(spec.columns)}.",
                            "header")
        return False
    return True


def _read_csv(data: bytes, spec: TableSpec, report: ImportReport) -> pd.DataFrame | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        excel = " (or as an Excel .xlsx workbook)" if ".xlsx" in spec.formats else ""
        report.file_problem(f"The file is not UTF-8 text. Save it as 'CSV UTF-8'{excel} and try again.")
        return None
    try:
        with warnings.catch_warnings():
            # A row with more values than the header would shift or lose data: refuse the file instead.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                               index_col=False)
    except pd.errors.ParserWarning:
        report.file_problem("The file could not be read as CSV: a row has more values than the header has "
                            "columns. Check for stray commas.")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        report.file_problem(f"The file could not be read as CSV ({str(exc).strip()}).")
    return None


def _read_excel(data: bytes, report: ImportReport) -> pd.DataFrame | None:
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except Exception:  # openpyxl raises many kinds of error for a file that is not a workbook
        report.file_problem("The file could not be read as an Excel workbook. Save it from Excel as .xlsx "
                            "(or as CSV UTF-8) and try again.")
        return None
    return frame.map(_cell_text)


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
