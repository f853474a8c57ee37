"""Imports of schools and user accounts from CSV or Excel: every row is checked first, then all rows are
written in one transaction, or none are. Problems come back row by row."""
import re

from sqlalchemy import select

from portal.extensions import db
from portal.imports.reader import TableSpec, read_upload
from portal.imports.report import ImportReport, RowError
from portal.kernel.addresses import is_address
from portal.kernel.numbers import parse_int, ungroup
from portal.kernel.policy import ROLE_SCOPE, Role
from portal.org.models import LEVELS, UNUSABLE_PASSWORD, Office, Region, School, User

SCHOOL_COLUMNS = ["code", "name", "level", "grade_low", "grade_high", "enrolment", "region", "priority_tier"]
USER_COLUMNS = ["email", "name", "role", "school_code", "region_code", "office_code"]
MAX_ROWS = 50_000


SCHOOL_SPEC = TableSpec(columns=tuple(SCHOOL_COLUMNS), max_rows=MAX_ROWS)
USER_SPEC = TableSpec(columns=tuple(USER_COLUMNS), max_rows=MAX_ROWS)


def parse_grade(value: str) -> int | None:
    value = value.strip().upper()
    if value in {"K", "TK"}:
        return 0
    grade = parse_int(value)
    if grade is not None and grade <= 12:
        return grade
    return None


def import_csv(kind: str, data: bytes, actor: User | None = None, filename: str = "") -> ImportReport:
    """`actor` is the administrator importing (None from the command line); `filename` says whether the
    file is CSV or an Excel workbook (CSV when not given)."""
    if kind == "schools":
        return import_schools(data, filename or "schools.csv")
    if kind == "users":
        return import_users(data, actor, filename or "people.csv")
    raise ValueError(f"unknown import kind {kind!r}")


