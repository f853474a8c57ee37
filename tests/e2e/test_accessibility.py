"""Accessibility, checked with axe-core in Chromium: every page each role can reach, and the states
htmx puts a page in (filtered results, a row saved with an error, a refused return, a moved
check-in), have no serious or critical violations. The list of pages comes from the app's own
routes (tests/e2e/site_map.py): a new page that is not listed fails here."""
import re

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel.policy import Role
from portal.progress.models import Stage
from portal.targets.models import PlanStatus
from tests.e2e import arrange, axe
from tests.e2e.site_map import ANONYMOUS, PAGES, SKIP_FOR, get_html_endpoints, unlisted_endpoints, visits_for

ROLES = [ANONYMOUS, *Role]


def role_id(role) -> str:
    return role if role == ANONYMOUS else role.value


@pytest.fixture
def axe_page(browser, live_server, login):
    """axe_page(role): a logged-in page whose context lets the test inject axe-core. The portal's
    CSP (script-src 'self') refuses the inline script Playwright adds, so this context alone
    bypasses it; every other browser test runs under the real policy."""
    contexts = []

    def _open(role, **options):
        context = browser.new_context(bypass_csp=True, **{"viewport": {"width": 1280, "height": 900}, **options})
        contexts.append(context)
        page = context.new_page()
        if role != ANONYMOUS:
            login(page, role)
        return page

    yield _open
    for context in contexts:
        context.close()


def test_every_page_is_in_the_checked_list(app):
    """A GET endpoint is either a page the walk below checks or a named download/probe."""
    assert not unlisted_endpoints(app), (
        f"pages the accessibility tests do not check: {unlisted_endpoints(app)}; "
        "add them to PAGES (or NOT_PAGES) in tests/e2e/site_map.py")
    stale = sorted(PAGES.keys() - get_html_endpoints(app))
    assert not stale, f"PAGES lists endpoints the app no longer has: {stale}"
    assert all(name in PAGES for name, _ in SKIP_FOR)


@pytest.fixture(scope="module")
def already_checked() -> dict:
    """Main content axe has passed, by its fingerprint, across the roles' walks."""
    return {}


@pytest.mark.parametrize("role", ROLES, ids=role_id)
def test_every_page_a_role_reaches_has_no_serious_axe_violations(app, live_server, axe_page, sample_values,
                                                                 already_checked, role):
    """Each role opens every page it may use. A page whose main content is exactly what another
    role was shown (the plan, a school's baselines) is not checked twice; the header and navigation
    that differ are checked on the role's own pages."""
    page = axe_page(role)
    visits = visits_for(app, role, sample_values)
    assert visits, role
    problems = []
    for visit in visits:
        response = page.goto(live_server + visit.url)
        assert response is not None and response.ok, f"{visit.url} answered {response and response.status}"
        axe.open_disclosures(page)
        fingerprint = axe.fingerprint(page)
        if fingerprint in already_checked:
            continue
        found = axe.violations(page)
        if found:
            problems.append(axe.describe(f"{role_id(role)} {visit.url}", found))
        else:
            already_checked[fingerprint] = (role_id(role), visit.url)
    assert not problems, "\n".join(problems)


def test_the_public_pages_in_spanish_have_no_serious_axe_violations(app, live_server, axe_page, sample_values):
    """A family whose browser asks for Spanish opens every page a visitor may: each says it is in Spanish,
    and what stays in English (the plan's untranslated words) says so, as axe checks."""
    page = axe_page(ANONYMOUS, locale="es-MX")
    problems = []
    for visit in visits_for(app, ANONYMOUS, sample_values):
        response = page.goto(live_server + visit.url)
        assert response is not None and response.ok, f"{visit.url} answered {response and response.status}"
        assert page.locator("html").get_attribute("lang") == "es", visit.url
        checked(page, f"es {visit.url}", problems)
    assert not problems, "\n".join(problems)


def checked(page, where: str, problems: list) -> None:
    axe.open_disclosures(page)
    found = axe.violations(page)
    if found:
        problems.append(axe.describe(where, found))


@pytest.fixture(scope="module")
def htmx_records(app, module_factories):
    """Schools of their own in Local District Central: an unsubmitted plan to type into and a
    submitted one to refuse a return on; and an action plan whose check-in waits for data review
    (moved on the cycle board)."""
    with app.app_context():
        editable = arrange.plan_facts(module_factories, arrange.central_plan(module_factories))
        submitted = arrange.central_plan(module_factories, PlanStatus.submitted).id
        waiting = arrange.action_plan(module_factories, stage=Stage.data_review)
        db.session.remove()
    return {"editable": editable, "submitted": submitted, "waiting": waiting}


