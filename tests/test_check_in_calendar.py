"""The check-in calendar: the superintendent's office keeps the reporting periods (add, change, remove,
every bad input told at its field), every central office reads them, an office starts a check-in by
choosing an open period, and the daily schedule tells each office's people that a period opens (once,
even when run twice, and still after a missed opening day, never after the due date), and 7 days
before its last day tells only the offices with an action plan that has no check-in for it.

The periods and offices are the test's own (factories); the demo's calendar (the period open on the
portal's date among them) is there too, so the tests look only at their own periods' messages."""
from datetime import date, datetime, time
from typing import NamedTuple

import pytest
from sqlalchemy import delete, func, select, update

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.notifications.models import Notification, OutboxEmail
from portal.progress.models import CheckIn, CheckInPeriod
from portal.worker import deliver_all, run_schedule
from tests.mail_server import body

CALENDAR = "/check-in-calendar"


def period_named(name: str) -> CheckInPeriod | None:
    return db.session.scalar(select(CheckInPeriod).where(CheckInPeriod.name == name))


def add(client, auth, **form):
    return client.post(CALENDAR, data={"csrf_token": auth.csrf(CALENDAR), **form})


# ---------------------------------------------------------------- keeping the calendar

def test_the_superintendents_office_adds_a_period(app, login_as, client, auth, factories):
    login_as(Role.superintendent)
    page = client.get("/cycle").get_data(as_text=True)
    assert f'href="{CALENDAR}"' in page  # on the progress cycle's page
    answer = add(client, auth, name="Spring check 2025", opens_on="2025-03-01", due_on="2025-05-30")
    assert answer.status_code == 303
    listing = client.get(CALENDAR).get_data(as_text=True)
    assert "Added Spring check 2025 to the check-in calendar." in listing
    upcoming = listing.split('id="upcoming-title"')[1].split('id="past-title"')[0]
    assert "Spring check 2025" in upcoming and "1 March 2025" in upcoming and "30 May 2025" in upcoming
    with app.app_context():
        made = factories.adopt(period_named("Spring check 2025"))
        assert (made.opens_on, made.due_on) == (date(2025, 3, 1), date(2025, 5, 30))
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "check_in_period",
                                                           AuditEvent.entity_id == made.id))
        assert event.action == "create" and event.actor_role == "superintendent"


@pytest.mark.parametrize("form,field,message", [
    ({"name": "", "opens_on": "2025-03-01", "due_on": "2025-05-30"}, "name", "Name the period"),
    ({"name": "x" * 61, "opens_on": "2025-03-01", "due_on": "2025-05-30"}, "name", "under 60 characters"),
    ({"name": "fall 2024", "opens_on": "2025-03-01", "due_on": "2025-05-30"}, "name",
     "already has a period named"),
    ({"name": "Order test", "opens_on": "2025-05-30", "due_on": "2025-03-01"}, "due_on",
     "must come after the day the period opens"),
    ({"name": "Same day test", "opens_on": "2025-03-01", "due_on": "2025-03-01"}, "due_on",
     "must come after the day the period opens"),
    ({"name": "Before the plan", "opens_on": "2021-03-01", "due_on": "2025-05-30"}, "opens_on",
     "runs from 1 July 2022 to 30 June 2026"),
    ({"name": "Not a date", "opens_on": "2025-02-30", "due_on": "2025-05-30"}, "opens_on", "Enter a date like"),
    ({"name": "Far ahead", "opens_on": "2025-03-01", "due_on": "9999-12-31"}, "due_on", "Enter a date between"),
    ({"name": "No dates", "opens_on": "", "due_on": ""}, "due_on", "Enter the period's last day"),
])
def test_each_bad_input_is_told_at_its_field_and_nothing_is_saved(app, login_as, client, auth, form, field,
                                                                   message):
    login_as(Role.superintendent)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(CheckInPeriod))
    answer = add(client, auth, **form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422
    at_field = page.split(f'id="period-{field}-error"')[1].split("</p>")[0]
    assert message in at_field.replace("&#39;", "'").replace("&amp;", "&")
    assert "error-summary" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CheckInPeriod)) == before


@pytest.mark.parametrize("role,status", [(Role.principal, 403), (Role.regional_leader, 403), (Role.board, 403),
                                         (Role.central_office, 200), (Role.superintendent, 200), (Role.admin, 200)])
def test_who_reads_the_calendar_and_who_keeps_it(app, login_as, client, auth, factories, role, status):
    login_as(role)
    page = client.get(CALENDAR)
    assert page.status_code == status
    if status == 200:
        text = page.get_data(as_text=True)
        assert "Mid-year 2024-25" in text.split('id="open-title"')[1].split('id="upcoming-title"')[0]
        assert ("Add a period" in text) == (role in (Role.superintendent, Role.admin))
    token = auth.csrf()
    posted = client.post(CALENDAR, data={"csrf_token": token, "name": f"Kept by {role.value}", "opens_on": "2025-03-01",
                                         "due_on": "2025-05-30"})
    assert posted.status_code == (303 if role in (Role.superintendent, Role.admin) else 403)
    with app.app_context():
        made = period_named(f"Kept by {role.value}")
        assert (made is not None) == (posted.status_code == 303)
        if made is not None:
            factories.adopt(made)


