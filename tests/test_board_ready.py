"""Which check-ins are ready for a Board update, told as the superintendent's office's story: the home
page and the Board update page count the same ones; a check-in from a school year before the update's
is flagged with its year and never preselected; a ready check-in with no Board update being prepared
offers a Board update prepared for it; and publishing asks once, saying what it freezes, before it
freezes anything.

Each test arranges its own draft update and ready check-ins (tests/test_board.py's helpers), removed
when it ends; the drafts other tests left are set aside while it runs, so its own is the one being
prepared."""
import re
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.progress.models import BoardUpdate, CheckIn, Stage
from portal.strategic_plan.models import BoardUpdateKind
from tests.test_board import arrange_draft, arrange_ready_check_in, audit, text_of

READY_ON_HOME = re.compile(r'<span class="stat">([\d,]+)</span> ready for a Board update')
READY_ON_DRAFT = re.compile(r"Ready for the Board \((\d+)\)")


@pytest.fixture
def data(app):
    """The database in an application context of its own (tests/test_board.py's `data`)."""
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


@pytest.fixture
def no_draft(app):
    """No Board update being prepared while the test runs: the drafts are marked published, and
    put back as drafts when it ends."""
    with app.app_context():
        drafts = db.session.scalars(select(BoardUpdate).where(BoardUpdate.published_at.is_(None))).all()
        ids = [u.id for u in drafts]
        for u in drafts:
            u.published_at = date(2000, 1, 1)
        db.session.commit()
        db.session.remove()
    yield
    with app.app_context():
        for update_id in ids:
            found = db.session.get(BoardUpdate, update_id)
            if found is not None:
                found.published_at = None
        db.session.commit()
        db.session.remove()


def ready_in_database(s) -> int:
    return s.scalar(select(func.count()).select_from(CheckIn).where(CheckIn.stage == Stage.ready))


def test_the_home_page_and_the_board_update_page_count_the_same_ready_check_ins(data, login_as, client,
                                                                               factories, no_draft):
    with data() as s:
        update_id = arrange_draft(s, factories, "end_of_year").id
        arrange_ready_check_in(s, factories, "counted twice")
        ready = ready_in_database(s)
    login_as(Role.superintendent)
    home = client.get("/home").get_data(as_text=True)
    draft = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    on_home, on_draft = READY_ON_HOME.search(home), READY_ON_DRAFT.search(draft)
    assert on_home and on_draft
    assert int(on_home.group(1)) == int(on_draft.group(1)) == ready
    assert draft.count("Place in this update") == ready
    # The 2018-19 check-in is older than the next update's school year: the home page says how many are.
    assert re.search(r"\d+ of them from a school year before \d{4}-\d\d", text_of(home))


def test_a_check_in_from_an_earlier_school_year_is_flagged_and_never_preselected(data, login_as, client,
                                                                                factories, no_draft):
    with data() as s:
        update = arrange_draft(s, factories, "end_of_year")
        update_id, year = update.id, update.school_year
        old = arrange_ready_check_in(s, factories, "old")
        current = arrange_ready_check_in(s, factories, "current")
        # The current one reports on the update's own school year.
        current.period_end = date(int(year[:4]) + 1, 3, 31)
        s.commit()
        old_id, current_id = old.id, current.id
    login_as(Role.superintendent)
    page = text_of(client.get(f"/board-updates/{update_id}").get_data(as_text=True))
    assert "Board test old from 2018-19, an earlier school year" in page
    assert "Board test current from" not in page
    # Current ones come first in the list, earlier ones after.
    assert page.index("Board test current") < page.index("Board test old")

    old_page = client.get(f"/check-ins/{old_id}").get_data(as_text=True)
    select_box = re.search(r'<select id="board_update_id".*?</select>', old_page, re.S).group(0)
    assert "selected" not in select_box and '<option value="">Choose a Board update</option>' in select_box
    assert "this check-in is from 2018-19, an earlier school year" in select_box
    assert "from 2018-19, an earlier school year" in text_of(old_page)

    current_page = client.get(f"/check-ins/{current_id}").get_data(as_text=True)
    select_box = re.search(r'<select id="board_update_id".*?</select>', current_page, re.S).group(0)
    assert re.search(rf'<option value="{update_id}" selected>', select_box)


