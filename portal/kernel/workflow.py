"""The portal's workflows as transition tables: (state, action) -> (new state, roles that may act).

Machine.apply() is the only code that changes a workflow object's state. It checks the table,
writes the audit event in the same transaction, and relies on the object's version column so
that of two people acting at once exactly one wins and the other is told who acted and when.
Two machines: target plans (school targets) and check-ins (the progress monitoring cycle).
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import AuditEvent, CheckIn, PlanStatus, Role, Stage, TargetPlan

PAST = {"edit": "edited", "submit": "submitted", "approve": "approved", "return": "returned",
        "reopen": "reopened", "comment": "commented on", "extend": "extended the window of",
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


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Machine:
    def __init__(self, entity: str, noun: str, state_attr: str, transitions: dict, needs_comment: dict,
                 windowed: frozenset = frozenset()):
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
        last = self.last_event(obj)
        if last is None:
            return f"Someone else changed this {self.noun} first. Reload to see the latest version."
        who = last.actor.name if last.actor else "Someone"
        return (f"{who} ({Role(last.actor_role).title}) {PAST.get(last.action, last.action)} this {self.noun} at "
                f"{last.at:%H:%M} UTC on {last.at:%d %b %Y} while you were working. Reload to see their change.")

    def apply(self, obj, action: str, user, *, comment: str | None = None, expected_version: int | None = None,
              window_open: bool = True, details: dict | None = None, commit: bool = True, before_flush=None):
        """Take `action` on `obj` as `user`, or raise WorkflowError / ConflictError and change nothing."""
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
        now = _now()
        try:
            setattr(obj, self.state_attr, new_state)
            obj.updated_at = now
            obj.updated_by_id = user.id
            # before_flush may load a relationship, and that query flushes the change first: the
            # version check can fail there as well as in the flush below.
            if before_flush is not None:
                before_flush(obj, now)
            db.session.add(AuditEvent(
                entity=self.entity, entity_id=obj.id, action=action, from_state=old_state.value,
                to_state=new_state.value, comment=comment, details=details, actor_id=user.id,
                actor_role=user.role.value, at=now,
            ))
            db.session.flush()  # UPDATE ... WHERE version = <the version we read>
        except StaleDataError as exc:
            db.session.rollback()
            fresh = db.session.get(type(obj), obj.id)
            raise ConflictError(self.describe_last_change(fresh)) from exc
        if commit:
            db.session.commit()
        return obj


# ------------------------------------------------------------------ school target plans
S = PlanStatus
PRINCIPAL = frozenset({Role.principal})
REVIEWERS = frozenset({Role.regional_leader, Role.admin})


def _plan_timestamps(plan: TargetPlan, now: datetime, action: str) -> None:
    if action == "submit":
        plan.submitted_at = now
    if action in {"approve", "return", "reopen"}:
        plan.decided_at = now


PLAN = Machine(
    "target_plan", "plan", "status",
    {
        (S.not_started, "edit"): (S.draft, PRINCIPAL),
        (S.draft, "edit"): (S.draft, PRINCIPAL),
        (S.returned, "edit"): (S.returned, PRINCIPAL),
        (S.draft, "submit"): (S.submitted, PRINCIPAL),
        (S.returned, "submit"): (S.submitted, PRINCIPAL),
        (S.submitted, "approve"): (S.approved, REVIEWERS),
        (S.submitted, "return"): (S.returned, REVIEWERS),
        (S.approved, "reopen"): (S.returned, REVIEWERS),
    },
    {"return": "Say what needs to change before the plan is returned.",
     "reopen": "Give the reason for reopening the approved plan."},
    windowed=frozenset({"edit", "submit"}),
)

# Target-plan names kept at module level: the views, services and tests speak of "the" workflow.
TRANSITIONS = PLAN.transitions
ACTIONS = PLAN.actions
NEEDS_COMMENT = PLAN.needs_comment
check = PLAN.check
describe_last_change = PLAN.describe_last_change


def apply(plan: TargetPlan, action: str, user, **kwargs) -> TargetPlan:
    return PLAN.apply(plan, action, user, before_flush=lambda p, now: _plan_timestamps(p, now, action), **kwargs)


# ------------------------------------------------------------------ check-ins through the four stages
OFFICE = frozenset({Role.central_office, Role.admin})
SUPERINTENDENTS = frozenset({Role.superintendent, Role.admin})
G = Stage

CHECK_IN = Machine(
    "check_in", "check-in", "stage",
    {
        (G.sharing, "edit"): (G.sharing, OFFICE),
        (G.sent_back, "edit"): (G.sent_back, OFFICE),
        (G.sharing, "record_sharing"): (G.sharing, OFFICE),
        (G.sent_back, "record_sharing"): (G.sent_back, OFFICE),
        (G.sharing, "submit_update"): (G.data_review, OFFICE),
        (G.sent_back, "submit_update"): (G.data_review, OFFICE),
        (G.data_review, "send_back"): (G.sent_back, SUPERINTENDENTS),
        (G.data_review, "accept_data"): (G.superintendent, SUPERINTENDENTS),
        (G.superintendent, "record_superintendent"): (G.ready, SUPERINTENDENTS),
        (G.ready, "place"): (G.board, SUPERINTENDENTS),
        (G.board, "unplace"): (G.ready, SUPERINTENDENTS),
    },
    {"send_back": "Say what the office should fix before the check-in is sent back."},
)


def apply_check_in(check_in: CheckIn, action: str, user, **kwargs) -> CheckIn:
    return CHECK_IN.apply(check_in, action, user, **kwargs)
