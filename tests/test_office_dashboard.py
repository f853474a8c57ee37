"""A central office's own dashboard, told as the reader's story: the office opens it from the
navigation and its home page and sees its action plans (the latest check-in's stage and status), the
Measures of Success it keeps (value, status and pace, the scorecard's figures) and what is due, and
nothing of another office's; another office's dashboard answers 404 as if absent; the superintendent's
office and administrators open any office's; every table exports to CSV and Excel; an office with no
work says so; and the page runs as many queries for an office of many action plans as for one."""
import csv
import io
import re
from datetime import timedelta
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.measures import catalog
from portal.org.models import Office, User
from portal.progress.models import CheckIn, Initiative, Stage
from portal.progress.reminders import WITH_THE_OFFICE
from portal.strategic_plan.models import Measure
from tests.conftest import ROLE_EMAILS

HTMX = {"HX-Request": "true"}
OWN, OTHER, EMPTY = "instruction", "facilities", "sped"  # the demo office's own, another with work, one with none


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def rows_of(response) -> list[dict]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def work(app):
    """Each demo office's action plan names and Measure of Success codes."""
    with app.app_context():
        offices = {o.id: o.code for o in db.session.scalars(select(Office))}
        out: dict[str, dict] = {code: {"plans": set(), "measures": set()} for code in offices.values()}
        for office_id, name in db.session.execute(select(Initiative.office_id, Initiative.name)):
            out[offices[office_id]]["plans"].add(name)
        for office_id, code in db.session.execute(select(Measure.owner_office_id, Measure.code)):
            if office_id is not None:
                out[offices[office_id]]["measures"].add(code)
        db.session.remove()
    assert out[OWN]["plans"] and out[OTHER]["plans"] and not out[EMPTY]["plans"] and not out[EMPTY]["measures"]
    return out


# ---------------------------------------------------------------- reaching it

def test_the_office_reaches_its_dashboard_from_the_navigation_and_its_home_page(login_as, client):
    login_as(Role.central_office)
    home = client.get("/home").get_data(as_text=True)
    assert re.search(r'<a[^>]*href="/dashboard/offices"[^>]*>\s*Dashboard\s*</a>', home), "no Dashboard in the nav"
    assert "Open your office&#39;s dashboard" in home or "Open your office's dashboard" in home
    for path in ("/dashboard/offices", "/dashboard/office"):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"] == f"/dashboard/offices/{OWN}"
    page = client.get(f"/dashboard/offices/{OWN}").get_data(as_text=True)
    assert "<h1>Division of Instruction</h1>" in page
    assert '<a href="/dashboard/offices" aria-current="true">Dashboard</a>' in page, "the nav marks its section"


def test_the_office_sees_its_own_work_and_nothing_of_another_offices(login_as, client, work):
    login_as(Role.central_office)
    html = client.get(f"/dashboard/offices/{OWN}").get_data(as_text=True)
    page = text_of(html)
    for name in work[OWN]["plans"]:
        assert name in page, name
    shown = set(re.findall(r'<tr id="measure-([^"]+)"', html))
    assert shown == work[OWN]["measures"]
    for office, kept in work.items():
        if office != OWN:
            assert not any(name in page for name in kept["plans"]), office
    # The demo's tutoring check-in for Fall 2024 is at stage 1, its period over on 30 September: overdue.
    assert "1. Strategy Sharing Session" in page and "No status yet" in page
    due = text_of(html.split('id="due"', 1)[1].split("</section>", 1)[0])
    assert "Overdue Acceleration Days & Tutoring Fall 2024 check-in, due 30 September 2024, 15 days ago" in due


def test_another_offices_dashboard_and_exports_answer_404(login_as, client):
    login_as(Role.central_office)
    for path in (f"/dashboard/offices/{OTHER}", f"/dashboard/offices/{EMPTY}", "/dashboard/offices/no-such-office",
                 f"/dashboard/offices/{OTHER}/export?table=measures&format=csv",
                 f"/dashboard/offices/{OTHER}/export?table=initiatives&format=xlsx"):
        assert client.get(path).status_code == 404, path
        assert client.get(path, headers=HTMX).status_code == 404, path


def test_an_office_is_found_by_its_id_too_and_stays_out_of_reach_that_way(app, login_as, client):
    with app.app_context():
        own, other = (db.session.scalar(select(Office.id).where(Office.code == code)) for code in (OWN, OTHER))
    login_as(Role.central_office)
    assert client.get(f"/dashboard/offices/{own}").status_code == 200
    assert client.get(f"/dashboard/offices/{other}").status_code == 404


@pytest.mark.parametrize("role", (Role.superintendent, Role.admin), ids=lambda r: r.value)
def test_the_superintendents_office_and_administrators_open_any_office(login_as, client, work, role):
    login_as(role)
    listing = client.get("/dashboard/offices")
    assert listing.status_code == 200
    for code in (OWN, OTHER, EMPTY):
        assert f'href="/dashboard/offices/{code}"' in listing.get_data(as_text=True)
    html = client.get(f"/dashboard/offices/{OTHER}").get_data(as_text=True)
    assert all(name in text_of(html) for name in work[OTHER]["plans"])
    assert set(re.findall(r'<tr id="measure-([^"]+)"', html)) == work[OTHER]["measures"]
    assert 'href="/dashboard/offices"' in html  # the way back to the list of offices
    district = client.get("/dashboard/").get_data(as_text=True)
    assert f'href="/dashboard/offices/{OTHER}"' in district  # the district's initiatives lead to each office


