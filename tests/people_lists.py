"""The district's list of people, as the people sync reads it, for the tests that sync accounts: a small
portal of their own (a sync touches every account, so it never runs on the suite's shared database), the
list as it stands, and that list written as a people file."""
import csv
import io

from flask_migrate import upgrade
from sqlalchemy import select

from portal import create_app
from portal.demo.district import build_demo
from portal.extensions import db
from portal.org.models import User
from portal.strategic_plan.seed import load_plan
from tests.conftest import DEMO_PASSWORD, PORTAL_TODAY

COLUMNS = ["email", "name", "role", "school_code", "region_code", "office_code"]


def small_portal(folder, secret: str):
    """A portal on a database of its own in `folder`: the plan and a demo district of six schools."""
    app = create_app({
        "PORTAL_ENV": "testing", "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(folder / "sync.db"),
        "DEMO_PASSWORD": DEMO_PASSWORD, "PORTAL_TODAY": PORTAL_TODAY, "SESSION_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()
        load_plan(app.config["SEED_DIR"])
        build_demo(6, DEMO_PASSWORD, seed=5)
        db.session.remove()
    return app


def close(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def the_list(app) -> list[dict]:
    """The district's list as it stands: every active account, as a people file has it."""
    with app.app_context():
        people = db.session.scalars(select(User).where(User.active).order_by(User.email)).all()
        rows = [{"email": u.email, "name": u.name, "role": u.role.value,
                 "school_code": u.school.code if u.school else "", "region_code": u.region.code if u.region else "",
                 "office_code": u.office.code if u.office else ""} for u in people]
        db.session.remove()
        return rows


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()
