"""The daily schedule's reminders (portal.worker.run_schedule), day by day with the portal's clock
held: a principal whose school has not submitted hears 7 days before the due date, 1 day before and
the day after, each once, and only the most pressing one when the schedule ran late; the window's
opening once; each regional leader, on Mondays, the list of their own region's overdue schools; a
central office, 7 days before a check-in still with it is due and the day after. A school that has
submitted hears nothing, and a second run on the same day writes nothing.

The schools are the test's own, in the district's current cycle (factories.district_plan); the
demo's schools are reminded too on the days the tests choose, and every notification a test wrote
is removed when it ends."""
import threading
from datetime import date, datetime, time, timedelta
from typing import NamedTuple

import pytest
from sqlalchemy import delete, event, func, select, update

from portal.extensions import db
from portal.kernel import clock
from portal.notifications.models import Notification, OutboxEmail
from portal.progress import reminders as check_in_reminders
from portal.progress.models import Stage
from portal.targets import reminders as target_reminders
from portal.targets.models import PlanStatus
from portal.worker import deliver_all, run_schedule
from tests.mail_server import body


class Note(NamedTuple):
    user_id: int
    kind: str
    subject: str
    body: str
    link: str


@pytest.fixture
def told(app, mailbox):
    """told(day, *user ids) runs the day's schedule and returns what it told those people; the test's
    notifications and e-mails are removed at its end (the outbox is set aside first, by `mailbox`, so
    every e-mail after the mark is the test's)."""
    with app.app_context():
        first_note = db.session.scalar(select(func.max(Notification.id))) or 0
        first_email = db.session.scalar(select(func.max(OutboxEmail.id))) or 0

    def run(day: date, *user_ids: int) -> list[Note]:
        with app.app_context():
            since = db.session.scalar(select(func.max(Notification.id))) or 0
            with clock.set_now(datetime.combine(day, time(8))):
                done = run_schedule(day)
            assert all(count >= 0 for count in done.values()), done  # no job failed
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


class Cycle(NamedTuple):
    id: int
    name: str
    opens_on: date
    due_on: date
    closes_on: date


class Arranged(NamedTuple):
    cycle: Cycle
    late: dict  # a draft in region A
    unstarted: dict  # not started, in region A
    done: dict  # submitted, in region A
    far: dict  # a draft in region B
    leaders: dict  # region letter -> leader id; region C's schools are all approved


@pytest.fixture
def schools(app, factories) -> Arranged:
    def school(region, status: PlanStatus) -> dict:
        plan = factories.district_plan(factories.school(region=region), status)
        principal = factories.principal(plan.school)
        return {"plan_id": plan.id, "name": plan.school.name, "principal": principal.id, "email": principal.email}

    with app.app_context():
        a, b, c = factories.region(), factories.region(), factories.region()
        arranged = {"late": school(a, PlanStatus.draft), "unstarted": school(a, PlanStatus.not_started),
                    "done": school(a, PlanStatus.submitted), "far": school(b, PlanStatus.draft)}
        school(c, PlanStatus.approved)
        leaders = {letter: factories.regional_leader(region).id for letter, region in zip("ABC", (a, b, c),
                                                                                          strict=True)}
        cycle = factories.district_cycle()
        found = Cycle(cycle.id, cycle.name, cycle.opens_on, cycle.due_on, cycle.closes_on)
        db.session.remove()
    return Arranged(found, leaders=leaders, **arranged)


def subjects(notes: list[Note]) -> list[str]:
    return [n.subject for n in notes]


# ---------------------------------------------------------------- principals

