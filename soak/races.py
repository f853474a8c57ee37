"""People racing each other over HTTP: two reviewers deciding the same plan, a principal's two
tabs submitting and editing at once, two people moving the same check-in, many principals saving
the same row. Each race starts from the version every contender has on screen, and is released
at one instant; exactly one must win, and every other contender must be told why."""
import itertools
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests

from portal.progress.workflow import CHECK_IN
from portal.targets.workflow import PLAN
from portal.progress.models import Stage
from portal.targets.models import PlanStatus

from . import district
from .district import Cast, CheckInRace, PlanRace
from .harness import PORTAL_TODAY, Person, text_of
from .hostile import RowFields, plan_rows

VERSION_RE = re.compile(r'name="version" value="(\d+)"')
SAVED_VERSION_RE = re.compile(r'id="plan-version" name="version" value="(\d+)" hx-swap-oob')
# How the portal tells the loser: who acted first and when (the person themself, from another tab,
# is told it was them), or what the record's state allows.
REFUSED = re.compile(r"[^.]* while you were working\. Reload to see their change\.|"
                     r"You [^.]* in another tab or a moment ago, at [^,]+, so this page was out of date\.|"
                     r"This (plan|check-in) is [^:]+: you cannot [^.]+ now\.")


@dataclass
class Ledger:
    """Everything the people saw, counted across threads."""

    statuses: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    races: int = 0
    contenders: int = 0
    winners: int = 0
    losers: int = 0
    saves_won: int = 0
    saves_refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def saw(self, response: requests.Response) -> requests.Response:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code >= 500:
                self.problems.append(f"{response.status_code} from {response.request.method} {response.url}")
        return response

    def problem(self, text: str) -> None:
        with self.lock:
            self.problems.append(text)

    def refused(self, reason: str) -> None:
        first = "while you were working" in reason or "in another tab" in reason
        kind = "someone acted first" if first else "the state no longer allows it"
        with self.lock:
            self.losers += 1
            self.refusals[kind] += 1

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


@dataclass
class Outcome:
    who: str
    action: str
    won: bool
    status: int
    said: str = ""


class Contender:
    """One person's attempt in a race: read the version they see, then act on it."""

    def __init__(self, person: Person, action: str, page: str, act, ledger: Ledger):
        self.person, self.action, self.page, self.act, self.ledger = person, action, page, act, ledger

    def version(self) -> int:
        page = self.ledger.saw(self.person.get(self.page))
        found = VERSION_RE.search(page.text)
        if found is None:
            self.ledger.problem(f"{self.person.email}: {page.status_code} from {self.page}, no version on the page")
            return -1
        return int(found.group(1))

    def attempt(self, version: int) -> Outcome:
        response = self.ledger.saw(self.act(version))
        return judge(self, response)


def judge(c: Contender, response: requests.Response) -> Outcome:
    """Won, or refused with a reason a person can act on. Anything else is a problem."""
    status = response.status_code
    if c.action == "edit":  # the htmx autosave of one row answers with the row's feedback
        if status == 200 and "Saved at" in response.text:
            return Outcome(c.person.email, c.action, True, status)
        page = text_of(response)
    elif c.action == "submit" and status == 303:  # a principal's submission answers on the plan page
        page = text_of(c.ledger.saw(c.person.follow(response)))
        if "Your targets are submitted to your regional office" in page:
            return Outcome(c.person.email, c.action, True, status)
    elif status == 303:
        return Outcome(c.person.email, c.action, True, status)
    else:
        page = text_of(response)
    reason = REFUSED.search(page)
    if status not in (200, 303, 409, 422) or reason is None:
        c.ledger.problem(f"{c.person.email} {c.action}: {status}, no reason given: {page[:300]!r}")
        return Outcome(c.person.email, c.action, False, status)
    c.ledger.refused(reason.group(0))
    return Outcome(c.person.email, c.action, False, status, reason.group(0))


