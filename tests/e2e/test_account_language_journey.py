"""A principal who reads Spanish, in Chromium: signs in, switches to Spanish, reads the home page, opens
the notifications page from the bell, marks a notification read in place, and on the notification
settings page saves a choice, each in Spanish."""
import pytest
from flask_babel import gettext
from playwright.sync_api import expect
from sqlalchemy import delete, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.notifications.models import Notification, Preference
from portal.notifications.outbox import notify
from portal.org.models import User
from tests.conftest import ROLE_EMAILS

pytestmark = pytest.mark.e2e


def test_a_principal_reads_home_notifications_and_settings_in_spanish(browser, app, live_server, login,
                                                                       screenshot):
    email = ROLE_EMAILS[Role.principal]
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == email))
        person.language = "es"
        [note_id] = notify([person], "plan_approved",
                           lambda: gettext("Approved: %(plan)s", plan="Prueba 2031-32"),
                           lambda: gettext("%(name)s approved %(plan)s. Nothing more is needed from you for this "
                                           "cycle.", name="Ana Ruiz", plan="Prueba 2031-32"), "/home")
        person.language = None
        db.session.commit()
        db.session.remove()
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        login(page, Role.principal)
        page.get_by_role("button", name="Español").click()
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Le damos la bienvenida")
        expect(page.get_by_role("heading", name="Lo que requiere su atención")).to_be_visible()
        expect(page.get_by_text("Aprobado: Prueba 2031-32").first).to_be_visible()
        screenshot(page, "language-home-principal-es")

        page.locator("#bell").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notificaciones")
        item = page.locator(f"#notification-{note_id}")
        item.get_by_role("button", name="Marcar como leída").click()
        expect(item.get_by_text("Marcada como leída.")).to_be_visible()
        screenshot(page, "language-notifications-es")

        page.get_by_role("link", name="Preferencias de notificaciones").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Preferencias de notificaciones")
        group = page.get_by_role("group", name="El plan de mi escuela se aprueba")
        group.get_by_label("En un resumen diario").check()
        page.get_by_role("button", name="Guardar mis preferencias").click()
        expect(page.get_by_text("Sus preferencias quedaron guardadas.")).to_be_visible()
        screenshot(page, "language-preferences-es")
    finally:
        context.close()
        with app.app_context():
            db.session.execute(delete(Notification).where(Notification.id == note_id))
            db.session.execute(db.update(User).where(User.email == email).values(language=None))
            db.session.execute(delete(Preference).where(Preference.user_id == db.session.scalar(
                select(User.id).where(User.email == email)), Preference.kind == "plan_approved"))
            db.session.commit()
            db.session.remove()
