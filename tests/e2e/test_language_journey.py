"""A family reads the portal in Spanish, in Chromium: a parent whose browser asks for English opens
the district's progress, switches to Spanish with the button in the header and stays on the page, now
in Spanish; follows the navigation to the plan and the scorecard, still in Spanish. A principal signs in
on the Spanish log-in page, keeps Spanish, switches back to English, and the choice is theirs."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import DEMO_PASSWORD, ROLE_EMAILS

pytestmark = pytest.mark.e2e


def test_a_parent_switches_to_spanish_and_reads_the_public_pages(browser, live_server, screenshot):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(live_server + "/progress")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progress on the")

    page.get_by_role("button", name="Español").click()

    expect(page).to_have_url(live_server + "/progress")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Progreso del Plan Estratégico")
    expect(page.get_by_role("heading", name="Privacidad de los estudiantes")).to_be_visible()
    expect(page.get_by_role("link", name="Saltar al contenido principal")).to_be_attached()
    screenshot(page, "language-progress-es")

    nav = page.get_by_role("navigation", name="Principal")
    nav.get_by_role("link", name="El plan").click()
    expect(page.get_by_role("heading", name="Las cuatro Metas del Distrito")).to_be_visible()
    expect(page.get_by_role("heading", name="Lectoescritura")).to_be_visible()
    screenshot(page, "language-plan-es")

    nav.get_by_role("link", name="Tablero de medidas").click()
    page.wait_for_load_state()  # its live fields answer once the page's scripts have run
    expect(page.get_by_role("heading", level=1)).to_have_text("Tablero de las Medidas de Éxito")
    page.get_by_label("Estado", exact=True).select_option(label="Mejoró")
    expect(page.locator("#scorecard-results .result-count")).to_contain_text("se muestran las")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    screenshot(page, "language-scorecard-es")
    context.close()


def test_a_principal_signs_in_in_spanish_and_the_choice_stays_theirs(browser, app, live_server, screenshot):
    email = ROLE_EMAILS[Role.principal]
    context = browser.new_context(locale="es-MX", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(live_server + "/login")
        expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
        screenshot(page, "language-login-es")
        page.get_by_label("Correo electrónico", exact=True).fill(email)
        page.get_by_label("Contraseña", exact=True).fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Iniciar sesión", exact=True).click()
        expect(page).to_have_url(live_server + "/home")
        expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()

        page.get_by_role("button", name="English").click()
        expect(page).to_have_url(live_server + "/home")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("button", name="Log out")).to_be_visible()
        with app.app_context():
            assert db.session.scalar(select(User.language).where(User.email == email)) == "en"
            db.session.remove()
    finally:
        context.close()
        with app.app_context():
            db.session.execute(db.update(User).where(User.email == email).values(language=None))
            db.session.commit()
            db.session.remove()
