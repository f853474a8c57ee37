"""The portal's workflows as transition tables: (state, action) -> (new state, roles that may act).

Machine.apply() is the only code that changes a workflow object's state. It checks the table,
writes the audit event in the same transaction, and relies on the object's version column so
that of two people acting at once exactly one wins and the other is told who acted and when.
The tables themselves live with their records: portal.targets.workflow (school target plans) and
portal.progress.workflow (check-ins through the four stages). Records with a version but no states
(an action plan, a progress metric, a measure's value) use check_version and flush_versioned.
"""
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role

PAST = {"create": "created", "edit": "edited", "submit": "submitted", "approve": "approved", "return": "returned",
        "reopen": "reopened", "comment": "commented on", "extend": "extended the window of",
        "extend_change": "changed the window extension of", "extend_revoke": "withdrew the window extension of",
        "record_sharing": "recorded the sharing session of", "submit_update": "submitted",
        "send_back": "sent back", "accept_data": "accepted the data of",
        "record_superintendent": "recorded the superintendent's update on",
        "place": "placed in a Board update", "unplace": "took out of a Board update"}


# How each action reads in a refusal: "you cannot <phrase> now".
ACTION_PHRASES = {
    "edit": "edit it", "submit": "submit it", "approve": "approve it", "return": "return it",
    "reopen": "reopen it", "record_sharing": "record the sharing session",
    "submit_update": "submit the platform update", "send_back": "send it back", "accept_data": "accept its data",
    "record_superintendent": "record the update with the superintendent", "place": "place it in a Board update",
    "unplace": "take it out of a Board update",
}


class WorkflowError(Exception):
    """The action is not allowed: the message says why, in words for the person acting."""


class ConflictError(WorkflowError):
    """Someone else changed the record first."""


def describe_change(last: AuditEvent | None, noun: str, done: str | None = None) -> str:
    """The refusal of a stale save: who made `last` (the change the person did not see) and when.
    `done` says what they did ("entered"); by default the past tense of the event's action."""
    if last is None:
        return f"Someone else changed this {noun} first. Reload to see the latest version."
    who = last.actor.name if last.actor else "Someone"
    done = done or PAST.get(last.action, last.action)
    return (f"{who} ({Role(last.actor_role).title}) {done} this {noun} at "
            f"{last.at:%H:%M} UTC on {last.at:%d %b %Y} while you were working. Reload to see their change.")


def check_version(obj, expected_version: int, describe: Callable[[], str]) -> None:
    """Refuse a save made on a page that showed another version of `obj` than the one stored now."""
    if obj.version != expected_version:
        raise ConflictError(describe())


def flush_versioned(describe: Callable[[], str]) -> None:
    """Flush a change to a versioned record. When someone saved it since it was read, its UPDATE ...
    WHERE version = <the version read> finds no row: roll back and raise ConflictError(describe()),
    called after the rollback so that it reads their change."""
    try:
        db.session.flush()
    except StaleDataError as exc:
        db.session.rollback()
        raise ConflictError(describe()) from exc


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


class Machine:
    def __init__(self, entity: str, noun: str, state_attr: str, transitions: dict, needs_comment: dict,
                 windowed: frozenset = frozenset(), set_state: Callable[[Any, Any, Any, datetime], None] | None = None,
                 announce: Callable[[Any, AuditEvent], None] | None = None):
        # announce(obj, event) tells the people a change concerns (portal.notifications), in the same
        # transaction as the change and its audit event: a change that is rolled back tells nobody.
        self.announce = announce
        # set_state(obj, new_state, user, now) is for records whose state is derived from other columns
        # (a Board update is published when it has a publication time); others store the state itself.
        self.set_state = set_state
        self.entity = entity
        self.noun = noun
        self.state_attr = state_attr
        self.transitions = transitions
        self.needs_comment = needs_comment
        self.windowed = windowed
        self.actions = sorted({action for _, action in transitions})

    def state(self, obj):
        return getattr(obj, self.state_attr)

    def check(self, obj, action: str, user, window_open: bool = True) -> Decision:
        state = self.state(obj)
        entry = self.transitions.get((state, action))
        if entry is None:
            where = getattr(state, "phrase", None) or state.title.lower()
            doing = ACTION_PHRASES.get(action, f"{action.replace('_', ' ')} it")
            return Decision(False, f"This {self.noun} is {where}: you cannot {doing} now.")
        _, roles = entry
        if user.role not in roles:
            return Decision(False, f"A {user.role.title.lower()} cannot do that to a {self.noun}.")
        if action in self.windowed and not window_open:
            return Decision(False, "The target-setting window for this school has closed. "
                                   "An administrator can extend it.")
        return Decision(True)

    def last_event(self, obj) -> AuditEvent | None:
        return db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.entity == self.entity, AuditEvent.entity_id == obj.id)
            .order_by(AuditEvent.id.desc()).limit(1)).first()

    def describe_last_change(self, obj) -> str:
        return describe_change(self.last_event(obj), self.noun)

    def apply(self, obj, action: str, user, *, comment: str | None = None, expected_version: int | None = None,
              window_open: bool = True, details: dict | None = None, before_flush=None):
        """Take `action` on `obj` as `user` and flush, or raise WorkflowError / ConflictError and change
        nothing. The caller's view commits."""
        if expected_version is not None and obj.version != expected_version:
            raise ConflictError(self.describe_last_change(obj))
        decision = self.check(obj, action, user, window_open)
        if not decision.allowed:
            raise WorkflowError(decision.reason)
        comment = (comment or "").strip() or None
        if action in self.needs_comment and not comment:
            raise WorkflowError(self.needs_comment[action])
        old_state = self.state(obj)
        new_state, _ = self.transitions[(old_state, action)]
        now = clock.now()
        try:
            if self.set_state is not None:
                self.set_state(obj, new_state, user, now)
            else:
                setattr(obj, self.state_attr, new_state)
                obj.updated_at = now
                obj.updated_by_id = user.id
            # before_flush may load a relationship; without autoflush its query does not write the
            # change early, so the row is updated (and its version moved) once, in the flush below.
            if before_flush is not None:
                with db.session.no_autoflush:
                    before_flush(obj, now)
            audit = AuditEvent(
                entity=self.entity, entity_id=obj.id, action=action, from_state=old_state.value,
                to_state=new_state.value, comment=comment, details=details, actor_id=user.id,
                actor_role=user.role.value, at=now,
            )
            db.session.add(audit)
            if self.announce is not None:
                with db.session.no_autoflush:
                    self.announce(obj, audit)
            db.session.flush()  # UPDATE ... WHERE version = <the version we read>
        except StaleDataError as exc:
            db.session.rollback()
            fresh = db.session.get(type(obj), obj.id)
            raise ConflictError(self.describe_last_change(fresh)) from exc
        return obj
