"""Every role's dashboard, told as the reader's story: a regional leader opens the dashboard and lands
on their Local District's page, drills into its schools and exports its tables, and finds every other
region and its schools answering 404; a principal's My school is the school's dashboard, its figures
beside the Local District's and the district's, printable and exported for the School Site Council,
and another school's dashboard answers 404. The same pages and stored rollups as the district's."""
import csv
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import Region, School, User
from portal.rollups.dashboard.filters import Vocabulary
from portal.targets import figures
from tests.conftest import ROLE_EMAILS

HTMX = {"HX-Request": "true"}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@pytest.fixture(scope="module")
def places(app):
    """The demo leader's region and a school in it, the demo principal's school, and a school and a
    region elsewhere."""
    with app.app_context():
        leader = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.regional_leader]))
        principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        region = db.session.get(Region, leader.region_id)
        mine = principal.school
        in_region = db.session.scalar(select(School).where(School.region_id == region.id, School.id != mine.id)
                                      .order_by(School.id).limit(1))
        elsewhere = db.session.scalar(select(School).where(School.region_id != region.id).order_by(School.id).limit(1))
        out = {"region": region.code, "region_name": region.name, "other_region": elsewhere.region.code,
               "other_region_name": elsewhere.region.name, "school": in_region.id, "principal_school": mine.id,
               "principal_school_name": mine.name, "principal_region": mine.region.code,
               "principal_region_name": mine.region.name, "principal_level": mine.level, "elsewhere": elsewhere.id}
        db.session.remove()
        return out


# ---------------------------------------------------------------- the regional leader

def test_a_regional_leader_opening_the_dashboard_lands_on_their_regions_page(login_as, client, places):
    login_as(Role.regional_leader)
    landing = client.get("/dashboard/?goal=ag_completion&region=" + places["other_region"])
    assert landing.status_code == 302
    assert landing.headers["Location"] == f"/dashboard/regions/{places['region']}?goal=ag_completion"
    page = client.get(landing.headers["Location"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"<h1>{places['region_name']}</h1>" in html
    words = text_of(html)
    for section in ("If every school meets its submitted target", f"Schools in {places['region_name']}",
                    "The projection by goal and student group", "Completeness", "Actual path against the goal's path"):
        assert section in words, section
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/dashboard/" aria-current="true">Dashboard</a>' in nav


def test_a_regional_leader_sees_their_own_schools_and_other_regions_only_by_name(app, login_as, client, places):
    login_as(Role.regional_leader)
    html = client.get(f"/dashboard/regions/{places['region']}").get_data(as_text=True)
    school_ids = {int(i) for i in re.findall(r'href="/dashboard/schools/(\d+)"', html)}
    with app.app_context():
        region_schools = set(db.session.scalars(select(School.id).join(Region).where(Region.code == places["region"])))
        db.session.remove()
    assert school_ids and school_ids <= region_schools
    # The regions are compared by name, but only the leader's own region's page is linked.
    assert set(re.findall(r'href="/dashboard/regions/([A-Z]+)', html)) == {places["region"]}
    assert 'href="/dashboard/"' in html.split("<main", 1)[0]  # in the navigation only
    assert "dash-crumbs" not in html  # no breadcrumb to a district page the leader cannot read


def test_other_regions_and_their_schools_answer_404_for_a_regional_leader(login_as, client, places):
    login_as(Role.regional_leader)
    assert client.get(f"/dashboard/schools/{places['school']}").status_code == 200
    for url in (f"/dashboard/regions/{places['other_region']}", f"/dashboard/schools/{places['elsewhere']}",
                f"/dashboard/export?table=goals&format=csv&region={places['other_region']}",
                f"/dashboard/export?table=schools&format=xlsx&region={places['other_region']}",
                "/dashboard/export?table=regions&format=csv",  # the district's own tables
                f"/dashboard/export?table=school-targets&format=csv&school={places['elsewhere']}",
                f"/dashboard/export?table=school-comparison&format=csv&school={places['elsewhere']}"):
        assert client.get(url).status_code == 404, url
        assert client.get(url, headers=HTMX).status_code == 404, url


def test_a_regional_leaders_exports_hold_their_region(login_as, client, places):
    login_as(Role.regional_leader)
    schools = csv_rows(client.get(f"/dashboard/export?table=schools&format=csv&region={places['region']}"))
    completeness = csv_rows(client.get(f"/dashboard/export?table=completeness&format=csv&region={places['region']}"))
    assert schools and completeness
    assert {row["Region"] for row in completeness} == {places["region_name"]}
    html = client.get(f"/dashboard/regions/{places['region']}").get_data(as_text=True)
    listed = set(re.findall(r'href="/dashboard/schools/\d+">([^<]+)</a>', html))
    assert {unescape(name) for name in listed} == {row["School"] for row in schools}
    xlsx = client.get(f"/dashboard/export?table=school-targets&format=xlsx&school={places['school']}")
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.data)).active.max_row > 1


# ---------------------------------------------------------------- the principal

