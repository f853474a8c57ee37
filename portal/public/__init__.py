"""The public progress page (no log-in) and the actuals import."""
from flask import Blueprint

bp = Blueprint("public", __name__)

from . import routes  # noqa: E402,F401
