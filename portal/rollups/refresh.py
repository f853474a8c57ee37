"""The worker's half of the stored rollups: after a change, compute again every stored rollup the
change made stale, so that no reader's request waits for it (the dashboard shows the copy stored
earlier today, with its time, and swaps the new figures in once they are stored here).

Each stored rollup says what it is (portal.cache.store.Stored); RECOMPUTE names, for each kind, the
function that computes it from its stored filters. A kind stored without an entry here is never
refreshed by the worker (a test checks that every kind the pages store has one)."""
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import date
from functools import partial

from portal.cache import store
from portal.extensions import db
from portal.kernel import clock, plans
from portal.rollups.dashboard import payloads
from portal.rollups.public import progress
from portal.targets import peers

log = logging.getLogger("portal.worker")

RECOMPUTE: dict[str, Callable[[dict, date], dict]] = {
    "district": payloads.recompute,  # the district and region pages, for each set of filters
    "public": progress.recompute,  # the public progress page's sums
    "peers": peers.recompute,  # the peer spread on the target form, per cycle, region and level
}


def refresh_stale() -> int:
    """Compute and store today's stale rollups again, the most recently computed first; return how
    many were computed. One that cannot be computed (its plan or cycle is gone) is dropped, and one
    that fails otherwise is left for the next turn; the others go on."""
    today = clock.today()
    done = 0
    for what in store.stale(today):
        compute = RECOMPUTE.get(what.name)
        if compute is None:
            continue
        try:
            with _plan(what.plan_id):
                done += store.recompute(what, partial(compute, what.filters, today), today)
        except LookupError:
            db.session.rollback()
            store.drop(what.key)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("recomputing the stored rollup %s failed; it is tried again on the next turn", what.key)
    return done


def _plan(plan_id: int | None) -> AbstractContextManager:
    """The stored rollup's Strategic Plan in view while it is computed again (a reader may have
    looked at an earlier plan)."""
    if plan_id is None:
        return nullcontext()
    plan = db.session.get(plans.StrategicPlan, plan_id)
    if plan is None:
        raise LookupError(f"plan {plan_id} is gone")
    return plans.working_on(plan)
