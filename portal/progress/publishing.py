"""Publishing a Board update or an annual report: one move through one transition table, which freezes
the assembled report in the record's snapshot so the Board always reads what it was given."""
import math
from collections.abc import Callable
from datetime import datetime
from functools import partial

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from portal.extensions import db
from portal.kernel.policy import SUPERINTENDENTS
from portal.kernel.workflow import ConflictError, Machine, Noun, WorkflowError
from portal.progress import documents, notices
from portal.progress.models import BoardUpdate, Publication

ANNUAL_REPORT = "annual_report"  # the Board update kind of an annual report


def _stamp(update: BoardUpdate, _state: Publication, user, now: datetime) -> None:
    update.published_at = now
    update.published_by_id = user.id


def _machine(noun: Noun, kind: str) -> Machine:
    """Publishing one kind of report; `kind` is the notification the Board and the superintendent's
    office receive when one is published."""
    return Machine("board_update", noun, "publication",
                   {(Publication.draft, "publish"): (Publication.published, SUPERINTENDENTS)}, {},
                   set_state=_stamp, announce=partial(notices.published, kind=kind))


MACHINES = {"Board update": _machine(Noun(_l("this Board update"), _l("This Board update"), _l("a Board update")),
                                     "board_update_published"),
            "annual report": _machine(Noun(_l("this annual report"), _l("This annual report"), _l("an annual report")),
                                      "annual_report_published")}


def publish(update: BoardUpdate, user, expected_version: int | None,
            assemble: Callable[[], tuple[dict, dict]], render: documents.Renderer) -> None:
    """Freeze what `assemble` returns (the report, and the details the audit event keeps), mark the
    update published and store the PDF and deck `render` makes from the frozen report; raise
    WorkflowError / ConflictError (DocumentError when a document fails) and the caller rolls back."""
    annual = update.kind_code == ANNUAL_REPORT
    machine = MACHINES["annual report" if annual else "Board update"]
    if update.published:
        raise WorkflowError(gettext("This annual report is already published.") if annual else
                            gettext("This Board update is already published."))
    if expected_version is not None and update.version != expected_version:
        raise ConflictError(
            gettext("Someone changed this annual report while you were reading it. Reload to see the latest "
                    "version before publishing.") if annual else
            gettext("Someone changed this Board update while you were reading it. Reload to see the latest "
                    "version before publishing."))
    report, details = assemble()

    def freeze(obj: BoardUpdate, _now: datetime) -> None:
        obj.snapshot = storable(report)

    machine.apply(update, "publish", user, expected_version=expected_version, details=storable(details),
                  before_flush=freeze)
    with documents.in_district_language():
        files = render(update)
    documents.store(update, files)
    db.session.flush()


def storable(value):
    """The report as JSON holds it: a figure that is not finite (stored before the forms refused one, or
    by a bug) is frozen as no figure, which the report shows as —. PostgreSQL's JSON refuses Infinity
    and NaN, and the update could never be published."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value


def anything_generated(value) -> bool:
    """Whether a report holds anything made up for the demo (a "generated" entry that is not empty)."""
    if isinstance(value, dict):
        return bool(value.get("generated")) or any(anything_generated(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(anything_generated(item) for item in value)
    return False
