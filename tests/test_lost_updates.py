"""Two people at work on the same record, told as their story: an office's action plan, one of its
progress metrics, and a Measure of Success's value for a school year. Each form carries the
version of what its page showed; the first to save wins, the second is refused (409) on the page,
at the form, with who saved first and when, and what they typed is still in the form. A form that
does not say which version it was filled in on (missing, not a whole number) is refused (422). A
refusal changes nothing in the database.

Every person here submits a form as the page shows it (tests/forms_on_page below), so the version
they send is the one their page carries. The records are made for each test (tests/factories.py)
and removed after it; the measure values are for 2010-11, a school year no other test uses."""
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select, update

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.workflow import ConflictError
from portal.measures.models import MeasureValue
from portal.org.models import Office, User
from portal.progress import action_plans
from portal.progress.action_plans import InitiativeData
from portal.progress.models import Initiative, ProgressMetric
from portal.strategic_plan.models import Measure
from tests.conftest import Actions, csrf_from

YEAR = "2010-11"  # no other test writes a value for it
BAD_VERSIONS = [None, "", "abc", "-1", "1.0"]


# ---------------------------------------------------------------- people and the forms on their pages

class FormReader(HTMLParser):
    """The fields of each form on a page, as a browser would send them: form action -> [(name, value)]."""

    def __init__(self):
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self.action: str | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.action = a.get("action", "")
            self.forms[self.action] = []
        elif self.action is None or "name" not in a and tag != "option":
            return
        elif tag == "input" and (a.get("type") not in ("checkbox", "radio") or "checked" in a):
            self.forms[self.action].append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.forms[self.action].append((self.select, a.get("value") or ""))
        elif tag == "textarea":
            self.textarea = a["name"]
            self.forms[self.action].append((a["name"], ""))

    def handle_data(self, data):
        if self.textarea and self.action is not None:
            name, text = self.forms[self.action][-1]
            self.forms[self.action][-1] = (name, text + data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.action = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


class Person:
    """Someone with a browser of their own: opens a page, changes fields of one of its forms, sends it."""

    def __init__(self, app, email: str):
        self.client = app.test_client()
        assert Actions(self.client).login(email).status_code == 303, f"log-in as {email} failed"
        self.pages: dict[str, str] = {}

    def open(self, url: str) -> str:
        response = self.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        self.pages[url] = response.get_data(as_text=True)
        return self.pages[url]

    def form(self, page_url: str, action: str) -> dict:
        reader = FormReader()
        reader.feed(self.pages[page_url])
        fields: dict = {}
        for name, value in reader.forms[action]:
            fields.setdefault(name, []).append(value)
        return {k: v if len(v) > 1 or k == "measure" else v[0] for k, v in fields.items()}

    def send(self, page_url: str, action: str, **changes):
        """Send the form as the page showed it, with `changes` typed in (None takes a field out)."""
        data = {**self.form(page_url, action), **changes}
        return self.client.post(action, data={k: v for k, v in data.items() if v is not None})

    def post(self, url: str, data: dict):
        token = csrf_from(self.client.get("/home").get_data(as_text=True))
        return self.client.post(url, data={"csrf_token": token, **data})


def words(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def events(s, entity: str, entity_id: int) -> int:
    return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.entity == entity,
                                                                       AuditEvent.entity_id == entity_id))


@pytest.fixture
def office_plan(app, factories):
    """An action plan of an office of its own, and two of the office's people: Ama (who wrote it) and Cam."""
    with app.app_context():
        plan = factories.initiative()
        ama, cam = factories.office_user(plan.office), factories.colleague(plan.office)
        facts = {"id": plan.id, "metric_id": plan.metrics[0].id, "name": plan.name,
                 "description": plan.description, "ama": (ama.email, ama.name), "cam": (cam.email, cam.name)}
        db.session.remove()
    return facts


# ---------------------------------------------------------------- the action plan

