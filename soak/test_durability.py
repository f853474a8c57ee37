"""kill -9 the app server in the middle of a write load, start it again, and every change that
was answered is there, with its audit event; nothing is half written. On SQLite and PostgreSQL."""
import itertools
import threading
import time
from dataclasses import dataclass, field

import requests

from portal.progress.workflow import CHECK_IN
from portal.targets.workflow import PLAN
from portal.progress.models import Stage
from portal.targets.models import PlanStatus

from . import district as d
from .district import cast_the_district
from .harness import PORTAL_TODAY, Gunicorn, Person
from .hostile import RowFields, plan_rows
from .races import SAVED_VERSION_RE, VERSION_RE, chain_problems, in_parallel

PORTS = {"sqlite": 8211, "postgresql": 8212}
KILLS = 2
LOAD_SECONDS = 6  # at least this long under load before each kill,
ANSWERED_PER_KILL = 30  # and at least this many changes answered (however slow the machine is)


@dataclass
class Writer:
    """One person writing as fast as the server answers; keeps every answered change."""

    person: Person
    answered: list = field(default_factory=list)
    refused: int = 0
    unanswered: int = 0
    server_errors: list = field(default_factory=list)

    def loop(self, stop: threading.Event, step) -> None:
        while not stop.is_set():
            try:
                step()
            except requests.RequestException:
                self.unanswered += 1  # the server died under this request: it may or may not have landed
                return

    def check(self, response: requests.Response) -> requests.Response:
        if response.status_code >= 500:
            self.server_errors.append(f"{response.status_code} {response.request.method} {response.url}")
        return response


def row_fields(person: Person, plan_id: int, check) -> dict[int, RowFields]:
    """Every row's fields, as the plan page's form names them."""
    page = check(person.get(f"/targets/plans/{plan_id}"))
    assert page.status_code == 200, f"plan {plan_id}: {page.status_code}"
    return plan_rows(page.text, plan_id)


class RowWriter(Writer):
    """A principal autosaving the rows of their plan, one after another."""

    def __init__(self, person: Person, plan_id: int, rows: list[int], index: int):
        super().__init__(person)
        self.plan_id, self.rows, self.index = plan_id, itertools.cycle(rows), index
        self.fields = row_fields(person, plan_id, self.check)
        assert set(self.fields) == set(rows), f"plan {plan_id}: the form's rows are not the plan's"
        self.version = None
        self.n = 0

    def step(self) -> None:
        if self.version is None:
            page = self.check(self.person.get(f"/targets/plans/{self.plan_id}"))
            self.version = int(VERSION_RE.search(page.text).group(1))
        row = next(self.rows)
        self.n += 1
        value = round(10 + (self.index * 997 + self.n) % 900 / 10, 1)
        rationale = f"Draft {self.n}"  # never the same twice: every save is a change, with its audit event
        response = self.check(self.person.post(f"/targets/plans/{self.plan_id}/rows/{row}", {
            **self.fields[row].typed(str(value), rationale, "linear"), "version": self.version}, htmx=True))
        if response.status_code == 200 and "Saved at" in response.text:
            self.version = int(SAVED_VERSION_RE.search(response.text).group(1))
            self.answered.append((row, value, self.version, rationale))
        else:
            self.refused += 1
            self.version = None


class WholePlanWriter(Writer):
    """A principal saving every row of the plan at once ("Save draft"): all rows or none."""

    def __init__(self, person: Person, plan_id: int, rows: list[int]):
        super().__init__(person)
        self.plan_id, self.rows = plan_id, rows
        self.fields = row_fields(person, plan_id, self.check)
        assert set(self.fields) == set(rows), f"plan {plan_id}: the form's rows are not the plan's"
        self.n = 0

    def step(self) -> None:
        page = self.check(self.person.get(f"/targets/plans/{self.plan_id}"))
        version = int(VERSION_RE.search(page.text).group(1))
        self.n += 1
        value = round(30 + self.n % 600 / 10, 1)
        data = {"version": version}
        for row in self.rows:
            data.update(self.fields[row].typed(str(value), f"Whole plan saved, pass {self.n}", "aggressive"))
        response = self.check(self.person.post(f"/targets/plans/{self.plan_id}/save", data))
        if response.status_code == 303:
            self.answered.append(value)
        else:
            self.refused += 1


