"""Hostile uploads and huge numbers against gunicorn with its real worker timeout, on SQLite and on
PostgreSQL. Small workbooks that unpack to millions of rows (or say they do) are uploaded to the
Measure of Success values import and to the results import, several at once, while /healthz is
polled every 0.2 s; then numbers no figure can hold are typed into every form that takes a figure.
Every request must be refused with a message, quickly, without a 5xx, a worker timeout or a
restarted worker; /healthz must answer 200 throughout; and the database must not change."""
import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass

import requests
from sqlalchemy import select

from portal.kernel.uploads import MAX_RATIO, MAX_UNPACKED
from portal.kernel.clock import today
from portal.kernel.policy import Role
from portal.measures import annual_reports, value_import
from portal.measures.models import MeasureValue
from portal.org.models import User
from portal.progress.check_ins import current_check_ins
from portal.progress.models import BoardUpdate, Initiative, ProgressMetric, Stage
from portal.strategic_plan.models import Measure
from portal.targets import results
from portal.targets.models import Actual, PlanStatus, Target, TargetPlan
from portal.targets.queries import current_cycle

from .district import figure_column, reading
from .harness import ROOT, Gunicorn, Person, text_of
from .hostile import Bomb, HealthPoller, bombs, dump, form_to, plan_rows, rows_changed, workers_rss_kb

PORTS = {"sqlite": 8231, "postgresql": 8232}
HOSTILE_FIGURES = ROOT / "test-artifacts" / "soak" / "hostile.json"  # also in figures.json, which each run rewrites
WORKERS = 4
TIMEOUT = 30  # gunicorn's --timeout as production runs it: gunicorn.conf.py's, and gunicorn's default
HUGE = ["1.7e308", "1e309", "NaN", "1e30"]
ORDINARY = "12"
# The number checks' messages (kernel.numbers and the forms' readers); a missing version says "version".
NUMBER_REFUSED = re.compile(r"Enter (a|the) (number|value)[^.]*\.")
VERSION_MISSING = "did not say which version"
# How long an upload may take to be refused: the archive checks answer at once; the row limit
# after reading up to the limit (or the reader's 10 s budget, whichever comes first) plus the answer.
QUICK = 5.0
SLOW_LIMIT = {"measures": 10.0, "results": 13.0}


@dataclass
class Upload:
    where: str  # measures | results
    bomb: Bomb
    status: int = 0
    seconds: float = 0.0
    said: str = ""
    error: str = ""


@dataclass
class Cast:
    office: str
    initiative_id: int
    metric_id: int
    check_in_id: int
    measure: str
    principal: str
    plan_id: int
    row_id: int
    board_updates: list[str]  # each Board update's page (an annual report's is the scorecard's)
    figure: str  # the row attribute the plan's cycle asks for (year_target in an annual cycle)


def choose(app) -> Cast:
    """An office person with an action plan whose check-in of the current period they may still edit
    (stage 1 or sent back) and a measure their office keeps; a principal with a plan of the open
    cycle they may edit."""
    with reading(app) as s:
        current = current_check_ins(s.scalars(select(Initiative)).all()).values()
        editable = sorted((c for c in current if c.stage in (Stage.sharing, Stage.sent_back)), key=lambda c: c.id)
        for check_in in editable:
            initiative = check_in.initiative
            office = s.scalar(select(User.email).where(User.role == Role.central_office, User.active.is_(True),
                                                       User.office_id == initiative.office_id).order_by(User.id))
            metric = s.scalar(select(ProgressMetric.id).where(ProgressMetric.initiative_id == initiative.id,
                                                              ProgressMetric.breakdown == "")
                              .order_by(ProgressMetric.id))
            measure = s.scalar(select(Measure.code).where(Measure.owner_office_id == initiative.office_id,
                                                          Measure.feed_metric_id.is_(None))
                               .order_by(Measure.code))
            if office and metric and measure:
                break
        else:
            raise AssertionError("the demo district has no editable check-in with an office person and a measure")
        cycle = current_cycle()
        assert cycle is not None and cycle.is_open(today()), f"no target cycle is open on {today()}"
        plan = s.scalars(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id, TargetPlan.status.in_(
            [PlanStatus.draft, PlanStatus.not_started, PlanStatus.returned])).order_by(TargetPlan.id)).first()
        principal = s.scalar(select(User.email).where(User.role == Role.principal, User.active.is_(True),
                                                      User.school_id == plan.school_id).order_by(User.id))
        row = s.scalar(select(Target.id).where(Target.plan_id == plan.id).order_by(Target.id))
        # /board-updates/<id> of an annual report redirects to the page the scorecard assembles it on.
        updates = [f"/annual-reports/{u.id}" if u.kind_code == annual_reports.KIND else f"/board-updates/{u.id}"
                   for u in s.scalars(select(BoardUpdate).order_by(BoardUpdate.id))]
        return Cast(office, initiative.id, metric, check_in.id, measure, principal, plan.id, row, list(updates),
                    figure_column(cycle))


