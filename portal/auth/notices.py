"""Security messages: a person is told at once, whatever their preferences (the "security" kind is
always sent), when their password is changed or their account is disabled or enabled again, by
whom and when, so that a change they did not make does not go unnoticed. Each is written by
notify() in the change's own transaction, and each says to contact the administrator if it was not
expected. Each is written in the person's own language."""
from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.kernel import clock
from portal.kernel.formatting import long_date
from portal.kernel.urls import page_path
from portal.notifications.outbox import in_each_language, notify
from portal.org.models import User

NOT_YOU = _l("If you did not make or ask for this change, contact the portal's administrator at once.")


def when(dated: Callable[[datetime], str] = long_date) -> str:
    """"14:05 UTC on 15 October 2024": the time of the change, as the portal's pages write it (`dated`
    writes the day)."""
    at = clock.now()
    return _("%(time)s UTC on %(date)s", time=f"{at:%H:%M}", date=dated(at))


def _tell(person: User, what: str, by: User | None = None) -> None:
    notify([person], "security", *in_each_language(words, what, person, by), page_path("auth.login"))


def words(what: str, person: User, by: User | None) -> tuple[str, str]:
    """The subject and body of one security message, in the language in force."""
    email, at, name = person.email, when(), by.name if by is not None else ""
    if what == "password_changed":
        subject = _("Your portal password was changed")
        body = _("The password of your account (%(email)s) was changed at %(when)s, and the account's other sessions "
                 "were ended.", email=email, when=at)
    elif what == "password_set":
        subject = _("Your portal password was set by an administrator")
        body = _("%(name)s, an administrator, set a new password for your account (%(email)s) at %(when)s, and your "
                 "open sessions were ended.", name=name, email=email, when=at)
    elif what == "disabled":
        subject = _("Your portal account was disabled")
        body = _("%(name)s, an administrator, disabled your account (%(email)s) at %(when)s: you can no longer sign in "
                 "to the portal.", name=name, email=email, when=at)
    else:
        subject = _("Your portal account was enabled again")
        body = _("%(name)s, an administrator, enabled your account (%(email)s) again at %(when)s: you can sign in to "
                 "the portal again.", name=name, email=email, when=at)
    return subject, f"{body} {NOT_YOU}"


def password_set(person: User, by: User) -> None:
    """The person's password was set: by themselves, or by an administrator for them."""
    _tell(person, "password_changed" if by.id == person.id else "password_set", by)


def account_disabled(person: User, by: User) -> None:
    """Told while the account is still active (notify() tells only active people): the e-mail reaches
    the person who can no longer sign in to read it in the portal."""
    _tell(person, "disabled", by)


def account_enabled(person: User, by: User) -> None:
    _tell(person, "enabled", by)
