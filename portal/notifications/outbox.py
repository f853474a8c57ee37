"""notify(): the one way to tell people something. It writes each person's notification, and the
e-mail that carries it when they hear of it straight away, in the caller's transaction: a change
that is rolled back tells nobody, and one that commits is never forgotten. It never commits.

The rows are written with two bulk INSERT statements (the e-mails, then the notifications that point
at them), not as ORM objects through the unit of work: a state change pays for the outbox in its
own transaction, so the outbox keeps that share small (docs/performance.md, "E-mail").

A subject or body is written in each recipient's language: given as a callable (a lambda over
gettext), it is called once for each language among the recipients, inside that language; given as a
plain string, it is stored as it is for everyone."""
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import cast

from flask_babel import force_locale
from sqlalchemy import Table, insert, select

from portal.extensions import db
from portal.kernel import i18n
from portal.notifications.kinds import DAILY, IMMEDIATE, KINDS, OFF
from portal.notifications.models import Notification, OutboxEmail, Preference
from portal.org.models import User

SUBJECT_MAX = 200
# A message's words: a string, or a callable that writes them in the language in force when it is called.
Words = str | Callable[[], str]
CHUNK = 5000  # keys per IN list: far below what SQLite and PostgreSQL take in one statement


def modes(users: list[User], kind: str) -> dict[int, str]:
    """How each of `users` hears `kind`: their own choice, or the kind's default."""
    spec = KINDS[kind]
    if spec.always:
        return {user.id: IMMEDIATE for user in users}
    ids = [u.id for u in users]
    chosen: dict[int, str] = {}
    table = Preference.__table__  # a Core read: the ORM's per-statement work is most of a small read's cost
    for start in range(0, len(ids), CHUNK):
        chosen.update(db.session.connection().execute(select(table.c.user_id, table.c.mode).where(
            table.c.kind == kind, table.c.user_id.in_(ids[start:start + CHUNK]))).all())
    return {user.id: chosen.get(user.id, spec.default) for user in users}


@dataclass(frozen=True)
class Message:
    """What one group of people is told: the arguments of notify(), for notify_each()."""

    users: Sequence[User]
    subject: Words
    body: Words
    link: str
    comment: str | None = None
    dedupe: str | None = None


def notify(users: Iterable[User], kind: str, subject: Words, body: Words, link: str, *,
           comment: str | None = None, dedupe: str | None = None) -> list[int]:
    """Tell each of `users` (the active ones) about something: `subject` in a line, `body` in a sentence
    or two, `link` the path of the page that needs them, `comment` a person's words to quote. With
    `dedupe`, a scheduled message: anyone already told under that key is not told again. `subject` and
    `body` may be callables, written in each recipient's language. Returns the new notifications' ids."""
    return notify_each(kind, [Message(list(users), subject, body, link, comment, dedupe)])


def notify_each(kind: str, messages: Iterable[Message]) -> list[int]:
    """notify() for many messages of one kind at once (a schedule's reminder to each school, say, each
    in words of its own): who was already told, and how each person hears the kind, are read in one
    query each for all of them, not once per message."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    db.session.flush()  # the reads and writes below go through the session's connection, past autoflush
    batch = [(m, {u.id: u for u in m.users if u.active}) for m in messages]
    keys = {(i, uid): f"{m.dedupe}:u{uid}" for i, (m, people) in enumerate(batch) if m.dedupe for uid in people}
    told = _already_told(list(keys.values()))
    everyone = {uid: u for _, people in batch for uid, u in people.items()}
    how = modes(list(everyone.values()), kind)
    rows = []
    for i, (message, people) in enumerate(batch):
        written: dict[str, tuple[str, str]] = {}  # the message in each language among its people
        for uid, user in people.items():
            key = keys.get((i, uid))
            if key in told:
                continue
            if key:
                told.add(key)  # the same message twice in one batch is still told once
            language = i18n.for_person(user)
            if language not in written:
                written[language] = words_in(message, language)
            rows.append(_row(user, kind, message, written[language], how[uid], key))
    return _write(rows)


def in_each_language(write: Callable[..., tuple[str, str]], *args) -> tuple[Callable[[], str], Callable[[], str]]:
    """A subject and a body for notify() or Message, written by `write(*args)` in each reader's language
    (`write` returns both, and is called once per language; its arguments are bound now, not when the
    words are written)."""
    written: dict[str, tuple[str, str]] = {}

    def in_force() -> tuple[str, str]:
        language = i18n.current()
        if language not in written:
            written[language] = write(*args)
        return written[language]
    return (lambda: in_force()[0]), (lambda: in_force()[1])


def words_in(message: Message, language: str) -> tuple[str, str]:
    """The subject and body of `message` in `language`: callables are called inside it."""
    if isinstance(message.subject, str) and isinstance(message.body, str):
        return message.subject, message.body
    with force_locale(language):
        return _text(message.subject), _text(message.body)


def _text(words: Words) -> str:
    return words if isinstance(words, str) else str(words())


def _already_told(keys: list[str]) -> set[str]:
    """The dedupe keys some notification already carries (read in chunks a database's IN list takes)."""
    told: set[str] = set()
    for start in range(0, len(keys), CHUNK):
        told |= set(db.session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(keys[start:start + CHUNK]))))
    return told


def _row(user: User, kind: str, message: Message, words: tuple[str, str], mode: str, key: str | None) -> dict:
    if mode != OFF and not user.email:
        mode = "no_address"
    subject, body = words
    row = {"user_id": user.id, "kind": kind, "subject": subject[:SUBJECT_MAX], "body": body,
           "comment": message.comment, "link": message.link, "delivery": mode, "dedupe_key": key,
           "email_id": None}
    if mode == IMMEDIATE:
        row["email"] = {"key": secrets.token_hex(16), "user_id": user.id, "to_address": user.email, "kind": kind}
    return row


def _write(rows: list[dict]) -> list[int]:
    """Each e-mail, then each notification with its e-mail's id: two statements, however many rows."""
    if not rows:
        return []
    connection = db.session.connection()  # the caller's transaction
    emails = [(row, row.pop("email")) for row in rows if "email" in row]
    if emails:
        table = cast(Table, OutboxEmail.__table__)
        made = connection.execute(insert(table).returning(table.c.key, table.c.id), [email for _, email in emails])
        ids: dict[str, int] = {row.key: row.id for row in made}
        for row, email in emails:
            row["email_id"] = ids[email["key"]]
    table = cast(Table, Notification.__table__)
    made = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows)
    return list(made.scalars())


__all__ = ["DAILY", "IMMEDIATE", "OFF", "Message", "in_each_language", "modes", "notify", "notify_each"]
