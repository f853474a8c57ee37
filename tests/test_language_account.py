"""The pages every signed-in person uses, in Spanish: each role's home page, the notifications page and
its bell, the notification settings, the school directory and a school's page, the two-step sign-in
page, the administrator's e-mail outbox, and the password-reset pages. A person who has chosen Spanish
reads each with nothing left in English but names (schools, offices, people, initiatives, cycles) and
what the portal stored in English before they chose; figures and dates are written the Spanish way,
and a form refused in Spanish says why in Spanish."""
import re

import pytest
from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.notifications.models import FAILED, Notification, OutboxEmail
from portal.notifications.outbox import notify
from portal.org.models import Office, Region, School, User
from portal.progress.models import BoardUpdate, CheckIn, Initiative
from portal.targets.models import TargetCycle
from tests.conftest import ROLE_EMAILS, csrf_from
from tests.test_language import TextNodes, untranslated

HTMX = {"HX-Request": "true"}
# The header's search box belongs to the search pages' words, marked with them, not these pages'.
SEARCH_BOX = re.compile(r'<form class="site-search".*?</form>', re.S)
IN_PARENTHESES = re.compile(r"^\((\d[A-Z](-\d+)?)\)$")  # a priority's code beside its initiative: (1C)
GRADES = re.compile(r"^(K|\d+)-\d+$")  # a school's grades, K-5, written the same in Spanish
SECRET = re.compile(r"^[A-Z2-7]{4}( [A-Z2-7]{4})+$")  # the two-step key to type into an app, in groups of four
# Each role's own pages, beside the home page and the pages everyone has.
OWN_PAGES = {
    Role.principal: ["/schools/{school}"],
    Role.regional_leader: ["/schools", "/schools?q=zzzz-no-such-school", "/schools/{school}"],
    Role.central_office: [],
    Role.superintendent: ["/schools"],
    Role.board: ["/schools/{school}"],
    Role.admin: ["/admin/outbox", "/schools?page=2"],
}
EVERYONE = ["/home", "/notifications", "/notifications?show=unread", "/notifications/preferences",
            "/account/two-step"]


@pytest.fixture(scope="module")
def names(app) -> set[str]:
    """What the pages show as the database holds it: the names of schools,
    Local Districts, offices, initiatives, cycles, check-in periods, Board updates and people, and the
    notifications written before anyone chose a language (stored in English)."""
    with app.app_context():
        found: set[str] = set()
        for column in (Office.name, Region.name, Region.short_name, School.name, School.code, Initiative.name,
                       TargetCycle.name, BoardUpdate.title, CheckIn.period, User.name, Notification.subject,
                       Notification.body, Notification.comment):
            found |= {" ".join(str(v).split()) for v in db.session.scalars(select(column).distinct()) if v}
        db.session.remove()
        return found


def page(client, path: str, language: str | None = None, headers: dict | None = None,
         status: int = 200) -> TextNodes:
    response = client.get(path, headers={**({"Accept-Language": language} if language else {}), **(headers or {})})
    assert response.status_code == status, path
    nodes = TextNodes()
    nodes.feed(SEARCH_BOX.sub("", response.get_data(as_text=True)))
    return nodes


def left_in_english(english: TextNodes, spanish: TextNodes, names: set[str]) -> list[str]:
    """What the Spanish page still says as the English page does, but for names, figures and codes. A name
    may stand after a colon, as a button's hidden words do: "Open: <the notification's subject>"."""
    return [text for text in untranslated(english, spanish, names)
            if not any(p.match(text) for p in (IN_PARENTHESES, GRADES, SECRET)) and text.strip(": ") not in names]


def switch(client, language: str, at: str = "/home") -> None:
    token = csrf_from(client.get(at).get_data(as_text=True))
    answer = client.post("/language", data={"language": language, "next": at, "csrf_token": token})
    assert answer.status_code == 303


@pytest.fixture
def spanish_reader(app, client, login_as):
    """sign_in(role): signed in as the role's demo account, who then chooses Spanish; their choice is
    undone when the test ends."""
    signed_in: list[str] = []

    def sign_in(role: Role) -> None:
        login_as(role)
        signed_in.append(ROLE_EMAILS[role])
    yield sign_in
    with app.app_context():
        db.session.execute(db.update(User).where(User.email.in_(signed_in)).values(language=None))
        db.session.commit()


def a_school_of(app, role: Role) -> int:
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))
        if person.school_id:
            return person.school_id
        stmt = select(School.id).order_by(School.id).limit(1)
        if person.region_id:
            stmt = stmt.where(School.region_id == person.region_id)
        found = db.session.scalar(stmt)
        db.session.remove()
        return found


def english_and_spanish(client, path: str, headers: dict | None = None, status: int = 200):
    """The page as the person read it in English, then after choosing Spanish."""
    english = page(client, path, "en", headers, status)
    switch(client, "es")
    spanish = page(client, path, "en", headers, status)  # the person's choice wins over the browser's
    switch(client, "en")
    return english, spanish


