"""Sign-in through the district's OpenID Connect identity provider (docs/sign-in.md), with Authlib's
Flask client: the authorization code flow with PKCE (S256), state and nonce, and an ID token that must
be signed with a key of the provider's JWKS, issued by the configured issuer, to this portal's client,
unexpired, and carry the nonce of the sign-in this browser started. Each nonce is taken once: the
sign-in's state and nonce leave the session when the provider answers, and a nonce already used is
refused even with an old copy of the session cookie.

Every way this can fail ends in a `Refused`, whose kind chooses the page the person sees."""
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app, request, session, url_for
from joserfc.errors import JoseError

from portal.extensions import limiter
from portal.kernel import clock
from portal.org import group_map
from portal.org.identity import Identity

CLIENT_NAME = "idp"  # Authlib keeps a sign-in's state in the session under _state_idp_<state>
DISCOVERY = "/.well-known/openid-configuration"
# ID tokens are checked only with the provider's public keys: never "none", never a shared secret.
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
                      "Ed25519")
# A sign-in must come back from the provider this soon after it started (time enough for a second
# factor there); a nonce is remembered as spent for longer than that.
SIGN_IN_SECONDS = 15 * 60
NONCE_LIFETIME = 3600
# An ID token longer than this (one carrying hundreds of groups) is not kept for the sign-out's
# id_token_hint: the session cookie must stay under the browsers' 4 KB.
HINT_LIMIT = 2000


class Refused(Exception):
    """The sign-in did not happen. `kind` is one of cancelled, provider_error, unreachable, state, token."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class SignedIn:
    identity: Identity
    id_token: str


def enabled() -> bool:
    return bool(current_app.config["OIDC_ISSUER"])


def provider_name() -> str:
    return current_app.config["OIDC_PROVIDER_NAME"]


def issuer() -> str:
    return current_app.config["OIDC_ISSUER"].rstrip("/")


def client():
    """Authlib's client for the configured provider (made again when the settings change)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cfg = app.config
    key = (cfg["OIDC_ISSUER"], cfg["OIDC_CLIENT_ID"], cfg["OIDC_CLIENT_SECRET"], cfg["OIDC_SCOPES"],
           cfg["OIDC_TIMEOUT_SECONDS"])
    cached = app.extensions.get("portal.oidc")
    if cached is None or cached[0] != key:
        oauth = OAuth(app)
        remote = oauth.register(
            CLIENT_NAME, client_id=cfg["OIDC_CLIENT_ID"], client_secret=cfg["OIDC_CLIENT_SECRET"],
            server_metadata_url=issuer() + DISCOVERY,
            client_kwargs={"scope": cfg["OIDC_SCOPES"], "code_challenge_method": "S256",
                           "default_timeout": cfg["OIDC_TIMEOUT_SECONDS"]})
        cached = (key, remote)
        app.extensions["portal.oidc"] = cached
    return cached[1]


def metadata() -> dict:
    """The provider's discovery document, read once; its issuer must be the one configured."""
    remote = client()
    data = remote.load_server_metadata()
    if data.get("issuer", "").rstrip("/") != issuer():
        remote.server_metadata.pop("_loaded_at", None)  # read it again next time
        raise Refused("unreachable", f"the discovery document names the issuer {data.get('issuer')!r}")
    data["id_token_signing_alg_values_supported"] = [
        alg for alg in data.get("id_token_signing_alg_values_supported") or ["RS256"] if alg in SIGNING_ALGORITHMS]
    origins = current_app.extensions.setdefault("portal.form_action_origins", set())
    origins.update(_origin(data[name]) for name in ("end_session_endpoint",) if data.get(name))
    return data


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def redirect_uri() -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.oidc_callback")


def authorize_redirect():
    """The redirect to the provider's sign-in, with a fresh state, nonce and PKCE verifier in the session."""
    try:
        metadata()
        response = client().authorize_redirect(redirect_uri())
        session["oidc_started"] = clock.timestamp()
        return response
    except Refused:
        raise
    except Exception as exc:  # discovery down, a broken document: never a traceback
        current_app.logger.warning("identity provider unreachable: %r", exc)
        raise Refused("unreachable", repr(exc)) from None


def _callback_checks() -> None:
    """Before anything is sent to the provider: the answer belongs to a sign-in this browser started
    (Authlib checks the state again), and is not an error or an answer from another issuer."""
    state = request.args.get("state") or ""
    if not session.get(f"_state_{CLIENT_NAME}_{state}"):
        raise Refused("state", "no sign-in of this browser has that state")
    age = clock.timestamp() - session.get("oidc_started", 0)
    if not 0 <= age <= SIGN_IN_SECONDS:  # Authlib keeps a state in the session cookie for good
        raise Refused("state", f"the sign-in started {age:.0f} seconds ago")
    error = request.args.get("error")
    if error:
        kind = "cancelled" if error == "access_denied" else "provider_error"
        raise Refused(kind, f"{error}: {request.args.get('error_description', '')}"[:300])
    sent_by = request.args.get("iss")
    if sent_by is not None and sent_by.rstrip("/") != issuer():  # RFC 9207: a mix-up of providers
        raise Refused("state", f"the answer names the issuer {sent_by[:200]!r}")


