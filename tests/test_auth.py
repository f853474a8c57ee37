"""Logging in and out, throttling, safe redirects, CSRF, cookies and security headers."""
import logging

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.org.models import User
from tests.conftest import DEMO_PASSWORD, ROLE_EMAILS, Actions, csrf_from


def test_a_principal_logs_in_and_lands_on_their_home_page(auth):
    response = auth.login(ROLE_EMAILS[Role.principal], follow=True)
    page = response.get_data(as_text=True)
    assert response.request.path == "/home"
    assert "Welcome," in page and "Principal" in page


def test_a_wrong_password_is_refused_with_a_message_at_the_field(auth, caplog):
    with caplog.at_level(logging.WARNING, logger="portal"):
        response = auth.login(ROLE_EMAILS[Role.principal], password="not-the-password")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "That email and password do not match an active account." in page
    assert 'aria-invalid="true"' in page
    assert any("failed log-in" in r.getMessage() and "principal@district.example" in r.getMessage()
               for r in caplog.records)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(auth):
    response = auth.login("nobody@district.example", password="whatever")
    assert "That email and password do not match an active account." in response.get_data(as_text=True)


def test_repeated_failures_are_throttled_and_a_correct_password_then_waits_too(auth):
    email = ROLE_EMAILS[Role.board]
    for _ in range(5):
        assert auth.login(email, password="wrong-password").status_code == 200
    throttled = auth.login(email, password="wrong-password")
    assert throttled.status_code == 429
    assert "Too many failed log-in attempts" in throttled.get_data(as_text=True)
    assert auth.login(email).status_code == 429


def test_successful_log_ins_do_not_count_toward_the_limit(auth):
    for _ in range(7):
        assert auth.login(ROLE_EMAILS[Role.central_office]).status_code == 303
        auth.logout()


def test_log_out_is_a_post_and_ends_the_session(client, auth):
    auth.login(ROLE_EMAILS[Role.admin])
    assert client.get("/logout").status_code == 405
    cookie = client.get_cookie("portal_session").value
    response = auth.logout()
    assert response.status_code == 303 and response.headers["Location"].endswith("/login")
    assert client.get("/home").status_code == 302
    # Replaying the old cookie does not bring the session back.
    client.set_cookie("portal_session", cookie)
    assert client.get("/home").status_code == 302


def test_next_takes_you_back_to_the_page_you_asked_for(client, auth):
    first = client.get("/board-updates?year=2023-24")
    assert first.status_code == 302 and "next=" in first.headers["Location"]
    response = auth.login(ROLE_EMAILS[Role.board], next_url="/board-updates?year=2023-24")
    assert response.headers["Location"] == "/board-updates?year=2023-24"


def test_next_to_another_host_is_refused(auth):
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]:
        response = auth.login(ROLE_EMAILS[Role.board], next_url=target)
        assert response.status_code == 303
        assert response.headers["Location"] == "/home", target
        auth.logout()


def test_a_post_without_the_csrf_token_is_refused(client, auth):
    auth.login(ROLE_EMAILS[Role.admin])
    response = client.post("/logout")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    login = client.post("/login", data={"email": ROLE_EMAILS[Role.admin], "password": DEMO_PASSWORD})
    assert login.status_code == 400


def test_htmx_posts_send_the_token_as_a_header(client, auth):
    auth.login(ROLE_EMAILS[Role.admin])
    token = csrf_from(client.get("/home").get_data(as_text=True))
    response = client.post("/logout", headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 303


def test_session_cookie_is_hardened(client, auth):
    response = auth.login(ROLE_EMAILS[Role.admin])
    cookie = response.headers.get("Set-Cookie")
    assert "portal_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_disabled_account_loses_its_session_and_cannot_log_in(app, client, auth):
    email = "p-disable@district.example"
    with app.app_context():
        principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        user = User(email=email, name="To Be Disabled", role=Role.principal, school_id=principal.school_id)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
    auth.login(email)
    assert client.get("/home").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        user.active = False
        db.session.commit()
    try:
        assert client.get("/home").status_code == 302
        assert "do not match an active account" in auth.login(email).get_data(as_text=True)
    finally:  # a second principal for that school must not linger for other tests
        with app.app_context():
            db.session.delete(db.session.scalar(select(User).where(User.email == email)))
            db.session.commit()


def test_every_response_carries_security_headers_and_a_csp_without_inline_script(client):
    for path in ["/login", "/healthz", "/no-such-page", "/static/css/app.css"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(login_as, client):
    login_as(Role.admin)
    for path in ["/home", "/plan", "/schools", "/admin/users", "/admin/imports"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " on" + "click=" not in html, path
        assert html.count("<script src=") == 2


def test_error_pages_are_friendly(login_as, client):
    login_as(Role.board)
    missing = client.get("/schools/999999")
    assert missing.status_code == 404 and "We could not find that page" in missing.get_data(as_text=True)
    forbidden = client.get("/admin/users")
    assert forbidden.status_code == 403 and "You do not have access" in forbidden.get_data(as_text=True)


def _app_behind_nginx(database_url, hops: int):
    from portal import create_app
    return create_app({
        "PORTAL_ENV": "testing", "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url, "SESSION_COOKIE_SECURE": False,
        "TRUSTED_PROXIES": hops,
    })


def test_behind_nginx_each_person_is_throttled_by_their_own_address(database_url, caplog):
    """nginx forwards every request from its own address: with TRUSTED_PROXIES=1 the portal reads
    the person's address from X-Forwarded-For, so one person guessing does not lock out everyone."""
    app = _app_behind_nginx(database_url, hops=1)
    email = ROLE_EMAILS[Role.superintendent]
    guesser = Actions(app.test_client())
    with caplog.at_level(logging.WARNING, logger="portal"):
        for _ in range(5):
            guesser.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.5"
            assert guesser.login(email, password="wrong-password").status_code == 200
        assert guesser.login(email, password="wrong-password").status_code == 429
    assert any("failed log-in" in r.getMessage() and "ip=203.0.113.5" in r.getMessage() for r in caplog.records)

    colleague = Actions(app.test_client())
    colleague.client.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    assert colleague.login(email).status_code == 303


def test_without_a_trusted_proxy_a_forged_forwarded_header_does_not_escape_the_throttle(database_url):
    app = _app_behind_nginx(database_url, hops=0)
    email = ROLE_EMAILS[Role.superintendent]
    guesser = Actions(app.test_client())
    for attempt in range(5):
        guesser.client.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{attempt}"
        assert guesser.login(email, password="wrong-password").status_code == 200
    guesser.client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.99"
    assert guesser.login(email, password="wrong-password").status_code == 429
