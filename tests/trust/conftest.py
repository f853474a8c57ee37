"""The trust tests: a private portal on its own SQLite database (a small demo district these tests
may change freely), people logged in to it, a dump of every table to prove that nothing changed,
and the Hypothesis profile that keeps the generated runs repeatable in CI."""
import os
from dataclasses import dataclass

import pytest
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from portal import create_app
from portal.demo.district import build_demo
from portal.extensions import db, limiter
from portal.kernel.policy import Role
from portal.org.models import School, User
from portal.strategic_plan.seed import load_plan
from tests.conftest import DEMO_PASSWORD, PORTAL_TODAY, Actions, csrf_from

settings.register_profile(
    "trust", deadline=None, database=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "trust"))

PRIVATE_SCHOOLS = 12


@pytest.fixture(scope="session")
def private_app(tmp_path_factory):
    """A second portal with a 12-school demo district of its own: tests here change its records."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("trust") / "trust.db")
    app = create_app({
        "PORTAL_ENV": "testing", "SECRET_KEY": "trust-tests-secret-key-0123456789abcdef",
        "SQLALCHEMY_DATABASE_URI": url, "DEMO_PASSWORD": DEMO_PASSWORD, "PORTAL_TODAY": PORTAL_TODAY,
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()
        load_plan(app.config["SEED_DIR"])
        build_demo(PRIVATE_SCHOOLS, DEMO_PASSWORD, seed=11)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def dump(app) -> dict[str, list[tuple]]:
    """Every table of the database, each ordered by its primary key: equal dumps, equal databases."""
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            out = {}
            for table in db.metadata.sorted_tables:
                order = ", ".join(f'"{c.name}"' for c in (list(table.primary_key.columns) or list(table.columns)))
                cursor.execute(f'SELECT * FROM "{table.name}" ORDER BY {order}')
                out[table.name] = cursor.fetchall()
            cursor.close()
        finally:
            connection.close()
        return out


# Computed from the records and rebuilt whenever they change: a page may store one while reading.
DERIVED = {"rollup_cache"}


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(name for name in (before.keys() | after.keys()) - DERIVED if before.get(name) != after.get(name))


@dataclass
class Person:
    """Someone logged in to the private portal, with the CSRF token of their session."""

    email: str
    role: Role | None
    client: object
    token: str = ""

    def get(self, url: str, htmx: bool = False, **kwargs):
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.get(url, headers=headers, **kwargs)

    def post(self, url: str, data: dict | None = None, htmx: bool = False, **kwargs):
        headers = {"HX-Request": "true", "X-CSRFToken": self.token} if htmx else {}
        body = dict(data or {})
        body.setdefault("csrf_token", self.token)
        return self.client.post(url, data=body, headers=headers, **kwargs)


def log_in(app, email: str | None, role: Role | None = None) -> Person:
    client = app.test_client()
    if email is None:
        token = csrf_from(client.get("/login").get_data(as_text=True))
        return Person("", None, client, token)
    with app.app_context():
        limiter.reset()
    response = Actions(client).login(email)
    assert response.status_code == 303, f"log-in as {email} failed"
    token = csrf_from(client.get("/home").get_data(as_text=True))
    return Person(email, role, client, token)


@dataclass
class Cast:
    """The private district's people, with their own and another school, region and office."""

    school: int
    other_school: int
    region_code: str
    other_region_code: str
    principal: str
    other_principal: str
    leader: str
    other_leader: str
    office_email: str
    other_office_email: str


@pytest.fixture(scope="session")
def cast(private_app) -> Cast:
    with private_app.app_context():
        principal = db.session.scalar(select(User).where(User.email == "principal@district.example"))
        school = principal.school
        other = db.session.scalar(select(School).where(School.region_id != school.region_id).order_by(School.id))
        other_principal = db.session.scalar(select(User).where(User.school_id == other.id, User.role == Role.principal))
        leader = db.session.scalar(select(User).where(User.role == Role.regional_leader,
                                                      User.region_id == school.region_id))
        other_leader = db.session.scalar(select(User).where(User.role == Role.regional_leader,
                                                            User.region_id == other.region_id))
        cast = Cast(school.id, other.id, school.region.code, other.region.code, principal.email,
                    other_principal.email, leader.email, other_leader.email, "central@district.example",
                    "facilities@district.example")
        db.session.remove()
        return cast
