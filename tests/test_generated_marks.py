"""What the demo district made up carries a visible "generated for the demo" mark wherever it shows (check-ins,
Board updates, frozen reports, the scorecard, exports); the district's own figures from the March 2023
update carry none; a person's edit clears the mark of what they changed."""
import csv
import io
import re
from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, delete, inspect, select

from portal import create_app
from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.measures.models import MeasureValue
from portal.progress.models import BoardUpdate, CheckIn, Initiative, MetricValue, Progress
from portal.strategic_plan.models import Measure
from tests.conftest import DEMO_PASSWORD

MARK = '<span class="generated-mark"'


def marked(html: str, text: str) -> bool:
    """`text` shows with the mark right after it."""
    return re.search(re.escape(text) + r"\s*" + re.escape(MARK), html) is not None


def demo_check_in(code: str, period: str) -> CheckIn:
    return db.session.scalar(select(CheckIn).join(Initiative).where(Initiative.code == code, CheckIn.period == period))


def test_a_made_up_check_in_shows_the_mark_beside_its_rating_decision_dates_and_narrative(app, login_as, client):
    with app.app_context():
        c = demo_check_in("iattend", "End of year 2023-24")
        assert {"status", "narrative", "sharing_date", "supt_date", "supt_decisions"} <= set(c.generated)
        assert c.values and all(v.generated for v in c.values)
        check_in_id, status, narrative = c.id, c.status.title, c.narrative
        sharing, supt = c.sharing_date.strftime("%d %b %Y"), c.supt_date.strftime("%d %b %Y")
        decisions = c.supt_decisions
    login_as(Role.superintendent)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    for text in (status, narrative, sharing, supt, decisions):
        assert marked(page, text), text
    assert "generated for the demo" in page and 'title="Generated for the demo:' in page


def test_the_march_2023_update_shows_the_district_figures_unmarked(app, login_as, client):
    with app.app_context():
        update = db.session.scalar(select(BoardUpdate).where(BoardUpdate.meeting_date == date(2023, 3, 7)))
        update_id = update.id
        assert update.published and update.generated == []
        rows = [r for p in update.snapshot["pillars"] for pr in p["priorities"] for i in pr["initiatives"]
                for m in i["metrics"] for r in m["rows"]]
        assert rows and not any(r["generated"] for r in rows)
        assert all(not i["status"] and "status" not in i["generated"] and "supt_decisions" not in i["generated"]
                   for p in update.snapshot["pillars"] for pr in p["priorities"] for i in pr["initiatives"])
        # As-of dates only where the update gives them (tutoring's); the other figures have none.
        dated = {r["as_of"] for r in rows if r["as_of"]}
        assert dated == {"2022-11-01"}
        assert any(r["as_of"] is None for r in rows)
        undated = db.session.scalars(select(MetricValue).join(CheckIn).where(
            CheckIn.board_updates.any(BoardUpdate.id == update_id), MetricValue.as_of.is_(None))).all()
        assert undated and not any(v.generated for v in undated)
        summary = next(i["narrative"] for p in update.snapshot["pillars"] for pr in p["priorities"]
                       for i in pr["initiatives"] if i["name"] == "iAttend Campaign")
    login_as(Role.board)
    page = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    figures = re.findall(r'<td class="num">.*?</td>', page, re.S)
    assert figures and not any(MARK in cell for cell in figures)
    assert "Board meeting of 7 March 2023</p>" in page  # the district's own date
    assert marked(page, summary)  # a summary of the slides in the demo's words


def test_a_frozen_report_keeps_its_marks_after_the_check_ins_change(app, login_as, client):
    with app.app_context():
        update = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == "end_of_year",
                                                             BoardUpdate.school_year == "2023-24"))
        update_id = update.id
        assert update.published and update.generated == ["meeting_date"]
        item = next(i for p in update.snapshot["pillars"] for pr in p["priorities"] for i in pr["initiatives"]
                    if i["name"] == "iAttend Campaign")
        assert {"status", "narrative", "supt_decisions"} <= set(item["generated"])
        c = db.session.get(CheckIn, item["check_in_id"])
        saved = list(c.generated)
        c.generated = []
        db.session.commit()
    try:
        login_as(Role.board)
        page = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
        assert marked(page, item["narrative"]) and marked(page, "Continue as planned.")
        assert marked(page, item["status_text"])
        assert re.search(r"Board meeting of \d+ June 2024\s*" + re.escape(MARK), page)
    finally:
        with app.app_context():
            c = db.session.get(CheckIn, item["check_in_id"])
            c.generated = saved
            db.session.commit()


