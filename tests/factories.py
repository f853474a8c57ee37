"""Factories: exactly the records a test needs, made in the shared test database and removed again.

A test asks for a region, a school of a given level, its principal, a target plan in a given
status, a central office with an action plan and a check-in at a given stage, and gets those
objects back. Each record has a code, name and email of its own (from a counter), so a test never
takes a row of the shared demo district by its position and never collides with one.

Records are made the way the portal makes them: a plan's rows from the school's baselines as
portal.targets.operations builds them, and a plan taken to its status, or a check-in to its stage,
through the same operations the pages call (each step with its audit event).

The factories work inside an application context and an open scope: the `factories` fixture
(tests/conftest.py) opens one per test, `module_factories` one per module (a record belongs to the
innermost scope open when it is made). When the scope ends,
everything it made is deleted, with every row that refers to it (the plan's rows, audit events,
notifications and their e-mail, results, meetings, accounts scoped to a made school), so the next test finds the demo
district as it was. A made school can sit in a demo region (school(region="C")): it is removed
all the same.
"""
import functools
import itertools
from contextlib import contextmanager
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import delete, insert, select, update
from werkzeug.security import generate_password_hash

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School, User
from portal.progress import action_plans
from portal.progress import check_ins as check_in_ops
from portal.progress.action_plans import InitiativeData, MetricData
from portal.progress.initiatives.check_in_form import read_check_in
from portal.progress.models import BoardUpdate, CheckIn, CheckInPeriod, Initiative, Stage
from portal.strategic_plan.levels import applicable_levels, metric_bands
from portal.strategic_plan.models import Baseline, Metric, Priority, StudentGroup
from portal.strategic_plan.settings import setting
from portal.targets import operations as target_ops
from portal.targets import workflow as plan_workflow
from portal.targets.guardrails import plan_target
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan
from portal.targets.queries import current_cycle

GRADES = {"elementary": (0, 5), "middle": (6, 8), "high": (9, 12), "span": (0, 8)}
SUFFIX = {"elementary": "Elementary", "middle": "Middle School", "high": "High School", "span": "Span School"}
# First words of made schools' names: a search for one finds that school, not the demo's.
WORDS = ["Juniper", "Quillon", "Marrowby", "Tansey", "Orrin", "Bellwick", "Calloway", "Drummond", "Fenwick",
         "Glenmere", "Hartwell", "Ivorydale", "Kestrel", "Larkspur", "Merriweather", "Nettlefield", "Oakhurst",
         "Pembrook", "Rookwood", "Sablewood"]
SOURCE = "Made by a test factory"
EMAIL_DOMAIN = "factory.example"

_serial = itertools.count(1)
_scopes: list[list[tuple[str, int]]] = []


# ---------------------------------------------------------------- scope and clean-up

@contextmanager
def scope(app):
    """Everything made until the block ends is deleted then (see the module's docstring)."""
    made: list[tuple[str, int]] = []
    _scopes.append(made)
    try:
        yield
    finally:
        del _scopes[next(i for i, open_ in enumerate(_scopes) if open_ is made)]
        with app.app_context():
            try:
                purge(made)
            finally:
                db.session.remove()


def _keep(obj):
    """Remember a made record (flushed, so it has its id) for the scope's clean-up."""
    if not _scopes:
        raise RuntimeError("The factories need an open scope: ask for the `factories` fixture.")
    db.session.flush()
    _scopes[-1].append((obj.__table__.name, obj.id))
    return obj


def adopt(record):
    """Delete this record too when the scope ends: one the test made through the pages (a meeting
    logged, an action plan created) that nothing made by a factory owns."""
    return _keep(record)


def _next() -> tuple[int, str]:
    """A serial number and a tag of letters made from it (BB, BC, ...), unique in the session."""
    n = next(_serial)
    letters, rest = "", n + 26  # at least two letters
    while rest:
        rest, digit = divmod(rest, 26)
        letters = chr(ord("A") + digit) + letters
    return n, letters


