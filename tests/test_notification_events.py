"""Who hears what when people act, through the real pages: a plan submitted, returned, approved,
reopened, resubmitted, its window extended and a leader's reminder; a check-in sent back, accepted,
placed, submitted for data review and ready for the Board; a Board update and an annual report
published; a password set and an account disabled or enabled again. For each: the people it
concerns get a notification with the page that needs them, the e-mail reaches their address at the
real SMTP server (with the comment, where there is one), and the people of another school, region
or office get nothing.

Every record a test acts on is its own (tests/factories.py). What the arranging steps told people
is set aside before the act (`told.mark()`), and every notification a test wrote is removed when it
ends, so the demo's accounts start each test with none."""
from collections.abc import Callable
from datetime import timedelta
from typing import Any, NamedTuple

import pytest
from sqlalchemy import delete, func, select, update

from portal.auth import notices as security
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.notifications import digests
from portal.notifications.models import Notification, OutboxEmail
from portal.org.models import User
from portal.progress.models import BoardUpdate, CheckIn, Stage
from portal.targets.models import PlanStatus, TargetPlan
from portal.worker import deliver_all
from tests.conftest import ROLE_EMAILS
from tests.mail_server import body


class Note(NamedTuple):
    user_id: int
    kind: str
    subject: str
    body: str
    comment: str | None
    link: str
    delivery: str


class Told:
    """The notifications written since the mark: what the act under test told people."""

    def __init__(self, app):
        self.app = app
        self.since = self.newest()

    def newest(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.max(Notification.id))) or 0

    def mark(self) -> None:
        """What the arranging told people is not the act's."""
        self.since = self.newest()

    def __call__(self) -> list[Note]:
        with self.app.app_context():
            rows = db.session.execute(select(
                Notification.user_id, Notification.kind, Notification.subject, Notification.body,
                Notification.comment, Notification.link, Notification.delivery)
                .where(Notification.id > self.since).order_by(Notification.id)).all()
            return [Note(*row) for row in rows]


@pytest.fixture
def told(app, mailbox):
    """What the test's acts told people; the test's notifications and e-mails are removed at its end
    (the outbox is set aside first, by `mailbox`, so every e-mail after the mark is the test's)."""
    with app.app_context():
        first_email = db.session.scalar(select(func.max(OutboxEmail.id))) or 0
    watch = Told(app)
    first_note = watch.since
    yield watch
    with app.app_context():
        db.session.execute(update(Notification).where(Notification.email_id > first_email).values(email_id=None))
        db.session.execute(delete(Notification).where(Notification.id > first_note))
        db.session.execute(delete(OutboxEmail).where(OutboxEmail.id > first_email))
        db.session.commit()


def in_app(app, step: Callable[[], Any]) -> Any:
    with app.app_context():
        try:
            return step()
        finally:
            db.session.remove()


def settle(app, mailbox) -> None:
    """Send what the arranging queued, and forget it: the inbox starts empty for the act."""
    in_app(app, deliver_all)
    mailbox.clear()


def delivered(app) -> None:
    in_app(app, deliver_all)


class Person(NamedTuple):
    """Who someone is, read while the arranging session is open (its records are gone after it)."""
    id: int
    email: str
    name: str


def person(user: User) -> Person:
    return Person(user.id, user.email, user.name)


def ids(*people: Person) -> set[int]:
    return {p.id for p in people}


def sign_in(auth, email: str) -> None:
    assert auth.login(email).status_code == 303


# ---------------------------------------------------------------- target plans

def plan_in_region(factories, status: PlanStatus) -> dict:
    """A school of the test's own with its plan in `status`, a second school of the same region, and a
    second region with a school: the people of each, as plain values."""
    region = factories.region()
    plan = factories.target_plan(factories.school(region=region), status)
    neighbour = factories.school(region=region)
    elsewhere = factories.school()
    outsiders = [person(factories.principal(neighbour)), person(factories.principal(elsewhere)),
                 person(factories.regional_leader(elsewhere.region))]
    principal, leader = person(factories.principal(plan.school)), person(factories.regional_leader(region))
    return {"plan_id": plan.id, "version": plan.version, "cycle_id": plan.cycle_id, "school": plan.school.name,
            "code": plan.school.code, "cycle": plan.cycle.name, "principal": principal, "leader": leader,
            "outsiders": outsiders}


