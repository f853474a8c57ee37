"""The group mapping file (OIDC_GROUP_MAP): which of the identity provider's groups make someone not yet
in the portal a person with a role and a scope, on their first sign-in (docs/sign-in.md).

    rules:
      - group: principals-{school}   # {school}, {region} or {office}: that part of the group is the code
        role: principal
      - group: leaders-{region}
        role: regional_leader
      - group: instruction-staff
        role: central_office
        office: instruction          # or a fixed code for the role's scope
      - group: board-members
        role: board

The rules are read in order and the first whose group the person is in, with a scope the portal knows,
decides. A group matches whole and exactly (letters' case included). The administrator role is never
given by a group: administrators come from the people import.
"""
import os
import re
from dataclasses import dataclass

import yaml

from portal.kernel.policy import ROLE_SCOPE, Role

SCOPE_KINDS = ("school", "region", "office")
_PLACEHOLDER = re.compile(r"\{(school|region|office)\}")
_CODE = "([A-Za-z0-9][A-Za-z0-9_.-]{0,39})"


class GroupMapError(ValueError):
    """The mapping file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Grant:
    """What one of the person's groups gives: a role and the scope columns of the people import."""

    role: Role
    scope: dict
    group: str  # the person's group that matched
    rule: str  # the rule's group pattern


@dataclass(frozen=True)
class Rule:
    pattern: str
    matcher: re.Pattern
    role: Role
    placeholder: str | None
    fixed: dict

    def grant(self, group: str) -> Grant | None:
        match = self.matcher.fullmatch(group)
        if match is None:
            return None
        scope = dict(self.fixed)
        if self.placeholder:
            scope[f"{self.placeholder}_code"] = match.group(1)
        return Grant(self.role, scope, group, self.pattern)


@dataclass(frozen=True)
class GroupMap:
    rules: tuple[Rule, ...]

    def grants(self, groups) -> list[Grant]:
        """Every grant the person's groups give, the first rule's first."""
        found = []
        for rule in self.rules:
            found += [grant for group in groups if (grant := rule.grant(group)) is not None]
        return found


def _rule(index: int, raw) -> Rule:
    where = f"rule {index}"
    if not isinstance(raw, dict):
        raise GroupMapError(f"{where}: write each rule as group:, role: and (for some roles) a scope.")
    unknown = set(raw) - {"group", "role", *SCOPE_KINDS}
    if unknown:
        raise GroupMapError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}.")
    pattern, role_name = raw.get("group"), raw.get("role")
    if not isinstance(pattern, str) or not pattern.strip():
        raise GroupMapError(f"{where}: group: must name a group.")
    try:
        role = Role(str(role_name).strip())
    except ValueError:
        raise GroupMapError(f"{where}: role: {role_name!r} is not one of "
                            f"{', '.join(r.value for r in Role if r != Role.admin)}.") from None
    if role == Role.admin:
        raise GroupMapError(f"{where}: the administrator role is never given by a group; add administrators "
                            "with the people import.")
    placeholders = _PLACEHOLDER.findall(pattern)
    if len(placeholders) > 1:
        raise GroupMapError(f"{where}: a group can hold one of {{school}}, {{region}} or {{office}}, not several.")
    fixed = {f"{kind}_code": str(raw[kind]).strip() for kind in SCOPE_KINDS if raw.get(kind) not in (None, "")}
    given = placeholders + [key.removesuffix("_code") for key in fixed]
    needed = ROLE_SCOPE[role]
    if needed is None and given:
        raise GroupMapError(f"{where}: a {role.title.lower()} has no school, region or office.")
    if needed is not None and given != [needed]:
        raise GroupMapError(f"{where}: a {role.title.lower()} needs its {needed}: put {{{needed}}} in the group "
                            f"or add {needed}: with a code.")
    parts = _PLACEHOLDER.split(pattern)
    regex = re.escape(parts[0]) + (_CODE + re.escape(parts[2]) if placeholders else "")
    return Rule(pattern, re.compile(regex), role, placeholders[0] if placeholders else None, fixed)


def parse(text: str) -> GroupMap:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise GroupMapError(f"not YAML: {exc}") from None
    rules = data.get("rules") if isinstance(data, dict) else None
    if not isinstance(rules, list):
        raise GroupMapError("the file must hold rules: with a list of rules under it.")
    return GroupMap(tuple(_rule(index, raw) for index, raw in enumerate(rules, start=1)))


_loaded: dict[str, tuple[float, GroupMap]] = {}


def load(path: str) -> GroupMap:
    """The mapping in the file at `path`, read again when the file changes."""
    try:
        changed = os.stat(path).st_mtime
        cached = _loaded.get(path)
        if cached is not None and cached[0] == changed:
            return cached[1]
        with open(path, encoding="utf-8") as handle:
            mapping = parse(handle.read())
    except OSError as exc:
        raise GroupMapError(f"cannot read {path}: {exc.strerror}") from None
    except GroupMapError as exc:
        raise GroupMapError(f"{path}: {exc}") from None
    _loaded[path] = (changed, mapping)
    return mapping
