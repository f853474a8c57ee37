"""Links to many records of one kind, built once per page.

A table of 50 plans links each row to its plan and its approve action; building each link with
``url_for`` walks the URL map every time. ``id_url`` builds the link once with a stand-in id and
fills in each row's id, which gives exactly what ``url_for`` would for an integer id.

``page_path`` is the path of one page for a message to link to, inside a request or outside one.
"""
from collections.abc import Callable

from flask import current_app, has_request_context, url_for
from werkzeug.routing import IntegerConverter

from portal.kernel.numbers import MAX_ID

_STAND_IN = 918273645


def id_url(endpoint: str, id_arg: str, **values) -> Callable[[int], str]:
    head, found, tail = url_for(endpoint, **{**values, id_arg: _STAND_IN}).partition(str(_STAND_IN))
    if not found:  # pragma: no cover - every integer route places the id in the path
        raise ValueError(f"{endpoint} does not put {id_arg} in its path")

    def build(record_id: int) -> str:
        return f"{head}{int(record_id)}{tail}"

    return build


def page_path(endpoint: str, **values) -> str:
    """The path of a page, for a message that links to it (portal.notifications): url_for's inside a
    request; outside one (the worker's daily schedule, a command, a factory in a test) built from the
    same URL map under the application's root, as no host is needed for a path."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("portal.invalid", script_name=current_app.config["APPLICATION_ROOT"])
    return adapter.build(endpoint, values)


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: plain ASCII digits only, and a number past what the database holds is a
    page that does not exist (404), never an overflow in the query. (Werkzeug's own pattern is \\d+, which
    also takes other scripts' digits: /users/٣ would be user 3.)"""

    regex = r"[0-9]+"

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)