def test_two_people_edit_one_action_plan_and_the_second_is_told_before_anything_is_lost(app, office_plan):
    edit = f"/initiatives/{office_plan['id']}/edit"
    ama, cam = Person(app, office_plan["ama"][0]), Person(app, office_plan["cam"][0])
    ama.open(edit)
    cam.open(edit)  # both have the plan at the same version

    saved = ama.send(edit, edit, description="Tutors in every grade 3 classroom, three days a week.")
    assert saved.status_code == 303
    refused = cam.send(edit, edit, name="Reading Tutors (renamed by Cam)")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert re.search(rf"{office_plan['ama'][1]} \(Central office\) edited this action plan at \d\d:\d\d UTC on "
                     r".* while you were working\. Reload to see their change\.", words(html))
    assert html.index("while you were working") < html.index('action="' + edit + '"')  # at the top of the form
    assert 'value="Reading Tutors (renamed by Cam)"' in html  # what Cam typed is still there
    # The refused form keeps the version Cam's page showed: sent again as it is (its description still
    # the old one), it is refused again rather than undo Ama's change.
    cam.pages["refused"] = html
    assert cam.send("refused", edit).status_code == 409
    with app.app_context():
        plan = db.session.get(Initiative, office_plan["id"])
        assert plan.description == "Tutors in every grade 3 classroom, three days a week."  # Ama's change is kept
        assert plan.name == office_plan["name"] and plan.version == 2
        assert events(db.session, "initiative", plan.id) == 3  # created, metric added, Ama's edit

    # Cam reloads, reads Ama's change, and renames the plan on top of it: both changes are kept.
    cam.open(edit)
    assert cam.send(edit, edit, name="Reading Tutors (renamed by Cam)").status_code == 303
    with app.app_context():
        plan = db.session.get(Initiative, office_plan["id"])
        assert (plan.name, plan.description, plan.version) == (
            "Reading Tutors (renamed by Cam)", "Tutors in every grade 3 classroom, three days a week.", 3)


def test_a_change_of_measures_alone_is_a_change_of_the_action_plan(app, office_plan):
    edit = f"/initiatives/{office_plan['id']}/edit"
    ama, cam = Person(app, office_plan["ama"][0]), Person(app, office_plan["cam"][0])
    ama.open(edit)
    cam.open(edit)
    assert ama.send(edit, edit, measure=["1C-1", "1C-2"]).status_code == 303
    refused = cam.send(edit, edit, description="Cam's description")
    assert refused.status_code == 409 and "while you were working" in refused.get_data(as_text=True)
    with app.app_context():
        plan = db.session.get(Initiative, office_plan["id"])
        assert [m.code for m in plan.measures] == ["1C-1", "1C-2"] and plan.description == office_plan["description"]


def test_adding_a_metric_does_not_refuse_an_edit_of_the_action_plan(app, office_plan):
    """A new metric changes nothing the plan's form shows or saves, so it does not move the plan's version."""
    edit = f"/initiatives/{office_plan['id']}/edit"
    ama, cam = Person(app, office_plan["ama"][0]), Person(app, office_plan["cam"][0])
    ama.open(edit)
    added = cam.post(f"/initiatives/{office_plan['id']}/metrics", {"name": "Tutors hired", "unit": "count",
                                                                   "direction": "up"})
    assert added.status_code == 303
    assert ama.send(edit, edit, description="Now with tutors hired.").status_code == 303
    with app.app_context():
        plan = db.session.get(Initiative, office_plan["id"])
        assert plan.description == "Now with tutors hired." and [m.name for m in plan.metrics][-1] == "Tutors hired"


def test_of_two_saves_at_the_same_moment_the_later_write_is_refused(app, office_plan):
    """Both saves passed the version check; the other one was written first. This one's UPDATE ...
    WHERE version = 1 then finds no row, and it is refused with nothing written."""
    with app.app_context():
        plan = db.session.get(Initiative, office_plan["id"])
        ama = db.session.scalar(select(User).where(User.email == office_plan["ama"][0]))
        data = InitiativeData(name="Written second", priority=plan.priority, description=plan.description,
                              measures=[], office=plan.office)
        with db.engine.begin() as other:  # the other save, through a connection of its own
            other.execute(update(Initiative).where(Initiative.id == plan.id)
                          .values(name="Written first", version=Initiative.version + 1))
        with pytest.raises(ConflictError, match="while you were working"):
            action_plans.update_initiative(plan, data, ama, 1)
        db.session.rollback()
        plan = db.session.get(Initiative, office_plan["id"])
        assert (plan.name, plan.version) == ("Written first", 2)
        assert events(db.session, "initiative", plan.id) == 2  # nothing of the refused save
        db.session.remove()


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_an_action_plan_form_without_a_whole_version_is_refused_and_changes_nothing(app, office_plan, version):
    edit = f"/initiatives/{office_plan['id']}/edit"
    ama = Person(app, office_plan["ama"][0])
    ama.open(edit)
    response = ama.send(edit, edit, name="Not saved", version=version)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This form did not say which version of the action plan you saw. Reload the page and try again." in html
    assert 'class="error-summary"' in html and 'value="Not saved"' in html
    with app.app_context():
        plan = db.session.get(Initiative, office_plan["id"])
        assert (plan.name, plan.version) == (office_plan["name"], 1)
        assert events(db.session, "initiative", plan.id) == 2  # created, metric added


