"""What every way of logging in does once it knows who the person is: one function, so a password
log-in and a sign-in through the identity provider start the same session."""
from flask import current_app, session
from flask_login import login_user

from portal.extensions import db
from portal.kernel import clock
from portal.org.models import User


def start_session(user: User, via: str) -> None:
    """A fresh session for `user` (nothing of the anonymous one kept), stamped for the absolute
    lifetime, the log-in recorded on the person and in the log. `via` is password or oidc."""
    session.clear()
    login_user(user)
    session.permanent = True
    session["login_at"] = clock.timestamp()
    user.last_login_at = clock.now()
    db.session.commit()
    current_app.logger.info("log-in: user=%s role=%s via=%s", user.email, user.role.value, via)
