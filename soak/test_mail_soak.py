"""The e-mail outbox against a real SMTP server (aiosmtpd on loopback) and a real `flask worker`
process, on SQLite and on PostgreSQL: 1,200 reminders queued in one transaction are all delivered
though the worker is killed with kill -9 mid-batch; a server that refuses (421) for a while gets
every message once it recovers, each exactly once; and a server that stays down past the last retry
leaves every message failed with its error, none lost, ready for an administrator's retry.

SMTP cannot make the server's acceptance and the worker's record of it one step: a kill in the
instant between the server's "250" and the worker's commit sends that one message again, under the
same Message-ID (the receiving side can drop the copy by it). So the kill test allows at most one
Message-ID to arrive twice, and none more often."""
import os
import signal
import subprocess
import time
from collections import Counter
from email.parser import BytesHeaderParser
from email.policy import compat32
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from portal.kernel.policy import Role
from portal.notifications import delivery
from portal.notifications.models import FAILED, SENT, OutboxEmail
from portal.notifications.outbox import notify
from portal.org.models import School, User
from tests.mail_server import Keeper, free_port

from .district import reading
from .harness import BIN, ROOT, portal_env, tail, wait_until

PRINCIPALS = 1200
KILL_AT = 450
SENDER_DOMAIN = "district.example"  # MAIL_SENDER's: every Message-ID ends with it


class Counting(Keeper):
    """The tests' SMTP handler (it refuses with refuse_with), keeping only a count of each Message-ID:
    parsing every message it holds on each look would starve the server of the interpreter."""

    def __init__(self):
        super().__init__()
        self.ids: Counter = Counter()

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser(policy=compat32).parsebytes(envelope.content)
        with self.lock:
            self.ids[headers["Message-ID"]] += 1
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on a loopback port, in this process, counting what it accepts."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.keeper = Counting()
        self.controller = Controller(self.keeper, hostname="127.0.0.1", port=self.port)

    def start(self) -> "SMTPServer":
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()


class Worker:
    """`flask worker` in its own process group (so kill -9 takes it whole), sending to `port`."""

    def __init__(self, database_url: str, port: int, log: Path, **env: str):
        self.env = portal_env(database_url, MAIL_SERVER="127.0.0.1", MAIL_PORT=str(port), WORKER_POLL_SECONDS="0.2",
                              MAIL_LEASE_SECONDS="3", MAIL_TIMEOUT="5", **env)
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Worker":
        out = self.log.open("a")
        self.proc = subprocess.Popen([str(BIN / "flask"), "worker"], cwd=ROOT, env=self.env, stdout=out,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        return self

    def kill9(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def queue_reminders(app, count: int = PRINCIPALS) -> set[str]:
    """`count` principals (spread over the district's schools), each told in one transaction that
    their targets are due: the Message-IDs their e-mails will carry."""
    with reading(app) as s:
        schools = s.scalars(select(School.id).order_by(School.id)).all()
        people = [User(email=f"soak.principal.{i:04d}@schools.example", name=f"Principal {i:04d}",
                       role=Role.principal, password_hash="!", school_id=schools[i % len(schools)])
                  for i in range(count)]
        s.add_all(people)
        s.flush()
        notify(people, "target_due", "Your school's targets are due in 7 days",
               "The targets for this year are due on 1 November.", "/targets/plan", dedupe="soak-reminder")
        s.commit()
        keys = s.scalars(select(OutboxEmail.key).where(OutboxEmail.user_id.in_([p.id for p in people]))).all()
    assert len(keys) == count
    return {f"<{key}@{SENDER_DOMAIN}>" for key in keys}


def arrived(server: SMTPServer, wanted: set[str]) -> Counter:
    with server.keeper.lock:
        return Counter({i: n for i, n in server.keeper.ids.items() if i in wanted})


def states(app, wanted: set[str]) -> Counter:
    keys = [w[1:].split("@")[0] for w in wanted]
    with reading(app) as s:
        return Counter(dict(s.execute(select(OutboxEmail.state, func.count()).where(OutboxEmail.key.in_(keys))
                                      .group_by(OutboxEmail.state)).all()))


def wait_for(what: str, done, worker: Worker, timeout: float) -> float:
    started = time.monotonic()
    wait_until(what, done, timeout=timeout, proc=worker.proc, log=worker.log)
    return time.monotonic() - started


def test_a_worker_killed_mid_batch_loses_no_email(district, logs, figures):
    kind, url, app = district
    server = SMTPServer().start()
    worker = None
    try:
        wanted = queue_reminders(app)
        log = logs / "worker.log"
        worker = Worker(url, server.port, log).start()
        queued = time.monotonic()
        # Mid-batch (the worker claims 100 at a time): the rest of its batch is claimed, and one is in flight.
        wait_for("some e-mail", lambda: len(arrived(server, wanted)) >= KILL_AT, worker, 120)
        worker.kill9()
        at_kill = len(arrived(server, wanted))
        assert at_kill < PRINCIPALS, "the worker sent everything before the kill: nothing was in flight"
        worker = Worker(url, server.port, log).start()
        wait_for("every e-mail", lambda: len(arrived(server, wanted)) == PRINCIPALS
                 and states(app, wanted)[SENT] == PRINCIPALS, worker, 300)
        took = time.monotonic() - queued
        time.sleep(1)  # nothing more arrives
        counts = arrived(server, wanted)
    finally:
        if worker is not None:
            worker.stop()
        server.stop()

    twice = sorted(i for i, n in counts.items() if n == 2)
    assert set(counts) == wanted  # every one of the 1,200 delivered
    assert max(counts.values()) <= 2, counts.most_common(3)
    assert len(twice) <= 1, twice  # only the one in flight at the kill, if any
    assert states(app, wanted) == Counter({SENT: PRINCIPALS})
    with reading(app) as s:
        retried = s.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.attempts > 1))
    assert retried >= 1  # the killed worker's claimed e-mails were taken up again when their lease ended
    figures[f"mail_kill9/{kind}"] = {"queued": PRINCIPALS, "delivered_at_kill": at_kill, "distinct_delivered":
                                     len(counts), "delivered_twice": len(twice), "claimed_again": retried,
                                     "seconds_to_all": round(took, 1)}
    assert "Traceback" not in log.read_text(errors="replace").split("Worker started")[-1], tail(log)


