"""Two superintendent's-office people moving the same check-in at the same moment: the one who
acts second is told who acted first, and nothing half-done is left behind (the soak tests race
these over real servers; here each race is replayed step by step)."""
import random
from datetime import date

import pytest
from sqlalchemy import select

from portal.kernel import workflow
from portal.extensions import db
from portal.progress.initiatives import check_ins as check_in_views
from portal.models import AuditEvent, BoardUpdate, BoardUpdateKind, CheckIn, Initiative, Role, Stage, User
from portal.progress import check_ins as svc

from tests.conftest import ROLE_EMAILS, csrf_from


def person(role: Role) -> User:
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def admin() -> User:
    return db.session.scalar(select(User).where(User.role == Role.admin).order_by(User.id))


def arrange(app, placed: bool) -> tuple[int, int]:
    """A check-in ready for the Board (or placed already) and a Board update being prepared."""
    with app.app_context():
        s = db.session
        year = random.randint(2100, 2999)
        update = BoardUpdate(kind_code=s.scalar(select(BoardUpdateKind.code).order_by(BoardUpdateKind.code)),
                             school_year=f"{year}-{(year + 1) % 100:02d}", meeting_date=date(year, 3, 1),
                             title=f"Board update {year}")
        initiative = s.scalars(select(Initiative).order_by(Initiative.id)).first()
        check_in = CheckIn(initiative=initiative, period=f"Race {year}", period_end=date(year, 2, 28),
                           stage=Stage.board if placed else Stage.ready, narrative="Ready.")
        if placed:
            check_in.board_updates.append(update)
        s.add_all([update, check_in])
        s.commit()
        return check_in.id, update.id


def events_of(check_in_id: int) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "check_in",
                                                       AuditEvent.entity_id == check_in_id)).all()


def test_placing_a_check_in_someone_placed_a_moment_ago_says_who_and_changes_nothing(app):
    check_in_id, update_id = arrange(app, placed=False)
    with app.app_context():
        mine = db.session.get(CheckIn, check_in_id)  # the page the first person has open
        seen = mine.version
        with app.app_context():  # meanwhile the administrator places it
            theirs = db.session.get(CheckIn, check_in_id)
            svc.place(theirs, db.session.get(BoardUpdate, update_id), admin(), theirs.version)
        with pytest.raises(workflow.ConflictError, match="placed in a Board update this check-in at .* while you"):
            svc.place(mine, db.session.get(BoardUpdate, update_id), person(Role.superintendent), seen)
        db.session.expire_all()
        after = db.session.get(CheckIn, check_in_id)
        assert after.stage == Stage.board and after.version == seen + 1
        assert [u.id for u in after.board_updates] == [update_id]
        assert [e.action for e in events_of(check_in_id)] == ["place"]


def test_taking_out_a_check_in_someone_took_out_a_moment_ago_answers_409_with_who(app, client, login_as,
                                                                                   monkeypatch):
    check_in_id, update_id = arrange(app, placed=True)
    loaded = check_in_views.q.check_in_or_404

    def opened_just_before_the_administrator_acts(item_id: int) -> CheckIn:
        item = loaded(item_id)
        if item_id == check_in_id and item.stage == Stage.board:
            with app.app_context():
                theirs = db.session.get(CheckIn, item_id)
                svc.unplace(theirs, db.session.get(BoardUpdate, update_id), admin(), theirs.version)
        return item
    monkeypatch.setattr(check_in_views.q, "check_in_or_404", opened_just_before_the_administrator_acts)

    login_as(Role.superintendent)
    with app.app_context():
        version = db.session.get(CheckIn, check_in_id).version
    token = csrf_from(client.get("/home").get_data(as_text=True))
    response = client.post(f"/check-ins/{check_in_id}/unplace",
                           data={"csrf_token": token, "version": version, "board_update_id": update_id})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "took out of a Board update this check-in at" in page and "while you were working" in page
    with app.app_context():
        after = db.session.get(CheckIn, check_in_id)
        assert after.stage == Stage.ready and after.board_updates == []
        assert [e.action for e in events_of(check_in_id)] == ["unplace"]
