"""The header's search: schools, initiatives, Measures of Success and priorities by name or code, scoped to
what the person may open."""
from flask import Blueprint

bp = Blueprint("search", __name__, template_folder="templates")

from portal.search import routes  # noqa: E402,F401