def fill_every_row(factories, plan_id: int) -> None:
    """The principal fills the plan's required rows, as "Save draft" does (ready to submit)."""
    plan = db.session.get(TargetPlan, plan_id)
    factories._fill(plan, factories.principal(plan.school), "linear")
    db.session.commit()


def test_a_submitted_plan_tells_the_regions_leaders_in_their_daily_digest(app, factories, auth, client, told,
                                                                        mailbox):
    def arrange():
        found = plan_in_region(factories, PlanStatus.draft)
        fill_every_row(factories, found["plan_id"])
        found["version"] = db.session.get(TargetPlan, found["plan_id"]).version
        return found
    p = in_app(app, arrange)
    settle(app, mailbox)
    told.mark()
    sign_in(auth, p["principal"].email)
    token = auth.csrf(f"/targets/plans/{p['plan_id']}")
    response = client.post(f"/targets/plans/{p['plan_id']}/submit", data={"csrf_token": token,
                                                                          "version": p["version"]})
    assert response.status_code == 303

    [note] = told()
    assert note.user_id == p["leader"].id and note.kind == "plan_submitted"
    assert note.subject == f"Submitted for review: {p['school']}'s {p['cycle']}"
    assert p["principal"].name in note.body and "submitted the school's" in note.body
    assert note.link == f"/review/plans/{p['plan_id']}"
    assert note.delivery == "daily"  # a leader hears of submissions once a day unless they choose otherwise
    delivered(app)
    assert mailbox.to(p["leader"].email) == []
    in_app(app, lambda: (digests.queue_digests(clock.today()), db.session.commit()))
    delivered(app)
    [digest] = mailbox.to(p["leader"].email)  # the day's digest, of this one message
    assert digest["Subject"] == note.subject and note.body in body(digest)
    assert f"http://127.0.0.1:5000/review/plans/{p['plan_id']}" in body(digest)
    for outsider in p["outsiders"]:
        assert mailbox.to(outsider.email) == []


def test_a_resubmitted_plan_says_it_was_returned_before(app, factories, auth, client, told, mailbox):
    p = in_app(app, lambda: plan_in_region(factories, PlanStatus.returned))
    told.mark()
    sign_in(auth, p["principal"].email)
    token = auth.csrf(f"/targets/plans/{p['plan_id']}")
    assert client.post(f"/targets/plans/{p['plan_id']}/submit",
                       data={"csrf_token": token, "version": p["version"]}).status_code == 303
    [note] = told()
    assert note.user_id == p["leader"].id and note.kind == "plan_submitted"
    assert note.subject.startswith("Resubmitted for review: ") and "after they were returned" in note.body


DECISIONS = [  # (action, the plan's status before, kind, the reviewer's comment)
    ("return", PlanStatus.submitted, "plan_returned", "Raise the grade 3 target.\nSee the 2021-22 baseline."),
    ("approve", PlanStatus.submitted, "plan_approved", ""),
    ("reopen", PlanStatus.approved, "plan_reopened", "The baseline for English learners was corrected."),
]


@pytest.mark.parametrize("action, before, kind, comment", DECISIONS, ids=[d[0] for d in DECISIONS])
def test_a_leaders_decision_tells_the_schools_principal_by_email_with_the_comment(
        app, factories, auth, client, told, mailbox, action, before, kind, comment):
    p = in_app(app, lambda: plan_in_region(factories, before))
    settle(app, mailbox)
    told.mark()
    sign_in(auth, p["leader"].email)
    token = auth.csrf(f"/review/plans/{p['plan_id']}")
    response = client.post(f"/review/plans/{p['plan_id']}/decide", data={
        "csrf_token": token, "action": action, "comment": comment, "version": p["version"]})
    assert response.status_code == 303

    [note] = told()
    assert (note.user_id, note.kind, note.link) == (p["principal"].id, kind, f"/targets/plans/{p['plan_id']}")
    assert p["school"] in note.subject and p["cycle"] in note.subject and p["leader"].name in note.body
    assert note.comment == (comment or None)
    delivered(app)
    [message] = mailbox.to(p["principal"].email)
    assert message["Subject"] == note.subject
    text = body(message)
    assert f"http://127.0.0.1:5000/targets/plans/{p['plan_id']}" in text
    for line in comment.splitlines():
        assert f"> {line}" in text and line in body(message, "html")
    for outsider in [p["leader"], *p["outsiders"]]:
        assert mailbox.to(outsider.email) == []


