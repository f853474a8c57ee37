"""Which target cycle is the current one: the latest opened by the portal's date (the rule every page
shares)."""
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.targets.models import TargetCycle, TargetPlan


def current_cycle() -> TargetCycle | None:
    """The cycle opened last by today (ties broken by the later record), open or already closed; when
    none has opened yet, the first to open. A cycle set up ahead of time is not current before it opens."""
    newest_first = select(TargetCycle).order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc()).limit(1)
    opened = db.session.scalar(newest_first.where(TargetCycle.opens_on <= clock.today()))
    if opened is not None:
        return opened
    return db.session.scalar(select(TargetCycle).order_by(TargetCycle.opens_on, TargetCycle.id).limit(1))


def school_plan(school_id: int) -> TargetPlan | None:
    """A school's target plan in the cycle opened last by today (or, before any has opened, the first
    to open): the plan its principal works on now."""
    newest_first = (select(TargetPlan).join(TargetCycle).where(TargetPlan.school_id == school_id)
                    .order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc()).limit(1))
    plan = db.session.scalar(newest_first.where(TargetCycle.opens_on <= clock.today()))
    if plan is not None:
        return plan
    return db.session.scalar(select(TargetPlan).join(TargetCycle).where(TargetPlan.school_id == school_id)
                             .order_by(TargetCycle.opens_on, TargetCycle.id).limit(1))