def test_htmx_states_have_no_serious_axe_violations(live_server, axe_page, login, htmx_records):
    problems = []

    # A board member narrows the plan, the scorecard and the dashboard in place.
    page = axe_page(Role.board)
    page.goto(live_server + "/plan")
    page.get_by_label("Words in a priority, strategy or measure").fill("tutoring")
    expect(page.locator("#plan-results .result-count")).to_contain_text("match")
    checked(page, "board /plan filtered", problems)
    page.get_by_label("Words in a priority, strategy or measure").fill("zzzz-no-such-word")
    expect(page.locator("#plan-results .empty")).to_be_visible()
    checked(page, "board /plan with no match", problems)
    page.goto(live_server + "/scorecard")
    page.get_by_label("Pillar", exact=True).select_option("2")
    expect(page).to_have_url(re.compile(r"pillar=2"))
    checked(page, "board /scorecard filtered", problems)
    page.goto(live_server + "/dashboard/")
    page.get_by_label("Region", exact=True).select_option("S")
    expect(page).to_have_url(re.compile(r"region=S"))
    checked(page, "board /dashboard/ filtered", problems)

    # The regional leader filters schools and plans, and tries to return a plan without saying why.
    page = axe_page(Role.regional_leader)
    page.goto(live_server + "/schools")
    page.get_by_label("Name or code").fill("zzzz-no-such-school")
    expect(page.locator("#school-results .empty")).to_be_visible()
    checked(page, "leader /schools with no match", problems)
    page.goto(live_server + "/review/")
    page.get_by_label("Status", exact=True).select_option("submitted")
    expect(page).to_have_url(re.compile(r"status=submitted"))
    checked(page, "leader /review/ filtered", problems)
    page.goto(live_server + f"/review/plans/{htmx_records['submitted']}")
    page.get_by_role("button", name="Return for revision").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, "leader review page after a return without feedback", problems)

    # A principal types a value out of range: the row says so in place; then submits incomplete.
    plan = htmx_records["editable"]
    page = axe_page(ANONYMOUS)
    login(page, plan["principal"])
    page.goto(live_server + f"/targets/plans/{plan['id']}")
    row_id = plan["rows"][0][0]
    page.locator(f"#year_target-{row_id}").fill("900")
    expect(page.locator(f"#fb-{row_id} .field__error")).to_be_visible()
    expect(page.locator(f"#year_target-{row_id}")).to_have_attribute("aria-invalid", "true")
    checked(page, "principal targets after an autosave with an error", problems)
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".error-summary")).to_contain_text("could not be saved")
    expect(page.locator(".error-summary")).to_be_focused()
    checked(page, "principal targets after a refused save", problems)
    page.locator(f"#year_target-{row_id}").fill("")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator(".error-summary")).to_contain_text("Before you can submit")
    checked(page, "principal targets after an incomplete submit", problems)

    # The superintendent's office narrows the cycle board and accepts a check-in's data in place.
    waiting = htmx_records["waiting"]
    page = axe_page(Role.superintendent)
    page.goto(live_server + "/cycle")
    page.get_by_label("Pillar", exact=True).select_option("1")
    expect(page).to_have_url(re.compile(r"pillar=1"))
    checked(page, "superintendent /cycle filtered", problems)
    page.goto(live_server + "/cycle")
    card = page.locator(f"#check-in-{waiting['check_in_id']}")
    card.get_by_role("button", name=re.compile("Accept the data")).click()
    expect(page.locator("#cycle-status")).to_contain_text("Accepted the data")
    checked(page, "superintendent /cycle after a stage move", problems)

    # An administrator filters people, and a central office picks a Priority for a new action plan.
    page = axe_page(Role.admin)
    page.goto(live_server + "/admin/users")
    page.get_by_label("Name or email").fill("zzzz-nobody")
    expect(page.locator("#user-results")).to_contain_text("0 accounts")
    checked(page, "admin /admin/users with no match", problems)
    page = axe_page(Role.central_office)
    page.goto(live_server + "/initiatives/new")
    page.get_by_label("Priority", exact=True).select_option("1C")
    expect(page.locator("#measure-choice")).to_contain_text("1C")
    page.get_by_role("button", name="Create the action plan").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checked(page, "central office new action plan after a refused create", problems)

    assert not problems, "\n".join(problems)
