"""The header's search: schools, initiatives, Measures of Success and priorities by name or code, each
kind only for the people who may open its page, and within it only the records they may open. Every
link a search gives opens for the person who searched; bad input gets a clear page, never an error;
and a search runs a fixed number of statements, however many records it finds."""
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import School, User
from portal.progress.models import Initiative
from portal.search.queries import MAX_LENGTH, PAGE_LIMIT, SUGGEST_LIMIT, Query
from portal.search.text import LATIN_FROM, LATIN_TO, fold
from tests.conftest import ROLE_EMAILS
from tests.test_query_counts import counting

HIT = re.compile(r'<a href="(/[^"]+)"><span class="search-hit__code">([^<]*)</span>')


@pytest.fixture(scope="module")
def places(app):
    """The principal's school, another school in the same Local District (Central, the demo
    leader's) and one in another, and the Division of Instruction's tutoring plan."""
    with app.app_context():
        principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        own = principal.school
        neighbour = db.session.scalar(select(School).where(School.region_id == own.region_id, School.id != own.id)
                                      .order_by(School.id))
        elsewhere = db.session.scalar(select(School).where(School.region_id != own.region_id).order_by(School.id))
        tutoring = db.session.scalar(select(Initiative).where(Initiative.code == "tutoring"))
        facts = {"own": (own.id, own.code, own.name), "neighbour": (neighbour.id, neighbour.code, neighbour.name),
                 "elsewhere": (elsewhere.id, elsewhere.code, elsewhere.name),
                 "tutoring": (tutoring.id, tutoring.name)}
        db.session.remove()
    return facts


def found(client, q: str, htmx: bool = False) -> tuple[str, list[tuple[str, str]]]:
    response = client.get("/search", query_string={"q": q}, headers={"HX-Request": "true"} if htmx else {})
    assert response.status_code == 200, (q, response.status_code)
    html = response.get_data(as_text=True)
    if not htmx:  # the page's own part: the header names the person's school
        html = html.split('<main id="main"', 1)[1]
    return html, HIT.findall(html)


def links(hits) -> set[str]:
    return {href for href, _ in hits}


# ---------------------------------------------------------------- what each role finds

def test_a_principal_finds_their_own_school_by_name_or_code_and_no_other(client, login_as, places):
    login_as(Role.principal)
    school_id, code, name = places["own"]
    for typed in (code, name, name.upper(), name.split()[0].lower()):
        _, hits = found(client, typed)
        assert f"/schools/{school_id}" in links(hits), typed
    for other in ("neighbour", "elsewhere"):
        other_id, other_code, other_name = places[other]
        html, hits = found(client, other_code)
        assert not any(href.startswith("/schools/") for href in links(hits)), other
        assert other_name not in html


def test_a_regional_leader_finds_the_regions_schools_and_none_beyond_it(client, login_as, places):
    login_as(Role.regional_leader)
    for mine in ("own", "neighbour"):
        school_id, code, _ = places[mine]
        _, hits = found(client, code)
        assert f"/schools/{school_id}" in links(hits)
    other_id, other_code, other_name = places["elsewhere"]
    html, hits = found(client, other_code)
    assert f"/schools/{other_id}" not in links(hits) and other_name not in html
    _, hits = found(client, "elementary")
    assert hits and f"/schools/{other_id}" not in links(hits)


def test_initiatives_are_found_only_by_the_roles_that_read_action_plans(client, login_as, auth, places):
    initiative_id, name = places["tutoring"]
    for role in Role:
        login_as(role)
        html, hits = found(client, "tutoring")
        readers = {Role.central_office, Role.superintendent, Role.admin}
        assert (f"/initiatives/{initiative_id}" in links(hits)) == (role in readers), role
        assert ("Initiatives" in html) == (role in readers), role
        auth.logout()


def test_a_central_office_finds_no_school_since_it_opens_no_school_page(client, login_as, places):
    login_as(Role.central_office)
    _, code, name = places["own"]
    for typed in (code, name):
        html, hits = found(client, typed)
        assert not any(href.startswith("/schools/") for href in links(hits))
        assert "Schools" not in html


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_everyone_finds_a_priority_and_its_measures_by_code(client, login_as, role):
    login_as(role)
    html, hits = found(client, "1a")
    assert ("/plan/priorities/1A", "1A") in hits
    assert ("/measures/1A-1", "1A-1") in hits
    assert hits[0][1].upper().startswith("1A")
    _, hits = found(client, "1A-2")
    assert hits[0] == ("/measures/1A-2", "1A-2")


def test_a_code_typed_in_full_comes_before_a_name_that_merely_holds_it(app, client, login_as, factories):
    with app.app_context():
        made = factories.initiative(name="Saturday Academies f71a4a", priority="2B")
        initiative_id = made.id
    login_as(Role.superintendent)
    html, hits = found(client, "1a")
    assert f"/initiatives/{initiative_id}" in links(hits)  # it is found: its name holds "1a"
    assert hits[0] == ("/plan/priorities/1A", "1A")  # but the priority whose code it is leads
    assert html.index("Priorities") < html.index("Initiatives")
    _, hits = found(client, "academies")
    assert hits[0][0] == f"/initiatives/{initiative_id}"  # kinds keep their order when no code is typed


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_link_a_search_gives_opens_for_the_person_who_searched(client, login_as, role):
    login_as(role)
    seen = set()
    for typed in ("a", "e", "1", "2", "tutoring", "school"):
        _, hits = found(client, typed)
        seen |= links(hits)
    assert seen
    refused = {href: client.get(href).status_code for href in sorted(seen)}
    assert {href: status for href, status in refused.items() if status != 200} == {}


