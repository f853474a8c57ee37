"""Plan-wide values (baseline year, trajectory years, mission, ...), read by name.

The plan's settings are read in one query the first time a request (or command) asks for one, and
kept for the rest of it: a page asks for them dozens of times. Loading the plan drops them (forget)."""
from flask import g, has_app_context
from sqlalchemy import select

from portal.extensions import db
from portal.strategic_plan.models import PlanSetting

_KEY = "_plan_settings"
MEASURES_KEY = "_plan_restating_measures"  # strategic_plan.figures keeps the goals' measures here


def _all() -> dict:
    known = g.get(_KEY) if has_app_context() else None
    if known is None:
        known = dict(db.session.execute(select(PlanSetting.key, PlanSetting.value)).all())
        if has_app_context():
            setattr(g, _KEY, known)
    return known


def setting(key: str, default=None):
    value = _all().get(key)
    return value if value is not None else default


def forget() -> None:
    """Drop the settings read so far (after the plan is loaded or changed)."""
    if has_app_context():
        g.pop(_KEY, None)
        g.pop(MEASURES_KEY, None)
