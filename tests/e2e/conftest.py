"""Browser tests: the portal served by a real HTTP server and driven in Debian's Chromium.

Playwright cannot download a browser on these machines, so pytest-playwright is pointed at
the system Chromium. When it is missing the tests skip locally, but fail under CI=true: a
green CI run must mean the browser tests really ran.
"""
import os
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db, limiter
from portal.kernel.clock import current_school_year
from portal.kernel.policy import Role
from portal.measures import annual_reports as ar
from portal.measures.scorecard import documents as report_documents
from portal.org.models import User
from portal.progress.models import BoardUpdate
from portal.targets.models import TargetPlan, WindowExtension
from tests.conftest import DEMO_PASSWORD, PORTAL_TODAY, ROLE_EMAILS
from tests.e2e.keyboard import focused, tab_to
from tests.e2e.site_map import samples

# The suite runs on two cores beside the server it drives: give the page time before failing.
expect.set_options(timeout=15_000)

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parent.parent
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"
# School years no other test uses: one annual report published, one left in draft (the current
# year's, whose Board meeting comes after every other draft update's).
PUBLISHED_REPORT_YEAR, DRAFT_REPORT_YEAR = "2011-12", current_school_year(date.fromisoformat(PORTAL_TODAY))
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


@pytest.fixture(autouse=True)
def _fresh_login_limit(app):
    """Failed log-ins by earlier tests (same 127.0.0.1|email key) must not throttle these."""
    with app.app_context():
        limiter.reset()


@pytest.fixture
def login(live_server):
    """The browser tests' one log-in: login(page, who) opens the log-in page, fills in the form as a
    person would and waits for /home to load. `who` is a role (its demo account) or an email (an account a
    test made). keyboard=True reaches the fields and sends the form by keyboard alone, every focused
    control showing its focus; expect_home=False stops after sending (a refused log-in)."""
    def _login(page, who: Role | str, password: str = DEMO_PASSWORD, expect_home: bool = True,
               keyboard: bool = False):
        email = ROLE_EMAILS[who] if isinstance(who, Role) else who
        page.goto(live_server + "/login")
        if keyboard:
            tab_to(page, id="email")
            page.keyboard.type(email)
            page.keyboard.press("Tab")
            assert focused(page)["id"] == "password"
            page.keyboard.type(password)
            page.keyboard.press("Enter")
        else:
            page.get_by_label("Email", exact=True).fill(email)
            page.get_by_label("Password", exact=True).fill(password)
            page.get_by_role("button", name="Log in", exact=True).click()
        if expect_home:
            expect(page).to_have_url(live_server + "/home")
            page.wait_for_load_state()  # the URL changes before the page's scripts run: wait for them, as a person does
        return page

    return _login


def _an_extension() -> int:
    """A window extension to open (the demo district grants none): the principal's school's latest plan."""
    ext = db.session.scalar(select(WindowExtension).order_by(WindowExtension.id))
    if ext is None:
        principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        admin = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.admin]))
        plan = db.session.scalar(select(TargetPlan).where(TargetPlan.school_id == principal.school_id)
                                 .order_by(TargetPlan.id.desc()))
        ext = WindowExtension(cycle_id=plan.cycle_id, school_id=plan.school_id, until=date.fromisoformat(PORTAL_TODAY),
                              reason="A new principal started this week.", granted_by_id=admin.id)
        db.session.add(ext)
        db.session.commit()
    return ext.id


@pytest.fixture(scope="module")
def sample_values(app):
    """The sample records the accessibility and layout walks visit (tests/e2e/site_map.py), with annual
    reports of their own to read (published and in draft)."""
    with app.app_context():
        office = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.superintendent]))
        ids = {}
        for year in (PUBLISHED_REPORT_YEAR, DRAFT_REPORT_YEAR):
            report = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == "annual_report",
                                                                 BoardUpdate.school_year == year))
            if report is None:
                report, errors = ar.create_annual_report({"school_year": year}, office)
                assert report is not None, errors
            if year == PUBLISHED_REPORT_YEAR and not report.published:
                ar.publish_annual_report(report, office, None, report_documents.render)
            db.session.commit()
            ids[year] = report.id
        ids["extension"] = _an_extension()
        db.session.remove()
    values = samples(app, ids[PUBLISHED_REPORT_YEAR])
    values["annual_report_draft"] = ids[DRAFT_REPORT_YEAR]
    values["extension_id"] = ids["extension"]
    return values


@pytest.fixture
def screenshot():
    """screenshot(page, "name") saves test-artifacts/screenshots/name.png (the whole page)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def _shot(page, name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shot
