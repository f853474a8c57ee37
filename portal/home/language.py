"""/language: the language switch on every page. It keeps the choice on the person when signed in (so it
follows them to another browser and into their e-mail), in the session otherwise, and returns to the page."""
from flask import redirect, request, session, url_for
from flask_babel import refresh
from flask_login import current_user

from portal.extensions import db
from portal.home import bp
from portal.kernel.access import public
from portal.kernel.actions import safe_next
from portal.kernel.i18n import chosen


@bp.route("/language", methods=["POST"])
@public
def language():
    code = chosen(request.form.get("language", ""))
    if code is not None:
        session["language"] = code
        if current_user.is_authenticated:
            current_user.language = code
            db.session.commit()
        refresh()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"), code=303)
