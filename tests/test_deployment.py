"""Starting the portal the way a district runs it: gunicorn refuses a set-up whose workers would each
count failed log-ins alone, and the log says plainly when throttling sees a proxy's address."""
import logging
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from portal import create_app
from portal.config import throttle_store_problem

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def start_gunicorn(workers: int, port: int, database_url: str, **env: str) -> subprocess.Popen:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("RATELIMIT_", "TRUSTED_"))}
    environment.update({"PORTAL_ENV": "development", "DATABASE_URL": database_url, **env})
    return subprocess.Popen([str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_gunicorn_will_not_start_several_workers_that_each_count_log_ins_alone(database_url):
    server = start_gunicorn(2, 8397, database_url, RATELIMIT_STORAGE_URI="memory://")
    output, _ = server.communicate(timeout=60)
    assert server.returncode != 0
    assert "each of the 2 workers would count failed log-ins on its own" in output


def test_one_worker_starts_on_its_own_memory_and_says_whose_address_it_throttles(database_url):
    server = start_gunicorn(1, 8398, database_url, RATELIMIT_STORAGE_URI="memory://")
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen("http://127.0.0.1:8398/healthz", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not answer")
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "TRUSTED_PROXIES=0: log-in throttling counts failures by the address connecting" in output


def test_a_shared_store_or_a_single_worker_is_accepted():
    assert throttle_store_problem("redis://127.0.0.1:6379/0", 8) is None
    assert throttle_store_problem("memory://", 1) is None


def test_requests_through_a_proxy_that_is_not_trusted_are_reported_once(database_url, caplog):
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key-not-for-production",
                      "SQLALCHEMY_DATABASE_URI": database_url, "TRUSTED_PROXIES": 0})
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="portal"):
        for _ in range(3):
            client.get("/login", headers={"X-Forwarded-For": "203.0.113.7"})
    notices = [r for r in caplog.records if "Requests arrive through a proxy" in r.getMessage()]
    assert len(notices) == 1 and "set TRUSTED_PROXIES" in notices[0].getMessage()
