"""Security headers and the Content-Security-Policy (htmx runs without inline script)."""
import io
import tempfile
from typing import IO
from urllib.parse import urlsplit

from flask import abort, current_app, request

HTMX_CDN = "https://cdn.jsdelivr.net"


def _form_action() -> str:
    """'self', and the identity provider's address: logging out is a form whose answer sends a person who
    signed in through the provider on to its sign-out page, and browsers hold redirects to form-action."""
    sources = ["'self'"]
    issuer = urlsplit(current_app.config.get("OIDC_ISSUER") or "")
    if issuer.scheme in ("http", "https") and issuer.netloc:
        sources.append(f"{issuer.scheme}://{issuer.netloc}")
    # Origins the provider's discovery document names for its sign-out (portal.auth.oidc adds them).
    sources += sorted(set(current_app.extensions.get("portal.form_action_origins", ())) - set(sources))
    return " ".join(sources)


def content_security_policy() -> str:
    script_src = "'self'"
    if current_app.config.get("HTMX_CDN"):
        script_src += f" {HTMX_CDN}"
    return "; ".join([
        "default-src 'self'",
        f"script-src {script_src}",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        f"form-action {_form_action()}",
        "frame-ancestors 'none'",
    ])


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", content_security_policy())
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint != "static" and "Cache-Control" not in headers:
        # Pages hold people's data: never keep them in shared caches.
        headers["Cache-Control"] = "no-store"
    return response


TOO_LARGE_FLAG = "portal.body_too_large"


class WholeBodies:
    """WSGI middleware: a body sent in chunks (no Content-Length) is read up to the size limit before
    the portal sees it. Werkzeug stops reading such a body at MAX_CONTENT_LENGTH without saying so,
    and a form cut at 10 MB would be processed as if it were whole; past the limit the request is
    flagged (and answered 413 by `refuse_cut_bodies`), within it the body is handed on with its length."""

    CHUNK = 64 * 1024

    def __init__(self, wsgi_app, limit: int):
        self.wsgi_app = wsgi_app
        self.limit = limit

    def __call__(self, environ, start_response):
        if environ.get("CONTENT_LENGTH", "") == "" and "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115  (the body from now on)
            stream, size = environ["wsgi.input"], 0
            while size <= self.limit and (chunk := stream.read(min(self.CHUNK, self.limit + 1 - size))):
                body.write(chunk)
                size += len(chunk)
            body.seek(0)
            if size > self.limit:
                environ[TOO_LARGE_FLAG] = True
                body, size = io.BytesIO(), 0
            environ["wsgi.input"], environ["CONTENT_LENGTH"] = body, str(size)
            environ.pop("HTTP_TRANSFER_ENCODING")
        return self.wsgi_app(environ, start_response)


def refuse_cut_bodies() -> None:
    """Before anything reads the form (CSRF included): a chunked body past the limit is refused whole."""
    if request.environ.get(TOO_LARGE_FLAG):
        abort(413)
