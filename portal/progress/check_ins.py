"""Initiatives and check-ins: entering a period's values, moving a check-in through the four
stages (always through check_in_workflow.CHECK_IN), time series for charts, and who may edit what."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel import workflow
from portal.kernel.audit import AuditEvent
from portal.kernel.dates import HAPPENED, DateRange, read_date
from portal.kernel.formatting import count
from portal.kernel.policy import Role
from portal.progress import workflow as check_in_workflow
from portal.progress.models import CheckIn, Initiative, MetricValue, Progress, ProgressMetric

MAX_TEXT = 5000


def can_edit_initiative(user, initiative: Initiative) -> bool:
    """An office keeps its own initiatives; administrators keep all."""
    return user.role == Role.admin or (user.role == Role.central_office and user.office_id == initiative.office_id)


def breakdowns(metric: ProgressMetric, values: list[MetricValue] | None = None) -> list[str]:
    """The breakdown values a metric is reported by: its baselines' and targets' keys, then any
    reported before, in first-seen order ("" alone when the metric has no breakdown)."""
    if not metric.breakdown:
        return [""]
    seen: dict[str, None] = {}
    for key in list(metric.baselines or {}) + list(metric.targets or {}):
        seen.setdefault(key, None)
    for value in values or []:
        if value.metric_id == metric.id:
            seen.setdefault(value.breakdown, None)
    return [k for k in seen if k]


def initiative_values(initiative: Initiative) -> list[MetricValue]:
    """Every value reported for the initiative, oldest period first (so breakdowns keep their order)."""
    return list(db.session.scalars(select(MetricValue).join(CheckIn).where(CheckIn.initiative_id == initiative.id)
                                   .order_by(CheckIn.period_end, MetricValue.id)).all())


def series(initiative: Initiative) -> dict:
    """metric id -> breakdown -> [(period, as_of, value, stage, generated)], in period order."""
    out: dict = defaultdict(lambda: defaultdict(list))
    rows = db.session.execute(
        select(MetricValue, CheckIn.period, CheckIn.period_end, CheckIn.stage).join(CheckIn)
        .where(CheckIn.initiative_id == initiative.id).order_by(CheckIn.period_end, MetricValue.id)).all()
    for value, period, _end, stage in rows:
        out[value.metric_id][value.breakdown].append((period, value.as_of, value.value, stage, value.generated))
    return out


def parse_date(raw: str | None, within: DateRange = HAPPENED) -> tuple[date | None, str | None]:
    """A date typed in a check-in's forms: by default a day that has happened (an as-of date, a
    session held); a period's last day is read `within` dates.PERIOD_END."""
    return read_date(raw, within, example="2023-02-28")


@dataclass
class CheckInEntry:
    """What an office reports for a period, parsed from its form: a value (and as-of date) for each
    metric and breakdown, the status, the narrative and the evidence links."""

    values: dict[tuple[int, str], tuple[float, date]] = field(default_factory=dict)
    status: Progress | None = None
    narrative: str = ""
    evidence: list[dict] = field(default_factory=list)


def clear_generated(check_in: CheckIn, fields) -> None:
    """A person's change: what they changed, and the time of the last change, are no longer the demo's."""
    kept = [f for f in check_in.generated or [] if f not in {*fields, "updated_at"}]
    if kept != list(check_in.generated or []):
        check_in.generated = kept


def _value_changes(check_in: CheckIn, wanted: dict[tuple[int, str], tuple[float, date]]) -> dict[str, list]:
    """Add, change and remove the check-in's values to match `wanted`; what changed, for the audit."""
    existing = {(v.metric_id, v.breakdown): v for v in check_in.values}
    changes: dict[str, list] = {}
    for key, (value, as_of) in wanted.items():
        current = existing.get(key)
        if current is None:
            db.session.add(MetricValue(check_in_id=check_in.id, metric_id=key[0], breakdown=key[1], value=value,
                                       as_of=as_of))
            changes[f"{key[0]}:{key[1]}"] = [None, value]
        elif (current.value, current.as_of) != (value, as_of):
            changes[f"{key[0]}:{key[1]}"] = [current.value, value]
            current.value, current.as_of, current.generated = value, as_of, False
    for key, current in existing.items():
        if key not in wanted:
            changes[f"{key[0]}:{key[1]}"] = [current.value, None]
            db.session.delete(current)
    return changes


def save_check_in(check_in: CheckIn, entry: CheckInEntry, user, expected_version: int | None) -> None:
    """Save the office's part of a check-in as one audited edit (nothing when nothing changed)."""
    changes = _value_changes(check_in, entry.values)
    for attr, value in (("status", entry.status), ("narrative", entry.narrative), ("evidence", entry.evidence)):
        if getattr(check_in, attr) != value:
            changes[attr] = [str(getattr(check_in, attr)), str(value)]
            setattr(check_in, attr, value)
    if not changes:
        if expected_version is not None and expected_version != check_in.version:
            raise workflow.ConflictError(check_in_workflow.CHECK_IN.describe_last_change(check_in))
        return
    check_in_workflow.CHECK_IN.apply(check_in, "edit", user, expected_version=expected_version,
                                     details={"changes": changes},
                                     before_flush=lambda obj, _now: clear_generated(obj, changes))


def submit_problems(check_in: CheckIn) -> list[str]:
    problems = []
    if check_in.sharing_date is None:
        problems.append(_("Record the strategy sharing session (stage 1) first."))
    if not check_in.values:
        problems.append(_("Enter at least one metric value."))
    if check_in.status is None:
        problems.append(_("Choose a status: on track, at risk or off track."))
    if not check_in.narrative:
        problems.append(_("Write a short narrative of the period's progress."))
    return problems


