"""Settings read from the environment, with a safe default for each."""
import os
from datetime import date, timedelta

WEAK_SECRETS = {"", "dev", "change-me", "secret", "development-only-secret"}


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _sqlite_default(instance_path: str) -> str:
    return "sqlite:///" + os.path.join(instance_path, "portal.db")


def load(instance_path: str, overrides: dict | None = None) -> dict:
    """Build the Flask config mapping.

    PORTAL_ENV is one of development, testing, production (the default). Outside
    development and testing a real SECRET_KEY must be set and cookies are Secure-only.
    """
    env = (overrides or {}).get("PORTAL_ENV") or os.environ.get("PORTAL_ENV", "production")
    relaxed = env in {"development", "testing"}
    secret = os.environ.get("SECRET_KEY", "")
    if not secret and relaxed:
        secret = "development-only-secret"
    cfg = {
        "PORTAL_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL") or _sqlite_default(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not relaxed),
        "SESSION_COOKIE_NAME": "portal_session",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", not relaxed),
        # Idle lifetime: the cookie is refreshed on each request and expires after this much quiet.
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))),
        # Absolute lifetime: a log-in is good for at most this long, however active.
        "SESSION_ABSOLUTE_HOURS": int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "WTF_CSRF_SSL_STRICT": _bool("WTF_CSRF_SSL_STRICT", not relaxed),
        # Log-in throttling (portal/auth/throttle.py, on Flask-Limiter's storage). Several processes or
        # servers must share it through RATELIMIT_STORAGE_URI, e.g. redis://127.0.0.1:6379/0: gunicorn
        # refuses to start more than one worker on memory:// (gunicorn.conf.py).
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_STRATEGY": "fixed-window",  # a counter an attempt can give its place back to
        "RATELIMIT_HEADERS_ENABLED": False,
        # Failed log-ins allowed: from one address to one account; from one address to any accounts;
        # to one account from anywhere.
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "5 per 5 minutes"),
        "LOGIN_ADDRESS_LIMIT": os.environ.get("LOGIN_ADDRESS_LIMIT", "20 per 10 minutes"),
        "LOGIN_ACCOUNT_LIMIT": os.environ.get("LOGIN_ACCOUNT_LIMIT", "10 per 15 minutes"),
        # How many reverse proxies (nginx) stand in front of the app. Behind one, the client's
        # address comes from its X-Forwarded-For, so throttling and the logs see the person, not
        # nginx. Leave at 0 when the app is reached directly: the header could then be forged.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        # htmx: served from portal/static by default; HTMX_CDN=1 uses the pinned CDN copy.
        "HTMX_CDN": _bool("HTMX_CDN", False),
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "ready4world"),
        "DEMO_SCHOOLS": int(os.environ.get("DEMO_SCHOOLS", "1200")),
        "SEED_DIR": os.environ.get("SEED_DIR", os.path.join(os.path.dirname(os.path.dirname(__file__)), "seed")),
        **_uploads(),
        **_mail_and_worker(),
        **_accounts(relaxed),
        **_sign_in(),
        # The date the portal believes it is, for the demo and training (YYYY-MM-DD); unset: today's.
        "PORTAL_TODAY": portal_today(os.environ.get("PORTAL_TODAY", "")),
    }
    cfg.update(overrides or {})
    return _checked(cfg)


def _uploads() -> dict:
    """The largest evidence file a check-in takes; a request may be a little larger, for the form around it."""
    evidence_max = int(os.environ.get("EVIDENCE_FILE_MAX_BYTES", str(10 * 1024 * 1024)))
    return {"EVIDENCE_FILE_MAX_BYTES": evidence_max, "MAX_CONTENT_LENGTH": evidence_max + 512 * 1024}


def _accounts(relaxed: bool) -> dict:
    return {
        # Password reset by e-mail (portal/auth/reset.py): how long a link works, and how often the
        # form may be sent from one address and for one account.
        "PASSWORD_RESET_MINUTES": int(os.environ.get("PASSWORD_RESET_MINUTES", "30")),
        "PASSWORD_RESET_LIMIT": os.environ.get("PASSWORD_RESET_LIMIT", "5 per 15 minutes"),
        # Administrators who log in with a password must give a code from an authenticator app too
        # (portal/auth/mfa.py). On in production; off in development and testing, so the demo's
        # administrator logs in with the demo password alone (the tests switch it on to prove it).
        "ADMIN_TWO_STEP": _bool("ADMIN_TWO_STEP", not relaxed),
    }


def _mail_and_worker() -> dict:
    return {
        # E-mail (portal/notifications): the SMTP server the worker sends through. MAIL_SECURITY is none,
        # starttls or ssl; MAIL_USERNAME empty: no log-in. PORTAL_BASE_URL starts every link in a message.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "127.0.0.1"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_SECURITY": os.environ.get("MAIL_SECURITY", "none").strip().lower(),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "portal@district.example"),
        "MAIL_SENDER_NAME": os.environ.get("MAIL_SENDER_NAME", "Ready for the World portal"),
        "MAIL_TIMEOUT": float(os.environ.get("MAIL_TIMEOUT", "20")),
        # Tries before an e-mail is marked failed; the first retry waits MAIL_RETRY_SECONDS, each next
        # one twice as long (at most an hour). A worker that dies holds its claimed e-mails this long.
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "8")),
        "MAIL_RETRY_SECONDS": float(os.environ.get("MAIL_RETRY_SECONDS", "60")),
        "MAIL_LEASE_SECONDS": float(os.environ.get("MAIL_LEASE_SECONDS", "120")),
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        # The worker (`flask worker`): how often it looks for e-mail to send and rollups to recompute,
        # and the hour (in SCHEDULE_TIMEZONE) of the daily reminders and digests.
        "WORKER_POLL_SECONDS": float(os.environ.get("WORKER_POLL_SECONDS", "2")),
        "SCHEDULE_HOUR": int(os.environ.get("SCHEDULE_HOUR", "6")),
        "SCHEDULE_TIMEZONE": os.environ.get("SCHEDULE_TIMEZONE", "America/Los_Angeles"),
    }


