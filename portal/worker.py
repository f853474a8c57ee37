"""The worker: `flask worker`, the process beside the web server that does what no reader's request
should wait for. Built on APScheduler, which runs its jobs on a timer and on the daily schedule:

- every WORKER_POLL_SECONDS: send the e-mail that is due from the outbox (portal.notifications);
- every WORKER_POLL_SECONDS: recompute the stored rollups that a change has made stale, so the
  dashboard takes the new figures without a reader waiting for them;
- each day at SCHEDULE_HOUR (and once when the worker starts, to catch up on a day it was down):
  the reminders, the check-in calendar's periods opening and coming due, and the daily digests.
  Every scheduled message carries a key that names it for good, so a second run on the same day
  sends nothing twice.

`flask schedule` runs the daily part once, for cron or a systemd timer, and `flask worker --once`
runs every job once and stops.
"""
import logging
from collections.abc import Callable
from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from portal.extensions import db
from portal.kernel import clock
from portal.notifications import delivery, digests
from portal.progress import period_notices
from portal.progress import reminders as check_in_reminders
from portal.rollups import refresh
from portal.targets import reminders as target_reminders

log = logging.getLogger("portal.worker")


def daily_jobs() -> list[tuple[str, Callable[[date], int]]]:
    """The daily schedule, in order: reminders first, so that today's digests carry them."""
    return [("target_reminders", target_reminders.remind), ("check_in_reminders", check_in_reminders.remind),
            ("check_in_periods", period_notices.announce), ("digests", digests.queue_digests)]


def run_schedule(day: date | None = None) -> dict[str, int]:
    """The daily part once: each job in its own transaction; return how many messages each queued."""
    day = day or clock.today()
    done = {}
    for name, job in daily_jobs():
        try:
            done[name] = job(day)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("the daily job %s failed; the others go on", name)
            done[name] = -1
    return done


def deliver_all(batch: int = 100) -> delivery.Run:
    """Send e-mail until nothing is due (a batch at a time); what happened, added up."""
    total = delivery.Run()
    while True:
        run = delivery.deliver_due(batch)
        total.sent += run.sent
        total.retrying += run.retrying
        total.failed += run.failed
        total.skipped += run.skipped
        total.errors += run.errors
        if not (run.sent or run.failed or run.skipped) or run.retrying:
            return total


def in_context(app: Flask, job: Callable[[], object]) -> Callable[[], None]:
    def run() -> None:
        with app.app_context():
            try:
                job()
            except Exception:
                db.session.rollback()
                log.exception("worker job failed; it runs again on its next turn")
            finally:
                db.session.remove()
    return run


def frequent_jobs() -> list[tuple[str, Callable[[], object]]]:
    """What runs every WORKER_POLL_SECONDS, each job in its own thread (a long recompute does not hold
    up the e-mail): send what is due, and compute again the stored rollups a change made stale."""
    return [("deliver", deliver_all), ("rollups", refresh.refresh_stale)]


def _still_running(record: logging.LogRecord) -> bool:
    return "maximum number of running instances reached" not in record.getMessage()


def scheduler(app: Flask):
    from apscheduler.schedulers.blocking import BlockingScheduler
    from apscheduler.triggers.cron import CronTrigger
    from apscheduler.triggers.interval import IntervalTrigger

    sched = BlockingScheduler(timezone=app.config["SCHEDULE_TIMEZONE"])
    every = IntervalTrigger(seconds=app.config["WORKER_POLL_SECONDS"])
    # Every run of a job is not news (a failure is logged by in_context), nor is a frequent job still
    # running at its next turn: it runs again when it is done.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)
    logging.getLogger("apscheduler.scheduler").addFilter(_still_running)
    for name, job in frequent_jobs():
        sched.add_job(in_context(app, job), every, id=name, name=name, max_instances=1, coalesce=True)
    sched.add_job(in_context(app, run_schedule), CronTrigger(hour=app.config["SCHEDULE_HOUR"]), id="daily",
                  name="daily", max_instances=1, coalesce=True, misfire_grace_time=3600)
    return sched


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Run every job once (send what is due, the daily schedule) and stop.")
def worker_command(once):
    """Send e-mail from the outbox, recompute stale rollups, and run the daily reminders and digests."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if once:
        click.echo(f"Daily schedule: {run_schedule()}")
        for name, job in frequent_jobs():
            click.echo(f"{name}: {job()}")
        return
    click.echo(f"Worker started: every {app.config['WORKER_POLL_SECONDS']:g} s it sends due e-mail and "
               "recomputes stale figures; the daily "
               f"schedule runs at {app.config['SCHEDULE_HOUR']}:00 {app.config['SCHEDULE_TIMEZONE']}.")
    run_schedule()  # catch up on a day the worker was down: what has gone already is not sent again
    db.session.remove()
    try:
        scheduler(app).start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("Worker stopped.")


@click.command("schedule")
@with_appcontext
def schedule_command():
    """Queue today's reminders and digests once (for cron or a systemd timer); the worker sends them."""
    for name, count in run_schedule().items():
        click.echo(f"{name}: {'failed, see the log' if count < 0 else count}")