# Nullable foreign keys that mean "belongs to": a row pointing at a made record this way goes with it.
# A row pointing at one through any other nullable key stays, with the key cleared.
OWNED_BY = {"baseline.school_id", "user.school_id", "user.region_id", "user.office_id",
            "data_review_meeting.region_id", "data_review_meeting.created_by_id", "audit_event.actor_id",
            "measure_value.entered_by_id", "measure_value.check_in_id"}


def _single_key(table):
    keys = list(table.primary_key.columns)
    return keys[0] if len(keys) == 1 else None


def _owned(table, fk) -> bool:
    return not fk.parent.nullable or f"{table.name}.{fk.parent.name}" in OWNED_BY


def purge(made: list[tuple[str, int]]) -> None:
    """Delete the made records and everything that belongs to them, children first."""
    columns = {f"{table.name}.{column.name}" for table in db.metadata.sorted_tables for column in table.columns}
    unknown = OWNED_BY - columns
    assert not unknown, f"OWNED_BY names columns the schema no longer has: {sorted(unknown)}"
    doomed: dict[str, set[int]] = {table.name: set() for table in db.metadata.sorted_tables}
    for name, row_id in made:
        doomed[name].add(row_id)
    while _belonging(doomed):
        pass
    _loosen(doomed)
    _delete(doomed)
    db.session.commit()


def _belonging(doomed: dict[str, set[int]]) -> bool:
    """Add the rows that belong to doomed ones; True when any were added."""
    audit = AuditEvent.__table__
    grew = False
    for table in db.metadata.sorted_tables:
        key = _single_key(table)
        if key is None:
            continue
        found: set[int] = set()
        for fk in table.foreign_keys:
            targets = doomed[fk.column.table.name]
            if targets and _owned(table, fk):
                found |= set(db.session.scalars(select(key).where(fk.parent.in_(sorted(targets)))))
        if table is audit:  # audit events name their record by table and id
            for name, ids in doomed.items():
                if ids and name != audit.name:
                    found |= set(db.session.scalars(select(audit.c.id).where(
                        audit.c.entity == name, audit.c.entity_id.in_(sorted(ids)))))
        if found - doomed[table.name]:
            doomed[table.name] |= found
            grew = True
    return grew


def _loosen(doomed: dict[str, set[int]]) -> None:
    """Rows that stay let go of doomed ones they only mention (e.g. who last updated a plan)."""
    for table in db.metadata.sorted_tables:
        key = _single_key(table)
        for fk in table.foreign_keys:
            targets = doomed[fk.column.table.name]
            if targets and not _owned(table, fk):
                stmt = update(table).where(fk.parent.in_(sorted(targets))).values({fk.parent.name: None})
                if key is not None and doomed[table.name]:
                    stmt = stmt.where(key.not_in(sorted(doomed[table.name])))
                db.session.execute(stmt)


def _delete(doomed: dict[str, set[int]]) -> None:
    for table in reversed(db.metadata.sorted_tables):
        key = _single_key(table)
        if key is None:  # a link table: its rows go with either end
            for fk in table.foreign_keys:
                if doomed[fk.column.table.name]:
                    db.session.execute(delete(table).where(fk.parent.in_(sorted(doomed[fk.column.table.name]))))
        elif doomed[table.name]:
            db.session.execute(delete(table).where(key.in_(sorted(doomed[table.name]))))


# ---------------------------------------------------------------- the organisation