def test_my_school_is_the_schools_dashboard_beside_its_region_and_the_district(login_as, client, places):
    login_as(Role.principal)
    assert client.get("/dashboard/").headers["Location"] == "/my-school"
    page = client.get("/my-school")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"<h1>{places['principal_school_name']}</h1>" in html
    words = text_of(html)
    assert f"Beside {places['principal_region_name']} and the district" in words
    compare = html.split('class="data dash-compare"', 1)[1].split("</table>", 1)[0]
    assert "This school" in compare and places["principal_region_name"] in compare and "District" in compare
    assert "2026 target" in words and "Actual" in words and ("On track" in words or "Behind" in words)
    nav = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    assert '<a href="/my-school" aria-current="page">My school</a>' in nav
    # Printable and exportable: the print note, and the two tables to CSV and Excel.
    assert "print-hint" in html and "table=school-comparison" in html and "table=school-targets" in html
    assert "dash-crumbs" not in html and 'href="/dashboard/regions/' not in html


def test_a_principals_figures_beside_are_the_regions_and_the_districts(login_as, client, auth, app, places):
    """The comparison's Local District and district lines are the figures the region and district
    pages export (the same stored rollups) and the district's results by region."""
    login_as(Role.principal)
    school = places["principal_school"]
    comparison = csv_rows(client.get(f"/dashboard/export?table=school-comparison&format=csv&school={school}"))
    lines = {(r["Metric"], r["Level"], r["Student group"], r["Figures for"]): r for r in comparison}
    assert {r["Figures for"] for r in comparison} == {"This school", places["principal_region_name"], "District"}
    auth.logout()
    login_as(Role.superintendent)
    region = csv_rows(client.get(f"/dashboard/export?table=projection&format=csv&region={places['principal_region']}"))
    district = csv_rows(client.get("/dashboard/export?table=projection&format=csv"))
    checked = 0
    for scope, rows in ((places["principal_region_name"], region), ("District", district)):
        for row in rows:
            line = lines.get((row["Metric"], row["Level"], row["Student group"], scope))
            if line is None:
                continue
            got = line["2026: the school's target, or the projection if every school meets its target"]
            if got == "n<11":  # a small group of the region, or its complement: not the principal's to read
                continue
            assert got == row["Projected 2026 (weighted)"], (scope, row["Metric"], row["Student group"])
            checked += 1
    assert checked >= 4
    result = next(r for r in comparison if r["Figures for"] == places["principal_region_name"]
                  and r["Student group"] == "All students")
    year = next(k for k in result if k.startswith("Result "))[len("Result "):]
    with app.app_context():
        metric = next(m for m in Vocabulary.load().metrics if m.name == result["Metric"])
        level = next(code for code in ("elementary", "middle", "high") if code.title() == result["Level"])
        expected = figures.district_result(metric.code, year, "all", level, places["principal_region"]).value
        db.session.remove()
    shown = result[f"Result {year}"]
    assert (shown == "" if expected is None else float(shown) == round(expected, 1))


def test_another_schools_dashboard_answers_404_for_a_principal(login_as, client, places):
    login_as(Role.principal)
    own = places["principal_school"]
    assert client.get(f"/dashboard/schools/{own}").status_code == 200
    for other in (places["school"], places["elsewhere"]):
        for url in (f"/dashboard/schools/{other}", f"/dashboard/export?table=school-targets&format=csv&school={other}",
                    f"/dashboard/export?table=school-comparison&format=xlsx&school={other}"):
            assert client.get(url).status_code == 404, url
    for url in ("/dashboard/export?table=goals&format=csv",
                f"/dashboard/export?table=goals&format=csv&region={places['principal_region']}"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/dashboard/regions/{places['principal_region']}").status_code == 403


def test_a_principals_export_is_the_copy_the_school_site_council_reads(login_as, client, places):
    login_as(Role.principal)
    school = places["principal_school"]
    for table in ("school-targets", "school-comparison"):
        xlsx = client.get(f"/dashboard/export?table={table}&format=xlsx&school={school}")
        assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
        sheet = load_workbook(io.BytesIO(xlsx.data)).active
        assert sheet.max_row > 1
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_my_schools_filters_apply_in_place_at_its_own_address(login_as, client):
    login_as(Role.principal)
    html = client.get("/my-school").get_data(as_text=True)
    form = html.split('aria-label="Dashboard filters"', 1)[1].split("</form>", 1)[0]
    assert 'action="/my-school"' in form and 'name="goal"' in form and 'name="level"' not in form
    part = client.get("/my-school?goal=literacy&group=", headers=HTMX)
    assert part.status_code == 200 and "<html" not in part.get_data(as_text=True)
    assert part.headers["HX-Push-Url"] == "/my-school?goal=literacy"


# ---------------------------------------------------------------- the way there

def test_each_roles_home_page_links_to_their_dashboard(login_as, client, auth):
    login_as(Role.regional_leader)
    home = client.get("/home").get_data(as_text=True)
    assert "Open the dashboard" in home and 'href="/dashboard/"' in home.split("<main", 1)[1]
    auth.logout()
    login_as(Role.principal)
    home = client.get("/home").get_data(as_text=True)
    assert "Open your school's dashboard" in home and 'href="/my-school"' in home.split("<main", 1)[1]

