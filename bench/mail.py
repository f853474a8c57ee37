"""The outbox's benchmark (`make bench-mail`), on SQLite and on a throwaway PostgreSQL cluster:

1. delivery: a reminder to each of the 1x demo district's 1,200 principals, queued with notify() in
   one transaction, then sent by the worker's delivery code (portal.worker.deliver_all, as `flask
   worker` runs it) to an SMTP server on 127.0.0.1 (aiosmtpd, in a process of its own); timed from
   the commit that queued them to the server's acceptance of the last one. Goal: under 60 s.
2. what the outbox adds to a state change: N plan returns (decide, its audit event, the snapshot of
   the rows, the commit), each in a session of its own as a request's, and N more with the notify()
   call that tells the school's principals in the same transaction, interleaved; the median of each,
   and the difference (and, on its own, the query a caller runs to find whom to tell). Goal: 2 ms.

    python bench/mail.py [--dbs sqlite,postgresql] [--changes 500] [--out docs/performance-mail.json]

The raw figures go to docs/performance-mail.json; docs/performance.md says what they were.
"""
import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

BIN = Path(sys.executable).parent
PGBIN = Path("/usr/lib/postgresql/15/bin")
PGPORT = 25510
SCHOOLS = 1200
PORTAL_TODAY = "2024-10-15"
GOAL_DELIVERY_S = 60.0
GOAL_OVERHEAD_MS = 2.0


