"""The Board report as the page shows it: progress.board_updates' report (a published update's frozen
snapshot, or a draft assembled now) laid out as tables with every period's numbers and a chart
of each metric's path. Reads the report dict only, never the live check-ins."""
from portal.charts.board_report import line_chart, periods_in_order
from portal.progress.board.updates import long_date, short_date
from portal.progress.board_updates import fmt
from portal.progress.publishing import anything_generated

# Status in words and a symbol, never by colour alone.
STATUS_SYMBOL = {"on_track": "✓", "at_risk": "!", "off_track": "✕"}


def present(report: dict) -> dict:
    pillars = []
    for pillar in report.get("pillars", []):
        priorities = []
        for priority in pillar["priorities"]:
            priorities.append({**priority, "initiatives": [_initiative(i) for i in priority["initiatives"]]})
        pillars.append({**pillar, "priorities": priorities})
    return {**report, "pillars": pillars, "meeting_date_text": long_date(report.get("meeting_date")),
            "meeting_date_generated": "meeting_date" in (report.get("generated") or []),
            "has_generated": anything_generated(report)}


def _initiative(initiative: dict) -> dict:
    return {**initiative, "symbol": STATUS_SYMBOL.get(initiative.get("status") or "", "?"),
            "generated": list(initiative.get("generated") or []),
            "metrics": [_metric(m, initiative["period"]) for m in initiative["metrics"]]}


def _figure(row: dict, key: str, unit: str) -> str:
    """A row's figure written in the page's language from the number the report keeps (a report frozen
    before it kept numbers keeps its text)."""
    value = row.get(key)
    return fmt(value, unit) if value is not None else (row.get(f"{key}_text") or "")


def _metric(metric: dict, period: str) -> dict:
    """One table per metric: a row per breakdown, a column per period up to this one (this period's
    value with its as-of date), then the baseline and target when the metric has them."""
    unit = metric["unit"]
    periods = [p for p in periods_in_order(metric["series"]) if p != period] + [period]
    path = {s["breakdown"]: {point[0]: point[1] for point in s["points"]} for s in metric["series"]}
    made_up = {s["breakdown"]: set(s.get("generated") or []) for s in metric["series"]}
    now = {r["breakdown"]: r for r in metric["rows"]}
    keys = list(now) + [k for k in path if k not in now]
    rows = []
    for key in keys:
        current = now.get(key, {})
        earlier = [fmt(path.get(key, {}).get(p), unit) if p in path.get(key, {}) else "—" for p in periods[:-1]]
        rows.append({
            "label": key or metric["name"],
            "earlier": earlier,
            "earlier_generated": [p in made_up.get(key, set()) and p in path.get(key, {}) for p in periods[:-1]],
            "value_text": _figure(current, "value", unit) or "—",
            "as_of": short_date(current.get("as_of")),
            "generated": bool(current.get("generated")),
            "baseline_text": _figure(current, "baseline", unit),
            "target_text": _figure(current, "target", unit),
        })
    return {
        **metric,
        "periods": periods,
        "table_rows": rows,
        "row_heading": metric["breakdown"] or "Progress metric",
        "has_baseline": any(r["baseline_text"] for r in rows),
        "has_target": any(r["target_text"] for r in rows),
        "chart": line_chart(metric["series"], unit, fmt),
    }
