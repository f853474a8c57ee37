"""Exports: CSV and Excel that open cleanly and never carry a live formula."""
import csv
import io

from openpyxl import load_workbook

from portal.kernel.exports import safe_cell, to_csv, to_xlsx
from portal.kernel.policy import Role

NASTY = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn", "Plain name"]


def test_text_that_could_start_a_formula_is_neutralised_and_numbers_are_kept():
    assert [safe_cell(v) for v in NASTY] == ["'" + v for v in NASTY[:-1]] + ["Plain name"]
    assert safe_cell(-12.5) == -12.5 and safe_cell(0) == 0 and safe_cell(None) is None


def test_an_excel_export_opens_in_openpyxl_with_no_formula_cells():
    data = to_xlsx(["School", "Value"], [[name, i] for i, name in enumerate(NASTY)], sheet="Schools: all/any")
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.title == "Schools  all any"
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert sheet["A2"].value == "'=HYPERLINK(\"http://x\",\"y\")" and sheet["B3"].value == 1


def test_a_csv_export_reads_back_with_neutralised_cells():
    text = to_csv(["School", "Value"], [[name, 1.5] for name in NASTY]).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["School", "Value"]
    assert all(not r[0].startswith(("=", "+", "-", "@")) for r in rows[1:])


def test_a_rationale_pasted_with_control_characters_still_exports_to_excel():
    """Text pasted from a word processor can carry a vertical tab or a form feed, which a workbook
    cannot hold: the Excel copy drops them, keeps the words, and the CSV keeps the text as typed."""
    typed = "Line one\x0bline two\x0c and \x01more"
    book = load_workbook(io.BytesIO(to_xlsx(["School", "Rationale"], [["Dorsey High", typed]])))
    assert book.active["B2"].value == "Line oneline two and more"
    rows = list(csv.reader(io.StringIO(to_csv(["School", "Rationale"], [["Dorsey High", typed]]).decode())))
    assert rows[1][1] == typed


def test_a_csv_export_names_its_character_set_once(login_as, client):
    login_as(Role.superintendent)
    response = client.get("/review/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