def test_the_header_list_is_short_and_leads_to_the_full_page(client, login_as):
    login_as(Role.superintendent)
    html, hits = found(client, "elementary", htmx=True)
    assert "<html" not in html and "site-search__panel" in html
    assert 0 < len([h for h in hits if h[0].startswith("/schools/")]) <= SUGGEST_LIMIT
    assert 'href="/search?q=elementary"' in html
    assert re.search(r'id="site-search-status" hx-swap-oob="innerHTML">[\d,]+ results for ‘elementary’', html)
    page, page_hits = found(client, "elementary")
    assert len([h for h in page_hits if h[0].startswith("/schools/")]) == PAGE_LIMIT
    assert re.search(r"Showing the first 20 of [\d,]+", page)


def test_every_signed_in_page_has_the_search_box_and_the_log_in_page_has_none(client, login_as):
    assert 'id="site-search-q"' not in client.get("/login").get_data(as_text=True)
    assert client.get("/search?q=x").status_code == 302
    login_as(Role.board)
    for path in ("/home", "/scorecard", "/plan", "/search"):
        html = client.get(path).get_data(as_text=True)
        assert 'action="/search"' in html and 'id="site-search-q"' in html, path
    assert 'value="Barton"' in client.get("/search?q=Barton").get_data(as_text=True)


# ---------------------------------------------------------------- words, case and accents

def made_school(app, factories, name: str) -> int:
    with app.app_context():
        return factories.school(name=name).id


def test_names_match_by_any_of_their_words_in_any_order_whatever_the_case_or_accents(app, client, login_as,
                                                                                     factories):
    school_id = made_school(app, factories, "Escuela José Martí Académie")
    login_as(Role.superintendent)
    for typed in ("jose marti", "MARTÍ JOSÉ", "academie", "Académie escuela", "ESCUELA"):
        _, hits = found(client, typed)
        assert f"/schools/{school_id}" in links(hits), typed
    _, hits = found(client, "jose garcia")
    assert f"/schools/{school_id}" not in links(hits)


def test_the_database_folds_as_python_does():
    assert fold("Élève ÇA Ñandú") == "eleve ca nandu"
    assert len(LATIN_FROM) == len(LATIN_TO) and "é" in LATIN_FROM and "É" in LATIN_FROM
    assert all(fold(a) == b for a, b in zip(LATIN_FROM, LATIN_TO, strict=True))


# ---------------------------------------------------------------- bad input

def test_sql_wildcards_are_letters_like_any_other(app, client, login_as, factories):
    percent = made_school(app, factories, "Hundred% Pathways Academy")
    underscore = made_school(app, factories, "Under_score Preparatory")
    login_as(Role.superintendent)
    _, hits = found(client, "%")
    assert {h for h in links(hits) if h.startswith("/schools/")} == {f"/schools/{percent}"}
    _, hits = found(client, "_")
    assert {h for h in links(hits) if h.startswith("/schools/")} == {f"/schools/{underscore}"}
    html, hits = found(client, "%%__%")
    assert hits == [] and "No school, initiative, measure or priority matches ‘%%__%’." in html


def test_nothing_found_says_so_with_the_query_and_an_empty_query_says_what_to_type(client, login_as):
    login_as(Role.principal)
    html, hits = found(client, "xyzzy")
    assert hits == [] and "No school, measure or priority matches ‘xyzzy’." in html
    html, hits = found(client, "   ")
    assert hits == [] and "Type a name or a code" in html and "priority's code (such as 1A)" in html
    html, _ = found(client, "<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    html, _ = found(client, "xyzzy", htmx=True)
    assert "No school, measure or priority matches ‘xyzzy’." in html


def test_a_very_long_query_is_cut_and_the_page_says_so(client, login_as):
    login_as(Role.regional_leader)
    html, _ = found(client, "Elementary " * 5_000)
    assert f"Only the first {MAX_LENGTH} characters were searched." in html


def test_control_characters_and_direction_marks_are_spaces(client, login_as):
    login_as(Role.superintendent)
    assert Query.parse("1A\x01\x1b\u202e\t").text == "1A"
    assert Query.parse("ele\u200fmentary").words == ["ele", "mentary"]
    _, hits = found(client, "\u202e1A\x07")
    assert ("/plan/priorities/1A", "1A") in hits
    html, hits = found(client, "\x01\x02\u200f")
    assert hits == [] and "That search held no letters or digits to look for." in html
    response = client.get("/search", query_string={"q": "a\x00b"})
    assert response.status_code == 400 and "Something in that request was not right" in response.get_data(as_text=True)


# ---------------------------------------------------------------- statements

@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_a_search_runs_one_statement_per_kind_whatever_it_finds(app, client, login_as, role):
    login_as(role)
    client.get("/home")
    counts = {}
    for typed in ("zzqqx", "e", "1A", "elementary school"):
        for htmx in (False, True):
            with counting(app) as counted:
                found(client, typed, htmx=htmx)
            counts[(typed, htmx)] = counted()
    # Loading the person and the plan in view (and the page's header its scope), then a statement per kind.
    assert max(counts.values()) <= 7, counts
    for htmx in (False, True):
        assert len({n for (_, h), n in counts.items() if h == htmx}) == 1, counts
