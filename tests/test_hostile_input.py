"""Input a hostile or careless person sends: digits from other scripts, ids past what the database holds,
figures too large to draw, forms without the version they were filled in on. Each gets a clear answer,
never a 500, and changes nothing."""
import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.numbers import AMBIGUOUS_COMMA, MAX_FIGURE, TOO_LARGE, page_number, parse_int, read_figure
from portal.kernel.policy import SMALL_GROUP, Role
from portal.measures.values import year_problem
from portal.org.models import School
from portal.targets import peers
from portal.targets.guardrails import parse_number
from portal.targets.models import PlanStatus, TargetPlan
from tests.test_targets import own_plan, plan_facts, row_facts, target_of


@pytest.mark.parametrize("raw", ["²", "٣", "１２", "9" * 40, "-1", "1.0", "abc", " ", ""])
def test_only_plain_digits_are_read_as_whole_numbers(raw):
    assert parse_int(raw) is None


def test_a_page_past_the_last_is_read_as_the_last_one_asked_for():
    assert page_number("99999999999999999999999") == 1 and page_number("²") == 1 and page_number("20000") == 10_000


@pytest.mark.parametrize("path", ["/schools/99999999999999999999999", "/targets/plans/99999999999999999999999",
                                  "/initiatives/9223372036854775808", "/board-updates/18446744073709551616"])
def test_an_id_past_what_the_database_holds_is_a_page_that_does_not_exist(login_as, client, path):
    login_as(Role.superintendent)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/plan?pillar=²", "/plan?pillar=99999999999999999999", "/cycle?pillar=²",
                                  "/schools?page=²", "/admin/users?page=99999999999999999999999"])
def test_odd_digits_in_a_filter_show_the_unfiltered_page(login_as, client, path):
    login_as(Role.admin)
    assert client.get(path).status_code == 200


def test_an_export_for_a_school_named_in_odd_digits_is_not_found(login_as, client):
    login_as(Role.superintendent)
    for school in ("²", "99999999999999999999999", "１２"):
        assert client.get(f"/dashboard/export?table=school-targets&school={school}").status_code == 404


def test_a_school_year_in_another_scripts_digits_is_refused():
    assert year_problem("20２４-２５") is not None and year_problem("2023-24") is None


@pytest.mark.parametrize("typed", ["1.7e308", "1e309", "-1e300", str(MAX_FIGURE * 10)])
def test_a_figure_too_large_to_mean_anything_is_refused_where_it_is_typed(typed):
    value, problem = parse_number(typed)
    assert value is None and problem in (TOO_LARGE, "Enter a number, like 62.5 or -20.")


@pytest.mark.parametrize(("typed", "read"), [("1,500", 1500.0), ("12,500.75", 12500.75), ("$1,200", 1200.0),
                                             ("62.5%", 62.5), ("\u221212", -12.0), ("1,234,567", 1234567.0)])
def test_commas_that_group_thousands_are_read_as_people_mean_them(typed, read):
    assert read_figure(typed) == (read, None)


@pytest.mark.parametrize("typed", ["1,5", "1,50", "12,5", "1,5000", ",500", "1,500,5"])
def test_a_comma_that_could_be_a_decimal_point_is_refused_not_guessed(typed):
    assert read_figure(typed) == (None, AMBIGUOUS_COMMA)


@pytest.mark.parametrize("typed", ["١٢", "１２", "1_000", "--3", "1 500", "nan", "inf", "0x10"])
def test_what_only_a_programming_language_reads_as_a_number_is_refused(typed):
    value, problem = read_figure(typed)
    assert value is None and problem


def test_a_principal_who_types_a_decimal_comma_is_asked_for_a_point(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, PlanStatus.draft)
    row = row_facts(app, plan_id)[0]
    auth.login(email)
    page = client.get(f"/targets/plans/{plan_id}").get_data(as_text=True)
    version = page.split('name="version" value="', 1)[1].split('"', 1)[0]
    response = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}",
                           headers={"HX-Request": "true", "X-CSRFToken": auth.csrf(f"/targets/plans/{plan_id}")},
                           data={f"target_2026-{row['id']}": "70,5", f"trajectory-{row['id']}": "linear",
                                 "version": version})
    assert response.status_code == 422
    assert "Use a point for decimals, like 1.5" in response.get_data(as_text=True)
    assert target_of(app, row["id"]) == row["target"]


