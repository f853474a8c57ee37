"""The public progress page (no log-in) and the actuals import."""
from flask import Blueprint

bp = Blueprint("public", __name__, template_folder="templates")

from portal.rollups.public import routes  # noqa: E402,F401
