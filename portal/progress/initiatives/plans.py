"""Keeping action plans: create and edit an initiative, add and edit its progress metrics, start a
check-in. Each change is one transaction with its audit event; nothing is half written."""
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.models import AuditEvent, CheckIn, Initiative, ProgressMetric, Stage
from portal.progress.initiatives.forms import InitiativeData, MetricData, unique_code


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _audit(entity: str, entity_id: int, action: str, user, *, to_state: str | None = None,
           details: dict | None = None, at: datetime | None = None) -> None:
    db.session.add(AuditEvent(entity=entity, entity_id=entity_id, action=action, from_state=None, to_state=to_state,
                              details=details, actor_id=user.id, actor_role=user.role.value, at=at or _now()))


def create_initiative(data: InitiativeData, user) -> Initiative:
    for attempt in range(3):  # two people naming plans alike at once: the loser takes the next code
        taken = set(db.session.scalars(select(Initiative.code)))
        initiative = Initiative(code=unique_code(data.name, taken), name=data.name, description=data.description,
                                priority=data.priority, office=data.office, measures=list(data.measures))
        db.session.add(initiative)
        try:
            db.session.flush()
            break
        except IntegrityError:
            db.session.rollback()
            if attempt == 2:
                raise
    _audit("initiative", initiative.id, "create", user,
           details={"code": initiative.code, "priority": data.priority.code, "office": data.office.code})
    db.session.commit()
    return initiative


def update_initiative(initiative: Initiative, data: InitiativeData, user) -> None:
    changes = {}
    before = {"name": initiative.name, "priority": initiative.priority.code, "description": initiative.description,
              "measures": [m.code for m in initiative.measures], "office": initiative.office.code}
    after = {"name": data.name, "priority": data.priority.code, "description": data.description,
             "measures": [m.code for m in data.measures], "office": data.office.code}
    for key, value in after.items():
        if before[key] != value:
            changes[key] = [before[key], value]
    if not changes:
        return
    initiative.name, initiative.priority, initiative.description = data.name, data.priority, data.description
    initiative.measures = list(data.measures)
    initiative.office = data.office
    _audit("initiative", initiative.id, "edit", user, details={"changes": changes})
    db.session.commit()


def _metric_fields(metric: ProgressMetric, data: MetricData) -> None:
    metric.name, metric.unit, metric.direction, metric.breakdown = data.name, data.unit, data.direction, data.breakdown
    metric.baselines, metric.targets = dict(data.baselines), dict(data.targets)
    metric.baseline_label, metric.target_label = data.baseline_label, data.target_label


def add_metric(initiative: Initiative, data: MetricData, user) -> ProgressMetric:
    taken = {m.code for m in initiative.metrics}
    position = db.session.scalar(select(func.coalesce(func.max(ProgressMetric.position), -1))
                                 .where(ProgressMetric.initiative_id == initiative.id)) + 1
    metric = ProgressMetric(initiative_id=initiative.id, code=unique_code(data.name, taken), position=position)
    _metric_fields(metric, data)
    db.session.add(metric)
    db.session.flush()
    _audit("initiative", initiative.id, "add_metric", user, details={"metric": metric.code, "name": metric.name})
    db.session.commit()
    return metric


def update_metric(metric: ProgressMetric, data: MetricData, user) -> None:
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
    db.session.commit()


def start_check_in(initiative: Initiative, period: str, period_end, user) -> CheckIn | None:
    """A new check-in at stage 1, with its "create" audit event in the same transaction.

    Returns None when another check-in took the period at the same moment."""
    now = _now()
    check_in = CheckIn(initiative_id=initiative.id, period=period, period_end=period_end, stage=Stage.sharing,
                       updated_at=now, updated_by_id=user.id)
    db.session.add(check_in)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    _audit("check_in", check_in.id, "create", user, to_state=Stage.sharing.value,
           details={"period": period, "period_end": period_end.isoformat()}, at=now)
    db.session.commit()
    return check_in

