"""The central offices' check-ins and the Board updates in Spanish: an office, the superintendent's office, a
Board member and a regional leader each switch to Spanish and read the cycle board, the action plans, the
check-ins, the Board updates and the data review meetings with nothing left in English but the district's own
data (names of offices, schools, action plans and metrics, reporting periods, narratives: marked lang="en"),
figures and dates written the Spanish way, the pieces htmx swaps in, and a form's errors in Spanish too.

Each test signs in as a demo account and switches its language with the page's own form; the account's choice
is put back when the test ends. The demo's records are only read, or sent forms that are refused."""
import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School, User
from portal.progress.models import BoardUpdate, CheckIn, CheckInPeriod, Initiative, MetricValue, ProgressMetric
from portal.strategic_plan.models import BoardUpdateKind, Measure
from tests.conftest import ROLE_EMAILS, csrf_from
from tests.test_language import TextNodes, switch, untranslated

HX = {"HX-Request": "true"}
CODES = re.compile(r"^\d[A-Z](-\d+)?(, \d[A-Z](-\d+)?)+$")  # the measures an initiative moves: 1A-1, 1C-2
SPANISH_DAY = re.compile(r"\b\d{1,2} (?:ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) \d{4}\b")
ENGLISH_DAY = re.compile(r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{4}\b")
ENGLISH_THOUSANDS = re.compile(r"\b\d{1,3}(?:,\d{3})+\b")
# The value import's column names: a file's headings, the same in either language.
FILE_COLUMNS = {"measure", "subtarget", "year", "value", "as_of", "source", "note", "measure, subtarget, year, value, "
                "as_of, source, note"}


@pytest.fixture(scope="module")
def records(app):
    """The demo's action plans and check-ins by code, its Board updates, and what the database names in English
    and the pages show as it is (the district's data: offices, schools, people, plans, metrics, periods)."""
    with app.app_context():
        s = db.session
        plans = {i.code: i.id for i in s.scalars(select(Initiative))}
        latest = {}
        for check_in in s.scalars(select(CheckIn).order_by(CheckIn.period_end)):
            latest[check_in.initiative.code] = check_in.id
        published = s.scalar(select(BoardUpdate.id).where(BoardUpdate.published_at.is_not(None),
                                                          BoardUpdate.kind_code != "annual_report")
                             .order_by(BoardUpdate.meeting_date.desc()))
        draft = s.scalar(select(BoardUpdate.id).where(BoardUpdate.published_at.is_(None),
                                                      BoardUpdate.kind_code != "annual_report"))
        office_id = s.scalar(select(User.office_id).where(User.email == ROLE_EMAILS[Role.central_office]))
        own_measure = s.scalar(select(Measure.code).where(Measure.owner_office_id == office_id).order_by(Measure.code))
        annual = s.scalar(select(BoardUpdate.id).where(BoardUpdate.kind_code == "annual_report")
                          .order_by(BoardUpdate.published_at.is_not(None), BoardUpdate.meeting_date.desc()))
        names = set(FILE_COLUMNS)
        for column in (Office.name, Region.name, School.name, School.code, User.name, Initiative.name,
                       Initiative.description, ProgressMetric.name, ProgressMetric.breakdown,
                       ProgressMetric.baseline_label, ProgressMetric.target_label, MetricValue.breakdown,
                       CheckIn.period, CheckIn.narrative,
                       CheckIn.sharing_attendees, CheckIn.sharing_notes, BoardUpdate.title):
            names |= {" ".join(str(v).split()) for v in s.scalars(select(column)) if v}
        # The kinds of Board update, as the create form offers them: the district's calendar, data in English.
        names |= {f"{kind.name} ({kind.season})" for kind in s.scalars(select(BoardUpdateKind))}
        s.remove()
    return {"plans": plans, "check_ins": latest, "published": published, "draft": draft, "names": names,
            "measure": own_measure, "annual": annual}


@pytest.fixture
def spanish(app, client, login_as):
    """spanish(role) signs in as the role's demo account; the account's language is put back afterwards."""
    signed_in = []

    def _sign_in(role: Role):
        login_as(role)
        signed_in.append(ROLE_EMAILS[role])
        return client

    yield _sign_in
    with app.app_context():
        db.session.execute(db.update(User).where(User.email.in_(signed_in)).values(language=None))
        db.session.commit()


class MainText(TextNodes):
    """The words of a page's own content (inside <main>; all of an htmx piece): the header and footer around
    it are checked with the public pages, and the charts' own words (portal/charts) are not this page's."""

    def __init__(self, whole: bool):
        super().__init__()
        self.whole = whole

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _ in self.open):  # a stray end tag closes nothing
            super().handle_endtag(tag)

    def handle_data(self, data):
        tags = [tag for tag, _ in self.open]
        if (self.whole or "main" in tags) and "svg" not in tags:
            super().handle_data(data)


