"""Two people of one central office edit the same action plan in Chromium, each in a browser of their
own: both open its edit form, the first saves, and the second's save is refused at the top of the
form, saying who saved first and when, with what the second typed still in the form and the
first's change kept. And a measure's value form follows the school year chosen: it shows the value
saving would replace, and carries that value's version, so replacing it is not refused.

The measure value is for 2010-11, a school year no other test uses; it is removed after the test."""
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures import values
from portal.measures.models import MeasureValue
from portal.org.models import Office
from portal.progress.models import Initiative
from portal.strategic_plan.models import Measure

NEW_DESCRIPTION = "Tutors in every grade 3 classroom, three days a week."
NEW_NAME = "Reading Tutors, renamed in the second browser"


def test_the_second_of_two_people_editing_an_action_plan_is_told_and_nothing_is_lost(
        app, browser, live_server, login, factories, screenshot):
    with app.app_context():
        plan = factories.initiative()
        ama, cam = factories.office_user(plan.office), factories.colleague(plan.office)
        facts = {"id": plan.id, "name": plan.name, "ama": ama.email, "ama_name": ama.name, "cam": cam.email}
        db.session.remove()
    first = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    second = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(first, facts["ama"])
    login(second, facts["cam"])
    edit = live_server + f"/initiatives/{facts['id']}/edit"
    first.goto(edit)
    second.goto(edit)
    expect(second.get_by_role("heading", level=1)).to_have_text("Edit the action plan")

    # The first saves a new description.
    first.get_by_label("Description").fill(NEW_DESCRIPTION)
    first.get_by_role("button", name="Save the action plan").click()
    expect(first.locator(".flash--success")).to_contain_text("Saved the action plan")

    # The second, on the page as it was before, renames the plan and saves: refused, and told why.
    second.get_by_label("Name", exact=True).fill(NEW_NAME)
    second.get_by_role("button", name="Save the action plan").click()
    summary = second.locator(".error-summary")
    expect(summary).to_contain_text(f"{facts['ama_name']} (Central office) edited this action plan")
    expect(summary).to_contain_text("while you were working. Reload to see their change.")
    expect(summary).to_be_focused()
    expect(second.get_by_label("Name", exact=True)).to_have_value(NEW_NAME)  # what they typed is still there
    screenshot(second, "lost-update-1-second-editor-told")

    with app.app_context():
        saved = db.session.get(Initiative, facts["id"])
        assert (saved.name, saved.description) == (facts["name"], NEW_DESCRIPTION)
        db.session.remove()


def test_the_value_form_shows_the_value_it_would_replace_and_replaces_it(app, browser, live_server, login, factories):
    year = "2010-11"
    with app.app_context():
        measure = db.session.scalar(select(Measure).where(Measure.code == "1B-2"))
        colleague = factories.colleague(db.session.scalar(select(Office).where(Office.code == "instruction")))
        clean = {"year": year, "subtarget": "", "value": 12.9, "as_of": date(2011, 6, 30), "source": "", "note": ""}
        values.write_value(measure, clean, colleague, None, "form")  # entered by a colleague
        factories.adopt(values.value_row(measure, year, ""))  # removed when the test ends, whoever changed it
        db.session.commit()
        db.session.remove()
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    login(page, Role.central_office)
    page.goto(live_server + "/measures/1B-2")
    page.get_by_label("School year", exact=True).select_option(year)
    expect(page.locator("#value-seen")).to_contain_text(f"{year} already has a value: 12.9%")
    page.get_by_label("Value", exact=True).fill("13.1")
    page.get_by_label("As of").fill("2011-06-30")
    page.get_by_role("button", name="Save the value").click()
    expect(page.locator(".flash--success")).to_contain_text(f"Updated the value of 1B-2 for {year}.")
    with app.app_context():
        saved = db.session.scalar(select(MeasureValue).join(Measure).where(Measure.code == "1B-2",
                                                                           MeasureValue.year == year))
        assert (saved.value, saved.version) == (13.1, 2)
        db.session.remove()
