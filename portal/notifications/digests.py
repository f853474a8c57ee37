"""The daily digest: one e-mail a day to each person with what they chose to hear about once a day.
Its key names the person and the day, so a second run on the same day sends nothing again."""
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.notifications.kinds import DAILY
from portal.notifications.models import Notification, OutboxEmail
from portal.org.models import User


def digest_key(user_id: int, day: date) -> str:
    return f"digest-{day.isoformat()}-u{user_id}"


def queue_digests(day: date) -> int:
    """Gather each person's undelivered daily notifications into that day's digest e-mail (in the
    caller's transaction); return how many digests were queued."""
    waiting = db.session.scalars(select(Notification).where(
        Notification.delivery == DAILY, Notification.email_id.is_(None)).order_by(Notification.id)).all()
    by_user: dict[int, list[Notification]] = {}
    for note in waiting:
        by_user.setdefault(note.user_id, []).append(note)
    if not by_user:
        return 0
    keys = {uid: digest_key(uid, day) for uid in by_user}
    done = set(db.session.scalars(select(OutboxEmail.key).where(OutboxEmail.key.in_(list(keys.values())))))
    people = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(list(by_user))))}
    queued = 0
    for uid, notes in by_user.items():
        user = people[uid]
        if keys[uid] in done or not user.active or not user.email:
            continue  # today's digest has gone already: these wait for tomorrow's
        email = OutboxEmail(key=keys[uid], user_id=uid, to_address=user.email, kind="digest")
        db.session.add(email)
        for note in notes:
            note.email = email
        queued += 1
    return queued