@pytest.mark.parametrize("role", (Role.board, Role.principal, Role.regional_leader), ids=lambda r: r.value)
def test_other_roles_are_refused(login_as, client, role):
    login_as(role)
    for path in ("/dashboard/offices", "/dashboard/office", f"/dashboard/offices/{OWN}",
                 f"/dashboard/offices/{OWN}/export?table=due&format=csv"):
        assert client.get(path).status_code == 403, path


# ---------------------------------------------------------------- the figures

def test_each_measure_shows_the_scorecards_value_and_status(app, login_as, client):
    login_as(Role.central_office)
    html = client.get(f"/dashboard/offices/{OWN}?year=2023-24").get_data(as_text=True)
    scorecard = client.get(f"/scorecard?year=2023-24&office={OWN}").get_data(as_text=True)

    def cells(page):
        return dict(re.findall(r'data-cell="([^"|]+\|[^"|]*)\|2023-24">(.*?)</td>', page, re.S))
    mine = cells(html)
    assert any(key.endswith("|") for key in mine) and any(not key.endswith("|") for key in mine)  # sub-targets too
    assert mine == {key: value for key, value in cells(scorecard).items() if key in mine}
    assert "district result 2023-24" in html  # the measures restating a District Goal say whose figure it is
    with app.app_context():
        views = {v.code: v for v in catalog.load_measures(office_id=db.session.scalar(
            select(Office.id).where(Office.code == OWN)))}
        db.session.remove()
    for code, view in views.items():
        row = text_of(html.split(f'<tr id="measure-{code}"', 1)[1].split("</tr>", 1)[0])
        status = view.status("2023-24")
        assert {"improved": "Improved", "no_change": "No change", "declined": "Declined",
                "work_in_progress": "Work in progress"}[status.change] in row, code
        if status.pace:
            assert {"on_track": "On track", "behind": "Behind"}[status.pace] in row, code


def test_the_filters_narrow_the_page_in_place_and_keep_a_clean_address(login_as, client):
    login_as(Role.central_office)
    response = client.get(f"/dashboard/offices/{OWN}?year=2023-24&pillar=1&status=improved&region=C", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and 'id="measures"' in body
    assert response.headers["HX-Push-Url"] == f"/dashboard/offices/{OWN}?year=2023-24&pillar=1&status=improved"
    statuses = re.findall(r'<tr id="measure-[^"]+">.*?</tr>', body, re.S)
    assert statuses and all("Improved" in row for row in statuses)
    # The "Clear the filters" link comes along out of band, so it follows the filters the figures are for.
    assert re.search(r'<span id="dash-clear" hx-swap-oob="true"><a class="dash-clear" '
                     rf'href="/dashboard/offices/{OWN}">Clear the filters</a></span>', body)
    unfiltered = client.get(f"/dashboard/offices/{OWN}", headers=HTMX).get_data(as_text=True)
    assert '<span id="dash-clear" hx-swap-oob="true"></span>' in unfiltered
    nothing = client.get(f"/dashboard/offices/{OWN}?pillar=5").get_data(as_text=True)  # no work of the office there
    nothing = nothing.split("<main", 1)[1]  # the header's forms carry the page's own address back
    assert "pillar=5" not in nothing and '<option value="5"' not in nothing  # an unknown choice is dropped


# ---------------------------------------------------------------- exports

def latest_check_ins(app, office_code: str) -> dict[str, tuple[str, Stage]]:
    """Each of the office's action plans' latest check-in: (period, stage), as the database has them now
    (other stories move the demo's check-ins through the cycle)."""
    with app.app_context():
        latest = {name: (period, stage) for name, period, stage in db.session.execute(
            select(Initiative.name, CheckIn.period, CheckIn.stage).join(CheckIn.initiative).join(Office)
            .where(Office.code == office_code).order_by(CheckIn.period_end, CheckIn.id))}
        db.session.remove()
    return latest


def test_every_table_exports_the_offices_rows_only(login_as, client, work, app):
    latest = latest_check_ins(app, OWN)
    login_as(Role.central_office)
    measures = rows_of(client.get(f"/dashboard/offices/{OWN}/export?table=measures&format=csv&year=2023-24"))
    assert {row["Measure"] for row in measures} == work[OWN]["measures"]
    assert {row["Office"] for row in measures} == {"Division of Instruction"}
    plans = rows_of(client.get(f"/dashboard/offices/{OWN}/export?table=initiatives&format=csv"))
    assert {row["Action plan"] for row in plans} == work[OWN]["plans"]
    assert {(row["Latest check-in"], row["Stage"]) for row in plans} == \
        {(period, stage.title) for period, stage in latest.values()}
    due = rows_of(client.get(f"/dashboard/offices/{OWN}/export?table=due&format=csv&year=2023-24"))
    owed = [row for row in due if row["What is due"] == "Check-in overdue"]
    # The demo's Fall 2024 check-in, due 30 September, is overdue by 15 days while it is still with the office.
    if any(stage in WITH_THE_OFFICE for _, stage in latest.values()):
        assert owed and owed[0]["Days overdue"] == "15"
    else:
        assert owed == []
    assert {row["Action plan or measure"] for row in due if row not in owed} <= work[OWN]["measures"]
    response = client.get(f"/dashboard/offices/{OWN}/export?table=measures&format=xlsx")
    assert response.status_code == 200 and 'filename="instruction-measures-' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)} == work[OWN]["measures"]
    assert client.get(f"/dashboard/offices/{OWN}/export?table=nothing").status_code == 404
    assert client.get(f"/dashboard/offices/{OWN}/export?table=due&format=pdf").status_code == 404
    html = client.get(f"/dashboard/offices/{OWN}").get_data(as_text=True)
    assert f"/dashboard/offices/{OWN}/export?table=measures&amp;format=xlsx" in html


