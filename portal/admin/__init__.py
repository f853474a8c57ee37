"""Administration: people and their access, and imports of schools and accounts."""
from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates")

from portal.admin import people_sync, routes  # noqa: E402,F401