def test_a_refused_decision_tells_nobody(app, factories, auth, client, told, mailbox):
    p = in_app(app, lambda: plan_in_region(factories, PlanStatus.submitted))
    told.mark()
    sign_in(auth, p["leader"].email)
    token = auth.csrf(f"/review/plans/{p['plan_id']}")
    stale = client.post(f"/review/plans/{p['plan_id']}/decide", data={
        "csrf_token": token, "action": "return", "comment": "Too late.", "version": p["version"] - 1})
    assert stale.status_code == 409
    assert told() == []


def test_an_extended_window_tells_the_schools_principals_the_new_date(app, factories, auth, client, told, mailbox):
    p = in_app(app, lambda: plan_in_region(factories, PlanStatus.draft))
    told.mark()
    until = in_app(app, clock.today) + timedelta(days=12)  # the portal's date, in its context
    sign_in(auth, ROLE_EMAILS[Role.admin])
    response = client.post(f"/admin/cycles/{p['cycle_id']}/extend", data={
        "csrf_token": auth.csrf("/admin/cycles"), "school_code": p["code"], "until": until.isoformat(),
        "reason": "A new principal started this week."})
    assert response.status_code == 303
    [note] = told()
    day = f"{until.day} {until:%B %Y}"
    assert (note.user_id, note.kind) == (p["principal"].id, "window_extended")
    assert day in note.subject and day in note.body and p["school"] in note.body
    assert note.comment == "A new principal started this week."
    delivered(app)
    [message] = mailbox.to(p["principal"].email)
    assert day in body(message) and "> A new principal started this week." in body(message)


def test_a_leaders_reminder_reaches_the_overdue_principals_of_their_region_only(app, factories, auth, client,
                                                                              told, mailbox):
    def arrange():
        region = factories.region()
        late = factories.district_plan(factories.school(region=region), PlanStatus.draft)
        done = factories.district_plan(factories.school(region=region), PlanStatus.submitted)
        other = factories.district_plan(factories.school(), PlanStatus.draft)
        people = {"late": person(factories.principal(late.school)), "done": person(factories.principal(done.school)),
                  "other": person(factories.principal(other.school)),
                  "leader": person(factories.regional_leader(region))}
        return {**people, "plan_id": late.id, "school": late.school.name}
    p = in_app(app, arrange)
    settle(app, mailbox)
    told.mark()
    sign_in(auth, p["leader"].email)
    response = client.post("/review/remind", data={"csrf_token": auth.csrf("/review/")})
    assert response.status_code == 303
    [note] = told()
    assert (note.user_id, note.kind) == (p["late"].id, "reviewer_reminder")
    assert p["school"] in note.body and p["leader"].name in note.subject
    assert note.link == f"/targets/plans/{p['plan_id']}"
    delivered(app)
    assert len(mailbox.to(p["late"].email)) == 1
    assert mailbox.to(p["done"].email) == mailbox.to(p["other"].email) == []
    again = client.post("/review/remind", data={"csrf_token": auth.csrf("/review/")})
    assert again.status_code == 303 and len(told()) == 1  # once a day


# ---------------------------------------------------------------- check-ins

def check_in_at(factories, stage: Stage) -> dict:
    """A check-in of an office of the test's own at `stage`, the office's people, and another office's."""
    check_in = factories.check_in(stage=stage)
    office = check_in.initiative.office
    people = {"office": person(factories.office_user(office)), "colleague": person(factories.colleague(office)),
              "other_office": person(factories.office_user(factories.initiative().office))}
    check_in = db.session.get(CheckIn, check_in.id)
    return {**people, "id": check_in.id, "version": check_in.version, "initiative": check_in.initiative.name,
            "period": check_in.period}


def superintendents() -> list[Person]:
    return [person(u) for u in db.session.scalars(select(User).where(User.role == Role.superintendent,
                                                                     User.active.is_(True)))]


OFFICE_STEPS = [  # (stage before, url, form, kind, comment)
    (Stage.data_review, "review", {"action": "send_back", "comment": "Split the figure by school level.\nAdd 6-8."},
     "check_in_sent_back", "Split the figure by school level.\nAdd 6-8."),
    (Stage.data_review, "review", {"action": "accept_data", "review_notes": "Checked against the source."},
     "check_in_accepted", "Checked against the source."),
    (Stage.ready, "place", {}, "check_in_placed", None),
]