@functools.cache
def _password_hash(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def _account(role: Role, email: str, name: str, **scope) -> User:
    """An active account that logs in with the demo password (login_as(role, email=...))."""
    user = User(email=email, name=name, role=role, active=True,
                password_hash=_password_hash(current_app.config["DEMO_PASSWORD"]), **scope)
    db.session.add(user)
    _keep(user)
    db.session.commit()
    return user


def region(name: str | None = None) -> Region:
    """A Local District of its own, with no schools yet."""
    _, tag = _next()
    made = Region(code=f"Q{tag}", name=name or f"Test District {tag}", short_name=f"Test {tag}")
    db.session.add(made)
    _keep(made)
    db.session.commit()
    return made


def _region(value: Region | str | None) -> Region:
    if value is None:
        return region()
    if isinstance(value, str):  # a demo region by its code, e.g. "C"
        found = db.session.scalar(select(Region).where(Region.code == value))
        assert found is not None, f"no region {value}"
        return found
    return value


def numeric_code() -> str:
    """A school code of digits only (as a spreadsheet stores it), longer than any demo code."""
    n, _ = _next()
    return str(90000 + n)


def school(level: str = "elementary", region: Region | str | None = None, *, tier: int = 1,
           grades: tuple[int, int] | None = None, code: str | None = None, name: str | None = None,
           group_size: int = 40) -> School:
    """A school of `level` with a baseline for every metric and student group it answers for
    (each group of `group_size` students, so every row of its plan is required). In a region of
    its own unless `region` is given (a Region, or a demo region's code)."""
    n, tag = _next()
    low, high = grades or GRADES[level]
    made = School(code=code or f"S{tag}2", name=name or f"{WORDS[n % len(WORDS)]} {tag} {SUFFIX[level]}",
                  level=level, grade_low=low, grade_high=high, enrolment=25 * group_size,
                  region_id=_region(region).id, priority_tier=tier)
    db.session.add(made)
    _keep(made)
    _baselines(made, group_size)
    db.session.commit()
    return made


def _baselines(made: School, group_size: int) -> None:
    year = setting("baseline_year", "2021-22")
    levels = applicable_levels(made.level, made.grade_low, made.grade_high, metric_bands())
    groups = db.session.scalars(select(StudentGroup).order_by(StudentGroup.sort)).all()
    rows = []
    for metric in db.session.scalars(select(Metric).order_by(Metric.goal_id, Metric.position)):
        if not set(metric.levels) & levels:
            continue
        for group in groups:
            if metric.unit == "dfs":
                value = -60.0 if group.targeted else -40.0
            else:
                value = 40.0 if group.targeted else 50.0
            rows.append({"metric_id": metric.id, "group_id": group.id, "school_id": made.id, "level": "",
                         "year": year, "value": value, "n_students": group_size, "source": SOURCE})
    db.session.execute(insert(Baseline), rows)


def principal(school: School) -> User:
    """The school's principal: its active one, or a new account."""
    found = db.session.scalar(select(User).where(User.school_id == school.id, User.role == Role.principal,
                                                 User.active.is_(True)).order_by(User.id))
    if found is not None:
        return found
    _, tag = _next()
    return _account(Role.principal, f"principal.{tag.lower()}@{EMAIL_DOMAIN}", f"Pat Principal {tag}",
                    school_id=school.id)


def co_principal(school: School) -> User:
    """A second principal account of the school (a new one each time): someone else at work on the
    school's targets at the same moment as principal(school)."""
    _, tag = _next()
    return _account(Role.principal, f"co.principal.{tag.lower()}@{EMAIL_DOMAIN}", f"Cory Coprincipal {tag}",
                    school_id=school.id)


def regional_leader(region: Region) -> User:
    """The region's leader: its active one, or a new account."""
    found = db.session.scalar(select(User).where(User.region_id == region.id, User.role == Role.regional_leader,
                                                 User.active.is_(True)).order_by(User.id))
    if found is not None:
        return found
    _, tag = _next()
    return _account(Role.regional_leader, f"leader.{tag.lower()}@{EMAIL_DOMAIN}", f"Lee Leader {tag}",
                    region_id=region.id)


def central_office(name: str | None = None) -> Office:
    """A central office of its own."""
    _, tag = _next()
    made = Office(code=f"office_{tag.lower()}", name=name or f"Office of Test Programs {tag}")
    db.session.add(made)
    _keep(made)
    db.session.commit()
    return made


def office_user(office: Office) -> User:
    """A central office account of the office: its active one, or a new account."""
    found = db.session.scalar(select(User).where(User.office_id == office.id, User.role == Role.central_office,
                                                 User.active.is_(True)).order_by(User.id))
    if found is not None:
        return found
    _, tag = _next()
    return _account(Role.central_office, f"office.{tag.lower()}@{EMAIL_DOMAIN}", f"Olu Office {tag}",
                    office_id=office.id)


def colleague(office: Office) -> User:
    """Another central office account of the office (a new one each time): a second person at work
    on the office's action plans and measures at the same moment as office_user(office)."""
    _, tag = _next()
    return _account(Role.central_office, f"colleague.{tag.lower()}@{EMAIL_DOMAIN}", f"Cam Colleague {tag}",
                    office_id=office.id)


def administrator() -> User:
    """A new administrator account of the test's own."""
    _, tag = _next()
    return _account(Role.admin, f"admin.{tag.lower()}@{EMAIL_DOMAIN}", f"Alex Administrator {tag}")


def superintendent() -> User:
    """Someone in the superintendent's office: the first active one, or a new account."""
    found = db.session.scalar(select(User).where(User.role == Role.superintendent, User.active.is_(True))
                              .order_by(User.id))
    if found is not None:
        return found
    _, tag = _next()
    return _account(Role.superintendent, f"supt.{tag.lower()}@{EMAIL_DOMAIN}", f"Sam Superintendent {tag}")


# ---------------------------------------------------------------- target setting

def open_cycle(kind: CycleKind = CycleKind.trajectory) -> TargetCycle:
    """The open target cycle of `kind` (the demo's); when none is open, one of its own with no plans,
    opened before any other so it never becomes the district's current cycle."""
    today = clock.today()
    found = db.session.scalar(select(TargetCycle).where(TargetCycle.kind == kind, TargetCycle.opens_on <= today,
                                                        TargetCycle.closes_on >= today)
                              .order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc()))
    if found is not None:
        return found
    n, tag = _next()
    start = 2100 + n
    made = TargetCycle(school_year=f"{start}-{(start + 1) % 100:02d}", kind=kind, name=f"Test cycle {tag}",
                       opens_on=today - timedelta(days=400), due_on=today + timedelta(days=7),
                       closes_on=today + timedelta(days=30))
    db.session.add(made)
    _keep(made)
    db.session.commit()
    return made


