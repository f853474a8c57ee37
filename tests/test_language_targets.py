"""The target workflow in Spanish: a principal who reads Spanish sets the school's targets, a regional
leader reviews them and an administrator opens the cycles, each with nothing left in English but the
data (school, person and cycle names, people's comments) and the plan's untranslated words (marked
lang="en"); figures and dates are written the Spanish way, and a form's errors come back in Spanish."""
import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School, User
from portal.targets.models import PlanStatus, Target, TargetCycle, TargetPlan, WindowExtension
from tests.conftest import csrf_from
from tests.test_language import TextNodes, untranslated

# Symbols that read the same in both languages: a count of students, the time zone.
SYMBOL = re.compile(r"^(?:.*, )?n = \d+$|^UTC$")


class PageNodes(TextNodes):
    """The text of the page's own content and its title (the header and footer are checked elsewhere),
    but not what is code in any language: a file's column or a metric's code."""

    def __init__(self, partial: bool):
        super().__init__()
        self.partial = partial  # a part of a page (htmx): all of it is the page's content

    def handle_data(self, data):
        tags = [tag for tag, _ in self.open]
        if (self.partial or any(tag in ("main", "title") for tag in tags)) and "code" not in tags:
            super().handle_data(data)


def nodes(html: str) -> PageNodes:
    page = PageNodes(partial="<html" not in html)
    page.feed(html)
    return page


def speak(client, language: str) -> None:
    """The person chooses a language with the switch in the header."""
    token = csrf_from(client.get("/home").get_data(as_text=True))
    answer = client.post("/language", data={"language": language, "next": "/home", "csrf_token": token})
    assert answer.status_code == 303


def data_words(app) -> set[str]:
    """What the database holds and the pages show as it is: names, codes, comments, reasons."""
    with app.app_context():
        s = db.session
        words = (set(s.scalars(select(School.name))) | set(s.scalars(select(School.code)))
                 | set(s.scalars(select(Region.name))) | set(s.scalars(select(Region.short_name)))
                 | set(s.scalars(select(Office.name))) | set(s.scalars(select(User.name)))
                 | set(s.scalars(select(TargetCycle.name))) | set(s.scalars(select(WindowExtension.reason)))
                 | set(s.scalars(select(AuditEvent.comment).where(AuditEvent.entity == "target_plan")))
                 | set(s.scalars(select(Target.rationale))))
        db.session.remove()
    return {" ".join(str(w).split()) for w in words if w}


def left_in_english(app, english_html: str, spanish_html: str) -> list[str]:
    english, spanish = nodes(english_html), nodes(spanish_html)
    assert spanish.partial or spanish.html_lang == "es"
    return [text for text in untranslated(english, spanish, data_words(app)) if not SYMBOL.match(text)]


def read_both(app, client, path: str, status: int = 200, **kwargs) -> tuple[str, str]:
    """The page in English and in Spanish, as the signed-in person reads it."""
    pages = []
    for language in ("en", "es"):
        speak(client, language)
        response = client.get(path, **kwargs)
        assert response.status_code == status, (path, language)
        pages.append(response.get_data(as_text=True))
    return pages[0], pages[1]


def post_both(app, client, path: str, form: dict, status: int, token_from: str, **kwargs) -> tuple[str, str]:
    """The same refused POST in English and in Spanish (nothing is saved, so both answer the same state)."""
    pages = []
    for language in ("en", "es"):
        speak(client, language)
        token = csrf_from(client.get(token_from).get_data(as_text=True))
        response = client.post(path, data={**form, "csrf_token": token}, **kwargs)
        assert response.status_code == status, (path, language, response.status_code)
        pages.append(response.get_data(as_text=True))
    return pages[0], pages[1]


def texts(html: str) -> list[str]:
    return [text for text, lang in nodes(html).nodes if lang != "en"]


def spanish_figures(html: str) -> None:
    """Decimals with a comma, none with a point (outside what is marked as English)."""
    words = texts(re.sub(r"<svg.*?</svg>", "", html, flags=re.S))  # a chart's points are the chart's
    assert any(re.search(r"\d,\d", text) for text in words)
    assert not [text for text in words if re.search(r"(?<![\d.])\d+\.\d(?!\d*\.)", text)]


# ---------------------------------------------------------------- the principal

@pytest.fixture
def returned_plan(app, factories):
    """A school whose approved trajectory stands and whose plan for this year came back for revision."""
    with app.app_context():
        plan = factories.district_plan(factories.school(), PlanStatus.returned)
        made = plan.id, factories.principal(plan.school).email, factories.regional_leader(plan.school.region).email
        db.session.remove()
    return made


@pytest.fixture
def draft_plan(app, factories):
    """A school setting its targets with a trajectory, one row saved so far."""
    with app.app_context():
        plan = factories.target_plan(factories.school(), PlanStatus.draft)
        first = db.session.scalar(select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id))
        made = plan.id, first, factories.principal(plan.school).email
        db.session.remove()
    return made


