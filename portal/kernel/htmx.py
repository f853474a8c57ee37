"""htmx helpers: one template, two uses (full page or the partial alone)."""
from flask import make_response, render_template, request


def is_htmx() -> bool:
    # History restores ask for the full page so the back button rebuilds it whole.
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render(page: str, partial: str, /, **context):
    """Render `page` for a normal request and `partial` for an htmx request."""
    return render_template(partial if is_htmx() else page, **context)


def hx_redirect(url: str, status: int = 200):
    response = make_response("", status)
    response.headers["HX-Redirect"] = url
    return response


def add_vary(response):
    response.vary.add("HX-Request")
    return response
