"""The annual report, told as the people's story: the superintendent's office creates one for a
school year; the portal assembles it from the District Goals, the scorecard by pillar and the
highlights of the check-ins the Board heard that year; publishing freezes it (one audit event),
so a value changed afterwards never changes what the Board read; a board member never sees a
draft and reads the published report.

The database is shared by the whole session: each test creates the report of a school year of
its own (2016-17 to 2018-19 here; test_board uses 2041 on), and the District Goal results a
test arranges are at high schools of its own (tests/factories.py), removed with them."""
import re
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.measures import annual_reports as ar
from portal.progress.models import BoardUpdate, CheckIn
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets.models import Actual

TAG = re.compile(r"<[^>]+>")


@pytest.fixture
def data(app):
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub(" ", html))


def create(client, auth, year, meeting_date=""):
    token = auth.csrf("/annual-reports")
    return client.post("/annual-reports", data={"csrf_token": token, "school_year": year,
                                                "meeting_date": meeting_date})


def report_id(s, year) -> int | None:
    return s.scalar(select(BoardUpdate.id).where(BoardUpdate.kind_code == "annual_report",
                                                 BoardUpdate.school_year == year))


def publish(client, auth, update_id, version=1):
    token = auth.csrf(f"/annual-reports/{update_id}")
    return client.post(f"/annual-reports/{update_id}/publish", data={"csrf_token": token, "version": version})


def test_the_superintendents_office_creates_an_annual_report_for_a_school_year(data, login_as, client, auth):
    year = "2018-19"
    login_as(Role.superintendent)
    response = create(client, auth, year)
    assert response.status_code == 303
    with data() as s:
        update = s.get(BoardUpdate, report_id(s, year))
        assert update.title == "Annual Report 2018-19" and not update.published
        assert update.meeting_date == date(2019, 10, 8)  # the second Tuesday of October after the year
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "board_update", AuditEvent.entity_id == update.id, AuditEvent.action == "create")) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft, not yet published." in page and "Publish the annual report" in page
    assert "Annual Report 2018-19" in client.get("/annual-reports").get_data(as_text=True)
    again = create(client, auth, year)
    assert again.status_code == 422 and "2018-19 already has its annual report" in again.get_data(as_text=True)


@pytest.mark.parametrize("year, meeting_date, field, message", [
    ("2019/20", "", "school_year", "two years in a row"),
    ("", "", "school_year", "Enter the school year"),
    ("2099-00", "", "school_year", "Choose a school year from 2010-11"),
    ("2015-16", "2016-03-01", "meeting_date", "after the year ends"),
    ("2015-16", "soon", "meeting_date", "Enter a date like"),
])
def test_a_bad_school_year_or_date_is_refused_at_its_field(data, login_as, client, auth, year, meeting_date, field,
                                                           message):
    with data() as s:
        before = s.scalar(select(func.count()).select_from(BoardUpdate))
    login_as(Role.admin)
    response = create(client, auth, year, meeting_date)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    match = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    assert match and message in match.group(1)
    with data() as s:
        assert s.scalar(select(func.count()).select_from(BoardUpdate)) == before


@pytest.mark.parametrize("role", [Role.board, Role.central_office])
def test_only_the_superintendents_office_creates_and_publishes(data, login_as, client, auth, role):
    login_as(role)
    assert "Create the draft" not in client.get("/annual-reports").get_data(as_text=True)
    assert create(client, auth, "2014-15").status_code == 403
    with data() as s:
        assert report_id(s, "2014-15") is None


def district_results(s, factories, metric_code: str, year: str, results: list[tuple[float, int]]) -> None:
    """All-students results for a District Goal metric at high schools of the test's own (removed
    with them when the test ends)."""
    metric = s.scalar(select(Metric).where(Metric.code == metric_code))
    everyone = s.scalar(select(StudentGroup.id).where(StudentGroup.code == "all"))
    for value, n in results:
        s.add(Actual(school_id=factories.school("high").id, metric_id=metric.id, group_id=everyone, year=year,
                     value=value, n_students=n, import_id="test"))
    s.commit()


def test_the_report_is_assembled_from_the_goals_the_scorecard_and_the_board_check_ins(data, factories):
    with data() as s:
        update = BoardUpdate(kind_code="annual_report", school_year="2022-23", meeting_date=date(2023, 10, 10),
                             title="Annual Report 2022-23")  # never saved: only assembled
        district_results(s, factories, "ag_completion", "2011-12", [(40.0, 100), (60.0, 300)])
        goals = ar.district_goals("2011-12")
        report = ar.build_annual_report(update)
        last_heard = {}
        for check_in in s.scalars(select(CheckIn).join(CheckIn.board_updates).where(
                BoardUpdate.published_at.is_not(None), BoardUpdate.kind_code != "annual_report",
                CheckIn.period_end.between(date(2022, 7, 1), date(2023, 6, 30))).order_by(CheckIn.period_end)):
            last_heard[check_in.initiative.name] = (check_in.period, check_in.status.title if check_in.status
                                                    else "Not given", check_in.narrative)
        s.expunge_all()
    # The four District Goals with the plan's district baselines; results where recorded (n-weighted).
    assert [g["number"] for g in report["goals"]] == [1, 2, 3, 4]
    assert [g["name"] for g in report["goals"]][:3] == ["Postsecondary", "Literacy", "Numeracy"]
    postsecondary = report["goals"][0]["metrics"][0]
    everyone = postsecondary["lines"][0]
    assert (everyone["baseline_text"], everyone["baseline_year"], postsecondary["target_text"]) == (
        "48.1%", "2020-21", "70%")
    literacy = report["goals"][1]["metrics"][0]
    assert literacy["target_text"] == "+30 pts from the 2021-22 result"
    ag = goals[0]["metrics"][0]["lines"][0]
    assert ag["label"] == "All students" and ag["results"][-1] == {"year": "2011-12", "value": 55.0, "text": "55.0%",
                                                                    "students": 400, "generated": False}
    assert "2011-12" not in ag["generated_years"]  # the district's own results
    # The scorecard by pillar: the counts equal the measures' statuses, 93 in all.
    card = report["scorecard"]
    assert card["total"]["total"] == 93 and sum(p["counts"]["total"] for p in card["pillars"]) == 93
    for pillar in card["pillars"]:
        changes = [m["change"] for pr in pillar["priorities"] for m in pr["measures"]]
        assert pillar["counts"]["improved"] == changes.count("improved") == int(pillar["counts"]["text"].split()[0])
    # The highlights: each initiative's latest check-in of 2022-23 that the Board heard.
    # In the demo's story the Board heard every initiative last at the End-of-Year Update of June 2023.
    highlights = {h["initiative"]: h for h in report["highlights"]}
    assert report["initiative_count"] == len(report["highlights"]) >= 6
    for name, heard in last_heard.items():
        assert (highlights[name]["period"], highlights[name]["status_text"], highlights[name]["narrative"]) == heard
    assert {h["board_update"] for h in highlights.values()} == {"Strategic Plan End-of-Year Update 2022-23"}