def read(client, path: str, htmx: bool = False) -> tuple[TextNodes, str]:
    response = client.get(path, headers={"Accept-Language": "en", **(HX if htmx else {})})
    assert response.status_code == 200, path
    html = response.get_data(as_text=True)
    page = MainText(whole="<main" not in html)
    page.feed(html)
    return page, html


def english_left(client, paths: list[str], names: set[str], htmx: bool = False) -> dict[str, list[str]]:
    """Each page read in English, then in Spanish after the switch: what the Spanish page still says in
    English, by page (nothing, when all is well). The person stays in Spanish afterwards."""
    english = {path: read(client, path, htmx)[0] for path in paths}
    assert switch(client, "es", "/home").status_code == 303
    left = {}
    for path in paths:
        spanish, _html = read(client, path, htmx)
        if not htmx:
            assert spanish.html_lang == "es", path
        left[path] = [text for text in untranslated(english[path], spanish, names) if not CODES.match(text)]
    return {path: words for path, words in left.items() if words}


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def own_words(page: TextNodes) -> str:
    """What the page says in its own language: everything but the data marked as English."""
    return " ".join(text for text, lang in page.nodes if lang != "en")


# ---------------------------------------------------------------- the pages, each by the role that uses it

def test_an_office_reads_the_cycle_its_action_plan_and_its_check_in_in_spanish(spanish, records):
    client = spanish(Role.central_office)
    tutoring = records["plans"]["tutoring"]
    paths = ["/cycle", f"/initiatives/{tutoring}", f"/check-ins/{records['check_ins']['tutoring']}",
             f"/check-ins/{records['check_ins']['iattend']}", "/initiatives/new", f"/initiatives/{tutoring}/edit",
             f"/initiatives/{records['plans']['greening']}"]
    assert english_left(client, paths, records["names"]) == {}


def test_the_superintendents_office_reads_the_cycle_check_ins_and_board_updates_in_spanish(spanish, records):
    client = spanish(Role.superintendent)
    paths = ["/cycle", *(f"/check-ins/{records['check_ins'][code]}" for code in
                         ("greening", "iattend", "connectivity", "seni_staffing")),
             "/board-updates", f"/board-updates/{records['published']}", f"/board-updates/{records['draft']}",
             "/data-reviews"]
    assert english_left(client, paths, records["names"]) == {}


@pytest.mark.parametrize("role", [Role.board, Role.regional_leader], ids=lambda r: r.value)
def test_board_members_and_regional_leaders_read_their_pages_in_spanish(spanish, records, role):
    client = spanish(role)
    paths = ["/data-reviews"] if role == Role.regional_leader else \
        ["/board-updates", f"/board-updates/{records['published']}"]
    assert english_left(client, paths, records["names"]) == {}


def test_an_office_reads_a_measure_of_success_and_its_import_page_in_spanish(spanish, records):
    assert records["measure"], "the demo's central office keeps a Measure of Success"
    client = spanish(Role.central_office)
    paths = [f"/measures/{records['measure']}", "/measures/1A-1", "/measures/import"]
    assert english_left(client, paths, records["names"]) == {}
    assert english_left(client, [f"/measures/{records['measure']}?year=2023-24"], records["names"], htmx=True) == {}