def test_the_scorecard_export_says_which_values_were_generated(app, client):
    response = client.get("/scorecard/export.csv?year=2023-24")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    column = rows[0].index("Generated for the demo")
    marks = {row[column] for row in rows[1:]}
    assert marks == {"yes", ""}
    value = rows[0].index("Value 2023-24")
    assert all(row[column] == "" for row in rows[1:] if row[value] == "")
    page = client.get("/scorecard?year=2023-24").get_data(as_text=True)
    assert MARK in page


def test_the_review_queue_export_has_the_column(app, login_as, client):
    login_as(Role.regional_leader)
    response = client.get("/review/export.csv")
    assert response.status_code == 200
    header = response.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]
    assert header.endswith("Generated for the demo")


def test_saving_a_check_in_clears_the_marks_of_what_the_person_changed(app, login_as, client, auth, factories):
    with app.app_context():
        c = factories.check_in(period="Spring 2031 marks")
        metric = c.initiative.metrics[0]
        c.status, c.narrative = Progress.at_risk, "Made up for the demo."
        c.generated = ["status", "narrative", "updated_at"]
        c.values.append(MetricValue(metric=metric, breakdown="", value=10, as_of=date(2024, 9, 30), generated=True))
        db.session.commit()
        check_in_id, metric_id, version = c.id, metric.id, c.version
    login_as(Role.admin)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert page.count(MARK) >= 2
    saved = client.post(f"/check-ins/{check_in_id}/save", data={
        "csrf_token": auth.csrf(f"/check-ins/{check_in_id}"), "version": version, f"value-{metric_id}-0": "12",
        "as_of": "2024-09-30", "status": "at_risk", "narrative": "The office's own words."})
    assert saved.status_code == 303
    with app.app_context():
        c = db.session.get(CheckIn, check_in_id)
        assert c.generated == ["status"]  # the status was left as it was; the narrative is the office's now
        assert [v.generated for v in c.values] == [False]


def test_entering_a_measure_value_clears_its_mark(app, login_as, client, auth):
    with app.app_context():
        measure = db.session.scalar(select(Measure).where(Measure.unit == "percent").order_by(Measure.code.desc()))
        row = MeasureValue(measure_id=measure.id, subtarget="", year="2012-13", value=40.0, as_of=date(2013, 6, 30),
                           source="Demo district (generated)", generated=True)
        db.session.add(row)
        db.session.commit()
        code, row_id = measure.code, row.id
    try:
        login_as(Role.admin)
        response = client.post(f"/measures/{code}/values", data={
            "csrf_token": auth.csrf(f"/measures/{code}"), "year": "2012-13", "subtarget": "", "value": "41",
            "as_of": "2013-06-30", "source": "Attendance office", "note": "", "version": "1",
            "seen_year": "2012-13", "seen_subtarget": ""})
        assert response.status_code == 303
        with app.app_context():
            assert db.session.get(MeasureValue, row_id).generated is False
    finally:
        with app.app_context():
            db.session.delete(db.session.get(MeasureValue, row_id))
            db.session.execute(delete(AuditEvent).where(AuditEvent.entity == "measure_value",
                                                        AuditEvent.entity_id == row_id))
            db.session.commit()


def test_the_migration_upgrades_and_downgrades(tmp_path):
    url = "sqlite:///" + str(tmp_path / "marks.db")
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "marks-migration-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": url, "DEMO_PASSWORD": DEMO_PASSWORD, "PORTAL_TODAY": "2024-10-15"})
    engine = create_engine(url)

    def columns(table: str) -> dict:
        return {c["name"]: c for c in inspect(engine).get_columns(table)}

    with app.app_context():
        upgrade()
        for table in ("check_in", "board_update", "metric_value", "measure_value", "actual", "target_plan"):
            assert "generated" in columns(table), table
        assert columns("metric_value")["as_of"]["nullable"] is True
        downgrade(revision="3f9c1d7e5a24")
        engine.dispose()
        for table in ("check_in", "board_update", "metric_value", "measure_value", "actual", "target_plan"):
            assert "generated" not in columns(table), table
        assert columns("metric_value")["as_of"]["nullable"] is False
        upgrade()
        engine.dispose()
        assert "generated" in columns("check_in")
        db.session.remove()
        db.engine.dispose()
    engine.dispose()