def test_a_principal_hears_7_days_before_1_day_before_and_the_day_after_each_once(schools, told, mailbox, app):
    cycle, late = schools.cycle, schools.late
    theirs = f"{late['name']}'s {cycle.name}"
    due = cycle.due_on
    said = {offset: told(due + timedelta(days=offset), late["principal"], schools.done["principal"])
            for offset in (-7, -6, -2, -1, 0, 1, 2)}
    assert {offset: subjects(notes) for offset, notes in said.items()} == {
        -7: [f"Due in 7 days: {theirs}"], -6: [], -2: [], -1: [f"Due tomorrow: {theirs}"], 0: [],
        1: [f"Overdue: {theirs}"], 2: []}
    every = [note for notes in said.values() for note in notes]
    assert {n.user_id for n in every} == {late["principal"]}  # the submitted school's principal: nothing
    assert {(n.kind, n.link) for n in every} == {("target_due", f"/targets/plans/{late['plan_id']}")}
    assert "The plan is a draft." in every[0].body and f"{due.day} {due:%B %Y}" in every[0].body
    assert "before the window closes on" in every[-1].body

    with app.app_context():
        deliver_all()
    messages = mailbox.to(late["email"])
    assert [m["Subject"] for m in messages] == subjects(every)
    assert f"http://127.0.0.1:5000/targets/plans/{late['plan_id']}" in body(messages[0])
    assert mailbox.to(schools.done["email"]) == []


def test_a_schedule_that_ran_late_sends_only_the_most_pressing_reminder(schools, told):
    cycle, late, unstarted = schools.cycle, schools.late, schools.unstarted
    due = cycle.due_on
    # Down for a week before the due date: the day before, one reminder, never the 7-day one as well.
    assert subjects(told(due - timedelta(days=1), late["principal"])) == [
        f"Due tomorrow: {late['name']}'s {cycle.name}"]
    # The first run after the due date: one reminder that it is overdue.
    notes = told(due + timedelta(days=3), late["principal"], unstarted["principal"])
    assert sorted(subjects(notes)) == sorted([f"Overdue: {late['name']}'s {cycle.name}",
                                              f"Overdue: {unstarted['name']}'s {cycle.name}"])
    assert "Nothing is entered in the plan yet." in next(n.body for n in notes if n.user_id == unstarted["principal"])
    assert told(due + timedelta(days=4), late["principal"], unstarted["principal"]) == []


def test_the_window_opening_is_told_once(schools, told):
    cycle, late, done = schools.cycle, schools.late, schools.done
    [note] = told(cycle.opens_on, late["principal"], done["principal"])
    assert (note.user_id, note.kind) == (late["principal"], "target_window_open")
    assert note.subject == f"The window is open: {late['name']}'s {cycle.name}"
    assert told(cycle.opens_on + timedelta(days=1), late["principal"], done["principal"]) == []


def test_running_the_schedule_twice_on_a_day_writes_nothing_the_second_time(schools, told, app):
    day = schools.cycle.due_on + timedelta(days=1)
    assert told(day, schools.late["principal"])
    with app.app_context(), clock.set_now(datetime.combine(day, time(9))):
        again = run_schedule(day)
        db.session.remove()
    assert set(again.values()) == {0}, again


# ---------------------------------------------------------------- regional leaders

def first_monday_after(day: date) -> date:
    return day + timedelta(days=7 - day.weekday())


def test_each_leader_hears_on_mondays_of_their_own_regions_overdue_schools_only(schools, told):
    cycle, leaders = schools.cycle, schools.leaders
    monday = first_monday_after(cycle.due_on)
    assert monday + timedelta(days=7) <= cycle.closes_on, "the demo's cycle is open two Mondays after its due date"
    notes = {n.user_id: n for n in told(monday, *leaders.values()) if n.kind == "region_overdue"}
    assert set(notes) == {leaders["A"], leaders["B"]}  # region C has no overdue school: nothing
    own = notes[leaders["A"]]
    assert schools.late["name"] in own.body and schools.unstarted["name"] in own.body
    assert schools.done["name"] not in own.body and schools.far["name"] not in own.body
    assert own.subject.endswith(f": 2 schools overdue with {cycle.name}") and own.link == "/review/?overdue=1"
    assert schools.far["name"] in notes[leaders["B"]].body and schools.late["name"] not in notes[leaders["B"]].body

    assert [n for n in told(monday + timedelta(days=1), *leaders.values()) if n.kind == "region_overdue"] == []
    assert told(monday, *leaders.values()) == []  # the same Monday again
    next_week = told(monday + timedelta(days=7), *leaders.values())
    assert {n.user_id for n in next_week if n.kind == "region_overdue"} == {leaders["A"], leaders["B"]}


