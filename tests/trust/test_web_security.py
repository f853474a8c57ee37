"""Web security (OWASP ASVS 5.0, level 2), beyond tests/test_auth.py and tests/test_errors.py:
cookies, a new session at log-in, sessions that end (log-out, a disabled account, a new
password, idle and absolute lifetimes), the password policy, CSRF on every state change,
headers on every kind of answer, no open redirect, exports that carry no live formula, and
generic error pages with debug off."""
import csv
import io
import time
from datetime import timedelta

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from portal import create_app
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.org.models import School, User
from portal.org.passwords import MIN_LENGTH, PasswordPolicyError, check_policy
from portal.targets.models import PlanStatus, TargetPlan
from tests.conftest import DEMO_PASSWORD, Actions, csrf_from
from tests.test_access import DECLARED
from tests.trust.conftest import changed_tables, dump, log_in

EMAILS = {Role.principal: "principal@district.example", Role.regional_leader: "leader.central@district.example",
          Role.central_office: "central@district.example", Role.superintendent: "superintendent@district.example",
          Role.board: "board@district.example", Role.admin: "admin@district.example"}


def new_person(app, email: str, role: Role = Role.board) -> None:
    with app.app_context():
        user = User(email=email, name="Session Tester", role=role)
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
        db.session.commit()
        db.session.remove()


# ---------------------------------------------------------------- cookies and sessions
def test_in_production_the_session_cookie_is_secure_http_only_and_same_site(private_app, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "production-secret-" + "x" * 40)
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    production = create_app({"PORTAL_ENV": "production",
                             "SQLALCHEMY_DATABASE_URI": private_app.config["SQLALCHEMY_DATABASE_URI"]})
    assert production.debug is False and not production.config.get("PROPAGATE_EXCEPTIONS")
    client = production.test_client()
    response = Actions(client).login(EMAILS[Role.board])
    cookie = response.headers["Set-Cookie"]
    assert "portal_session=" in cookie
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_logging_in_starts_a_new_session_so_a_planted_cookie_stays_anonymous(private_app):
    client = private_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    planted = client.get_cookie("portal_session").value
    token_before = csrf_from(page)
    assert Actions(client).login(EMAILS[Role.admin]).status_code == 303
    assert client.get_cookie("portal_session").value != planted
    assert csrf_from(client.get("/home").get_data(as_text=True)) != token_before
    attacker = private_app.test_client()
    attacker.set_cookie("portal_session", planted)
    assert attacker.get("/home").status_code == 302


@pytest.mark.parametrize("how", ["disabled", "new password"])
def test_an_administrator_ending_an_account_ends_its_open_sessions(private_app, how):
    email = f"ended.{how.replace(' ', '-')}@district.example"
    new_person(private_app, email)
    victim = log_in(private_app, email)
    cookie = victim.client.get_cookie("portal_session").value
    admin = log_in(private_app, EMAILS[Role.admin])
    with private_app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == email))
    if how == "disabled":
        assert admin.post(f"/admin/users/{user_id}/active").status_code == 303
    else:
        strong = "Harbor-lantern-47-quietly"
        response = admin.post(f"/admin/users/{user_id}/password", {"password": strong, "confirm": strong})
        assert response.status_code == 303
    assert victim.get("/home").status_code == 302
    replayed = private_app.test_client()
    replayed.set_cookie("portal_session", cookie)
    assert replayed.get("/home").status_code == 302


def test_a_session_ends_after_the_idle_lifetime(private_app):
    idle = create_app({"PORTAL_ENV": "testing", "SECRET_KEY": "idle-secret-" + "y" * 40,
                       "SQLALCHEMY_DATABASE_URI": private_app.config["SQLALCHEMY_DATABASE_URI"],
                       "SESSION_COOKIE_SECURE": False, "PERMANENT_SESSION_LIFETIME": timedelta(seconds=1)})
    client = idle.test_client()
    assert Actions(client).login(EMAILS[Role.board]).status_code == 303
    assert client.get("/home").status_code == 200
    cookie = client.get_cookie("portal_session").value
    time.sleep(2.1)
    client.set_cookie("portal_session", cookie)  # the browser would have dropped it; a replay is refused too
    assert client.get("/home").status_code == 302


