"""Log-in throttling: three limits on failed attempts, each counted before the password is checked.

- one address guessing one account (LOGIN_RATE_LIMIT, 5 per 5 minutes): a person who forgot their
  password waits a little;
- one address guessing across accounts (LOGIN_ADDRESS_LIMIT): one password tried against every
  account ("spraying") stops after a few;
- one account guessed from many addresses (LOGIN_ACCOUNT_LIMIT): spreading the guesses over many
  machines does not multiply them.

An attempt takes its place in all three counters first and only then is the password checked, so
thirty guesses sent at once are thirty counted, and at most the limit are checked. A log-in that
succeeds gives its places back: only failures count. An attempt refused by a limit gives its places
back too, so a refused guesser cannot use up another account's allowance. The counters live in
Flask-Limiter's storage (RATELIMIT_STORAGE_URI), shared by every worker and server that uses it.
"""
from dataclasses import dataclass, field

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from limits import RateLimitItem, parse

from portal.extensions import limiter

LIMITS = {
    "address+account": "LOGIN_RATE_LIMIT",
    "address": "LOGIN_ADDRESS_LIMIT",
    "account": "LOGIN_ACCOUNT_LIMIT",
}
REFUSED = _l("Too many failed log-in attempts. Wait a few minutes and try again.")


@dataclass
class Attempt:
    """The counters one log-in attempt took a place in."""

    places: list[tuple[RateLimitItem, str]] = field(default_factory=list)

    def give_back(self) -> None:
        storage = limiter.storage
        for item, key in self.places:
            storage.incr(item.key_for("login", key), item.get_expiry(), amount=-1)
        self.places.clear()


def _keys(email: str) -> dict[str, str]:
    address = request.remote_addr or "unknown"
    account = (email or "").strip().lower()[:254]
    return {"address+account": f"{address}|{account}", "address": address, "account": account}


def begin(email: str) -> Attempt | None:
    """Take this attempt's place in every counter; None (and no places taken) when one is full."""
    attempt = Attempt()
    strategy = limiter.limiter
    for name, key in _keys(email).items():
        item = parse(current_app.config[LIMITS[name]])
        attempt.places.append((item, key))
        if not strategy.hit(item, "login", key):
            current_app.logger.warning("log-in refused by the %s limit: address=%s", name, request.remote_addr)
            attempt.give_back()
            return None
    return attempt