def district_cycle() -> TargetCycle:
    """The district's current cycle (the demo's open 2024-25 annual cycle): what the review queue, the
    reminders and the dashboards read."""
    found = current_cycle()
    assert found is not None and found.is_open(clock.today()), "the demo district has an open cycle"
    return found


def district_plan(school: School, status: PlanStatus = PlanStatus.approved, trajectory: str = "linear") -> TargetPlan:
    """The school's plan in the district's current (annual) cycle, taken to `status`, its path from an
    approved trajectory plan of the school's own first, as the district's schools set theirs in 2022-23."""
    target_plan(school, PlanStatus.approved, trajectory=trajectory)
    return target_plan(school, status, cycle=district_cycle(), trajectory=trajectory)


def target_plan(school: School, status: PlanStatus = PlanStatus.not_started, cycle: TargetCycle | None = None,
                trajectory: str = "linear") -> TargetPlan:
    """The school's plan in the open cycle, a row per metric and student group from its baselines
    (as operations.create_cycle builds them), taken to `status` by its principal and its regional
    leader through the workflow: a draft has one row filled; a submitted, returned or approved plan
    has every required row at the plan's pace on `trajectory`."""
    cycle = cycle or open_cycle()
    plan = TargetPlan(cycle_id=cycle.id, school_id=school.id, status=PlanStatus.not_started, version=1)
    db.session.add(plan)
    _keep(plan)
    metrics = {m.id: m for m in db.session.scalars(select(Metric))}
    groups = {g.id: g for g in db.session.scalars(select(StudentGroup))}
    rows = target_ops.build_target_rows([school], {school.id: plan.id})
    rows.sort(key=lambda r: (metrics[r["metric_id"]].goal_id, metrics[r["metric_id"]].position,
                             groups[r["group_id"]].sort))
    if cycle.kind == CycleKind.annual:
        target_ops.prefill_from_trajectory(rows, cycle.school_year, {plan.id: school.id})
    if rows:
        db.session.execute(insert(Target), rows)
    db.session.commit()
    return drive(plan, status, trajectory)


