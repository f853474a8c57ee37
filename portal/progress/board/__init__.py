"""Board updates (assembled, published and frozen) and data review meetings with priority schools."""
from flask import Blueprint

from portal.progress.wording import helpers

bp = Blueprint("board", __name__, template_folder="templates")
bp.context_processor(helpers)  # dates in the page's language

from portal.progress.board import routes  # noqa: E402,F401