def race(contenders: list[Contender], ledger: Ledger) -> list[Outcome]:
    """Everyone reads the same version, then all act at one instant."""
    versions = [c.version() for c in contenders]
    if len(set(versions)) != 1:
        ledger.problem(f"contenders saw different versions {versions}")
    barrier = threading.Barrier(len(contenders))
    outcomes: list[Outcome | None] = [None] * len(contenders)

    def run(i: int) -> None:
        barrier.wait()
        try:
            outcomes[i] = contenders[i].attempt(versions[i])
        except requests.RequestException as exc:
            ledger.problem(f"{contenders[i].person.email}: {exc}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(contenders))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done = [o for o in outcomes if o is not None]
    winners = [o for o in done if o.won]
    with ledger.lock:
        ledger.races += 1
        ledger.contenders += len(contenders)
        ledger.winners += len(winners)
    if len(winners) != 1:
        ledger.problem(f"race on {contenders[0].page}: {len(winners)} winners: {done}")
    return done


# ---------------------------------------------------------------- target plans

class PlanRacer:
    """Rounds on one school's plan: two leaders and an administrator decide, a principal's two tabs
    submit and edit. Keeps the state the winners' actions lead to, to compare with the database."""

    def __init__(self, plan: PlanRace, bases: list[str], ledger: Ledger, start: PlanStatus):
        cycle = itertools.cycle(bases)
        self.plan, self.ledger, self.state = plan, ledger, start
        self.leaders = [Person(email, next(cycle)).login() for email in plan.leaders]
        self.admin = Person("admin@district.example", next(cycle)).login()
        self.tabs = [Person(plan.principal, next(cycle)).login() for _ in range(2)]
        self.winners: list[str] = []
        self.value = 40.0
        self.fields: RowFields | None = None  # the row's fields, read from the plan's form once it is editable

    def row_fields(self, person: Person) -> RowFields | None:
        """The row's fields as the plan page's form names them (the page has inputs only while the
        principal may edit, so they are read the first time the plan comes back to them)."""
        if self.fields is None:
            page = self.ledger.saw(person.get(f"/targets/plans/{self.plan.plan_id}"))
            self.fields = plan_rows(page.text, self.plan.plan_id).get(self.plan.row_id)
            if self.fields is None:
                self.ledger.problem(f"plan {self.plan.plan_id} at {self.state.value}: no fields for row "
                                    f"{self.plan.row_id} in the form")
        return self.fields

    def decide(self, person: Person, action: str, comment: str = "") -> Contender:
        def act(version):
            return person.post(f"/review/plans/{self.plan.plan_id}/decide",
                               {"action": action, "comment": comment, "version": version})
        return Contender(person, action, f"/review/plans/{self.plan.plan_id}", act, self.ledger)

    def submit(self, person: Person) -> Contender:
        def act(version):
            return person.post(f"/targets/plans/{self.plan.plan_id}/submit", {"version": version})
        return Contender(person, "submit", f"/targets/plans/{self.plan.plan_id}", act, self.ledger)

    def edit(self, person: Person) -> Contender:
        self.value = round(self.value + 0.1, 1) if self.value < 90 else 40.0
        value, row = self.value, self.plan.row_id
        fields = self.row_fields(person)
        typed = fields.typed(f"{value}", "Revised after the regional review.", "linear") if fields else {}

        def act(version):
            return person.post(f"/targets/plans/{self.plan.plan_id}/rows/{row}", {**typed, "version": version},
                               htmx=True)
        return Contender(person, "edit", f"/targets/plans/{self.plan.plan_id}", act, self.ledger)

    def contenders(self) -> list[Contender]:
        a, b = self.leaders
        if self.state == PlanStatus.submitted:
            return [self.decide(a, "approve"), self.decide(b, "return", "Raise the English Learner target."),
                    self.decide(self.admin, "approve")]
        if self.state == PlanStatus.approved:
            return [self.decide(a, "reopen", "The region's spring data changed the baseline."),
                    self.decide(b, "reopen", "Reopened to align with the region's new priorities.")]
        return [self.submit(self.tabs[0]), self.edit(self.tabs[1])]

    def run(self, rounds: int) -> None:
        for _ in range(rounds):
            outcomes = race(self.contenders(), self.ledger)
            for o in outcomes:
                if o.won:
                    self.winners.append(o.action)
                    self.state = PLAN.transitions[(self.state, o.action)][0]


# ---------------------------------------------------------------- check-ins

class CheckInRacer:
    """Rounds on one check-in: two superintendent's-office people move it through data review, the
    update with the superintendent and the Board update; two office staff resubmit it."""

    def __init__(self, item: CheckInRace, superintendents: list[str], update_id: int, bases: list[str],
                 ledger: Ledger, start: Stage):
        cycle = itertools.cycle(bases)
        self.item, self.ledger, self.state, self.update_id = item, ledger, start, update_id
        self.supts = [Person(email, next(cycle)).login() for email in superintendents]
        self.office = [Person(email, next(cycle)).login() for email in item.office_staff]
        self.winners: list[str] = []
        self.feedback: list[str] = []
        self.last_feedback = ""
        self.n = 0

    def act(self, person: Person, action: str, path: str, data: dict) -> Contender:
        def go(version):
            return person.post(f"/check-ins/{self.item.check_in_id}/{path}", {**data, "version": version})
        return Contender(person, action, f"/check-ins/{self.item.check_in_id}", go, self.ledger)

    def contenders(self) -> list[Contender]:
        a, b = self.supts
        self.n += 1
        if self.state == Stage.data_review:
            return [self.act(a, "accept_data", "review", {"action": "accept_data", "review_notes": "Figures match."}),
                    self.act(b, "send_back", "review", {"action": "send_back",
                                                        "comment": "Add the as-of date for the spring count."})]
        if self.state == Stage.sent_back:
            return [self.act(p, "submit_update", "submit", {}) for p in self.office]
        if self.state == Stage.superintendent:  # the update is held on the portal's date
            return [self.act(p, "record_superintendent", "superintendent",
                             {"supt_date": PORTAL_TODAY, "supt_feedback": f"Feedback {self.n} from {p.email}",
                              "supt_decisions": "Continue.", "supt_followups": ""}) for p in (a, b)]
        if self.state == Stage.ready:
            return [self.act(p, "place", "place", {"board_update_id": self.update_id}) for p in (a, b)]
        return [self.act(p, "unplace", "unplace", {"board_update_id": self.update_id}) for p in (a, b)]

    def run(self, rounds: int) -> None:
        for _ in range(rounds):
            contenders = self.contenders()
            outcomes = race(contenders, self.ledger)
            for c, o in zip(contenders, outcomes):
                if o.won:
                    self.winners.append(o.action)
                    if o.action == "record_superintendent":
                        self.last_feedback = f"Feedback {self.n} from {o.who}"
                    self.state = CHECK_IN.transitions[(self.state, o.action)][0]


# ---------------------------------------------------------------- many principals, one row

class RowSaver:
    """One of several principals of a school autosaving the same row: load the plan, type, save."""

    def __init__(self, email: str, base: str, plan_id: int, row_id: int, ledger: Ledger, index: int):
        self.person = Person(email, base).login()
        self.plan_id, self.row_id, self.ledger, self.index = plan_id, row_id, ledger, index
        self.saved: list[tuple[int, float]] = []  # (version the save made, value)
        self.fields: RowFields | None = None  # the row's fields, as the plan's form names them

    def run(self, attempts: int) -> None:
        row = self.row_id
        for j in range(attempts):
            value = round(20 + self.index * 5 + j * 0.1, 1)
            try:
                page = self.ledger.saw(self.person.get(f"/targets/plans/{self.plan_id}"))
                version = int(VERSION_RE.search(page.text).group(1))
                if self.fields is None:
                    self.fields = plan_rows(page.text, self.plan_id).get(row)
                    if self.fields is None:
                        self.ledger.problem(f"{self.person.email}: no fields for row {row} in the plan's form")
                        return
                response = self.ledger.saw(self.person.post(
                    f"/targets/plans/{self.plan_id}/rows/{row}",
                    {**self.fields.typed(f"{value}", "", "step_up"), "version": version}, htmx=True))
            except requests.RequestException as exc:
                self.ledger.problem(f"{self.person.email}: {exc}")
                continue
            if response.status_code == 200 and "Saved at" in response.text:
                self.saved.append((int(SAVED_VERSION_RE.search(response.text).group(1)), value))
                with self.ledger.lock:
                    self.ledger.saves_won += 1
                continue
            reason = REFUSED.search(text_of(response))
            if response.status_code != 409 or "Not saved." not in response.text or reason is None:
                self.ledger.problem(f"{self.person.email} save: {response.status_code} {text_of(response)[:300]!r}")
                continue
            with self.ledger.lock:
                self.ledger.saves_refused += 1
            self.ledger.refused(reason.group(0))


def in_parallel(make: list) -> list:
    """Everyone logs in at once (each log-in checks a password hash: slow on purpose)."""
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda f: f(), make))


