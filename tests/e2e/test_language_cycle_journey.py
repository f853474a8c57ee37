"""The progress monitoring cycle in Spanish, in Chromium: the superintendent's office switches to Spanish on
the cycle board, reads its columns in Spanish, accepts a check-in's data in place and is told so in Spanish;
opens a Board update and reads the report in Spanish. The account's choice is put back afterwards."""
import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import User
from portal.progress.models import Stage
from tests.conftest import ROLE_EMAILS
from tests.e2e.arrange import action_plan

pytestmark = pytest.mark.e2e


def test_the_superintendents_office_works_the_cycle_in_spanish(app, browser, live_server, login, screenshot,
                                                                factories):
    with app.app_context():
        plan = action_plan(factories, Stage.data_review)
        db.session.remove()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    try:
        login(page, Role.superintendent)
        page.goto(live_server + "/cycle")
        page.get_by_role("button", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_have_text("Ciclo de monitoreo del progreso")
        stage_3 = page.get_by_role("heading", name="Etapa 3 Actualización con el Superintendente")
        expect(stage_3).to_be_visible()

        card = page.locator(f"#check-in-{plan['check_in_id']}")
        card.get_by_role("button", name="Aceptar los datos").click()
        expect(page.locator("#cycle-status")).to_contain_text("Se aceptaron los datos de")
        moved = page.locator(f"#stage-3-cards #check-in-{plan['check_in_id']}")
        expect(moved).to_contain_text("Datos aceptados hace un momento.")
        expect(moved).to_contain_text("3. Actualización con el Superintendente")
        screenshot(page, "language-cycle-es")

        page.get_by_role("navigation", name="Principal").get_by_role("link", name="Informes a la Junta").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Informes a la Junta de Educación")
        expect(page.get_by_role("heading", name="El calendario de informes a la Junta")).to_be_visible()
        screenshot(page, "language-board-updates-es")
    finally:
        page.context.close()
        with app.app_context():
            db.session.execute(db.update(User).where(User.email == ROLE_EMAILS[Role.superintendent])
                               .values(language=None))
            db.session.commit()
            db.session.remove()