def log(*args) -> None:
    print(*args, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Processes:
    """Everything the benchmark starts, stopped on the way out whatever happens."""

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-bench-mail-"))
        self.procs: list[subprocess.Popen] = []
        self.pgdir: Path | None = None

    def env(self, database_url: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_", "MAIL_"))}
        env.update({"PORTAL_ENV": "development", "DATABASE_URL": database_url, "FLASK_APP": "wsgi.py",
                    "PORTAL_TODAY": PORTAL_TODAY, "PYTHONDONTWRITEBYTECODE": "1"})
        return env

    def flask(self, database_url: str, *args: str) -> float:
        started = time.perf_counter()
        done = subprocess.run([str(BIN / "flask"), *args], cwd=ROOT, env=self.env(database_url),
                              capture_output=True, text=True, check=False)
        if done.returncode:
            log(done.stdout[-3000:], done.stderr[-3000:])
            raise RuntimeError(f"flask {' '.join(args)} failed")
        return time.perf_counter() - started

    def smtp_server(self) -> int:
        """aiosmtpd's Sink (it accepts every message and keeps none) on a loopback port."""
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c",
                                 "aiosmtpd.handlers.Sink"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        self.procs.append(proc)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    return port
            time.sleep(0.1)
        raise RuntimeError("the SMTP server did not start")

    def _as_postgres(self, *cmd) -> list[str]:
        cmd_s = [str(c) for c in cmd]
        return ["runuser", "-u", "postgres", "--", *cmd_s] if os.geteuid() == 0 else cmd_s

    def postgres(self, name: str) -> str:
        if self.pgdir is None:
            self.pgdir = Path(tempfile.mkdtemp(prefix="portal-bench-mail-pg-"))
            self.pgdir.chmod(0o755)
            if os.geteuid() == 0:
                shutil.chown(self.pgdir, "postgres", "postgres")
            subprocess.run(self._as_postgres(PGBIN / "initdb", "-D", self.pgdir / "data", "-U", "postgres", "-A",
                                             "trust", "-E", "UTF8", "--no-locale", "--no-sync"),
                           check=True, capture_output=True)
            subprocess.run(self._as_postgres(PGBIN / "pg_ctl", "-D", self.pgdir / "data", "-l", self.pgdir / "log",
                                             "-w", "-o", f"-c listen_addresses=127.0.0.1 -p {PGPORT} -k {self.pgdir}",
                                             "start"), check=True, capture_output=True)
        psql = [str(PGBIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", str(PGPORT),
                "-U", "postgres"]
        subprocess.run([*psql, "-c", f"CREATE ROLE {name} LOGIN PASSWORD '{name}'", "-c",
                        f"CREATE DATABASE {name} OWNER {name}"], check=True, capture_output=True)
        return f"postgresql+psycopg://{name}:{name}@127.0.0.1:{PGPORT}/{name}"

    def cleanup(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(10)
        if self.pgdir is not None:
            if (self.pgdir / "data" / "postmaster.pid").exists():
                subprocess.run(self._as_postgres(PGBIN / "pg_ctl", "-D", self.pgdir / "data", "-m", "fast", "-w",
                                                 "stop"), capture_output=True, check=False)
            shutil.rmtree(self.pgdir, ignore_errors=True)
        shutil.rmtree(self.tmp, ignore_errors=True)


def open_app(database_url: str, smtp_port: int):
    from portal import create_app

    return create_app({"PORTAL_ENV": "development", "SQLALCHEMY_DATABASE_URI": database_url,
                       "PORTAL_TODAY": PORTAL_TODAY, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_port,
                       "MAIL_RETRY_SECONDS": 1.0})


def delivery(app) -> dict:
    """Queue a reminder to every principal in one transaction, then send them all."""
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.kernel.policy import Role
    from portal.notifications.models import SENT, OutboxEmail
    from portal.notifications.outbox import notify
    from portal.org.models import User
    from portal.worker import deliver_all

    with app.app_context():
        principals = db.session.scalars(select(User).where(User.role == Role.principal, User.active.is_(True),
                                                           User.school_id.is_not(None))).all()
        started = time.perf_counter()
        notify(principals, "target_due", "Your school's targets are due in 7 days",
               "The targets for this year are due on 1 November.", "/targets/plan", dedupe="bench-reminder")
        db.session.commit()
        queued = time.perf_counter()
        sent = 0
        while sent < len(principals):
            run = deliver_all()
            sent += run.sent
            if run.errors:
                raise RuntimeError(f"delivery failed: {run.errors[:3]}")
        done = time.perf_counter()
        assert db.session.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.state == SENT)) \
            == len(principals)
        db.session.remove()
    seconds = done - queued
    return {"emails": len(principals), "queue_transaction_s": round(queued - started, 3),
            "queued_to_all_accepted_s": round(seconds, 2), "per_second": round(len(principals) / seconds, 1),
            "goal_s": GOAL_DELIVERY_S, "meets": seconds < GOAL_DELIVERY_S}


def overhead(app, changes: int) -> dict:
    """Plan returns with and without the notify() call telling the principal in the same transaction,
    interleaved, each in a session of its own as a request's (the plan, the leader and the school's
    principals loaded first, as the page would have; the query that finds the principals is timed on
    its own). Each plan is then submitted again, untimed."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.kernel.policy import Role
    from portal.notifications.outbox import notify
    from portal.org.models import User
    from portal.targets import operations, workflow
    from portal.targets.models import PlanStatus, TargetPlan
    from portal.targets.queries import current_cycle

    comment = "Please look again at the grade 3 targets."
    timings: dict[bool, list[float]] = {True: [], False: []}
    finding: list[float] = []
    with app.app_context():
        cycle = current_cycle()
        plans = db.session.scalars(select(TargetPlan).where(TargetPlan.cycle_id == cycle.id,
                                                            TargetPlan.status == PlanStatus.submitted)
                                   .order_by(TargetPlan.id).limit(50)).all()
        people = {plan.id: (
            db.session.scalar(select(User.id).where(User.role == Role.regional_leader,
                                                    User.region_id == plan.school.region_id).limit(1)),
            db.session.scalar(select(User.id).where(User.role == Role.principal,
                                                    User.school_id == plan.school_id).limit(1)))
            for plan in plans}
        ids = [plan.id for plan in plans]
        for i in range(2 * changes):
            db.session.remove()
            plan = db.session.get(TargetPlan, ids[i % len(ids)])
            leader_id, principal_id = people[plan.id]
            leader, school = db.session.get(User, leader_id), plan.school.name
            found = time.perf_counter()  # whom to tell: the caller's query, before the change, in both
            principals = db.session.scalars(select(User).where(User.role == Role.principal,
                                                               User.school_id == plan.school_id)).all()
            finding.append((time.perf_counter() - found) * 1000)
            told = i % 2 == 0
            started = time.perf_counter()
            operations.decide(plan, "return", leader, comment, plan.version)
            if told:
                notify(principals, "plan_returned", f"{school}: your plan came back with comments",
                       "Your regional leader returned your plan.", f"/targets/plans/{plan.id}", comment=comment)
            db.session.commit()
            timings[told].append((time.perf_counter() - started) * 1000)
            workflow.apply(plan, "submit", db.session.get(User, principal_id))
            db.session.commit()
        db.session.remove()
    with_ms, without_ms = statistics.median(timings[True]), statistics.median(timings[False])
    added = with_ms - without_ms
    return {"changes_each": changes, "median_with_notify_ms": round(with_ms, 2),
            "median_without_ms": round(without_ms, 2), "added_ms": round(added, 2),
            "finding_the_principals_ms": round(statistics.median(finding), 2),
            "p95_with_ms": round(statistics.quantiles(timings[True], n=20)[18], 2),
            "p95_without_ms": round(statistics.quantiles(timings[False], n=20)[18], 2),
            "goal_ms": GOAL_OVERHEAD_MS, "meets": added < GOAL_OVERHEAD_MS}


def machine() -> dict:
    return {"cores": os.cpu_count(), "python": platform.python_version(), "kernel": platform.release(),
            "load_before": [round(x, 2) for x in os.getloadavg()]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dbs", default="sqlite,postgresql")
    parser.add_argument("--changes", type=int, default=500, help="plan returns with, and as many without, notify()")
    parser.add_argument("--out", default=str(ROOT / "docs" / "performance-mail.json"))
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    report: dict = {"machine": machine(), "started": datetime.now(UTC).isoformat(timespec="seconds"), "runs": {}}
    procs = Processes()
    try:
        port = procs.smtp_server()
        for db in args.dbs.split(","):
            if db == "postgresql" and not (PGBIN / "initdb").exists():
                log("PostgreSQL 15 is not installed: skipping it")
                continue
            url = f"sqlite:///{procs.tmp / 'mail.db'}" if db == "sqlite" else procs.postgres("bench_mail")
            log(f"{db}: building the 1x demo district ({SCHOOLS} schools)")
            procs.flask(url, "db", "upgrade")
            procs.flask(url, "seed")
            procs.flask(url, "demo", "--schools", str(SCHOOLS))
            app = open_app(url, port)
            log(f"{db}: delivering a reminder to every principal")
            sent = delivery(app)
            log(f"{db}: {args.changes} plan returns with notify() and {args.changes} without")
            added = overhead(app, args.changes)
            report["runs"][db] = {"delivery": sent, "overhead": added}
            with app.app_context():
                from portal.extensions import db as database

                database.engine.dispose()
            log(json.dumps(report["runs"][db], indent=1))
    finally:
        procs.cleanup()
    report["machine"]["load_after"] = [round(x, 2) for x in os.getloadavg()]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    for db, run in report["runs"].items():
        d, o = run["delivery"], run["overhead"]
        print(f"{db}: {d['emails']} e-mails queued to all accepted in {d['queued_to_all_accepted_s']} s "
              f"({d['per_second']}/s; goal {GOAL_DELIVERY_S:g} s: {'met' if d['meets'] else 'missed'}); "
              f"a plan return {o['median_without_ms']} ms, with notify() {o['median_with_notify_ms']} ms: "
              f"+{o['added_ms']} ms (goal {GOAL_OVERHEAD_MS:g} ms: {'met' if o['meets'] else 'missed'})")
    print(f"raw results: {args.out}")


if __name__ == "__main__":
    main()
