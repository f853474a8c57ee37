"""Every Measure of Success tracked: the scorecard, each measure's page and yearly values, and the
annual report."""
from flask import Blueprint

bp = Blueprint("scorecard", __name__, template_folder="templates")

from portal.measures.scorecard import routes  # noqa: E402,F401