class PlanCycler(Writer):
    """The region's leader and the school's principal taking a plan round and round its review:
    approve, reopen, resubmit."""

    def __init__(self, leader: Person, principal: Person, plan_id: int, state: PlanStatus):
        super().__init__(leader)
        self.principal, self.plan_id, self.state = principal, plan_id, state

    def step(self) -> None:
        if self.state == PlanStatus.submitted:
            who, action, path = self.person, "approve", f"/review/plans/{self.plan_id}"
        elif self.state == PlanStatus.approved:
            who, action, path = self.person, "reopen", f"/review/plans/{self.plan_id}"
        else:
            who, action, path = self.principal, "submit", f"/targets/plans/{self.plan_id}"
        version = int(VERSION_RE.search(self.check(who.get(path)).text).group(1))
        if action == "submit":
            response = self.check(who.post(f"/targets/plans/{self.plan_id}/submit", {"version": version}))
            won = response.status_code == 303 and "submitted to your regional office" in who.follow(response).text
        else:
            response = self.check(who.post(f"/review/plans/{self.plan_id}/decide", {
                "action": action, "version": version, "comment": "Reopened for the spring data."}))
            won = response.status_code == 303
        if won:
            self.answered.append(action)
            self.state = PLAN.transitions[(self.state, action)][0]
        else:
            self.refused += 1


class CheckInMover(Writer):
    """The superintendent's office (and the office, when it is sent back) moving a check-in on."""

    def __init__(self, supt: Person, office: Person, check_in_id: int, stage: Stage, update_id: int):
        super().__init__(supt)
        self.office, self.check_in_id, self.state, self.update_id = office, check_in_id, stage, update_id

    def step(self) -> None:
        path = f"/check-ins/{self.check_in_id}"
        moves = {
            Stage.data_review: (self.person, "accept_data", "review", {"action": "accept_data"}),
            Stage.sent_back: (self.office, "submit_update", "submit", {}),
            Stage.superintendent: (self.person, "record_superintendent", "superintendent",
                                   {"supt_date": PORTAL_TODAY, "supt_feedback": "Keep going."}),
            Stage.ready: (self.person, "place", "place", {"board_update_id": self.update_id}),
            Stage.board: (self.person, "unplace", "unplace", {"board_update_id": self.update_id}),
        }
        who, action, verb, data = moves[self.state]
        version = int(VERSION_RE.search(self.check(who.get(path)).text).group(1))
        response = self.check(who.post(f"{path}/{verb}", {**data, "version": version}))
        if response.status_code == 303:
            self.answered.append(action)
            self.state = CHECK_IN.transitions[(self.state, action)][0]
        else:
            self.refused += 1


def load_until_answered(writers: list[Writer], wanted: int, seconds: float, limit: float = 120) -> None:
    started, before = time.monotonic(), sum(len(w.answered) for w in writers)
    while time.monotonic() - started < limit:
        time.sleep(0.25)
        if time.monotonic() - started >= seconds and sum(len(w.answered) for w in writers) - before >= wanted:
            return


def in_order(answered: list[str], events: list[str]) -> bool:
    """Every answered action is in the audit trail, in the order it was answered."""
    trail = iter(events)
    return all(any(a == e for e in trail) for a in answered)


