"""The Division of Instruction opens its own dashboard from the navigation: its action plan at stage 1
with the check-in overdue, the Measures of Success it keeps, a filter applied in place, the measures
downloaded as Excel, and the overdue check-in opened from what is due."""
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.kernel.policy import Role


def test_the_central_office_opens_its_dashboard_from_the_navigation(page, login, live_server, screenshot):
    login(page, Role.central_office)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard", exact=True).click()
    expect(page).to_have_url(live_server + "/dashboard/offices/instruction")
    expect(page.get_by_role("heading", level=1)).to_have_text("Division of Instruction")
    due = page.locator("#due")
    expect(due.get_by_role("link", name="Acceleration Days & Tutoring")).to_be_visible()
    expect(due).to_contain_text("Fall 2024 check-in, due 30 September 2024")
    plans = page.locator("#initiatives")
    expect(plans.get_by_role("cell", name="1. Strategy Sharing Session")).to_be_visible()
    expect(page.locator("#measures tr#measure-1A-1")).to_be_visible()
    screenshot(page, "office-dashboard-1-instruction")

    page.evaluate("window.__stayed = true")  # survives only if filtering does not reload the page
    clear = page.get_by_role("link", name="Clear the filters")
    expect(clear).to_have_count(0)  # nothing to clear yet
    page.get_by_label("Measure status", exact=True).select_option("improved")
    expect(page).to_have_url(re.compile(r"status=improved"))
    expect(clear).to_be_visible()  # the way back comes with the filtered figures
    rows = page.locator("#measures tbody tr[id^=measure-]")
    expect(rows.first).to_be_visible()
    for text in rows.all_inner_texts():
        assert "Improved" in text
    assert page.evaluate("window.__stayed") is True
    screenshot(page, "office-dashboard-2-improved")

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel file of the measures table").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    codes = {row[2] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert codes and all(code.startswith(("1A", "1B", "1C")) for code in codes)

    due.get_by_role("link", name="Acceleration Days & Tutoring").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fall 2024 check-in")
