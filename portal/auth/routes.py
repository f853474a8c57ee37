"""Log-in (throttled by portal.auth.throttle), log-out (POST only), and the safe `next` redirect."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from portal.auth import mfa_routes, throttle
from portal.auth.forms import LoginForm
from portal.extensions import db, limiter
from portal.kernel import clock
from portal.kernel.access import allow, public
from portal.kernel.actions import safe_next
from portal.org.models import User, check_no_password

bp = Blueprint("auth", __name__, template_folder="templates")


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.exempt  # throttled by portal.auth.throttle, which counts an attempt before checking it
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    if form.validate_on_submit():
        attempt = throttle.begin(form.email.data)
        if attempt is None:
            abort(429, throttle.REFUSED)
        user = db.session.scalar(User.by_email(form.email.data))
        password = form.password.data
        password_ok = user.check_password(password) if user is not None else check_no_password(password)
        if user is None or not password_ok or not user.active:
            current_app.logger.warning(
                "failed log-in: email=%r ip=%s at=%s", form.email.data, request.remote_addr,
                clock.now_aware().isoformat(timespec="seconds"),
            )
            form.password.errors.append("That email and password do not match an active account.")
            return render_template("auth/login.html", form=form), 200
        attempt.give_back()  # only failures count
        return mfa_routes.after_password(user, form.next.data)  # signs in, or asks for the second step
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@allow()
def logout():
    # Rotating the token ends this session everywhere a copy of the cookie lives.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have logged out.", "info")
    return redirect(url_for("auth.login"), code=303)
