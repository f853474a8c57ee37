"""Nothing goes wrong behind the page: each role signs in and opens every link of its navigation, and the
browser logs no error to its console and asks the portal for nothing that answers with an error. Every
page names its icon (a browser that finds none asks for /favicon.ico, which was a 404 in every session;
headless Chromium asks for no icon, so the test fetches it)."""
import pytest
from playwright.sync_api import expect

from portal.kernel.policy import Role

pytestmark = pytest.mark.e2e


class Watch:
    """The console errors a page logs and the requests that fail, from the moment it is made."""

    def __init__(self, page):
        self.problems: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"script: {e}"))
        page.on("response", lambda r: r.status >= 400 and self.problems.append(f"{r.status} {r.url}"))
        page.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        if "ERR_ABORTED" not in (request.failure or ""):  # a click away cancels what was still loading
            self.problems.append(f"failed: {request.url} {request.failure}")


@pytest.mark.parametrize("role", [Role.principal, Role.regional_leader, Role.central_office, Role.superintendent,
                                  Role.board, Role.admin])
def test_every_page_of_a_roles_navigation_loads_without_an_error_behind_it(page, live_server, login, role):
    watch = Watch(page)
    login(page, role)
    nav = page.get_by_role("navigation", name="Main")
    names = [name.strip() for name in nav.get_by_role("link").all_inner_texts()]
    assert names
    for name in names:
        nav.get_by_role("link", name=name, exact=True).click()
        page.wait_for_load_state("load")
        expect(page.locator("#bell[hx-trigger]")).to_be_attached()  # htmx has loaded the bell
        icon = page.locator('head link[rel="icon"]')
        expect(icon).to_have_count(1)
        assert page.request.get(live_server + icon.get_attribute("href")).ok
    assert watch.problems == []


def test_the_icon_is_found_where_browsers_look_for_it(page, live_server):
    answer = page.goto(live_server + "/favicon.ico")
    assert answer.ok and "svg" in answer.headers["content-type"]