def counts(app) -> dict[str, int]:
    with reading(app) as s:
        return {"measure_value": len(s.scalars(select(MeasureValue.id)).all()),
                "actual": len(s.scalars(select(Actual.id)).all())}


# ---------------------------------------------------------------- the uploads

def upload_all(uploads: list[Upload], people: dict[str, Person]) -> None:
    """Every upload at one instant, each from its own thread and session."""
    barrier = threading.Barrier(len(uploads))

    def send(up: Upload) -> None:
        person = people[up.where]
        path = "/measures/import" if up.where == "measures" else "/admin/actuals"
        barrier.wait()
        started = time.monotonic()
        try:
            answer = person.post(path, files={"file": (f"{up.bomb.kind}.xlsx", up.bomb.data,
                                                       "application/vnd.openxmlformats-officedocument"
                                                       ".spreadsheetml.sheet")})
            up.status, up.said = answer.status_code, text_of(answer)
        except requests.RequestException as exc:
            up.error = f"{type(exc).__name__}: {exc}"
        up.seconds = time.monotonic() - started

    threads = [threading.Thread(target=send, args=(up,)) for up in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def upload_problems(up: Upload) -> list[str]:
    label = f"{up.bomb.kind} ({up.bomb.what}) to the {up.where} import"
    if up.error:
        return [f"{label}: no answer after {up.seconds:.1f} s: {up.error}"]
    problems = []
    if up.status != 422 or "Nothing was imported" not in up.said:
        problems.append(f"{label}: {up.status}, not a refusal with the import's report: {up.said[:300]!r}")
    expected = [up.bomb.expect] + (["took too long to read"] if up.bomb.kind == "rows" else [])
    if not any(e in up.said for e in expected):
        problems.append(f"{label}: refused without saying {expected[0]!r}: {up.said[:300]!r}")
    limit = SLOW_LIMIT[up.where] if up.bomb.kind == "rows" else QUICK
    if up.seconds > limit:
        problems.append(f"{label}: answered after {up.seconds:.1f} s (more than {limit:g} s)")
    return problems


# ---------------------------------------------------------------- the huge numbers

@dataclass
class Attempt:
    what: str
    value: str
    status: int
    said: str
    versioned: bool  # the form on the page carried a version, and it was sent back


def refused_for_the_number(a: Attempt) -> str | None:
    if a.status < 400 or a.status >= 500:
        return f"{a.what} = {a.value}: answered {a.status}, not a refusal: {a.said[:300]!r}"
    if VERSION_MISSING in a.said:
        return f"{a.what} = {a.value}: refused for a missing version, not for the number: {a.said[:300]!r}"
    if not NUMBER_REFUSED.search(a.said):
        return f"{a.what} = {a.value}: {a.status} without the number's message: {a.said[:400]!r}"
    return None


def try_numbers(cast: Cast, office: Person, principal: Person, values: list[str]) -> list[Attempt]:
    """Each value typed into each form that takes a figure, the rest of the form as the page gives
    it (its hidden fields, the version among them, read from the page just loaded)."""
    attempts = []
    initiative, check_in = f"/initiatives/{cast.initiative_id}", f"/check-ins/{cast.check_in_id}"
    plan, row = f"/targets/plans/{cast.plan_id}", cast.row_id

    def send(what: str, person: Person, page: str, action: str, name: str, value: str, post_to: str = "",
             htmx: bool = False, **chosen: str) -> None:
        loaded = person.get(page)
        assert loaded.status_code == 200, f"{page}: {loaded.status_code}"
        form = form_to(loaded.text, action)
        fields = form.filled({name: value, **chosen})
        person.requests += 1
        answer = person.http.post(person.url(post_to or action), data=fields, allow_redirects=False, timeout=60,
                                  headers={"HX-Request": "true"} if htmx else {})
        attempts.append(Attempt(what, value, answer.status_code, text_of(answer), "version" in form.names()))

    measure = f"/measures/{cast.measure}"
    years = [y for y in form_to(office.get(measure).text, f"{measure}/values").options["year"] if y]
    # The row's figure as the plan's form names it: this year's target in the open annual cycle.
    figure = plan_rows(principal.get(plan).text, cast.plan_id)[row].figure
    assert figure == f"{cast.figure}-{row}", f"the plan's form asks for {figure}, its cycle for {cast.figure}"
    for value in values:
        send("progress metric target", office, initiative, f"{initiative}/metrics/{cast.metric_id}", "targets", value)
        send("check-in value", office, check_in, f"{check_in}/save", f"value-{cast.metric_id}-0", value)
        send("Measure of Success value", office, measure, f"{measure}/values", "value", value, year=years[0])
        send("target plan row (autosave)", principal, plan, f"{plan}/save", figure, value,
             post_to=f"{plan}/rows/{row}", htmx=True)
        send("target plan (save all)", principal, plan, f"{plan}/save", figure, value)
    return attempts


def pages_after(cast: Cast, office: Person, principal: Person, superintendent: Person) -> dict[str, int]:
    pages = {
        f"/initiatives/{cast.initiative_id}": office, f"/check-ins/{cast.check_in_id}": office,
        f"/measures/{cast.measure}": office, "/scorecard": office,
        f"/targets/plans/{cast.plan_id}": principal,
        "/dashboard/": superintendent, "/board-updates": superintendent, "/annual-reports": superintendent,
        "/cycle": superintendent,
        **dict.fromkeys(cast.board_updates, superintendent),
    }
    return {path: person.get(path).status_code for path, person in pages.items()}


# ---------------------------------------------------------------- the test

def test_hostile_uploads_and_huge_numbers_are_refused_and_the_server_stays_up(district, logs, figures, throttle_store):
    kind, url, app = district
    cast = choose(app)
    header = {"measures": tuple(value_import.IMPORT_COLUMNS), "results": tuple(results.COLUMNS)}
    limits = {"measures": value_import.SPEC.max_rows, "results": results.SPEC.max_rows}
    made = {where: bombs(header[where], limits[where]) for where in header}
    sheet = made["measures"]["rows"].sheet
    # The rows bomb must get past the archive checks, so that the streaming reader is what stops it.
    assert sheet.file_size < MAX_UNPACKED and sheet.file_size < MAX_RATIO * sheet.compress_size

    server = Gunicorn(PORTS[kind], url, logs, workers=WORKERS, timeout=TIMEOUT, RATELIMIT_STORAGE_URI=throttle_store)
    poller = None
    problems: list[str] = []
    started = time.monotonic()
    try:
        server.start()
        people = {"measures": Person(cast.office, server.url).login(),
                  "results": Person("admin@district.example", server.url).login()}
        principal = Person(cast.principal, server.url).login()
        superintendent = Person("superintendent@district.example", server.url).login()
        before_pages = pages_after(cast, people["measures"], principal, superintendent)
        before, before_counts = dump(app), counts(app)
        rss_before = workers_rss_kb(server.proc.pid)
        poller = HealthPoller(server.url, server.proc.pid).start("uploads")

        # Two bursts of four uploads at once, two of each kind in each.
        bursts = [["rows", "declared"], ["squeezed", "understated"]]
        uploads: list[Upload] = []
        for kinds in bursts:
            burst = [Upload(where, made[where][k]) for k in kinds for where in ("measures", "results")]
            upload_all(burst, people)
            uploads += burst
        for up in uploads:
            problems += upload_problems(up)
        after_uploads, after_counts = dump(app), counts(app)

        poller.switch("numbers")
        attempts = try_numbers(cast, people["measures"], principal, HUGE)
        problems += [p for p in map(refused_for_the_number, attempts) if p]
        after = dump(app)
        # The same forms, filled the same way with an ordinary number, are saved: what refused the
        # huge ones was the number.
        controls = try_numbers(cast, people["measures"], principal, [ORDINARY])
        problems += [f"{c.what} = {c.value}: {c.status}, not saved: {c.said[:300]!r}" for c in controls
                     if c.status != 303 and not (c.status == 200 and "Saved at" in c.said)]
        after_pages = pages_after(cast, people["measures"], principal, superintendent)
        health = poller.stop()
    finally:
        if poller is not None:
            poller.stop()
        server.stop()
    elapsed = time.monotonic() - started

    log = server.log.read_text(errors="replace")
    booted = len(re.findall(r"Booting worker with pid", log))
    statuses = Counter(int(m) for m in re.findall(r'" (\d{3}) ', log))
    problems += [f"{p} answered {s} before the hostile requests" for p, s in before_pages.items() if s != 200]
    problems += [f"{p} answered {s} after the hostile requests" for p, s in after_pages.items() if s != 200]
    for phase, h in health.items():
        problems += [f"/healthz during the {phase}: {f}" for f in h.failures]
        if h.polls < 5:
            problems.append(f"/healthz polled only {h.polls} times during the {phase}")
    if "WORKER TIMEOUT" in log or booted != WORKERS:
        problems.append(f"gunicorn timed out or restarted a worker ({booted} boots):\n"
                        + "\n".join(line for line in log.splitlines() if "WORKER TIMEOUT" in line or "Booting" in line))
    problems += [f"gunicorn logged: {line}" for line in server.server_errors()[:10]]
    problems += [f"{n} answers with status {s}" for s, n in statuses.items() if s >= 500]
    changed_by_uploads = rows_changed(before, after_uploads)
    changed = rows_changed(before, after)
    if changed or after_counts != before_counts:
        problems.append(f"the database changed: {changed} (measure values and results {before_counts} -> "
                        f"{after_counts})")

    figures[f"hostile/{kind}"] = {
        "gunicorn": {"workers": WORKERS, "worker_class": "sync", "timeout_s": TIMEOUT, "worker_boots": booted,
                     "worker_rss_before_mb": round(rss_before / 1024)},
        "uploads": [{"import": up.where, "bomb": up.bomb.kind, "what": up.bomb.what, "bytes": len(up.bomb.data),
                     "sheet_declares_bytes": up.bomb.sheet.file_size, "status": up.status,
                     "seconds": round(up.seconds, 2), "error": up.error,
                     "message": next((m for m in (up.bomb.expect, "took too long to read") if m in up.said), "")}
                    for up in uploads],
        "uploads_answered": sum(1 for up in uploads if up.status and not up.error),
        "upload_seconds_max": round(max(up.seconds for up in uploads), 2),
        "number_attempts": len(attempts),
        "number_statuses": dict(Counter(a.status for a in attempts)),
        "number_refused_with_message": sum(1 for a in attempts if refused_for_the_number(a) is None),
        "number_forms_with_version": {a.what: a.versioned for a in attempts},
        "plan_row_field": cast.figure,
        "ordinary_number_saved": sum(1 for c in controls if c.status in (200, 303)),
        "pages_after": after_pages,
        "healthz": {phase: {"polls": h.polls, "ok": h.ok, "worst_latency_s": round(h.worst, 3),
                            "failures": len(h.failures), "worker_rss_peak_mb": round(h.worst_rss_kb / 1024)}
                    for phase, h in health.items()},
        "statuses_in_access_log": dict(sorted(statuses.items())),
        "server_errors_5xx": sum(n for s, n in statuses.items() if s >= 500),
        "rows_changed": sum(changed.values()), "rows_changed_by_uploads": sum(changed_by_uploads.values()),
        "measure_values_and_results": after_counts,
        "seconds": round(elapsed, 1),
    }
    HOSTILE_FIGURES.parent.mkdir(parents=True, exist_ok=True)
    kept = json.loads(HOSTILE_FIGURES.read_text()) if HOSTILE_FIGURES.exists() else {}
    HOSTILE_FIGURES.write_text(json.dumps({**kept, kind: figures[f"hostile/{kind}"]}, indent=2, sort_keys=True))
    print(f"\nhostile/{kind}:", json.dumps(figures[f"hostile/{kind}"], sort_keys=True))
    assert not problems, "\n".join(problems[:40])
