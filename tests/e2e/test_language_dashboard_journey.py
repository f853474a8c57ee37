"""The superintendent reads the district's dashboard in Spanish, in Chromium: switches to Spanish with the
button in the header, narrows the dashboard with its filters (applied in place) and reads the narrowed
figures in Spanish, then looks a school up with the header's search box and its suggestions in Spanish."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import DEMO_PASSWORD, ROLE_EMAILS

pytestmark = pytest.mark.e2e


def test_the_superintendent_filters_the_dashboard_and_searches_in_spanish(browser, app, live_server, screenshot):
    email = ROLE_EMAILS[Role.superintendent]
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        page.get_by_label("Email", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in", exact=True).click()
        page.goto(live_server + "/dashboard/")
        page.get_by_role("button", name="Español").click()

        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text("Panel de datos del distrito")
        expect(page.get_by_role("heading", name="Si cada escuela cumple la meta que presentó")).to_be_visible()
        page.wait_for_load_state()  # the filters refresh the figures once the page's scripts have run

        page.get_by_label("Nivel", exact=True).select_option(label="Secundaria")
        expect(page).to_have_url(live_server + "/dashboard/?level=middle")
        expect(page.locator("#dashboard-body .dash-scope")).to_contain_text("nivel secundaria")
        regions = page.get_by_role("heading", name="Regiones que no alcanzan la meta, primero la más alejada")
        expect(regions).to_be_visible()
        screenshot(page, "language-dashboard-es")

        box = page.get_by_role("search", name="Búsqueda en el sitio").get_by_role("searchbox")
        box.fill("1A")
        expect(page.locator("#site-search-results")).to_contain_text("Prioridades")
        expect(page.locator("#site-search-results")).to_contain_text("Ver ")
        screenshot(page, "language-search-es")
    finally:
        context.close()
        with app.app_context():
            db.session.execute(update(User).where(User.email == email).values(language=None))
            db.session.commit()
