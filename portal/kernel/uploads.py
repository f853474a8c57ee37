"""Uploaded files: what an archive says it unpacks to (checked before anything opens it), and the answer a
form with a file gives when its body is past the size limit (an error at the file's field, not a page)."""
import zipfile
from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user

from portal.kernel.access import rule_for

MAX_UNPACKED = 200_000_000  # bytes an Office file may unpack to; a 10 MB document of real work stays far below
MAX_RATIO = 100  # how much smaller than its content a large part of the archive may be
MAX_MEMBERS = 5_000


def unpacks_too_far(members: list[zipfile.ZipInfo]) -> bool:
    """Whether an archive's members, as its directory lists them, unpack to far more than the file's size
    suggests (a zip bomb): too many parts, too much in all, or a large part squeezed past MAX_RATIO."""
    unpacked = sum(m.file_size for m in members)
    squeezed = any(m.file_size > 1_000_000 and m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members)
    return len(members) > MAX_MEMBERS or unpacked > MAX_UNPACKED or squeezed


def answers_too_large(answer: Callable):
    """Mark an upload view: a body past MAX_CONTENT_LENGTH is answered by `answer(**view_args)` (its page,
    with the error at the file's field) instead of the error page."""
    def decorator(view):
        view.too_large_answer = answer
        return view
    return decorator


def too_large_answer():
    """The upload view's own answer to a body past the limit, for a person its access rule admits; None
    for any other request (which gets the error page)."""
    answer = getattr(current_app.view_functions.get(request.endpoint or ""), "too_large_answer", None)
    rule = rule_for(request.endpoint or "")
    if answer is None or rule is None or not current_user.is_authenticated or not rule.admits(current_user):
        return None
    return answer(**(request.view_args or {}))