def test_the_superintendent_reads_the_annual_reports_in_spanish(spanish, records):
    client = spanish(Role.superintendent)
    paths = ["/annual-reports"] + ([f"/annual-reports/{records['annual']}"] if records["annual"] else [])
    assert english_left(client, paths, records["names"]) == {}


def test_a_measure_s_value_form_says_why_in_spanish(spanish, records):
    client = spanish(Role.central_office)
    switch(client, "es", "/home")
    page = f"/measures/{records['measure']}"
    answer = post(client, f"{page}/values", {"version": "0", "year": "", "value": "", "as_of": ""}, page)
    assert answer.status_code == 422
    text = words(answer.get_data(as_text=True))
    assert "Elija el ciclo escolar al que corresponde el valor." in text and "Escriba el valor, como 62.5." in text
    assert "Choose the school year" not in text


def test_the_pieces_htmx_swaps_in_are_in_spanish(spanish, records):
    client = spanish(Role.superintendent)
    paths = ["/cycle?status=on_track", "/cycle?pillar=9", "/data-reviews?tier=2",
             f"/board-updates/{records['draft']}"]
    assert english_left(client, paths, records["names"], htmx=True) == {}
    _page, partial = read(client, "/cycle?status=on_track", htmx=True)
    assert "<html" not in partial and "planes de acción" in words(partial)


def test_the_office_s_priority_choice_brings_its_measures_in_spanish(spanish, records):
    client = spanish(Role.central_office)
    assert english_left(client, ["/initiatives/new?priority=1C"], records["names"], htmx=True) == {}
    _page, partial = read(client, "/initiatives/new?priority=1C", htmx=True)
    assert "Marque aquellas en las que influye este plan de acción." in words(partial)


# ---------------------------------------------------------------- figures and dates

def test_figures_and_dates_are_written_the_spanish_way(spanish, records):
    client = spanish(Role.central_office)
    switch(client, "es", "/home")
    plan, _html = read(client, f"/initiatives/{records['plans']['tutoring']}")
    texts = [text for text, _ in plan.nodes]
    assert "19.613" in texts and "31.177" in texts
    assert not any(ENGLISH_THOUSANDS.fullmatch(text) for text in texts)
    assert SPANISH_DAY.search(own_words(plan)) and not ENGLISH_DAY.search(own_words(plan))
    greening, _html = read(client, f"/initiatives/{records['plans']['greening']}")
    assert "$11.894.670" in [text for text, _ in greening.nodes]
    check_in, _html = read(client, f"/check-ins/{records['check_ins']['iattend']}")
    assert SPANISH_DAY.search(own_words(check_in)) and not ENGLISH_DAY.search(own_words(check_in))
    iattend, _html = read(client, f"/initiatives/{records['plans']['iattend']}")
    assert "39,9 %" in [text for text, _ in iattend.nodes] and "39.9%" not in own_words(iattend)


def test_a_board_report_in_spanish_dates_its_meeting_and_writes_its_figures(spanish, records):
    client = spanish(Role.board)
    switch(client, "es", "/home")
    report, _html = read(client, f"/board-updates/{records['published']}")
    text = own_words(report)
    assert re.search(r"Sesión de la Junta del \d{1,2} de [a-z]+ de \d{4}", text)
    assert "Publicado el" in text and not ENGLISH_DAY.search(text)
    assert not ENGLISH_THOUSANDS.search(text)


# ---------------------------------------------------------------- a form's errors

