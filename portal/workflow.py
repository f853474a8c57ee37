"""The target plan workflow: one table says which action moves a plan from which state to
which, and who may take it. apply() is the only code that changes a plan's status; it writes
the audit event in the same transaction and makes concurrent actors lose cleanly."""
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm.exc import StaleDataError

from .extensions import db
from .models import AuditEvent, PlanStatus, Role, TargetPlan

S = PlanStatus
PRINCIPAL = frozenset({Role.principal})
REVIEWERS = frozenset({Role.regional_leader, Role.admin})

# (state, action) -> (new state, roles that may act)
TRANSITIONS: dict[tuple[PlanStatus, str], tuple[PlanStatus, frozenset]] = {
    (S.not_started, "edit"): (S.draft, PRINCIPAL),
    (S.draft, "edit"): (S.draft, PRINCIPAL),
    (S.returned, "edit"): (S.returned, PRINCIPAL),
    (S.draft, "submit"): (S.submitted, PRINCIPAL),
    (S.returned, "submit"): (S.submitted, PRINCIPAL),
    (S.submitted, "approve"): (S.approved, REVIEWERS),
    (S.submitted, "return"): (S.returned, REVIEWERS),
    (S.approved, "reopen"): (S.returned, REVIEWERS),
}
ACTIONS = sorted({action for _, action in TRANSITIONS})
NEEDS_COMMENT = {"return": "Say what needs to change before the plan is returned.",
                 "reopen": "Give the reason for reopening the approved plan."}
# Actions a principal takes only while the school's window is open.
WINDOWED = {"edit", "submit"}


class WorkflowError(Exception):
    """The action is not allowed: the message says why, in words for the person acting."""


class ConflictError(WorkflowError):
    """Someone else changed the plan first."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def check(plan: TargetPlan, action: str, user, window_open: bool = True) -> Decision:
    entry = TRANSITIONS.get((plan.status, action))
    if entry is None:
        return Decision(False, f"A plan that is {plan.status.title.lower()} cannot be {_past(action)}.")
    _, roles = entry
    if user.role not in roles:
        return Decision(False, f"A {user.role.title.lower()} cannot {action} a target plan.")
    if action in WINDOWED and not window_open:
        return Decision(False, "The target-setting window for this school has closed. "
                               "An administrator can extend it.")
    return Decision(True)


def _past(action: str) -> str:
    return {"edit": "edited", "submit": "submitted", "approve": "approved", "return": "returned",
            "reopen": "reopened"}.get(action, action)


def describe_last_change(plan: TargetPlan) -> str:
    last = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.entity == "target_plan", AuditEvent.entity_id == plan.id)
        .order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if last is None:
        return "Someone else changed this plan first. Reload to see the latest version."
    who = last.actor.name if last.actor else "Someone"
    return (f"{who} ({Role(last.actor_role).title}) {_past(last.action)} this plan at "
            f"{last.at:%H:%M} UTC on {last.at:%d %b %Y} while you were working. Reload to see their change.")


def apply(plan: TargetPlan, action: str, user, *, comment: str | None = None, expected_version: int | None = None,
          window_open: bool = True, details: dict | None = None, commit: bool = True) -> TargetPlan:
    """Take `action` on `plan` as `user`, or raise WorkflowError / ConflictError and change nothing."""
    if expected_version is not None and plan.version != expected_version:
        raise ConflictError(describe_last_change(plan))
    decision = check(plan, action, user, window_open)
    if not decision.allowed:
        raise WorkflowError(decision.reason)
    comment = (comment or "").strip() or None
    if action in NEEDS_COMMENT and not comment:
        raise WorkflowError(NEEDS_COMMENT[action])
    new_state, _ = TRANSITIONS[(plan.status, action)]
    old_state = plan.status
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    plan.status = new_state
    plan.updated_at = now
    plan.updated_by_id = user.id
    if action == "submit":
        plan.submitted_at = now
    if action in {"approve", "return", "reopen"}:
        plan.decided_at = now
    db.session.add(AuditEvent(
        entity="target_plan", entity_id=plan.id, action=action, from_state=old_state.value,
        to_state=new_state.value, comment=comment, details=details, actor_id=user.id, actor_role=user.role.value,
        at=now,
    ))
    try:
        db.session.flush()  # UPDATE ... WHERE version = <the version we read>
    except StaleDataError as exc:
        db.session.rollback()
        fresh = db.session.get(TargetPlan, plan.id)
        raise ConflictError(describe_last_change(fresh)) from exc
    if commit:
        db.session.commit()
    return plan
