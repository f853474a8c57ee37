"""Tables to CSV and Excel. A cell a spreadsheet would run as a formula (starting with =, +, -,
@, a tab or a carriage return) is written as text with a leading apostrophe, so a school name
like "=HYPERLINK(...)" can never run on someone's machine. Numbers stay numbers."""
import csv
import io
import re
from datetime import date, datetime

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GENERATED_COLUMN = "Generated for the demo"  # "yes" on a row the demo district made up, blank on the district's own
SAFE_SHEET = re.compile(r"[\[\]\*\?/\\:]")


def safe_cell(value):
    """Numbers, dates and empty cells as they are; any text that could start a formula, neutralised."""
    if value is None or isinstance(value, (bool, int, float, date, datetime)):
        return value
    text = str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def generated_cell(made_up: bool) -> str:
    return "yes" if made_up else ""


def to_csv(columns: list[str], rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def to_xlsx(columns: list[str], rows, sheet: str = "Data") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = SAFE_SHEET.sub(" ", sheet)[:31] or "Data"
    worksheet.append([safe_cell(c) for c in columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Control characters (a vertical tab pasted from a word processor) cannot be stored in a
        # workbook at all: they are dropped from the Excel copy; the CSV keeps the text as typed.
        worksheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v
                          for v in map(safe_cell, row)])
        for cell in worksheet[worksheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text is text: never a formula
    worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_response(basename: str, columns: list[str], rows, fmt: str) -> Response:
    """A download of the table as CSV (fmt 'csv') or Excel (fmt 'xlsx')."""
    rows = list(rows)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", basename).strip("-") or "export"
    if fmt == "xlsx":
        body = to_xlsx(columns, rows, sheet=basename)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        filename = f"{stem}.xlsx"
    else:
        body = to_csv(columns, rows)
        mimetype = "text/csv"  # Flask adds "; charset=utf-8" to a text type
        filename = f"{stem}.csv"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
