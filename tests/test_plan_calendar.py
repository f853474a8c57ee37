"""Every date fits the plan's clock: an administrator cannot open a target cycle, an office cannot start
a check-in, and the superintendent's office cannot prepare a Board update or log a data review meeting
for a school year or a day outside the 2022-26 plan (2022-23 to 2025-26). Each refusal is a 422 with the
reason at the field and nothing written; a cycle's name agrees with its school year, and its due date
leaves the year it sets targets for time to reach them.

The database is shared by the session: what a test creates through the pages it hands to the factories,
which remove it when the test ends, so the plan's years stay as the demo left them."""
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.progress.models import BoardUpdate, CheckIn, DataReviewMeeting
from portal.strategic_plan import calendar
from portal.targets.models import TargetCycle, TargetPlan

PLAN_YEARS = "The 2022–2026 plan runs from 2022-23 to 2025-26; choose a school year in it."
PLAN_DAYS = "The 2022–2026 plan runs from 1 July 2022 to 30 June 2026; choose a date in it."


def field_error(html: str, field: str) -> str:
    """The message shown at the field (empty when it shows none)."""
    found = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()) if found else ""


def counts(app, *models) -> tuple[int, ...]:
    with app.app_context():
        try:
            return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)
        finally:
            db.session.remove()


def free_year(app, kind: str, years: list[str] | None = None) -> str:
    """A school year of the plan whose Board update of `kind` nobody has created yet (latest first)."""
    with app.app_context():
        try:
            taken = set(db.session.scalars(select(BoardUpdate.school_year).where(BoardUpdate.kind_code == kind)))
            free = [y for y in reversed(years or calendar.plan_years()) if y not in taken]
        finally:
            db.session.remove()
    assert free, f"every school year of the plan already has its {kind} update"
    return free[0]


# ---------------------------------------------------------------- the plan's calendar

def test_the_plan_spans_its_four_school_years_from_the_year_after_the_baseline(app):
    with app.app_context():
        assert calendar.plan_years() == ["2022-23", "2023-24", "2024-25", "2025-26"]
        assert (calendar.first_day().isoformat(), calendar.last_day().isoformat()) == ("2022-07-01", "2026-06-30")
        assert calendar.year_problem("2026-27") == PLAN_YEARS and calendar.year_problem("2024-25") is None
        assert calendar.years_named("2025-26 targets with a trajectory") == ["2025-26"]
        assert calendar.years_named("The 2022-26 plan's 2024–2025 targets") == ["2024-25"]
        assert calendar.calendar_years_named("Mid-year 2023-24, Spring 2024") == [2024]


# ---------------------------------------------------------------- target cycles

CYCLE = {"school_year": "2023-24", "kind": "trajectory", "name": "", "opens_on": "2023-09-11",
         "due_on": "2023-10-13", "closes_on": "2023-10-27"}


