"""Turn a stored rollup (plain JSON) into what the templates show: headline cards per goal, the
regions against each goal, completeness as a region x level grid, and the charts with their tables;
DistrictPage is all of it for the district and region pages' body."""
from dataclasses import dataclass
from itertools import groupby

from flask_babel import gettext

from portal.charts.dashboard import path_chart, stacked_bars
from portal.kernel import formatting
from portal.kernel.privacy import HIDDEN
from portal.org.models import Region
from portal.rollups.compute import LEVEL_ORDER
from portal.rollups.dashboard import words
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary
from portal.rollups.dashboard.payloads import DistrictRollup
from portal.rollups.present import LEVEL_NAMES
from portal.strategic_plan.figures import PROJECTION_LABEL
from portal.targets.models import TargetCycle


@dataclass
class DistrictPage:
    """What the district and region pages' body (dashboard/_body.html, as `view`) shows."""

    cycle: TargetCycle
    flt: DashboardFilter
    vocab: Vocabulary
    region: Region | None  # the region the filters (or the region's page) are for
    payload: DistrictRollup
    trajectory_names: dict[str, str]  # code -> name, in the plan's order
    regions_by_code: dict[str, str]  # code -> name
    short_names: dict[str, str]  # region code -> short name
    cards: list[dict]  # cards()
    region_blocks: list[dict]  # regions_by_metric()
    grid_completeness: dict  # completeness_grid()
    trajectory_chart: object  # charts.dashboard.stacked_bars, or None
    trajectory_table: list[dict]
    paths: list[dict]  # path_charts()
    grid: list  # rollups.data.initiative_grid()
    projection_label: str = PROJECTION_LABEL  # what the projection's starting point counts


def district_page(cycle: TargetCycle, flt: DashboardFilter, vocab: Vocabulary, payload: DistrictRollup,
                  trajectory_names: dict[str, str], grid: list) -> DistrictPage:
    """The district or region page's body from the stored rollup and the names it shows."""
    regions_by_code = {reg.code: reg.name for reg in vocab.regions}
    chart, trajectory_table = trajectory_chart(payload, vocab, trajectory_names)
    return DistrictPage(
        cycle=cycle, flt=flt, vocab=vocab, region=vocab.region(flt.region), payload=payload,
        trajectory_names=trajectory_names, regions_by_code=regions_by_code,
        short_names={reg.code: reg.short_name for reg in vocab.regions},
        cards=cards(payload, flt, vocab, regions_by_code), region_blocks=regions_by_metric(payload),
        grid_completeness=completeness_grid(payload, vocab), trajectory_chart=chart,
        trajectory_table=trajectory_table, paths=path_charts(payload, vocab), grid=grid)


def fmt(value, unit: str = "", places: int = 1) -> str:
    """A number in its unit for axis labels and titles."""
    if formatting.missing(value):
        return formatting.EMPTY
    text = formatting.number(value, places)
    return formatting.percent_sign(text) if unit == "percent" else text


def achieved_text(line: dict) -> str:
    """The headline figure: the projected value for an absolute goal, the projected gain otherwise."""
    if line.get("n", 0) == 0 or line.get("projected") is None:
        return formatting.EMPTY
    if line["goal_kind"] == "value":
        return formatting.result(line["projected"], line["unit"])
    return formatting.signed(line["gain"]) + " pts"


def cards(payload: DistrictRollup, flt: DashboardFilter, vocab: Vocabulary, regions_by_code: dict) -> list[dict]:
    """One card per goal the filters keep (all four unless one goal or metric is chosen), with a line
    per metric (and level, for SEL)."""
    out = []
    kept = set(flt.metric_codes(vocab))
    for goal in vocab.goals:
        codes = [m.code for m in goal.metrics]
        if kept.isdisjoint(codes):
            continue
        lines = [dict(line) for line in payload.lines if line["metric"] in codes]
        for line in lines:
            line["figure"] = achieved_text(line)
            line["region_name"] = regions_by_code.get(line.get("worst_region"), line.get("worst_region"))
            line["level_name"] = LEVEL_NAMES.get(line["mlevel"], line["mlevel"])
        short = [ln for ln in lines if ln.get("meets") is False]
        measured = [ln for ln in lines if ln.get("meets") is not None]
        sel_grid = None
        if goal.code == "sel" or any(len(m.levels) > 1 for m in goal.metrics):
            levels = [lv for lv in LEVEL_ORDER if any(ln["mlevel"] == lv for ln in lines)]
            sel_grid = {"levels": [(lv, LEVEL_NAMES[lv]) for lv in levels],
                        "rows": [(m, {ln["mlevel"]: ln for ln in lines if ln["metric"] == m.code})
                                 for m in goal.metrics if any(ln["metric"] == m.code for ln in lines)]}
        out.append({"goal": goal, "lines": lines, "short": short, "measured": measured, "grid": sel_grid})
    return out


