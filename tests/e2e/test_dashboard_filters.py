"""The superintendent's office changes the dashboard's filters while the figures are still on their way,
and presses Back: the address bar always names the filters the page shows, and nothing goes wrong
behind the page."""
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from portal.kernel.policy import Role
from tests.e2e.test_console import Watch

FILTERS = {"region": "Region", "goal": "Goal or metric", "level": "Level", "group": "Student group"}


class Held:
    """The dashboard's in-place answers, held back until the test lets them go (a slow refresh)."""

    def __init__(self, page):
        self.routes: list = []
        self.holding = True
        page.route("**/dashboard/**", self._hold)

    def _hold(self, route) -> None:
        headers = route.request.headers
        if self.holding and headers.get("hx-request") == "true" and "hx-history-restore-request" not in headers:
            self.routes.append(route)
        else:
            route.continue_()

    def wait_for(self, page, count: int) -> None:
        for _ in range(100):
            if len(self.routes) >= count:
                return
            page.wait_for_timeout(50)
        raise AssertionError(f"expected {count} held requests, saw {len(self.routes)}")

    def release(self, keep_holding: bool = False) -> None:
        """Let the held answers go; what the page asks next goes straight through unless kept holding."""
        self.holding = keep_holding
        routes, self.routes = self.routes, []
        for route in routes:
            route.continue_()


def address_filters(page) -> dict:
    query = parse_qs(urlsplit(page.url).query)
    return {name: query.get(name, [""])[0] for name in FILTERS}


def shown_filters(page) -> dict:
    return {name: page.get_by_label(label, exact=True).input_value() for name, label in FILTERS.items()}


def expect_address_matches_page(page, scope: str) -> None:
    """The body says what it shows; the filters and the address bar agree with it."""
    expect(page.locator("#dashboard-body .dash-scope")).to_contain_text(f"Showing {scope}.")
    page.wait_for_timeout(300)  # a late answer would land here
    expect(page.locator("#dashboard-body .dash-scope")).to_contain_text(f"Showing {scope}.")
    assert address_filters(page) == shown_filters(page)


def test_the_address_bar_follows_the_figures_shown_when_filters_change_during_a_refresh_and_back_is_pressed(
        app, page, login, live_server, factories):
    from portal.extensions import db
    from portal.rollups import refresh
    from portal.targets.models import PlanStatus, TargetPlan
    from tests.e2e import arrange

    with app.app_context():  # the district's figures stored, then a plan submitted: they are being refreshed
        plan_id = arrange.central_plan(factories).id
        refresh.refresh_stale()
        db.session.remove()
    watch = Watch(page)
    login(page, Role.superintendent)
    page.goto(live_server + "/dashboard/")
    with app.app_context():
        factories.drive(db.session.get(TargetPlan, plan_id), PlanStatus.submitted)
        db.session.remove()
    page.reload()
    expect(page.locator("#figures-refreshing")).to_contain_text("Figures as of")
    expect_address_matches_page(page, "the whole district")

    held = Held(page)
    held.wait_for(page, 1)  # the notice asks whether the new figures are in
    with app.app_context():  # they are, for the whole district: the answer would bring them
        refresh.refresh_stale()
        db.session.remove()
    page.get_by_label("Region", exact=True).select_option("C")
    held.wait_for(page, 2)
    page.get_by_label("Goal or metric", exact=True).select_option("ag_completion")  # while Central is on its way
    held.release()  # the whole district's and Central's figures come after the newer choice: not shown
    expect_address_matches_page(page, "Local District Central, A-G")
    assert shown_filters(page) == {"region": "C", "goal": "ag_completion", "level": "", "group": ""}
    expect(page.get_by_role("link", name="Clear the filters")).to_be_visible()

    held.holding = True
    page.get_by_label("Level", exact=True).select_option("middle")
    held.wait_for(page, 1)
    page.go_back()  # before the middle level's figures arrive
    held.release()
    expect_address_matches_page(page, "the whole district")
    assert shown_filters(page) == {"region": "", "goal": "", "level": "", "group": ""}
    expect(page.get_by_role("link", name="Clear the filters")).to_have_count(0)

    page.go_forward()
    expect_address_matches_page(page, "Local District Central, A-G")
    assert watch.problems == []
