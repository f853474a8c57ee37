"""The demo lives inside the plan: built as of the portal's date (PORTAL_TODAY, 15 October 2024 in the
tests and in make run), it tells the plan's story up to that day, every date inside the plan's years and
none after the day, and every demo log-in lands on something to do. A portal whose date is outside the
plan's years refuses to build it."""
import re
from datetime import date

import pytest
import yaml
from flask_migrate import upgrade
from sqlalchemy import Date, DateTime, func, select

from portal import create_app
from portal.demo.district import DemoError, build_demo
from portal.extensions import db, limiter
from portal.kernel.audit import AuditEvent
from portal.measures.models import MeasureValue
from portal.progress.models import BoardUpdate, CheckIn, CheckInPeriod, Stage
from portal.strategic_plan.seed import load_plan
from portal.targets.models import Actual, CycleKind, PlanStatus, TargetCycle, TargetPlan
from tests.conftest import DEMO_PASSWORD, PORTAL_TODAY, Actions

TODAY = date.fromisoformat(PORTAL_TODAY)
PLAN_YEARS = ("2022-23", "2023-24", "2024-25", "2025-26")
FIRST_DAY, LAST_DAY = date(2022, 7, 1), date(2026, 6, 30)


def portal(url: str, day: str):
    return create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "demo-story-secret-key-0123456789",
                       "SQLALCHEMY_DATABASE_URI": url, "DEMO_PASSWORD": DEMO_PASSWORD, "PORTAL_TODAY": day,
                       "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False})


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """A demo district of its own, built as make run builds it (as of 15 October 2024), that no other
    test changes."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("story") / "story.db")
    app = portal(url, PORTAL_TODAY)
    with app.app_context():
        upgrade()
        load_plan(app.config["SEED_DIR"])
        build_demo(24, DEMO_PASSWORD, seed=5)
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def session(story):
    with story.app_context():
        yield db.session
        db.session.remove()


def as_date(value) -> date:
    return value.date() if hasattr(value, "date") else value


def test_every_date_of_the_demo_is_inside_the_plan_and_not_after_the_portals_date(session):
    open_cycle = session.scalar(select(TargetCycle).where(TargetCycle.school_year == "2024-25"))
    late: list[str] = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Date | DateTime):
                continue
            for row_id, value in session.execute(select(table.c.id if "id" in table.c else column, column)
                                                 .where(column.is_not(None))):
                day = as_date(value)
                coming = (table.name == "target_cycle" and column.name in ("due_on", "closes_on")
                          and row_id == open_cycle.id)
                scheduled = table.name == "board_update" and column.name == "meeting_date" and \
                    session.get(BoardUpdate, row_id).published_at is None
                adopted = table.name == "strategic_plan" and column.name == "adopted_on"  # before its first day
                scheduled = scheduled or (table.name == "check_in_period" and column.name == "due_on"
                                          and session.get(CheckInPeriod, row_id).opens_on <= TODAY)  # open now
                if not (adopted or FIRST_DAY <= day <= LAST_DAY) or (day > TODAY and not coming and not scheduled):
                    late.append(f"{table.name}.{column.name} #{row_id}: {day}")
    assert not late, late
    assert open_cycle.due_on < TODAY < open_cycle.closes_on  # due a few days ago: late plans are overdue
    assert (open_cycle.due_on - TODAY).days >= -7 and (open_cycle.closes_on - TODAY).days <= 14


def test_the_check_in_calendar_holds_the_periods_the_check_ins_name_and_the_one_open_now(session):
    calendar = {p.name: p for p in session.scalars(select(CheckInPeriod))}
    named = {(name, end) for name, end in session.execute(select(CheckIn.period, CheckIn.period_end).distinct())}
    assert named and {(name, calendar[name].due_on) for name, _ in named} == named
    [open_now] = [p for p in calendar.values() if p.opens_on <= TODAY <= p.due_on]
    assert (open_now.name, open_now.opens_on, open_now.due_on) == (
        "Mid-year 2024-25", date(2024, 10, 1), date(2025, 2, 28))
    assert calendar["Fall 2024"].due_on == date(2024, 9, 30) and calendar["Fall 2024"].opens_on == date(2024, 6, 1)


def test_results_cover_every_past_school_year_and_no_later_one(session):
    for model in (Actual, MeasureValue):
        years = set(session.scalars(select(model.year).distinct()))
        assert years == {"2022-23", "2023-24"}, model.__name__
    assert set(session.scalars(select(func.date(Actual.imported_at)).distinct())) <= {"2023-09-15", "2024-09-15"}


def test_the_first_trajectory_cycle_is_finished_and_its_returns_were_resubmitted(session):
    cycles = session.scalars(select(TargetCycle).order_by(TargetCycle.opens_on)).all()
    assert [(c.school_year, c.kind) for c in cycles] == [
        ("2022-23", CycleKind.trajectory), ("2023-24", CycleKind.annual), ("2024-25", CycleKind.annual)]
    for cycle in cycles:
        assert cycle.name.startswith(cycle.school_year)  # the name says the year the cycle is stored as
        start = int(cycle.school_year[:4])
        assert date(start, 9, 1) <= cycle.opens_on <= date(start, 11, 30)  # opened in the autumn
        assert cycle.due_on < date(start + 1, 7, 1)  # due inside the year, before its results
    first = cycles[0]
    statuses = session.execute(select(TargetPlan.status, func.count()).where(TargetPlan.cycle_id == first.id)
                               .group_by(TargetPlan.status)).all()
    assert dict(statuses) == {PlanStatus.approved: 24}
    plan_ids = select(TargetPlan.id).where(TargetPlan.cycle_id == first.id)
    events = session.scalars(select(AuditEvent).where(AuditEvent.entity == "target_plan",
                                                      AuditEvent.entity_id.in_(plan_ids))).all()
    assert all(first.opens_on <= e.at.date() <= first.closes_on for e in events)
    returned = {e.entity_id for e in events if e.action == "return"}
    resubmitted = {e.entity_id for e in events if e.action == "submit" and e.from_state == "returned"}
    assert returned and returned == resubmitted
    second = session.execute(select(TargetPlan.status, func.count()).where(TargetPlan.cycle_id == cycles[1].id)
                             .group_by(TargetPlan.status)).all()
    assert dict(second) == {PlanStatus.approved: 24}


def test_this_years_cycle_is_open_with_plans_in_every_state(session):
    cycle = session.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc()).limit(1))
    assert cycle.school_year == "2024-25" and cycle.is_open(TODAY)
    states = set(session.scalars(select(TargetPlan.status).where(TargetPlan.cycle_id == cycle.id)))
    assert states == set(PlanStatus)


def test_board_updates_follow_the_plans_calendar_up_to_today(session):
    updates = session.scalars(select(BoardUpdate).order_by(BoardUpdate.meeting_date)).all()
    assert [(u.kind_code, u.school_year, u.meeting_date.isoformat(), u.published) for u in updates] == [
        ("initial", "2022-23", "2022-10-11", True), ("mid_year", "2022-23", "2023-03-07", True),
        ("end_of_year", "2022-23", "2023-06-27", True), ("annual_report", "2022-23", "2023-09-26", True),
        ("initial", "2023-24", "2023-10-24", True), ("mid_year", "2023-24", "2024-03-26", True),
        ("end_of_year", "2023-24", "2024-06-25", True), ("annual_report", "2023-24", "2024-09-24", True),
        ("initial", "2024-25", "2024-10-22", False)]  # the next meeting, being prepared
    for update in updates:
        if update.published:
            assert update.snapshot and update.published_at.date() == update.meeting_date
    first_report = updates[3]
    assert first_report.snapshot["school_year"] == "2022-23" and first_report.snapshot["goals"]


def test_the_two_2022_23_updates_hold_the_district_figures_and_nothing_it_did_not_present(story, session):
    with open(f"{story.config['SEED_DIR']}/demo/initiatives.yaml", encoding="utf-8") as fh:
        documented = yaml.safe_load(fh)
    presented = {}
    for spec in documented["initiatives"]:
        for c in spec["check_ins"]:
            presented[(spec["name"], c["period"])] = {(v["metric"], v.get("breakdown", "")): v["value"]
                                                      for v in c["values"]}
    for day in (date(2022, 10, 11), date(2023, 3, 7)):
        update = session.scalar(select(BoardUpdate).where(BoardUpdate.meeting_date == day))
        assert update.check_ins, day
        for check_in in update.check_ins:
            figures = {(v.metric.code, v.breakdown): v.value for v in check_in.values}
            assert figures == presented[(check_in.initiative.name, check_in.period)]
            assert check_in.status is None and check_in.sharing_date is None and check_in.supt_date is None
            assert check_in.supt_decisions == "" and check_in.supt_feedback == ""
    mid_year = session.scalar(select(BoardUpdate).where(BoardUpdate.meeting_date == date(2023, 3, 7)))
    assert len(mid_year.check_ins) == 6
    assert all(i["status"] is None for p in mid_year.snapshot["pillars"] for pr in p["priorities"]
               for i in pr["initiatives"])


def test_this_periods_check_ins_are_at_every_stage(session):
    stages = set(session.scalars(select(CheckIn.stage).where(CheckIn.period == "Fall 2024")))
    assert stages == set(Stage)
    assert session.scalar(select(func.max(CheckIn.period_end))) == date(2024, 9, 30)


def first_page(app, email: str):
    """Log in as the demo account and read the first page it lands on (the client and the page)."""
    client = app.test_client()
    with app.app_context():
        limiter.reset()
    assert Actions(client).login(email).status_code == 303
    return client, client.get("/home").get_data(as_text=True)


def test_the_principal_lands_on_a_draft_plan_of_this_year_open_for_editing(story):
    client, home = first_page(story, "principal@district.example")
    assert "2024-25 targets" in home and "Draft" in home and "Work on your targets" in home
    plan_url = re.search(r'href="(/targets/plans/\d+)"', home).group(1)
    page = client.get(plan_url).get_data(as_text=True)
    assert 'id="year_target-' in page and "Submit for review" in page


def test_the_leader_lands_on_submissions_waiting_for_review(story):
    client, home = first_page(story, "leader.central@district.example")
    waiting = re.search(r"(\d+) plans? waiting for your review", home)
    assert waiting and int(waiting.group(1)) >= 1
    assert "2024-25 targets" in home


def test_the_office_lands_on_its_check_in_at_stage_1(story):
    _, home = first_page(story, "central@district.example")
    assert "Fall 2024" in home and "1. Strategy Sharing Session" in home and "Your move" in home


def test_the_superintendents_office_lands_on_check_ins_at_stages_2_and_3(story):
    _, home = first_page(story, "superintendent@district.example")
    assert re.search(r'<span class="stat">1</span> check-in waiting for data review', home)
    assert re.search(r'<span class="stat">1</span> to record with the superintendent', home)
    assert "Strategic Plan Initial Update 2024-25" in home


@pytest.mark.parametrize("day", ["2026-11-30", "2022-06-30"])
def test_a_portal_dated_outside_the_plan_refuses_to_build_the_demo(story, day):
    outside = portal(story.config["SQLALCHEMY_DATABASE_URI"], day)
    with outside.app_context():
        with pytest.raises(DemoError, match=r"set PORTAL_TODAY, e\.g\. PORTAL_TODAY=2024-10-15"):
            build_demo(6, DEMO_PASSWORD)
        result = outside.test_cli_runner().invoke(args=["demo", "--replace", "--schools", "6"])
        assert result.exit_code != 0 and "set PORTAL_TODAY" in result.output
        assert db.session.scalar(select(func.count()).select_from(TargetPlan)) == 72  # nothing was removed
        db.session.remove()
