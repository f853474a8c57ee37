"""Review in sequence: the queue a reviewer opened a plan from, carried through the review page in one
parameter, and the next plan in that queue that is waiting for a decision."""
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import Row
from werkzeug.datastructures import MultiDict

from portal.extensions import db
from portal.org.models import School
from portal.targets.models import PlanStatus, TargetPlan
from portal.targets.queries import current_cycle
from portal.targets.review.queries import ReviewFilter, narrowed, queue_order, scope_region

# Longer than any of the queue's own filters: a longer value did not come from the queue.
MAX_QUEUE = 300


def queue_filter(raw: str | None) -> ReviewFilter:
    """The queue's filters from the `queue` parameter (the queue's own query string). Only the filters
    the queue knows, with values it accepts, are kept, and every address is built again from them,
    so no value can lead off the review pages; anything else is the whole queue."""
    if not raw or len(raw) > MAX_QUEUE:
        return ReviewFilter()
    try:
        pairs = parse_qsl(raw, max_num_fields=len(ReviewFilter.__dataclass_fields__))
    except ValueError:
        return ReviewFilter()
    flt = ReviewFilter.from_args(MultiDict(pairs))
    flt.page = 1  # the sequence runs over every page of the queue
    return flt


def carry(flt: ReviewFilter) -> dict:
    """The `queue` parameter for a review page's address: nothing for the whole queue in its usual order."""
    args = flt.as_args(page=1)
    return {"queue": urlencode(args)} if args else {}


@dataclass(frozen=True)
class Place:
    """Where a plan stands among the queue's plans waiting for a decision."""

    position: int | None  # its place among them, from 1, when it is one of them
    waiting: int  # how many plans in the queue wait for a decision
    next_id: int | None  # the next one after it in the queue's order, from the top again after the last
    next_school: str = ""


QueueRow = Row[int, PlanStatus, str]  # a plan's id, status and school name


def _following(rows: Sequence[QueueRow], plan_id: int) -> list[QueueRow]:
    """The queue's rows after the plan's, then those before it: the order a reviewer goes on in."""
    here = next((i for i, row in enumerate(rows) if row.id == plan_id), None)
    if here is None:
        return list(rows)
    return [*rows[here + 1:], *rows[:here]]


def place_in_queue(user, plan_id: int, flt: ReviewFilter) -> Place:
    """The plan's place in the queue `flt` describes, among the plans the person may see (a regional
    leader's region only), and the next of them that is waiting for a decision."""
    cycle = current_cycle()
    if cycle is None:
        return Place(None, 0, None)
    region = scope_region(user, flt.region)
    rows = db.session.execute(narrowed(user, cycle, region, flt)
                              .with_only_columns(TargetPlan.id, TargetPlan.status, School.name)
                              .order_by(*queue_order(flt))).all()
    waiting = [row.id for row in rows if row.status == PlanStatus.submitted]
    following = [row for row in _following(rows, plan_id) if row.status == PlanStatus.submitted]
    position = waiting.index(plan_id) + 1 if plan_id in waiting else None
    upcoming = following[0] if following else None
    return Place(position, len(waiting), upcoming.id if upcoming else None, upcoming.name if upcoming else "")
