"""The number of SQL statements each key page runs does not grow with the district: the same at 30
schools as at 120. Two districts of their own (SQLite files in a temp folder), so the shared test
database is never touched; the pages and the records they name are the benchmark's (bench/pages.py)."""
import re
import threading
from contextlib import contextmanager

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from bench.pages import ACCOUNTS, pages, reset_approvals, targets
from portal import create_app
from portal.demo.district import build_demo
from portal.extensions import db, limiter
from portal.strategic_plan.seed import load_plan
from tests.conftest import PORTAL_TODAY

PASSWORD = "query-count-password"
SIZES = (30, 120)
CSRF_RE = re.compile(r'"X-CSRFToken": "([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def token(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token on the page"
    return m.group(1) or m.group(2)


def district(path, schools: int):
    app = create_app({
        "PORTAL_ENV": "testing", "SECRET_KEY": "query-count-secret", "DEMO_PASSWORD": PASSWORD,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}/district-{schools}.db",
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "LOGIN_RATE_LIMIT": "10000 per minute", "PORTAL_TODAY": PORTAL_TODAY,
    })
    with app.app_context():
        upgrade()
        load_plan(app.config["SEED_DIR"])
        build_demo(schools, PASSWORD, seed=11)
        db.session.remove()
    return app


@contextmanager
def counting(app):
    with app.app_context():
        engine = db.engine
    statements = []
    here = threading.get_ident()  # this thread's only: a browser test's live server may share the engine

    def count(*_args):
        if threading.get_ident() == here:
            statements.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield lambda: len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)


def page_counts(app) -> dict[str, int]:
    """Each key page's statements on its second request (the first computes and stores rollups)."""
    ids = targets(app)
    plans = reset_approvals(app, ids["cycle"], ids["region"], keep=(ids["review_plan"], ids["plan"]))
    with app.app_context():
        limiter.reset()
    clients, tokens = {}, {}
    for role, email in ACCOUNTS.items():
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD,
                                               "csrf_token": token(client.get("/login").get_data(as_text=True))})
        assert response.status_code == 303, role
        clients[role] = client
        tokens[role] = token(client.get("/home").get_data(as_text=True))
    counts = {}
    for page in pages(ids):
        if page.key == "login":
            def call(page=page):
                client = app.test_client()
                t = token(client.get("/login").get_data(as_text=True))
                return client.post("/login", data={**page.form, "password": PASSWORD, "csrf_token": t})
            expected = 303
        else:
            client = clients[page.role] if page.role else app.test_client()
            headers = {"HX-Request": "true"} if page.htmx else {}
            expected = 200

            def call(page=page, client=client, headers=headers):
                if page.method == "GET":
                    return client.get(page.path, headers=headers)
                form = dict(page.form, csrf_token=tokens[page.role])
                path = page.path
                if "{id}" in path:
                    plan_id, version = plans.pop()
                    path, form["version"] = path.replace("{id}", str(plan_id)), str(version)
                return client.post(path, data=form, headers={**headers, "X-CSRFToken": tokens[page.role]})
        assert call().status_code == expected, page.key
        with counting(app) as counted:
            assert call().status_code == expected, page.key
        counts[page.key] = counted()
    return counts


@pytest.fixture(scope="module")
def counts_by_size(tmp_path_factory):
    path = tmp_path_factory.mktemp("query-counts")
    out = {}
    for schools in SIZES:
        app = district(path, schools)
        out[schools] = page_counts(app)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return out


def test_every_key_page_runs_as_many_queries_at_30_schools_as_at_120(counts_by_size):
    small, large = (counts_by_size[n] for n in SIZES)
    assert small.keys() == large.keys() and len(small) >= 20
    grown = {key: (small[key], large[key]) for key in small if small[key] != large[key]}
    assert not grown, f"queries per page grew with the district (30 schools, 120 schools): {grown}"


def test_no_key_page_runs_more_than_a_few_dozen_queries(counts_by_size):
    heavy = {key: n for key, n in counts_by_size[SIZES[-1]].items() if n > 40}
    assert not heavy, heavy