@pytest.mark.parametrize("before, url, form, kind, comment", OFFICE_STEPS, ids=[s[3] for s in OFFICE_STEPS])
def test_the_superintendents_office_decision_tells_the_office_that_owns_the_check_in(
        app, factories, auth, client, told, mailbox, before, url, form, kind, comment):
    def arrange():
        report = factories.board_update()
        return {**check_in_at(factories, before), "update_id": report.id, "update_title": report.title}
    c = in_app(app, arrange)
    if url == "place":
        form = {"board_update_id": c["update_id"]}
    settle(app, mailbox)
    told.mark()
    sign_in(auth, ROLE_EMAILS[Role.superintendent])
    token = auth.csrf(f"/check-ins/{c['id']}")
    response = client.post(f"/check-ins/{c['id']}/{url}", data={"csrf_token": token, "version": c["version"], **form})
    assert response.status_code == 303

    notes = told()
    assert {n.user_id for n in notes} == ids(c["office"], c["colleague"])
    assert {(n.kind, n.link, n.comment) for n in notes} == {(kind, f"/check-ins/{c['id']}", comment)}
    assert c["initiative"] in notes[0].subject and c["period"] in notes[0].subject
    if url == "place":
        assert c["update_title"] in notes[0].body
    delivered(app)
    for member in (c["office"], c["colleague"]):
        [message] = mailbox.to(member.email)
        for line in (comment or "").splitlines():
            assert f"> {line}" in body(message)
    assert mailbox.to(c["other_office"].email) == []


def test_a_submitted_platform_update_tells_the_superintendents_office(app, factories, auth, client, told, mailbox):
    c = in_app(app, lambda: {**check_in_at(factories, Stage.sent_back), "supts": superintendents()})
    settle(app, mailbox)
    told.mark()
    sign_in(auth, c["office"].email)
    token = auth.csrf(f"/check-ins/{c['id']}")
    response = client.post(f"/check-ins/{c['id']}/submit", data={"csrf_token": token, "version": c["version"]})
    assert response.status_code == 303
    notes = told()
    assert {n.user_id for n in notes} == ids(*c["supts"]) and c["supts"]
    assert {n.kind for n in notes} == {"check_in_for_review"}
    assert "after it was sent back" in notes[0].body and notes[0].link == f"/check-ins/{c['id']}"
    delivered(app)
    for member in c["supts"]:
        assert len(mailbox.to(member.email)) == 1
    assert mailbox.to(c["office"].email) == mailbox.to(c["colleague"].email) == []


def test_a_check_in_ready_for_the_board_tells_the_superintendents_office_but_not_who_recorded_it(
        app, factories, auth, client, told, mailbox):
    c = in_app(app, lambda: {**check_in_at(factories, Stage.superintendent), "supts": superintendents()})
    settle(app, mailbox)
    told.mark()
    sign_in(auth, ROLE_EMAILS[Role.admin])
    token = auth.csrf(f"/check-ins/{c['id']}")
    held_on = in_app(app, clock.today) - timedelta(days=1)
    response = client.post(f"/check-ins/{c['id']}/superintendent", data={
        "csrf_token": token, "version": c["version"], "supt_date": held_on.isoformat(), "supt_feedback": "Keep going."})
    assert response.status_code == 303
    notes = told()
    assert {n.user_id for n in notes} == ids(*c["supts"])
    assert {n.kind for n in notes} == {"check_in_for_board"}
    delivered(app)
    assert mailbox.to(ROLE_EMAILS[Role.admin]) == [] and mailbox.to(c["office"].email) == []


# ---------------------------------------------------------------- publishing

