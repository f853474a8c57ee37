"""The demo regional leader opens the dashboard and lands on Local District Central's page, filters it
in place and drills into one of its schools, and another region is not there for them; a demo principal
opens My school, the school's dashboard beside the region and the district, prints it on A4 and
downloads the copy the School Site Council reads."""
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.kernel.policy import Role

A4_PRINT_WIDTH = 703  # 210 mm less 12 mm margins, at 96 dots an inch (Letter's is wider)


def test_the_regional_leader_reads_their_local_districts_dashboard(page, login, live_server, screenshot):
    login(page, Role.regional_leader)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page).to_have_url(live_server + "/dashboard/regions/C")
    expect(page.get_by_role("heading", level=1)).to_have_text("Local District Central")
    expect(page.get_by_role("heading", name="Schools in Local District Central")).to_be_visible()
    screenshot(page, "role-dashboard-1-leader-region")

    page.evaluate("window.__stayed = true")  # survives only if filtering does not reload the page
    page.get_by_label("Goal or metric", exact=True).select_option("ag_completion")
    expect(page).to_have_url(re.compile(r"/dashboard/regions/C\?goal=ag_completion$"))
    assert page.evaluate("window.__stayed") is True
    expect(page.get_by_label("Region", exact=True)).to_have_count(0)  # the region is the leader's own

    schools = page.locator("table", has=page.locator("caption", has_text="Schools in Local District Central"))
    school_link = schools.locator("tbody th a").first
    school_name = school_link.inner_text()
    school_link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(school_name)
    expect(page.get_by_role("heading", name="Beside Local District Central and the district").first).to_be_visible()
    screenshot(page, "role-dashboard-2-leader-school")

    response = page.goto(live_server + "/dashboard/regions/E")
    assert response.status == 404


def test_a_principal_opens_prints_and_exports_my_school(page, login, live_server, screenshot):
    login(page, Role.principal)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My school").click()
    expect(page).to_have_url(live_server + "/my-school")
    compare = page.get_by_role("heading", name="Beside Local District Central and the district").first
    expect(compare).to_be_visible()
    table = page.locator("table.dash-compare").first
    for who in ("This school", "Local District Central", "District"):
        expect(table.get_by_role("rowheader", name=who, exact=True).first).to_be_visible()
    screenshot(page, "role-dashboard-3-my-school")

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel file of the school beside its Local District and the district").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    scopes = {row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert scopes == {"This school", "Local District Central", "District"}

    # On paper, at A4's width: no navigation, filters or download links, and nothing wider than the page.
    page.set_viewport_size({"width": A4_PRINT_WIDTH, "height": 1000})
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.get_by_role("search", name="Dashboard filters")).to_be_hidden()
    expect(page.locator(".dash-export").first).to_be_hidden()
    expect(table).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= A4_PRINT_WIDTH
    screenshot(page, "role-dashboard-4-my-school-print")
