"""The plan is public, as the district's plan is: anyone reads the plan and the Measures of Success
scorecard without logging in; who entered a value, and every form, stay behind the log-in."""
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures.models import MeasureValue
from portal.strategic_plan.models import Measure


def a_measure_with_a_value(app) -> str:
    with app.app_context():
        code = db.session.scalar(select(Measure.code).join(MeasureValue, MeasureValue.measure_id == Measure.id)
                                 .where(MeasureValue.entered_by_id.is_not(None)).order_by(Measure.code))
        db.session.remove()
    assert code, "the demo district enters values for some measures"
    return code


def test_anyone_reads_the_plan_with_its_mission_vision_and_theory_of_action(client):
    page = client.get("/plan")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for heading in ("Mission", "Vision", "Theory of Action", "The four District Goals", "Pillars and Priorities"):
        assert f">{heading}<" in html
    assert "Adopted by the Board of Education on 21 June 2022." in html
    assert "Realizing excellence for all students" in html
    assert client.get("/plan/priorities/1A").status_code == 200


def test_anyone_reads_the_scorecard_and_a_measure_but_not_who_entered_it(app, client):
    assert client.get("/scorecard").status_code == 200
    assert client.get("/scorecard/export.csv").status_code == 200
    code = a_measure_with_a_value(app)
    html = client.get(f"/measures/{code}").get_data(as_text=True)
    assert "History of changes" not in html and "Enter a year's value" not in html
    with app.app_context():
        names = {v.entered_by.name for v in db.session.scalars(
            select(MeasureValue).join(Measure).where(Measure.code == code)) if v.entered_by}
        db.session.remove()
    assert names and not any(name in html for name in names)


def test_the_office_that_keeps_a_measure_still_sees_who_entered_each_value(app, client, login_as):
    login_as(Role.admin)
    html = client.get(f"/measures/{a_measure_with_a_value(app)}").get_data(as_text=True)
    assert "History of changes" in html and "Enter a year's value" in html


def test_a_visitor_finds_the_public_pages_and_the_log_in_from_every_public_page(client):
    for path in ("/progress", "/plan", "/scorecard"):
        html = client.get(path).get_data(as_text=True)
        for link in ('href="/progress"', 'href="/plan"', 'href="/scorecard"', 'href="/login"'):
            assert link in html, (path, link)
    progress = client.get("/progress").get_data(as_text=True)
    assert "the Strategic Plan</a>" in progress and "the scorecard</a>" in progress


def test_principals_and_leaders_follow_the_scorecard_too(client, login_as, auth):
    for role in (Role.principal, Role.regional_leader):
        login_as(role)
        html = client.get("/home").get_data(as_text=True)
        assert 'href="/scorecard"' in html
        assert client.get("/scorecard").status_code == 200
        auth.logout()
