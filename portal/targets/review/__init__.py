"""Regional review of target plans: the region's queue, the review page, completeness, reminders."""
from flask import Blueprint

bp = Blueprint("review", __name__, url_prefix="/review", template_folder="templates")

from portal.targets.review import routes  # noqa: E402,F401
