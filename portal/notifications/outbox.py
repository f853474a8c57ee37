"""notify(): the one way to tell people something. It writes each person's notification, and the
e-mail that carries it when they hear of it straight away, in the caller's transaction: a change
that is rolled back tells nobody, and one that commits is never forgotten. It never commits."""
import secrets
from collections.abc import Iterable

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.kinds import DAILY, IMMEDIATE, KINDS, OFF
from portal.notifications.models import Notification, OutboxEmail, Preference
from portal.org.models import User

SUBJECT_MAX = 200


def modes(users: list[User], kind: str) -> dict[int, str]:
    """How each of `users` hears `kind`: their own choice, or the kind's default."""
    spec = KINDS[kind]
    if spec.always:
        return {user.id: IMMEDIATE for user in users}
    chosen = dict(db.session.execute(
        select(Preference.user_id, Preference.mode)
        .where(Preference.kind == kind, Preference.user_id.in_([u.id for u in users]))).all()) if users else {}
    return {user.id: chosen.get(user.id, spec.default) for user in users}


def notify(users: Iterable[User], kind: str, subject: str, body: str, link: str, *,
           comment: str | None = None, dedupe: str | None = None) -> list[Notification]:
    """Tell each of `users` (the active ones) about something: `subject` in a line, `body` in a sentence
    or two, `link` the path of the page that needs them, `comment` a person's words to quote. With
    `dedupe`, a scheduled message: anyone already told under that key is not told again."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    people = {u.id: u for u in users if u.active}
    keys = {uid: f"{dedupe}:u{uid}" for uid in people} if dedupe else {}
    if keys:
        told = set(db.session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(list(keys.values())))))
        people = {uid: u for uid, u in people.items() if keys[uid] not in told}
    how = modes(list(people.values()), kind)
    made = []
    for uid, user in people.items():
        mode = how[uid]
        if mode != OFF and not user.email:
            mode = "no_address"
        note = Notification(user_id=uid, kind=kind, subject=subject[:SUBJECT_MAX], body=body, comment=comment,
                            link=link, delivery=mode, dedupe_key=keys.get(uid))
        if mode == IMMEDIATE:
            note.email = OutboxEmail(key=secrets.token_hex(16), user_id=uid, to_address=user.email, kind=kind)
        db.session.add(note)
        made.append(note)
    return made


__all__ = ["DAILY", "IMMEDIATE", "OFF", "modes", "notify"]
