"""Error pages: friendly, generic, and the same for a page or an htmx request."""
import io
import logging

from portal import create_app
from portal.kernel.access import allow
from portal.kernel.policy import Role
from tests.conftest import DEMO_PASSWORD, ROLE_EMAILS, csrf_from


def test_an_unexpected_failure_shows_a_generic_page_without_details(app, database_url):
    broken = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": database_url})

    @broken.route("/boom")
    @allow()
    def boom():
        raise RuntimeError("secret internals")

    client = broken.test_client()
    from tests.conftest import ROLE_EMAILS, Actions

    Actions(client).login(ROLE_EMAILS[Role.board])
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in html and "secret internals" not in html and "Traceback" not in html
    partial = client.get("/boom", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and "Something went wrong" in partial


def test_denied_access_is_logged_with_who_and_what(login_as, client, caplog):
    login_as(Role.principal)
    with caplog.at_level(logging.WARNING, logger="portal"):
        assert client.get("/admin/users").status_code == 403
    assert any("access denied" in r.getMessage() and "principal@district.example" in r.getMessage()
               and "/admin/users" in r.getMessage() for r in caplog.records)


def test_unknown_pages_and_wrong_methods_answer_plainly(login_as, client):
    login_as(Role.admin)
    assert client.get("/no/such/page").status_code == 404
    assert client.delete("/plan").status_code == 405


def _chunked_post(client, path: str, body: bytes, content_type: str):
    """A body sent in chunks, as a server hands it on: no Content-Length, the stream ends the body."""
    return client.post(path, input_stream=io.BytesIO(body), content_type=content_type,
                       headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"CONTENT_LENGTH": "", "wsgi.input_terminated": True})


def test_a_chunked_form_past_the_size_limit_is_refused_not_cut_and_read(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    padding = b"".join(b"&note=" + b"x" * 1000 for _ in range(11 * 1024))  # 11 MB of small fields
    body = f"csrf_token={token}&email={ROLE_EMAILS[Role.board]}&password={DEMO_PASSWORD}".encode() + padding
    response = _chunked_post(client, "/login", body, "application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "That file is too large" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302  # not logged in


def test_a_chunked_form_within_the_limit_is_read_whole(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    body = f"email={ROLE_EMAILS[Role.board]}&password={DEMO_PASSWORD}&csrf_token={token}".encode()
    response = _chunked_post(client, "/login", body, "application/x-www-form-urlencoded")
    assert response.status_code == 303