def test_a_period_changes_and_an_unused_one_is_removed(app, login_as, client, auth, factories):
    with app.app_context():
        period = factories.check_in_period(date(2025, 6, 2), date(2025, 8, 29))
        period_id, version, name = period.id, period.version, period.name
    login_as(Role.admin)
    form = client.get(f"{CALENDAR}/{period_id}")
    assert form.status_code == 200 and name in form.get_data(as_text=True)
    saved = client.post(f"{CALENDAR}/{period_id}", data={"csrf_token": auth.csrf(), "version": version,
                                                          "name": name, "opens_on": "2025-06-09",
                                                          "due_on": "2025-08-29"})
    assert saved.status_code == 303
    stale = client.post(f"{CALENDAR}/{period_id}", data={"csrf_token": auth.csrf(), "version": version,
                                                          "name": name, "opens_on": "2025-06-16",
                                                          "due_on": "2025-08-29"})
    # The save the stale form missed was the administrator's own: the refusal says so.
    assert stale.status_code == 409 and "this period in another tab or a moment ago" in stale.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CheckInPeriod, period_id).opens_on == date(2025, 6, 9)
    gone = client.post(f"{CALENDAR}/{period_id}/remove", data={"csrf_token": auth.csrf()}, follow_redirects=True)
    assert f"Removed {name} from the check-in calendar." in gone.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CheckInPeriod, period_id) is None
    assert client.get(f"{CALENDAR}/{period_id}").status_code == 404


def test_a_period_check_ins_report_on_keeps_its_name_and_stays(app, login_as, client, auth):
    with app.app_context():
        fall = period_named("Fall 2024")
        assert fall is not None and db.session.scalar(select(func.count()).select_from(CheckIn)
                                                      .where(CheckIn.period == "Fall 2024"))
        fall_id, version = fall.id, fall.version
        opens, due = fall.opens_on.isoformat(), fall.due_on.isoformat()
    login_as(Role.superintendent)
    refused = client.post(f"{CALENDAR}/{fall_id}/remove", data={"csrf_token": auth.csrf()})
    assert refused.status_code == 409
    assert "Fall 2024 stays on the calendar" in refused.get_data(as_text=True)
    renamed = client.post(f"{CALENDAR}/{fall_id}", data={"csrf_token": auth.csrf(), "version": version,
                                                          "name": "Autumn 2024", "opens_on": opens, "due_on": due})
    assert renamed.status_code == 422
    assert "Check-ins already report on Fall 2024" in renamed.get_data(as_text=True).replace("&#39;", "'")
    with app.app_context():
        assert db.session.get(CheckInPeriod, fall_id).name == "Fall 2024"


# ---------------------------------------------------------------- starting a check-in

def test_an_office_starts_a_check_in_by_choosing_an_open_period(app, login_as, client, auth, factories):
    with app.app_context():
        plan = factories.initiative()
        person = factories.office_user(plan.office)
        period = factories.check_in_period(date(2024, 10, 1), date(2024, 12, 20))
        past = factories.check_in_period(date(2024, 7, 1), date(2024, 8, 30))
        plan_id, period_id, past_id, name, email = plan.id, period.id, past.id, period.name, person.email
    login_as(Role.central_office, email=email)
    page = client.get(f"/initiatives/{plan_id}?period={period_id}").get_data(as_text=True)
    assert f'<option value="{period_id}" selected>{name} (last day 20 December 2024)</option>' in page
    assert f'value="{past_id}"' not in page  # a period already over is not offered
    calendar = client.get(CALENDAR).get_data(as_text=True)
    assert f'href="/initiatives/{plan_id}?period={period_id}#start"' in calendar

    url = f"/initiatives/{plan_id}/check-ins"
    wrong = client.post(url, data={"csrf_token": auth.csrf(), "period_id": str(past_id)})
    assert wrong.status_code == 422 and "open today" in wrong.get_data(as_text=True)
    started = client.post(url, data={"csrf_token": auth.csrf(), "period_id": str(period_id), "period": "",
                                     "period_end": ""})
    assert started.status_code == 303
    with app.app_context():
        check_in = db.session.scalar(select(CheckIn).where(CheckIn.initiative_id == plan_id))
        assert (check_in.period, check_in.period_end) == (name, date(2024, 12, 20))
    again = client.post(url, data={"csrf_token": auth.csrf(), "period_id": str(period_id)})
    assert again.status_code == 422 and "already has a check-in" in again.get_data(as_text=True)