def test_no_weekly_list_before_the_due_date(schools, told):
    monday = first_monday_after(schools.cycle.opens_on)
    assert monday <= schools.cycle.due_on
    assert [n for n in told(monday, *schools.leaders.values()) if n.kind == "region_overdue"] == []


# ---------------------------------------------------------------- central offices

@pytest.fixture
def check_ins(app, factories):
    """Check-ins of offices of the test's own, all due on the same day: one at stage 1, one sent back,
    one submitted for data review, and one of an office whose period ended long ago."""
    with app.app_context():
        due = clock.today() + timedelta(days=20)
        made = {}
        for name, stage, end in (("sharing", Stage.sharing, due), ("sent_back", Stage.sent_back, due),
                                 ("submitted", Stage.data_review, due),
                                 ("old", Stage.sharing, clock.today() - timedelta(days=90))):
            check_in = factories.check_in(stage=stage, period=f"Reminder test {name}", period_end=end)
            person = factories.office_user(check_in.initiative.office)
            made[name] = {"id": check_in.id, "user": person.id, "email": person.email,
                          "initiative": check_in.initiative.name}
        db.session.remove()
    return due, made


def test_an_office_hears_7_days_before_a_check_in_is_due_and_the_day_after(check_ins, told, mailbox, app):
    due, made = check_ins
    users = [m["user"] for m in made.values()]
    # The demo's calendar has a period open on these days: its opening is the calendar's message
    # (tests/test_check_in_calendar.py), not a check-in's reminder.
    said = {offset: [n for n in told(due + timedelta(days=offset), *users) if n.kind != "check_in_period_open"]
            for offset in (-8, -7, -6, 0, 1, 2, 40)}
    assert {offset: sorted(subjects(notes)) for offset, notes in said.items()} == {
        -8: [], -7: sorted([f"Due in 7 days: {made['sharing']['initiative']}, Reminder test sharing",
                            f"Due in 7 days: {made['sent_back']['initiative']}, Reminder test sent_back"]),
        -6: [], 0: [],
        1: sorted([f"Overdue: {made['sharing']['initiative']}, Reminder test sharing",
                   f"Overdue: {made['sent_back']['initiative']}, Reminder test sent_back"]),
        2: [], 40: []}
    every = [n for notes in said.values() for n in notes]
    assert {n.user_id for n in every} == {made["sharing"]["user"], made["sent_back"]["user"]}
    assert {n.kind for n in every} == {"check_in_due"}
    assert {n.link for n in every if n.user_id == made["sharing"]["user"]} == {f"/check-ins/{made['sharing']['id']}"}
    assert "was sent back to your office" in next(n.body for n in every if n.user_id == made["sent_back"]["user"])
    with app.app_context(), clock.set_now(datetime.combine(due + timedelta(days=41), time(8))):
        deliver_all()  # the e-mails were queued on days still ahead of the portal's date
    def reminders_to(email: str) -> list:
        return [m for m in mailbox.to(email) if not m["Subject"].startswith("A check-in period opens")]
    assert len(reminders_to(made["sharing"]["email"])) == 2
    assert reminders_to(made["submitted"]["email"]) == reminders_to(made["old"]["email"]) == []


# ---------------------------------------------------------------- a district's worth of schools

def test_the_reminders_of_every_school_take_a_handful_of_reads(schools, app, told):
    """Every school of the district not yet submitted is reminded on the 7-day day: what the schedule
    reads does not grow with the number of schools (each notification is one row to write)."""
    day = schools.cycle.due_on - timedelta(days=7)
    reads = []

    here = threading.get_ident()  # this thread's reads only: a browser test's live server may share the engine

    def count(_conn, _cursor, statement, *_args):
        if threading.get_ident() == here and statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)
    with app.app_context(), clock.set_now(datetime.combine(day, time(8))):
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            written = target_reminders.remind(day) + check_in_reminders.remind(day)
            db.session.flush()
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.session.commit()
        db.session.remove()
    assert written > 3, "the test's three schools not yet submitted, and the demo's, are reminded"
    assert len(reads) <= 12, "\n".join(r.split("\n")[0][:70] for r in reads)
