"""Importing schools, accounts and baselines from CSV or Excel: all rows or none, with a row-level report
that shows each refused value; and a template file to start from for each kind."""
import io

from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import School, User

GOOD_SCHOOLS = """code,name,level,grade_low,grade_high,enrolment,region,priority_tier
T001,Test Harbor Elementary,elementary,K,5,412,C,1
T002,Test Valley Middle School,middle,6,8,880,East,2
"""
BAD_SCHOOLS = """code,name,level,grade_low,grade_high,enrolment,region,priority_tier
T101,Fine Elementary,elementary,K,5,400,C,1
T102,,college,K,14,-3,Atlantis,7
T101,Duplicate Elementary,elementary,5,K,abc,C,1
"""


def upload(client, token, kind, text, filename="file.csv"):
    return client.post("/admin/imports", data={
        "csrf_token": token, "kind": kind, "file": (io.BytesIO(text.encode()), filename),
    }, content_type="multipart/form-data")


def school_count(app, prefix):
    with app.app_context():
        return db.session.scalar(select(func.count(School.id)).where(School.code.like(prefix + "%")))


def test_an_admin_imports_schools_and_sees_them(app, login_as, client, auth):
    login_as(Role.admin)
    response = upload(client, auth.csrf("/admin/imports"), "schools", GOOD_SCHOOLS)
    assert response.status_code == 303
    page = client.get("/admin/imports").get_data(as_text=True)
    assert "Imported 2 rows: 2 new and 0 updated schools." in page
    assert school_count(app, "T00") == 2
    listing = client.get("/schools?q=Test+Harbor").get_data(as_text=True)
    assert "Test Harbor Elementary" in listing
    # Importing the same file again changes nothing; an edit updates the one school.
    upload(client, auth.csrf("/admin/imports"), "schools", GOOD_SCHOOLS.replace("412", "430"))
    assert "1 updated" in client.get("/admin/imports").get_data(as_text=True)


def test_a_file_with_bad_rows_writes_nothing_and_lists_every_problem(app, login_as, client, auth):
    login_as(Role.admin)
    response = upload(client, auth.csrf("/admin/imports"), "schools", BAD_SCHOOLS)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in page
    assert school_count(app, "T10") == 0  # the good row 2 was not written either
    for expected in ["Enter the school&#39;s name", "Use one of: elementary, middle, high, span",
                     "Use K or a grade from 1 to 12", "Enter the number of students enrolled",
                     "Unknown region", "Use 1 (all schools)", "Code T101 is also on row 2",
                     "The highest grade must not be below the lowest grade"]:
        assert expected in page, expected
    assert "<td class=\"num\">3</td>" in page and "<td class=\"num\">4</td>" in page


def test_malformed_files_get_a_clear_message(login_as, client, auth):
    login_as(Role.admin)
    cases = [
        ("", "The file is empty."),
        ("name,level\nA,high\n", "Missing column(s): code"),
        ("\xff\xfe\x00bad", "not UTF-8"),
    ]
    for text, message in cases:
        data = text.encode("latin-1") if text.startswith("\xff") else text.encode()
        response = client.post("/admin/imports", data={"csrf_token": auth.csrf("/admin/imports"), "kind": "schools",
                                                       "file": (io.BytesIO(data), "f.csv")},
                               content_type="multipart/form-data")
        assert response.status_code == 422
        assert message in response.get_data(as_text=True), message
    wrong_type = upload(client, auth.csrf("/admin/imports"), "schools", GOOD_SCHOOLS, filename="schools.xls")
    assert "Upload a .csv file or an Excel .xlsx workbook." in wrong_type.get_data(as_text=True)
    not_a_workbook = upload(client, auth.csrf("/admin/imports"), "schools", GOOD_SCHOOLS, filename="schools.xlsx")
    assert not_a_workbook.status_code == 422
    assert "could not be read as an Excel workbook" in not_a_workbook.get_data(as_text=True)
    no_file = client.post("/admin/imports", data={"csrf_token": auth.csrf("/admin/imports"), "kind": "schools"})
    assert "Choose a CSV or Excel file to import." in no_file.get_data(as_text=True)


