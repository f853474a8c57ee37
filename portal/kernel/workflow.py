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

from flask import has_request_context
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.kernel import clock, i18n
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role

# What each action did, in a refusal: "<who> edited this plan at ...". %(this)s is the record, named by its
# machine ("this plan", "this check-in").
PAST = {"create": _l("created %(this)s"), "edit": _l("edited %(this)s"), "submit": _l("submitted %(this)s"),
        "approve": _l("approved %(this)s"), "return": _l("returned %(this)s"), "reopen": _l("reopened %(this)s"),
        "comment": _l("commented on %(this)s"), "extend": _l("extended the window of %(this)s"),
        "extend_change": _l("changed the window extension of %(this)s"),
        "extend_revoke": _l("withdrew the window extension of %(this)s"),
        "record_sharing": _l("recorded the sharing session of %(this)s"), "submit_update": _l("submitted %(this)s"),
        "send_back": _l("sent back %(this)s"), "accept_data": _l("accepted the data of %(this)s"),
        "record_superintendent": _l("recorded the superintendent's update on %(this)s"),
        "place": _l("placed %(this)s in a Board update"), "unplace": _l("took %(this)s out of a Board update"),
        "publish": _l("published %(this)s"), "entered": _l("entered %(this)s"), "changed": _l("changed %(this)s"),
        "added": _l("added %(this)s")}


# How each action reads in a refusal: "you cannot <phrase> now".
ACTION_PHRASES = {
    "edit": _l("edit it"), "submit": _l("submit it"), "approve": _l("approve it"), "return": _l("return it"),
    "reopen": _l("reopen it"), "record_sharing": _l("record the sharing session"),
    "submit_update": _l("submit the platform update"), "send_back": _l("send it back"),
    "accept_data": _l("accept its data"), "record_superintendent": _l("record the update with the superintendent"),
    "place": _l("place it in a Board update"), "unplace": _l("take it out of a Board update"),
    "publish": _l("publish it"),
}


@dataclass(frozen=True)
class Noun:
    """A workflow's record as its refusals name it, in the page's language: "this plan", "This plan", "a plan"."""

    this: Any
    opening: Any  # the same, starting a sentence
    a: Any


class WorkflowError(Exception):
    """The action is not allowed: the message says why, in words for the person acting."""


class ConflictError(WorkflowError):
    """Someone else changed the record first."""


def _reader_id(reader) -> int | None:
    """The id of the person the refusal is for: `reader`, else whoever is signed in."""
    if reader is not None:
        return getattr(reader, "id", reader)
    if has_request_context() and current_user.is_authenticated:
        return current_user.id
    return None


def day(at: datetime) -> str:
    """7 Mar 2023 in English; 7 de marzo de 2023 in Spanish."""
    return format_date(at, "d MMM y" if i18n.current() == i18n.DEFAULT else "long", rebase=False)


def describe_change(last: AuditEvent | None, this: Any, done: str | None = None, reader=None) -> str:
    """The refusal of a stale save: who made `last` (the change the page did not show) and when. `this`
    names the record ("this plan"); `done` is the key in PAST of what they did (by default the event's
    action). When the change was the reader's own (another tab, or their autosave a moment before), the
    refusal says so instead of naming them as if they were someone else."""
    if last is None:
        return _("Someone else changed %(this)s first. Reload to see the latest version.", this=this)
    key = done or last.action
    did = str(PAST[key]) % {"this": this} if key in PAST else f"{key} {this}"
    when = {"time": format_time(last.at, "HH:mm", rebase=False), "date": day(last.at)}
    if last.actor_id is not None and last.actor_id == _reader_id(reader):
        return _("You %(did)s in another tab or a moment ago, at %(time)s UTC on %(date)s, so this page was "
                 "out of date. Reload to see the latest version, then try again.", did=did, **when)
    who = last.actor.name if last.actor else _("Someone")
    return _("%(who)s (%(role)s) %(did)s at %(time)s UTC on %(date)s while you were working. "
             "Reload to see their change.", who=who, role=_(Role(last.actor_role).title), did=did, **when)


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
    def __init__(self, entity: str, noun: Noun, state_attr: str, transitions: dict, needs_comment: dict,
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
            where = getattr(state, "phrase", None) or _(state.title).lower()
            doing = ACTION_PHRASES.get(action, action.replace("_", " "))
            return Decision(False, _("%(this)s is %(where)s: you cannot %(doing)s now.", this=self.noun.opening,
                                     where=where, doing=doing))
        _state, roles = entry
        if user.role not in roles:
            return Decision(False, _("A %(role)s cannot do that to %(a)s.", role=_(user.role.title).lower(),
                                     a=self.noun.a))
        if action in self.windowed and not window_open:
            return Decision(False, _("The target-setting window for this school has closed. "
                                     "An administrator can extend it."))
        return Decision(True)

    def last_event(self, obj) -> AuditEvent | None:
        return db.session.scalars(
            db.select(AuditEvent).where(AuditEvent.entity == self.entity, AuditEvent.entity_id == obj.id)
            .order_by(AuditEvent.id.desc()).limit(1)).first()

    def describe_last_change(self, obj, reader=None) -> str:
        return describe_change(self.last_event(obj), self.noun.this, reader=reader)

    def apply(self, obj, action: str, user, *, comment: str | None = None, expected_version: int | None = None,
              window_open: bool = True, details: dict | None = None, before_flush=None):
        """Take `action` on `obj` as `user` and flush, or raise WorkflowError / ConflictError and change
        nothing. The caller's view commits."""
        if expected_version is not None and obj.version != expected_version:
            raise ConflictError(self.describe_last_change(obj, user))
        decision = self.check(obj, action, user, window_open)
        if not decision.allowed:
            raise WorkflowError(decision.reason)
        comment = (comment or "").strip() or None
        if action in self.needs_comment and not comment:
            raise WorkflowError(_(self.needs_comment[action]))
        old_state = self.state(obj)
        new_state, _roles = self.transitions[(old_state, action)]
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
            raise ConflictError(self.describe_last_change(fresh, user)) from exc
        return obj
