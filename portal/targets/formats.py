"""How the target pages write days, times, gains and shares in the page's language. In English they read
exactly as they always have (07 Mar 2024, 07 Mar 2024 14:05, +2.5, 42%); in Spanish Babel writes them
(07 mar 2024, +2,5, 42 %). Registered as template globals, so the pages' macros can use them too."""
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

from portal.kernel import formatting, i18n


def _english() -> bool:
    return i18n.current() == i18n.DEFAULT


def day(value: date | datetime | None) -> str:
    """07 Mar 2024: a due date, a decision's day."""
    if value is None:
        return formatting.EMPTY
    if _english():
        return value.strftime("%d %b %Y")
    return format_date(value, format="dd MMM y", locale=i18n.current())


def stamp(value: datetime | None) -> str:
    """07 Mar 2024 14:05: when something happened (in UTC)."""
    if value is None:
        return formatting.EMPTY
    return f"{day(value)} {value:%H:%M}"


def figure(value: float) -> str:
    """A target or a bound as typed, without trailing zeros: 12.5, 70, −3 (12,5 in Spanish)."""
    if _english():
        return f"{value:g}"
    return format_decimal(value, locale=i18n.current())


def gain(value: float) -> str:
    """A change to one decimal, always signed: +2.5, -1.0 (+2,5 and −1,0 in Spanish)."""
    if _english():
        return f"{value:+.1f}"
    return formatting.signed(value)


def share(value: float) -> str:
    """A whole percentage: 42% (42 % in Spanish)."""
    return formatting.percent_sign(formatting.plain(value, 0))


def register(state) -> None:
    """Make the helpers template globals (called when the targets blueprint is registered)."""
    env = state.app.jinja_env.globals
    env.update(target_day=day, target_stamp=stamp, target_figure=figure, target_gain=gain, target_share=share)