def _sign_in() -> dict:
    return {
        # Log-in with a password (the form on the log-in page). Off: only the identity provider below.
        "PASSWORD_LOGIN": _bool("PASSWORD_LOGIN", True),
        # Sign-in through the district's OpenID Connect identity provider (docs/sign-in.md); off while
        # OIDC_ISSUER is empty. Discovery is read from OIDC_ISSUER/.well-known/openid-configuration.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").strip(),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", "").strip(),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        # The button says "Sign in with <name>".
        "OIDC_PROVIDER_NAME": os.environ.get("OIDC_PROVIDER_NAME", "").strip() or "your district account",
        "OIDC_SCOPES": os.environ.get("OIDC_SCOPES", "").strip() or "openid email profile",
        # A YAML file that turns the provider's groups into a role and scope for people not yet in the
        # portal (docs/sign-in.md); empty: only people from the people import can sign in.
        "OIDC_GROUP_MAP": os.environ.get("OIDC_GROUP_MAP", "").strip(),
        "OIDC_GROUPS_CLAIM": os.environ.get("OIDC_GROUPS_CLAIM", "").strip() or "groups",
        # How far the provider's clock may be from ours when an ID token's times are checked.
        "OIDC_CLOCK_SKEW_SECONDS": int(os.environ.get("OIDC_CLOCK_SKEW_SECONDS", "60")),
        "OIDC_TIMEOUT_SECONDS": float(os.environ.get("OIDC_TIMEOUT_SECONDS", "10")),
    }


def _sign_in_problem(cfg: dict) -> str | None:
    """Why the sign-in settings cannot work, if they cannot."""
    issuer = cfg["OIDC_ISSUER"]
    if not issuer:
        if not cfg["PASSWORD_LOGIN"]:
            return "PASSWORD_LOGIN is off and OIDC_ISSUER is not set: nobody could log in."
        return None
    relaxed = cfg["PORTAL_ENV"] in {"development", "testing"}
    if not issuer.startswith("https://") and not (relaxed and issuer.startswith("http://")):
        return f"OIDC_ISSUER={issuer!r} must be an https:// address (the provider's issuer)."
    if not cfg["OIDC_CLIENT_ID"]:
        return "OIDC_ISSUER is set but OIDC_CLIENT_ID is not: register the portal with the provider first."
    if "openid" not in cfg["OIDC_SCOPES"].split():
        return f"OIDC_SCOPES={cfg['OIDC_SCOPES']!r} must include openid."
    return None


def _checked(cfg: dict) -> dict:
    """Refuse to start on a setting that would be unsafe or meaningless."""
    if isinstance(cfg["PORTAL_TODAY"], str):
        cfg["PORTAL_TODAY"] = portal_today(cfg["PORTAL_TODAY"])
    if problem := _sign_in_problem(cfg):
        raise RuntimeError(problem)
    if cfg["MAIL_SECURITY"] not in {"none", "starttls", "ssl"}:
        raise RuntimeError(f"MAIL_SECURITY={cfg['MAIL_SECURITY']!r}: use none, starttls or ssl.")
    if cfg["PORTAL_ENV"] not in {"development", "testing"} and cfg["SECRET_KEY"] in WEAK_SECRETS:
        raise RuntimeError(
            "SECRET_KEY must be set to a long random value outside development "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )
    return cfg


def portal_today(raw: str) -> date | None:
    """PORTAL_TODAY read strictly: a real date from 2000 to 2099, or a refusal to start."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        day = date.fromisoformat(raw) if len(raw) == 10 and raw.isascii() else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2099:
        raise RuntimeError(f"PORTAL_TODAY={raw!r} is not a date like 2024-10-15 (from 2000 to 2099).")
    return day


def throttle_store_problem(storage_uri: str, workers: int) -> str | None:
    """Why a server of `workers` processes must not start with this throttling store, if it must not."""
    if workers > 1 and storage_uri.startswith("memory://"):
        return (f"RATELIMIT_STORAGE_URI is memory://, so each of the {workers} workers would count failed "
                "log-ins on its own and a guesser would get that many times the allowance. Point it at a "
                "store the workers share (e.g. redis://127.0.0.1:6379/0) or run one worker.")
    return None


def proxy_notice(trusted_proxies: int) -> str:
    """What the log says at start-up about whose address throttling and the security log see."""
    if trusted_proxies:
        return (f"TRUSTED_PROXIES={trusted_proxies}: each person's address is read from X-Forwarded-For, "
                "as set by the proxies in front.")
    return ("TRUSTED_PROXIES=0: log-in throttling counts failures by the address connecting to the portal. "
            "Behind nginx or a load balancer that address is the proxy's, and five wrong guesses from "
            "anyone would lock an account for everyone: set TRUSTED_PROXIES to the number of proxies.")
