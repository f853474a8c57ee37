"""Board updates (assembled, published and frozen) and data review meetings with priority schools."""
from flask import Blueprint

bp = Blueprint("board", __name__)

from . import routes  # noqa: E402,F401