def test_a_session_ends_after_the_absolute_lifetime_however_active(private_app):
    person = log_in(private_app, EMAILS[Role.board])
    assert person.get("/home").status_code == 200
    hours = private_app.config["SESSION_ABSOLUTE_HOURS"]
    with private_app.app_context():
        now = clock.now_aware()  # the portal's time (its date is PORTAL_TODAY's)
    with person.client.session_transaction() as session:
        session["login_at"] = (now - timedelta(hours=hours, minutes=1)).timestamp()
    assert person.get("/home").status_code == 302
    assert person.get("/home", htmx=True).status_code == 401


# ---------------------------------------------------------------- passwords
def test_short_and_common_passwords_are_refused_and_a_long_phrase_is_taken():
    with pytest.raises(PasswordPolicyError, match="at least 12"):
        check_policy("Xk7#pQ2!vL9")
    common = [w for w in FREQUENCY_LISTS["passwords"] if len(w) >= MIN_LENGTH]
    common += ["password1234", "Password1234!", "qwertyuiop123", "letmein12345", "iloveyou1234",
               "readyfortheworld", "ReadyForTheWorld2026"]
    for password in common:
        with pytest.raises(PasswordPolicyError):
            check_policy(password)
    with pytest.raises(PasswordPolicyError):
        check_policy("harbor.elementary2024", email="harbor.elementary2024@district.example")
    check_policy("Harbor-lantern-47-quietly")
    check_policy("a" * 5 + " correct horse battery staple " + "b" * 5)


@pytest.mark.parametrize("password", ["Summer2026!!", "Welcome2026!!", "P@ssw0rd2026!", "!!Dragon1999!!",
                                      "Dodgers#2026!", "LAUSD2026!!!!", "Elephant_2026"])
def test_a_breached_word_dressed_with_a_year_and_symbols_is_refused(password):
    """The shape password-spraying tries first; zxcvbn alone scores these as strong enough."""
    with pytest.raises(PasswordPolicyError, match="among the first passwords attackers try"):
        check_policy(password)


# ---------------------------------------------------------------- CSRF on every state change
def test_every_post_without_the_csrf_token_is_refused_and_changes_nothing(private_app):
    """Each form route, as a person whose role may use it, with everything but the token."""
    people = {}
    with private_app.test_request_context():
        rules = sorted((r for r in private_app.url_map.iter_rules() if "POST" in r.methods), key=lambda r: r.rule)
    assert rules
    with private_app.app_context():
        school = db.session.scalar(select(School.id).order_by(School.id))
        plan = db.session.scalar(select(TargetPlan.id).where(TargetPlan.school_id == school))
    args = {"school_id": school, "plan_id": plan, "row_id": 1, "initiative_id": 1, "metric_id": 1,
            "check_in_id": 4, "update_id": 3, "user_id": 1, "period_id": 1, "cycle_id": 1, "notification_id": 1,
            "email_id": 1, "extension_id": 1, "file_id": 1,
            "code": "2D-1", "token": "not-a-signed-link", "what": "codes"}
    def role_for(rule):
        who = DECLARED[rule.endpoint]
        return None if who == "public" else (Role.admin if Role.admin in who else sorted(who)[0])
    for role in {role_for(rule) for rule in rules}:
        people[role] = log_in(private_app, EMAILS.get(role), role)
    before = dump(private_app)
    for rule in rules:
        client = people[role_for(rule)].client
        with private_app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{k: args[k] for k in rule.arguments})
        for headers in ({}, {"HX-Request": "true"}, {"X-CSRFToken": "forged-token"}):
            response = client.post(url, data={"version": "1", "comment": "x"}, headers=headers)
            assert response.status_code == 400, (rule.endpoint, headers, response.status_code)
            assert "This form has expired or was not sent from the portal" in response.get_data(as_text=True)
    assert not changed_tables(before, dump(private_app))


# ---------------------------------------------------------------- headers on every kind of answer
def test_every_kind_of_answer_carries_the_security_headers(private_app):
    admin = log_in(private_app, EMAILS[Role.admin])
    board = log_in(private_app, EMAILS[Role.board])
    anonymous = private_app.test_client()
    answers = {
        200: admin.get("/home"), "htmx": admin.get("/plan", htmx=True), 302: anonymous.get("/home"),
        401: anonymous.get("/home", headers={"HX-Request": "true"}), 403: board.get("/admin/users"),
        404: admin.get("/no/such/page"), 405: admin.client.delete("/plan"),
        400: admin.client.post("/logout"),
        413: admin.post("/admin/imports", {"kind": "schools", "file": (io.BytesIO(b"x" * (11 * 1024 * 1024)), "a.csv")},
                        content_type="multipart/form-data"),
        "csv": admin.get("/scorecard/export.csv"), "static": anonymous.get("/static/css/app.css"),
        "health": anonymous.get("/healthz"),
    }
    for what, response in answers.items():
        if isinstance(what, int):
            assert response.status_code == what, what
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp and "unsafe" not in csp, what
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, what
        assert headers["X-Content-Type-Options"] == "nosniff" and headers["X-Frame-Options"] == "DENY", what
        assert headers["Referrer-Policy"] == "same-origin", what
        if what != "static":
            assert headers["Cache-Control"] == "no-store", what
    assert "That file is too large" in answers[413].get_data(as_text=True)


