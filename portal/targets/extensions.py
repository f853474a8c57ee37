"""Changing and withdrawing a school's window extension: each change is audited on the school's plan,
as the grant is, and the school's principals are told in the same transaction."""
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.org.models import School
from portal.targets import notices
from portal.targets.models import TargetCycle, TargetPlan, WindowExtension


def _plan(ext: WindowExtension) -> TargetPlan | None:
    return db.session.scalar(select(TargetPlan).where(TargetPlan.cycle_id == ext.cycle_id,
                                                      TargetPlan.school_id == ext.school_id))


def school_and_cycle(ext: WindowExtension) -> tuple[School, TargetCycle]:
    """The school the extension is for, and the cycle it extends."""
    return (db.session.scalars(select(School).where(School.id == ext.school_id)).one(),
            db.session.scalars(select(TargetCycle).where(TargetCycle.id == ext.cycle_id)).one())


def _audit(plan: TargetPlan | None, action: str, comment: str, admin, details: dict) -> None:
    if plan is not None:
        db.session.add(AuditEvent(entity="target_plan", entity_id=plan.id, action=action, comment=comment,
                                  actor_id=admin.id, actor_role=admin.role.value, details=details,
                                  from_state=plan.status.value, to_state=plan.status.value))


def change_extension(ext: WindowExtension, until: date, reason: str, admin) -> bool:
    """Move the extension's last day or reword its reason. False when nothing differs (nobody is told)."""
    reason = reason.strip()
    if (ext.until, ext.reason) == (until, reason):
        return False
    before = ext.until
    ext.until, ext.reason, ext.granted_by_id = until, reason, admin.id
    plan = _plan(ext)
    _audit(plan, "extend_change", f"Window extension changed from {before:%d %b %Y} to {until:%d %b %Y}: {reason}",
           admin, {"from": before.isoformat(), "to": until.isoformat()})
    school, cycle = school_and_cycle(ext)
    notices.extension_changed(cycle, school, plan, until, reason)
    db.session.flush()
    return True


def withdraw_extension(ext: WindowExtension, reason: str, admin) -> None:
    """End the extension: the school's window is the cycle's own again."""
    reason = reason.strip()
    plan = _plan(ext)
    _audit(plan, "extend_revoke", f"Window extension to {ext.until:%d %b %Y} withdrawn: {reason}", admin,
           {"until": ext.until.isoformat()})
    school, cycle = school_and_cycle(ext)
    db.session.delete(ext)
    notices.extension_withdrawn(cycle, school, plan, reason)
    db.session.flush()
