"""The records the scorecard's views act on, looked up from the URL: 404 when absent or not the person's to see."""
from flask import abort

from portal.extensions import db
from portal.kernel.access import deny
from portal.measures import annual_reports as ar
from portal.measures.catalog import measure_or_none
from portal.progress.models import BoardUpdate
from portal.strategic_plan.models import Measure


def measure_or_404(code: str) -> Measure:
    measure = measure_or_none(code)
    if measure is None:
        abort(404)
    return measure


def report_or_404(update_id: int, user) -> BoardUpdate:
    """A draft is the superintendent's office's work in progress: others get 404, as if absent."""
    update = db.session.get(BoardUpdate, update_id)
    if update is None or update.kind_code != ar.KIND:
        abort(404)
    if not update.published and not ar.can_edit(user):
        deny(404, "an annual report not yet published")
    return update
