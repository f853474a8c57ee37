"""The plan browser: goals with their baselines, pillars, priorities, strategies and measures; and the
district's Strategic Plans, current and earlier."""
from flask import Blueprint

bp = Blueprint("plan", __name__, template_folder="templates")

from portal.strategic_plan.browser import plans, routes  # noqa: E402,F401
