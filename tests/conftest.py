"""Test fixtures: one migrated database with the plan and a small demo district, a client
per test, login_as(role) that logs in through the real form with CSRF on, and `factories`
(tests/factories.py) for the records a test makes of its own.

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://...) to run the suite on PostgreSQL.
"""
import os
import re
import threading

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text
from werkzeug.serving import make_server

from portal import create_app
from portal.demo.district import build_demo
from portal.extensions import db, limiter
from portal.kernel.policy import Role
from portal.org.models import User
from portal.strategic_plan.seed import load_plan

DEMO_PASSWORD = "test-demo-password"
DEMO_SCHOOLS = 120
# The portal's date in every test: the demo's story as of the autumn of the plan's third year (make run's).
PORTAL_TODAY = "2024-10-15"
ROLE_EMAILS = {
    Role.principal: "principal@district.example",
    Role.regional_leader: "leader.central@district.example",
    Role.central_office: "central@district.example",
    Role.superintendent: "superintendent@district.example",
    Role.board: "board@district.example",
    Role.admin: "admin@district.example",
}
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def pytest_configure(config):
    """The translators' catalogues compiled, as `make install` does, for a run straight from a clone."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in Path(__file__).resolve().parent.parent.glob("portal/translations/*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source:
                catalog = read_po(source)
            with mo.open("wb") as target:
                write_mo(target, catalog)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "portal-test.db")


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app({
        "PORTAL_ENV": "testing",
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "PORTAL_TODAY": PORTAL_TODAY,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
    })
    with app.app_context():
        upgrade()  # the committed migrations build the schema, as in production
        load_plan(app.config["SEED_DIR"])
        build_demo(DEMO_SCHOOLS, DEMO_PASSWORD, seed=7)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def factories(app):
    """tests/factories.py: the records a test needs, made for it and deleted when it ends."""
    from tests import factories as made

    with made.scope(app):
        yield made


@pytest.fixture(scope="module")
def module_factories(app):
    """tests/factories.py for a module's fixtures: what they make is deleted after the module."""
    from tests import factories as made

    with made.scope(app):
        yield made


@pytest.fixture
def client(app):
    with app.app_context():
        limiter.reset()
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An application context for reading and arranging the database directly."""
    with app.app_context():
        yield db.session
        db.session.remove()


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Actions:
    """What a person does with the log-in form."""

    def __init__(self, client):
        self.client = client

    def login(self, email: str, password: str = DEMO_PASSWORD, next_url: str = "", follow: bool = False):
        page = self.client.get("/login" + (f"?next={next_url}" if next_url else ""))
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"email": email, "password": password, "csrf_token": token,
                                                "next": next_url}, follow_redirects=follow)

    def logout(self):
        token = csrf_from(self.client.get("/home").get_data(as_text=True))
        return self.client.post("/logout", data={"csrf_token": token})

    def csrf(self, path: str = "/home") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))


@pytest.fixture
def auth(client):
    return Actions(client)


@pytest.fixture
def login_as(client, auth):
    """login_as(Role.principal) logs the test client in as that role's demo account."""
    def _login(role: Role, email: str | None = None):
        response = auth.login(email or ROLE_EMAILS[role])
        assert response.status_code == 303, f"log-in as {role} failed"
        return client
    return _login


@pytest.fixture
def demo_user(app):
    def _get(role: Role) -> User:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))
            db.session.expunge(user)
            return user
    return _get


@pytest.fixture
def sql_counter(app):
    """Counts the SQL statements the app runs: `with sql_counter() as counted: ...; counted()`."""
    from contextlib import contextmanager

    from sqlalchemy import event

    with app.app_context():
        engine = db.engine

    @contextmanager
    def counting():
        statements = []
        # Only this thread's: a browser test's live server, in a thread of this process, may still be
        # answering a page left open (the bell asks every minute) on the same engine.
        here = threading.get_ident()

        def count(*_args):
            if threading.get_ident() == here:
                statements.append(1)

        event.listen(engine, "before_cursor_execute", count)
        try:
            yield lambda: len(statements)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return counting


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) on a loopback port for the whole run."""
    from tests.mail_server import MailServer

    server = MailServer().start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, smtp_server):
    """The test's view of e-mail: the portal sends to the real SMTP server above; the outbox starts
    empty (what earlier tests queued is set aside) and so does the server's inbox. Retries wait no
    time, so a test can send again at once."""
    from sqlalchemy import delete, update

    from portal.notifications.models import Notification, OutboxEmail

    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_RETRY_SECONDS")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_RETRY_SECONDS=0)
    with app.app_context():
        db.session.execute(update(Notification).values(email_id=None))
        db.session.execute(delete(OutboxEmail))
        db.session.commit()
    smtp_server.keeper.clear()
    yield smtp_server.keeper
    smtp_server.keeper.clear()
    app.config.update(saved)


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app on a real HTTP server on 127.0.0.1; yields its base URL (the browser tests
    drive it; the identity provider sends people back to it)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """A real OpenID provider (tests/oidc_provider.py) whose client is the portal on the live server."""
    from tests.oidc_provider import CALLBACK, OpenIDProvider

    provider = OpenIDProvider(redirect_uri=live_server + CALLBACK, post_logout_uri=live_server + "/login").start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc(app, oidc_provider, live_server):
    """The portal signs in through the provider for this test (its settings as they were after)."""
    settings = oidc_provider.settings(live_server)
    saved = {key: app.config[key] for key in [*settings, "OIDC_CLOCK_SKEW_SECONDS", "OIDC_GROUP_MAP",
                                              "OIDC_SCOPES", "PASSWORD_LOGIN"]}
    app.config.update(settings)
    with app.app_context():
        limiter.reset()
    yield oidc_provider
    app.config.update(saved)