def test_a_server_that_refuses_for_a_while_gets_every_email_once_it_recovers(district, logs, figures):
    kind, url, app = district
    server = SMTPServer().start()
    server.keeper.refuse_with = "421 4.3.2 Busy, try again later"
    worker = None
    try:
        wanted = queue_reminders(app)
        log = logs / "worker.log"
        worker = Worker(url, server.port, log, MAIL_RETRY_SECONDS="0.5", MAIL_MAX_ATTEMPTS="12").start()
        # Every e-mail refused, and the first ones refused again after a wait that doubles each time.
        wait_for("every e-mail to be refused, some three times", lambda: _tried(app, wanted, 1) == PRINCIPALS
                 and _tried(app, wanted, 3) > 0, worker, 300)
        with reading(app) as s:
            attempts = s.scalar(select(func.max(OutboxEmail.attempts)))
            deferred = s.scalar(select(OutboxEmail.last_error).where(OutboxEmail.last_error.is_not(None)).limit(1))
        assert states(app, wanted)[SENT] == 0 and len(arrived(server, wanted)) == 0
        server.keeper.refuse_with = None  # the server recovers
        took = wait_for("every e-mail", lambda: states(app, wanted)[SENT] == PRINCIPALS, worker, 300)
        time.sleep(1)
        counts = arrived(server, wanted)
    finally:
        if worker is not None:
            worker.stop()
        server.stop()

    assert "421" in deferred and "Busy" in deferred
    assert set(counts) == wanted and set(counts.values()) == {1}  # each exactly once
    assert states(app, wanted) == Counter({SENT: PRINCIPALS})
    with reading(app) as s:
        assert s.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.last_error.is_not(None),
                                                                            OutboxEmail.state == SENT)) == 0
    figures[f"mail_refused_then_recovered/{kind}"] = {"queued": PRINCIPALS, "most_attempts_while_refused": attempts,
                                                      "delivered_once": len(counts), "seconds_after_recovery":
                                                      round(took, 1)}


def _tried(app, wanted: set[str], times: int) -> int:
    keys = [w[1:].split("@")[0] for w in wanted]
    with reading(app) as s:
        return s.scalar(select(func.count()).select_from(OutboxEmail).where(OutboxEmail.key.in_(keys),
                                                                            OutboxEmail.attempts >= times))


def test_a_server_down_past_the_last_retry_leaves_every_email_failed_with_its_error(district, logs, figures):
    kind, url, app = district
    port = free_port()  # nothing listens there yet
    worker = None
    server = None
    try:
        wanted = queue_reminders(app)
        log = logs / "worker.log"
        worker = Worker(url, port, log, MAIL_RETRY_SECONDS="0.3", MAIL_MAX_ATTEMPTS="3").start()
        took = wait_for("every e-mail to fail", lambda: states(app, wanted)[FAILED] == PRINCIPALS, worker, 300)
        failed = states(app, wanted)
        # The worker's own daily jobs may queue e-mails too; only the soak's reminders are counted.
        ours = OutboxEmail.key.in_([w[1:].split("@")[0] for w in wanted])
        with reading(app) as s:
            errors = Counter(e.split(" The mail server")[0] for e in s.scalars(
                select(OutboxEmail.last_error).where(OutboxEmail.state == FAILED, ours)))
            attempts = set(s.scalars(select(OutboxEmail.attempts).where(OutboxEmail.state == FAILED, ours)))

        # Nothing is lost: the server comes back, an administrator retries them all, each arrives once.
        server = SMTPServer(port).start()
        with reading(app) as s:
            for email in s.scalars(select(OutboxEmail).where(OutboxEmail.state == FAILED, ours)):
                delivery.retry(email)
            s.commit()
        wait_for("every retried e-mail", lambda: states(app, wanted)[SENT] == PRINCIPALS, worker, 300)
        time.sleep(1)
        counts = arrived(server, wanted)
    finally:
        if worker is not None:
            worker.stop()
        if server is not None:
            server.stop()

    assert failed == Counter({FAILED: PRINCIPALS})
    assert errors == Counter({"Gave up after 3 attempts.": PRINCIPALS}), errors
    assert attempts == {3}
    assert set(counts) == wanted and set(counts.values()) == {1}
    figures[f"mail_server_down/{kind}"] = {"queued": PRINCIPALS, "failed_after_3_attempts": failed[FAILED],
                                           "seconds_to_all_failed": round(took, 1),
                                           "delivered_once_after_retry": len(counts)}
