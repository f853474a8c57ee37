"""The regional queue downloads as CSV and Excel with the filters on screen, scoped like the queue."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import Region, School, User
from portal.targets.models import PlanStatus, TargetPlan
from portal.targets.queries import current_cycle
from portal.targets.review.routes import EXPORT_COLUMNS
from tests.conftest import ROLE_EMAILS


def plan_count(app, region_code: str | None = None, status: PlanStatus | None = None) -> int:
    with app.app_context():
        stmt = (select(func.count()).select_from(TargetPlan).join(School, TargetPlan.school_id == School.id)
                .join(Region, School.region_id == Region.id).where(TargetPlan.cycle_id == current_cycle().id))
        if region_code:
            stmt = stmt.where(Region.code == region_code)
        if status:
            stmt = stmt.where(TargetPlan.status == status)
        return db.session.scalar(stmt)


def leader_region(app) -> tuple[str, str]:
    with app.app_context():
        region = db.session.scalar(select(Region).join(User, User.region_id == Region.id)
                                   .where(User.email == ROLE_EMAILS[Role.regional_leader]))
        return region.code, region.name


def other_region(app, code: str) -> str:
    with app.app_context():
        return db.session.scalar(select(Region.code).where(Region.code != code).order_by(Region.code).limit(1))


def read_xlsx(data: bytes):
    sheet = load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in sheet.iter_rows()], [c for row in sheet.iter_rows() for c in row]


def read_csv(data: bytes):
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_regional_leaders_excel_export_holds_only_their_region_and_no_formulas(app, login_as, client):
    code, name = leader_region(app)
    login_as(Role.regional_leader)
    # Asking for another region changes nothing: a leader's queue is their own region.
    response = client.get(f"/review/export.xlsx?region={other_region(app, code)}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=") \
        and response.headers["Content-Disposition"].endswith('.xlsx"')
    rows, cells = read_xlsx(response.data)
    assert rows[0] == EXPORT_COLUMNS
    assert all(c.data_type != "f" for c in cells)
    assert {r[EXPORT_COLUMNS.index("Region")] for r in rows[1:]} == {name}
    assert len(rows) - 1 == plan_count(app, code)


def test_the_csv_export_keeps_the_queues_filters(app, login_as, client):
    code, name = leader_region(app)
    login_as(Role.regional_leader)
    response = client.get("/review/export.csv?status=submitted&sort=status&page=3")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read_csv(response.data)
    assert rows[0] == EXPORT_COLUMNS and len(rows) > 1, "the leader's region has submitted plans"
    assert {r[EXPORT_COLUMNS.index("Status")] for r in rows[1:]} <= {PlanStatus.submitted.title}
    assert {r[EXPORT_COLUMNS.index("Region")] for r in rows[1:]} <= {name}
    assert len(rows) - 1 == plan_count(app, code, PlanStatus.submitted)  # every page, not just page 3


def test_the_superintendent_exports_the_district_or_one_region(app, login_as, client):
    login_as(Role.superintendent)
    everything = read_csv(client.get("/review/export.csv").data)
    assert len(everything) - 1 == plan_count(app)
    code, name = leader_region(app)
    one = read_csv(client.get(f"/review/export.csv?region={code}&status=approved").data)
    assert len(one) > 1 and len(one) - 1 == plan_count(app, code, PlanStatus.approved)
    assert {r[EXPORT_COLUMNS.index("Region")] for r in one[1:]} <= {name}


def test_the_queue_page_links_to_both_downloads_with_its_filters(login_as, client):
    login_as(Role.admin)
    page = client.get("/review/?status=submitted&level=high").get_data(as_text=True)
    for fmt, label in (("csv", "Download CSV"), ("xlsx", "Download Excel")):
        assert label in page
        link = page.split(label)[0].rsplit('href="', 1)[1].split('"')[0]
        assert link.startswith(f"/review/export.{fmt}?") and "status=submitted" in link and "level=high" in link
    partial = client.get("/review/?status=draft", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "/review/export.csv?status=draft" in partial  # the links follow the filters swapped in place


@pytest.mark.parametrize("role", [Role.principal, Role.board, Role.central_office])
def test_other_roles_cannot_export_the_queue(login_as, client, role):
    login_as(role)
    assert client.get("/review/export.csv").status_code == 403
    assert client.get("/review/export.xlsx").status_code == 403


def test_an_unknown_format_is_not_found(login_as, client):
    login_as(Role.admin)
    assert client.get("/review/export.pdf").status_code == 404
