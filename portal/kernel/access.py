"""Who may reach what: one declared rule per endpoint, enforced before every request.

Every view declares its rule with @public or @allow(...). A request to an endpoint with no
rule is refused (default deny), and tests walk app.url_map to prove every route has one.
Record-level scope (own school, own region, own office) lives with each domain's records (for
schools, portal.org.scope), and `deny` refuses a record out of scope the same way everywhere.
"""
from dataclasses import dataclass

from flask import abort, current_app, request
from flask_login import current_user

from portal.kernel import clock
from portal.kernel.policy import ALL_ROLES, Role


@dataclass(frozen=True)
class Rule:
    public: bool
    roles: frozenset

    def admits(self, user) -> bool:
        if self.public:
            return True
        return user.is_authenticated and user.role in self.roles


# Flask's own endpoints that are open to everyone.
_BUILTIN_PUBLIC = {"static"}


def _register(view, rule: Rule):
    view._access_rule = rule
    return view


def public(view):
    """Reachable without logging in."""
    return _register(view, Rule(public=True, roles=ALL_ROLES))


def allow(*roles: Role):
    """Reachable by a logged-in user whose role is one of `roles` (all roles when none given)."""
    def decorator(view):
        return _register(view, Rule(public=False, roles=frozenset(roles) or ALL_ROLES))
    return decorator


def rule_for(endpoint: str) -> Rule | None:
    if endpoint in _BUILTIN_PUBLIC or endpoint.endswith(".static"):
        return Rule(public=True, roles=ALL_ROLES)
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "_access_rule", None)


def enforce():
    """before_request hook: apply the endpoint's rule; no rule means no access."""
    if request.endpoint is None:  # 404 / 405: let Flask answer
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("access denied: endpoint %s has no access rule", request.endpoint)
        abort(403)
    if rule.public:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
    if current_user.role not in rule.roles:
        log_denied(403, "role")
        abort(403)
    return None


def log_denied(status: int, reason: str) -> None:
    """Who asked for what, when, and why they were refused: for the security log."""
    who = current_user.email if current_user.is_authenticated else "anonymous"
    role = current_user.role.value if current_user.is_authenticated else "-"
    current_app.logger.warning(
        "access denied: user=%s role=%s endpoint=%s method=%s path=%s status=%s reason=%s at=%s",
        who, role, request.endpoint, request.method, request.path, status, reason,
        clock.now_aware().isoformat(timespec="seconds"),
    )


def deny(status: int = 404, reason: str = "outside the person's scope"):
    """Refuse a record that exists but is outside the person's reach, and log it. 404 hides that
    the record exists; 403 is for records the person may read but not change."""
    log_denied(status, reason)
    abort(status)
