"""Each role's home page says what needs attention: the person's latest unread notifications, which
only their owner can mark read, and their work."""
import pytest
from sqlalchemy import delete, select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.notifications.models import Notification
from portal.org.models import User
from tests.conftest import ROLE_EMAILS


def add_notification(app, email: str, subject: str) -> int:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        note = Notification(user_id=user.id, kind="reviewer_reminder", subject=subject,
                            body="Please finish and submit them.", link="/targets/", delivery="off")
        db.session.add(note)
        db.session.commit()
        note_id = note.id
        db.session.remove()
        return note_id


def remove(app, note_id: int) -> None:
    with app.app_context():
        db.session.execute(delete(Notification).where(Notification.id == note_id))
        db.session.commit()
        db.session.remove()


def test_a_principal_sees_their_plan_status_and_a_reminder_they_can_mark_read(app, login_as, client, auth):
    note_id = add_notification(app, ROLE_EMAILS[Role.principal], "Your targets were due on Friday.")
    try:
        login_as(Role.principal)
        home = client.get("/home").get_data(as_text=True)
        assert "Your targets were due on Friday." in home and "See all notifications" in home
        assert "Work on your targets" in home or "Open your targets" in home
        response = client.post(f"/notifications/{note_id}/read", data={"csrf_token": auth.csrf(), "next": "/home"})
        assert response.status_code == 303 and response.headers["Location"] == "/home"
        assert "Your targets were due on Friday." not in client.get("/home").get_data(as_text=True)
    finally:
        remove(app, note_id)


def test_nobody_marks_someone_elses_notification_read(app, login_as, client, auth):
    note_id = add_notification(app, ROLE_EMAILS[Role.board], "For the board only.")
    try:
        login_as(Role.principal)
        token = auth.csrf()
        assert client.post(f"/notifications/{note_id}/read", data={"csrf_token": token}).status_code == 404
        assert client.post(f"/notifications/{note_id}/open", data={"csrf_token": token}).status_code == 404
        with app.app_context():
            assert db.session.get(Notification, note_id).read_at is None
    finally:
        remove(app, note_id)


def test_a_regional_leader_sees_how_many_plans_wait_for_review(login_as, client):
    login_as(Role.regional_leader)
    home = client.get("/home").get_data(as_text=True)
    assert "waiting for your review" in home and "Review submitted plans" in home


@pytest.mark.parametrize("typed", ["%", "_", "a%b", "\\"])
def test_a_percent_sign_or_underscore_in_a_search_box_is_looked_for_as_typed(login_as, client, typed):
    """No school's name or person's address has these characters, so nothing matches: before, % and _
    were wildcards and matched every school and every person."""
    login_as(Role.admin)
    schools = client.get("/schools", query_string={"q": typed}).get_data(as_text=True)
    assert "0 schools match your filter." in schools
    people = client.get("/admin/users", query_string={"q": typed}).get_data(as_text=True)
    assert "No one matches." in people


def test_an_administrator_reaches_annual_reports_and_data_reviews_from_the_navigation(login_as, client):
    login_as(Role.admin)
    home = client.get("/home").get_data(as_text=True)
    nav = home[home.index('aria-label="Main"'):home.index("</nav>")]
    for name, path in (("Annual reports", "/annual-reports"), ("Data reviews", "/data-reviews")):
        assert f'href="{path}"' in nav and name in nav, name
        assert client.get(path).status_code == 200
