"""The superintendent's office opens the dashboard, filters to one region and one goal in place,
drills into a school, and exports the table."""
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect

from portal.kernel.policy import Role


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
    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    sheet = workbook.active
    cells = {value for row in sheet.iter_rows(min_row=2, values_only=True) for value in row}
    assert school_name in cells
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def counted(page) -> int:
    text = page.locator("#dashboard-body .dash-scope strong").first.inner_text()
    return int(re.match(r"(\d+) of", text).group(1))


def test_after_a_change_the_dashboard_shows_the_stored_figures_at_once_and_then_the_latest(
        app, page, login, live_server, factories, screenshot):
    from portal.extensions import db
    from portal.rollups import refresh
    from portal.targets.models import PlanStatus, TargetPlan
    from tests.e2e import arrange

    with app.app_context():  # a school of the test's own in Local District Central, its plan not started
        plan_id = arrange.central_plan(factories).id
        refresh.refresh_stale()  # the worker's turn: figures stored by earlier tests take the new school in
        db.session.remove()
    login(page, Role.superintendent)
    page.goto(live_server + "/dashboard/regions/C")
    expect(page.locator("#figures-refreshing")).to_have_count(0)
    before = counted(page)

    with app.app_context():  # its principal submits, elsewhere
        factories.drive(db.session.get(TargetPlan, plan_id), PlanStatus.submitted)
        db.session.remove()

    polls = []
    page.on("request", lambda request: polls.append(request.url) if "poll=" in request.url else None)
    page.reload()
    notice = page.locator("#figures-refreshing")
    expect(notice).to_contain_text("Figures as of")
    expect(notice.get_by_role("link", name="Show the latest figures now")).to_be_visible()
    assert counted(page) == before
    screenshot(page, "dashboard-4-stored-figures-refreshing")

    page.wait_for_timeout(4500)  # the page asks every 2 s, and nothing changes until the worker has run
    assert len(polls) >= 2, "the notice polls for the worker's figures"
    expect(notice).to_be_visible()
    assert counted(page) == before

    with app.app_context():  # the worker's turn
        assert refresh.refresh_stale() >= 1
        db.session.remove()
    expect(notice).to_have_count(0, timeout=5000)
    expect(page.locator("#dashboard-body .dash-scope strong").first).to_contain_text(f"{before + 1} of")
    assert page.url == live_server + "/dashboard/regions/C"  # the new figures leave no step in the history