def run_all(workers: list[tuple[object, int]]) -> int:
    """Run every racer and saver in its own thread; the number of threads used at the peak."""
    threads = [threading.Thread(target=w.run, args=(n,)) for w, n in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(threads)


# ---------------------------------------------------------------- the whole race, and what the database says after

def chain_problems(label: str, events, start_state: str) -> list[str]:
    """Each event starts where the one before ended: no state change without its audit event."""
    problems, state = [], start_state
    for e in events:
        if e.from_state != state:
            problems.append(f"{label}: event {e.id} ({e.action}) starts from {e.from_state}, the record was {state}")
        state = e.to_state
    return problems


def race_everything(app, cast: Cast, bases: list[str], plan_rounds: int, check_in_rounds: int,
                    saves: int) -> tuple[Ledger, dict]:
    """Every race at once against the servers at `bases`; then compare with the database."""
    ledger = Ledger()
    start = district.last_event_id(app)
    plan_starts = {p.plan_id: district.plan_state(app, p.plan_id) for p in cast.plan_races}
    check_in_starts = {c.check_in_id: district.check_in_state(app, c.check_in_id) for c in cast.check_in_races}
    draft_start = district.plan_state(app, cast.draft_plan_id)[1]
    rotate = itertools.cycle(range(len(bases)))

    def spread() -> list[str]:
        first = next(rotate)
        return bases[first:] + bases[:first]
    plan_racers = in_parallel([lambda p=p, b=spread(): PlanRacer(p, b, ledger, plan_starts[p.plan_id][0])
                               for p in cast.plan_races])
    check_in_racers = in_parallel([lambda c=c, b=spread(): CheckInRacer(
        c, cast.superintendents, cast.draft_update_id, b, ledger, check_in_starts[c.check_in_id][0])
        for c in cast.check_in_races])
    savers = in_parallel([lambda i=i, e=email: RowSaver(e, bases[i % len(bases)], cast.draft_plan_id,
                                                        cast.draft_row_id, ledger, i)
                          for i, email in enumerate(cast.draft_principals)])
    run_all([(r, plan_rounds) for r in plan_racers] + [(r, check_in_rounds) for r in check_in_racers]
            + [(s, saves) for s in savers])
    problems = ledger.problems

    for racer in plan_racers:
        status, version = district.plan_state(app, racer.plan.plan_id)
        start_status, start_version = plan_starts[racer.plan.plan_id]
        events = district.events_since(app, "target_plan", racer.plan.plan_id, start)
        label = f"plan {racer.plan.plan_id} ({racer.plan.school})"
        if status != racer.state:
            problems.append(f"{label}: {status.value} in the database, the winners led to {racer.state.value}")
        if version - start_version != len(racer.winners):
            problems.append(f"{label}: version moved {version - start_version}, {len(racer.winners)} changes won")
        if [e.action for e in events] != racer.winners:
            problems.append(f"{label}: audit {[e.action for e in events]} != winners {racer.winners}")
        problems += chain_problems(label, events, start_status.value)

    for racer in check_in_racers:
        stage, version, updates = district.check_in_state(app, racer.item.check_in_id)
        start_stage, start_version, _ = check_in_starts[racer.item.check_in_id]
        events = district.events_since(app, "check_in", racer.item.check_in_id, start)
        label = f"check-in {racer.item.check_in_id} ({racer.item.name})"
        if stage != racer.state:
            problems.append(f"{label}: {stage.value} in the database, the winners led to {racer.state.value}")
        if version - start_version != len(racer.winners):
            problems.append(f"{label}: version moved {version - start_version}, {len(racer.winners)} changes won")
        if [e.action for e in events] != racer.winners:
            problems.append(f"{label}: audit {[e.action for e in events]} != winners {racer.winners}")
        if (stage == Stage.board) != (cast.draft_update_id in updates):
            problems.append(f"{label}: at {stage.value} but Board updates {updates}")
        if racer.last_feedback and district.check_in_feedback(app, racer.item.check_in_id) != racer.last_feedback:
            problems.append(f"{label}: the stored feedback is not the winner's")
        problems += chain_problems(label, events, start_stage.value)

    for racer in plan_racers:  # the rows the principals typed in are the cycle's figure
        if racer.fields is not None and racer.fields.column != cast.figure:
            problems.append(f"plan {racer.plan.plan_id}: the form's row field {racer.fields.figure} is not "
                            f"{cast.figure}, the figure of {cast.cycle}")
    for saver in savers:
        if saver.fields is not None and saver.fields.column != cast.figure:
            problems.append(f"shared row: the form's field {saver.fields.figure} is not {cast.figure}, "
                            f"the figure of {cast.cycle}")
    saved = sorted(s for saver in savers for s in saver.saved)
    versions = [v for v, _ in saved]
    events = district.events_since(app, "target_plan", cast.draft_plan_id, start)
    _, draft_version = district.plan_state(app, cast.draft_plan_id)
    stored = district.target_values(app, cast.draft_plan_id)[cast.draft_row_id]
    if versions != list(range(draft_start + 1, draft_start + 1 + len(saved))):
        problems.append(f"shared row: the successful saves made versions {versions}, not one each from {draft_start}")
    if draft_version != draft_start + len(saved):
        problems.append(f"shared row: the plan is at version {draft_version} after {len(saved)} saves")
    if saved and stored != saved[-1][1]:
        problems.append(f"shared row: {stored} is stored, the last successful save wrote {saved[-1][1]}")
    audited = [e.details.get("changes", {}).get(cast.figure, [None, None])[1] for e in events]
    if audited != [v for _, v in saved]:
        problems.append(f"shared row: the audit trail's {cast.figure} values {audited} are not the successful "
                        f"saves in order {[v for _, v in saved]}")
    if any(e.details.get("target_id") != cast.draft_row_id for e in events):
        problems.append("shared row: an audit event of the shared plan is not of the shared row")

    figures = {
        "threads_at_peak": sum(3 if r.state == PlanStatus.submitted else 2 for r in plan_racers)
        + 2 * len(check_in_racers) + len(savers),
        "people": len(plan_racers) * 5 + len(check_in_racers) * 4 + len(savers),
        "requests": ledger.requests, "statuses": dict(sorted(ledger.statuses.items())),
        "races": ledger.races, "contenders": ledger.contenders, "winners": ledger.winners, "losers_told_why": ledger.losers,
        "refusals": dict(ledger.refusals),
        "cycle": cast.cycle, "row_field": cast.figure, "check_in_period": cast.period,
        "plans_raced": len(plan_racers), "check_ins_raced": len(check_in_racers),
        "plan_transitions": sum(len(r.winners) for r in plan_racers),
        "check_in_transitions": sum(len(r.winners) for r in check_in_racers),
        "shared_row_savers": len(savers), "shared_row_saves_won": ledger.saves_won,
        "shared_row_saves_refused": ledger.saves_refused,
        "audit_events_written": district.events_after(app, start),
        "actions_won": dict(Counter(a for r in plan_racers + check_in_racers for a in r.winners)),
    }
    return ledger, figures
