"""The principal's target plan: set 2026 targets and trajectories, save as you go, submit."""
from flask import Blueprint

bp = Blueprint("targets", __name__, url_prefix="/targets")

from . import routes  # noqa: E402,F401