# ---------------------------------------------------------------- empty, due, and bounded

def test_an_office_with_no_work_says_so(login_as, client):
    login_as(Role.admin)
    html = client.get(f"/dashboard/offices/{EMPTY}").get_data(as_text=True)
    page = text_of(html)
    assert "Division of Special Education has no action plan yet." in page
    assert "Division of Special Education keeps no Measure of Success." in page
    assert "Nothing is due: no check-in is waiting on the office." in page
    assert "Start an action plan" not in page  # an administrator reads it; the office starts its own
    for table in ("initiatives", "measures", "due"):
        assert rows_of(client.get(f"/dashboard/offices/{EMPTY}/export?table={table}&format=csv")) == []


def test_what_is_due_follows_the_reminders_rule(app, factories, login_as, client):
    """Overdue: still with the office after its period's last day (sent back, here); due: within 7
    days of it; data review and later are the superintendent's office's, so not the office's to do."""
    with app.app_context():
        today = clock.today()
        office = factories.central_office("Office of Due Dates")
        late = factories.initiative(office, name="Late Tutors")
        soon = factories.initiative(office, name="Soon Tutors")
        waiting = factories.initiative(office, name="Waiting Tutors")
        factories.initiative(office, name="Idle Tutors")
        factories.check_in(late, Stage.sent_back, period="Summer 2024", period_end=today - timedelta(days=20))
        factories.check_in(soon, Stage.sharing, period="Autumn 2024", period_end=today + timedelta(days=3))
        factories.check_in(waiting, Stage.data_review, period="Summer 2024", period_end=today - timedelta(days=20))
        email, code = factories.office_user(office).email, office.code
        db.session.remove()
    login_as(Role.central_office, email)
    html = client.get(f"/dashboard/offices/{code}").get_data(as_text=True)
    due = text_of(html.split('id="due"', 1)[1].split("</section>", 1)[0])
    assert "Overdue Late Tutors Summer 2024 check-in" in due and "20 days ago (sent back to the office)" in due
    assert "Due soon Soon Tutors Autumn 2024 check-in" in due and "still at stage 1" in due
    assert "No check-in yet Idle Tutors" in due
    assert "Waiting Tutors" not in due
    assert due.index("Late Tutors") < due.index("Soon Tutors") < due.index("Idle Tutors")
    plans = text_of(html.split('id="initiatives"', 1)[1].split("</section>", 1)[0])
    assert "1 at stage 1" in plans and "2 at stage 2" in plans and "1 with no check-in yet" in plans  # sent back: 2
    assert client.get(f"/dashboard/offices/{OWN}").status_code == 404  # the demo office's is not theirs


def test_the_page_runs_as_many_queries_for_many_action_plans_as_for_one(app, factories, login_as, client,
                                                                        sql_counter):
    with app.app_context():
        office = factories.central_office()
        factories.check_in(factories.initiative(office), Stage.sharing)
        path = f"/dashboard/offices/{office.code}"
        db.session.remove()
    login_as(Role.admin)
    assert client.get(path).status_code == 200
    with sql_counter() as counted:
        client.get(path)
    one = counted()
    with app.app_context():
        office = db.session.merge(office)
        for stage in (Stage.data_review, Stage.sent_back, Stage.board):
            factories.check_in(factories.initiative(office), stage)
        factories.initiative(office)
        db.session.remove()
    with sql_counter() as counted:
        assert "Reading Tutors" in client.get(path).get_data(as_text=True)
    assert counted() == one and one <= 40


def test_every_demo_office_account_lands_on_its_own_office(app, client, auth):
    with app.app_context():
        accounts = {u.email: u.office.code for u in db.session.scalars(
            select(User).where(User.role == Role.central_office, User.email != ROLE_EMAILS[Role.central_office])
            .order_by(User.id).limit(3))}
        db.session.remove()
    for email, code in accounts.items():
        auth.login(email)
        assert client.get("/dashboard/office").headers["Location"] == f"/dashboard/offices/{code}"
        assert client.get(f"/dashboard/offices/{code}").status_code == 200
        auth.logout()
