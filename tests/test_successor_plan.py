"""The plan ends, and the next one begins: a successor plan loads beside the current one from its own
seed folder, an administrator makes it current, and the ended plan stays readable under its name
and can no longer be changed."""
import os

import pytest
from sqlalchemy import func, select, update

from portal import create_app
from portal.cache.models import DataStamp
from portal.extensions import db
from portal.kernel import plans
from portal.kernel.audit import AuditEvent
from portal.kernel.plans import ALL_PLANS, PlanReadOnly, StrategicPlan
from portal.kernel.policy import Role
from portal.progress.models import CheckIn
from portal.strategic_plan.models import Priority
from portal.strategic_plan.seed import load_plan
from tests.conftest import DEMO_PASSWORD, ROLE_EMAILS, csrf_from

SUCCESSOR = os.path.join(os.path.dirname(__file__), "fixtures", "successor_plan")
SUCCESSOR_NAME = "Ready for the World: Strategic Plan 2026–2030"
ENDED = "Ready for the World: Strategic Plan 2022–2026"


def portal_on(database_url: str, day: str):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key-not-for-production",
                       "SQLALCHEMY_DATABASE_URI": database_url, "SESSION_COOKIE_SECURE": False,
                       "PORTAL_TODAY": day})


def log_in(client, role: Role):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": ROLE_EMAILS[role], "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 303
    return csrf_from(client.get("/home").get_data(as_text=True))


def make_current(app, code: str) -> None:
    with app.app_context():
        plans.make_current(db.session.scalar(select(StrategicPlan).where(StrategicPlan.code == code)))
        db.session.commit()


@pytest.fixture(scope="module")
def successor(app):
    """The successor loaded from its folder (not current); the 2022-26 plan is current again after."""
    with app.app_context():
        load_plan(SUCCESSOR)
        db.session.commit()
    yield
    make_current(app, "2022-26")


@pytest.fixture
def after_the_plan(database_url, successor, app):
    """The portal in September 2026, after the 2022-26 plan's last school year."""
    yield portal_on(database_url, "2026-09-01")
    make_current(app, "2022-26")


def test_a_successor_loads_from_its_folder_beside_the_current_plan(app, successor, client):
    with app.app_context():
        every = {p.code: p for p in plans.all_plans()}
        assert every["2022-26"].is_current and every["2022-26"].name == ENDED
        assert not every["2026-30"].is_current and every["2026-30"].name == SUCCESSOR_NAME
        assert (every["2026-30"].first_year, every["2026-30"].last_year) == ("2026-27", "2029-30")
        # Both plans have a priority 1A: codes are unique within a plan.
        both = db.session.scalars(select(Priority.our_priority).where(Priority.code == "1A")
                                  .execution_options(**{ALL_PLANS: True})).all()
        assert len(both) == 2
    listing = client.get("/plans").get_data(as_text=True)
    assert ENDED in listing and SUCCESSOR_NAME in listing and "Not yet current" in listing
    assert "Every student reads by grade 3." not in client.get("/plan/priorities/1A").get_data(as_text=True)


def test_anyone_can_read_another_plan_and_come_back(successor, client):
    chosen = client.get("/plans/2026-30")
    assert chosen.status_code == 303 and chosen.headers["Location"].endswith("/plan")
    page = client.get("/plan").get_data(as_text=True)
    assert SUCCESSOR_NAME in page and "You are reading" in page and "A test successor plan&#39;s mission." in page
    assert "what it aims for by 2030" in page
    assert "Every student reads by grade 3." in client.get("/plan/priorities/1A").get_data(as_text=True)
    scorecard = client.get("/scorecard").get_data(as_text=True)
    assert "2030 target" in scorecard and "2026 target" not in scorecard
    client.get("/plans/2022-26")
    page = client.get("/plan").get_data(as_text=True)
    assert "You are reading" not in page and "A test successor plan&#39;s mission." not in page


def test_a_search_finds_the_priorities_and_measures_of_the_plan_in_view(successor, client):
    log_in(client, Role.board)
    client.get("/plans/2026-30")
    page = client.get("/search?q=1A").get_data(as_text=True)
    assert "Early literacy" in page and "High-Quality Instruction" not in page
    client.get("/plans/2022-26")
    page = client.get("/search?q=1A").get_data(as_text=True)
    assert "High-Quality Instruction" in page and "Early literacy" not in page


def test_home_pages_say_the_plan_has_ended_and_lead_to_its_final_results(after_the_plan):
    client = after_the_plan.test_client()
    log_in(client, Role.principal)
    home = client.get("/home").get_data(as_text=True)
    assert f"{ENDED} has ended" in home and "30 June 2026" in home
    assert 'href="/scorecard"' in home and 'href="/progress"' in home
    public = after_the_plan.test_client().get("/progress").get_data(as_text=True)
    assert f"{ENDED} has ended" in public
    admin = after_the_plan.test_client()
    log_in(admin, Role.admin)
    assert "Load its successor and make it current" in admin.get("/home").get_data(as_text=True)


def test_an_administrator_makes_the_successor_current(after_the_plan):
    admin = after_the_plan.test_client()
    token = log_in(admin, Role.admin)
    assert "Make current" in admin.get("/plans").get_data(as_text=True)
    done = admin.post("/plans/2026-30/current", data={"csrf_token": token}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert f"{SUCCESSOR_NAME} is now the current plan." in page
    with after_the_plan.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "strategic_plan")
                                   .order_by(AuditEvent.id.desc())).first()
        assert (event.from_state, event.to_state) == ("2022-26", "2026-30")
    home = admin.get("/home").get_data(as_text=True)
    assert f"{ENDED} has ended" not in home  # the plan in view is the new one
    principal = after_the_plan.test_client()
    log_in(principal, Role.principal)
    assert principal.get("/targets", follow_redirects=True).status_code == 200
    assert principal.get("/home").status_code == 200


