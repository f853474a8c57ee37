"""Importing each year's results (CSV or Excel, all rows or none, problems listed by row), and every
school and group shown on track or behind against the interim target its trajectory sets."""
import io
import re
import time

import pytest
from openpyxl import Workbook
from sqlalchemy import delete, func, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import School
from portal.strategic_plan.levels import applicable_levels, metric_bands
from portal.strategic_plan.models import Metric, StudentGroup
from portal.strategic_plan.pace import BEHIND, NO_RESULT, NO_TARGET, ON_TRACK, on_track
from portal.targets.guardrails import interim_targets
from portal.targets.models import Actual, PlanStatus, Target
from portal.targets.results import import_actuals, progress

HEADER = "school_code,metric,group,year,value,n_students\n"


def upload(client, token, data: bytes, filename="results.csv"):
    return client.post("/admin/actuals", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def school_code(app, factories, level: str = "elementary", code: str | None = None) -> str:
    """The code of a school of the test's own (elementary: grades K-5), with no results yet."""
    with app.app_context():
        return factories.school(level, code=code).code


def stored(app, code, year):
    with app.app_context():
        return {(m, g): (v, n) for m, g, v, n in db.session.execute(
            select(Metric.code, StudentGroup.code, Actual.value, Actual.n_students)
            .join(Metric, Actual.metric_id == Metric.id).join(StudentGroup, Actual.group_id == StudentGroup.id)
            .join(School, Actual.school_id == School.id).where(School.code == code, Actual.year == year))}


def test_an_admin_imports_a_years_results_from_csv_and_a_second_import_updates_them(app, login_as, client, auth,
                                                                                   factories):
    code = school_code(app, factories)
    login_as(Role.admin)
    text = HEADER + f"{code},ela_g3,all,2021-22,-12.5,96\n{code},ELA_G3,el,2021-22,-40,31\n" \
                    f"{code},math_3_5,all,2021-22,1.5,290\n"
    response = upload(client, auth.csrf("/admin/actuals"), text.encode())
    assert response.status_code == 303
    page = client.get("/admin/actuals").get_data(as_text=True)
    assert "Imported 3 rows: " in page and "File layout" in page
    assert stored(app, code, "2021-22") == {("ela_g3", "all"): (-12.5, 96), ("ela_g3", "el"): (-40.0, 31),
                                            ("math_3_5", "all"): (1.5, 290)}
    # The same school, metric, group and year again: the stored result is replaced, not duplicated.
    again = HEADER + f"{code},ela_g3,all,2021-22,-10.0,97\n{code},ela_g3,el,2021-22,-40,31\n"
    upload(client, auth.csrf("/admin/actuals"), again.encode())
    assert "1 updated and 1 unchanged" in client.get("/admin/actuals").get_data(as_text=True)
    assert stored(app, code, "2021-22")[("ela_g3", "all")] == (-10.0, 97)


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_problem_by_row(app, login_as, client, auth, factories):
    code, high = school_code(app, factories), school_code(app, factories, "high")
    rows = [
        f"{code},sel_self_efficacy,all,2020-21,71.5,300",  # row 2: fine, but must not be written
        "nope,ela_g3,all,2020-21,-3,90",  # 3: unknown school
        f"{code},reading,all,2020-21,-3,90",  # 4: unknown metric
        f"{code},ela_g3,martians,2020-21,-3,90",  # 5: unknown group
        f"{code},ela_g3,all,2020/21,-3,90",  # 6: year format
        f"{code},ela_g3,all,2020-22,-3,90",  # 7: not consecutive years
        f"{code},ela_g3,swd,2020-21,-301,90",  # 8: out of range
        f"{code},ela_g3,el,2020-21,lots,90",  # 9: not a number
        f"{code},ela_g3,black,2020-21,-3,-4",  # 10: negative students
        f"{code},ela_g3,latinx,2020-21,-3,12.5",  # 11: fractional students
        f"{high},ela_g3,all,2020-21,-3,90",  # 12: grade 3 ELA does not apply to a high school
        f"{code},sel_self_efficacy,all,2020-21,70,300",  # 13: duplicate of row 2
        f"{code},ela_g3,foster,2099-00,-3,4",  # 14: a year that has not started
    ]
    login_as(Role.admin)
    response = upload(client, auth.csrf("/admin/actuals"), (HEADER + "\n".join(rows) + "\n").encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported: 12 problems to fix" in page
    assert stored(app, code, "2020-21") == {}
    expected = [(3, "school_code", "Unknown school code &#39;nope&#39;"),
                (4, "metric", "Unknown metric &#39;reading&#39;"),
                (5, "group", "Unknown student group &#39;martians&#39;"),
                (6, "year", "Enter the school year like 2023-24"),
                (7, "year", "Enter the school year like 2023-24"), (8, "value", "Enter a value from -300 to 300"),
                (9, "value", "Enter a number"), (10, "n_students", "whole number from 0"),
                (11, "n_students", "whole number from 0"), (12, "metric", f"ela_g3 does not apply to school {high}"),
                (13, "school_code, metric, group, year", "is also on row 2"),
                (14, "year", "results for a year that has not started")]
    for row, column, message in expected:
        pattern = (rf'<td class="num">{row}</td><td>{re.escape(column)}</td><td class="refused-value">.*?</td>'
                   rf'<td>[^<]*{re.escape(message)}')
        assert re.search(pattern, page), (row, column, message)
    assert "<code>reading</code>" in page and "<code>martians</code>" in page  # the values refused


@pytest.mark.parametrize("data, filename, message", [
    (b"", "results.csv", "The file is empty."),
    (b"school,metric\n1,ela_g3\n", "results.csv", "Missing column(s): group, year, value, n_students"),
    (HEADER.encode(), "results.csv", "a header but no rows"),
    (b"school,school_code,metric,group,year,value,n_students\n1,1,ela_g3,all,2021-22,4,5\n", "results.csv",
     "Column(s) given twice: school_code"),
    (b"school_code,metric,group,year,value,n_students\n1,ela_g3,all,2021-22,4,5,6,7\n", "results.csv",
     "could not be read as CSV"),
    (b"school_code,metric,group,year,value,n_students\n1,ela_g3,all,2021-22,4,5\n2,ela_g3,all,2021-22,4,5,6\n",
     "results.csv", "Expected 6 fields in line 3"),
    (b"\xff\xfe\x00\x01binary", "results.csv", "not UTF-8"),
    (b"PK\x03\x04 this is not really a workbook", "results.xlsx", "could not be read as an Excel workbook"),
    (b"school_code,metric,group,year,value,n_students\n", "results.xls", "Upload a .csv or .xlsx file"),
])
def test_malformed_files_get_a_clear_message_not_an_error_page(login_as, client, auth, data, filename, message):
    login_as(Role.admin)
    response = upload(client, auth.csrf("/admin/actuals"), data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_the_service_reports_a_broken_workbook_on_row_one():
    report = import_actuals(b"PK\x03\x04\x14\x00garbage" * 20, "results.xlsx")
    assert not report.ok and report.errors[0].row == 1 and report.errors[0].column == "file"


def test_an_excel_workbook_imports_like_a_csv(app, login_as, client, auth, factories):
    code = school_code(app, factories, code=factories.numeric_code())
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["School code", "Metric", "Group", "Year", "Value", "N students"])
    sheet.append([int(code), "ela_g3", "all", "2021-22", -22.4, 88])  # numbers as Excel stores them
    sheet.append([code, "sel_growth_mindset", "low_income", "2021-22", 74, 201.0])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login_as(Role.admin)
    response = upload(client, auth.csrf("/admin/actuals"), buffer.getvalue(), "results.xlsx")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    assert stored(app, code, "2021-22") == {("ela_g3", "all"): (-22.4, 88),
                                            ("sel_growth_mindset", "low_income"): (74.0, 201)}


def test_on_track_means_at_or_beyond_the_interim_target():
    # Baseline -40, 2026 target -10, step-up path (.1, .3, .6, 1.0): -37, -31, -22, -10 by hand.
    assert interim_targets(-40.0, -10.0, [0.1, 0.3, 0.6, 1.0]) == [-37.0, -31.0, -22.0, -10.0]
    assert on_track(-37.0, -37.0) == ON_TRACK
    assert on_track(-37.1, -37.0) == BEHIND
    assert on_track(-20.0, -22.0) == ON_TRACK
    assert on_track(None, -22.0) == NO_RESULT
    assert on_track(-20.0, None) == NO_TARGET
    assert on_track(12.0, 12.5, direction="down") == ON_TRACK


def test_a_school_page_shows_each_years_result_against_its_interim_target(app, login_as, client, auth, factories):
    with app.app_context():
        plan = factories.target_plan(factories.school(), PlanStatus.approved, trajectory="linear")
        row = db.session.scalar(select(Target).join(Metric, Target.metric_id == Metric.id)
                                .where(Target.plan_id == plan.id, Metric.code == "ela_g3",
                                       Target.group.has(code="all")))  # the first row the page shows for the metric
        code, school_id = plan.school.code, plan.school_id
        baseline, target, group = row.baseline_value, row.target_2026, row.group.code
        db.session.remove()
    # The linear path by hand: a quarter, then half of the gain.
    first = round(baseline + 0.25 * (target - baseline), 1)
    second = round(baseline + 0.50 * (target - baseline), 1)
    login_as(Role.admin)
    text = HEADER + f"{code},ela_g3,{group},2022-23,{first},40\n{code},ela_g3,{group},2023-24,{second - 0.1:.1f},41\n"
    assert upload(client, auth.csrf("/admin/actuals"), text.encode()).status_code == 303
    with app.app_context():
        school = db.session.get(School, school_id)
        result = progress(school)
        view = next(r for metric, rows in result.sections for r in rows
                    if metric.code == "ela_g3" and r.group.code == group)
        assert [y.target for y in view.years[:2]] == [first, second]
        assert [y.status for y in view.years] == [ON_TRACK, BEHIND, NO_RESULT, NO_RESULT]
    page = client.get(f"/schools/{school_id}").get_data(as_text=True)
    assert "Progress against the targets" in page
    section = page[page.index('id="p-ela_g3"'):]
    cells = section.split('<td data-year="2022-23">', 1)[1]
    assert f"{first:.1f}" in cells.split("</td>")[0] and "On track" in cells.split("</td>")[0]
    cells = section.split('<td data-year="2023-24">', 1)[1]
    assert "Behind" in cells.split("</td>")[0]
    assert "No result yet" in section


def test_a_principal_sees_progress_on_their_own_school_only(app, login_as, client):
    login_as(Role.principal)
    dashboard = client.get("/my-school").get_data(as_text=True)  # My school: the school's dashboard
    assert "On track" in dashboard or "Behind" in dashboard
    school_page = dashboard.split('href="/schools/', 1)[1].split('"', 1)[0]  # its link to the school's page
    assert "Progress against the targets" in client.get(f"/schools/{school_page}").get_data(as_text=True)


def test_only_an_administrator_reaches_the_import(login_as, client):
    assert client.get("/admin/actuals").status_code == 302
    login_as(Role.regional_leader)
    assert client.get("/admin/actuals").status_code == 403


def test_a_hundred_thousand_row_import_finishes(app):
    """Years long past, so no other test's results are touched; removed afterwards."""
    with app.app_context():
        bands = metric_bands()
        metrics = db.session.scalars(select(Metric)).all()
        groups = db.session.scalars(select(StudentGroup.code)).all()
        cells = []
        for school in db.session.scalars(select(School).order_by(School.code)):
            levels = applicable_levels(school.level, school.grade_low, school.grade_high, bands)
            cells += [(school.code, m, g) for m in metrics if set(m.levels) & levels for g in groups]
        lines, start = [HEADER], 2000
        while len(lines) <= 100_000:
            year = f"{start}-{(start + 1) % 100:02d}"
            for i, (code, metric, group) in enumerate(cells):
                value = metric.value_min + (i % 97) * (metric.value_max - metric.value_min) / 100
                lines.append(f"{code},{metric.code},{group},{year},{value:.1f},{i % 300}\n")
                if len(lines) > 100_000:
                    break
            start += 1
        assert start <= 2022, "not enough cells for 100,000 rows in past years"
        data = "".join(lines).encode()
        began = time.perf_counter()
        report = import_actuals(data, "big.csv")
        seconds = time.perf_counter() - began
        try:
            assert report.ok, report.errors[:5]
            assert report.rows == 100_000 and report.created + report.updated + report.unchanged == 100_000
            print(f"\n100,000-row actuals import: {seconds:.2f} s ({len(data) / 1e6:.1f} MB)")
            assert db.session.scalar(select(func.count()).where(Actual.import_id == report.import_id)) == \
                report.created + report.updated
        finally:
            db.session.execute(delete(Actual).where(Actual.import_id == report.import_id))
            db.session.commit()