def _fill(plan: TargetPlan, who: User, trajectory: str, first_only: bool = False) -> None:
    """The principal types the plan's pace into the empty required rows: the first one saved as
    it is typed (autosave), or all of them with "Save draft" (one edit)."""
    codes = target_ops.trajectories().keys()
    changes = {}
    for row in target_ops.load_plan_rows(plan):
        if not target_ops.required(row):
            continue
        if plan.cycle.kind == CycleKind.annual:
            if row.year_target is not None and row.rationale:
                continue
            # This year's target: the approved path's (prefilled) where the school has one, with a word on it.
            value = row.year_target if row.year_target is not None else \
                row.target_2026 if row.target_2026 is not None else row.baseline_value
            form = {"year_target": str(value), "rationale": "Set with the staff after the fall data review."}
        elif row.target_2026 is None or not row.trajectory_code:
            form = {"target_2026": str(plan_target(row.metric, row.baseline_value, row.group.targeted)),
                    "trajectory": trajectory}
        else:
            continue
        if first_only:
            errors = target_ops.save_row(plan, row, form, who, plan.version)
            assert not errors, errors
            return
        clean, errors = target_ops.validate_row_input(row, form, codes)
        assert not errors, errors
        diff = {k: [getattr(row, k), v] for k, v in clean.items() if getattr(row, k) != v}
        if diff:
            changes[str(row.id)] = diff
            for k, (_, v) in diff.items():
                setattr(row, k, v)
    if changes:
        plan_workflow.apply(plan, "edit", who, expected_version=plan.version, window_open=target_ops.window_open(plan),
                            details={"rows": changes})


def drive(plan: TargetPlan, status: PlanStatus, trajectory: str = "linear") -> TargetPlan:
    """Take the plan to `status` as people would: the principal fills and submits, the leader
    approves, returns or reopens. A plan never goes back to not started or to a draft."""
    S = PlanStatus
    who = principal(plan.school)
    for _ in range(5):
        now = plan.status
        if now == status:
            break
        if now == S.approved:
            target_ops.decide(plan, "reopen", regional_leader(plan.school.region), "Reopened by a test factory.",
                              plan.version)
        elif now == S.submitted and status == S.approved:
            target_ops.decide(plan, "approve", regional_leader(plan.school.region), None, plan.version)
        elif now == S.submitted:
            target_ops.decide(plan, "return", regional_leader(plan.school.region),
                              "Returned by a test factory: please revisit.", plan.version)
        elif status == S.draft and now == S.not_started:
            _fill(plan, who, trajectory, first_only=True)
        elif status in (S.not_started, S.draft):
            raise ValueError(f"a {now.value} plan cannot be taken back to {status.value}")
        else:
            _fill(plan, who, trajectory)
            problems = target_ops.submit(plan, who, plan.version)
            assert not problems, problems
        db.session.commit()
    assert plan.status == status, f"could not take the plan to {status.value}"
    return plan


# ---------------------------------------------------------------- the progress monitoring cycle

def initiative(office: Office | str | None = None, name: str | None = None, priority: str = "1C") -> Initiative:
    """An action plan of the office (a new one unless given: an Office, or a demo office's code)
    under the Priority, with one progress metric by school level ("Students tutored")."""
    if office is None:
        office = central_office()
    elif isinstance(office, str):
        office = db.session.scalar(select(Office).where(Office.code == office))
    _, tag = _next()
    author = office_user(office)
    data = InitiativeData(name=name or f"Reading Tutors {tag}",
                          priority=db.session.scalar(select(Priority).where(Priority.code == priority)),
                          description="An action plan made for a test.", office=office)
    made = action_plans.create_initiative(data, author)
    _keep(made)
    db.session.commit()  # each step is a page's request, committed before the next
    action_plans.add_metric(made, MetricData(name="Students tutored", unit="count", direction="up",
                                             breakdown="School level", baselines={"K-5": 100.0},
                                             targets={"K-5": 200.0, "6-8": 150.0}), author)
    db.session.commit()
    return made


