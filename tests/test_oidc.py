"""Signing in through the district's identity provider (OpenID Connect), against a real provider:
tests/oidc/provider.mjs (oidc-provider) on a loopback port, whose client is the portal on the live test
server. The portal is driven with the test client; the person signs in on the provider's own log-in
page (tests/oidc_provider.py, with `requests`), and the provider's redirect back is fed to the test
client. Where the real provider would never send a bad token (another application's, a forged one, an
old one), the test takes a genuine token from the provider and hands it to the portal in place of the
token endpoint's answer: the portal's own HTTP call to the provider still happens.

Every refusal is a page a person can read (never a traceback), with a link back to the log-in page,
and leaves no session."""
import base64
import hashlib
import json
import logging
import re
import secrets
import time
from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from sqlalchemy import select

from portal import check_group_map, config
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org import group_map
from portal.org.models import UNUSABLE_PASSWORD, User
from tests.conftest import ROLE_EMAILS, csrf_from
from tests.oidc_provider import PROVIDER_NAME, PersonAtProvider

# ---------------------------------------------------------------- a sign-in, step by step


def begin(client, next_url: str = "") -> str:
    """The person clicks "Sign in with ...": the portal sends them to the provider (this URL)."""
    response = client.get("/login/oidc" + (f"?next={next_url}" if next_url else ""))
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def finish(client, callback_url: str):
    """The provider's redirect back arrives at the portal's callback."""
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}")


def sign_in(client, provider, username: str, next_url: str = ""):
    back = PersonAtProvider(provider).sign_in(begin(client, next_url), username, provider.redirect_uri)
    return finish(client, back)


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    return parts._replace(query=urlencode({**query(url), **changes})).geturl()


def assert_refused(client, response, status: int, *words: str) -> str:
    """A page for a person, with the way back to the log-in page, and no session at all."""
    page = response.get_data(as_text=True)
    assert response.status_code == status, page[:800]
    for text in words:
        assert text in page, text
    assert 'href="/login"' in page and "Back to the log-in page" in page
    assert "Traceback" not in page and "error-page" in page
    with client.session_transaction() as session:
        assert "_user_id" not in session and "login_at" not in session
        assert not [key for key in session if key.startswith("_state_")], "a sign-in's state outlived it"
    assert client.get("/home").status_code == 302
    return page


@contextmanager
def token_endpoint(monkeypatch, provider, answer):
    """The portal's calls to the provider's token endpoint go out as ever; `answer(response)` gives the
    (status, body) the portal receives instead of the real answer. Yields the real answers' bodies."""
    endpoint = provider.discovery()["token_endpoint"]
    original = requests.Session.send
    seen: list[dict] = []

    def send(session, request, **kwargs):
        response = original(session, request, **kwargs)
        if request.url == endpoint:
            seen.append(response.json())
            response.status_code, body = answer(response)
            response._content = json.dumps(body).encode()
        return response

    with monkeypatch.context() as patch:
        patch.setattr(requests.Session, "send", send)
        yield seen


def jwt_parts(token: str) -> tuple[dict, dict, str]:
    def decode(part: str) -> dict:
        return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))

    header, payload, signature = token.split(".")
    return decode(header), decode(payload), signature


