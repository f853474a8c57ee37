"""Two-step sign-in pages: the second step of a password log-in, an administrator's first enrolment
on the way in, and each person's own page to set it up, renew recovery codes or turn it off."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import Length

from portal.auth import mfa
from portal.auth.notices import when
from portal.auth.signin import start_session
from portal.extensions import db, limiter
from portal.kernel import clock
from portal.kernel.access import allow, public
from portal.kernel.actions import safe_next
from portal.kernel.formatting import short_date
from portal.kernel.policy import ALL_ROLES
from portal.notifications.outbox import notify
from portal.org.models import UNUSABLE_PASSWORD, User

bp = Blueprint("mfa", __name__, template_folder="templates")
PENDING = "mfa_pending"  # the person who gave the right password, waiting for the second step
SETUP = "mfa_setup"  # the secret being set up on the person's own page, until confirmed
PENDING_SECONDS = 600


class CodeForm(FlaskForm):
    code = StringField(_l("6-digit code from your authenticator app"), validators=[Length(max=20)])
    recovery = StringField(_l("Or a recovery code"), validators=[Length(max=40)])
    next = HiddenField()


def after_password(user: User, next_url: str | None):
    """The password was right: sign in, or ask for the second step (or, for an administrator without
    it, to set it up first)."""
    if not mfa.enrolled(user) and not mfa.required(user):
        start_session(user, "password")
        return redirect(safe_next(next_url) or url_for("main.home"), code=303)
    session.clear()
    session[PENDING] = {"uid": user.id, "token": user.session_token, "next": safe_next(next_url) or "",
                        "at": clock.timestamp()}
    return redirect(url_for("mfa.verify" if mfa.enrolled(user) else "mfa.enrol"), code=303)


def _pending() -> User | None:
    """The person half signed in, while their password step is fresh and their account unchanged."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or clock.timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid")) if isinstance(pending.get("uid"), int) else None
    if user is None or not user.active or user.session_token != pending.get("token"):
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING)
    return f"mfa:{pending.get('uid') if isinstance(pending, dict) else request.remote_addr}"


def _finish(user: User):
    destination = session.get(PENDING, {}).get("next") or url_for("main.home")
    start_session(user, "password+totp")
    return redirect(destination, code=303)


@bp.route("/login/verify", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_pending_key, methods=["POST"])
def verify():
    user = _pending()
    if user is None:
        flash(_("Log in again: the second step waits ten minutes at most."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if (form.recovery.data or "").strip():
            if mfa.use_recovery_code(user, form.recovery.data):
                db.session.commit()
                left = mfa.codes_left(user)
                signed_in = _finish(user)  # a fresh session: the message goes in after it, or it is lost
                flash(_("You used a recovery code: %(num)s left. Make new ones on your Two-step sign-in page.",
                        num=left), "info")
                return signed_in
            form.recovery.errors.append(_("That is not one of your unused recovery codes."))
        else:
            problem = mfa.check_code(user, form.code.data)
            if problem is None:
                db.session.commit()
                return _finish(user)
            form.code.errors.append(problem)
        current_app.logger.warning("second step refused: user=%s ip=%s", user.email, request.remote_addr)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/mfa_verify.html", form=form, person=user), status


@bp.route("/login/enrol", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], key_func=_pending_key, methods=["POST"])
def enrol():
    user = _pending()
    if user is None or mfa.enrolled(user):
        return redirect(url_for("auth.login"))
    pending = session[PENDING]
    secret = pending.get("secret") or mfa.new_secret()
    session[PENDING] = {**pending, "secret": secret}
    form = CodeForm()
    if form.validate_on_submit():
        problem = mfa.check_code(user, form.code.data, secret)
        if problem is None:
            codes = _enrolled(user, secret)
            destination = pending.get("next") or url_for("main.home")
            start_session(user, "password+totp")
            return render_template("auth/mfa_codes.html", codes=codes, first=True, destination=destination)
        form.code.errors.append(problem)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/mfa_enrol.html", form=form, person=user, qr=mfa.qr_svg(user, secret),
                           secret=mfa.grouped(secret), action=url_for("mfa.enrol"), required=True), status


