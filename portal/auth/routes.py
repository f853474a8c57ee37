"""Log-in with a password (throttled by portal.auth.throttle; PASSWORD_LOGIN may turn it off), sign-in
through the district's identity provider (portal.auth.oidc), log-out (POST only), and the safe `next`
redirect."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from portal.auth import mfa_routes, oidc, throttle
from portal.auth.forms import LoginForm
from portal.auth.signin import start_session
from portal.extensions import db, limiter
from portal.kernel import clock
from portal.kernel.access import allow, public
from portal.kernel.actions import safe_next
from portal.org.group_map import GroupMapError
from portal.org.identity import NotAdmitted, person_for
from portal.org.models import User, check_no_password

bp = Blueprint("auth", __name__, template_folder="templates")

PASSWORDS_OFF = _l("Log-in with a password is turned off for this portal. Sign in with %(name)s instead.")


def _login_page(form: LoginForm, status: int = 200, refused: str = ""):
    return render_template("auth/login.html", form=form, refused=refused,
                           password_login=current_app.config["PASSWORD_LOGIN"],
                           oidc_enabled=oidc.enabled(), provider_name=oidc.provider_name()), status


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.exempt  # throttled by portal.auth.throttle, which counts an attempt before checking it
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    elif not current_app.config["PASSWORD_LOGIN"]:
        current_app.logger.warning("password log-in refused (PASSWORD_LOGIN is off): ip=%s", request.remote_addr)
        return _login_page(form, 403, str(PASSWORDS_OFF) % {"name": oidc.provider_name()})
    if form.validate_on_submit():
        attempt = throttle.begin(form.email.data)
        if attempt is None:
            abort(429, str(throttle.REFUSED))
        user = db.session.scalar(User.by_email(form.email.data))
        password = form.password.data
        password_ok = user.check_password(password) if user is not None else check_no_password(password)
        if user is None or not password_ok or not user.active:
            current_app.logger.warning(
                "failed log-in: email=%r ip=%s at=%s", form.email.data, request.remote_addr,
                clock.now_aware().isoformat(timespec="seconds"),
            )
            form.password.errors.append(gettext("That email and password do not match an active account."))
            return _login_page(form)
        attempt.give_back()  # only failures count
        return mfa_routes.after_password(user, form.next.data)  # signs in, or asks for the second step
    return _login_page(form)


# ---------------------------------------------------------------- the district's identity provider

# What the person reads when a sign-in through the provider ends without a session: status, title, text.
REFUSALS = {
    "cancelled": (403, _l("You were not signed in"),
                  _l("The sign-in was cancelled or refused at %(provider)s. You can try again.")),
    "provider_error": (502, _l("%(provider)s could not sign you in"),
                       _l("%(provider)s answered with an error, so you were not signed in. Try again in a few "
                          "minutes; if it keeps happening, tell your district's IT help desk.")),
    "unreachable": (502, _l("%(provider)s cannot be reached"),
                    _l("The portal could not reach %(provider)s to sign you in. Try again in a few minutes; if it "
                       "keeps happening, tell your district's IT help desk.")),
    "state": (400, _l("This sign-in had expired"),
              _l("The answer from %(provider)s did not belong to a sign-in started in this browser (it may have "
                 "been used already, or started in another window long ago). Start again from the log-in page.")),
    "token": (400, _l("The sign-in could not be checked"),
              _l("The answer from %(provider)s did not pass the portal's checks, so you were not signed in. Start "
                 "again from the log-in page; if it keeps happening, tell your district's IT help desk.")),
    "no_email": (403, _l("No e-mail address came with your sign-in"),
                 _l("%(provider)s did not tell the portal your e-mail address, which is how the portal knows you. "
                    "Ask your district's IT help desk to send it (the email claim).")),
    "unverified": (403, _l("Your e-mail address is not verified"),
                   _l("%(provider)s has not confirmed that %(email)s is yours, so the portal cannot use it to find "
                      "your account. Ask your district's IT help desk to verify it.")),
    "unknown": (403, _l("There is no portal account for you"),
                _l("The portal has no account for %(email)s. Accounts come from the district's list of people: "
                   "ask your portal administrator to add you.")),
    "deactivated": (403, _l("Your portal account is turned off"),
                    _l("The portal account for %(email)s has been deactivated. If you need access again, ask your "
                       "portal administrator.")),
}


def _refuse(kind: str, detail: str = "", email: str = ""):
    """The page for a sign-in that ended without a session, and the security log's line about it."""
    db.session.rollback()
    oidc.forget_sign_in_state()
    session.clear()
    current_app.logger.warning("refused sign-in: reason=%s email=%r ip=%s detail=%r at=%s", kind, email,
                               request.remote_addr, detail, clock.now_aware().isoformat(timespec="seconds"))
    status, title, text = REFUSALS[kind]
    words = {"provider": oidc.provider_name(), "email": email or gettext("your address")}
    title, text = (_sentence(str(part) % words) for part in (title, text))
    return render_template("auth/refused.html", code=status, title=title, text=text), status


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


@bp.route("/login/oidc")
@public
def oidc_login():
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    target = safe_next(request.args.get("next")) or ""
    try:
        response = oidc.authorize_redirect()
    except oidc.Refused as refused:
        return _refuse(refused.kind, refused.detail)
    session["oidc_next"] = target
    return response


@bp.route("/login/oidc/callback")
@public
def oidc_callback():
    if not oidc.enabled():
        abort(404)
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    target = safe_next(session.pop("oidc_next", None))
    try:
        signed_in = oidc.complete()
    except oidc.Refused as refused:
        return _refuse(refused.kind, refused.detail)
    email = signed_in.identity.email
    try:
        user = person_for(signed_in.identity, oidc.mapping())
    except NotAdmitted as refused:
        return _refuse(refused.reason, refused.detail, email)
    except GroupMapError as exc:
        current_app.logger.error("OIDC_GROUP_MAP cannot be used: %s", exc)
        return _refuse("unknown", f"the group mapping cannot be used: {exc}", email)
    start_session(user, "oidc")
    session["oidc_signed_in"] = True  # logging out goes on to the provider's sign-out
    if len(signed_in.id_token) <= oidc.HINT_LIMIT:  # the hint for it, unless it would overfill the cookie
        session["oidc_id_token"] = signed_in.id_token
    return redirect(target or url_for("main.home"), code=303)


@bp.route("/logout", methods=["POST"])
@allow()
def logout():
    through_provider, id_token = session.get("oidc_signed_in"), session.get("oidc_id_token")
    # Rotating the token ends this session everywhere a copy of the cookie lives.
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash(gettext("You have logged out."), "info")
    provider_logout = oidc.end_session_url(id_token) if through_provider and oidc.enabled() else None
    return redirect(provider_logout or url_for("auth.login"), code=303)
