"""A notification and its e-mail in the reader's own language: the school's principal who reads Spanish
is told of a returned plan in Spanish (the subject, the sentence, the e-mail around it), with the
leader's comment quoted as they wrote it, while the school's other principal, who reads English, is
told of the same return in English; a submitted plan reaches the region's leaders in the same way.
Through the real review pages, the outbox and the real SMTP server."""
from sqlalchemy import update

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.notifications import digests
from portal.notifications.models import Preference
from portal.org.models import User
from portal.targets.models import PlanStatus, TargetPlan
from tests import test_notification_events as events
from tests.mail_server import body
from tests.test_notification_events import delivered, fill_every_row, in_app, person, plan_in_region, settle, sign_in

told = events.told  # the fixture: what the test's acts told people, removed when it ends

COMMENT = "Raise the grade 3 target.\nSee the 2021-22 baseline."


def reads_spanish(user_id: int) -> None:
    db.session.execute(update(User).where(User.id == user_id).values(language="es"))
    db.session.commit()


def second(factories, role: Role, **scope) -> User:
    """A second account of the role beside the one the factories give (a school's co-principal)."""
    _, tag = factories._next()
    return factories._account(role, f"second.{tag.lower()}@{factories.EMAIL_DOMAIN}", f"Sam Second {tag}", **scope)


def test_a_returned_plan_tells_each_principal_in_their_own_language(app, factories, auth, client, told, mailbox):
    def arrange():
        found = plan_in_region(factories, PlanStatus.submitted)
        plan = db.session.get(TargetPlan, found["plan_id"])
        found["english"] = person(second(factories, Role.principal, school_id=plan.school_id))
        reads_spanish(found["principal"].id)
        return found
    p = in_app(app, arrange)
    settle(app, mailbox)
    told.mark()
    sign_in(auth, p["leader"].email)  # the leader reads English
    token = auth.csrf(f"/review/plans/{p['plan_id']}")
    assert client.post(f"/review/plans/{p['plan_id']}/decide", data={
        "csrf_token": token, "action": "return", "comment": COMMENT, "version": p["version"]}).status_code == 303

    by_person = {note.user_id: note for note in told()}
    spanish, english = by_person[p["principal"].id], by_person[p["english"].id]
    assert spanish.subject == f"Devuelto para revisión: {p['cycle']} de {p['school']}"
    assert spanish.body.startswith(f"{p['leader'].name} devolvió {p['cycle']} de {p['school']} para revisión.")
    assert english.subject == f"Returned for revision: {p['school']}'s {p['cycle']}"
    assert english.body.startswith(f"{p['leader'].name} returned {p['school']}'s {p['cycle']} for revision.")
    assert spanish.comment == english.comment == COMMENT  # the leader's words, as they wrote them

    delivered(app)
    [to_spanish] = mailbox.to(p["principal"].email)
    [to_english] = mailbox.to(p["english"].email)
    assert to_spanish["Subject"] == spanish.subject and to_english["Subject"] == english.subject
    text, html = body(to_spanish), body(to_spanish, "html")
    assert f"Hola, {p['principal'].name}:" in text and spanish.body in text and "Su comentario:" in text
    for line in COMMENT.splitlines():
        assert f"> {line}" in text and line in html
    assert '<html lang="es">' in html and 'lang="en"' not in html
    assert f"Hello {p['english'].name}," in body(to_english) and english.body in body(to_english)


def test_a_submitted_plan_reaches_a_spanish_reading_leader_in_spanish_and_another_in_english(
        app, factories, auth, client, told, mailbox):
    def arrange():
        found = plan_in_region(factories, PlanStatus.draft)
        fill_every_row(factories, found["plan_id"])
        plan = db.session.get(TargetPlan, found["plan_id"])
        found["version"] = plan.version
        found["english"] = person(second(factories, Role.regional_leader, region_id=plan.school.region_id))
        reads_spanish(found["leader"].id)
        for leader in (found["leader"], found["english"]):  # straight away, not in the day's digest
            db.session.add(Preference(user_id=leader.id, kind="plan_submitted", mode="immediate"))
        db.session.commit()
        return found
    p = in_app(app, arrange)
    settle(app, mailbox)
    told.mark()
    sign_in(auth, p["principal"].email)
    token = auth.csrf(f"/targets/plans/{p['plan_id']}")
    assert client.post(f"/targets/plans/{p['plan_id']}/submit",
                       data={"csrf_token": token, "version": p["version"]}).status_code == 303

    by_person = {note.user_id: note for note in told()}
    spanish, english = by_person[p["leader"].id], by_person[p["english"].id]
    assert spanish.subject == f"Enviado para revisión: {p['cycle']} de {p['school']}"
    assert f"{p['principal'].name}, director(a) de {p['school']}," in spanish.body
    assert "para su revisión" in spanish.body
    assert english.subject == f"Submitted for review: {p['school']}'s {p['cycle']}"
    assert "submitted the school's" in english.body
    delivered(app)
    [to_spanish] = mailbox.to(p["leader"].email)
    [to_english] = mailbox.to(p["english"].email)
    assert to_spanish["Subject"] == spanish.subject and spanish.body in body(to_spanish)
    assert to_english["Subject"] == english.subject and english.body in body(to_english)


def test_a_daily_digest_in_spanish_carries_spanish_notifications(app, factories, auth, client, told, mailbox):
    def arrange():
        found = plan_in_region(factories, PlanStatus.draft)
        fill_every_row(factories, found["plan_id"])
        found["version"] = db.session.get(TargetPlan, found["plan_id"]).version
        reads_spanish(found["leader"].id)
        return found
    p = in_app(app, arrange)
    settle(app, mailbox)
    told.mark()
    sign_in(auth, p["principal"].email)
    token = auth.csrf(f"/targets/plans/{p['plan_id']}")
    assert client.post(f"/targets/plans/{p['plan_id']}/submit",
                       data={"csrf_token": token, "version": p["version"]}).status_code == 303
    [note] = told()
    in_app(app, lambda: (digests.queue_digests(clock.today()), db.session.commit()))
    delivered(app)
    [digest] = mailbox.to(p["leader"].email)
    assert note.subject.startswith("Enviado para revisión: ")
    assert digest["Subject"] == note.subject and note.body in body(digest)
