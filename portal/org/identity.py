"""Who someone signing in through the district's identity provider is, in the portal: the active person
from the people import with their verified e-mail address (any letters' case), who keeps their role and
scope; or, when a group mapping covers one of their groups, a person made for them on their first
sign-in (recorded in the audit trail). Anyone else is refused, with the reason."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal.extensions import db
from portal.kernel.audit import AuditEvent
from portal.org import imports
from portal.org.group_map import GroupMap
from portal.org.models import User

NAME_LENGTH = 120


@dataclass(frozen=True)
class Identity:
    """What the provider says about the person, from a verified ID token (and UserInfo)."""

    email: str
    email_verified: bool
    name: str
    groups: tuple[str, ...]
    issuer: str
    subject: str


class NotAdmitted(Exception):
    """The provider signed the person in, but the portal will not: `reason` is one of no_email,
    unverified, unknown, deactivated."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def person_for(identity: Identity, mapping: GroupMap | None) -> User:
    """The portal's person for this identity (made and flushed when a mapping covers them)."""
    email = identity.email.strip().lower()
    if not email:
        raise NotAdmitted("no_email")
    if not identity.email_verified:
        raise NotAdmitted("unverified")
    user = db.session.scalar(select(User).where(func.lower(User.email) == email))
    if user is not None:
        if not user.active:
            raise NotAdmitted("deactivated")
        return user
    if mapping is None:
        raise NotAdmitted("unknown", "no group mapping")
    return _created(identity, email, mapping)


def _name(identity: Identity, email: str) -> str:
    name = " ".join(identity.name.split())[:NAME_LENGTH]
    return name or email.split("@", 1)[0][:NAME_LENGTH]


def _created(identity: Identity, email: str, mapping: GroupMap) -> User:
    name = _name(identity, email)
    refused = []
    for grant in mapping.grants(identity.groups):
        errors = imports.validate_user_fields(email, name, grant.role.value, grant.scope)
        if errors:  # e.g. a school code the portal does not have: the next rule may still cover them
            refused.append(f"{grant.group}: {' '.join(errors)}")
            continue
        user = imports.build_user(email, name, grant.role.value, grant.scope)
        db.session.add(user)
        db.session.flush()
        db.session.add(AuditEvent(
            entity="user", entity_id=user.id, action="create_on_sign_in", to_state=user.role.value,
            comment=f"Made on first sign-in: the group {grant.group} (rule {grant.rule}) gives the role "
                    f"{user.role.title} ({user.scope_label}).",
            details={"email": email, "group": grant.group, "rule": grant.rule, "scope": grant.scope,
                     "issuer": identity.issuer, "subject": identity.subject},
            actor_id=user.id, actor_role=user.role.value))
        db.session.flush()
        return user
    raise NotAdmitted("unknown", "; ".join(refused) or f"no rule covers the groups {list(identity.groups)}")