def test_a_killed_server_loses_no_answered_change_and_leaves_nothing_half_written(district, logs, figures, throttle_store):
    kind, url, app = district
    cast = cast_the_district(app)
    server = Gunicorn(PORTS[kind], url, logs, workers=4, RATELIMIT_STORAGE_URI=throttle_store).start()
    base = server.url
    start = d.last_event_id(app)

    row_plans = cast.draft_plans[:6]
    whole_rows = sorted(d.target_values(app, cast.draft_plan_id))
    plan_starts = {p.plan_id: d.plan_state(app, p.plan_id) for p in cast.plan_races}
    check_in_starts = {c.check_in_id: d.check_in_state(app, c.check_in_id) for c in cast.check_in_races}
    row_starts = {plan_id: d.plan_state(app, plan_id)[1] for plan_id, _, _ in row_plans}
    value_starts = {plan_id: d.target_values(app, plan_id) for plan_id, _, _ in row_plans}
    whole_start = d.plan_state(app, cast.draft_plan_id)[1]

    row_writers = in_parallel([lambda i=i, p=plan_id, e=email, r=rows: RowWriter(Person(e, base).login(), p, r, i)
                               for i, (plan_id, email, rows) in enumerate(row_plans)])
    whole = WholePlanWriter(Person(cast.draft_principals[0], base).login(), cast.draft_plan_id, whole_rows)
    cyclers = in_parallel([lambda p=p: PlanCycler(Person(p.leaders[0], base).login(), Person(p.principal, base).login(),
                                                  p.plan_id, plan_starts[p.plan_id][0]) for p in cast.plan_races])
    movers = in_parallel([lambda i=i, c=c: CheckInMover(
        Person(cast.superintendents[i % 2], base).login(), Person(c.office_staff[0], base).login(), c.check_in_id,
        check_in_starts[c.check_in_id][0], cast.draft_update_id) for i, c in enumerate(cast.check_in_races)])
    writers: list[Writer] = [*row_writers, whole, *cyclers, *movers]

    try:
        for _ in range(KILLS):
            stop = threading.Event()
            threads = [threading.Thread(target=w.loop, args=(stop, w.step)) for w in writers]
            for t in threads:
                t.start()
            load_until_answered(writers, ANSWERED_PER_KILL, LOAD_SECONDS)
            server.kill9()  # mid-load: every writer has a request in flight or about to be
            stop.set()
            for t in threads:
                t.join(60)
            server.start()  # the same database, as an operator restarts it
            # Each writer picks up from what the database now says, as a person reloading would.
            for w in row_writers:
                w.version = None
            for c in cyclers:
                c.state = d.plan_state(app, c.plan_id)[0]
            for m in movers:
                m.state = d.check_in_state(app, m.check_in_id)[0]
        # The server answers again, with the sessions people had before the kills.
        assert all(w.person.get("/home").status_code == 200 for w in writers)
    finally:
        server.stop()

    problems = [e for w in writers for e in w.server_errors] + d.integrity_problems(app)
    figure = cast.figure  # what the rows' figures are saved as, and their audit events record
    problems += [f"plan {w.plan_id}: the form's row field {f.figure} is not {figure}, the figure of {cast.cycle}"
                 for w in [*row_writers, whole] for f in w.fields.values() if f.column != figure][:5]
    survived = 0
    for w in row_writers:
        events = d.events_since(app, "target_plan", w.plan_id, start)
        _, version = d.plan_state(app, w.plan_id)
        stored = d.target_values(app, w.plan_id)
        v0 = row_starts[w.plan_id]
        if version - v0 != len(events):
            problems.append(f"plan {w.plan_id}: version moved {version - v0} with {len(events)} audit events")
        # Replay the audit trail from the values the rows held before the load: each event starts from
        # the value the one before it left (nothing written without its event), and says what it left.
        held = dict(value_starts[w.plan_id])
        after: list[tuple | None] = []  # (row, its figure, the rationale written) after each event
        for e in events:
            row, changes = e.details.get("target_id"), e.details.get("changes", {})
            if e.action != "edit" or row not in held:
                problems.append(f"plan {w.plan_id}: event {e.id} ({e.action}) is not a save of one of its rows")
                after.append(None)
                continue
            if figure in changes:
                old, new = changes[figure]
                if old != held[row]:
                    problems.append(f"plan {w.plan_id} row {row}: event {e.id} changed {figure} from {old}, "
                                    f"the row held {held[row]}")
                held[row] = new
            after.append((row, held[row], changes.get("rationale", [None, None])[1]))
        for row, value, answered_version, rationale in w.answered:
            k = answered_version - v0 - 1
            if not 0 <= k < len(events) or after[k] != (row, value, rationale):
                problems.append(f"plan {w.plan_id}: the answered save of {value} to row {row} (version "
                                f"{answered_version}) is lost: {after[k] if 0 <= k < len(after) else 'no event'}")
            else:
                survived += 1
        for row, value in held.items():
            if stored[row] != value:
                problems.append(f"plan {w.plan_id} row {row}: {stored[row]} stored, the last audited save was {value}")

    events = d.events_since(app, "target_plan", cast.draft_plan_id, start)
    stored = d.target_values(app, cast.draft_plan_id)
    # Each save's value, over the rows whose figure it changed (a row already holding it is not in
    # the event); a save that was cut in half would show two values, or leave rows behind.
    saved_values = [{c[figure][1] for c in e.details.get("rows", {}).values() if figure in c} for e in events]
    if any(len(v) != 1 for v in saved_values):
        problems.append(f"whole-plan saves audited with mixed values: {saved_values}")
    if any(set(e.details.get("rows", {})) != {str(r) for r in whole_rows} for e in events):  # each pass's
        problems.append("a whole-plan save is audited without every row")  # rationale changes every row
    if d.plan_state(app, cast.draft_plan_id)[1] - whole_start != len(events):
        problems.append("the whole plan's version does not match its audit trail")
    if set(stored.values()) != (saved_values[-1] if saved_values else set(stored.values())):
        problems.append(f"the whole plan is half written: rows hold {sorted(set(stored.values()))}")
    if not in_order([str(v) for v in whole.answered], [str(next(iter(v), None)) for v in saved_values]):
        problems.append("an answered whole-plan save is missing")
    survived += len(whole.answered)

    for label, items, state_of, entity, starts in (
            ("plan", cyclers, lambda c: d.plan_state(app, c.plan_id), "target_plan", plan_starts),
            ("check-in", movers, lambda m: d.check_in_state(app, m.check_in_id), "check_in", check_in_starts)):
        for w in items:
            key = w.plan_id if entity == "target_plan" else w.check_in_id
            events = d.events_since(app, entity, key, start)
            state, version = state_of(w)[:2]
            start_state, start_version = starts[key][:2]
            actions = [e.action for e in events]
            if not in_order(w.answered, actions):
                problems.append(f"{label} {key}: answered {w.answered}, audit trail {actions}")
            if len(events) > len(w.answered) + KILLS:
                problems.append(f"{label} {key}: {len(events)} changes for {len(w.answered)} answered")
            if version - start_version != len(events):
                problems.append(f"{label} {key}: version moved {version - start_version}, {len(events)} audited")
            if events and state.value != events[-1].to_state:
                problems.append(f"{label} {key}: at {state.value}, the audit trail ends at {events[-1].to_state}")
            problems += chain_problems(f"{label} {key}", events, start_state.value)
            survived += len(w.answered)
    for m in movers:
        stage, _, updates = d.check_in_state(app, m.check_in_id)
        if (stage == Stage.board) != (cast.draft_update_id in updates):
            problems.append(f"check-in {m.check_in_id}: at {stage.value} with Board updates {updates}")

    assert not problems, "\n".join(problems[:30])
    answered = sum(len(w.answered) for w in writers)
    assert survived == answered and answered >= KILLS * ANSWERED_PER_KILL
    figures[f"durability/{kind}"] = {
        "cycle": cast.cycle, "row_field": figure, "check_in_period": cast.period,
        "kills": server.kills, "writers": len(writers), "seconds_of_load_per_kill": LOAD_SECONDS,
        "changes_answered": answered, "changes_survived": survived, "lost": answered - survived,
        "requests_cut_off_by_kill": sum(w.unanswered for w in writers),
        "row_saves_answered": sum(len(w.answered) for w in row_writers),
        "whole_plan_saves_answered": len(whole.answered), "whole_plan_rows": len(whole_rows),
        "plan_decisions_answered": sum(len(c.answered) for c in cyclers),
        "check_in_moves_answered": sum(len(m.answered) for m in movers),
        "audit_events_after_restart": d.events_after(app, start),
    }
