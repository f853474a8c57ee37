"""What the demo district made up carries a visible "generated for the demo" mark wherever it shows (check-ins,
Board updates, frozen reports, the scorecard, exports); the district's own figures from the March 2023
update carry none; a person's edit clears the mark of what they changed."""
import csv
import io
import re
from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, delete, func, insert, inspect, select

from portal import create_app
from portal.demo.district import build_demo
from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.measures.models import MeasureValue
from portal.org.models import User
from portal.progress import check_ins
from portal.progress.models import BoardUpdate, CheckIn, Initiative, MetricValue, Progress, Stage
from portal.strategic_plan import figures as plan_figures
from portal.strategic_plan.models import Baseline, Measure, Metric, StudentGroup
from portal.strategic_plan.seed import load_plan
from portal.targets import figures
from portal.targets.models import Actual
from tests.conftest import DEMO_PASSWORD

MARK = '<span class="generated-mark"'


def marked(html: str, text: str) -> bool:
    """`text` shows with the mark right after it."""
    return re.search(re.escape(text) + r"\s*" + re.escape(MARK), html) is not None


def cell(html: str, key: str) -> str:
    """The inside of the table cell the page keys as `key` (data-cell)."""
    found = re.search(r'<td[^>]*data-cell="' + re.escape(key) + r'"[^>]*>(.*?)</td>', html, re.S)
    assert found, key
    return found.group(1)


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


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


# ---------------------------------------------------------------- district figures from the schools

def test_a_district_result_from_made_up_school_results_is_marked_on_every_page(app, login_as, client):
    year = "2023-24"
    with app.app_context():
        result, start = figures.district_result("ag_completion", year), figures.district_start("ag_completion")
        assert result.value is not None and result.generated and start.generated
        assert not plan_figures.published_baseline("ag_completion").generated
    public = client.get("/progress").get_data(as_text=True)
    assert MARK in cell(public, f"district|ag_completion|all|{year}")
    assert MARK in cell(public, "district|ag_completion|all|baseline")
    assert 'class="generated-note"' in public
    plans_own = public[public.index("Where the district started"):]
    assert MARK not in plans_own[:plans_own.index("</details>")]  # the plan's baselines and targets
    plan = client.get("/plan").get_data(as_text=True)
    assert "the plan&#39;s published baseline (2020-21)" in plan and MARK not in plan
    login_as(Role.superintendent)
    dashboard = client.get("/dashboard/?goal=ag_completion&refresh=1").get_data(as_text=True)
    assert MARK in cell(dashboard, f"ag_completion|high|{year}") and MARK in cell(dashboard, "ag_completion|high|start")
    card = client.get(f"/scorecard?year={year}").get_data(as_text=True)
    value = cell(card, f"1D-1||{year}")
    assert MARK in value and "district result 2023-24" in value
    assert MARK not in cell(card, "1D-1||baseline")  # the plan's own baseline for the measure
    assert MARK in client.get("/measures/1D-1").get_data(as_text=True)


def test_a_figure_from_the_districts_own_school_results_carries_no_mark(app, client, factories):
    with app.app_context():
        region = factories.region()
        school = factories.school("high", region=region)
        metric = db.session.scalar(select(Metric.id).where(Metric.code == "ag_completion"))
        everyone = db.session.scalar(select(StudentGroup.id).where(StudentGroup.code == "all"))
        db.session.execute(insert(Actual), [{"school_id": school.id, "metric_id": metric, "group_id": everyone,
                                             "year": "2023-24", "value": 61.0, "n_students": 120}])
        db.session.commit()
        own = figures.district_result("ag_completion", "2023-24", region=region.code)
        assert own.value == 61.0 and not own.generated
        assert not figures.district_start("ag_completion", region=region.code).generated
        code = region.code
    page = client.get("/progress").get_data(as_text=True)
    mine = cell(page, f"{code}|ag_completion|all|2023-24")
    assert "61.0" in mine and MARK not in mine
    assert MARK in cell(page, "district|ag_completion|all|2023-24")  # the district's still counts the demo's schools


def test_the_exports_say_what_a_value_is_and_which_district_figures_were_generated(app, login_as, client):
    rows = csv_rows(client.get("/scorecard/export.csv?year=2023-24"))
    ag = next(r for r in rows if r["Measure"] == "1D-1" and r["Sub-target"] == "")
    assert ag["What the value is"] == "district result 2023-24" and ag["Generated for the demo"] == "yes"
    assert any(r["Value 2023-24"] and not r["What the value is"] for r in rows)  # typed or fed from a check-in
    login_as(Role.superintendent)
    paths = csv_rows(client.get("/dashboard/export?table=paths&format=csv&goal=ag_completion"))
    by_year = {r["Year"]: r for r in paths}
    assert by_year["2021-22"]["Generated for the demo"] == "yes"  # the district baseline of every school
    assert by_year["2023-24"]["Generated for the demo"] == "yes"
    assert by_year["2025-26"]["Generated for the demo"] == ""  # no result yet, the goal's path only


