"""Keeping action plans: create and edit an initiative, add and edit its progress metrics, start a
check-in. Each change is written with its audit event and flushed; the view commits them together."""
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.actions import BadInput
from portal.kernel.audit import AuditEvent
from portal.kernel.workflow import check_version, describe_change, flush_versioned
from portal.org.models import Office
from portal.progress.models import CheckIn, Initiative, ProgressMetric, Stage
from portal.strategic_plan.models import Measure, Priority


@dataclass
class InitiativeData:
    name: str = ""
    priority: Priority | None = None
    description: str = ""
    measures: list[Measure] = field(default_factory=list)
    office: Office | None = None


@dataclass
class MetricData:
    name: str = ""
    unit: str = "count"
    direction: str = "up"
    breakdown: str = ""
    baselines: dict = field(default_factory=dict)
    targets: dict = field(default_factory=dict)
    baseline_label: str = ""
    target_label: str = ""


def slug(text: str, limit: int = 40) -> str:
    """A short code from a name: lowercase words joined by underscores."""
    words = re.sub(r"[^a-z0-9]+", "_", text.lower().replace("&", " and ")).strip("_")
    return words[:limit].rstrip("_") or "plan"


def unique_code(name: str, taken: set[str], limit: int = 40) -> str:
    base = slug(name, limit)
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"_{n}"
        candidate = base[:limit - len(suffix)].rstrip("_") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def _audit(entity: str, entity_id: int, action: str, user, *, to_state: str | None = None,
           details: dict | None = None, at: datetime | None = None) -> None:
    db.session.add(AuditEvent(entity=entity, entity_id=entity_id, action=action, from_state=None, to_state=to_state,
                              details=details, actor_id=user.id, actor_role=user.role.value, at=at or clock.now()))


def _owner(data: InitiativeData) -> tuple[Priority, Office]:
    """The Priority and office read_initiative found; views save nothing while either is missing."""
    if data.priority is None or data.office is None:
        raise BadInput(gettext("Choose the Priority this action plan serves and the office that owns it."))
    return data.priority, data.office


def create_initiative(data: InitiativeData, user) -> Initiative:
    priority, office = _owner(data)
    for attempt in range(3):  # two people naming plans alike at once: the loser takes the next code
        taken = set(db.session.scalars(select(Initiative.code)))
        initiative = Initiative(code=unique_code(data.name, taken), name=data.name, description=data.description,
                                priority=priority, office=office, measures=list(data.measures))
        db.session.add(initiative)
        try:
            db.session.flush()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    _audit("initiative", initiative.id, "create", user,
           details={"code": initiative.code, "priority": priority.code, "office": office.code})
    db.session.flush()
    return initiative


def _last_event(initiative_id: int, actions: tuple[str, ...], metric: str | None = None) -> AuditEvent | None:
    """The latest of the action plan's audit events of these kinds (about this metric, when named)."""
    events = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity == "initiative", AuditEvent.entity_id == initiative_id, AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id.desc()))
    return next((e for e in events if metric is None or (e.details or {}).get("metric") == metric), None)


def describe_plan_change(initiative_id: int) -> str:
    """Who changed the action plan's own fields last, and when (a metric added or changed does not
    move the plan's version, so it is not the change to name)."""
    return describe_change(_last_event(initiative_id, ("create", "edit")), gettext("this action plan"))


def describe_metric_change(initiative_id: int, code: str) -> str:
    last = _last_event(initiative_id, ("add_metric", "edit_metric"), code)
    return describe_change(last, gettext("this progress metric"),
                           done="added" if last and last.action == "add_metric" else "changed")


