"""Board updates (assembled, published and frozen) and data review meetings with priority schools."""
from flask import Blueprint

bp = Blueprint("board", __name__, template_folder="templates")

from portal.progress.board import routes  # noqa: E402,F401
