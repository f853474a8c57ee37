"""Fixtures for the soak tests: a throwaway PostgreSQL cluster, a fresh demo district per test on
SQLite or PostgreSQL, and the figures every test reports (test-artifacts/soak/figures.json)."""
import json
import shutil
import uuid
from pathlib import Path

import pytest

from .district import open_app
from .harness import ROOT, Postgres, Redis, build_district

FIGURES = ROOT / "test-artifacts" / "soak" / "figures.json"
THROTTLE_PORT = 6392


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("soak")


@pytest.fixture(scope="session")
def postgres(workdir):
    if not (Path("/usr/lib/postgresql/15/bin/initdb")).exists():
        pytest.fail("PostgreSQL 15 is not installed: make soak installs it")
    cluster = Postgres()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def throttle_store(workdir):
    """A redis the workers of one server share their log-in counts through, as production must
    (gunicorn.conf.py will not start several workers on memory://)."""
    folder = workdir / "throttle"
    folder.mkdir(exist_ok=True)
    redis = Redis(folder, THROTTLE_PORT).start()
    try:
        yield redis.uri
    finally:
        redis.stop()


@pytest.fixture(scope="session")
def figures():
    collected: dict = {}
    yield collected
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(json.dumps(collected, indent=2, sort_keys=True))


def fresh_database(kind: str, workdir: Path, postgres_cluster) -> str:
    """A new database holding the plan and a 30-school demo district."""
    if kind == "sqlite":
        folder = workdir / f"sqlite-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        url = f"sqlite:///{folder / 'portal.db'}"
    else:
        url = postgres_cluster.create_database(f"portal_{uuid.uuid4().hex[:8]}")
    build_district(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def district(request, workdir):
    """(kind, database URL, an app for reading the database) for each database the portal runs on."""
    cluster = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    url = fresh_database(request.param, workdir, cluster)
    app = open_app(url)
    yield request.param, url, app
    with app.app_context():
        from portal.extensions import db

        db.engine.dispose()


@pytest.fixture
def logs(request, workdir) -> Path:
    folder = workdir / "logs" / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    yield folder
    call = getattr(request.node, "rep_call", None)
    if call is not None and call.failed:  # keep the servers' logs of a failed run
        keep = ROOT / "test-artifacts" / "soak" / folder.name
        shutil.copytree(folder, keep, dirs_exist_ok=True)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
