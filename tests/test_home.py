"""Each role's home page says what needs attention; notices can be dismissed by their owner only."""
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import Notice
from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import ROLE_EMAILS


def add_notice(app, email: str, text: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        notice = Notice(user_id=user.id, text=text, link="/targets/")
        db.session.add(notice)
        db.session.commit()
        notice_id = notice.id
        db.session.remove()
        return notice_id


def test_a_principal_sees_their_plan_status_and_a_reminder_they_can_dismiss(app, login_as, client, auth):
    notice_id = add_notice(app, ROLE_EMAILS[Role.principal], "Your targets were due on Friday.")
    login_as(Role.principal)
    home = client.get("/home").get_data(as_text=True)
    assert "Your targets were due on Friday." in home
    assert "Work on your targets" in home or "Open your targets" in home
    response = client.post(f"/notices/{notice_id}/dismiss", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert "Your targets were due on Friday." not in client.get("/home").get_data(as_text=True)


def test_nobody_dismisses_someone_elses_notice(app, login_as, client, auth):
    notice_id = add_notice(app, ROLE_EMAILS[Role.board], "For the board only.")
    login_as(Role.principal)
    assert client.post(f"/notices/{notice_id}/dismiss", data={"csrf_token": auth.csrf()}).status_code == 404
    with app.app_context():
        assert db.session.get(Notice, notice_id).dismissed_at is None


def test_a_regional_leader_sees_how_many_plans_wait_for_review(login_as, client):
    login_as(Role.regional_leader)
    home = client.get("/home").get_data(as_text=True)
    assert "waiting for your review" in home and "Review submitted plans" in home
