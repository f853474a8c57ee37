"""Two superintendent's-office people moving the same check-in at the same moment: the one who
acts second is told who acted first, and nothing half-done is left behind (the soak tests race
these over real servers; here each race is replayed step by step)."""

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import User
from portal.progress import check_ins as svc
from portal.progress.initiatives import check_ins as check_in_views
from portal.progress.models import BoardUpdate, CheckIn, Stage
from tests.conftest import ROLE_EMAILS, csrf_from


def person(role: Role) -> User:
    return db.session.scalar(select(User).where(User.email == ROLE_EMAILS[role]))


def admin() -> User:
    return db.session.scalar(select(User).where(User.role == Role.admin).order_by(User.id))


def arrange(app, factories, placed: bool) -> tuple[int, int, int]:
    """A Board update being prepared and a check-in of an action plan of the test's own, ready for
    the Board (or placed in it already); and the last audit event of the arranging."""
    with app.app_context():
        update = factories.board_update()
        check_in = factories.check_in(stage=Stage.board if placed else Stage.ready, board=update)
        arranged = db.session.scalar(select(func.max(AuditEvent.id)))
        return check_in.id, update.id, arranged


def events_of(check_in_id: int, after: int) -> list[AuditEvent]:
    """The check-in's audit events since it was arranged, oldest first."""
    return db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "check_in",
                                                       AuditEvent.entity_id == check_in_id, AuditEvent.id > after)
                              .order_by(AuditEvent.id)).all()


def test_placing_a_check_in_someone_placed_a_moment_ago_says_who_and_changes_nothing(app, factories):
    check_in_id, update_id, arranged = arrange(app, factories, placed=False)
    with app.app_context():
        mine = db.session.get(CheckIn, check_in_id)  # the page the first person has open
        seen = mine.version
        with app.app_context():  # meanwhile the administrator places it
            theirs = db.session.get(CheckIn, check_in_id)
            svc.place(theirs, db.session.get(BoardUpdate, update_id), admin(), theirs.version)
            db.session.commit()  # as the administrator's page does
        with pytest.raises(workflow.ConflictError, match="placed this check-in in a Board update at .* while you"):
            svc.place(mine, db.session.get(BoardUpdate, update_id), person(Role.superintendent), seen)
        db.session.expire_all()
        after = db.session.get(CheckIn, check_in_id)
        assert after.stage == Stage.board and after.version == seen + 1
        assert [u.id for u in after.board_updates] == [update_id]
        assert [e.action for e in events_of(check_in_id, arranged)] == ["place"]


def test_taking_out_a_check_in_someone_took_out_a_moment_ago_answers_409_with_who(app, client, login_as,
                                                                                   monkeypatch, factories):
    check_in_id, update_id, arranged = arrange(app, factories, placed=True)
    loaded = check_in_views.q.check_in_or_404

    def opened_just_before_the_administrator_acts(item_id: int) -> CheckIn:
        item = loaded(item_id)
        if item_id == check_in_id and item.stage == Stage.board:
            with app.app_context():
                theirs = db.session.get(CheckIn, item_id)
                svc.unplace(theirs, db.session.get(BoardUpdate, update_id), admin(), theirs.version)
                db.session.commit()
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
    assert "took this check-in out of a Board update at" in page and "while you were working" in page
    with app.app_context():
        after = db.session.get(CheckIn, check_in_id)
        assert after.stage == Stage.ready and after.board_updates == []
        assert [e.action for e in events_of(check_in_id, arranged)] == ["unplace"]