def _enrolled(user: User, secret: str) -> list[str]:
    codes = mfa.enrol(user, secret)
    _tell(user, "on")
    db.session.commit()
    return codes


def _tell(user: User, what: str) -> None:
    notify([user], "security", lambda: str(TOLD[what][0]), lambda: _(
        "%(what)s This happened at %(when)s. If it was not you, tell your portal administrator straight away.",
        what=TOLD[what][1], when=when(short_date)), url_for("mfa.account"))


# What the person is told of a change to their two-step sign-in: subject, what happened.
TOLD = {"on": (_l("Two-step sign-in is on for your portal account"),
               _l("From now on, logging in with your password also asks for a code from your authenticator app.")),
        "codes": (_l("New recovery codes for your portal account"),
                  _l("New recovery codes were made; the old ones no longer work.")),
        "off": (_l("Two-step sign-in is off for your portal account"), _l("Two-step sign-in was turned off."))}


@bp.route("/account/two-step", methods=["GET", "POST"])
@allow(*ALL_ROLES)
def account():
    """The person's own page: set up (scan, then confirm a first code), new recovery codes, or off."""
    user = current_user._get_current_object()
    form = CodeForm()
    has_password = not user.password_hash.startswith(UNUSABLE_PASSWORD)
    secret = None
    if has_password and not mfa.enrolled(user):
        secret = session.get(SETUP) or mfa.new_secret()
        session[SETUP] = secret
        if form.validate_on_submit():
            problem = mfa.check_code(user, form.code.data, secret)
            if problem is None:
                session.pop(SETUP, None)
                return render_template("auth/mfa_codes.html", codes=_enrolled(user, secret), first=False)
            form.code.errors.append(problem)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/mfa_account.html", form=form, person=user, has_password=has_password,
                           enrolled=mfa.enrolled(user), required=mfa.required(user), codes_left=mfa.codes_left(user),
                           qr=mfa.qr_svg(user, secret) if secret else None,
                           secret=mfa.grouped(secret) if secret else None, blank=CodeForm(formdata=None)), status


@bp.route("/account/two-step/<any(codes, off):what>", methods=["POST"])
@allow(*ALL_ROLES)
def change(what: str):
    """New recovery codes, or two-step sign-in off (not for administrators): each needs a current code."""
    user = current_user._get_current_object()
    form = CodeForm()
    if not mfa.enrolled(user):
        problem: str | None = _("Set up two-step sign-in first.")
    elif what == "off" and mfa.required(user):
        problem = _("Administrators who log in with a password must keep two-step sign-in on.")
    elif not form.validate_on_submit():
        problem = str(mfa.ENTER_CODE)
    else:
        problem = mfa.check_code(user, form.code.data)
    if problem is None:
        if what == "codes":
            codes = mfa.new_recovery_codes(user)
            _tell(user, "codes")
            db.session.commit()
            return render_template("auth/mfa_codes.html", codes=codes, first=False)
        mfa.turn_off(user)
        _tell(user, "off")
        db.session.commit()
        flash(_("Two-step sign-in is off. Logging in now takes your password alone."), "success")
        return redirect(url_for("mfa.account"), code=303)
    db.session.rollback()
    form.code.errors = [*form.code.errors, problem]  # a tuple until the form is validated
    if mfa.enrolled(user):  # the page shows a code box per form: the summary leads to the refused one's
        form.code.id = f"{what}-code"
    return render_template("auth/mfa_account.html", form=form, person=user, has_password=True,
                           enrolled=mfa.enrolled(user), required=mfa.required(user),
                           codes_left=mfa.codes_left(user), qr=None, secret=None, refused=what, change_form=form,
                           blank=CodeForm(formdata=None)), 422
