"""Plan-wide values (baseline year, trajectory years, mission, ...), read by name.

The settings of the plan in view are read in one query the first time a request (or command) asks
for one, and kept for the rest of it under that plan: a page asks for them dozens of times. Loading
a plan drops them (forget)."""
from flask import g, has_app_context
from sqlalchemy import select

from portal.extensions import db
from portal.kernel import plans
from portal.strategic_plan.models import PlanSetting

_KEY = "_plan_settings"
MEASURES_KEY = "_plan_restating_measures"  # strategic_plan.figures keeps the goals' measures here


def kept(key: str, read):
    """What `read()` returns for the plan in view, read once per request (or command) and plan."""
    if not has_app_context():
        return read()
    by_plan = g.setdefault(key, {})
    plan_id = plans.in_scope_id()
    if plan_id not in by_plan:
        by_plan[plan_id] = read()
    return by_plan[plan_id]


def _all() -> dict:
    return kept(_KEY, lambda: dict(db.session.execute(select(PlanSetting.key, PlanSetting.value)).all()))


def setting(key: str, default=None):
    value = _all().get(key)
    return value if value is not None else default


def forget() -> None:
    """Drop the settings read so far (after the plan is loaded or changed)."""
    if has_app_context():
        g.pop(_KEY, None)
        g.pop(MEASURES_KEY, None)
