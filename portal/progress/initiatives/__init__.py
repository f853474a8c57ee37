"""Central office action plans and the progress monitoring cycle: the cycle board, initiative
pages with their metric series, and check-ins moving through the four stages."""
from flask import Blueprint

from portal.progress.wording import helpers

bp = Blueprint("initiatives", __name__, template_folder="templates")
bp.context_processor(helpers)  # dates in the page's language

from portal.progress.initiatives import calendar, check_ins, evidence, routes  # noqa: E402,F401  (they add their routes to bp)
