"""Home pages by role, the school directory, the language switch, and the health check."""
from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from portal.home import language, routes  # noqa: E402,F401