def regions_by_metric(payload: DistrictRollup) -> list[dict]:
    """The regions table, one block per metric and level: the short regions, furthest first, and
    the regions that reach the goal."""
    blocks = []
    rows = payload.regions
    for (metric, mlevel), group in groupby(rows, key=lambda row: (row["metric"], row["mlevel"])):
        items = [i for i in group if i.get("n") or i.get("privacy") == HIDDEN]
        shown = [i for i in items if i.get("privacy") != HIDDEN]
        if not items:
            continue
        blocks.append({"metric": metric, "mlevel": mlevel, "label": items[0]["label"],
                       "goal_label": items[0]["goal_label"], "unit": items[0]["unit"],
                       "short": [i for i in shown if i.get("short")],
                       "reach": [i for i in shown if not i.get("short")],
                       "hidden": [i for i in items if i.get("privacy") == HIDDEN], "total": len(shown)})
    return blocks


def completeness_grid(payload: DistrictRollup, vocab: Vocabulary) -> dict:
    """Regions down, levels across, each cell a region x level's plans (and the district row)."""
    cells = {(c["region"], c["school_level"]): c for c in payload.completeness}
    levels = [lv for lv in LEVEL_ORDER if any(key[1] == lv for key in cells)]
    by_region = {c["region"]: c for c in payload.completeness_regions}
    rows = [(region, [cells.get((region.code, lv)) for lv in levels], by_region.get(region.code))
            for region in vocab.regions if region.code in by_region]
    total = payload.completeness_total[0] if payload.completeness_total else None
    level_totals = []
    for lv in levels:
        items = [c for (reg, level), c in cells.items() if level == lv]
        plans = sum(c["plans"] for c in items)
        done = sum(c["submitted_or_approved"] for c in items)
        level_totals.append({"plans": plans, "submitted_or_approved": done,
                             "approved": sum(c["approved"] for c in items),
                             "overdue": sum(c["overdue"] for c in items),
                             "pct_submitted": round(100 * done / plans, 1) if plans else 0.0})
    return {"levels": [(lv, LEVEL_NAMES[lv]) for lv in levels], "rows": rows, "total": total,
            "level_totals": level_totals}


def trajectory_chart(payload: DistrictRollup, vocab: Vocabulary, names: dict[str, str]):
    """Stacked bars per goal (the March 2023 update's chart) and the table of the same figures."""
    rows = payload.trajectories
    bars, table = [], []
    for goal in vocab.goals:
        segs = [r for r in rows if r["goal"] == goal.code]
        total = sum(r["targets"] for r in segs)
        if not total:
            continue
        bars.append((words.chart_text("goal", goal.code, goal.name),
                     [(r["trajectory"], words.chart_text("trajectory", r["trajectory"],
                                                         names.get(r["trajectory"], r["trajectory"])),
                       r["share"], r["targets"]) for r in segs]))
        table.append({"goal": goal, "total": total, "cells": {r["trajectory"]: r for r in segs}})
    return stacked_bars(bars), table


def path_charts(payload: DistrictRollup, vocab: Vocabulary) -> list[dict]:
    """One path chart per metric and level in focus, with its rows for the table."""
    out = []
    rows = payload.paths
    timeline = sorted({r["year"] for r in rows})
    for (metric, mlevel), group in groupby(rows, key=lambda row: (row["metric"], row["mlevel"])):
        items = list(group)
        m = vocab.metric(metric)
        label = m.short_name + (f", {LEVEL_NAMES[mlevel].lower()}" if len(m.levels) > 1 else "")
        series = {"goal": {i["year"]: i["goal_path"] for i in items},
                  "projected": {i["year"]: i["projected_path"] for i in items},
                  "actual": {i["year"]: i["actual"] for i in items}}
        chart = path_chart(timeline, series, m.unit, fmt, labels=words.path_labels())
        has_actuals = any(i["actual"] is not None for i in items)
        generated = any(i.get("start_generated") or i.get("actual_generated") for i in items)
        out.append({"metric": m, "mlevel": mlevel, "label": label, "chart": chart, "rows": items,
                    "has_actuals": has_actuals, "generated": generated, "id": f"path-{metric}-{mlevel}"})
    return out


def school_sections(data: dict, vocab: Vocabulary) -> list[dict]:
    """A school's targets by metric: each student group's row with its yearly interim targets and
    actuals (on track / behind), and the schoolwide path as a chart."""
    progress = {(p["metric"], p["group"], p["year"]): p for p in data["progress"]}
    years = data["years"]
    sections = []
    for metric_code, items in groupby(data["targets"], key=lambda t: t["metric"]):
        m = vocab.metric(metric_code)
        rows = []
        for t in items:
            cells = [progress.get((metric_code, t["group"], y), {"year": y}) for y in years]
            rows.append({**t, "group_obj": vocab.group(t["group"]), "cells": cells})
        chart = None
        schoolwide = next((row for row in rows if row["group"] == "all"), None)
        if schoolwide is not None and schoolwide["baseline"] is not None:
            start = gettext("Baseline")
            timeline = [start, *years]
            planned = {start: schoolwide["baseline"], **{y: schoolwide["interims"].get(y) for y in years}}
            actual = {c["year"]: c.get("actual") for c in schoolwide["cells"]}
            chart = path_chart(timeline, {"projected": planned, "actual": actual}, m.unit, fmt,
                               labels={"goal": "", "projected": gettext("Interim targets"),
                                       "actual": gettext("Actual")},
                               width=520, height=220)
        sections.append({"metric": m, "rows": rows, "chart": chart, "id": f"school-{metric_code}"})
    return sections