def test_a_published_annual_report_keeps_the_mark_on_its_district_results(app, login_as, client):
    with app.app_context():
        report = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == "annual_report",
                                                             BoardUpdate.school_year == "2023-24"))
        assert report.published
        line = next(line for goal in report.snapshot["goals"] for m in goal["metrics"] if m["code"] == "ag_completion"
                    for line in m["lines"] if line["label"] == "All students")
        assert "2023-24" in line["generated_years"]
        report_id = report.id
        made_up = db.session.scalars(select(Actual.id).where(Actual.generated.is_(True), Actual.year == "2023-24",
                                                             Actual.metric.has(Metric.code == "ag_completion"))).all()
        db.session.execute(Actual.__table__.update().where(Actual.id.in_(made_up)).values(generated=False))
        db.session.commit()
    try:
        login_as(Role.board)
        page = client.get(f"/annual-reports/{report_id}").get_data(as_text=True)
        assert MARK in cell(page, "ag_completion|All students|2023-24")
        assert MARK not in cell(page, "ag_completion|All students|baseline")  # the plan's published baseline
    finally:
        with app.app_context():
            db.session.execute(Actual.__table__.update().where(Actual.id.in_(made_up)).values(generated=True))
            db.session.commit()


def test_the_migration_upgrades_and_downgrades(tmp_path):
    url = "sqlite:///" + str(tmp_path / "marks.db")
    app = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "marks-migration-secret-key-0123456789",
                      "SQLALCHEMY_DATABASE_URI": url, "DEMO_PASSWORD": DEMO_PASSWORD, "PORTAL_TODAY": "2024-10-15"})
    engine = create_engine(url)

    def columns(table: str) -> dict:
        return {c["name"]: c for c in inspect(engine).get_columns(table)}

    def baseline_triggers() -> int:
        with engine.connect() as connection:
            return connection.exec_driver_sql("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' "
                                              "AND tbl_name = 'baseline'").scalar_one()

    with app.app_context():
        upgrade()
        for table in ("check_in", "board_update", "metric_value", "measure_value", "actual", "target_plan", "baseline"):
            assert "generated" in columns(table), table
        assert columns("metric_value")["as_of"]["nullable"] is True
        assert baseline_triggers() == 3
        downgrade(revision="3f9c1d7e5a24")
        engine.dispose()
        for table in ("check_in", "board_update", "metric_value", "measure_value", "actual", "target_plan", "baseline"):
            assert "generated" not in columns(table), table
        assert columns("metric_value")["as_of"]["nullable"] is False
        upgrade()
        engine.dispose()
        assert "generated" in columns("check_in") and "generated" in columns("baseline")
        # School baselines the demo made up are known, going up, by their source.
        load_plan(app.config["SEED_DIR"])
        build_demo(4, DEMO_PASSWORD, seed=3)
        made_up = db.session.scalar(select(func.count()).where(Baseline.generated.is_(True)))
        assert made_up and made_up == db.session.scalar(select(func.count()).where(Baseline.school_id.is_not(None)))
        db.session.remove()
        downgrade(revision="9d4e2c7b1f30")
        engine.dispose()
        assert "generated" not in columns("baseline") and baseline_triggers() == 3
        upgrade()
        engine.dispose()
        assert baseline_triggers() == 3
        assert db.session.scalar(select(func.count()).where(Baseline.generated.is_(True))) == made_up
        assert not db.session.scalar(select(func.count()).where(Baseline.generated.is_(True),
                                                                Baseline.school_id.is_(None)))
        db.session.remove()
        db.engine.dispose()
    engine.dispose()


def test_the_dashboard_says_its_projections_rest_on_targets_made_up_for_the_demo(login_as, client):
    login_as(Role.superintendent)
    page = client.get("/dashboard/").get_data(as_text=True)
    assert "The targets behind these projections were set for the demo district" in page


def test_placing_a_made_up_check_in_moves_its_version_once_with_one_audit_event(app):
    """The mark is cleared in the same write as the action: one update of the row, one audited change."""
    with app.app_context():
        check_in = db.session.scalars(select(CheckIn).where(CheckIn.stage == Stage.ready)).first()
        update = db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))).first()
        supt = db.session.scalar(select(User).where(User.role == Role.superintendent).order_by(User.id))
        assert check_in.generated and update is not None
        before, events = check_in.version, db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity == "check_in", AuditEvent.entity_id == check_in.id))
        check_ins.place(check_in, update, supt, before)
        assert check_in.version == before + 1 and "updated_at" not in check_in.generated
        assert db.session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.entity == "check_in", AuditEvent.entity_id == check_in.id)) == events + 1
        db.session.rollback()
