"""The portal in Spanish: a family reads the public pages and the log-in page in Spanish with nothing left
in English but the plan's own untranslated words (marked lang="en"), numbers and names; the language
follows the browser until someone chooses, and a person's choice follows them from one sign-in to the
next and into their e-mail."""
import re
from datetime import date
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import formatting
from portal.kernel.policy import Role
from portal.notifications.outbox import notify
from portal.org.models import Office, Region, User
from portal.worker import deliver_all
from tests.conftest import ROLE_EMAILS, csrf_from
from tests.mail_server import body

PUBLIC_PAGES = ["/progress", "/plan", "/plan/priorities/1A", "/plans", "/scorecard", "/login"]
# Words that read the same in both languages: names, file formats, the demo mark, the brand's letter.
SAME_IN_BOTH = {"Latinx", "Latinx:", "CSV", "Excel", "demo", "Plan", "Error:", "Los Angeles Unified", "R",
                "n<11",  # the small-group rule's mark (kernel.privacy.MARK)
                "PDF", "SHA-256:"}  # a published report's documents (progress/board/templates/board/_documents.html)
# A text node with no word of three letters or more besides a unit is a figure: 68.2, +30 pts, 2023-24, (48 KB);
# a document's SHA-256 is one too.
FIGURE = re.compile(r"^(?:(?:[^A-Za-z]|\bpts\b|\bKB\b)*|[0-9a-f]{64})$")
ADDRESS = re.compile(r"^[\w.+-]+@[\w.-]+$")
CODE = re.compile(r"^\d[A-Z](-\d+)?$")  # a priority's or a measure's code: 1A, 1A-3


class TextNodes(HTMLParser):
    """The text a reader sees (and hears: titles of charts, hidden labels), each with the language it is
    marked as; nothing of scripts or styles."""

    VOID = {"br", "input", "meta", "link", "img", "hr", "circle", "rect", "line", "polyline", "source"}

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, str | None]] = []
        self.nodes: list[tuple[str, str | None]] = []
        self.html_lang: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if tag not in self.VOID:
            self.open.append((tag, attrs.get("lang")))

    def handle_endtag(self, tag):
        while self.open and self.open.pop()[0] != tag:
            pass

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not any(tag in ("script", "style") for tag, _ in self.open):
            marked = [lang for _, lang in self.open if lang]
            self.nodes.append((text, marked[-1] if marked else None))


def read(client, path: str, language: str) -> TextNodes:
    response = client.get(path, headers={"Accept-Language": language})
    assert response.status_code == 200, path
    page = TextNodes()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.fixture(scope="module")
def data_names(app):
    """What the database names in English and the pages show as it is: offices and Local Districts."""
    with app.app_context():
        names = set(db.session.scalars(select(Office.name))) | set(db.session.scalars(select(Region.name)))
        db.session.remove()
    return names


def untranslated(english: TextNodes, spanish: TextNodes, data: set[str]) -> list[str]:
    said_in_english = {text for text, _ in english.nodes}
    return sorted({text for text, lang in spanish.nodes
                   if lang != "en" and text in said_in_english and text not in SAME_IN_BOTH and text not in data
                   and not FIGURE.match(text) and not ADDRESS.match(text) and not CODE.match(text)})


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_a_family_reads_each_public_page_in_spanish_with_nothing_left_in_english(client, data_names, path):
    english, spanish = read(client, path, "en-US,en;q=0.9"), read(client, path, "es-MX,es;q=0.9")
    assert (english.html_lang, spanish.html_lang) == ("en", "es")
    assert untranslated(english, spanish, data_names) == []
    # The plan's words no one has translated are there, in English and marked so.
    assert all(lang in (None, "en", "es") for _, lang in spanish.nodes)


def test_the_progress_page_in_spanish_names_the_goals_and_writes_figures_the_spanish_way(client):
    page = read(client, "/progress", "es")
    texts = [text for text, _ in page.nodes]
    assert "Progreso del Plan Estratégico" in " ".join(texts)
    assert "Lectoescritura" in texts and "Todos los estudiantes" in texts
    assert any(re.fullmatch(r"−?\d{1,3}(\.\d{3})*,\d", text) for text in texts)  # 68,2 and −12,3
    assert not any(re.fullmatch(r"−?\d+\.\d", text) for text in texts)


def test_figures_and_dates_follow_the_language_and_english_is_unchanged(app):
    with app.test_request_context():
        with force_locale("en"):
            assert formatting.number(12345.64) == "12,345.6"
            assert formatting.result(-3.25, "percent") == "\u22123.2%"
            assert formatting.measure_value(2_500_000, "dollars") == "$2.5 million"
            assert formatting.long_date(date(2023, 3, 7)) == "7 March 2023"
        with force_locale("es"):
            assert formatting.number(12345.64) == "12.345,6"
            assert formatting.result(-3.25, "percent") == "\u22123,2\u00a0%"
            assert formatting.measure_value(2_500_000, "dollars") == "$2,5 millones"
            assert formatting.long_date(date(2023, 3, 7)) == "7 de marzo de 2023"
            assert formatting.short_date(date(2023, 3, 7)) == "7 mar 2023"


