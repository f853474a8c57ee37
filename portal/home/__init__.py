"""Home pages by role, the school directory, the language switch, and the health check."""
from flask import Blueprint

from portal.kernel.formatting import short_date

bp = Blueprint("main", __name__, template_folder="templates")
# "7 Mar 2023", or "7 mar 2023" on a Spanish page: the home, notifications and account pages' dates.
bp.add_app_template_global(short_date, "short_date")

from portal.home import language, routes  # noqa: E402,F401
