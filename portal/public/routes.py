"""The public progress page: the District Goals, where the district started, and its progress in
aggregate, for families and the community. No log-in; aggregates only, small cells suppressed."""
from flask import render_template

from ..access import public
from ..services.plan import goal_tables
from . import bp
from .progress import district_progress


@bp.route("/progress")
@public
def progress():
    response = render_template("public/progress.html", goals=goal_tables(), **district_progress())
    return response