def test_a_row_saved_without_the_version_it_was_typed_on_is_refused(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, PlanStatus.draft)
    row = row_facts(app, plan_id)[0]
    before = plan_facts(app, plan_id)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    for version in ("", "abc", "-1", "1.0", "²"):
        response = client.post(f"/targets/plans/{plan_id}/rows/{row['id']}",
                               headers={"HX-Request": "true", "X-CSRFToken": token},
                               data={f"target_2026-{row['id']}": str(round(row["baseline"] + 12, 1)),
                                     f"trajectory-{row['id']}": "linear", "version": version})
        assert response.status_code == 422, version
        assert "did not say which version of the plan you saw" in response.get_data(as_text=True)
    assert target_of(app, row["id"]) == row["target"]
    assert plan_facts(app, plan_id) == before


def test_a_submission_without_its_version_is_refused(app, auth, client, factories):
    plan_id, email = own_plan(app, factories, PlanStatus.draft)
    auth.login(email)
    token = auth.csrf(f"/targets/plans/{plan_id}")
    response = client.post(f"/targets/plans/{plan_id}/submit", data={"csrf_token": token}, follow_redirects=True)
    assert "did not say which version of the plan you saw" in response.get_data(as_text=True)
    assert plan_facts(app, plan_id)["status"] == PlanStatus.draft


def test_peer_figures_come_from_enough_handed_in_plans_and_never_from_drafts(ctx):
    """A school sees its peers' spread only where at least SMALL_GROUP other schools handed theirs in:
    with fewer, the quartiles would be those schools' own targets."""
    plans = ctx.scalars(select(TargetPlan).join(School).order_by(TargetPlan.id).limit(60)).all()
    checked = {"hidden": 0, "shown": 0}
    for plan in plans:
        handed_in = ctx.scalar(
            select(func.count(TargetPlan.id.distinct())).join(School)
            .where(TargetPlan.cycle_id == plan.cycle_id, School.region_id == plan.school.region_id,
                   School.level == plan.school.level, TargetPlan.id != plan.id,
                   TargetPlan.status.in_(peers.PEER_STATUSES)))
        spread = peers.peer_spread(plan)
        if handed_in < SMALL_GROUP:
            assert spread == {}
            checked["hidden"] += 1
        else:
            assert all(SMALL_GROUP <= cell["n"] <= handed_in for cell in spread.values())
            checked["shown"] += 1
    assert sum(checked.values()) == len(plans) > 0
    db.session.rollback()


def workbook(rows: list[list]) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_small_workbook_that_unpacks_to_a_huge_sheet_is_refused_before_it_is_read():
    import io
    import zipfile

    from portal.imports.reader import TableSpec, read_upload
    from portal.imports.report import ImportReport

    real = zipfile.ZipFile(io.BytesIO(workbook([["school_code"], ["1001"]])))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for member in real.infolist():
            data = real.read(member)
            if member.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</sheetData>", b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 400_000
                                    + b"</sheetData>")
            out.writestr(member, data)
    assert len(bomb.getvalue()) < 1_000_000
    report = ImportReport("test")
    assert read_upload(bomb.getvalue(), "results.xlsx", TableSpec(columns=("school_code",)), report) is None
    assert "unpacks to far more than its size suggests" in report.errors[0].message


def test_a_workbook_past_the_row_limit_is_refused_while_it_is_read():
    from portal.imports.reader import TableSpec, read_upload
    from portal.imports.report import ImportReport

    report = ImportReport("test")
    data = workbook([["school_code"], *[[str(1000 + n)] for n in range(12)]])
    assert read_upload(data, "results.xlsx", TableSpec(columns=("school_code",), max_rows=5), report) is None
    assert report.errors[0].message.startswith("At most 5 rows")


def test_a_workbook_keeps_its_row_numbers_across_blank_rows():
    from portal.imports.reader import TableSpec, read_upload
    from portal.imports.report import ImportReport

    report = ImportReport("test")
    frame = read_upload(workbook([["school_code"], ["1001"], [None], ["1003"], [None], [None]]), "results.xlsx",
                        TableSpec(columns=("school_code",)), report)
    assert report.ok and frame is not None
    assert frame["school_code"].tolist() == ["1001", "", "1003"]  # row 3 is blank; the trailing blanks are gone


def test_a_long_evidence_label_is_refused_at_the_field():
    from portal.progress.initiatives.check_in_form import parse_links

    links, problem = parse_links("A" * 5000 + " | https://example.org/report")
    assert links == [] and "under 200 characters" in problem


# ---------------------------------------------------------------- dates in a plausible range