def test_a_principal_reads_the_returned_plan_and_its_approved_trajectory_in_spanish(app, client, login_as,
                                                                                     returned_plan):
    plan_id, principal, _ = returned_plan
    login_as(Role.principal, principal)
    english, spanish = read_both(app, client, f"/targets/plans/{plan_id}")
    assert left_in_english(app, english, spanish) == []
    assert "Devuelto para revisión" in spanish and "Returned for revision" in english
    spanish_figures(spanish)
    assert re.search(r"\d{2} (ene|feb|mar|abr|may|jun|jul|ago|sept?|oct|nov|dic) \d{4}", spanish)
    with app.app_context():
        school_id = db.session.get(TargetPlan, plan_id).school_id
        approved = db.session.scalar(select(TargetPlan.id).where(TargetPlan.school_id == school_id,
                                                                TargetPlan.id != plan_id))
    english, spanish = read_both(app, client, f"/targets/plans/{approved}")
    assert left_in_english(app, english, spanish) == []
    assert "Constante" in spanish  # the trajectory's name, from the plan's own translations
    english, spanish = read_both(app, client, f"/targets/plans/{approved}/approved")  # the page to print
    assert left_in_english(app, english, spanish) == []
    assert "metas aprobadas" in spanish and "Fecha de aprobación" in spanish and "Descargar en Excel" in spanish


def test_a_principal_setting_a_trajectory_gets_every_answer_in_spanish(app, client, login_as, draft_plan):
    plan_id, row_id, principal = draft_plan
    login_as(Role.principal, principal)
    english, spanish = read_both(app, client, f"/targets/plans/{plan_id}")
    assert left_in_english(app, english, spanish) == []
    assert "Guardar borrador" in spanish and "Lento al inicio, rápido al final" in spanish
    assert "Poco cambio al principio" in spanish  # each trajectory's sentence, from the plan's own translations
    page = f"/targets/plans/{plan_id}"
    # A value out of the metric's range, typed into one row: the row's answer (htmx) says so in Spanish.
    english, spanish = post_both(app, client, f"/targets/plans/{plan_id}/rows/{row_id}",
                                 {f"target_2026-{row_id}": "999", f"trajectory-{row_id}": "linear",
                                  f"rationale-{row_id}": "", "version": "1"}, 422, page,
                                 headers={"HX-Request": "true"})
    assert left_in_english(app, english, spanish) == []
    assert spanish.count("Escriba un valor") == 1 and "No se guardó:" in spanish
    # Submitting a plan with rows still empty lists each one, in Spanish.
    with app.app_context():
        version = db.session.get(TargetPlan, plan_id).version
    english, spanish = post_both(app, client, f"/targets/plans/{plan_id}/submit", {"version": str(version)}, 422,
                                 page)
    assert left_in_english(app, english, spanish) == []
    assert "Antes de enviar" in spanish
    # An empty comment: the message on the page it returns to is Spanish.
    token = csrf_from(client.get(page).get_data(as_text=True))
    answer = client.post(f"/targets/plans/{plan_id}/comments", data={"comment": " ", "csrf_token": token},
                         follow_redirects=True)
    assert "Escriba un comentario de hasta 2.000 caracteres." in answer.get_data(as_text=True)


def test_a_principal_with_no_cycle_yet_reads_why_in_spanish(app, client, login_as, factories):
    with app.app_context():
        principal = factories.principal(factories.school()).email
        db.session.remove()
    login_as(Role.principal, principal)
    english, spanish = read_both(app, client, "/targets/", follow_redirects=True)
    assert left_in_english(app, english, spanish) == []


# ---------------------------------------------------------------- the regional leader

def test_a_regional_leader_reviews_in_spanish(app, client, login_as, returned_plan, factories):
    plan_id, _, leader = returned_plan
    with app.app_context():
        region = db.session.get(TargetPlan, plan_id).school.region
        submitted = factories.district_plan(factories.school(region=region), PlanStatus.submitted)
        submitted_id, version = submitted.id, submitted.version
        db.session.remove()
    login_as(Role.regional_leader, leader)
    for path in ("/review/", "/review/completeness", f"/review/plans/{plan_id}", f"/review/plans/{submitted_id}"):
        english, spanish = read_both(app, client, path)
        assert left_in_english(app, english, spanish) == [], path
    assert "Planes de metas" in spanish
    # The queue's results, as the filters load them (htmx).
    english, spanish = read_both(app, client, "/review/?status=submitted&sort=updated", headers={"HX-Request": "true"})
    assert left_in_english(app, english, spanish) == []
    assert "Aprobar los planes seleccionados" in spanish
    # Returning a plan without saying what must change: the error is in Spanish.
    english, spanish = post_both(app, client, f"/review/plans/{submitted_id}/decide",
                                 {"action": "return", "comment": "", "version": str(version)}, 422,
                                 f"/review/plans/{submitted_id}")
    assert left_in_english(app, english, spanish) == []
    assert "Indique qué debe cambiar antes de devolver el plan." in spanish