def test_importing_people_checks_each_roles_scope(app, login_as, client, auth, factories):
    login_as(Role.admin)
    with app.app_context():
        code = factories.school().code  # the new principal's school: one of the test's own
    good = f"""email,name,role,school_code,region_code,office_code
new.principal@district.example,New Principal,principal,{code},,
new.leader@district.example,New Leader,regional_leader,,E,
new.office@district.example,New Office,central_office,,,psa
"""
    bad = """email,name,role,school_code,region_code,office_code
not-an-email,Someone,principal,,,
pat@school..example,Pat,board,,,
x@district.example,X,wizard,,,
y@district.example,Y,regional_leader,,ZZ,psa
"""
    response = upload(client, auth.csrf("/admin/imports"), "users", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.count("Enter a valid email address, like name@district.org") == 2  # rows 2 and 3
    for expected in ["A principal needs a school.", "Use one of: principal",
                     "Unknown region code", "A regional leader has no office; leave this blank."]:
        assert expected in page, expected
    assert upload(client, auth.csrf("/admin/imports"), "users", good).status_code == 303
    with app.app_context():
        users = {u.email: u for u in db.session.scalars(select(User).where(User.email.like("new.%")))}
        assert users["new.leader@district.example"].region.short_name == "East"
        assert users["new.office@district.example"].office.code == "psa"
        assert not users["new.principal@district.example"].check_password("")


def test_an_imported_person_can_log_in_once_the_admin_sets_a_password(app, login_as, client, auth):
    login_as(Role.admin)
    upload(client, auth.csrf("/admin/imports"), "users",
           "email,name,role,school_code,region_code,office_code\nboard.two@district.example,Board Two,board,,,\n")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "board.two@district.example"))
    weak = client.post(f"/admin/users/{user_id}/password", data={
        "csrf_token": auth.csrf(f"/admin/users/{user_id}"), "password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422 and "among the first passwords attackers try" in weak.get_data(as_text=True)
    strong = "Harbor-lantern-47-quietly"
    ok = client.post(f"/admin/users/{user_id}/password", data={
        "csrf_token": auth.csrf(f"/admin/users/{user_id}"), "password": strong, "confirm": strong})
    assert ok.status_code == 303
    auth.logout()
    assert auth.login("board.two@district.example", password=strong).status_code == 303


def test_an_admin_adds_a_person_with_the_form_and_sees_field_errors(app, login_as, client, auth):
    login_as(Role.admin)
    token = auth.csrf("/admin/users/new")
    bad = client.post("/admin/users/new", data={"csrf_token": token, "email": "leader.central@district.example",
                                                "name": "", "role": "regional_leader", "school_code": "",
                                                "region_code": "", "office_code": ""})
    page = bad.get_data(as_text=True)
    assert "Enter the person&#39;s name." in page
    good = client.post("/admin/users/new", data={"csrf_token": token, "email": "Added.Person@district.example",
                                                 "name": "Added Person", "role": "regional_leader",
                                                 "school_code": "", "region_code": "W", "office_code": ""})
    assert good.status_code == 303
    with app.app_context():
        added = db.session.scalar(select(User).where(User.email == "added.person@district.example"))
        assert added.region.short_name == "West"
    duplicate = client.post("/admin/users/new", data={"csrf_token": auth.csrf("/admin/users/new"),
                                                      "email": "added.person@district.example", "name": "Again",
                                                      "role": "board", "school_code": "", "region_code": "",
                                                      "office_code": ""})
    assert "An account with that email already exists." in duplicate.get_data(as_text=True)


def test_an_administrator_cannot_import_away_their_own_role(app, login_as, client, auth):
    login_as(Role.admin)
    demoted = """email,name,role,school_code,region_code,office_code
admin@district.example,Administrator,board,,,
"""
    response = upload(client, auth.csrf("/admin/imports"), "users", demoted)
    assert response.status_code == 422
    assert "would take away your own administrator role" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "admin@district.example")).role == Role.admin