def import_schools(data: bytes, filename: str = "schools.csv") -> ImportReport:
    report = ImportReport("schools")
    frame = read_upload(data, filename, SCHOOL_SPEC, report)
    if frame is None:
        return report
    regions = {}
    for region in db.session.scalars(select(Region)):
        for key in (region.code, region.short_name, region.name):
            regions[key.lower()] = region.id
    existing = {s.code: s for s in db.session.scalars(select(School))}
    seen: dict[str, int] = {}
    rows = []
    for index, rec in enumerate(frame.to_dict("records"), start=2):
        values, errs = _check_school(rec, index, seen, regions)
        for column, message in errs:
            report.errors.append(RowError(index, column, message))
        if values is not None:
            rows.append(values)
    if report.errors:
        return report
    for values in rows:
        school = existing.get(values["code"])
        if school is None:
            db.session.add(School(**values))
            report.created += 1
        elif any(getattr(school, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(school, k, v)
            report.updated += 1
    db.session.flush()
    return report

def _check_school(rec: dict, index: int, seen: dict[str, int], regions: dict[str, int]
                  ) -> tuple[dict | None, list[tuple[str, str]]]:
    """One row of the schools file: the school's values, or each problem at its column."""
    errs = []
    code = rec["code"]
    if not re.fullmatch(r"[A-Za-z0-9-]{1,12}", code):
        errs.append(("code", "Enter a school code of 1-12 letters or digits."))
    elif code in seen:
        errs.append(("code", f"Code {code} is also on row {seen[code]}."))
    else:
        seen[code] = index
    if not rec["name"] or len(rec["name"]) > 120:
        errs.append(("name", "Enter the school's name (at most 120 characters)."))
    level = rec["level"].lower()
    if level not in LEVELS:
        errs.append(("level", f"Use one of: {', '.join(LEVELS)}."))
    low, high = parse_grade(rec["grade_low"]), parse_grade(rec["grade_high"])
    if low is None:
        errs.append(("grade_low", "Use K or a grade from 1 to 12."))
    if high is None:
        errs.append(("grade_high", "Use K or a grade from 1 to 12."))
    if low is not None and high is not None and low > high:
        errs.append(("grade_high", "The highest grade must not be below the lowest grade."))
    students = parse_int(ungroup(rec["enrolment"]))
    if students is None or not 0 < students <= 20_000:
        errs.append(("enrolment", "Enter the number of students enrolled (1 to 20,000)."))
    region_id = regions.get(rec["region"].lower())
    if region_id is None:
        errs.append(("region", "Unknown region. Use a Local District code or name (e.g. C or Central)."))
    tier = rec["priority_tier"] or "1"
    if tier not in {"1", "2", "3"}:
        errs.append(("priority_tier", "Use 1 (all schools), 2 (central support) or 3 (regional support)."))
    if errs:
        return None, errs
    return {"code": code, "name": rec["name"], "level": level, "grade_low": low, "grade_high": high,
            "enrolment": students, "region_id": region_id, "priority_tier": int(tier)}, []



SCOPES: dict[str, tuple[str, type[School] | type[Region] | type[Office], str]] = {
    "school": ("school_code", School, "school_id"),
    "region": ("region_code", Region, "region_id"),
    "office": ("office_code", Office, "office_id"),
}


def scope_lookups() -> dict[str, dict[str, int]]:
    """Code -> id for schools, regions and offices, loaded once per import."""
    return {kind: dict(db.session.execute(select(model.code, model.id)).all())
            for kind, (_, model, _) in SCOPES.items()}


def _scope_ids(role: Role, scope: dict, lookups: dict) -> tuple[dict, list[tuple[str, str]]]:
    """Resolve the one scope column a role needs; complain about a missing or stray one."""
    needed = ROLE_SCOPE[role]
    errs, ids = [], {}
    for kind, (column, _, id_field) in SCOPES.items():
        value = (scope.get(column) or "").strip()
        if kind == needed:
            if not value:
                errs.append((column, f"A {role.title.lower()} needs a {kind}."))
            elif value not in lookups[kind]:
                errs.append((column, f"Unknown {kind} code {value!r}."))
            else:
                ids[id_field] = lookups[kind][value]
        elif value:
            errs.append((column, f"A {role.title.lower()} has no {kind}; leave this blank."))
    return ids, errs


def validate_user_fields(email: str, name: str, role: str, scope: dict) -> list[str]:
    errors = [message for _, message in _check_user(email, name, role, scope, scope_lookups())[1]]
    if db.session.scalar(select(User.id).where(User.email == (email or "").strip().lower())):
        errors.append("An account with that email already exists.")
    return errors


def _check_user(email: str, name: str, role_value: str, scope: dict, lookups: dict):
    errs = []
    email = (email or "").strip().lower()
    if not is_address(email):
        errs.append(("email", "Enter a valid email address, like name@district.org: e-mail to this one "
                              "could never be delivered."))
    if not (name or "").strip() or len(name) > 120:
        errs.append(("name", "Enter the person's name (at most 120 characters)."))
    try:
        role = Role(role_value.strip().lower())
    except ValueError:
        errs.append(("role", f"Use one of: {', '.join(r.value for r in Role)}."))
        return None, errs
    ids, scope_errs = _scope_ids(role, scope, lookups)
    return (email, name.strip(), role, ids), errs + scope_errs


def build_user(email: str, name: str, role: str, scope: dict) -> User:
    (email, name, role, ids), _ = _check_user(email, name, role, scope, scope_lookups())
    return User(email=email, name=name, role=role, password_hash=UNUSABLE_PASSWORD, **ids)


def _keep_an_administrator(checked: list, existing: dict[str, User], actor: User | None,
                           report: ImportReport) -> None:
    """An import may not take the administrator role from the person importing, nor leave the portal
    with no active administrator (as the person form refuses)."""
    new_roles = {parsed[0]: (index, parsed[2]) for index, parsed in checked}
    if actor is not None and actor.email in new_roles and new_roles[actor.email][1] != Role.admin:
        report.errors.append(RowError(new_roles[actor.email][0], "role",
                                      "This row would take away your own administrator role. Another "
                                      "administrator can change it."))
    admins = {email for email, user in existing.items() if user.role == Role.admin and user.active}
    admins = {e for e in admins if e not in new_roles or new_roles[e][1] == Role.admin}
    admins |= {email for email, (_, role) in new_roles.items() if role == Role.admin}
    if not admins:
        report.errors.append(RowError(1, "role", "The file would leave the portal without an administrator."))


def check_users(data: bytes, actor: User | None = None,
                filename: str = "people.csv") -> tuple[ImportReport, list, dict[str, User]]:
    """Read and check every row of a people file: the report (with each problem at its row), the
    checked rows as (row, (email, name, role, scope ids)), and the accounts that exist, by address."""
    report = ImportReport("users")
    frame = read_upload(data, filename, USER_SPEC, report)
    if frame is None:
        return report, [], {}
    existing = {u.email: u for u in db.session.scalars(select(User))}
    lookups = scope_lookups()
    seen: dict[str, int] = {}
    checked = []
    for index, rec in enumerate(frame.to_dict("records"), start=2):
        parsed, errs = _check_user(rec["email"], rec["name"], rec["role"], rec, lookups)
        if parsed and not errs:
            email = parsed[0]
            if email in seen:
                errs.append(("email", f"{email} is also on row {seen[email]}."))
            seen[email] = index
        for column, message in errs:
            report.errors.append(RowError(index, column, message))
        if not errs:
            checked.append((index, parsed))
    _keep_an_administrator(checked, existing, actor, report)
    return report, checked, existing


def account_values(name: str, role: Role, ids: dict) -> dict:
    """What a people row says of an account: its name, role and the one scope the role has."""
    return {"name": name, "role": role, "school_id": None, "region_id": None, "office_id": None, **ids}


def import_users(data: bytes, actor: User | None = None, filename: str = "people.csv") -> ImportReport:
    report, checked, existing = check_users(data, actor, filename)
    if report.errors:
        return report
    for _, (email, name, role, ids) in checked:
        user = existing.get(email)
        values = account_values(name, role, ids)
        if user is None:
            # No password until an administrator sets one on the person's page.
            db.session.add(User(email=email, password_hash=UNUSABLE_PASSWORD, **values))
            report.created += 1
        elif any(getattr(user, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(user, k, v)
            user.end_sessions()  # a changed role or scope takes effect at once
            report.updated += 1
    db.session.flush()
    return report