# ---------------------------------------------------------------- no open redirect
def browser_reads(location: str) -> str:
    """What a browser makes of a Location: tabs and newlines dropped, backslashes as slashes."""
    return location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")


def stays_on_the_site(location: str) -> bool:
    seen = browser_reads(location).lstrip(" ")
    return seen.startswith("/") and not seen.startswith("//")


REDIRECTS = st.one_of(
    st.sampled_from(["https://evil.example/", "//evil.example", "/\\evil.example", "\\\\evil.example",
                     "/\t/evil.example", "/\n/evil.example", " //evil.example", "http:/evil.example",
                     "javascript:alert(1)", "data:text/html,x", "/%2F%2Fevil.example", "%2F%2Fevil.example",
                     "///evil.example", "/.//evil.example", "https:evil.example", "/home", "/plan?pillar=2"]),
    st.text(alphabet=st.sampled_from("/\\:.@%?#\t\n ehvilx"), max_size=20),
)


@settings(max_examples=40)
@given(target=REDIRECTS)
@example(target="/home\n/x")
def test_after_log_in_the_next_page_is_always_on_this_site(private_app, target):
    client = private_app.test_client()
    with private_app.app_context():
        from portal.extensions import limiter

        limiter.reset()
    response = Actions(client).login(EMAILS[Role.board], next_url=target)
    assert response.status_code == 303
    assert stays_on_the_site(response.headers["Location"]), response.headers["Location"]


@settings(max_examples=25)
@given(back=REDIRECTS)
@example(back="/\n/evil.example")  # once answered 500: a newline in the Location header
def test_the_back_link_after_an_in_place_action_stays_on_this_site(private_app, back):
    admin = log_in(private_app, EMAILS[Role.admin])
    with private_app.app_context():
        plan = db.session.scalar(select(TargetPlan.id).order_by(TargetPlan.id.desc()))
    # Refused on their merits (no version, no action), so each answers by going back.
    for path in (f"/review/approve/{plan}", "/review/remind", "/cycle/check-ins/4/advance"):
        for sent in (back, "/review/" + back, "/cycle" + back):
            response = admin.post(path, {"back": sent})
            assert response.status_code == 303, (path, response.status_code)
            assert stays_on_the_site(response.headers["Location"]), (path, response.headers["Location"])


# ---------------------------------------------------------------- exports
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"Open\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def test_names_that_look_like_formulas_leave_every_export_as_plain_text(private_app):
    admin = log_in(private_app, EMAILS[Role.admin])
    with private_app.app_context():
        school = db.session.scalar(select(School).order_by(School.id))
        school_id, original = school.id, school.name
        school.name = FORMULAS[0]
        approved = db.session.scalar(select(TargetPlan.id).where(TargetPlan.school_id == school.id,
                                                                 TargetPlan.status == PlanStatus.approved))
        db.session.commit()
    try:
        for url in ("/review/export.csv", "/dashboard/export?format=csv", "/scorecard/export.csv",
                    f"/targets/plans/{approved}/approved.csv"):
            response = admin.get(url)
            if response.status_code != 200:
                continue
            rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
            for row in rows[1:]:
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (url, cell)
        text = admin.get("/review/export.csv").get_data().decode("utf-8-sig")
        assert ["'" + FORMULAS[0]] == [cell for row in csv.reader(io.StringIO(text)) for cell in row
                                       if FORMULAS[0] in cell]
        workbook = load_workbook(io.BytesIO(admin.get("/review/export.xlsx").get_data()))
        cells = [c for row in workbook.active.iter_rows() for c in row]
        assert all(c.data_type != "f" for c in cells)
        assert any(c.value == "'" + FORMULAS[0] for c in cells)
    finally:
        with private_app.app_context():
            db.session.get(School, school_id).name = original
            db.session.commit()
