"""The superintendent's office opens the dashboard, filters to one region and one goal in place,
drills into a school, and exports the table."""
import io
import re

from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.models import Role


def test_the_superintendents_office_filters_drills_down_and_exports(page, login, live_server, screenshot):
    login(page, Role.superintendent)
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("District dashboard")
    expect(page.locator("#dashboard-body").get_by_text("Postsecondary").first).to_be_visible()
    screenshot(page, "dashboard-1-district")

    page.evaluate("window.__stayed = true")  # survives only if filtering does not reload the page
    page.get_by_label("Region", exact=True).select_option("C")
    expect(page).to_have_url(re.compile(r"region=C"))
    page.get_by_label("Goal or metric", exact=True).select_option("ag_completion")
    expect(page).to_have_url(re.compile(r"(?=.*goal=ag_completion)(?=.*region=C)"))
    assert page.evaluate("window.__stayed") is True
    screenshot(page, "dashboard-2-central-ag")

    page.get_by_role("link", name="Open Local District Central's page with its schools").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Local District Central")
    schools = page.locator("table", has=page.locator("caption", has_text="Schools in Local District Central"))
    school_link = schools.locator("tbody th a").first
    school_name = school_link.inner_text()
    school_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(school_name)
    screenshot(page, "dashboard-3-school")

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel file of the schools table").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    sheet = workbook.active
    cells = {value for row in sheet.iter_rows(min_row=2, values_only=True) for value in row}
    assert school_name in cells
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
