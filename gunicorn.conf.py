"""gunicorn's settings for the portal, read when gunicorn is started from the checkout
(`gunicorn --workers 4 wsgi:app`). Anything given on the command line wins.

gunicorn serves the pages only: run `flask worker` beside it, as a service of its own with the same
environment (e-mail, the figures a change made stale, the daily reminders and digests; README, "The
worker beside the web server")."""
import os

from portal.config import proxy_notice, throttle_store_problem

timeout = 30  # a request past this is killed; imports stop themselves well before (portal/imports/reader.py)


def on_starting(server):
    """Refuse to start several workers that would each count failed log-ins alone, and say whose
    address the throttle sees."""
    problem = throttle_store_problem(os.environ.get("RATELIMIT_STORAGE_URI", "memory://"), server.cfg.workers)
    if problem:
        server.log.error(problem)
        raise SystemExit(problem)
    trusted = int(os.environ.get("TRUSTED_PROXIES", "0") or 0)
    (server.log.info if trusted else server.log.warning)(proxy_notice(trusted))
