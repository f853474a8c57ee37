"""The superintendent's district dashboard: completeness, the projection, target distributions,
initiatives, and drill-down from the district to a region and a school; and each central office's
own dashboard (office.py)."""
from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")

from portal.rollups.dashboard import office, routes  # noqa: E402,F401