def test_with_no_draft_the_superintendent_prepares_a_board_update_from_the_check_in(data, login_as, client,
                                                                                   auth, factories, no_draft):
    with data() as s:
        check_in = arrange_ready_check_in(s, factories, "no draft")
        check_in_id = check_in.id
        taken = set(s.scalars(select(BoardUpdate.kind_code).where(BoardUpdate.school_year == "2024-25")))
        expected_kind = next(k.code for k in s.scalars(select(BoardUpdateKind).order_by(BoardUpdateKind.position))
                             if k.code != "annual_report" and k.code not in taken)
    login_as(Role.superintendent)
    page = client.get(f"/check-ins/{check_in_id}").get_data(as_text=True)
    assert "An administrator sets up the next one" not in page
    link = re.search(r'<a class="button button--primary" href="([^"]+)">Prepare a Board update with this check-in</a>',
                     page)
    assert link and link.group(1) == f"/board-updates?check_in={check_in_id}#new-update"

    # The form is prefilled: this school year (the check-in's is earlier), the first kind it lacks.
    form = client.get(link.group(1).split("#")[0]).get_data(as_text=True)
    assert "Prepared for Greening Projects (Board test no draft)" in text_of(form)
    assert re.search(rf'<option selected value="{expected_kind}">', form)
    assert re.search(r'<input[^>]*name="school_year"[^>]*value="2024-25"', form)
    version = re.search(r'name="check_in_version" value="(\d+)"', form).group(1)
    meeting = {"initial": "2024-10-29", "mid_year": "2025-03-04", "end_of_year": "2025-06-10"}[expected_kind]
    response = client.post("/board-updates", data={
        "csrf_token": auth.csrf("/board-updates"), "kind": expected_kind, "school_year": "2024-25",
        "meeting_date": meeting, "title": "", "check_in_id": check_in_id, "check_in_version": version})
    assert response.status_code == 303
    with data() as s:
        created = s.scalar(select(BoardUpdate).where(BoardUpdate.school_year == "2024-25",
                                                     BoardUpdate.kind_code == expected_kind))
        factories.adopt(created)
        s.commit()
        placed = s.get(CheckIn, check_in_id)
        assert placed.stage == Stage.board and [u.id for u in placed.board_updates] == [created.id]
        assert audit(s, "check_in", check_in_id, "place") == 1
    assert response.headers["Location"].endswith(f"/board-updates/{created.id}")


def test_a_stale_check_in_refuses_the_new_update_and_creates_nothing(data, login_as, client, auth,
                                                                     factories, no_draft):
    with data() as s:
        check_in = arrange_ready_check_in(s, factories, "stale")
        check_in_id, version = check_in.id, check_in.version
        before = s.scalar(select(func.count()).select_from(BoardUpdate))
    login_as(Role.superintendent)
    response = client.post("/board-updates", data={
        "csrf_token": auth.csrf("/board-updates"), "kind": "end_of_year", "school_year": "2024-25",
        "meeting_date": "2025-06-10", "title": "", "check_in_id": check_in_id, "check_in_version": version - 1})
    assert response.status_code == 409
    assert "Not done:" in text_of(response.get_data(as_text=True))
    with data() as s:
        assert s.scalar(select(func.count()).select_from(BoardUpdate)) == before
        assert s.get(CheckIn, check_in_id).stage == Stage.ready


def test_others_read_who_places_a_ready_check_in(data, login_as, client, factories, no_draft):
    with data() as s:
        check_in_id = arrange_ready_check_in(s, factories, "others").id
    login_as(Role.central_office)
    page = text_of(client.get(f"/check-ins/{check_in_id}").get_data(as_text=True))
    assert "Ready for the Board: the superintendent's office places it in the next Board update it prepares." in page
    assert "Prepare a Board update" not in page and "An administrator sets up the next one" not in page


def test_publishing_asks_once_what_it_freezes_and_without_a_yes_changes_nothing(data, login_as, client, auth,
                                                                               factories):
    with data() as s:
        update = arrange_draft(s, factories, "mid_year")
        check_in = arrange_ready_check_in(s, factories, "confirm")
        update_id, check_in_id, version = update.id, check_in.id, check_in.version
    login_as(Role.superintendent)
    token = auth.csrf(f"/board-updates/{update_id}")
    assert client.post(f"/board-updates/{update_id}/place", data={"csrf_token": token, "check_in_id": check_in_id,
                                                                 "version": version}).status_code == 303
    page = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    assert ("Publishing freezes this report as it reads today, 15 October 2024: the 1 check-in placed in it, with "
            "its status, narrative and figures.") in text_of(page)
    assert re.search(r'<input type="checkbox" id="confirm" name="confirm" value="yes" required', page)
    with data() as s:
        update_version = s.get(BoardUpdate, update_id).version
        events = s.scalar(select(func.count()).select_from(AuditEvent))

    refused = client.post(f"/board-updates/{update_id}/publish", data={"csrf_token": token,
                                                                       "version": update_version})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    error = re.search(r'<p class="field__error" id="confirm-error">(.*?)</p>', html, re.S)
    assert error and "Check the box to confirm you want to freeze and publish this report." in error.group(1)
    assert 'aria-invalid="true"' in html
    with data() as s:
        kept = s.get(BoardUpdate, update_id)
        assert not kept.published and kept.snapshot is None and kept.version == update_version
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == events

    stale = client.post(f"/board-updates/{update_id}/publish", data={"csrf_token": token, "confirm": "yes",
                                                                     "version": update_version - 1})
    assert stale.status_code == 409  # the version check still holds
    published = client.post(f"/board-updates/{update_id}/publish", data={"csrf_token": token, "confirm": "yes",
                                                                         "version": update_version})
    assert published.status_code == 303
    with data() as s:
        assert s.get(BoardUpdate, update_id).published
    # Once published, a second try says so, with or without the box (htmx gets the same answer).
    again = client.post(f"/board-updates/{update_id}/publish", data={"version": update_version + 1},
                        headers={"HX-Request": "true", "X-CSRFToken": token})
    assert again.status_code == 422 and "This Board update is already published." in again.get_data(as_text=True)
