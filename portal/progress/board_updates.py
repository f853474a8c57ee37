"""Board updates: assemble the report from the check-ins placed in an update, and publish it.

Publishing stores the assembled report as a snapshot; a published update is always read from
its snapshot, so later edits to a check-in or its initiative never change a presented report.
"""

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel import clock, formatting, workflow
from portal.kernel.i18n import N_
from portal.progress import documents, evidence_files, publishing
from portal.progress.check_ins import breakdowns
from portal.progress.models import BoardUpdate, CheckIn, Initiative, MetricValue
from portal.strategic_plan.models import Priority

fmt = formatting.amount  # a progress metric's value as the Board reads it


def _text(value: float | None, unit: str) -> str:
    """A baseline or target as text, blank where the plan gives none."""
    return "" if value is None else fmt(value, unit)


def _metric_block(metric, check_in: CheckIn, history: list[tuple]) -> dict:
    """One progress metric as the Board sees it: this period's values against baseline and target,
    and the path so far (every earlier period up to this one, each point with its period's last day so
    the chart places it in time)."""
    values = {v.breakdown: v for v in check_in.values if v.metric_id == metric.id}
    rows = []
    for key in breakdowns(metric, list(values.values())):
        value = values.get(key)
        rows.append({
            "breakdown": key,
            "value": value.value if value else None, "value_text": fmt(value.value if value else None, metric.unit),
            "as_of": value.as_of.isoformat() if value and value.as_of else None,
            "generated": bool(value and value.generated),
            "baseline": (metric.baselines or {}).get(key),
            "baseline_text": _text((metric.baselines or {}).get(key), metric.unit),
            "target": (metric.targets or {}).get(key),
            "target_text": _text((metric.targets or {}).get(key), metric.unit),
        })
    path: dict[str, list] = {}
    made_up: dict[str, list] = {}
    for period, period_end, breakdown, value, generated in history:
        if period_end <= check_in.period_end:
            path.setdefault(breakdown, []).append([period, value, period_end.isoformat()])
            if generated:
                made_up.setdefault(breakdown, []).append(period)
    return {"name": metric.name, "unit": metric.unit, "direction": metric.direction, "breakdown": metric.breakdown,
            "baseline_label": metric.baseline_label, "target_label": metric.target_label, "rows": rows,
            "series": [{"breakdown": k, "points": v, "generated": made_up.get(k, [])} for k, v in path.items()]}


def build_report(update: BoardUpdate) -> dict:
    check_ins = db.session.scalars(
        select(CheckIn).where(CheckIn.board_updates.any(BoardUpdate.id == update.id))
        .options(selectinload(CheckIn.values),
                 selectinload(CheckIn.initiative).selectinload(Initiative.metrics),
                 selectinload(CheckIn.initiative).selectinload(Initiative.measures),
                 selectinload(CheckIn.initiative).selectinload(Initiative.office),
                 selectinload(CheckIn.initiative).selectinload(Initiative.priority).selectinload(Priority.pillar))
    ).all()
    history: dict[int, list] = {}
    if check_ins:
        for value, period, period_end in db.session.execute(
                select(MetricValue, CheckIn.period, CheckIn.period_end).join(CheckIn)
                .where(CheckIn.initiative_id.in_({c.initiative_id for c in check_ins}))
                .order_by(CheckIn.period_end)):
            history.setdefault(value.metric_id, []).append((period, period_end, value.breakdown, value.value,
                                                            value.generated))
    files = evidence_files.attachments([c.id for c in check_ins])  # frozen with the report once published
    pillars: dict[int, dict] = {}
    for check_in in sorted(check_ins, key=lambda c: (c.initiative.priority.code, c.initiative.name)):
        initiative = check_in.initiative
        priority = initiative.priority
        pillar = pillars.setdefault(priority.pillar.number, {
            "number": priority.pillar.number, "name": priority.pillar.name, "priorities": {}})
        block = pillar["priorities"].setdefault(priority.code, {
            "code": priority.code, "name": priority.name, "initiatives": []})
        block["initiatives"].append({
            "name": initiative.name, "office": initiative.office.name, "period": check_in.period,
            "status": check_in.status.value if check_in.status else None,
            "status_text": check_in.status.title if check_in.status else N_("Not given"),
            "narrative": check_in.narrative,
            "decisions": check_in.supt_decisions,
            "generated": [f for f in check_in.generated or [] if f in ("status", "narrative", "supt_decisions")],
            "measures": [{"code": m.code, "text": m.text} for m in initiative.measures],
            "metrics": [_metric_block(m, check_in, history.get(m.id, [])) for m in initiative.metrics],
            "check_in_id": check_in.id, "attachments": files.get(check_in.id, []),
        })
    return {
        "title": update.title, "kind": update.kind.name, "school_year": update.school_year,
        "meeting_date": update.meeting_date.isoformat(),
        "generated": list(update.generated or []),
        "assembled_at": clock.now_aware().strftime("%Y-%m-%d %H:%M UTC"),
        "pillars": [{**p, "priorities": list(p["priorities"].values())} for _, p in sorted(pillars.items())],
        "initiative_count": len(check_ins),
    }


def report_for(update: BoardUpdate) -> dict:
    # Publishing always freezes a snapshot; without one a published update shows an empty report,
    # as the annual report and the list of updates do.
    return (update.snapshot or {}) if update.published else build_report(update)


def publish(update: BoardUpdate, user, expected_version: int | None, render: documents.Renderer) -> None:
    """Freeze the report and store the PDF and deck `render` makes from it (progress.board.documents)."""
    def assemble() -> tuple[dict, dict]:
        report = build_report(update)
        if not report["initiative_count"]:
            raise workflow.WorkflowError(_("Place at least one check-in in this Board update before publishing it."))
        return report, {"check_ins": [i["check_in_id"] for p in report["pillars"]
                                      for pr in p["priorities"] for i in pr["initiatives"]]}

    publishing.publish(update, user, expected_version, assemble, render)
