"""Browser tests: the portal served by a real HTTP server and driven in Debian's Chromium.

Playwright cannot download a browser on these machines, so pytest-playwright is pointed at
the system Chromium. When it is missing the tests skip locally, but fail under CI=true: a
green CI run must mean the browser tests really ran.
"""
import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from portal.extensions import limiter
from tests.conftest import DEMO_PASSWORD, ROLE_EMAILS

# The suite runs on two cores beside the server it drives: give the page time before failing.
expect.set_options(timeout=15_000)

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
CHROMIUM_CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(config, items):
    """Every test under tests/e2e carries the `e2e` marker (select or skip with -m)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


def chromium_path() -> str | None:
    for candidate in CHROMIUM_CANDIDATES:
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (pytest-playwright's own fixture, overridden)."""
    executable = chromium_path()
    if executable is None:
        message = ("Chromium is not installed (looked for " + ", ".join(CHROMIUM_CANDIDATES) + "). "
                   "Install it with `make chromium` (apt-get install chromium).")
        # Never skipped: `make test` installs Chromium, and a browser test that did not run proves nothing.
        pytest.fail("The browser tests cannot run: " + message, pytrace=False)
    return {**browser_type_launch_args, "executable_path": executable, "headless": True,
            "args": list(CHROMIUM_ARGS)}


@pytest.fixture(scope="session")
def live_server(app):
    """The session's app on a real HTTP server on 127.0.0.1; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(autouse=True)
def _fresh_login_limit(app):
    """Failed log-ins by earlier tests (same 127.0.0.1|email key) must not throttle these."""
    with app.app_context():
        limiter.reset()


@pytest.fixture
def login(live_server):
    """login(page, role) logs in through the real form, as a person would, and waits for /home."""
    from playwright.sync_api import expect

    def _login(page, role, password: str = DEMO_PASSWORD, expect_home: bool = True):
        page.goto(live_server + "/login")
        page.get_by_label("Email", exact=True).fill(ROLE_EMAILS[role])
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Log in", exact=True).click()
        if expect_home:
            expect(page).to_have_url(live_server + "/home")
        return page

    return _login


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves test-artifacts/screenshots/name.png (the whole page)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