def test_a_typed_date_is_read_in_plain_digits_and_kept_to_its_kind_of_range():
    from datetime import UTC, date, datetime

    from portal.kernel import clock
    from portal.kernel.dates import HAPPENED, PERIOD_END, PLANNED, read_date

    with clock.set_now(datetime(2026, 11, 30, 9, tzinfo=UTC)):
        assert read_date("2025-06-30", HAPPENED) == (date(2025, 6, 30), None)
        assert read_date(" ", HAPPENED) == (None, None)
        for typed in ("２０２４-０１-０１", "20240101", "2024-W01-1", "2023-02-30", "20２４-２５", "\x00"):
            assert read_date(typed, HAPPENED, example="2024-06-30") == (None, "Enter a date like 2024-06-30.")
        assert read_date("9999-12-31", PERIOD_END) == (
            None, "Enter a date between 1 January 2000 and 30 November 2027.")
        assert read_date("1999-12-31", PLANNED) == (None, "Enter a date between 1 January 2000 and 30 November 2028.")
        assert read_date("2026-12-01", HAPPENED) == (
            None, "Enter a date between 1 January 2000 and today (30 November 2026).")
        assert read_date("2027-11-30", PERIOD_END)[0] == date(2027, 11, 30)
    with clock.set_now(datetime(2028, 2, 29, 9, tzinfo=UTC)):
        assert PERIOD_END.latest() == date(2029, 2, 28)


@pytest.mark.parametrize("form, field", [
    ({"period": "Forever", "period_end": "9999-12-31"}, "period_end"),
    ({"period": "Long ago", "period_end": "0001-01-01"}, "period_end"),
])
def test_a_check_in_whose_period_never_ends_is_refused_and_never_becomes_the_current_one(
        app, login_as, client, auth, factories, form, field):
    from portal.progress.models import CheckIn

    with app.app_context():
        initiative_id = factories.initiative().id
    login_as(Role.admin)
    token = auth.csrf(f"/initiatives/{initiative_id}")
    response = client.post(f"/initiatives/{initiative_id}/check-ins", data={"csrf_token": token, **form})
    assert response.status_code == 422
    assert "Enter a date between 1 January 2000 and " in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckIn)
                                 .where(CheckIn.initiative_id == initiative_id)) == 0


@pytest.mark.parametrize("role, page, url, form", [
    (Role.admin, "/admin/cycles", "/admin/cycles/new",
     {"school_year": "2031-32", "kind": "trajectory", "name": "Far away", "opens_on": "2031-08-01",
      "due_on": "2031-09-01", "closes_on": "9999-12-31"}),
    (Role.superintendent, "/board-updates", "/board-updates",
     {"kind": "end_of_year", "school_year": "2099-00", "meeting_date": "2100-06-10"}),
    (Role.superintendent, "/annual-reports", "/annual-reports",
     {"school_year": "2012-13", "meeting_date": "0001-01-01"}),
])
def test_a_date_out_of_any_plausible_range_is_refused_at_its_field(app, login_as, client, auth, role, page, url,
                                                                   form):
    from tests.trust.conftest import changed_tables, dump

    login_as(role)
    token = auth.csrf(page)
    before = dump(app)
    response = client.post(url, data={"csrf_token": token, **form})
    assert response.status_code == 422
    assert "Enter a date between 1 January 2000 and " in response.get_data(as_text=True)
    assert changed_tables(before, dump(app)) == []


def test_a_value_as_of_a_day_that_has_not_come_is_refused(app, login_as, client, auth):
    from portal.measures.models import MeasureValue
    from portal.strategic_plan.models import Measure

    with app.app_context():
        code = db.session.scalar(select(Measure.code).where(Measure.unit == "percent").order_by(Measure.code))
        count = db.session.scalar(select(func.count()).select_from(MeasureValue))
    login_as(Role.admin)
    token = auth.csrf(f"/measures/{code}")
    response = client.post(f"/measures/{code}/values", data={
        "csrf_token": token, "year": "2019-20", "value": "55", "as_of": "9999-12-31", "version": "0",
        "seen_year": "2019-20"})
    assert response.status_code == 422
    assert "Enter a date between 1 January 2000 and today (" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MeasureValue)) == count


def test_figures_saved_before_their_period_ends_are_offered_and_kept_as_of_today(app, login_as, client, auth,
                                                                                 factories):
    from datetime import timedelta

    from portal.kernel import clock
    from portal.progress.models import CheckIn

    with app.app_context():
        today = clock.today()  # the portal's
        check_in = factories.check_in(period="This term", period_end=today + timedelta(days=30))
        check_in_id, metric_id, version = check_in.id, check_in.initiative.metrics[0].id, check_in.version
    login_as(Role.admin)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert f'id="as_of" name="as_of" value="{today.isoformat()}"' in page  # the day offered has happened
    saved = client.post(f"/check-ins/{check_in_id}/save", data={
        "csrf_token": auth.csrf(f"/check-ins/{check_in_id}"), "version": version, f"value-{metric_id}-0": "42",
        "status": "on_track", "narrative": "Halfway through the term.", "as_of": ""})
    assert saved.status_code == 303
    with app.app_context():
        assert [v.as_of for v in db.session.get(CheckIn, check_in_id).values] == [today]
