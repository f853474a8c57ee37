"""The language a page or an e-mail is written in. A page: the signed-in person's saved choice, else the
visitor's choice kept in the session, else the browser's Accept-Language best match, else English. An
e-mail: its recipient's saved choice, else English (the worker has no browser to ask)."""
from typing import Any

from flask import has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

DEFAULT = "en"
# Each language the portal is written in, by its code, named in that language for the switch.
LANGUAGES = {"en": "English", "es": "Español"}


def chosen(value: object) -> str | None:
    """`value` when it is a language the portal speaks, else None."""
    return value if isinstance(value, str) and value in LANGUAGES else None


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        return DEFAULT
    if current_user.is_authenticated and chosen(getattr(current_user, "language", None)):
        return current_user.language
    return (chosen(session.get("language")) or request.accept_languages.best_match(list(LANGUAGES))
            or DEFAULT)


def current() -> str:
    """The code of the language in force: 'en' or 'es'."""
    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else DEFAULT


def for_person(person) -> str:
    """The language of `person`'s e-mail."""
    return chosen(getattr(person, "language", None)) or DEFAULT


def switch_to() -> tuple[str, str]:
    """The language the switch on the page offers (code, name): the other one."""
    here = current()
    code = next(code for code in LANGUAGES if code != here)
    return code, LANGUAGES[code]


def english(text: Any) -> Any:
    """Text that stays in English (data no one has translated) on a page in another language, marked
    lang="en" so a screen reader reads it as English."""
    if text is None or text == "" or current() == DEFAULT:
        return text
    return Markup('<span lang="en">{}</span>').format(text)


def N_(text: str) -> str:
    """Marks English kept as data (a status's title, a note) for the catalogue; the page translates it
    where it shows it, with _()."""
    return text
