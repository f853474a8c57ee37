"""Board updates and data review meetings, told as the users' story: a board member reads the
published March 2023 update with its real figures and never a draft; the superintendent's
office prepares an update, places a ready check-in, publishes it, and the report stays frozen
whatever later happens to the check-in; Priority 4A's data review meetings are counted per
school against the plan's three a year, and logged within each person's scope.

The database is shared by the whole session, so each test arranges what it changes: its own
draft update (of a kind for a school year of the plan that no update holds yet) and its own ready
check-in (on the Greening Projects action plan, dated before any real period, so it never becomes an
initiative's latest check-in), both removed when the test ends. The data review meetings a test
logs are for schools of its own, in regions of their own (tests/factories.py), removed when it ends.
The demo's own records are only read, or acted on in ways that are refused."""
import re
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import count

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import Region, School, User
from portal.progress.models import (
    BoardUpdate,
    CheckIn,
    DataReviewMeeting,
    Initiative,
    MetricValue,
    Progress,
    Stage,
    data_review_school,
)
from portal.strategic_plan import calendar
from tests.conftest import PORTAL_TODAY, ROLE_EMAILS


def today() -> date:
    """The portal's date (PORTAL_TODAY), in or out of an application context."""
    return date.fromisoformat(PORTAL_TODAY)

MARCH_2023 = "Strategic Plan Mid-Year Implementation Update"
DEMO_DRAFT = "Strategic Plan Initial Update 2024-25"  # the demo's next update (22 Oct 2024), being prepared
ROW = re.compile(r'<tr id="school-(\d+)">(.*?)</tr>', re.S)
TAG = re.compile(r"<[^>]+>")
_seat = count(1)


@pytest.fixture
def data(app):
    """Arrange and read the database in an application context of its own, so requests made
    between two `with data() as s:` blocks never share the test's session or flask.g."""
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", TAG.sub(" ", html))


def htmx(token: str) -> dict:
    return {"HX-Request": "true", "X-CSRFToken": token}


def march_2023(s) -> BoardUpdate:
    return s.scalar(select(BoardUpdate).where(BoardUpdate.title == MARCH_2023, BoardUpdate.school_year == "2022-23"))


def demo_draft(s) -> BoardUpdate:
    return s.scalar(select(BoardUpdate).where(BoardUpdate.published_at.is_(None), BoardUpdate.title == DEMO_DRAFT))


def own_year(s, kind: str) -> str:
    """A school year of the plan that holds no Board update of `kind` yet (the latest such): each test's
    draft is its own, and the factories remove it when the test ends."""
    taken = set(s.scalars(select(BoardUpdate.school_year).where(BoardUpdate.kind_code == kind)))
    free = [year for year in reversed(calendar.plan_years()) if year not in taken]
    assert free, f"every school year of the plan already has its {kind} update"
    return free[0]


def meeting_day(kind: str, year: str) -> date:
    """The Board meeting of an update of `kind` on the school year: in its month of that year, or for the
    annual report, in the fall after the year ends."""
    start = int(year[:4])
    return {"initial": date(start, 10, 14), "mid_year": date(start + 1, 3, 4),
            "end_of_year": date(start + 1, 6, 10), "annual_report": date(start + 1, 10, 13)}[kind]


def arrange_draft(s, factories, kind: str = "end_of_year") -> BoardUpdate:
    year = own_year(s, kind)
    update = BoardUpdate(kind_code=kind, school_year=year, meeting_date=meeting_day(kind, year),
                         title=f"Test update {kind} {year}")
    s.add(update)
    factories.adopt(update)
    s.commit()
    return update


def arrange_ready_check_in(s, factories, label: str) -> CheckIn:
    """A Greening Projects check-in recorded with the superintendent (stage 3), ready for the Board."""
    initiative = s.scalar(select(Initiative).where(Initiative.code == "greening"))
    metrics = {m.code: m for m in initiative.metrics}
    end = date(2019, 6, 30) - timedelta(days=next(_seat))
    check_in = CheckIn(initiative=initiative, period=f"Board test {label}", period_end=end, stage=Stage.ready,
                       status=Progress.at_risk, narrative="Seven projects approved, valued at $14.2 million.",
                       sharing_date=end, sharing_attendees="Facilities team", review_notes="Checked.",
                       supt_date=end, supt_feedback="Keep going.", supt_decisions="Continue as planned.")
    check_in.values = [MetricValue(metric=metrics["projects_approved"], value=7, as_of=end),
                       MetricValue(metric=metrics["projects_value"], value=14_200_000, as_of=end)]
    s.add(check_in)
    factories.adopt(check_in)
    s.commit()
    return check_in


