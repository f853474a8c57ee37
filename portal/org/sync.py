"""Accounts that follow the people import: a file in sync mode is the district's whole list of people.

plan_sync() reads the file and says, without changing anything, what applying it would do: accounts
to create, to change (name, role or scope), to deactivate (active people missing from the file) and
to reactivate (inactive people back in it). apply_sync() does exactly that, with an audit event for
each account, and ends the sessions of everyone whose access changed. The plan carries a fingerprint
of its changes: applying it refuses when the accounts have changed since the preview, so what the
administrator confirmed is what happens. Administrators are never deactivated by a sync (the break-glass
account is rarely in the district's list); they are managed on the People page."""
import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from portal.extensions import db
from portal.imports.report import ImportReport
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.imports import account_values, check_users
from portal.org.models import UNUSABLE_PASSWORD, Office, Region, School, User


class StaleSync(Exception):
    """The accounts changed between the preview and its confirmation: preview the file again."""


@dataclass
class Change:
    email: str
    name: str
    action: str  # create | update | deactivate | reactivate
    before: str = ""  # the role and scope before, in words
    after: str = ""
    values: dict = field(default_factory=dict)


@dataclass
class SyncPlan:
    report: ImportReport
    changes: list[Change] = field(default_factory=list)
    kept_admins: list[str] = field(default_factory=list)  # administrators missing from the file, kept active

    def of(self, action: str) -> list[Change]:
        return [c for c in self.changes if c.action == action]

    @property
    def role_changes(self) -> int:
        return sum(1 for c in self.changes if c.action in {"update", "reactivate"} and c.before != c.after)

    @property
    def fingerprint(self) -> str:
        text = "\n".join(f"{c.action}|{c.email}|{c.name}|{c.before}|{c.after}" for c in self.changes)
        return hashlib.sha256(text.encode()).hexdigest()


def _scope_names() -> dict[str, dict[int, str]]:
    return {"school_id": dict(db.session.execute(select(School.id, School.code)).all()),
            "region_id": dict(db.session.execute(select(Region.id, Region.code)).all()),
            "office_id": dict(db.session.execute(select(Office.id, Office.code)).all())}


def _describe(role: Role, values: dict, names: dict) -> str:
    """"Principal of 1234", "Regional leader of E", "Board member": a role and its scope, in words."""
    for column, codes in names.items():
        if values.get(column):
            return f"{role.title} of {codes.get(values[column], '?')}"
    return role.title


def plan_sync(data: bytes, actor: User | None) -> SyncPlan:
    report, checked, existing = check_users(data, actor)
    plan = SyncPlan(report)
    if report.errors:
        return plan
    names = _scope_names()
    listed = set()
    for _, (email, name, role, ids) in sorted(checked, key=lambda row: row[1][0]):
        listed.add(email)
        values = account_values(name, role, ids)
        after = _describe(role, values, names)
        user = existing.get(email)
        if user is None:
            plan.changes.append(Change(email, name, "create", "", after, values))
            continue
        now = {k: getattr(user, k) for k in values}
        before = _describe(user.role, now, names)
        if not user.active:
            plan.changes.append(Change(email, name, "reactivate", before, after, values))
        elif now != values:
            plan.changes.append(Change(email, name, "update", before, after, values))
    for email, user in sorted(existing.items()):
        if email in listed or not user.active:
            continue
        if user.role == Role.admin:
            plan.kept_admins.append(email)
        else:
            plan.changes.append(Change(email, user.name, "deactivate", _describe(user.role, {
                k: getattr(user, k) for k in ("school_id", "region_id", "office_id")}, names), "", {}))
    report.created = len(plan.of("create"))
    report.updated = len(plan.changes) - report.created
    report.unchanged = len(checked) - len(plan.of("create")) - len(plan.of("update")) - len(plan.of("reactivate"))
    return plan


def apply_sync(plan: SyncPlan, actor: User) -> None:
    """Carry out the plan (which must have no errors), each account's change with its audit event."""
    accounts = {u.email: u for u in db.session.scalars(select(User).where(
        User.email.in_([c.email for c in plan.changes])))}
    for change in plan.changes:
        found = accounts.get(change.email)
        if change.action == "create":
            user = User(email=change.email, password_hash=UNUSABLE_PASSWORD, **change.values)
            db.session.add(user)
            db.session.flush()
        elif found is None:
            raise StaleSync(f"The account {change.email} is no longer there.")
        else:
            user = found
            user.active = change.action != "deactivate"
            for key, value in change.values.items():
                setattr(user, key, value)
            user.end_sessions()  # a changed role, scope or standing takes effect at once
        db.session.add(AuditEvent(entity="user", entity_id=user.id, action=f"sync_{change.action}",
                                  from_state=None, to_state=None, comment=_comment(change),
                                  actor_id=actor.id, actor_role=actor.role.value))
    db.session.flush()


def _comment(change: Change) -> str:
    if change.action == "create":
        return f"Created by the people sync as {change.after}."
    if change.action == "deactivate":
        return f"Deactivated by the people sync: not in the district's list (was {change.before})."
    if change.before != change.after:
        return f"{change.action.title()}d by the people sync: {change.before} → {change.after}."
    return f"{change.action.title()}d by the people sync."