def test_a_principal_cannot_make_a_plan_current(after_the_plan):
    client = after_the_plan.test_client()
    token = log_in(client, Role.principal)
    assert client.post("/plans/2026-30/current", data={"csrf_token": token}).status_code == 403
    with after_the_plan.app_context():
        assert plans.current().code == "2022-26"


def test_the_ended_plan_stays_readable_under_its_name(after_the_plan):
    make_current(after_the_plan, "2026-30")
    client = after_the_plan.test_client()
    log_in(client, Role.superintendent)
    client.get("/plans/2022-26")
    assert ENDED in client.get("/plan").get_data(as_text=True)
    scorecard = client.get("/scorecard").get_data(as_text=True)
    assert "You are reading" in scorecard and "1D-7" in scorecard
    updates = client.get("/board-updates").get_data(as_text=True)
    assert "2022-23" in updates
    assert client.get("/cycle").status_code == 200
    assert client.get("/dashboard/").status_code == 200


# Posts that change no plan, and so are let through whichever plan is in view: signing in and out, a
# person's own password and notifications, the outbox, and making a plan current.
ANY_PLAN = {"auth.login", "auth.logout", "password.forgot", "password.reset", "mfa.verify", "mfa.enrol",
            "mfa.account", "mfa.change", "notifications.open_notification", "notifications.mark_read",
            "notifications.read_all", "notifications.preferences", "notifications.retry", "notifications.retry_all",
            "plan.make_current", "main.language"}


@pytest.mark.parametrize("role", [Role.principal, Role.regional_leader, Role.central_office, Role.superintendent,
                                  Role.admin], ids=lambda r: r.value)
def test_every_write_route_refuses_a_change_to_the_ended_plan(after_the_plan, role):
    make_current(after_the_plan, "2026-30")
    client = after_the_plan.test_client()
    token = log_in(client, role)
    client.get("/plans/2022-26")
    with after_the_plan.app_context():
        before = (db.session.scalars(select(DataStamp.n).order_by(DataStamp.scope)).all(),
                  db.session.scalar(select(func.count(AuditEvent.id))))
    refused = 0
    for rule in after_the_plan.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ANY_PLAN:
            continue
        url = rule.rule
        for name in rule.arguments:  # any record: the refusal comes before the record is looked at
            url = url.replace(f"<int:{name}>", "1").replace(f"<{name}>", "1A")
        response = client.post(url, data={"csrf_token": token}, headers={"X-CSRFToken": token})
        if response.status_code == 403:  # not this role's route at all
            continue
        assert response.status_code == 409, (url, response.status_code)
        assert f"{ENDED} has ended and is kept as it was" in response.get_data(as_text=True), url
        refused += 1
    assert refused >= 3
    with after_the_plan.app_context():
        after = (db.session.scalars(select(DataStamp.n).order_by(DataStamp.scope)).all(),
                 db.session.scalar(select(func.count(AuditEvent.id))))
    assert after == before


def test_a_change_that_reaches_an_ended_plans_record_is_refused_at_the_database(after_the_plan):
    make_current(after_the_plan, "2026-30")
    with after_the_plan.app_context():
        check_in = db.session.scalars(select(CheckIn).execution_options(**{ALL_PLANS: True})).first()
        check_in.narrative = "Changed after the plan ended"
        with pytest.raises(PlanReadOnly, match="has ended and is kept as it was"):
            db.session.flush()
        db.session.rollback()


def test_the_ended_plans_seed_can_no_longer_be_loaded(after_the_plan, database_url):
    make_current(after_the_plan, "2026-30")
    result = after_the_plan.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code != 0 and "has ended and is kept as it was" in result.output


def test_flask_seed_loads_a_plan_by_name_and_folder_and_makes_it_current(after_the_plan):
    runner = after_the_plan.test_cli_runner()
    result = runner.invoke(args=["seed", "--name", SUCCESSOR_NAME, "--folder", SUCCESSOR, "--current"])
    assert result.exit_code == 0, result.output
    assert f"{SUCCESSOR_NAME} (2026-27 to 2029-30), the current plan." in result.output
    with after_the_plan.app_context():
        assert plans.current().code == "2026-30"
        assert db.session.scalar(select(func.count(StrategicPlan.id))) == 2


def test_a_bulk_change_reaches_only_the_plan_in_view(app, successor):
    with app.app_context():
        changed = db.session.execute(update(Priority).where(Priority.code == "1A").values(name="Renamed"))
        assert changed.rowcount == 1  # the current plan's 1A, not the successor's
        db.session.rollback()


def test_reloading_a_record_does_not_pile_up_the_plan_in_views_criteria(ctx):
    """A record reloaded after each commit (as a long-lived worker or command holds one) carries the
    criteria of the query that loaded it once; a copy more on each reload made every reload slower."""
    from sqlalchemy import inspect

    priority = ctx.scalar(select(Priority).order_by(Priority.id).limit(1))
    for _ in range(5):
        ctx.expire(priority)
        assert priority.name
    assert len(inspect(priority).load_options) == 1
