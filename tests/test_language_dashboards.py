"""The dashboards, search and administration in Spanish: each person who uses them chooses Spanish with
the switch in the header and reads the district's, a region's, a school's and an office's dashboard, the
search and the people and import pages with nothing left in English but names (schools, offices, Local
Districts, action plans, people) and the plan's untranslated words (marked lang="en"); figures and dates
are written the Spanish way, the parts htmx loads are Spanish too, and a refused form says why in Spanish."""
import html
import io
import re

import pytest
from sqlalchemy import select, update

from portal.extensions import db
from portal.kernel import privacy
from portal.kernel.policy import ROLE_TITLES, Role
from portal.org.models import Office, Region, School, User
from portal.progress.models import CheckIn, Initiative
from portal.strategic_plan.models import Measure
from portal.targets.models import TargetCycle
from tests.conftest import ROLE_EMAILS, csrf_from
from tests.test_language import TextNodes, switch, untranslated

HTMX = {"HX-Request": "true"}
# Words drawn by pieces other pages share and that are translated with those pages, not here: an action
# plan's status tag and the small-group marker (templates of the check-ins and of the small-group rule),
# and the person's role in the header.
SHARED_ELSEWHERE = {"At risk", "Off track", "No status yet", "small group", privacy.SMALL_NOTE,
                    f": {privacy.SMALL_NOTE}", "Notifications", "Previous", "Next", *ROLE_TITLES.values()}
SAME_IN_SPANISH = {"No"}
PAGE_OF = re.compile(r"Page \d+ of \d+")  # the pager, shared with other lists
WHEN = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")  # a time stamp
COLUMNS = re.compile(r"[a-z_]+(, [a-z_]+)+")  # a file's column names
DECIMAL_COMMA = re.compile(r"[+−]?\d{1,3}(\.\d{3})*,\d")
DECIMAL_POINT = re.compile(r"[+−]?\d+\.\d(%| pts)?")
SPANISH_DATE = re.compile(r"\b\d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic)\.? \d{4}\b")


@pytest.fixture(scope="module")
def names(app):
    """What the database names and the pages show as it is: schools, offices, Local Districts, action plans
    and their codes, check-ins' periods, measures, people and cycles."""
    with app.app_context():
        found: set[str] = set()
        for column in (Office.name, Region.name, Region.short_name, School.name, Initiative.name, Initiative.code,
                       CheckIn.period, Measure.text, User.name, TargetCycle.name):
            found |= set(db.session.scalars(select(column)))
        db.session.remove()
    return found


@pytest.fixture(scope="module")
def places(app):
    """A Local District, one of its schools and an office with action plans, from the demo district."""
    with app.app_context():
        region = db.session.scalar(select(Region).order_by(Region.name).limit(1))
        school = db.session.scalar(select(School).where(School.region_id == region.id).order_by(School.id).limit(1))
        office = db.session.scalar(select(Office).join(Initiative, Initiative.office_id == Office.id)
                                   .order_by(Office.name).limit(1))
        central = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.central_office]))
        found = {"region": region.code, "school": school.id, "office": office.code,
                 "own_office": central.office.code if central and central.office else office.code}
        db.session.remove()
    return found


@pytest.fixture
def in_spanish(app, client, login_as):
    """Signs in as `role`, reads `paths` in English, chooses Spanish with the switch, reads them again:
    {path: (English page, Spanish page)}. The person's choice is undone after the test."""
    chosen: list[str] = []

    def _read(role: Role, paths: list[str], htmx: tuple[str, ...] = ()):
        login_as(role)
        chosen.append(ROLE_EMAILS[role])
        asked = [(path, None) for path in paths] + [(path, HTMX) for path in htmx]
        english = [parsed(client, path, headers) for path, headers in asked]
        answer = switch(client, "es", "/home")
        assert answer.status_code == 303
        return {("htmx " if headers else "") + path: (before, parsed(client, path, headers))
                for (path, headers), before in zip(asked, english, strict=True)}

    yield _read
    with app.app_context():
        db.session.execute(update(User).where(User.email.in_(chosen)).values(language=None))
        db.session.commit()


def parsed(client, path: str, headers: dict | None) -> TextNodes:
    response = client.get(path, headers={"Accept-Language": "en", **(headers or {})})
    assert response.status_code == 200, path
    page = TextNodes()
    page.feed(response.get_data(as_text=True))
    return page


def left_in_english(pages: dict, names: set[str]) -> dict:
    return {path: found for path, (english, spanish) in pages.items()
            if (found := [text for text in untranslated(english, spanish, names) if not shared(text, names)])}


def assert_spanish(pages: dict, names: set[str]) -> None:
    left = left_in_english(pages, names)
    assert not left, "\n".join(f"{path}: {texts}" for path, texts in left.items())


def shared(text: str, names: set[str]) -> bool:
    """Said by a piece other pages share, or the header's 'Role · scope' (a role's title and a name)."""
    role, _, scope = text.partition(" · ")
    return (text in SHARED_ELSEWHERE | SAME_IN_SPANISH or any(rule.fullmatch(text) for rule in (PAGE_OF, WHEN, COLUMNS))
            or (role in ROLE_TITLES.values() and scope in names | {"District"}))


def texts(page: TextNodes) -> list[str]:
    return [text for text, _ in page.nodes]


