"""The two workflows under random people doing random things, through the portal's own routes
with CSRF on: a school's target plan (principal, regional review) and a check-in through the four
stages of the progress monitoring cycle into a Board update that is then published.

Hypothesis picks who acts and what they try: the principal of the school or of another school,
the regional leader of the school's region or of another, the superintendent's office, the
owning office or another office, a Board member, an administrator; with the right version of
the record or a stale one, with or without the comment a step needs. After every step:

- the plan and the check-in are in a legal state, the one the workflow table says;
- every change wrote exactly one audit event, and every state change one event from the old
  state to the new that the table allows;
- an approved plan's targets and a published Board update (and the check-in frozen in it)
  do not change;
- a refused action left the whole database as it was.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, insert, select, update

from portal.extensions import db
from portal.kernel import clock, policy
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.org.models import School, User
from portal.progress import action_plans as plan_service
from portal.progress import workflow as check_in_workflow
from portal.progress.models import BoardUpdate, CheckIn, Initiative, MetricValue, Stage
from portal.targets import workflow as plan_workflow
from portal.targets.models import CycleKind, PlanStatus, Target, TargetCycle, TargetPlan
from portal.targets.operations import build_target_rows, load_plan_rows
from tests.trust.conftest import changed_tables, dump, log_in

TRAJECTORIES = ["linear", "aggressive", "step_up", "delayed"]
RATIONALE = "We set this against our school's own results of the last three years."
# Mostly the person whose step it is, sometimes someone else; now and then a stale page.
def mostly(right: str, *others: str):
    return st.one_of(st.just(right), st.just(right), st.sampled_from(others))


rarely = st.integers(0, 3).map(lambda n: n == 0)
usually = st.integers(0, 3).map(lambda n: n != 0)
RUNS = {"examples": 0, "steps": 0, "succeeded": 0, "refused": 0, "transitions": 0}


@dataclass
class Actor:
    name: str
    role: Role
    reaches_plan: bool = False  # the school's principal, its region's leader, an administrator
    keeps_check_in: bool = False  # the owning office, an administrator
    person: object = None


@dataclass
class Model:
    """What the portal should hold: the workflow table applied to the actions that should succeed."""

    status: PlanStatus = PlanStatus.not_started
    stage: Stage = Stage.sharing
    plan_events: int = 0
    plan_transitions: int = 0
    check_in_events: int = 0
    check_in_transitions: int = 0
    shared: bool = False
    saved: bool = False
    placed: bool = False
    published: bool = False
    approved_targets: list = field(default_factory=list)
    frozen: tuple = ()


class Workflows(RuleBasedStateMachine):
    app = None
    actors: dict = {}
    plan_id = school_rows = None
    counter = 0

    def __init__(self):
        super().__init__()
        self.model = Model()
        self.last_status = None

    # ------------------------------------------------------------ arranging each run
    @initialize()
    def fresh_records(self):
        """A plan back at not started, a new check-in at stage 1 and a new draft Board update."""
        Workflows.counter += 1
        n = Workflows.counter
        RUNS["examples"] += 1
        with self.app.app_context():
            db.session.execute(update(TargetPlan).where(TargetPlan.id == self.plan_id).values(
                status=PlanStatus.not_started, version=1, submitted_at=None, decided_at=None))
            db.session.execute(update(Target).where(Target.plan_id == self.plan_id).values(
                target_2026=None, trajectory_code=None, rationale=""))
            office = db.session.scalar(select(User).where(User.email == "central@district.example"))
            tutoring = db.session.scalar(select(Initiative).where(Initiative.code == "tutoring"))
            check_in = plan_service.start_check_in(tutoring, f"Workflow run {n}", date(2030, 1, 1) + timedelta(days=n),
                                                   office)
            board_update = BoardUpdate(kind_code="mid_year", school_year=f"{2100 + n}-{(2101 + n) % 100:02d}",
                                       meeting_date=date(2101 + n, 3, 2), title=f"Workflow run {n} update")
            db.session.add(board_update)
            db.session.commit()
            self.check_in_id, self.update_id = check_in.id, board_update.id
            self.metric = tutoring.metrics[0]
            self.metric_id, self.percent = self.metric.id, self.metric.unit == "percent"
            self.plan_baseline = db.session.scalar(select(func.max(AuditEvent.id))) or 0
            db.session.remove()

    # ------------------------------------------------------------ reading the database
    def read(self):
        with self.app.app_context():
            plan = db.session.get(TargetPlan, self.plan_id)
            check_in = db.session.get(CheckIn, self.check_in_id)
            board_update = db.session.get(BoardUpdate, self.update_id)
            events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > self.plan_baseline)
                                        .order_by(AuditEvent.id)).all()
            targets = [(t.id, t.target_2026, t.trajectory_code, t.rationale)
                       for t in db.session.scalars(select(Target).where(Target.plan_id == self.plan_id)
                                                   .order_by(Target.id))]
            values = [(v.metric_id, v.breakdown, v.value) for v in db.session.scalars(
                select(MetricValue).where(MetricValue.check_in_id == self.check_in_id).order_by(MetricValue.id))]
            state = {
                "status": plan.status, "plan_version": plan.version, "stage": check_in.stage,
                "check_in_version": check_in.version, "update_version": board_update.version,
                "published": board_update.published_at is not None, "snapshot": board_update.snapshot,
                "published_at": board_update.published_at, "targets": targets, "values": values,
                "narrative": check_in.narrative, "in_update": [u.id for u in check_in.board_updates],
                "events": [(e.entity, e.entity_id, e.action, e.from_state, e.to_state) for e in events],
            }
            db.session.remove()
            return state

    def act(self, should_succeed: bool, send):
        """Send the request; on a refusal the whole database must be as it was."""
        RUNS["steps"] += 1
        before = dump(self.app) if not should_succeed else None
        response = send()
        status = response.status_code
        assert status < 500, status
        if should_succeed:
            assert status in (200, 303), (status, response.get_data(as_text=True)[:300])
            RUNS["succeeded"] += 1
        else:
            assert status in (303, 403, 404, 409, 422), status
            assert not changed_tables(before, dump(self.app)), "a refused action changed the database"
            RUNS["refused"] += 1
        return response

    # ------------------------------------------------------------ the school's target plan
    def plan_outcome(self, actor: Actor, action: str, version_ok: bool, comment_ok: bool = True) -> bool:
        entry = plan_workflow.TRANSITIONS.get((self.model.status, action))
        return (actor.reaches_plan and entry is not None and actor.role in entry[1] and version_ok and comment_ok)

    def record_plan_success(self, action: str):
        old = self.model.status
        self.model.status = plan_workflow.TRANSITIONS[(old, action)][0]
        self.model.plan_events += 1
        if self.model.status != old:
            self.model.plan_transitions += 1
            RUNS["transitions"] += 1
        if self.model.status == PlanStatus.approved:
            self.model.approved_targets = self.read()["targets"]

    @rule(who=mostly("principal_a", "principal_b", "leader_own", "superintendent", "board"),
          gain=st.floats(-5, 40, allow_nan=False), trajectory=st.sampled_from(TRAJECTORIES), stale=rarely)
    def principal_saves_every_row(self, who, gain, trajectory, stale):
        actor = self.actors[who]
        state = self.read()
        version = state["plan_version"] - (1 if stale else 0)
        form = {"version": str(version)}
        posted = []
        for row_id, baseline, low, high in self.school_rows:
            value = round(min(high, max(low, (baseline or 50.0) + gain)), 1)
            posted.append((row_id, value, trajectory, RATIONALE))
            form.update({f"target_2026-{row_id}": str(value), f"trajectory-{row_id}": trajectory,
                         f"rationale-{row_id}": RATIONALE})
        changes = posted != list(state["targets"])
        succeed = changes and self.plan_outcome(actor, "edit", not stale) and actor.role == Role.principal
        if actor.role == Role.principal and actor.reaches_plan and not changes:
            self.act(True, lambda: actor.person.post(f"/targets/plans/{self.plan_id}/save", form))
            return  # "Nothing had changed since the last save": no event, no change
        self.act(succeed, lambda: actor.person.post(f"/targets/plans/{self.plan_id}/save", form))
        if succeed:
            self.record_plan_success("edit")

    @rule(who=mostly("principal_a", "principal_b", "leader_own", "admin"), stale=rarely)
    def principal_submits(self, who, stale):
        actor = self.actors[who]
        state = self.read()
        version = state["plan_version"] - (1 if stale else 0)
        succeed = self.plan_outcome(actor, "submit", not stale) and actor.role == Role.principal
        self.act(succeed, lambda: actor.person.post(f"/targets/plans/{self.plan_id}/submit",
                                                    {"version": str(version)}))
        if succeed:
            self.record_plan_success("submit")

    @rule(who=mostly("leader_own", "leader_other", "admin", "superintendent", "principal_a"),
          action=st.sampled_from(["approve", "return", "reopen"]), comment=usually, stale=rarely,
          in_place=st.booleans())
    def reviewer_decides(self, who, action, comment, stale, in_place):
        actor = self.actors[who]
        state = self.read()
        version = state["plan_version"] - (1 if stale else 0)
        if in_place and action == "approve":  # the queue's approve button, answered in place
            succeed = self.plan_outcome(actor, "approve", not stale)
            self.act(succeed, lambda: actor.person.post(f"/review/approve/{self.plan_id}",
                                                        {"version": str(version)}, htmx=True))
        else:
            needs = action in plan_workflow.NEEDS_COMMENT
            succeed = self.plan_outcome(actor, action, not stale, comment_ok=comment or not needs)
            form = {"action": action, "version": str(version),
                    "comment": "Please look again at the English Learner targets." if comment else ""}
            self.act(succeed, lambda: actor.person.post(f"/review/plans/{self.plan_id}/decide", form))
        if succeed:
            self.record_plan_success(action)

    # ------------------------------------------------------------ the check-in and its Board update
    def check_in_outcome(self, actor: Actor, action: str, version_ok: bool, office_action: bool) -> bool:
        entry = check_in_workflow.CHECK_IN.transitions.get((self.model.stage, action))
        if entry is None or actor.role not in entry[1] or not version_ok:
            return False
        return actor.keeps_check_in or not office_action

    def record_check_in_success(self, action: str):
        old = self.model.stage
        self.model.stage = check_in_workflow.CHECK_IN.transitions[(old, action)][0]
        self.model.check_in_events += 1
        if self.model.stage != old:
            self.model.check_in_transitions += 1
            RUNS["transitions"] += 1

    def check_in_post(self, actor: Actor, path: str, form: dict, stale: bool):
        version = self.read()["check_in_version"] - (1 if stale else 0)
        return lambda: actor.person.post(f"/check-ins/{self.check_in_id}/{path}", {"version": str(version), **form})

    @rule(who=mostly("office_own", "office_other", "admin", "superintendent"),
          value=st.integers(0, 100), status=st.sampled_from(["on_track", "at_risk", "off_track"]),
          stale=rarely)
    def office_saves_values(self, who, value, status, stale):
        actor = self.actors[who]
        Workflows.counter += 1
        form = {f"value-{self.metric_id}-0": str(value), "as_of": "2024-09-30", "status": status,
                "narrative": f"Progress note {Workflows.counter}: tutoring reached more students.", "evidence": ""}
        succeed = self.check_in_outcome(actor, "edit", not stale, office_action=True)
        self.act(succeed, self.check_in_post(actor, "save", form, stale))
        if succeed:
            self.model.saved = True
            self.record_check_in_success("edit")

    @rule(who=mostly("office_own", "office_other", "board"), blank=rarely, stale=rarely)
    def office_records_the_sharing_session(self, who, blank, stale):
        actor = self.actors[who]
        form = {"sharing_date": "2024-09-15", "sharing_attendees": "" if blank else "Instruction team, principals",
                "sharing_notes": "Reviewed the fall figures."}
        succeed = self.check_in_outcome(actor, "record_sharing", not stale, office_action=True) and not blank
        self.act(succeed, self.check_in_post(actor, "sharing", form, stale))
        if succeed:
            self.model.shared = True
            self.record_check_in_success("record_sharing")

    @rule(who=mostly("office_own", "office_other", "superintendent"), stale=rarely)
    def office_submits_the_platform_update(self, who, stale):
        actor = self.actors[who]
        complete = self.model.shared and self.model.saved
        succeed = self.check_in_outcome(actor, "submit_update", not stale, office_action=True) and complete
        self.act(succeed, self.check_in_post(actor, "submit", {}, stale))
        if succeed:
            self.record_check_in_success("submit_update")

    @rule(who=mostly("superintendent", "admin", "office_own", "board"),
          action=st.sampled_from(["accept_data", "send_back"]), comment=usually, stale=rarely)
    def superintendents_office_reviews_the_data(self, who, action, comment, stale):
        actor = self.actors[who]
        form = {"action": action, "comment": "Check the November figures." if comment else ""}
        succeed = self.check_in_outcome(actor, action, not stale, office_action=False) and \
            (comment or action == "accept_data")
        self.act(succeed, self.check_in_post(actor, "review", form, stale))
        if succeed:
            self.record_check_in_success(action)

    @rule(who=mostly("superintendent", "office_own", "admin"), stale=rarely)
    def superintendents_office_records_the_update(self, who, stale):
        actor = self.actors[who]
        form = {"supt_date": "2024-10-01", "supt_feedback": "Keep the tutoring going in spring.",
                "supt_decisions": "", "supt_followups": ""}
        succeed = self.check_in_outcome(actor, "record_superintendent", not stale, office_action=False)
        self.act(succeed, self.check_in_post(actor, "superintendent", form, stale))
        if succeed:
            self.record_check_in_success("record_superintendent")

    @rule(who=mostly("superintendent", "admin", "board"), stale=rarely)
    def superintendents_office_places_it_in_the_board_update(self, who, stale):
        actor = self.actors[who]
        succeed = self.check_in_outcome(actor, "place", not stale, office_action=False) and not self.model.published
        self.act(succeed, self.check_in_post(actor, "place", {"board_update_id": str(self.update_id)}, stale))
        if succeed:
            self.model.placed = True
            self.record_check_in_success("place")

    @rule(who=mostly("superintendent", "central_reader"), stale=rarely)
    def superintendents_office_takes_it_out(self, who, stale):
        actor = self.actors[who]
        succeed = (self.check_in_outcome(actor, "unplace", not stale, office_action=False)
                   and self.model.placed and not self.model.published)
        self.act(succeed, self.check_in_post(actor, "unplace", {"board_update_id": str(self.update_id)}, stale))
        if succeed:
            self.model.placed = False
            self.record_check_in_success("unplace")

    @rule(who=mostly("superintendent", "admin", "board"), stale=rarely)
    def superintendents_office_publishes(self, who, stale):
        actor = self.actors[who]
        version = self.read()["update_version"] - (1 if stale else 0)
        succeed = (actor.role in policy.SUPERINTENDENTS and not stale and self.model.placed
                   and not self.model.published)
        self.act(succeed, lambda: actor.person.post(f"/board-updates/{self.update_id}/publish",
                                                    {"version": str(version), "confirm": "yes"}))
        if succeed:
            self.model.published = True
            state = self.read()
            self.model.frozen = (state["snapshot"], state["published_at"], state["stage"], state["values"],
                                 state["narrative"], state["in_update"])

    # ------------------------------------------------------------ the right person taking the next step
    @rule(choice=st.integers(0, 3), gain=st.floats(0, 30, allow_nan=False))
    def the_plan_moves_on(self, choice, gain):
        status = self.model.status
        if status == PlanStatus.not_started or (status in (PlanStatus.draft, PlanStatus.returned) and choice == 0):
            self.principal_saves_every_row("principal_a", gain, TRAJECTORIES[choice], False)
        elif status in (PlanStatus.draft, PlanStatus.returned):
            self.principal_submits("principal_a", False)
        elif status == PlanStatus.submitted:
            self.reviewer_decides("leader_own", "return" if choice == 0 else "approve", True, False, choice == 1)
        else:
            self.reviewer_decides("leader_own", "reopen", True, False, False)

    @rule(choice=st.integers(0, 3), value=st.integers(0, 100))
    def the_check_in_moves_on(self, choice, value):
        stage = self.model.stage
        if stage in (Stage.sharing, Stage.sent_back):
            if not self.model.shared:
                self.office_records_the_sharing_session("office_own", False, False)
            elif not self.model.saved or choice == 0:
                self.office_saves_values("office_own", value, "on_track", False)
            else:
                self.office_submits_the_platform_update("office_own", False)
        elif stage == Stage.data_review:
            action = "send_back" if choice == 0 else "accept_data"
            self.superintendents_office_reviews_the_data("superintendent", action, True, False)
        elif stage == Stage.superintendent:
            self.superintendents_office_records_the_update("superintendent", False)
        elif stage == Stage.ready:
            self.superintendents_office_places_it_in_the_board_update("superintendent", False)
        elif choice == 0 or self.model.published:
            self.superintendents_office_takes_it_out("superintendent", False)
        else:
            self.superintendents_office_publishes("superintendent", False)

    # ------------------------------------------------------------ what must always hold
    @invariant()
    def states_are_legal_every_change_is_audited_and_frozen_things_stay_frozen(self):
        if not hasattr(self, "check_in_id"):
            return
        state = self.read()
        assert state["status"] in set(PlanStatus) and state["stage"] in set(Stage)
        assert state["status"] == self.model.status
        assert state["stage"] == self.model.stage
        legal_plan = {(a, f.value, t.value) for (f, a), (t, _) in plan_workflow.TRANSITIONS.items()}
        legal_check_in = {(a, f.value, t.value) for (f, a), (t, _) in check_in_workflow.CHECK_IN.transitions.items()}
        plan_events = [e for e in state["events"] if e[:2] == ("target_plan", self.plan_id)]
        check_in_events = [e for e in state["events"] if e[:2] == ("check_in", self.check_in_id)]
        assert all(e[2:] in legal_plan for e in plan_events), plan_events
        assert all(e[2:] in legal_check_in for e in check_in_events), check_in_events
        assert len(plan_events) == self.model.plan_events
        assert len(check_in_events) == self.model.check_in_events
        assert sum(e[3] != e[4] for e in plan_events) == self.model.plan_transitions
        assert sum(e[3] != e[4] for e in check_in_events) == self.model.check_in_transitions
        publishes = [e for e in state["events"] if e[:3] == ("board_update", self.update_id, "publish")]
        assert len(publishes) == (1 if self.model.published else 0)
        if self.model.status == PlanStatus.approved:
            assert state["targets"] == self.model.approved_targets
        if self.model.published:
            assert (state["snapshot"], state["published_at"], state["stage"], state["values"], state["narrative"],
                    state["in_update"]) == self.model.frozen


def open_trajectory_plan(school_id: int) -> TargetPlan:
    """The school's plan in a trajectory cycle of the test's own, open as of the portal's date (the demo's
    trajectory cycle ran in 2022; its open cycle is an annual one) and opened before the district's current
    cycle, so it never becomes it."""
    today = clock.today()
    cycle = TargetCycle(school_year="2099-00", kind=CycleKind.trajectory, name="Workflow runs: 2026 targets",
                        opens_on=today - timedelta(days=400), due_on=today + timedelta(days=7),
                        closes_on=today + timedelta(days=30))
    db.session.add(cycle)
    db.session.flush()
    plan = TargetPlan(cycle_id=cycle.id, school_id=school_id, status=PlanStatus.not_started, version=1)
    db.session.add(plan)
    db.session.flush()
    db.session.execute(insert(Target), build_target_rows([db.session.get(School, school_id)], {school_id: plan.id}))
    db.session.commit()
    return plan


def test_random_people_doing_random_things_never_break_the_workflows(private_app, cast):
    people = {
        "principal_a": Actor("principal_a", Role.principal, reaches_plan=True),
        "principal_b": Actor("principal_b", Role.principal),
        "leader_own": Actor("leader_own", Role.regional_leader, reaches_plan=True),
        "leader_other": Actor("leader_other", Role.regional_leader),
        "superintendent": Actor("superintendent", Role.superintendent),
        "board": Actor("board", Role.board),
        "admin": Actor("admin", Role.admin, reaches_plan=True, keeps_check_in=True),
        "office_own": Actor("office_own", Role.central_office, keeps_check_in=True),
        "office_other": Actor("office_other", Role.central_office),
        "central_reader": Actor("central_reader", Role.central_office),
    }
    emails = {"principal_a": cast.principal, "principal_b": cast.other_principal, "leader_own": cast.leader,
              "leader_other": cast.other_leader, "superintendent": "superintendent@district.example",
              "board": "board@district.example", "admin": "admin@district.example",
              "office_own": cast.office_email, "office_other": cast.other_office_email,
              "central_reader": "psa@district.example"}
    for name, actor in people.items():
        actor.person = log_in(private_app, emails[name], actor.role)
    with private_app.app_context():
        plan = open_trajectory_plan(cast.school)
        rows = [(r.id, r.baseline_value, r.metric.value_min, r.metric.value_max) for r in load_plan_rows(plan)]
        Workflows.plan_id = plan.id
        Workflows.school_rows = sorted(rows)
        db.session.remove()
    Workflows.app, Workflows.actors = private_app, people
    run_state_machine_as_test(Workflows, settings=settings(max_examples=15, stateful_step_count=30))
    assert RUNS["examples"] >= 15 and RUNS["succeeded"] > 0 and RUNS["refused"] > 0