# ---------------------------------------------------------------- a progress metric

def test_two_people_edit_one_progress_metric_and_the_second_is_told(app, office_plan):
    page = f"/initiatives/{office_plan['id']}"
    action = f"{page}/metrics/{office_plan['metric_id']}"
    ama, cam = Person(app, office_plan["ama"][0]), Person(app, office_plan["cam"][0])
    ama.open(page)
    cam.open(page)
    assert ama.send(page, action, targets="K-5=250; 6-8=150").status_code == 303
    refused = cam.send(page, action, name="Students tutored weekly")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert re.search(rf"{office_plan['ama'][1]} \(Central office\) changed this progress metric at .* while you "
                     r"were working\.", words(html))
    block = re.search(rf'<section class="metric-block" id="metric-{office_plan["metric_id"]}".*?</section>', html,
                      re.S).group(0)
    assert "while you were working" in block and "<details class=\"metric-edit\" open>" in block  # at its form
    assert 'value="Students tutored weekly"' in block  # what Cam typed is still there
    cam.pages["refused"] = html
    assert cam.send("refused", action).status_code == 409  # its targets are still the old ones: refused again
    with app.app_context():
        metric = db.session.get(ProgressMetric, office_plan["metric_id"])
        assert metric.targets == {"K-5": 250.0, "6-8": 150.0} and metric.name == "Students tutored"
        assert metric.version == 2


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_a_metric_form_without_a_whole_version_is_refused_and_changes_nothing(app, office_plan, version):
    page = f"/initiatives/{office_plan['id']}"
    action = f"{page}/metrics/{office_plan['metric_id']}"
    ama = Person(app, office_plan["ama"][0])
    ama.open(page)
    response = ama.send(page, action, name="Not saved", version=version)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "did not say which version of the progress metric you saw" in html and 'value="Not saved"' in html
    with app.app_context():
        metric = db.session.get(ProgressMetric, office_plan["metric_id"])
        assert (metric.name, metric.version) == ("Students tutored", 1)
        assert events(db.session, "initiative", office_plan["id"]) == 2


# ---------------------------------------------------------------- a Measure of Success's value

@pytest.fixture
def instruction(app, factories):
    """Two people of the Division of Instruction, which keeps 1B-2: its demo account (Ama's part) and
    a colleague; the 2010-11 values they save are removed after the test."""
    with app.app_context():
        office = db.session.scalar(select(Office).where(Office.code == "instruction"))
        ama, cam = factories.office_user(office), factories.colleague(office)
        measure_id = db.session.scalar(select(Measure.id).where(Measure.code == "1B-2"))
        assert value_of(db.session, measure_id) is None, "no test has a 2010-11 value of 1B-2"
        people = {"ama": (ama.email, ama.name), "cam": (cam.email, cam.name), "measure_id": measure_id}
        db.session.remove()
    yield people
    with app.app_context():
        for row in db.session.scalars(select(MeasureValue).where(MeasureValue.year == YEAR)):
            factories.adopt(row)
        db.session.commit()


def value_of(s, measure_id: int) -> MeasureValue | None:
    s.expire_all()
    return s.scalar(select(MeasureValue).where(MeasureValue.measure_id == measure_id, MeasureValue.year == YEAR))


VALUES = "/measures/1B-2/values"
CHOSEN = f"/measures/1B-2?year={YEAR}"  # the page with the form set to 2010-11, as choosing the year sets it


