"""Dates on the cycle and Board pages in the page's language. English keeps the tables' form (07 Mar 2024,
07 Mar 2024 14:05); Spanish is written by Babel (7 mar 2024)."""
from datetime import date, datetime

from babel.dates import format_date
from flask_babel import gettext

from portal.kernel import i18n
from portal.progress.evidence_checks import size_text


def day(value: date | datetime | None) -> str:
    """07 Mar 2024 (7 mar 2024 in Spanish); empty when there is no date."""
    if value is None:
        return ""
    language = i18n.current()
    if language == i18n.DEFAULT:
        return value.strftime("%d %b %Y")
    return format_date(value, format="d MMM y", locale=language)


def stamp(value: datetime | None) -> str:
    """07 Mar 2024 14:05, a moment in a check-in's history."""
    if value is None:
        return ""
    return f"{day(value)} {value:%H:%M}"


def helpers() -> dict:
    """What the cycle and Board templates use to write dates and file sizes."""
    return {"day": day, "stamp": stamp, "file_size": size_text}


def missing_version(noun: str = "") -> str:
    """kernel.actions.missing_version's message, whole, in the page's language, for the records these pages
    keep."""
    return {
        "check-in": gettext("This form did not say which version of the check-in you saw. Reload the page and try "
                            "again."),
        "action plan": gettext("This form did not say which version of the action plan you saw. Reload the page "
                               "and try again."),
        "progress metric": gettext("This form did not say which version of the progress metric you saw. Reload the "
                                   "page and try again."),
        "value": gettext("This form did not say which version of the value you saw. Reload the page and try again."),
        "": gettext("This form did not say which version you saw. Reload the page and try again."),
    }[noun]
