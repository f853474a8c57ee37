"""Security messages: a person is told at once, whatever their preferences (the "security" kind is
always sent), when their password is changed or their account is disabled or enabled again, by
whom and when, so that a change they did not make does not go unnoticed. Each is written by
notify() in the change's own transaction, and each says to contact the administrator if it was not
expected."""
from portal.kernel import clock
from portal.kernel.formatting import long_date
from portal.kernel.urls import page_path
from portal.notifications.outbox import notify
from portal.org.models import User

NOT_YOU = "If you did not make or ask for this change, contact the portal's administrator at once."


def _when() -> str:
    """"14:05 UTC on 15 October 2024": the time of the change, as the portal's pages write it."""
    at = clock.now()
    return f"{at:%H:%M} UTC on {long_date(at)}"


def _tell(person: User, subject: str, body: str) -> None:
    notify([person], "security", subject, f"{body} {NOT_YOU}", page_path("auth.login"))


def password_set(person: User, by: User) -> None:
    """The person's password was set: by themselves, or by an administrator for them."""
    if by.id == person.id:
        _tell(person, "Your portal password was changed",
              f"The password of your account ({person.email}) was changed at {_when()}, and the account's other "
              "sessions were ended.")
        return
    _tell(person, "Your portal password was set by an administrator",
          f"{by.name}, an administrator, set a new password for your account ({person.email}) at {_when()}, "
          "and your open sessions were ended.")


def account_disabled(person: User, by: User) -> None:
    """Told while the account is still active (notify() tells only active people): the e-mail reaches
    the person who can no longer sign in to read it in the portal."""
    _tell(person, "Your portal account was disabled",
          f"{by.name}, an administrator, disabled your account ({person.email}) at {_when()}: you can no longer "
          "sign in to the portal.")


def account_enabled(person: User, by: User) -> None:
    _tell(person, "Your portal account was enabled again",
          f"{by.name}, an administrator, enabled your account ({person.email}) again at {_when()}: you can sign "
          "in to the portal again.")