def post(client, path: str, data: dict, page: str):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_an_office_s_refused_forms_say_why_in_spanish(spanish, records):
    client = spanish(Role.central_office)
    switch(client, "es", "/home")
    tutoring = records["plans"]["tutoring"]
    answer = post(client, f"/initiatives/{tutoring}/check-ins", {"period": "", "period_end": ""},
                  f"/initiatives/{tutoring}")
    assert answer.status_code == 422
    text = words(answer.get_data(as_text=True))
    assert "Póngale nombre al periodo de informe, por ejemplo «Primavera 2024»." in text
    assert "Hay un problema" in text and "Name the reporting period" not in text
    answer = post(client, "/initiatives/new", {"name": "", "priority": "", "description": ""}, "/initiatives/new")
    text = words(answer.get_data(as_text=True))
    assert answer.status_code == 422
    assert "Póngale un nombre al plan de acción." in text and "Elija la Prioridad a la que sirve" in text
    check_in = records["check_ins"]["tutoring"]
    page = client.get(f"/check-ins/{check_in}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    answer = post(client, f"/check-ins/{check_in}/sharing", {"version": version, "sharing_date": "2024-03-01",
                                                             "sharing_attendees": ""}, f"/check-ins/{check_in}")
    assert answer.status_code == 422
    assert "Indique quiénes asistieron." in words(answer.get_data(as_text=True))
    answer = post(client, f"/check-ins/{check_in}/sharing", {"sharing_date": "2024-03-01"}, f"/check-ins/{check_in}")
    assert "Este formulario no indicó qué versión del seguimiento vio usted." in words(answer.get_data(as_text=True))


def test_the_superintendents_refused_forms_say_why_in_spanish(spanish, records):
    client = spanish(Role.superintendent)
    switch(client, "es", "/home")
    answer = post(client, "/board-updates", {"kind": "", "school_year": "", "meeting_date": "", "title": ""},
                  "/board-updates")
    assert answer.status_code == 422
    text = words(answer.get_data(as_text=True))
    assert "Elija el tipo de informe." in text and "Escriba el ciclo escolar." in text
    assert "Escriba la fecha de la sesión de la Junta." in text and "Choose the kind" not in text
    answer = post(client, "/data-reviews", {"held_on": "", "schools": ""}, "/data-reviews")
    assert answer.status_code == 422
    text = words(answer.get_data(as_text=True))
    assert "Escriba la fecha en que se realizó la reunión." in text
    assert "Escriba los códigos de las escuelas que participaron." in text
    answer = post(client, f"/board-updates/{records['draft']}/publish", {}, f"/board-updates/{records['draft']}")
    assert answer.status_code == 422
    assert "Este formulario no indicó qué versión vio usted." in words(answer.get_data(as_text=True))


def test_english_is_unchanged_for_someone_who_has_not_chosen(client, login_as, records):
    login_as(Role.superintendent)
    _page, html = read(client, f"/check-ins/{records['check_ins']['iattend']}")
    text = words(html)
    assert "Sent back to Pupil Services and Attendance" in text and "Period ends" in text
    assert ENGLISH_DAY.search(text) and "Stage" in text


def test_the_check_in_calendar_refuses_a_bad_period_in_spanish(spanish, app):
    """The calendar's own refusals, each at its field, then a period check-ins already report on."""
    client = spanish(Role.superintendent)
    switch(client, "es", "/home")
    answer = post(client, "/check-in-calendar", {"name": "", "opens_on": "2025-05-30", "due_on": "2025-03-01"},
                  "/check-in-calendar")
    assert answer.status_code == 422
    text = words(answer.get_data(as_text=True))
    assert "Póngale nombre al periodo, por ejemplo «Mitad de año 2024-25»." in text
    assert "El último día debe ser posterior al día en que se abre el periodo (30 de mayo de 2025)." in text
    answer = post(client, "/check-in-calendar", {"name": "Spring 2025", "opens_on": "", "due_on": ""},
                  "/check-in-calendar")
    text = words(answer.get_data(as_text=True))
    assert "Escriba el último día del periodo, cuando vencen sus seguimientos." in text
    with app.app_context():
        fall = db.session.scalar(select(CheckInPeriod).where(CheckInPeriod.name == "Fall 2024"))
        fall_id, count = fall.id, db.session.scalar(select(func.count()).select_from(CheckIn)
                                                    .where(CheckIn.period == "Fall 2024"))
    answer = post(client, f"/check-in-calendar/{fall_id}/remove", {}, "/check-in-calendar")
    assert answer.status_code == 409
    assert (f"Fall 2024 se queda en el calendario: ya hay {count} seguimientos que informan sobre él."
            in words(answer.get_data(as_text=True)))