def audit(s, entity: str, entity_id: int, action: str) -> int:
    return s.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.entity == entity, AuditEvent.entity_id == entity_id, AuditEvent.action == action))


# ---------------------------------------------------------------- what a board member reads

def test_a_board_member_lists_only_the_published_updates(data, login_as, client):
    with data() as s:
        drafts = s.scalars(select(BoardUpdate.title).where(BoardUpdate.published_at.is_(None))).all()
        published = s.scalars(select(BoardUpdate.title).where(BoardUpdate.published_at.is_not(None))).all()
    assert drafts, "the demo has a draft update"
    login_as(Role.board)
    html = client.get("/board-updates").get_data(as_text=True)
    page = text_of(html)
    for title in published:
        assert str(escape(title)) in html
    for title in drafts:
        assert str(escape(title)) not in html
    assert "Published on 7 March 2023" in page and "Published on 11 October 2022" in page
    for kind, when in (("Initial Update", "October"), ("Mid-Year Implementation Update", "March"),
                       ("End-of-Year Update", "June"), ("Annual Report", "Fall")):
        assert f"{kind} {when}" in page  # the calendar
    assert "Draft" not in page and "Create the draft" not in page


def test_a_board_member_reads_the_march_2023_report_with_its_real_figures(data, login_as, client):
    with data() as s:
        update_id = march_2023(s).id
    login_as(Role.board)
    response = client.get(f"/board-updates/{update_id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = text_of(html)
    assert "Board meeting of 7 March 2023" in page
    assert "Published on 7 March 2023: this report is frozen; later changes to check-ins do not change it." in page
    for pillar in ("Pillar 1: Academic Excellence", "Pillar 2: Joy and Wellness", "Pillar 5: Investing in Staff"):
        assert pillar in page
    # Acceleration Days & Tutoring: unique users by service type over three months, with a chart.
    assert re.search(r"On-Demand Homework Help 3,667 5,788 19,613 as of 1 Nov 2022", page)
    assert "Service type" in page and "<svg" in html and "On-Demand Homework Help, November 2022: 19,613" in html
    # iAttend: K-5 chronic absence in Fall 2022 against the 2017 baseline and the 2026 goal.
    assert re.search(r"K-5 40\.8% 39\.9% 13\.6% 12\.8%", page)  # the update dates no attendance figure
    assert "2026 goal (Measure of Success)" in page and "2017 baseline" in page
    # Greening, and staffing's fill rate.
    assert "$11,894,670" in page and "$50 million identified by 2026" in page
    assert re.search(r"Fill rate .*?Certificated 98\.0%", page)
    # Status in words with a symbol: the update rated no initiative, so none is given (never made up).
    assert html.count("?</span> Not given") == 6
    assert "</span> On track" not in html and "</span> At risk" not in html and "</span> Off track" not in html
    # The Measures of Success each initiative moves.
    assert "2D-1" in page and "Decrease the percentage of chronically absent students" in page
    assert "Print" in page and "Place in this update" not in page and "Publish" not in page.replace("Published", "")


@pytest.mark.parametrize("role", [Role.board, Role.central_office])
def test_a_draft_update_is_not_found_for_board_members_and_central_offices(data, login_as, client, role):
    with data() as s:
        draft_id = demo_draft(s).id
    login_as(role)
    assert client.get(f"/board-updates/{draft_id}").status_code == 404
    assert client.get("/board-updates").status_code == 200


# ---------------------------------------------------------------- preparing and publishing an update

def test_the_superintendents_office_places_a_ready_check_in_publishes_and_the_report_is_frozen(
        data, login_as, client, auth, factories):
    with data() as s:
        update = arrange_draft(s, factories)
        check_in = arrange_ready_check_in(s, factories, "frozen")
        update_id, check_in_id, version = update.id, check_in.id, check_in.version
        metric_value_id = next(v.id for v in check_in.values if v.value == 14_200_000)
        update_version = update.version
    login_as(Role.superintendent)
    html = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    assert "Draft, not yet published." in text_of(html)
    assert f'name="check_in_id" value="{check_in_id}"' in html and "Place in this update" in html
    token = auth.csrf(f"/board-updates/{update_id}")

    # Place it in place (htmx): the draft's panel and report come back, nothing else.
    response = client.post(f"/board-updates/{update_id}/place",
                           data={"check_in_id": check_in_id, "version": version}, headers=htmx(token))
    part = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in part
    assert "Placed Greening Projects (Board test frozen) in this update." in part
    assert "Take out" in part and "Seven projects approved, valued at $14.2 million." in part
    with data() as s:
        placed = s.get(CheckIn, check_in_id)
        assert placed.stage == Stage.board and [u.id for u in placed.board_updates] == [update_id]

    # Publish (a plain form post): 303 back to the report, one audit event.
    response = client.post(f"/board-updates/{update_id}/publish",
                           data={"csrf_token": token, "version": update_version, "confirm": "yes"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/board-updates/{update_id}")
    with data() as s:
        published = s.get(BoardUpdate, update_id)
        assert published.published and published.snapshot["initiative_count"] == 1
        assert audit(s, "board_update", update_id, "publish") == 1
        # Later changes to the check-in, straight in the database.
        changed = s.get(CheckIn, check_in_id)
        changed.narrative = "A later rewrite the Board never saw."
        s.get(MetricValue, metric_value_id).value = 99_999_999
        s.commit()
    page = text_of(client.get(f"/board-updates/{update_id}").get_data(as_text=True))
    assert "this report is frozen" in page
    assert "Seven projects approved, valued at $14.2 million." in page and "$14,200,000" in page
    assert "A later rewrite the Board never saw." not in page and "$99,999,999" not in page

    # Publishing again is refused and writes nothing.
    response = client.post(f"/board-updates/{update_id}/publish",
                           data={"csrf_token": token, "version": 2, "confirm": "yes"})
    assert response.status_code == 422
    assert "This Board update is already published." in response.get_data(as_text=True)
    with data() as s:
        assert audit(s, "board_update", update_id, "publish") == 1


def test_taking_a_check_in_out_makes_it_ready_again(data, login_as, client, auth, factories):
    with data() as s:
        update = arrange_draft(s, factories, "initial")
        check_in = arrange_ready_check_in(s, factories, "take out")
        update_id, check_in_id, version = update.id, check_in.id, check_in.version
    login_as(Role.admin)
    token = auth.csrf(f"/board-updates/{update_id}")
    response = client.post(f"/board-updates/{update_id}/place",
                           data={"csrf_token": token, "check_in_id": check_in_id, "version": version})
    assert response.status_code == 303
    with data() as s:
        version = s.get(CheckIn, check_in_id).version
    stale = client.post(f"/board-updates/{update_id}/unplace",
                        data={"csrf_token": token, "check_in_id": check_in_id, "version": version - 1})
    # The change this stale form missed was the administrator's own placing: they are told so.
    assert stale.status_code == 409
    assert "You placed this check-in in a Board update in another tab or a moment ago" in stale.get_data(as_text=True)
    response = client.post(f"/board-updates/{update_id}/unplace",
                           data={"check_in_id": check_in_id, "version": version}, headers=htmx(token))
    assert response.status_code == 200 and "It is ready for the Board again." in response.get_data(as_text=True)
    with data() as s:
        back = s.get(CheckIn, check_in_id)
        assert back.stage == Stage.ready and back.board_updates == []
        version, update_version = back.version, s.get(BoardUpdate, update_id).version
    # Leave nothing ready that another story might count: place it again and publish this test's update.
    assert client.post(f"/board-updates/{update_id}/place", data={"csrf_token": token, "check_in_id": check_in_id,
                                                                 "version": version}).status_code == 303
    assert client.post(f"/board-updates/{update_id}/publish",
                       data={"csrf_token": token, "version": update_version, "confirm": "yes"}).status_code == 303


def test_publishing_an_empty_update_is_refused(data, login_as, client, auth, factories):
    with data() as s:
        update_id = arrange_draft(s, factories, "mid_year").id
    login_as(Role.superintendent)
    token = auth.csrf(f"/board-updates/{update_id}")
    response = client.post(f"/board-updates/{update_id}/publish",
                           data={"csrf_token": token, "version": 1, "confirm": "yes"})
    assert response.status_code == 422
    assert "Place at least one check-in in this Board update before publishing it." in response.get_data(as_text=True)
    with data() as s:
        assert not s.get(BoardUpdate, update_id).published
        assert audit(s, "board_update", update_id, "publish") == 0


def test_a_published_update_refuses_new_check_ins_and_a_second_publish(data, login_as, client, auth):
    with data() as s:
        update = march_2023(s)
        ready = s.scalars(select(CheckIn).where(CheckIn.stage == Stage.ready).order_by(CheckIn.id)).first()
        assert ready is not None, "the demo has a check-in ready for the Board"
        update_id, ready_id, ready_version = update.id, ready.id, ready.version
        count_before = len(update.check_ins)
        events_before = audit(s, "board_update", update_id, "publish")
    login_as(Role.superintendent)
    token = auth.csrf(f"/board-updates/{update_id}")
    response = client.post(f"/board-updates/{update_id}/place",
                           data={"csrf_token": token, "check_in_id": ready_id, "version": ready_version})
    assert response.status_code == 422
    assert "That Board update is published; its report can no longer change." in response.get_data(as_text=True)
    again = client.post(f"/board-updates/{update_id}/publish",
                        data={"csrf_token": token, "version": 2, "confirm": "yes"})
    assert again.status_code == 422 and "This Board update is already published." in again.get_data(as_text=True)
    with data() as s:
        assert s.get(CheckIn, ready_id).stage == Stage.ready and s.get(CheckIn, ready_id).version == ready_version
        assert len(s.get(BoardUpdate, update_id).check_ins) == count_before
        assert audit(s, "board_update", update_id, "publish") == events_before


@pytest.mark.parametrize("role", [Role.central_office, Role.board])
def test_central_offices_and_board_members_cannot_create_place_or_publish(data, login_as, client, auth, role):
    with data() as s:
        draft_id = demo_draft(s).id
        before = s.scalar(select(func.count()).select_from(BoardUpdate))
        year = own_year(s, "initial")
    login_as(role)
    html = client.get("/board-updates").get_data(as_text=True)
    assert "Create the draft" not in html
    token = auth.csrf("/board-updates")
    assert client.post("/board-updates", data={"csrf_token": token, "kind": "initial", "school_year": year,
                                               "meeting_date": meeting_day("initial", year).isoformat()}
                       ).status_code == 403
    assert client.post(f"/board-updates/{draft_id}/publish",
                       data={"csrf_token": token, "version": 1, "confirm": "yes"}).status_code == 403
    assert client.post(f"/board-updates/{draft_id}/place", data={"csrf_token": token}).status_code == 403
    with data() as s:
        assert s.scalar(select(func.count()).select_from(BoardUpdate)) == before
        assert not s.get(BoardUpdate, draft_id).published


def test_the_superintendent_creates_a_draft_for_a_kind_and_year(data, login_as, client, auth, factories):
    with data() as s:
        year = own_year(s, "mid_year")
    login_as(Role.superintendent)
    token = auth.csrf("/board-updates")
    response = client.post("/board-updates", data={"csrf_token": token, "kind": "mid_year", "school_year": year,
                                                   "meeting_date": f"{int(year[:4]) + 1}-03-04", "title": ""})
    assert response.status_code == 303
    with data() as s:
        created = s.scalar(select(BoardUpdate).where(BoardUpdate.school_year == year,
                                                     BoardUpdate.kind_code == "mid_year"))
        factories.adopt(created)
        s.commit()
        assert created.kind_code == "mid_year" and not created.published
        assert created.title == f"Strategic Plan Mid-Year Implementation Update {year}"
        assert audit(s, "board_update", created.id, "create") == 1
    assert response.headers["Location"].endswith(f"/board-updates/{created.id}")


@pytest.mark.parametrize("form, field, message", [
    ({"kind": "initial", "school_year": "2024-26", "meeting_date": "2024-10-08"}, "school_year",
     "Write the school year as two years in a row, like 2024-25."),
    ({"kind": "mid_year", "school_year": "2022-23", "meeting_date": "2023-03-09"}, "kind",
     "2022-23 already has its Mid-Year Implementation Update"),
    ({"kind": "end_of_year", "school_year": "2025-26", "meeting_date": ""}, "meeting_date",
     "Enter the date of the Board meeting."),
    ({"kind": "end_of_year", "school_year": "2023-24", "meeting_date": "2025-06-03"}, "meeting_date",
     "Choose the meeting date in the 2023-24 school year, from 1 July 2023 to 30 June 2024."),
    ({"kind": "annual_report", "school_year": "2025-26", "meeting_date": "2026-11-10"}, "meeting_date",
     "Enter a date between 1 January 2000 and "),
    ({"kind": "end_of_year", "school_year": "2024-25", "meeting_date": "0001-01-01"}, "meeting_date",
     "Enter a date between 1 January 2000 and "),
    ({"kind": "end_of_year", "school_year": "2024-25", "meeting_date": "soon"}, "meeting_date",
     "Enter a date like 2025-03-04."),
    ({"kind": "", "school_year": "2025-26", "meeting_date": "2026-03-03"}, "kind", "Choose the kind of update."),
])
def test_the_create_form_answers_bad_input_at_the_field_and_keeps_what_was_typed(
        data, login_as, client, auth, form, field, message):
    with data() as s:
        before = s.scalar(select(func.count()).select_from(BoardUpdate))
    login_as(Role.admin)
    token = auth.csrf("/board-updates")
    response = client.post("/board-updates", data={"csrf_token": token, "title": "Our own title", **form})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    assert 'value="Our own title"' in html and f'value="{form["school_year"]}"' in html
    with data() as s:
        assert s.scalar(select(func.count()).select_from(BoardUpdate)) == before


# ---------------------------------------------------------------- data review meetings (Priority 4A)

def year_start() -> date:
    day = today()
    return date(day.year if day.month >= 7 else day.year - 1, 7, 1)


def meetings_per_school(s, school_ids) -> dict[int, int]:
    start = year_start()
    rows = dict(s.execute(
        select(data_review_school.c.school_id, func.count())
        .join(DataReviewMeeting, DataReviewMeeting.id == data_review_school.c.meeting_id)
        .where(DataReviewMeeting.held_on.between(start, date(start.year + 1, 6, 30)),
               data_review_school.c.school_id.in_(list(school_ids)))
        .group_by(data_review_school.c.school_id)).all())
    return {school_id: rows.get(school_id, 0) for school_id in school_ids}


def shown_counts(html: str) -> dict[int, str]:
    """School id -> the meetings cell as read, e.g. '2 of 3' or '✓ Met: 4 of 3'."""
    return {int(school_id): text_of(row.rsplit('<td class="num">', 1)[1]).strip()
            for school_id, row in ROW.findall(html)}


def expected_text(n: int) -> str:
    return f"✓ Met: {n} of 3" if n >= 3 else f"{n} of 3"


def leader(s) -> User:
    return s.scalar(select(User).where(User.email == ROLE_EMAILS[Role.regional_leader]))


def own_region(factories, tier3: int) -> tuple[Region, list[School], User]:
    """A region of the test's own with `tier3` Tier 3 priority schools, and its regional leader."""
    area = factories.region()
    schools = [factories.school(region=area, tier=3) for _ in range(tier3)]
    return area, schools, factories.regional_leader(area)


def test_the_count_per_school_equals_the_meetings_in_the_database(data, login_as, client):
    login_as(Role.superintendent)
    html = client.get("/data-reviews").get_data(as_text=True)
    shown = shown_counts(html)
    with data() as s:
        priority = set(s.scalars(select(School.id).where(School.priority_tier.in_((2, 3)))))
        expected = meetings_per_school(s, priority)
        meetings = s.scalar(select(func.count()).select_from(DataReviewMeeting).where(
            DataReviewMeeting.held_on >= year_start()))
    assert set(shown) == priority
    assert shown == {school_id: expected_text(n) for school_id, n in expected.items()}
    assert f"Meetings this school year ({meetings})" in html
    assert "at least 3 data sessions a year" in text_of(html)


def test_the_filters_narrow_the_table_in_place_and_stay_in_the_url(data, login_as, client):
    login_as(Role.central_office)
    with data() as s:
        tier2 = set(s.scalars(select(School.id).where(School.priority_tier == 2)))
        central = s.scalar(select(Region).where(Region.code == "C"))
        in_c = set(s.scalars(select(School.id).where(School.priority_tier.in_((2, 3)), School.region_id == central.id)))
        below = {i for i, n in meetings_per_school(s, set(s.scalars(select(School.id).where(
            School.priority_tier.in_((2, 3)))))).items() if n < 3}
    part = client.get("/data-reviews?tier=2", headers={"HX-Request": "true"})
    html = part.get_data(as_text=True)
    assert part.status_code == 200 and "<html" not in html and "Log a meeting" not in html
    assert set(shown_counts(html)) == tier2
    full = client.get("/data-reviews?region=C&below=1").get_data(as_text=True)
    assert set(shown_counts(full)) == in_c & below
    assert '<option value="C" selected>' in full and 'id="below" name="below" value="1" checked' in full
    assert 'hx-push-url="true"' in full


def test_the_schools_table_runs_the_same_number_of_queries_however_many_schools_it_shows(login_as, client,
                                                                                         sql_counter):
    login_as(Role.admin)

    def queries(path):
        with sql_counter() as counted:
            response = client.get(path, headers={"HX-Request": "true"})
            assert response.status_code == 200
        return counted(), len(ROW.findall(response.get_data(as_text=True)))

    everyone, tier2, tier3, below = (queries("/data-reviews"), queries("/data-reviews?tier=2"),
                                     queries("/data-reviews?tier=3"), queries("/data-reviews?below=1"))
    assert everyone[1] > tier2[1] > 0 and everyone[1] > tier3[1] > 0
    assert everyone[0] == tier2[0] == tier3[0] == below[0]


def test_the_regional_leader_sees_only_their_regions_tier_3_schools_and_meetings(data, login_as, client):
    with data() as s:
        me = leader(s)
        mine = set(s.scalars(select(School.id).where(School.priority_tier == 3, School.region_id == me.region_id)))
        others = set(s.scalars(select(School.id).where(School.priority_tier.in_((2, 3))))) - mine
        region_name = me.region.name
        other_regions = [r.name for r in s.scalars(select(Region).where(Region.id != me.region_id))]
    login_as(Role.regional_leader)
    html = client.get("/data-reviews?region=E&tier=2").get_data(as_text=True)  # a leader's filters cannot widen it
    assert mine and set(shown_counts(html)) == mine and not set(shown_counts(html)) & others
    meetings = html.split('id="meetings-title"', 1)[1].split("</table>", 1)[0]
    assert region_name in meetings or "No data review meeting" in meetings
    assert not any(name in meetings for name in other_regions)
    assert 'name="region"' not in html.split('id="log-title"', 1)[1]  # their region, fixed


def test_a_regional_leader_logs_a_meeting_for_their_region(data, login_as, client, auth, factories):
    with data() as s:
        area, schools, me = own_region(factories, tier3=2)
        codes, ids, email = [school.code for school in schools], [school.id for school in schools], me.email
        unknown = "99999"
        assert s.scalar(select(School.id).where(School.code == unknown)) is None
        before = meetings_per_school(s, ids)
        total = s.scalar(select(func.count()).select_from(DataReviewMeeting))
        events = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "data_review_meeting"))
        region_id = area.id
    login_as(Role.regional_leader, email)
    token = auth.csrf("/data-reviews")
    held_on = today().isoformat()

    # An unknown code: 422, the code named at the field, and nothing saved.
    response = client.post("/data-reviews", data={"csrf_token": token, "held_on": held_on,
                                                  "schools": f"{codes[0]}\n{codes[1]}, {unknown}",
                                                  "notes": "Attendance and interim assessments."})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="field__error" id="schools-error">(.*?)</p>', html, re.S)
    assert error and unknown in error.group(1) and codes[0] not in error.group(1)
    assert "Attendance and interim assessments." in html  # nothing typed is lost
    with data() as s:
        assert s.scalar(select(func.count()).select_from(DataReviewMeeting)) == total

    # The codes of their own schools: saved as a regional meeting, with one audit event.
    response = client.post("/data-reviews", data={"csrf_token": token, "held_on": held_on,
                                                  "held_by": "central",  # not theirs to choose
                                                  "schools": f"{codes[0]}\n{codes[1]}",
                                                  "notes": "Attendance and interim assessments."})
    assert response.status_code == 303
    with data() as s:
        meeting = s.scalars(select(DataReviewMeeting).order_by(DataReviewMeeting.id.desc())).first()
        assert (meeting.held_by, meeting.region_id, meeting.held_on) == ("regional", region_id, today())
        assert sorted(school.code for school in meeting.schools) == sorted(codes)
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "data_review_meeting")) == events + 1
        event_row = s.scalars(select(AuditEvent).where(AuditEvent.entity == "data_review_meeting")
                              .order_by(AuditEvent.id.desc())).first()
        assert (event_row.entity_id, event_row.action, event_row.actor_role) == (meeting.id, "create",
                                                                                 "regional_leader")
        after = meetings_per_school(s, ids)
    assert after == {i: n + 1 for i, n in before.items()}
    shown = shown_counts(client.get("/data-reviews").get_data(as_text=True))
    assert set(shown) == set(ids) and all(shown[i] == expected_text(after[i]) for i in ids)