def test_an_import_cannot_leave_the_portal_without_an_administrator(app):
    from portal.org.imports import import_users

    with app.app_context():
        admins = db.session.scalars(select(User).where(User.role == Role.admin, User.active.is_(True))).all()
        rows = "".join(f"{a.email},{a.name},board,,,\n" for a in admins)
        report = import_users(f"email,name,role,school_code,region_code,office_code\n{rows}".encode())
        assert "without an administrator" in " ".join(e.message for e in report.errors)
        db.session.rollback()
        still = db.session.scalars(select(User.email).where(User.role == Role.admin, User.active.is_(True))).all()
        assert admins and sorted(still) == sorted(a.email for a in admins)


def test_each_problem_shows_the_value_the_file_holds_there(app, login_as, client, auth):
    login_as(Role.admin)
    long_name = "Very " * 40 + "Long Elementary"
    rows = BAD_SCHOOLS + f"T103,{long_name},<script>alert(1)</script>,K,5,400,C,1\n"
    page = upload(client, auth.csrf("/admin/imports"), "schools", rows).get_data(as_text=True)
    assert "Value in the file" in page
    for shown in ["<code>college</code>", "<code>Atlantis</code>", "<code>14</code>", "<code>-3</code>",
                  "<code>abc</code>", "<code>7</code>", "<code>T101</code>",
                  "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>"]:
        assert shown in page, shown
    assert "(blank)" in page  # row 3 has no name
    assert "<script>alert(1)</script>" not in page
    assert long_name not in page and ("<code>" + long_name[:59] + "…</code>") in page
    assert school_count(app, "T10") == 0


def test_an_admin_downloads_a_template_for_each_kind_and_imports_it_from_excel(app, login_as, client, auth):
    from openpyxl import load_workbook

    from portal.org.imports import SCHOOL_COLUMNS, USER_COLUMNS
    from portal.targets.results import COLUMNS as BASELINE_COLUMNS

    login_as(Role.admin)
    page = client.get("/admin/imports").get_data(as_text=True)
    assert "<title>Import from a CSV or Excel file" in page and "CSV or Excel file</label>" in page
    for kind, columns in [("schools", SCHOOL_COLUMNS), ("users", USER_COLUMNS), ("baselines", BASELINE_COLUMNS)]:
        for fmt in ("csv", "xlsx"):
            assert f'href="/admin/imports/templates/{kind}.{fmt}"' in page
        text = client.get(f"/admin/imports/templates/{kind}.csv")
        assert text.status_code == 200 and "attachment" in text.headers["Content-Disposition"]
        lines = text.get_data(as_text=True).lstrip("\ufeff").splitlines()
        assert lines[0].split(",") == list(columns) and len(lines) == 2
        book = client.get(f"/admin/imports/templates/{kind}.xlsx")
        sheet = load_workbook(io.BytesIO(book.data)).active
        assert [c.value for c in sheet[1]] == list(columns) and sheet.max_row == 2
    assert client.get("/admin/imports/templates/grades.csv").status_code == 404
    assert client.get("/admin/imports/templates/schools.pdf").status_code == 404

    # Each template imports as it is, from Excel: its example row is the district's own codes.
    for kind, message in [("schools", "Imported 1 row:"), ("users", "Imported 1 row:"),
                          ("baselines", "Imported 1 row:")]:
        workbook = client.get(f"/admin/imports/templates/{kind}.xlsx").data
        response = client.post("/admin/imports", data={
            "csrf_token": auth.csrf("/admin/imports"), "kind": kind,
            "file": (io.BytesIO(workbook), f"{kind}.xlsx")}, content_type="multipart/form-data")
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
        assert message in client.get("/admin/imports").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(School.id)).where(School.code == "E999")) == 1
        assert db.session.scalar(select(func.count(User.id)).where(User.email == "jane.doe@district.example")) == 1
