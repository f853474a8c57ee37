"""Layout in Chromium: every page at tablet width (768 px) and at 200% zoom (a 1280 px screen
zoomed to 200% lays pages out 640 px wide, drawn at twice the pixels) keeps its main content
within the window: no sideways scrolling of the page (wide tables scroll inside their own box).
The navigation folds into a menu that works by keyboard; the Board update prints without the
portal's navigation and buttons."""
import pytest
from playwright.sync_api import expect

from portal.kernel.policy import Role
from tests.e2e.site_map import ANONYMOUS, PAGES, roles_for, visits_for
from tests.e2e.test_accessibility import role_id

VIEWS = {"tablet-768": {"viewport": {"width": 768, "height": 1024}},
         "zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}}
# Each page is laid out once, as the first of these roles that uses it (the widest navigation first).
ROLE_ORDER = [Role.superintendent, Role.admin, Role.central_office, Role.regional_leader, Role.principal,
              Role.board, ANONYMOUS]

OVERFLOW = """() => {
  const doc = document.documentElement;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > doc.clientWidth + 1 && !(e.parentElement && e.parentElement.closest('.table-wrap'));
  }).slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + [...e.classList].join('.')
                         + ' ' + Math.round(e.getBoundingClientRect().right));
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide};
}"""


def layout_role(endpoint: str):
    allowed = roles_for(endpoint)
    return next(role for role in ROLE_ORDER if role in allowed)


@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
def test_every_page_fits_the_window_at_tablet_width_and_200_percent_zoom(app, browser, live_server, login,
                                                                          sample_values, screenshot, view):
    problems = []
    for role in ROLE_ORDER:
        endpoints = {e for e in PAGES if layout_role(e) == role}
        visits = [v for v in visits_for(app, role, sample_values) if v.endpoint in endpoints]
        if not visits:
            continue
        context = browser.new_context(**VIEWS[view])
        page = context.new_page()
        if role != ANONYMOUS:
            login(page, role)
        for visit in visits:
            response = page.goto(live_server + visit.url)
            assert response is not None and response.ok, visit.url
            found = page.evaluate(OVERFLOW)
            if found["scroll"] > found["client"]:
                problems.append(f"{view} {role_id(role)} {visit.url}: the page is {found['scroll']} px wide in a "
                                f"{found['client']} px window; too wide: {found['wide']}")
        screenshot(page, f"layout-{view}-{role_id(role)}-last-page")
        context.close()
    assert not problems, "\n".join(problems)


def test_the_navigation_folds_into_a_menu_that_works_by_keyboard(browser, live_server, login, screenshot):
    page = browser.new_context(viewport={"width": 768, "height": 1024}).new_page()
    login(page, Role.superintendent)
    menu = page.get_by_role("button", name="Menu")
    nav = page.get_by_role("navigation", name="Main")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    from portal.kernel.navigation import _NAV
    expect(nav.get_by_role("link")).to_have_count(len(_NAV[Role.superintendent]))
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    screenshot(page, "layout-menu-open-768")
    page.keyboard.press("Tab")
    expect(nav.get_by_role("link", name="Home")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_focused()
    # Ten links stay in one row on a desktop screen, with no menu button.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(menu).to_be_hidden()
    tops = nav.get_by_role("link").evaluate_all("links => new Set(links.map(a => a.getBoundingClientRect().top)).size")
    assert tops == 1


def test_the_board_update_prints_without_the_portals_navigation_and_buttons(browser, live_server, login,
                                                                              sample_values, screenshot):
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.board)
    page.goto(live_server + f"/board-updates/{sample_values['published_update']}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.emulate_media(media="print")
    for hidden in ("header.site-header", "footer.site-footer", ".print-hint"):
        expect(page.locator(hidden)).to_be_hidden()
    assert page.locator("button:visible, .button:visible, form:visible").count() == 0
    expect(page.locator(".report-head h1")).to_be_visible()
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["client"], found
    screenshot(page, "print-board-update")
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
