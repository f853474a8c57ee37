"""Password reset by e-mail: a signed link that works once, for PASSWORD_RESET_MINUTES (30).

The link carries the account's id and a fingerprint of its password and session token, signed with
the portal's secret. Setting the new password changes both, so the link works once, and a link sent
before another reset or an administrator's change stops working too. The form that asks for the link
gives the same answer whether or not an account uses the address, and is throttled per address and
per account (Flask-Limiter), so it can neither list the district's accounts nor flood a mailbox."""
import hashlib

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.auth.notices import when
from portal.extensions import db, limiter
from portal.kernel import clock
from portal.kernel.access import public
from portal.kernel.audit import AuditEvent
from portal.kernel.formatting import short_date
from portal.notifications.outbox import notify
from portal.org.models import User
from portal.org.passwords import PasswordPolicyError, check_policy

bp = Blueprint("password", __name__, template_folder="templates")
SALT = "portal-password-reset"
SENT = _l("If an active account uses that address, we have sent it a link to choose a new password. The link works "
          "once, within %(minutes)s minutes. Nothing arrived? Check the address, or ask your portal administrator.")


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(message=_l("Enter your email address.")),
                                                Length(max=254)])


class ResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(message=_l("Choose a new password.")),
                                                              Length(max=200)])
    confirm = PasswordField(_l("The new password again"), validators=[
        DataRequired(message=_l("Type the new password again.")),
        EqualTo("password", message=_l("The two passwords are not the same."))])


class ClockSigner(TimestampSigner):
    """Signs with the portal's clock, so the demo's date and the tests' held time age a link too."""

    def get_timestamp(self) -> int:  # itsdangerous reads this for signing and for max_age
        return int(clock.timestamp())


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=ClockSigner)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.session_token}".encode()).hexdigest()[:24]


def token_for(user: User) -> str:
    return _signer().dumps({"u": user.id, "f": _fingerprint(user)})


def _minutes() -> int:
    return int(current_app.config["PASSWORD_RESET_MINUTES"])


def _password_login_on() -> bool:
    return bool(current_app.config["PASSWORD_LOGIN"])


def _by_address() -> str:
    return "reset-account:" + (request.form.get("email") or "").strip().lower()[:254]


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"])
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], key_func=_by_address, methods=["POST"])
def forgot():
    if not _password_login_on():
        abort(404)
    form = ForgotForm()
    if form.validate_on_submit():
        user = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
        if user is not None and user.active:
            notify([user], "security", lambda: _("Choose a new password for the Ready for the World portal"),
                   lambda: _("Someone, we hope you, asked to reset the password of %(email)s. Follow the link to "
                             "choose a new one: it works once, within %(minutes)s minutes. If it was not you, ignore "
                             "this message: your password stays as it is.", email=user.email, minutes=_minutes()),
                   url_for("password.reset", token=token_for(user)))
            db.session.commit()
        current_app.logger.info("password reset asked: ip=%s", request.remote_addr)
        flash(str(SENT) % {"minutes": _minutes()}, "info")
        return redirect(url_for("auth.login"), code=303)
    return render_template("auth/forgot.html", form=form), 422 if request.method == "POST" else 200


def _holder(token: str) -> tuple[User | None, str]:
    """The account the link was made for, or None and why it cannot be used."""
    try:
        data = _signer().loads(token, max_age=_minutes() * 60)
    except SignatureExpired:
        return None, _("This link has expired: a link works for %(minutes)s minutes. Ask for a new one.",
                       minutes=_minutes())
    except BadSignature:
        return None, _("This link is not one the portal sent. Ask for a new one.")
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None, _("This link has been used already, or a newer one was sent, or the account is no longer "
                       "active. Ask for a new one.")
    return user, ""


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["PASSWORD_RESET_LIMIT"], methods=["POST"])
def reset(token: str):
    if not _password_login_on():
        abort(404)
    user, problem = _holder(token[:500])
    if user is None:
        return render_template("auth/reset_refused.html", problem=problem), 410
    form = ResetForm()
    if form.validate_on_submit():
        try:
            check_policy(form.password.data, email=user.email, name=user.name)
        except PasswordPolicyError as exc:
            form.password.errors.append(str(exc))
        else:
            _set(user, form.password.data)
            flash(_("Your new password is set, and every session of your account has ended. Log in with it."),
                  "success")
            return redirect(url_for("auth.login"), code=303)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/reset.html", form=form, person=user, token=token), status


def _set(user: User, password: str) -> None:
    user.set_password(password)
    user.end_sessions()  # every session of the account ends, here and on every other device
    db.session.add(AuditEvent(entity="user", entity_id=user.id, action="reset_password", actor_id=user.id,
                              actor_role=user.role.value, comment="by a link sent to the account's address"))
    notify([user], "security", lambda: _("Your portal password was changed"),
           lambda: _("The password of %(email)s was changed at %(when)s through a reset link. If it was not you, tell "
                     "your portal administrator straight away.", email=user.email, when=when(short_date)),
           url_for("password.forgot"))
    db.session.commit()
    if current_user.is_authenticated and current_user.id == user.id:
        logout_user()
