"""A school's approved targets, printed and downloaded: the principal prints them from the plan page,
their region's leader and the district roles read the same page and files, and no one else does."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.targets import operations as svc
from portal.targets.guardrails import interim_targets
from portal.targets.models import PlanStatus, TargetPlan
from portal.targets.queries import current_cycle

S = PlanStatus


def approved_school(app, factories, status: PlanStatus = S.approved) -> dict:
    """A school of the test's own with its plan in `status`, its principal and its region's leader."""
    with app.app_context():
        school = factories.school()
        plan = factories.target_plan(school, status)
        rows = [r for r in svc.load_plan_rows(plan) if r.target_2026 is not None]
        first = rows[0]
        return {"plan_id": plan.id, "school": school.name, "code": school.code, "cycle": plan.cycle.name,
                "principal": factories.principal(school).email,
                "leader": factories.regional_leader(school.region).email,
                "leader_name": factories.regional_leader(school.region).name,
                "first": {"baseline": first.baseline_value, "target": first.target_2026,
                          "yearly": interim_targets(first.baseline_value, first.target_2026, [0.25, 0.5, 0.75, 1.0])},
                "rows": len(rows)}


def test_a_principal_prints_their_approved_targets_from_the_plan_page(app, auth, client, factories):
    facts = approved_school(app, factories)
    auth.login(facts["principal"])
    plan_page = client.get(f"/targets/plans/{facts['plan_id']}").get_data(as_text=True)
    assert f'href="/targets/plans/{facts["plan_id"]}/approved"' in plan_page
    assert f'href="/targets/plans/{facts["plan_id"]}/approved.xlsx"' in plan_page
    page = client.get(f"/targets/plans/{facts['plan_id']}/approved")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert facts["school"] in html and facts["cycle"] in html and facts["leader_name"] in html
    assert "Approved on" in html and "2022-23" in html and "2025-26" in html
    first = facts["first"]
    assert f"{first['baseline']:,.1f}" in html and f"{first['target']:,.1f}" in html
    assert all(f"{value:,.1f}" in html for value in first["yearly"])
    assert "Steady" in html  # the trajectory, named in words


def test_the_download_holds_every_approved_row_in_excel_and_csv(app, auth, client, factories):
    facts = approved_school(app, factories)
    auth.login(facts["principal"])
    workbook = client.get(f"/targets/plans/{facts['plan_id']}/approved.xlsx")
    assert workbook.status_code == 200
    assert workbook.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    header, rows = table[0], table[1:]
    assert header[:9] == ["School code", "School", "Cycle", "Goal", "Metric", "Student group", "Baseline",
                          "Baseline year", "Trajectory"]
    assert "2026 target" in header and "Approved by" in header
    filled = [r for r in rows if r[header.index("2026 target")] is not None]
    assert len(filled) == facts["rows"]
    first = filled[0]
    assert first[0] == facts["code"] and first[header.index("Baseline")] == facts["first"]["baseline"]
    assert [first[header.index(f"Target {y}")] for y in ("2022-23", "2023-24", "2024-25", "2025-26")] == \
        facts["first"]["yearly"]
    assert first[header.index("Approved by")] == facts["leader_name"]
    text = client.get(f"/targets/plans/{facts['plan_id']}/approved.csv").data.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[0] == header
    assert client.get(f"/targets/plans/{facts['plan_id']}/approved.pdf").status_code == 404


@pytest.mark.parametrize("role", [Role.superintendent, Role.board, Role.admin])
def test_the_district_roles_read_any_schools_approved_targets(app, login_as, client, factories, role):
    facts = approved_school(app, factories)
    login_as(role)
    page = client.get(f"/targets/plans/{facts['plan_id']}/approved")
    assert page.status_code == 200 and facts["school"] in page.get_data(as_text=True)
    assert client.get(f"/targets/plans/{facts['plan_id']}/approved.xlsx").status_code == 200


@pytest.mark.parametrize("role", [Role.superintendent, Role.board])
def test_the_district_roles_find_them_from_the_schools_dashboard_once_approved(app, login_as, client, factories,
                                                                               role):
    """The school dashboard shows the district's current cycle: the link comes with an approved plan there."""
    with app.app_context():
        approved, submitted = factories.school(), factories.school()
        plan_id = factories.target_plan(approved, S.approved, cycle=current_cycle()).id
        factories.target_plan(submitted, S.submitted, cycle=current_cycle())
        ids, name = (approved.id, submitted.id), submitted.name
    login_as(role)
    page = client.get(f"/dashboard/schools/{ids[0]}").get_data(as_text=True)
    assert f'href="/targets/plans/{plan_id}/approved"' in page and "Print the approved targets" in page
    assert client.get(f"/targets/plans/{plan_id}/approved").status_code == 200
    page = client.get(f"/dashboard/schools/{ids[1]}").get_data(as_text=True)
    assert name in page and "Print the approved targets" not in page


def test_the_schools_regional_leader_reads_them_and_finds_them_from_the_review_page(app, auth, client,
                                                                                    factories):
    facts = approved_school(app, factories)
    auth.login(facts["leader"])
    review = client.get(f"/review/plans/{facts['plan_id']}").get_data(as_text=True)
    assert f'href="/targets/plans/{facts["plan_id"]}/approved"' in review
    assert client.get(f"/targets/plans/{facts['plan_id']}/approved").status_code == 200
    assert client.get(f"/targets/plans/{facts['plan_id']}/approved.csv").status_code == 200


def test_another_schools_principal_and_another_regions_leader_are_refused(app, auth, client, factories):
    facts = approved_school(app, factories)
    other = approved_school(app, factories)  # a school in a region of its own
    for email in (other["principal"], other["leader"]):
        auth.login(email)
        for suffix in ("", ".xlsx", ".csv"):
            response = client.get(f"/targets/plans/{facts['plan_id']}/approved{suffix}")
            assert response.status_code == 404, (email, suffix)
            assert facts["school"] not in response.get_data(as_text=True)
        auth.logout()


def test_a_central_office_cannot_read_a_schools_targets(app, login_as, client, factories):
    facts = approved_school(app, factories)
    login_as(Role.central_office)
    assert client.get(f"/targets/plans/{facts['plan_id']}/approved").status_code == 403


def test_targets_not_yet_approved_are_refused_with_a_plain_reason(app, auth, client, factories):
    facts = approved_school(app, factories, S.submitted)
    auth.login(facts["principal"])
    plan_page = client.get(f"/targets/plans/{facts['plan_id']}").get_data(as_text=True)
    assert "/approved" not in plan_page
    for suffix in ("", ".xlsx"):
        response = client.get(f"/targets/plans/{facts['plan_id']}/approved{suffix}")
        html = response.get_data(as_text=True)
        assert response.mimetype == "text/html" and "not approved yet" in html
        assert f"{facts['first']['target']:,.1f}" not in html
    with app.app_context():
        assert db.session.scalar(select(TargetPlan.status).where(TargetPlan.id == facts["plan_id"])) == S.submitted