@pytest.mark.parametrize("changes, field, message", [
    ({"school_year": "2026-27", "kind": "annual", "opens_on": "2026-09-14", "due_on": "2026-10-02",
      "closes_on": "2026-10-09"}, "school_year", PLAN_YEARS),
    ({"school_year": "2021-22", "opens_on": "2021-09-13", "due_on": "2021-10-15", "closes_on": "2021-10-29"},
     "school_year", PLAN_YEARS),
    ({"school_year": "2025-26", "opens_on": "2025-09-08", "due_on": "2025-10-10", "closes_on": "2025-10-24"},
     "school_year", "A trajectory cycle sets targets for the plan's years after its own, and 2025-26 is the "
                    "plan's last year. Open an annual cycle for 2025-26 instead."),
    ({"name": "2025-26 targets with a trajectory"}, "name",
     "This name says 2025-26, but the cycle is for the 2023-24 school year. Name the cycle's own year, or leave "
     "the name blank to use “2023-24 targets with a trajectory to 2026”."),
    ({"opens_on": "2023-06-12"}, "opens_on",
     "Choose the opening date in the 2023-24 school year, from 1 July 2023 to 30 June 2024."),
    ({"closes_on": "2024-07-12"}, "closes_on",
     "Choose the closing date in the 2023-24 school year, from 1 July 2023 to 30 June 2024."),
    ({"kind": "annual", "school_year": "2025-26", "opens_on": "2025-09-08", "due_on": "2026-01-15",
      "closes_on": "2026-01-30"}, "due_on",
     "An annual cycle sets the target for 2025-26, so it is due by 31 December 2025, while the year can still "
     "reach it."),
])
def test_a_cycle_off_the_plans_calendar_is_refused_at_the_field_and_nothing_is_written(
        app, login_as, client, auth, changes, field, message):
    before = counts(app, TargetCycle, TargetPlan, AuditEvent)
    login_as(Role.admin)
    response = client.post("/admin/cycles/new", data={"csrf_token": auth.csrf("/admin/cycles"),
                                                      **CYCLE, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, field) == f"Error: {message}"
    assert f'value="{changes.get("school_year", CYCLE["school_year"])}"' in html  # what was typed stays
    assert counts(app, TargetCycle, TargetPlan, AuditEvent) == before


@pytest.mark.parametrize("changes, name", [
    ({}, "2023-24 targets with a trajectory to 2026"),
    ({"name": "Targets to 2026, set in 2023–2024"}, "Targets to 2026, set in 2023–2024"),
    ({"kind": "annual", "school_year": "2025-26", "opens_on": "2025-09-08", "due_on": "2025-12-31",
      "closes_on": "2026-01-16"}, "2025-26 targets"),
])
def test_a_cycle_on_the_plans_calendar_opens_named_for_its_school_year(app, login_as, client, auth, factories,
                                                                      changes, name):
    login_as(Role.admin)
    response = client.post("/admin/cycles/new", data={"csrf_token": auth.csrf("/admin/cycles"),
                                                      **CYCLE, **changes})
    assert response.status_code == 303
    with app.app_context():
        cycle = db.session.scalars(select(TargetCycle).order_by(TargetCycle.id.desc())).first()
        factories.adopt(cycle)
        year, kind, stored = cycle.school_year, cycle.kind, cycle.name
        db.session.commit()
        db.session.remove()
    assert (year, kind.value, stored) == (changes.get("school_year", "2023-24"), changes.get("kind", "trajectory"),
                                          name)
    assert f"Opened “{name}”" in client.get("/admin/cycles").get_data(as_text=True)


def test_the_cycle_form_suggests_the_plans_years(login_as, client):
    login_as(Role.admin)
    html = client.get("/admin/cycles").get_data(as_text=True)
    assert "A school year of the plan, from 2022-23 to 2025-26, like 2024-25." in html
    assert "Leave blank to use the school year and kind, like “2024-25 targets”." in html
    assert "Set 2026 targets with a trajectory" in html


# ---------------------------------------------------------------- check-in periods

@pytest.fixture
def initiative(app, factories):
    """An action plan of an office of its own, and the email its office logs in with."""
    with app.app_context():
        made = factories.initiative()
        found = made.id, factories.office_user(made.office).email
        db.session.remove()
    return found


@pytest.mark.parametrize("form, field, message", [
    ({"period": "Spring 2022", "period_end": "2022-05-31"}, "period_end", PLAN_DAYS),
    ({"period": "Spring 2025", "period_end": "2024-03-31"}, "period",
     "“Spring 2025” names 2025, but its last day, 31 March 2024, is in 2024. Change the name or the last day so "
     "they agree."),
    ({"period": "Mid-year 2023-24", "period_end": "2025-02-28"}, "period",
     "“Mid-year 2023-24” names the 2023-24 school year, but its last day, 28 February 2025, falls in 2024-25. "
     "Change the name or the last day so they agree."),
])
def test_a_check_in_period_off_the_plans_calendar_is_refused_at_the_field(app, login_as, client, auth, initiative,
                                                                         form, field, message):
    initiative_id, email = initiative
    login_as(Role.central_office, email)
    before = counts(app, CheckIn, AuditEvent)
    response = client.post(f"/initiatives/{initiative_id}/check-ins",
                           data={"csrf_token": auth.csrf(f"/initiatives/{initiative_id}"), **form})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, f"start-{field}") == f"Error: {message}"
    assert f'value="{form["period"]}"' in html  # what was typed stays
    assert counts(app, CheckIn, AuditEvent) == before


@pytest.mark.parametrize("form", [{"period": "Mid-year 2023-24", "period_end": "2024-02-29"},
                                  {"period": "Fall 2022", "period_end": "2022-09-30"},
                                  {"period": "End of the plan", "period_end": "2024-06-30"}])