def test_a_value_entered_while_someone_else_was_typing_it_is_not_replaced(app, instruction):
    ama, cam = Person(app, instruction["ama"][0]), Person(app, instruction["cam"][0])
    ama.open(CHOSEN)
    cam.open(CHOSEN)  # 2010-11 has no value on either page
    assert ama.send(CHOSEN, VALUES, value="13.1", as_of="2011-06-30").status_code == 303
    refused = cam.send(CHOSEN, VALUES, value="12.7", as_of="2011-06-30", source="Cam's count")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert re.search(rf"{instruction['ama'][1]} \(Central office\) entered this {YEAR} value at .* while you were "
                     r"working\. Reload to see their change\.", words(html))
    assert html.index("while you were working") < html.index(f'action="{VALUES}"')  # just above the form
    assert 'value="12.7"' in html and 'value="Cam&#39;s count"' in html  # what Cam typed is kept
    assert f"{YEAR} already has a value: 13.1%" in words(html)  # and the form now shows what saving would replace
    with app.app_context():
        value = value_of(db.session, instruction["measure_id"])
        assert (value.value, value.version) == (13.1, 1)
        assert events(db.session, "measure_value", value.id) == 1


def test_a_value_changed_while_someone_else_was_changing_it_is_not_replaced(app, instruction):
    ama, cam = Person(app, instruction["ama"][0]), Person(app, instruction["cam"][0])
    first = Person(app, instruction["ama"][0])
    first.open(CHOSEN)
    assert first.send(CHOSEN, VALUES, value="12.9", as_of="2011-06-30").status_code == 303
    ama.open(CHOSEN)
    cam.open(CHOSEN)  # both see 12.9
    assert f"{YEAR} already has a value: 12.9%" in words(cam.pages[CHOSEN])
    assert ama.send(CHOSEN, VALUES, value="13.1", as_of="2011-06-30").status_code == 303
    refused = cam.send(CHOSEN, VALUES, value="12.7", as_of="2011-06-30")
    assert refused.status_code == 409
    assert re.search(rf"{instruction['ama'][1]} \(Central office\) changed this {YEAR} value at .* while you were "
                     r"working", words(refused.get_data(as_text=True)))
    with app.app_context():
        value = value_of(db.session, instruction["measure_id"])
        assert (value.value, value.version) == (13.1, 2)
        assert events(db.session, "measure_value", value.id) == 2


def test_the_form_follows_the_year_chosen_and_a_form_that_did_not_asks_first(app, instruction):
    ama = Person(app, instruction["ama"][0])
    ama.open(CHOSEN)
    assert ama.send(CHOSEN, VALUES, value="12.9", as_of="2011-06-30").status_code == 303
    # Choosing the school year asks (htmx) what saving would replace, with that value's version.
    part = ama.client.get(f"/measures/1B-2?year={YEAR}&subtarget=", headers={"HX-Request": "true"})
    html = part.get_data(as_text=True)
    assert "<html" not in html and 'name="version" value="1"' in html and f'name="seen_year" value="{YEAR}"' in html
    assert f"{YEAR} already has a value: 12.9%" in words(html)
    # A form whose page did not follow the choice (no JavaScript) showed no value for the year: it is
    # told what is saved, and the form it gets back replaces it when sent again.
    fresh = "/measures/1B-2"
    ama.open(fresh)
    asked = ama.send(fresh, VALUES, year=YEAR, value="13.3", as_of="2011-06-30")
    html = asked.get_data(as_text=True)
    assert asked.status_code == 409
    assert f"The {YEAR} value is already saved: 12.9%" in words(html) and "save again to replace it" in html
    ama.pages["again"] = html
    assert ama.send("again", VALUES).status_code == 303
    with app.app_context():
        assert value_of(db.session, instruction["measure_id"]).value == 13.3


@pytest.mark.parametrize("version", BAD_VERSIONS)
def test_a_value_form_without_a_whole_version_is_refused_and_changes_nothing(app, instruction, version):
    ama = Person(app, instruction["ama"][0])
    ama.open(CHOSEN)
    response = ama.send(CHOSEN, VALUES, value="13.1", as_of="2011-06-30", version=version)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This form did not say which version of the value you saw. Reload the page and try again." in html
    assert 'value="13.1"' in html
    with app.app_context():
        assert value_of(db.session, instruction["measure_id"]) is None