@pytest.mark.parametrize(("accept", "lang"), [("es", "es"), ("es-MX,es;q=0.9,en;q=0.5", "es"),
                                              ("en-GB,en;q=0.9,es;q=0.5", "en"), ("fr-FR,fr;q=0.9", "en"), ("", "en")])
def test_the_browser_s_language_is_the_default(client, accept, lang):
    assert read(client, "/progress", accept).html_lang == lang


def switch(client, language: str, page: str = "/progress"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post("/language", data={"language": language, "next": page, "csrf_token": token})


def test_a_visitor_s_choice_outlasts_the_browser_s_language_and_returns_to_the_page(client):
    answer = switch(client, "es", "/scorecard?year=2023-24")
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/scorecard?year=2023-24")
    page = read(client, "/plan", "en-US")
    assert page.html_lang == "es"
    assert ("English", "en") in page.nodes  # the switch offers the way back, named in its own language
    switch(client, "en")
    assert read(client, "/plan", "es").html_lang == "en"


def test_the_switch_is_on_every_page_and_refuses_what_it_cannot_use(client, login_as):
    for path in ("/progress", "/login"):
        assert 'action="/language"' in client.get(path).get_data(as_text=True)
    token = csrf_from(client.get("/progress").get_data(as_text=True))
    refused = client.post("/language", data={"language": "xx", "next": "https://elsewhere.example/",
                                              "csrf_token": token})
    assert refused.status_code == 303 and refused.headers["Location"] == "/"
    assert read(client, "/progress", "en").html_lang == "en"
    assert client.post("/language", data={"language": "es"}).status_code == 400  # no CSRF token
    login_as(Role.central_office)
    assert 'action="/language"' in client.get("/home").get_data(as_text=True)


def test_a_person_s_choice_is_kept_from_one_sign_in_to_the_next(app, client, auth, login_as):
    email = ROLE_EMAILS[Role.principal]
    try:
        login_as(Role.principal)
        switch(client, "es", "/home")
        assert read(client, "/home", "en").html_lang == "es"
        auth.logout()
        with app.app_context():
            assert db.session.scalar(select(User.language).where(User.email == email)) == "es"
        fresh = app.test_client()  # another browser, which asks for English
        login = fresh.get("/login")
        fresh.post("/login", data={"email": email, "password": "test-demo-password", "csrf_token":
                                   csrf_from(login.get_data(as_text=True))})
        page = read(fresh, "/home", "en-US,en")
        assert page.html_lang == "es" and "Cerrar sesión" in [text for text, _ in page.nodes]
    finally:
        with app.app_context():
            db.session.execute(db.update(User).where(User.email == email).values(language=None))
            db.session.commit()


def test_every_page_without_arguments_says_its_language(app, client, login_as):
    login_as(Role.admin)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.endpoint in ("static", "main.healthz", "main.favicon"):
            continue
        response = client.get(rule.rule, headers={"Accept-Language": "es"})
        if response.status_code == 200 and response.mimetype == "text/html" and b"<html" in response.data:
            assert b'<html lang="es">' in response.data, rule.rule


def test_an_e_mail_to_someone_who_reads_spanish_greets_them_in_spanish(ctx, factories, mailbox):
    person = factories.principal(factories.school())
    person.language = "es"
    notify([person], "plan_returned", "Your plan came back", "Your plan was returned.", "/targets/plan",
           comment="Raise the grade 3 target.")
    db.session.commit()
    assert deliver_all().sent == 1
    [message] = mailbox.to(person.email)
    text, html = body(message), body(message, "html")
    assert f"Hola, {person.name}:" in text and "Su comentario:" in text
    assert "Elija qué mensajes recibe y con qué frecuencia" in text
    assert '<html lang="es">' in html and "Abrirlo en el portal" in html
    assert message["Subject"] == "Your plan came back"  # written by whatever raised it, in English


def test_an_e_mail_to_someone_who_has_not_chosen_is_in_english(ctx, factories, mailbox):
    person = factories.principal(factories.school())
    notify([person], "plan_returned", "Your plan came back", "Your plan was returned.", "/targets/plan")
    db.session.commit()
    assert deliver_all().sent == 1
    [message] = mailbox.to(person.email)
    assert f"Hello {person.name}," in body(message) and '<html lang="en">' in body(message, "html")