def update_initiative(initiative: Initiative, data: InitiativeData, user, expected_version: int) -> None:
    """Save the edit form as one audited change, or raise ConflictError when the form was filled in
    on an older version of the plan than the one saved now (nothing is written)."""
    initiative_id = initiative.id
    check_version(initiative, expected_version, lambda: describe_plan_change(initiative_id))
    priority, office = _owner(data)
    changes = {}
    before = {"name": initiative.name, "priority": initiative.priority.code, "description": initiative.description,
              "measures": [m.code for m in initiative.measures], "office": initiative.office.code}
    after = {"name": data.name, "priority": priority.code, "description": data.description,
             "measures": [m.code for m in data.measures], "office": office.code}
    for key, value in after.items():
        if before[key] != value:
            changes[key] = [before[key], value]
    if not changes:
        return
    initiative.name, initiative.priority, initiative.description = data.name, priority, data.description
    initiative.measures = list(data.measures)
    initiative.office = office
    # Set by hand: a change of measures alone writes only the link table, which moves no version.
    initiative.version = expected_version + 1
    _audit("initiative", initiative.id, "edit", user, details={"changes": changes})
    flush_versioned(lambda: describe_plan_change(initiative_id))


def _metric_fields(metric: ProgressMetric, data: MetricData) -> None:
    metric.name, metric.unit, metric.direction, metric.breakdown = data.name, data.unit, data.direction, data.breakdown
    metric.baselines, metric.targets = dict(data.baselines), dict(data.targets)
    metric.baseline_label, metric.target_label = data.baseline_label, data.target_label


def add_metric(initiative: Initiative, data: MetricData, user) -> ProgressMetric:
    taken = {m.code for m in initiative.metrics}
    position = db.session.execute(select(func.coalesce(func.max(ProgressMetric.position), -1))
                                  .where(ProgressMetric.initiative_id == initiative.id)).scalar_one() + 1
    metric = ProgressMetric(initiative_id=initiative.id, code=unique_code(data.name, taken), position=position)
    _metric_fields(metric, data)
    db.session.add(metric)
    db.session.flush()
    _audit("initiative", initiative.id, "add_metric", user, details={"metric": metric.code, "name": metric.name})
    db.session.flush()
    return metric


def update_metric(metric: ProgressMetric, data: MetricData, user, expected_version: int) -> None:
    """Save a metric's edit form as one audited change, or raise ConflictError when the form was
    filled in on an older version of the metric (nothing is written)."""
    initiative_id, code = metric.initiative_id, metric.code
    check_version(metric, expected_version, lambda: describe_metric_change(initiative_id, code))
    before = {"name": metric.name, "unit": metric.unit, "direction": metric.direction, "breakdown": metric.breakdown,
              "baselines": metric.baselines or {}, "targets": metric.targets or {},
              "baseline_label": metric.baseline_label, "target_label": metric.target_label}
    after = {"name": data.name, "unit": data.unit, "direction": data.direction, "breakdown": data.breakdown,
             "baselines": data.baselines, "targets": data.targets, "baseline_label": data.baseline_label,
             "target_label": data.target_label}
    changes = {k: [before[k], v] for k, v in after.items() if before[k] != v}
    if not changes:
        return
    _metric_fields(metric, data)
    _audit("initiative", metric.initiative_id, "edit_metric", user,
           details={"metric": metric.code, "changes": changes})
    flush_versioned(lambda: describe_metric_change(initiative_id, code))


def start_check_in(initiative: Initiative, period: str, period_end, user) -> CheckIn | None:
    """A new check-in at stage 1, with its "create" audit event in the same transaction.

    Returns None when another check-in took the period at the same moment."""
    now = clock.now()
    check_in = CheckIn(initiative_id=initiative.id, period=period, period_end=period_end, stage=Stage.sharing,
                       updated_at=now, updated_by_id=user.id)
    db.session.add(check_in)
    try:
        db.session.flush()
    except IntegrityError:  # the view rolls back
        return None
    _audit("check_in", check_in.id, "create", user, to_state=Stage.sharing.value,
           details={"period": period, "period_end": period_end.isoformat()}, at=now)
    db.session.flush()
    return check_in