@pytest.mark.parametrize("kind, path", [("end_of_year", "board-updates"), ("annual_report", "annual-reports")])
def test_publishing_tells_the_board_and_the_superintendents_office(app, factories, auth, client, told, mailbox,
                                                                   kind, path):
    def arrange():
        report = factories.board_update(kind)
        if kind != "annual_report":
            factories.check_in(stage=Stage.board, board=report)
        office = person(factories.office_user(factories.central_office()))
        principal = person(factories.principal(factories.school()))
        readers = [person(u) for u in db.session.scalars(select(User).where(
            User.role.in_([Role.board, Role.superintendent]), User.active.is_(True)))]
        report = db.session.get(BoardUpdate, report.id)
        return report.id, report.version, report.title, readers, office, principal
    update_id, version, title, readers, office, principal = in_app(app, arrange)
    settle(app, mailbox)
    told.mark()
    sign_in(auth, ROLE_EMAILS[Role.superintendent])
    response = client.post(f"/{path}/{update_id}/publish", data={"csrf_token": auth.csrf(f"/{path}/{update_id}"),
                                                                 "version": version, "confirm": "yes"})
    assert response.status_code == 303
    in_app(app, lambda: db.session.get(BoardUpdate, update_id).published or pytest.fail("not published"))
    notes = told()
    publisher = next(u for u in readers if u.email == ROLE_EMAILS[Role.superintendent])
    assert {n.user_id for n in notes} == ids(*readers) - {publisher.id}  # not the one who published it
    expected = "annual_report_published" if kind == "annual_report" else "board_update_published"
    assert {(n.kind, n.subject, n.link) for n in notes} == {(expected, f"Published: {title}", f"/{path}/{update_id}")}
    delivered(app)
    board_member = next(u for u in readers if u.email == ROLE_EMAILS[Role.board])
    [message] = mailbox.to(board_member.email)
    assert title in body(message) and f"http://127.0.0.1:5000/{path}/{update_id}" in body(message)
    assert mailbox.to(publisher.email) == mailbox.to(office.email) == mailbox.to(principal.email) == []


# ---------------------------------------------------------------- security

def test_a_password_set_by_an_administrator_is_told_at_once_even_when_switched_off(app, factories, auth, client,
                                                                                 told, mailbox):
    from portal.notifications.models import Preference

    def arrange():
        someone = factories.principal(factories.school())
        db.session.add(Preference(user_id=someone.id, kind="security", mode="off"))
        db.session.commit()
        return person(someone)
    someone = in_app(app, arrange)
    told.mark()
    sign_in(auth, ROLE_EMAILS[Role.admin])
    token = auth.csrf(f"/admin/users/{someone.id}")
    response = client.post(f"/admin/users/{someone.id}/password", data={
        "csrf_token": token, "password": "violet tugboat reckons quietly", "confirm": "violet tugboat reckons quietly"})
    assert response.status_code == 303
    [note] = told()
    assert (note.user_id, note.kind, note.delivery, note.link) == (someone.id, "security", "immediate", "/login")
    assert "set a new password" in note.body and "UTC on" in note.body and "contact the portal's administrator" \
        in note.body
    delivered(app)
    [message] = mailbox.to(someone.email)
    assert "set a new password" in body(message)
    assert "violet tugboat" not in body(message)  # the password itself is never sent


def test_disabling_an_account_tells_its_owner_and_enabling_it_again_too(app, factories, auth, client, told, mailbox):
    someone = in_app(app, lambda: person(factories.principal(factories.school())))
    told.mark()
    sign_in(auth, ROLE_EMAILS[Role.admin])
    token = auth.csrf(f"/admin/users/{someone.id}")
    assert client.post(f"/admin/users/{someone.id}/active", data={"csrf_token": token}).status_code == 303
    [disabled] = told()
    assert (disabled.user_id, disabled.kind) == (someone.id, "security")
    assert disabled.subject == "Your portal account was disabled" and "no longer sign in" in disabled.body
    delivered(app)
    [message] = mailbox.to(someone.email)  # the disabled person is told by e-mail, where they can still read it
    assert "disabled your account" in body(message)
    assert client.post(f"/admin/users/{someone.id}/active", data={"csrf_token": token}).status_code == 303
    assert [n.subject for n in told()] == ["Your portal account was disabled", "Your portal account was enabled again"]


def test_a_person_changing_their_own_password_is_told_it_was_them(app, factories, told):
    """The portal has no page yet where people change their own password; the message is ready for it."""
    def act():
        someone = factories.principal(factories.school())
        security.password_set(someone, someone)
        db.session.commit()
        return person(someone)
    someone = in_app(app, act)
    [note] = told()
    assert note.user_id == someone.id and note.subject == "Your portal password was changed"
    assert "administrator" not in note.body.split(".")[0]
