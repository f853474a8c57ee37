"""Two-step sign-in for password log-ins: a time-based code from an authenticator app (TOTP, RFC 6238,
with pyotp), or one of ten single-use recovery codes. Administrators who log in with a password must
use it; anyone else with a password may. Sign-in through the district's identity provider leaves the
second step to the provider.

A code is good for its 30-second step and the ones either side (a phone's clock drifts), and each step's
code is taken once: the last step used is kept on the account, so a code seen over someone's shoulder
cannot be used again. Recovery codes are kept only as their SHA-256 (they are random, 50 bits each, so
a slow hash adds nothing)."""
import hashlib
import hmac
import secrets

import pyotp
import segno
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.org.models import RecoveryCode, User

ISSUER = "Ready for the World portal"
STEP_SECONDS = 30
RECOVERY_CODES = 10
WRONG = _l("That code is not right. Enter the newest 6-digit code from your authenticator app.")
USED = _l("That code has been used already. Wait for the next one (a new code shows every 30 seconds).")
ENTER_CODE = _l("Enter the 6-digit code from your authenticator app.")


def required(user: User) -> bool:
    """Administrators must use two-step sign-in with a password (ADMIN_TWO_STEP, on in production)."""
    return user.role == Role.admin and bool(current_app.config["ADMIN_TWO_STEP"])


def enrolled(user: User) -> bool:
    return user.totp_confirmed_at is not None and bool(user.totp_secret)


def new_secret() -> str:
    return pyotp.random_base32()


def qr_svg(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as inline SVG with a title for screen readers."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_inline(scale=4, border=2, title=_("QR code for your authenticator app"))


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _digits(code: str) -> str:
    return "".join(ch for ch in (code or "") if not ch.isspace() and ch != "-")


def check_code(user: User, code: str, secret: str | None = None) -> str | None:
    """None when `code` is the right one for now and not used before (and mark its step used);
    otherwise what is wrong, in words for the person."""
    code = _digits(code)
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return str(ENTER_CODE)
    totp = pyotp.TOTP(secret or user.totp_secret or "")
    now_step = int(clock.timestamp() // STEP_SECONDS)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return str(USED)
            user.totp_last_step = step
            return None
    return str(WRONG)


def enrol(user: User, secret: str) -> list[str]:
    """Keep the confirmed secret and return a fresh set of recovery codes (shown once)."""
    user.totp_secret = secret
    user.totp_confirmed_at = clock.now()
    return new_recovery_codes(user)


def turn_off(user: User) -> None:
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _hash(code: str) -> str:
    return hashlib.sha256(_digits(code).lower().encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Ten new codes like 7k3m9-x2p4q; the old ones stop working."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    codes = ["".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    db.session.add_all([RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes])
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use_recovery_code(user: User, code: str) -> bool:
    """Spend one unused recovery code of the person's; False when it is not one."""
    found = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code), RecoveryCode.used_at.is_(None)))
    if found is None:
        return False
    found.used_at = clock.now()
    return True


def codes_left(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())