def jwt_of(header: dict, payload: dict, signature: str) -> str:
    def encode(part: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()

    return f"{encode(header)}.{encode(payload)}.{signature}"


def other_apps_tokens(provider, username: str, nonce: str) -> dict:
    """Genuine tokens the provider issues to another application it serves (with the nonce given)."""
    other = provider.other_client
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    meta = provider.discovery()
    url = meta["authorization_endpoint"] + "?" + urlencode({
        "client_id": other["id"], "redirect_uri": other["redirect"], "response_type": "code",
        "scope": "openid email profile groups", "state": "another-app", "nonce": nonce,
        "code_challenge": challenge, "code_challenge_method": "S256"})
    back = PersonAtProvider(provider).sign_in(url, username, other["redirect"])
    response = requests.post(meta["token_endpoint"], auth=(other["id"], other["secret"]), timeout=10, data={
        "grant_type": "authorization_code", "code": query(back)["code"], "redirect_uri": other["redirect"],
        "code_verifier": verifier})
    assert response.status_code == 200, response.text
    return response.json()


def refusal_logged(caplog, reason: str, *words: str) -> bool:
    lines = [r.getMessage() for r in caplog.records if "refused sign-in" in r.getMessage()]
    return any(f"reason={reason}" in line and all(w in line for w in words) for line in lines)


# ---------------------------------------------------------------- signing in


def test_the_log_in_page_offers_the_provider_only_when_one_is_set(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with" not in page
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_a_principal_signs_in_through_the_provider_and_lands_on_their_home(app, client, oidc, caplog):
    page = client.get("/login").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in page and 'href="/login/oidc"' in page
    assert 'name="password"' in page  # PASSWORD_LOGIN is on by default
    authorize = begin(client)
    asked = query(authorize)
    assert authorize.startswith(oidc.issuer + "/auth?")
    assert asked["response_type"] == "code" and asked["client_id"] == oidc.client_id
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) >= 43
    assert asked["state"] and asked["nonce"] and asked["redirect_uri"] == oidc.redirect_uri
    assert set(asked["scope"].split()) == {"openid", "email", "profile"}
    back = PersonAtProvider(oidc).sign_in(authorize, "principal", oidc.redirect_uri)
    with caplog.at_level(logging.INFO, logger="portal"):
        response = finish(client, back)
    assert response.status_code == 303 and response.headers["Location"] == "/home"
    home = client.get("/home").get_data(as_text=True)
    assert "Welcome," in home and "Principal" in home
    with client.session_transaction() as session:
        assert session["login_at"] and session["oidc_id_token"] and session.permanent
        assert not [key for key in session if key.startswith("_state_")]
    assert any("log-in: user=principal@district.example role=principal via=oidc" in r.getMessage()
               for r in caplog.records)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
        assert user.last_login_at is not None


def test_the_address_is_matched_whatever_its_letters_case(client, oidc):
    response = sign_in(client, oidc, "capitals")  # Principal@District.EXAMPLE
    assert response.status_code == 303
    assert "Principal" in client.get("/home").get_data(as_text=True)


def test_claims_the_id_token_leaves_out_are_read_from_userinfo(client, oidc):
    response = sign_in(client, oidc, "userinfo-only")  # board@district.example, only in UserInfo
    assert response.status_code == 303
    assert "Board member" in client.get("/home").get_data(as_text=True)


def test_an_entra_id_address_is_verified_by_its_domain_owner_claim(client, oidc):
    """Entra ID sends no email_verified for an organisation's accounts; its xms_edov stands in."""
    assert sign_in(client, oidc, "entra").status_code == 303  # central@district.example, xms_edov true
    assert "Central office" in client.get("/home").get_data(as_text=True)


def test_next_takes_the_person_back_to_the_page_they_asked_for(client, oidc):
    first = client.get("/my-school")
    assert first.status_code == 302 and "next=" in first.headers["Location"]
    login_page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'href="/login/oidc?next=/my-school"' in login_page
    assert sign_in(client, oidc, "principal", next_url="/my-school").headers["Location"] == "/my-school"
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").get_data(as_text=True))})
    assert sign_in(client, oidc, "principal", next_url="//evil.example/").headers["Location"] == "/home"


def test_logging_out_ends_the_session_and_signs_out_at_the_provider(client, oidc, live_server):
    person = PersonAtProvider(oidc)
    assert finish(client, person.sign_in(begin(client), "principal", oidc.redirect_uri)).status_code == 303
    with client.session_transaction() as session:
        id_token = session["oidc_id_token"]
    token = csrf_from(client.get("/home").get_data(as_text=True))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith(oidc.discovery()["end_session_endpoint"] + "?")
    asked = query(location)
    assert asked["id_token_hint"] == id_token and asked["post_logout_redirect_uri"] == live_server + "/login"
    assert asked["client_id"] == oidc.client_id
    assert client.get("/home").status_code == 302
    # The provider takes the hint, asks, signs the person out and sends them back to the log-in page.
    page = person.browser.get(location, timeout=10)
    assert page.status_code == 200 and "Yes, sign me out" in page.text
    form = re.search(r'<form id="op.logoutForm" method="post" action="([^"]+)">'
                     r'<input type="hidden" name="xsrf" value="([^"]+)"/>', page.text)
    assert form, page.text[:500]
    done = person.browser.post(form.group(1), data={"xsrf": form.group(2), "logout": "yes"}, allow_redirects=False,
                               timeout=10)
    assert done.status_code == 303 and done.headers["Location"].startswith(live_server + "/login?")
    assert "You have logged out." in client.get("/login").get_data(as_text=True)


def test_an_id_token_too_long_for_the_cookie_signs_out_without_the_hint(client, oidc, monkeypatch):
    monkeypatch.setattr("portal.auth.oidc.HINT_LIMIT", 10)  # as an ID token with hundreds of groups
    sign_in(client, oidc, "principal")
    with client.session_transaction() as session:
        assert session["oidc_signed_in"] and "oidc_id_token" not in session
    response = client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").get_data(as_text=True))})
    asked = query(response.headers["Location"])
    assert "id_token_hint" not in asked and asked["client_id"] == oidc.client_id
    assert response.headers["Location"].startswith(oidc.discovery()["end_session_endpoint"])


def test_a_password_log_in_still_logs_out_to_the_log_in_page(client, oidc, auth):
    auth.login(ROLE_EMAILS[Role.board])
    assert auth.logout().headers["Location"] == "/login"


def test_the_page_allows_the_logout_form_to_go_on_to_the_provider(client, oidc):
    policy = client.get("/login").headers["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.issuer}" in policy


# ---------------------------------------------------------------- tokens the portal refuses


def test_an_id_token_issued_to_another_application_is_refused(client, oidc, monkeypatch, caplog):
    authorize = begin(client)
    other = other_apps_tokens(oidc, "principal", query(authorize)["nonce"])
    assert jwt_parts(other["id_token"])[1]["aud"] == oidc.other_client["id"]
    back = PersonAtProvider(oidc).sign_in(authorize, "principal", oidc.redirect_uri)
    with caplog.at_level(logging.WARNING, logger="portal"), token_endpoint(
            monkeypatch, oidc, lambda real: (200, {**real.json(), **other})):
        response = finish(client, back)
    assert_refused(client, response, 400, "could not be checked", PROVIDER_NAME)
    assert refusal_logged(caplog, "token", "aud")


def test_an_expired_id_token_is_refused(app, client, oidc, monkeypatch, caplog):
    app.config["OIDC_CLOCK_SKEW_SECONDS"] = 0
    back = PersonAtProvider(oidc).sign_in(begin(client), "expiring", oidc.redirect_uri)

    def late(real):  # the provider's ID tokens for this account live one second
        time.sleep(2.2)
        return real.status_code, real.json()

    with caplog.at_level(logging.WARNING, logger="portal"), token_endpoint(monkeypatch, oidc, late) as seen:
        response = finish(client, back)
    claims = jwt_parts(seen[0]["id_token"])[1]
    assert claims["exp"] - claims["iat"] == 1
    assert_refused(client, response, 400, "could not be checked")
    assert refusal_logged(caplog, "token", "xpired")


def _forged_email(token: str) -> str:
    header, payload, signature = jwt_parts(token)
    return jwt_of(header, {**payload, "email": ROLE_EMAILS[Role.admin]}, signature)


def _unsigned(token: str) -> str:
    header, payload, _ = jwt_parts(token)
    return jwt_of({**header, "alg": "none"}, payload, "")


def _bent_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    return f"{head}.{payload}.{signature[:10]}{'A' if signature[10] != 'A' else 'B'}{signature[11:]}"


@pytest.mark.parametrize("forge", [_forged_email, _unsigned, _bent_signature],
                         ids=["claims-changed", "alg-none", "signature-changed"])
def test_an_id_token_whose_signature_does_not_hold_is_refused(app, client, oidc, monkeypatch, caplog, forge):
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    with caplog.at_level(logging.WARNING, logger="portal"), token_endpoint(
            monkeypatch, oidc, lambda real: (200, {**real.json(), "id_token": forge(real.json()["id_token"])})):
        response = finish(client, back)
    assert_refused(client, response, 400, "could not be checked")
    assert refusal_logged(caplog, "token")


def test_an_id_token_from_an_earlier_sign_in_is_refused(client, oidc, monkeypatch, caplog):
    """An old, genuine ID token (its nonce another sign-in's) in place of this sign-in's."""
    with token_endpoint(monkeypatch, oidc, lambda real: (real.status_code, real.json())) as seen:
        assert sign_in(client, oidc, "principal").status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").get_data(as_text=True))})
    earlier = seen[0]
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    with caplog.at_level(logging.WARNING, logger="portal"), token_endpoint(
            monkeypatch, oidc, lambda real: (200, {**real.json(), "id_token": earlier["id_token"]})):
        response = finish(client, back)
    assert_refused(client, response, 400, "could not be checked")
    assert refusal_logged(caplog, "token", "nonce")


def test_a_nonce_is_taken_once_even_with_an_old_copy_of_the_session_cookie(client, oidc, monkeypatch, caplog):
    """The whole answer again: the same callback, the session cookie as it was before it, and the token
    endpoint's first answer. The state is in that cookie still; the nonce is spent on the server."""
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    before = client.get_cookie("portal_session").value
    with token_endpoint(monkeypatch, oidc, lambda real: (real.status_code, real.json())) as seen:
        assert finish(client, back).status_code == 303
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").get_data(as_text=True))})
    client.set_cookie("portal_session", before)
    with caplog.at_level(logging.WARNING, logger="portal"), token_endpoint(
            monkeypatch, oidc, lambda real: (200, seen[0])):
        response = finish(client, back)
    assert_refused(client, response, 400, "could not be checked")
    assert refusal_logged(caplog, "token", "nonce was used before")


def test_an_answer_with_another_state_is_refused(client, oidc):
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    forged = with_query(back, state=secrets.token_urlsafe(20))
    assert_refused(client, finish(client, forged), 400, "This sign-in had expired")
    # Nor may the genuine answer be used after it: the refusal ended the sign-in.
    assert_refused(client, finish(client, back), 400, "This sign-in had expired")


def test_an_answer_that_comes_back_too_late_is_refused(client, oidc):
    """A sign-in's state lives in the session cookie, and Authlib does not age it: the portal does."""
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    with clock.set_now(clock.now_aware() + timedelta(minutes=16)):
        response = finish(client, back)
    assert_refused(client, response, 400, "This sign-in had expired")


def test_an_answer_opened_in_another_browser_is_refused(app, client, oidc):
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    stranger = app.test_client()
    assert_refused(stranger, finish(stranger, back), 400, "This sign-in had expired")


def test_an_answer_from_another_issuer_is_refused(client, oidc):
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    assert query(back)["iss"] == oidc.issuer  # RFC 9207: the provider names itself in its answer
    assert_refused(client, finish(client, with_query(back, iss="https://another.example")), 400)


# ---------------------------------------------------------------- people the portal refuses


def test_an_address_the_provider_has_not_verified_is_refused(client, oidc, caplog):
    with caplog.at_level(logging.WARNING, logger="portal"):
        response = sign_in(client, oidc, "unverified")
    assert_refused(client, response, 403, "Your e-mail address is not verified",
                   "has not confirmed that principal@district.example is yours")
    assert refusal_logged(caplog, "unverified", "principal@district.example")


def test_a_sign_in_without_an_address_is_refused(app, client, oidc):
    app.config["OIDC_SCOPES"] = "openid profile"  # the provider then sends no e-mail, nor does UserInfo
    assert_refused(client, sign_in(client, oidc, "principal"), 403, "No e-mail address came with your sign-in")


def test_someone_the_portal_does_not_know_is_refused(client, oidc):
    assert_refused(client, sign_in(client, oidc, "stranger"), 403, "There is no portal account for you",
                   "stranger@elsewhere.example", "ask your portal administrator")


def test_a_deactivated_person_is_refused(client, oidc, ctx, factories):
    person = User(email="deactivated.person@district.example", name="Turned Off", role=Role.board,
                  password_hash=UNUSABLE_PASSWORD, active=False)
    ctx.add(person)
    factories.adopt(person)
    ctx.commit()
    assert_refused(client, sign_in(client, oidc, "deactivated"), 403, "Your portal account is turned off",
                   "deactivated.person@district.example")


# ---------------------------------------------------------------- the provider fails or refuses


def test_cancelling_at_the_provider_is_refused_plainly(client, oidc, caplog):
    back = PersonAtProvider(oidc).cancel(begin(client), oidc.redirect_uri)
    assert query(back)["error"] == "access_denied"
    with caplog.at_level(logging.WARNING, logger="portal"):
        response = finish(client, back)
    assert_refused(client, response, 403, "You were not signed in", "cancelled or refused at Test District")
    assert refusal_logged(caplog, "cancelled", "access_denied")


def test_a_provider_error_in_the_answer_is_a_bad_gateway(client, oidc):
    state = query(begin(client))["state"]
    response = client.get(f"/login/oidc/callback?error=server_error&error_description=down&state={state}")
    assert_refused(client, response, 502, "could not sign you in")


def test_an_error_that_belongs_to_no_sign_in_of_this_browser_is_only_expired(client, oidc):
    begin(client)
    response = client.get("/login/oidc/callback?error=server_error&error_description=down&state=forged")
    assert_refused(client, response, 400, "This sign-in had expired")


def test_a_failing_token_endpoint_is_a_bad_gateway(app, client, oidc, caplog):
    app.config["OIDC_CLIENT_SECRET"] = "not-the-secret"  # the provider's token endpoint answers 401
    back = PersonAtProvider(oidc).sign_in(begin(client), "principal", oidc.redirect_uri)
    with caplog.at_level(logging.WARNING, logger="portal"):
        response = finish(client, back)
    assert_refused(client, response, 502, "could not sign you in")
    assert refusal_logged(caplog, "provider_error", "invalid_client")


def test_a_provider_that_cannot_be_reached_is_a_bad_gateway(app, client, oidc):
    app.config["OIDC_ISSUER"] = "http://127.0.0.1:9"  # nothing listens there
    assert_refused(client, client.get("/login/oidc"), 502, "cannot be reached")


def test_a_discovery_document_naming_another_issuer_is_refused(app, client, oidc, caplog):
    app.config["OIDC_ISSUER"] = oidc.issuer.replace("127.0.0.1", "localhost")  # the same server
    with caplog.at_level(logging.WARNING, logger="portal"):
        response = client.get("/login/oidc")
    assert_refused(client, response, 502, "cannot be reached")
    assert refusal_logged(caplog, "unreachable", "issuer")


# ---------------------------------------------------------------- the group mapping


@pytest.fixture
def mapped(app, oidc, tmp_path, ctx, factories):
    """A school of its own, and a mapping whose group principals-pilot makes its principal."""
    school = factories.school("elementary")
    path = tmp_path / "groups.yml"
    path.write_text(f"rules:\n  - group: principals-pilot\n    role: principal\n    school: '{school.code}'\n"
                    "  - group: principals-{school}\n    role: principal\n")
    app.config["OIDC_GROUP_MAP"] = str(path)
    app.config["OIDC_SCOPES"] = "openid email profile groups"  # the provider sends groups for this scope
    return school  # the person made for it goes with it when the test ends


def test_a_person_a_mapped_group_covers_is_made_on_first_sign_in(app, client, oidc, mapped, ctx):
    response = sign_in(client, oidc, "newcomer")
    assert response.status_code == 303
    assert mapped.name in client.get("/my-school", follow_redirects=True).get_data(as_text=True)
    made = ctx.scalar(select(User).where(User.email == "new.principal@district.example"))
    assert made.role == Role.principal and made.school_id == mapped.id and made.name == "Nia Newcomer"
    assert made.password_hash == UNUSABLE_PASSWORD and made.last_login_at is not None
    event = ctx.scalar(select(AuditEvent).where(AuditEvent.entity == "user", AuditEvent.entity_id == made.id))
    assert event.action == "create_on_sign_in" and event.actor_id == made.id
    assert event.details["group"] == "principals-pilot" and event.details["issuer"] == oidc.issuer
    # The second time, the person is there already: nobody new, no second event.
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").get_data(as_text=True))})
    assert sign_in(client, oidc, "newcomer").status_code == 303
    ctx.expire_all()
    assert len(ctx.scalars(select(User).where(User.email == "new.principal@district.example")).all()) == 1
    assert len(ctx.scalars(select(AuditEvent).where(AuditEvent.entity == "user",
                                                    AuditEvent.entity_id == made.id)).all()) == 1


def test_a_person_no_rule_covers_is_still_refused(client, oidc, mapped):
    assert_refused(client, sign_in(client, oidc, "stranger"), 403, "There is no portal account for you")


def test_the_mapping_file(tmp_path):
    mapping = group_map.parse(
        "rules:\n"
        "  - {group: 'principals-{school}', role: principal}\n"
        "  - {group: 'leaders-{region}-team', role: regional_leader}\n"
        "  - {group: instruction, role: central_office, office: instruction}\n"
        "  - {group: Board of Education, role: board}\n")
    grants = mapping.grants(["staff", "Board of Education", "principals-1234", "leaders-C-team"])
    assert [(g.role, g.scope, g.group) for g in grants] == [
        (Role.principal, {"school_code": "1234"}, "principals-1234"),
        (Role.regional_leader, {"region_code": "C"}, "leaders-C-team"),
        (Role.board, {}, "Board of Education")]
    assert mapping.grants(["principals-", "Principals-1234", "principals-12 34", "instruction"])[0].scope == \
        {"office_code": "instruction"}
    for text, words in [
        ("rules:\n  - {group: admins, role: admin}\n", "never given by a group"),
        ("rules:\n  - {group: principals, role: principal}\n", "needs its school"),
        ("rules:\n  - {group: 'board-{school}', role: board}\n", "has no school"),
        ("rules:\n  - {group: x, role: board, colour: red}\n", "unknown key"),
        ("rules:\n  - {group: '{school}-{region}', role: principal}\n", "not several"),
        ("rules:\n  - {group: x, role: janitor}\n", "is not one of"),
        ("groups: []\n", "rules:"),
        ("rules: [\n", "not YAML"),
    ]:
        with pytest.raises(group_map.GroupMapError, match=words):
            group_map.parse(text)
    broken = tmp_path / "broken.yml"
    broken.write_text("rules:\n  - {group: admins, role: admin}\n")
    with pytest.raises(RuntimeError, match="OIDC_GROUP_MAP"):
        check_group_map(str(broken))


# ---------------------------------------------------------------- settings


def test_password_log_in_can_be_turned_off(app, client, oidc, auth):
    app.config["PASSWORD_LOGIN"] = False
    page = client.get("/login").get_data(as_text=True)
    assert f"Sign in with {PROVIDER_NAME}" in page and 'name="password"' not in page
    token = csrf_from(page)
    response = client.post("/login", data={"email": ROLE_EMAILS[Role.principal], "password": "test-demo-password",
                                           "csrf_token": token})
    assert response.status_code == 403
    assert "Log-in with a password is turned off" in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    assert sign_in(client, oidc, "principal").status_code == 303


@pytest.mark.parametrize("settings,words", [
    ({"PASSWORD_LOGIN": False}, "nobody could log in"),
    ({"OIDC_ISSUER": "https://login.example/tenant/v2.0"}, "OIDC_CLIENT_ID"),
    ({"OIDC_ISSUER": "http://login.example", "OIDC_CLIENT_ID": "x", "PORTAL_ENV": "production",
      "SECRET_KEY": "a-long-and-random-secret-key-for-this-test"}, "https://"),
    ({"OIDC_ISSUER": "https://login.example", "OIDC_CLIENT_ID": "x", "OIDC_SCOPES": "email profile"}, "openid"),
])
def test_sign_in_settings_that_cannot_work_stop_the_portal_from_starting(tmp_path, settings, words):
    with pytest.raises(RuntimeError, match=words):
        config.load(str(tmp_path), {"PORTAL_ENV": "testing", **settings})