def enter_value(client, year: str, value: str) -> int:
    """The office enters 1B-2's value for `year` as the measure's page shows its form once the year
    is chosen (with the version of the value saved for it, if any); the answer's status."""
    page = client.get("/measures/1B-2", query_string={"year": year}).get_data(as_text=True)
    shown = dict(re.findall(r'name="(csrf_token|version|seen_year|seen_subtarget)"[^>]* value="([^"]*)"', page))
    response = client.post("/measures/1B-2/values", data={**shown, "year": year, "value": value,
                                                          "as_of": f"{year[:2]}{year[-2:]}-06-30"})
    return response.status_code


def test_publishing_freezes_the_report_with_one_audit_event(data, login_as, client, auth):
    year = "2017-18"
    login_as(Role.central_office)
    assert enter_value(client, year, "13.9") == 303
    auth.logout()
    login_as(Role.superintendent)
    assert create(client, auth, year).status_code == 303
    with data() as s:
        update_id = report_id(s, year)
    draft = text_of(client.get(f"/annual-reports/{update_id}").get_data(as_text=True))
    assert "13.9%" in draft and "Pillar 1: Academic Excellence 1 of 22 measures improved" in draft
    stale = publish(client, auth, update_id, version=7)
    assert stale.status_code == 409 and "Someone changed this annual report" in stale.get_data(as_text=True)
    response = publish(client, auth, update_id)
    assert response.status_code == 303
    with data() as s:
        update = s.get(BoardUpdate, update_id)
        assert update.published and update.snapshot["scorecard"]["total"]["improved"] >= 1
        events = s.scalars(select(AuditEvent).where(AuditEvent.entity == "board_update",
                                                    AuditEvent.entity_id == update_id,
                                                    AuditEvent.action == "publish")).all()
        assert len(events) == 1 and events[0].actor_role == "superintendent"
    again = publish(client, auth, update_id, version=2)
    assert again.status_code == 422 and "already published" in again.get_data(as_text=True)
    # The office changes the value afterwards: the published report still shows what the Board read.
    auth.logout()
    login_as(Role.central_office)
    assert enter_value(client, year, "11.0") == 303
    live = text_of(client.get(f"/scorecard?year={year}&pillar=1").get_data(as_text=True))
    assert "11%" in live and "0 of 22 measures improved" in live
    auth.logout()
    login_as(Role.board)
    frozen = text_of(client.get(f"/annual-reports/{update_id}").get_data(as_text=True))
    assert "this report is frozen" in frozen and "13.9%" in frozen and "11%" not in frozen
    assert "Pillar 1: Academic Excellence 1 of 22 measures improved" in frozen
    assert "Publish the annual report" not in frozen


def test_a_draft_is_not_found_for_the_board_and_the_published_report_is_read(data, login_as, client, auth):
    year = "2016-17"
    login_as(Role.superintendent)
    assert create(client, auth, year).status_code == 303
    with data() as s:
        update_id = report_id(s, year)
    for role in (Role.board, Role.central_office):
        auth.logout()
        login_as(role)
        assert client.get(f"/annual-reports/{update_id}").status_code == 404
        assert client.get(f"/annual-reports/{update_id}", headers={"HX-Request": "true"}).status_code == 404
        assert "Annual Report 2016-17" not in client.get("/annual-reports").get_data(as_text=True)
    auth.logout()
    login_as(Role.superintendent)
    assert publish(client, auth, update_id).status_code == 303
    auth.logout()
    login_as(Role.board)
    listing = client.get("/annual-reports").get_data(as_text=True)
    assert f'href="/annual-reports/{update_id}">Annual Report 2016-17</a>' in listing
    page = client.get(f"/annual-reports/{update_id}")
    text = text_of(page.get_data(as_text=True))
    assert page.status_code == 200 and "Published on" in text and "The District Goals" in text
    assert "Measures of Success by pillar" in text and "Highlights of the initiatives" in text
    with data() as s:
        other = s.scalar(select(BoardUpdate.id).where(BoardUpdate.kind_code != "annual_report",
                                                      BoardUpdate.published_at.is_not(None)))
        assert s.scalar(select(BoardUpdate.published_by_id).where(BoardUpdate.id == update_id)) is not None
    assert client.get(f"/annual-reports/{other}").status_code == 404  # a Board update is not an annual report