def test_the_superintendent_reads_every_dashboard_in_spanish(in_spanish, names, places):
    district, region = "/dashboard/", f"/dashboard/regions/{places['region']}"
    school, offices = f"/dashboard/schools/{places['school']}", "/dashboard/offices"
    office = f"/dashboard/offices/{places['office']}"
    narrowed = f"/dashboard/?goal=sel&level=middle&group=el&region={places['region']}"
    pages = in_spanish(Role.superintendent, [district, region, school, offices, office, narrowed])
    assert_spanish(pages, names)
    assert all(spanish.html_lang == "es" for _, spanish in pages.values())
    words = " ".join(texts(pages[district][1]))
    assert "Panel de datos del distrito" in words and "Si cada escuela cumple la meta que presentó" in words
    assert DECIMAL_COMMA.search(words) and SPANISH_DATE.search(words)
    assert not any(DECIMAL_POINT.fullmatch(text) for text in texts(pages[district][1]))
    assert "nivel secundaria" in " ".join(texts(pages[narrowed][1])).lower()
    assert "Lo que está pendiente" in texts(pages[office][1])


def test_the_parts_htmx_loads_are_spanish_too(in_spanish, names, places):
    body = f"/dashboard/regions/{places['region']}?goal=literacy&group=all"
    office = f"/dashboard/offices/{places['office']}?pillar=1"
    suggest = "/search?q=a"
    pages = in_spanish(Role.superintendent, [], htmx=(body, office, suggest))
    assert_spanish(pages, names)
    assert any(text.startswith("Mostrando") for text in texts(pages["htmx " + body][1]))
    assert any("resultado" in text for text in texts(pages["htmx " + suggest][1]))


def test_a_principal_reads_their_school_s_dashboard_in_spanish(in_spanish, names):
    pages = in_spanish(Role.principal, ["/my-school"])
    assert_spanish(pages, names)
    words = " ".join(texts(pages["/my-school"][1]))
    assert "Nivel y grados" in words and SPANISH_DATE.search(words)


def test_an_office_reads_its_own_dashboard_in_spanish(in_spanish, names, places):
    path = f"/dashboard/offices/{places['own_office']}"
    pages = in_spanish(Role.central_office, [path])
    assert_spanish(pages, names)
    assert "Planes de acción en el ciclo de monitoreo del progreso" in texts(pages[path][1])


def test_search_reads_in_spanish_found_or_not(in_spanish, names):
    paths = ["/search", "/search?q=reading", "/search?q=1A", "/search?q=zzzqqq", "/search?q=%21%21"]
    pages = in_spanish(Role.superintendent, paths)
    assert_spanish(pages, names)
    assert any(text.startswith("Ningún resultado") for text in texts(pages["/search?q=zzzqqq"][1]))


def test_an_administrator_reads_the_people_and_import_pages_in_spanish(app, in_spanish, names):
    with app.app_context():
        someone = db.session.scalar(select(User.id).where(User.email == ROLE_EMAILS[Role.principal]))
        db.session.remove()
    paths = ["/admin/users", "/admin/users?role=principal", "/admin/users/new", f"/admin/users/{someone}",
             "/admin/imports"]
    pages = in_spanish(Role.admin, paths, htmx=("/admin/users?q=principal",))
    assert_spanish(pages, names)
    heading = "Importar escuelas, líneas de base o personas desde un archivo CSV o Excel"
    assert heading in texts(pages["/admin/imports"][1])


def test_a_refused_form_says_why_in_spanish(client, in_spanish):
    in_spanish(Role.admin, ["/admin/users/new"])
    token = csrf_from(client.get("/admin/users/new").get_data(as_text=True))
    refused = client.post("/admin/users/new", data={"email": "", "name": "", "role": "principal",
                                                    "csrf_token": token})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Escriba una dirección de correo electrónico." in page and "Escriba el nombre de la persona." in page
    token = csrf_from(client.get("/admin/imports").get_data(as_text=True))
    refused = client.post("/admin/imports", data={"kind": "schools", "csrf_token": token})
    assert refused.status_code == 422
    assert "Elija un archivo CSV o Excel para importar." in refused.get_data(as_text=True)
    # A file the import cannot use says why in Spanish too.
    for upload, said in (((b"", "schools.csv"), "El archivo está vacío."),
                         ((b"name\nA\n", "schools.csv"), "Falta(n) la(s) columna(s):"),
                         ((b"\xff\xfe", "schools.csv"), "El archivo no es texto UTF-8."),
                         ((b"x", "schools.txt"), "Suba un archivo .csv o un libro de Excel .xlsx.")):
        token = csrf_from(client.get("/admin/imports").get_data(as_text=True))
        refused = client.post("/admin/imports", data={"kind": "schools", "csrf_token": token,
                                                      "file": (io.BytesIO(upload[0]), upload[1])},
                              content_type="multipart/form-data")
        assert said in html.unescape(refused.get_data(as_text=True)), said


def test_the_exports_stay_in_english_when_the_page_is_spanish(client, in_spanish, places):
    in_spanish(Role.superintendent, ["/dashboard/"])
    export = client.get("/dashboard/export?table=completeness&format=csv")
    assert export.status_code == 200 and "Region,Level,Plans" in export.get_data(as_text=True).splitlines()[0]
    due = client.get(f"/dashboard/offices/{places['office']}/export?table=due&format=csv")
    assert due.status_code == 200 and "What is due,Action plan or measure" in due.get_data(as_text=True).splitlines()[0]