# ---------------------------------------------------------------- the daily schedule

class Note(NamedTuple):
    user_id: int
    kind: str
    subject: str
    body: str
    link: str


@pytest.fixture
def told(app, mailbox):
    """told(day, *user ids) runs the day's schedule and returns what it told those people; what the test
    wrote is removed at its end."""
    with app.app_context():
        first_note = db.session.scalar(select(func.max(Notification.id))) or 0
        first_email = db.session.scalar(select(func.max(OutboxEmail.id))) or 0

    def run(day: date, *user_ids: int) -> list[Note]:
        with app.app_context():
            since = db.session.scalar(select(func.max(Notification.id))) or 0
            with clock.set_now(datetime.combine(day, time(8))):
                done = run_schedule(day)
            assert all(count >= 0 for count in done.values()), done
            rows = db.session.execute(select(Notification.user_id, Notification.kind, Notification.subject,
                                             Notification.body, Notification.link)
                                      .where(Notification.id > since, Notification.user_id.in_(user_ids))
                                      .order_by(Notification.id)).all()
            db.session.remove()
        return [Note(*row) for row in rows]
    yield run
    with app.app_context():
        db.session.execute(update(Notification).where(Notification.email_id > first_email).values(email_id=None))
        db.session.execute(delete(Notification).where(Notification.id > first_note))
        db.session.execute(delete(OutboxEmail).where(OutboxEmail.id > first_email))
        db.session.commit()


def about(notes: list[Note], period: str) -> list[Note]:
    return [n for n in notes if period in n.subject]


def test_the_schedule_announces_a_period_opening_once_by_e_mail(app, told, mailbox, factories):
    with app.app_context():
        plan = factories.initiative()
        person = factories.office_user(plan.office)
        period = factories.check_in_period(date(2026, 3, 2), date(2026, 5, 29))
        user, email, name, plan_id, period_id = person.id, person.email, period.name, plan.id, period.id
    assert told(date(2026, 3, 1), user) == []  # the day before it opens
    [note] = about(told(date(2026, 3, 2), user), name)
    assert note.kind == "check_in_period_open" and note.subject == f"A check-in period opens: {name}"
    assert "is open from 2 March 2026" in note.body and "due by 29 May 2026" in note.body
    assert note.link == f"/initiatives/{plan_id}?period={period_id}#start"
    assert about(told(date(2026, 3, 2), user), name) == []  # the schedule run again: nobody told twice
    assert about(told(date(2026, 3, 3), user), name) == []
    with app.app_context(), clock.set_now(datetime.combine(date(2026, 3, 3), time(8))):
        deliver_all()
    [message] = [m for m in mailbox.to(email) if name in m["Subject"]]
    assert f"http://127.0.0.1:5000/initiatives/{plan_id}?period={period_id}#start" in body(message)


def test_a_missed_opening_day_is_caught_up_until_the_due_date_never_after(app, told, factories):
    with app.app_context():
        plan = factories.initiative()
        user = factories.office_user(plan.office).id
        late = factories.check_in_period(date(2026, 1, 5), date(2026, 2, 27))
        over = factories.check_in_period(date(2025, 11, 3), date(2025, 12, 19))
        late_name, over_name = late.name, over.name
    notes = told(date(2026, 1, 12), user)
    assert [n.kind for n in about(notes, late_name)] == ["check_in_period_open"]
    assert about(told(date(2025, 12, 22), user), over_name) == []  # first run after its due date: nothing


def test_seven_days_before_the_due_date_only_offices_missing_a_check_in_hear(app, told, factories):
    with app.app_context():
        period = factories.check_in_period(date(2026, 3, 2), date(2026, 5, 29))
        done, waiting = factories.initiative(), factories.initiative()
        factories.check_in(done, period=period.name, period_end=period.due_on)
        done_user, waiting_user = factories.office_user(done.office).id, factories.office_user(waiting.office).id
        name, waiting_plan = period.name, waiting.name
    opening = about(told(date(2026, 3, 2), done_user, waiting_user), name)
    assert sorted(n.user_id for n in opening) == sorted([done_user, waiting_user])  # the opening, told to both

    def due(day: date) -> list[Note]:  # not the check-in's own reminder ("Due in 7 days: ..."), which the
        return [n for n in about(told(day, done_user, waiting_user), name)  # office with one hears
                if n.subject.startswith("Check-ins due on")]
    assert due(date(2026, 5, 21)) == []  # 8 days before
    notes = due(date(2026, 5, 22))
    assert [(n.user_id, n.kind) for n in notes] == [(waiting_user, "check_in_due")]
    assert notes[0].subject == f"Check-ins due on 29 May 2026: {name}" and waiting_plan in notes[0].body
    assert due(date(2026, 5, 22)) == []  # once
    assert due(date(2026, 5, 25)) == []