# ---------------------------------------------------------------- the administrator

def test_an_administrator_opens_cycles_and_imports_results_in_spanish(app, client, login_as, factories):
    with app.app_context():
        admin = factories.administrator().email
        db.session.remove()
    login_as(Role.admin, admin)
    for path in ("/admin/cycles", "/admin/actuals"):
        english, spanish = read_both(app, client, path)
        assert left_in_english(app, english, spanish) == [], path
    english, spanish = post_both(app, client, "/admin/cycles/new", {"school_year": "", "kind": "trajectory",
                                                                     "name": "", "opens_on": "", "due_on": "",
                                                                     "closes_on": ""}, 422, "/admin/cycles")
    assert left_in_english(app, english, spanish) == []
    assert "Escriba el ciclo escolar." in spanish
    english, spanish = post_both(app, client, "/admin/actuals", {}, 422, "/admin/actuals")
    assert left_in_english(app, english, spanish) == []
    assert "Elija un archivo CSV o Excel (.xlsx) para importar." in spanish


def test_a_principal_told_of_a_change_they_did_not_see_reads_it_in_spanish(app, client, auth, login_as, factories):
    """Issue #19: the refusal of a row saved on an out-of-date page is in Spanish, the Spanish way: who
    (another principal of the school, with their role's Spanish title) changed the plan and when (7 de
    marzo de 2025); and when the change was the principal's own, it says so, in Spanish too."""
    with app.app_context():
        plan = factories.target_plan(factories.school(), PlanStatus.draft)
        first, second = db.session.scalars(select(Target.id).where(Target.plan_id == plan.id)
                                           .order_by(Target.id).limit(2)).all()
        made = plan.id, plan.version, factories.principal(plan.school).email, factories.co_principal(plan.school)
        other_email, other_name = made[3].email, made[3].name
        db.session.remove()
    plan_id, version, principal = made[:3]
    page = f"/targets/plans/{plan_id}"

    def row_save(row_id: int, value: str, seen: int) -> dict:
        return {f"target_2026-{row_id}": value, f"trajectory-{row_id}": "linear", f"rationale-{row_id}": "",
                "version": str(seen)}

    login_as(Role.principal, other_email)
    token = csrf_from(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/rows/{first}", data={**row_save(first, "80", version), "csrf_token": token},
                       headers={"HX-Request": "true"}).status_code == 200
    auth.logout()
    login_as(Role.principal, principal)
    english, spanish = post_both(app, client, f"{page}/rows/{second}", row_save(second, "75", version), 409, page,
                                 headers={"HX-Request": "true"})
    assert left_in_english(app, english, spanish) == []
    assert re.search(rf"{re.escape(other_name)} \(Director de escuela\) editó este plan a las \d\d:\d\d UTC del "
                     r"\d{1,2} de [a-z]+ de \d{4} mientras usted trabajaba\.", spanish)

    # The principal's own save, from another tab: the one still showing the older version is told so.
    with app.app_context():
        version = db.session.get(TargetPlan, plan_id).version
    token = csrf_from(client.get(page).get_data(as_text=True))
    assert client.post(f"{page}/rows/{first}", data={**row_save(first, "81", version), "csrf_token": token},
                       headers={"HX-Request": "true"}).status_code == 200
    english, spanish = post_both(app, client, f"{page}/rows/{second}", row_save(second, "75", version), 409, page,
                                 headers={"HX-Request": "true"})
    assert left_in_english(app, english, spanish) == []
    assert "You edited this plan in another tab" in english
    assert "Usted editó este plan en otra pestaña o hace un momento" in spanish


def test_an_administrator_changes_an_extension_and_reads_an_import_report_in_spanish(app, client, login_as,
                                                                                    factories):
    with app.app_context():
        admin = factories.administrator()
        plan = factories.target_plan(factories.school(), PlanStatus.draft)
        ext = WindowExtension(cycle_id=plan.cycle_id, school_id=plan.school_id, until=plan.cycle.closes_on,
                              reason="Principal on leave", granted_by_id=admin.id)
        db.session.add(ext)
        db.session.commit()
        made = admin.email, ext.id
        db.session.remove()
    email, ext_id = made
    login_as(Role.admin, email)
    path = f"/admin/extensions/{ext_id}"
    english, spanish = read_both(app, client, path)
    assert left_in_english(app, english, spanish) == []
    english, spanish = post_both(app, client, f"{path}/withdraw", {"withdraw_reason": ""}, 422, path)
    assert left_in_english(app, english, spanish) == []
    assert "Indique el motivo para retirar la ampliación." in spanish
    english, spanish = read_both(app, client, "/admin/imports")
    assert left_in_english(app, english, spanish) == []
    assert "Importar escuelas, líneas de base o personas desde un archivo CSV o Excel" in spanish