_new_initiative = initiative  # check_in's argument of the same name hides it there

STAGE_STEPS = {Stage.sharing: 0, Stage.data_review: 1, Stage.sent_back: 2, Stage.superintendent: 2,
               Stage.ready: 3, Stage.board: 4}


def check_in_period(opens_on: date, due_on: date, name: str | None = None) -> CheckInPeriod:
    """A period of the check-in calendar, of a name of its own unless given."""
    _, tag = _next()
    made = CheckInPeriod(name=name or f"Test period {tag}", opens_on=opens_on, due_on=due_on)
    db.session.add(made)
    _keep(made)
    db.session.commit()
    return made


def board_update(kind: str = "end_of_year") -> BoardUpdate:
    """A Board update being prepared, for a school year of its own."""
    n, tag = _next()
    start = 2300 + n
    made = BoardUpdate(kind_code=kind, school_year=f"{start}-{(start + 1) % 100:02d}",
                       meeting_date=date(start + 1, 6, 10), title=f"Test Board update {tag}")
    db.session.add(made)
    _keep(made)
    db.session.commit()
    return made


def check_in(initiative: Initiative | None = None, stage: Stage = Stage.sharing, period: str = "Spring 2031",
             period_end: date = date(2031, 3, 31), board: BoardUpdate | None = None) -> CheckIn:
    """A check-in of the action plan (a new one unless given) taken to `stage` through the cycle:
    the office records the sharing session, enters 120 K-5 students and submits; the superintendent's
    office sends it back, or accepts the data, records its update and places it in `board` (a new
    draft Board update unless given)."""
    initiative = initiative or _new_initiative()
    author, reviewer = office_user(initiative.office), superintendent()
    metric = initiative.metrics[0]
    made = action_plans.start_check_in(initiative, period, period_end, author)
    assert made is not None, f"{initiative.name} already has a check-in for {period}"
    _keep(made)
    db.session.commit()
    steps = STAGE_STEPS[stage]
    # The session and the update with the superintendent (a week later) are days that have happened
    # (portal.kernel.dates.HAPPENED): shortly after a past period, in the past week for a later one.
    day = min(period_end + timedelta(days=2), clock.today() - timedelta(days=7))
    if steps >= 1:
        assert not check_in_ops.record_sharing(made, {"sharing_date": day.isoformat(),
                                                      "sharing_attendees": "Program team"}, author, made.version)
        db.session.commit()  # each step is a page's request, committed before the next
        entry, errors = read_check_in(made, {f"value-{metric.id}-0": "120", "status": "on_track",
                                             "narrative": "The pilot reached 120 K-5 students."})
        assert not errors, errors
        check_in_ops.save_check_in(made, entry, author, made.version)
        db.session.commit()
        assert check_in_ops.submit_update(made, author, made.version) == []
        db.session.commit()
    if stage == Stage.sent_back:
        assert not check_in_ops.review(made, "send_back", {"comment": "Split the figure by school level."},
                                       reviewer, made.version)
    elif steps >= 2:
        assert not check_in_ops.review(made, "accept_data", {}, reviewer, made.version)
    db.session.commit()
    if steps >= 3:
        assert not check_in_ops.record_superintendent(made, {"supt_date": (day + timedelta(days=7)).isoformat(),
                                                             "supt_feedback": "Keep going."}, reviewer, made.version)
        db.session.commit()
    if steps >= 4:
        check_in_ops.place(made, board or board_update(), reviewer, made.version)
        db.session.commit()
    assert made.stage == stage
    return made