@pytest.mark.parametrize("role", list(OWN_PAGES), ids=[r.value for r in OWN_PAGES])
def test_each_role_reads_its_pages_in_spanish_with_nothing_left_in_english(app, client, spanish_reader, names,
                                                                          role):
    spanish_reader(role)
    school = a_school_of(app, role)
    for path in EVERYONE + [p.format(school=school) for p in OWN_PAGES[role]]:
        english, spanish = english_and_spanish(client, path)
        assert (english.html_lang, spanish.html_lang) == ("en", "es"), path
        assert left_in_english(english, spanish, names) == [], path


def test_the_htmx_partials_of_the_notifications_and_schools_pages_are_in_spanish(app, client, spanish_reader,
                                                                                 names):
    spanish_reader(Role.regional_leader)
    for path in ("/notifications?show=unread", "/notifications", "/notifications/bell", "/schools?level=high",
                 "/schools?page=2"):
        english, spanish = english_and_spanish(client, path, HTMX)
        assert left_in_english(english, spanish, names) == [], path
        assert spanish.nodes, path


def test_the_bell_and_a_notification_read_in_spanish(app, client, spanish_reader, factories):
    spanish_reader(Role.principal)
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        person.language = "es"
        [note_id] = notify([person], "plan_approved", lambda: gettext("Approved: %(plan)s", plan="Test 2031-32"),
                           "Someone approved it.", "/home")
        db.session.commit()
    try:
        switch(client, "es", "/notifications")
        bell = " ".join(t for t, _ in page(client, "/notifications/bell", headers=HTMX).nodes)
        assert "Notificaciones" in bell and "sin leer" in bell
        listing = " ".join(t for t, _ in page(client, "/notifications").nodes)
        assert "Aprobado: Test 2031-32" in listing and "Marcar como leída" in listing
        assert re.search(r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) \d{4}, \d\d:\d\d UTC",
                         listing)
        token = csrf_from(client.get("/notifications").get_data(as_text=True))
        marked = client.post(f"/notifications/{note_id}/read", data={"csrf_token": token}, headers=HTMX)
        assert "Marcada como leída." in marked.get_data(as_text=True)
    finally:
        with app.app_context():
            db.session.execute(db.delete(Notification).where(Notification.id == note_id))
            db.session.commit()


def test_the_outbox_writes_its_dates_in_spanish(app, client, spanish_reader, factories):
    spanish_reader(Role.admin)
    with app.app_context():
        person = factories.principal(factories.school())
        email = OutboxEmail(key="i18n-outbox-test", user_id=person.id, to_address=person.email, kind="plan_returned",
                            state=FAILED, attempts=5, last_error="550 No such mailbox", created_at=clock.now())
        db.session.add(email)
        db.session.commit()
        email_id = email.id
    try:
        switch(client, "es")
        html = client.get("/admin/outbox").get_data(as_text=True)
        assert "Mi escuela" in html or "plan de mi escuela" in html  # the kind's label, in Spanish
        assert re.search(r"\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) \d{4}, \d\d:\d\d UTC", html)
    finally:
        with app.app_context():
            db.session.execute(db.delete(OutboxEmail).where(OutboxEmail.id == email_id))
            db.session.commit()


def test_a_refused_choice_on_the_settings_page_says_why_in_spanish(client, spanish_reader):
    spanish_reader(Role.principal)
    switch(client, "es", "/notifications/preferences")
    token = csrf_from(client.get("/notifications/preferences").get_data(as_text=True))
    refused = client.post("/notifications/preferences", data={"csrf_token": token, "plan_returned": "weekly",
                                                               "security": "off", "no_such_kind": "off"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Hay un problema: no se guardó nada" in html
    assert "Elija De inmediato, En un resumen diario o Desactivado." in html
    assert "no es un tipo de mensaje que envíe el portal" in html
    assert "Choose " not in html and "is not a kind of message" not in html


def test_a_wrong_code_on_the_two_step_page_is_refused_in_spanish(client, spanish_reader):
    spanish_reader(Role.central_office)
    switch(client, "es", "/account/two-step")
    token = csrf_from(client.get("/account/two-step").get_data(as_text=True))
    refused = client.post("/account/two-step", data={"csrf_token": token, "code": "12"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "Escriba el código de 6 dígitos de su aplicación de autenticación." in html
    assert "Enter the 6-digit code" not in html


def test_the_password_reset_pages_are_in_spanish_for_a_visitor_who_chose_it(client, names):
    for path, status in (("/password/forgot", 200), ("/password/reset/not-a-token", 410)):
        english = page(client, path, "en", status=status)
        spanish = page(client, path, "es", status=status)
        assert spanish.html_lang == "es"
        assert left_in_english(english, spanish, names) == [], path
    token = csrf_from(client.get("/password/forgot", headers={"Accept-Language": "es"}).get_data(as_text=True))
    refused = client.post("/password/forgot", data={"csrf_token": token, "email": ""},
                          headers={"Accept-Language": "es"})
    assert refused.status_code == 422
    assert "Escriba su correo electrónico." in refused.get_data(as_text=True)
    sent = client.post("/password/forgot", data={"csrf_token": token, "email": "nobody@district.example"},
                       headers={"Accept-Language": "es"}, follow_redirects=True)
    assert "Si una cuenta activa usa esa dirección" in sent.get_data(as_text=True)