def test_a_regional_leader_cannot_log_a_meeting_with_another_regions_school(data, login_as, client, auth,
                                                                           factories):
    with data() as s:
        _, (own_school,), me = own_region(factories, tier3=1)
        own, other_code, email = own_school.code, factories.school(tier=3).code, me.email  # the other: elsewhere
        total = s.scalar(select(func.count()).select_from(DataReviewMeeting))
    login_as(Role.regional_leader, email)
    token = auth.csrf("/data-reviews")
    response = client.post("/data-reviews", data={"csrf_token": token, "held_on": today().isoformat(),
                                                  "schools": f"{own}, {other_code}"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(r'<p class="field__error" id="schools-error">(.*?)</p>', html, re.S)
    assert error and other_code in error.group(1) and "cannot" in error.group(1)
    with data() as s:
        assert s.scalar(select(func.count()).select_from(DataReviewMeeting)) == total


@pytest.mark.parametrize("form, field, message", [
    ({"held_on": "", "schools": "{code}"}, "held_on", "Enter the date the meeting was held."),
    ({"held_on": "{tomorrow}", "schools": "{code}"}, "held_on", "That date has not come yet."),
    ({"held_on": "{today}", "schools": " , "}, "schools", "Enter the codes of the schools that took part."),
    ({"held_on": "{today}", "held_by": "regional", "region": "", "schools": "{code}"}, "region",
     "Choose the region that held the meeting."),
    ({"held_on": "{today}", "held_by": "regional", "region": "{other_region}", "schools": "{code}"}, "schools",
     "these are in other regions"),
])
def test_logging_a_meeting_answers_bad_input_at_the_field(data, login_as, client, auth, factories, form, field,
                                                          message):
    with data() as s:
        school, other_region = factories.school(tier=3), factories.region().code
        total = s.scalar(select(func.count()).select_from(DataReviewMeeting))
        values = {"code": school.code, "today": today().isoformat(), "other_region": other_region,
                  "tomorrow": (today() + timedelta(days=1)).isoformat()}
    login_as(Role.central_office)
    token = auth.csrf("/data-reviews")
    posted = {"held_by": "central", **{k: v.format(**values) for k, v in form.items()}}
    response = client.post("/data-reviews", data={"csrf_token": token, **posted})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    error = re.search(rf'<p class="field__error" id="{field}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1)
    with data() as s:
        assert s.scalar(select(func.count()).select_from(DataReviewMeeting)) == total


def test_the_superintendents_office_logs_central_meetings_and_principals_see_nothing(data, login_as, client, auth,
                                                                                     factories):
    with data():
        tier2 = factories.school(tier=2).code
    login_as(Role.superintendent)
    html = client.get("/data-reviews").get_data(as_text=True)
    assert 'name="held_by"' not in html  # central, fixed
    token = auth.csrf("/data-reviews")
    response = client.post("/data-reviews", data={"csrf_token": token, "held_on": today().isoformat(),
                                                  "held_by": "regional", "schools": tier2})
    assert response.status_code == 303
    with data() as s:
        meeting = s.scalars(select(DataReviewMeeting).order_by(DataReviewMeeting.id.desc())).first()
        assert meeting.held_by == "central" and meeting.region_id is None
        assert [school.code for school in meeting.schools] == [tier2]
        factories.adopt(meeting)  # removed with the school when the test ends
    auth.logout()
    login_as(Role.principal)
    assert client.get("/data-reviews").status_code == 403
    assert client.get("/board-updates").status_code == 403


def test_an_annual_report_opens_on_its_own_page_and_is_not_published_as_a_board_update(data, login_as, client, auth,
                                                                                       factories):
    with data() as s:
        update_id = arrange_draft(s, factories, "annual_report").id
    login_as(Role.superintendent)
    response = client.get(f"/board-updates/{update_id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/annual-reports/{update_id}")
    token = auth.csrf("/board-updates")
    refused = client.post(f"/board-updates/{update_id}/publish", data={"csrf_token": token, "version": 1})
    assert refused.status_code == 422
    with data() as s:
        assert not s.get(BoardUpdate, update_id).published
