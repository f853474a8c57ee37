"""Administration: people and their access, and imports of schools and accounts."""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import actuals, cycles, routes  # noqa: E402,F401
