"""Which target cycle is the current one: the latest opened (the rule every page shares)."""
from sqlalchemy import select

from portal.extensions import db
from portal.targets.models import TargetCycle


def current_cycle() -> TargetCycle | None:
    """The cycle opened last (ties broken by the later record), open or already closed."""
    return db.session.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc())
                             .limit(1))