def test_a_check_in_period_inside_the_plan_starts(app, login_as, client, auth, initiative, form):
    initiative_id, email = initiative
    login_as(Role.central_office, email)
    response = client.post(f"/initiatives/{initiative_id}/check-ins",
                           data={"csrf_token": auth.csrf(f"/initiatives/{initiative_id}"), **form})
    assert response.status_code == 303
    with app.app_context():
        started = db.session.scalar(select(CheckIn).where(CheckIn.initiative_id == initiative_id))
        assert (started.period, started.period_end.isoformat()) == (form["period"], form["period_end"])
        db.session.remove()


# ---------------------------------------------------------------- Board updates and data review meetings

@pytest.mark.parametrize("form, field, message", [
    ({"kind": "initial", "school_year": "2026-27", "meeting_date": "2026-10-13"}, "school_year", PLAN_YEARS),
    ({"kind": "end_of_year", "school_year": "2021-22", "meeting_date": "2022-06-14"}, "school_year", PLAN_YEARS),
    ({"kind": "mid_year", "school_year": "{free}", "meeting_date": "{after}-07-14"}, "meeting_date",
     "Choose the meeting date in the {free} school year, from 1 July {start} to 30 June {after}."),
    ({"kind": "annual_report", "school_year": "{free}", "meeting_date": "{after}-03-10"}, "meeting_date",
     "The annual report on {free} is given in the fall after the year ends: choose a date between 1 July {after} "
     "and 31 December {after}."),
])
def test_a_board_update_off_the_plans_calendar_is_refused_at_the_field(app, login_as, client, auth, form, field,
                                                                      message):
    year = free_year(app, form["kind"], ["2024-25", "2025-26"])
    values = {"free": year, "start": year[:4], "after": int(year[:4]) + 1}
    posted = {k: v.format(**values) for k, v in form.items()}
    before = counts(app, BoardUpdate, AuditEvent)
    login_as(Role.superintendent)
    response = client.post("/board-updates", data={"csrf_token": auth.csrf("/board-updates"), "title": "", **posted})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, field) == "Error: " + message.format(**values)
    assert counts(app, BoardUpdate, AuditEvent) == before


@pytest.mark.parametrize("kind, month", [("mid_year", "03-03"), ("annual_report", "10-13")])
def test_a_board_update_inside_the_plan_is_created(app, login_as, client, auth, factories, kind, month):
    year = free_year(app, kind, ["2024-25", "2025-26"])
    login_as(Role.superintendent)
    response = client.post("/board-updates", data={"csrf_token": auth.csrf("/board-updates"), "kind": kind,
                                                   "school_year": year, "title": "",
                                                   "meeting_date": f"{int(year[:4]) + 1}-{month}"})
    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(select(BoardUpdate).where(BoardUpdate.kind_code == kind,
                                                              BoardUpdate.school_year == year))
        factories.adopt(created)
        assert created.title.endswith(year) and not created.published
        db.session.commit()
        db.session.remove()


def test_the_board_update_form_suggests_the_plans_years(login_as, client):
    login_as(Role.superintendent)
    html = client.get("/board-updates").get_data(as_text=True)
    assert "A school year of the plan, from 2022-23 to 2025-26, like 2024-25." in html
    assert "2026-27" not in html and "Strategic Plan Mid-Year Implementation Update 2024-25" in html


def test_a_data_review_meeting_before_the_plan_is_refused_at_the_field(app, login_as, client, auth, factories):
    with app.app_context():
        code = factories.school(tier=2).code
        db.session.remove()
    before = counts(app, DataReviewMeeting, AuditEvent)
    login_as(Role.superintendent)
    response = client.post("/data-reviews", data={"csrf_token": auth.csrf("/data-reviews"), "held_on": "2022-06-30",
                                                  "schools": code})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_error(html, "held_on") == f"Error: {PLAN_DAYS}"
    assert counts(app, DataReviewMeeting, AuditEvent) == before


def test_a_data_review_meeting_on_the_plans_first_day_is_logged(app, login_as, client, auth, factories):
    with app.app_context():
        code = factories.school(tier=2).code
        db.session.remove()
    login_as(Role.superintendent)
    response = client.post("/data-reviews", data={"csrf_token": auth.csrf("/data-reviews"), "held_on": "2022-07-01",
                                                  "schools": code})
    assert response.status_code == 303
    with app.app_context():
        meeting = db.session.scalars(select(DataReviewMeeting).order_by(DataReviewMeeting.id.desc())).first()
        assert meeting.held_on.isoformat() == "2022-07-01" and [s.code for s in meeting.schools] == [code]
        factories.adopt(meeting)
        db.session.commit()
        db.session.remove()