def too_long() -> str:
    return _("Keep this under %(num)s characters.", num=count(MAX_TEXT))


def record_sharing(check_in: CheckIn, form: dict, user, expected_version) -> dict:
    errors = {}
    when, problem = parse_date(form.get("sharing_date"))
    if problem or when is None:
        errors["sharing_date"] = problem or _("Enter the date of the sharing session.")
    attendees = (form.get("sharing_attendees") or "").strip()
    if not attendees:
        errors["sharing_attendees"] = _("List who attended.")
    notes = (form.get("sharing_notes") or "").strip()
    for name, text in (("sharing_attendees", attendees), ("sharing_notes", notes)):
        if len(text) > MAX_TEXT:
            errors[name] = too_long()
    if errors or when is None:
        return errors

    def fill(obj, _now):
        obj.sharing_date, obj.sharing_attendees, obj.sharing_notes = when, attendees, notes
        clear_generated(obj, ("sharing_date", "sharing_attendees", "sharing_notes"))
    check_in_workflow.CHECK_IN.apply(check_in, "record_sharing", user, expected_version=expected_version,
                            before_flush=fill, details={"date": when.isoformat()})
    return {}


def submit_update(check_in: CheckIn, user, expected_version) -> list[str]:
    decision = check_in_workflow.CHECK_IN.check(check_in, "submit_update", user)
    if not decision.allowed:
        raise workflow.WorkflowError(decision.reason)
    problems = submit_problems(check_in)
    if problems:
        return problems
    check_in_workflow.CHECK_IN.apply(check_in, "submit_update", user, expected_version=expected_version,
                                     before_flush=lambda obj, _now: clear_generated(obj, ()))
    return []


def review(check_in: CheckIn, action: str, form: dict, user, expected_version) -> dict:
    """Stage 2: accept the data (with notes) or send it back (comment required)."""
    notes = (form.get("review_notes") or form.get("comment") or "").strip()
    if len(notes) > MAX_TEXT:
        return {"comment": too_long()}
    if action == "send_back" and not notes:
        return {"comment": _(check_in_workflow.CHECK_IN.needs_comment["send_back"])}

    def fill(obj, _now):
        if action == "accept_data":
            obj.review_notes = notes
        clear_generated(obj, ("review_notes",) if action == "accept_data" else ())
    check_in_workflow.CHECK_IN.apply(check_in, action, user, comment=notes or None, expected_version=expected_version,
                            before_flush=fill)
    return {}


def record_superintendent(check_in: CheckIn, form: dict, user, expected_version) -> dict:
    errors = {}
    when, problem = parse_date(form.get("supt_date"))
    if problem or when is None:
        errors["supt_date"] = problem or _("Enter the date of the update with the superintendent.")
    feedback = (form.get("supt_feedback") or "").strip()
    if not feedback:
        errors["supt_feedback"] = _("Record the superintendent's feedback.")
    decisions = (form.get("supt_decisions") or "").strip()
    followups = (form.get("supt_followups") or "").strip()
    for name, text in (("supt_feedback", feedback), ("supt_decisions", decisions), ("supt_followups", followups)):
        if len(text) > MAX_TEXT:
            errors[name] = too_long()
    if errors:
        return errors

    def fill(obj, _now):
        obj.supt_date, obj.supt_feedback, obj.supt_decisions, obj.supt_followups = when, feedback, decisions, followups
        clear_generated(obj, ("supt_date", "supt_feedback", "supt_decisions", "supt_followups"))
    check_in_workflow.CHECK_IN.apply(check_in, "record_superintendent", user, expected_version=expected_version,
                            before_flush=fill, comment=feedback)
    return {}


def place(check_in: CheckIn, board_update, user, expected_version) -> None:
    """Stage 4: put a ready check-in into a Board update that is not yet published."""
    if board_update.published:
        raise workflow.WorkflowError(_("That Board update is published; its report can no longer change."))

    def attach(obj, _now):
        obj.board_updates.append(board_update)
        clear_generated(obj, ())
    check_in_workflow.CHECK_IN.apply(check_in, "place", user, expected_version=expected_version, before_flush=attach,
                            details={"board_update_id": board_update.id})


def unplace(check_in: CheckIn, board_update, user, expected_version) -> None:
    if board_update.published:
        raise workflow.WorkflowError(_("That Board update is published; its report can no longer change."))

    def detach(obj, _now):
        if board_update in obj.board_updates:
            obj.board_updates.remove(board_update)
        clear_generated(obj, ())
    check_in_workflow.CHECK_IN.apply(check_in, "unplace", user, expected_version=expected_version, before_flush=detach,
                            details={"board_update_id": board_update.id})


def history(check_in: CheckIn) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "check_in",
                                                            AuditEvent.entity_id == check_in.id)
                                   .options(selectinload(AuditEvent.actor)).order_by(AuditEvent.id)).all())


def current_check_ins(initiatives: list[Initiative]) -> dict[int, CheckIn]:
    """Each initiative's latest check-in (by period end)."""
    if not initiatives:
        return {}
    latest: dict[int, CheckIn] = {}
    for check_in in db.session.scalars(select(CheckIn).where(
            CheckIn.initiative_id.in_([i.id for i in initiatives])).order_by(CheckIn.period_end)):
        latest[check_in.initiative_id] = check_in
    return latest
