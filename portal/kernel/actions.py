"""What every form that changes a record shares: the version the person saw, what a refusal
answers (409 when someone acted first or the state forbids it, 422 when the request was
incomplete), numbers read from a form, and back links that stay on this site."""
from urllib.parse import urlsplit

from flask import request
from flask_babel import gettext

from portal.kernel.numbers import parse_int
from portal.kernel.workflow import WorkflowError


class BadInput(WorkflowError):
    """The request itself was incomplete or malformed (answered 422, not 409)."""


def missing_version(of_what: str = "") -> str:
    """The message for a form that did not say which version of the record it was filled in on, in the
    page's language; `of_what` names the record, translated ("of the plan")."""
    if not of_what:
        return gettext("This form did not say which version you saw. Reload the page and try again.")
    return gettext("This form did not say which version %(of_what)s you saw. Reload the page and try again.",
                   of_what=of_what)


def form_int(name: str) -> int | None:
    """A whole number posted in field `name`, or None when it is missing or not plain ASCII digits."""
    return parse_int(request.form.get(name))


def posted_version() -> int | None:
    """The record version the form was filled in on (a hidden `version` field)."""
    return form_int("version")


def refusal_status(exc: WorkflowError) -> int:
    """422 for a request that was incomplete, 409 for one that came too late or out of turn."""
    return 422 if isinstance(exc, BadInput) else 409


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return None
    target = target.strip()
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):  # browsers drop tabs and newlines: "/\n/evil"
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
