"""PORTAL_TODAY: the date a demo or training portal believes it is. Every rule that reads the date reads
it from the one clock, and every page says which date it is."""
import re

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.org.models import User
from portal.targets.models import TargetPlan
from portal.targets.queries import current_cycle
from tests.conftest import ROLE_EMAILS, Actions


def portal_on(database_url: str, day: str | None):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key-not-for-production",
                       "SQLALCHEMY_DATABASE_URI": database_url, "SESSION_COOKIE_SECURE": False,
                       "PORTAL_TODAY": day or ""})


def test_the_portal_believes_the_date_it_is_set_to_and_keeps_the_time_of_day(database_url):
    app = portal_on(database_url, "2024-10-15")
    with app.app_context():
        assert clock.today().isoformat() == "2024-10-15"
        assert clock.current_school_year() == "2024-25"
        assert clock.now().date().isoformat() == "2024-10-15"
    assert clock.today().isoformat() != "2024-10-15"  # outside the application, the real date


def test_every_page_says_which_date_the_portal_believes_it_is(app, database_url):
    page = portal_on(database_url, "2024-10-15").test_client().get("/login").get_data(as_text=True)
    assert "Demo district, as of 15 October 2024" in page


def test_a_portal_on_the_real_date_shows_no_banner(app, database_url):
    page = portal_on(database_url, None).test_client().get("/login").get_data(as_text=True)
    assert "Demo district, as of" not in page


@pytest.mark.parametrize("setting", ["2024-13-01", "15/10/2024", "2024-1-5", "9999-12-31", "２０２４-10-15"])
def test_a_date_setting_that_is_not_a_date_stops_the_portal_from_starting(database_url, setting):
    with pytest.raises(RuntimeError, match="PORTAL_TODAY"):
        portal_on(database_url, setting)


# ---------------------------------------------------------------- rules that read the date

def signed_in(portal, email: str):
    """A client of `portal` logged in through its real form (CSRF on)."""
    client = portal.test_client()
    assert Actions(client).login(email).status_code == 303
    return client


def principals_plan(app) -> int:
    """The demo principal's plan in the district's cycle (2024-25's, open 16 September to 25 October 2024)."""
    with app.app_context():
        try:
            school_id = db.session.scalar(select(User.school_id).where(User.email == ROLE_EMAILS[Role.principal]))
            return db.session.scalar(select(TargetPlan.id).where(TargetPlan.school_id == school_id,
                                                                 TargetPlan.cycle_id == current_cycle().id))
        finally:
            db.session.remove()


@pytest.mark.parametrize("day, closed", [("2024-10-15", False), ("2024-11-30", True)])
def test_the_target_setting_window_opens_and_closes_with_the_portals_date(app, database_url, day, closed):
    plan_id = principals_plan(app)
    portal = portal_on(database_url, day)
    page = signed_in(portal, ROLE_EMAILS[Role.principal]).get(f"/targets/plans/{plan_id}").get_data(as_text=True)
    assert ("The target-setting window closed" in page) is closed


@pytest.mark.parametrize("day, year", [("2023-03-01", "2022-23"), ("2024-10-15", "2024-25"),
                                       ("2026-09-01", "2025-26")])
def test_the_forms_suggest_the_plans_school_year_of_the_portals_date(app, database_url, day, year):
    portal = portal_on(database_url, day)
    admin = signed_in(portal, ROLE_EMAILS[Role.admin])
    assert f"A school year of the plan, from 2022-23 to 2025-26, like {year}." in admin.get("/admin/cycles").get_data(
        as_text=True)
    board = admin.get("/board-updates").get_data(as_text=True)
    assert f"“Strategic Plan Mid-Year Implementation Update {year}”" in board


@pytest.mark.parametrize("day, cycle", [("2023-10-02", "2023-24 targets"), ("2024-10-15", "2024-25 targets")])
def test_the_current_cycle_is_the_one_opened_by_the_portals_date(app, database_url, day, cycle):
    portal = portal_on(database_url, day)
    with portal.app_context():
        assert current_cycle().name == cycle
    home = signed_in(portal, ROLE_EMAILS[Role.principal]).get("/home").get_data(as_text=True)
    assert cycle in home


@pytest.mark.parametrize("day, overdue", [("2024-10-10", False), ("2024-10-15", True)])
def test_schools_are_overdue_only_after_the_due_date_by_the_portals_date(app, database_url, day, overdue):
    portal = portal_on(database_url, day)
    queue = signed_in(portal, ROLE_EMAILS[Role.regional_leader]).get("/review/").get_data(as_text=True)
    count = int(re.search(r"Overdue schools</dt><dd><span class=\"stat\">([0-9,]+)</span>", queue).group(1))
    assert (count > 0) is overdue