def _token() -> dict:
    cfg = current_app.config
    try:
        # The claims every ID token must carry, and the values iss and aud must have (Authlib checks
        # the signature, exp, iat and nonce itself; without these options it would not check aud).
        options = {"iss": {"essential": True, "value": metadata()["issuer"]},
                   "aud": {"essential": True, "value": cfg["OIDC_CLIENT_ID"]},
                   "sub": {"essential": True}, "nonce": {"essential": True}}
        token = client().authorize_access_token(claims_options=options, leeway=cfg["OIDC_CLOCK_SKEW_SECONDS"])
    except Refused:
        raise
    except MismatchingStateError:
        raise Refused("state", "no sign-in of this browser has that state") from None
    except JoseError as exc:
        raise Refused("token", f"the ID token was refused: {exc!r}") from None
    except OAuthError as exc:
        raise Refused("provider_error", f"the token endpoint refused: {exc!r}") from None
    except Exception as exc:  # the provider down or answering nonsense
        raise Refused("unreachable", repr(exc)) from None
    if not token.get("userinfo") or not token.get("id_token"):
        raise Refused("token", "the token response held no ID token")
    return token


def _first_use(nonce: str) -> bool:
    """Take the nonce: True the first time, False ever after (within its lifetime), on every worker that
    shares the throttling store."""
    return limiter.storage.incr(f"oidc-nonce/{nonce}", NONCE_LIFETIME) == 1


def _with_userinfo(token: dict, claims: dict) -> dict:
    """Claims the ID token left out (some providers send the e-mail only from UserInfo), for the same person."""
    complete = "email" in claims and ("email_verified" in claims or "xms_edov" in claims)
    if complete or not metadata().get("userinfo_endpoint"):
        return claims
    try:
        info = client().userinfo(token=token)
    except Exception as exc:  # the provider down or answering nonsense
        raise Refused("unreachable", f"UserInfo: {exc!r}") from None
    if info.get("sub") != claims["sub"]:
        raise Refused("token", "UserInfo is about someone else")
    return {**info, **claims}


def complete() -> SignedIn:
    """The provider's answer at the callback, checked: who the person is, by the provider's word."""
    _callback_checks()
    token = _token()
    claims = dict(token["userinfo"])
    if not isinstance(claims.get("nonce"), str) or not _first_use(claims["nonce"]):
        raise Refused("token", "the ID token's nonce was used before")
    claims = _with_userinfo(token, claims)
    groups = claims.get(current_app.config["OIDC_GROUPS_CLAIM"]) or []
    email, name = claims.get("email"), claims.get("name")
    identity = Identity(
        email=email if isinstance(email, str) else "",
        email_verified=_verified(claims),
        name=name if isinstance(name, str) else "",
        groups=tuple(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else (),
        issuer=claims["iss"], subject=claims["sub"])
    return SignedIn(identity, token["id_token"])


def _verified(claims: dict) -> bool:
    """Whether the provider vouches for the e-mail address: email_verified true; or, from Microsoft Entra
    ID, which never sends email_verified for an organisation's accounts, its xms_edov claim true (the
    address's domain belongs to the tenant, and the issuer is that tenant's own)."""
    if "email_verified" in claims:
        return _true(claims["email_verified"])
    return _true(claims.get("xms_edov"))


def _true(value) -> bool:
    """JSON true, or the string "true" some providers send instead."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def mapping() -> group_map.GroupMap | None:
    path = current_app.config["OIDC_GROUP_MAP"]
    return group_map.load(path) if path else None


def end_session_url(id_token: str | None) -> str | None:
    """Where to send someone who signed in through the provider when they log out, if it says: its
    sign-out, with the ID token as the hint of who (when kept) and the log-in page to come back to."""
    try:
        if not metadata().get("end_session_endpoint"):
            return None
        login_page = current_app.config["PORTAL_BASE_URL"].rstrip("/") + url_for("auth.login")
        return client().create_logout_url(post_logout_redirect_uri=login_page, id_token_hint=id_token or None,
                                          client_id=current_app.config["OIDC_CLIENT_ID"])["url"]
    except Exception as exc:  # the portal's session is over either way
        current_app.logger.warning("identity provider's sign-out unavailable: %r", exc)
        return None


def forget_sign_in_state() -> None:
    """Whatever a sign-in left in the session: its state and nonce are never used twice."""
    for key in [k for k in session if k.startswith(f"_state_{CLIENT_NAME}_") or k == "oidc_started"]:
        session.pop(key)
