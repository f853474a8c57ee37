"""Every dashboard table as columns and rows for CSV and Excel (kernel.exports.export_response).
Numbers stay numbers, rounded as the page shows them; status is written out in words."""
from portal.kernel import privacy
from portal.kernel.exports import GENERATED_COLUMN, generated_cell
from portal.kernel.i18n import N_
from portal.rollups.dashboard import compare
from portal.rollups.present import LEVEL_NAMES

# English, as the exports write them; a page translates them where it shows them.
STATUS_TITLES = {"not_started": N_("Not started"), "draft": N_("Draft"), "submitted": N_("Submitted"),
                 "returned": N_("Returned for revision"), "approved": N_("Approved")}


def _r(value, places: int = 1):
    return None if value is None else round(float(value), places)


def _level(code) -> str:
    return LEVEL_NAMES.get(code, code or "")


PRIVACY_COLUMN = f"Fewer than {privacy.SMALL_GROUP} students"


def _privacy(state: str | None) -> str:
    """The privacy column: the suppression mark with its meaning, or the small-group marker."""
    if state == privacy.HIDDEN:
        return f"{privacy.MARK}: {privacy.NOTE}"
    return privacy.SMALL_MARK if state == privacy.SMALL else ""


def _hide(row: dict, cells: list) -> list:
    """A row's figures, each replaced by the suppression mark when the row is hidden."""
    if row.get("privacy") != privacy.HIDDEN:
        return cells
    return [privacy.MARK for _ in cells]


def _meets(row: dict) -> str:
    if row.get("meets") is None:
        return "No submitted targets"
    return "Reaches the goal" if row["meets"] else "Falls short"


PROJECTION_COLUMNS = ["Goal", "Metric", "Level", "Student group", "Schools counted", "Schools with targets",
                      "Students counted", "Students measured", "Share of students counted (%)",
                      "Baseline (weighted)", "Projected 2026 (weighted)", "Projected gain", "Compared",
                      "Goal value", "Gap (goal's unit)", "Status", "In words", PRIVACY_COLUMN]


def _projection_row(row: dict, ctx: dict, extra: list | None = None) -> list:
    metric = ctx["vocab"].metric(row["metric"])
    group = ctx["vocab"].group(row["group"])
    figures = _hide(row, [row["schools"], row["schools_all"], row["n"], row["n_all"],
                          _r(100 * row["share_students"]) if row.get("share_students") is not None else None,
                          _r(row["baseline"]), _r(row["projected"]), _r(row["gain"])])
    verdict = _hide(row, [row["goal"], _r(row["gap"]), _meets(row), row["gap_text"]])
    return [metric.goal.name, metric.name, _level(row["mlevel"]), group.name if group else row["group"],
            *(extra or []), *figures, "2026 value" if row["goal_kind"] == "value" else "gain over baseline",
            *verdict, _privacy(row.get("privacy"))]


def goals(ctx):
    return "Goals: projection if every school meets its target", PROJECTION_COLUMNS, \
        [_projection_row(r, ctx) for r in ctx["payload"].lines]


def projection(ctx):
    return "Projection by student group", PROJECTION_COLUMNS, \
        [_projection_row(r, ctx) for r in ctx["payload"].projection]


def regions(ctx):
    columns = [*PROJECTION_COLUMNS[:4], "Region", "Rank (1 = furthest short)", *PROJECTION_COLUMNS[4:]]
    names = {r.code: r.name for r in ctx["vocab"].regions}
    rows = [_projection_row(r, ctx, [names.get(r["region"], r["region"]), r["rank"]])
            for r in ctx["payload"].regions]
    return "Regions against the goals", columns, rows


def completeness(ctx):
    names = {r.code: r.name for r in ctx["vocab"].regions}
    columns = ["Region", "Level", "Plans", "Not started", "Draft", "Submitted", "Returned for revision", "Approved",
               "Submitted or approved", "Submitted or approved (%)", "Approved (%)", "Overdue"]
    rows = [[names.get(c["region"], c["region"]), _level(c["school_level"]), c["plans"], c["not_started"],
             c["draft"], c["submitted"], c["returned"], c["approved"], c["submitted_or_approved"],
             c["pct_submitted"], c["pct_approved"], c["overdue"]] for c in ctx["payload"].completeness]
    for c in ctx["payload"].completeness_total:
        rows.append(["District" if not ctx["flt"].region else names.get(ctx["flt"].region), "All levels",
                     c["plans"], c["not_started"], c["draft"], c["submitted"], c["returned"], c["approved"],
                     c["submitted_or_approved"], c["pct_submitted"], c["pct_approved"], c["overdue"]])
    return "Completeness by region and level", columns, rows


def _distribution(by: str, heading: str):
    def table(ctx):
        vocab = ctx["vocab"]
        columns = ["Goal", "Metric", "Level", heading, "Targets", "Lower quartile", "Median", "Upper quartile",
                   "Median planned gain"]
        names = {r.code: r.name for r in vocab.regions}
        rows = []
        for d in ctx["payload"].distribution[by]:
            metric = vocab.metric(d["metric"])
            value = d[by]
            if by == "region":
                value = names.get(value, value)
            elif by == "group":
                value = vocab.group(value).name if vocab.group(value) else value
            else:
                value = _level(value)
            rows.append([metric.goal.name, metric.name, _level(d["mlevel"]), value, d["targets"], _r(d["q1"]),
                         _r(d["median"]), _r(d["q3"]), _r(d["median_gain"])])
        return f"Target distribution by {heading.lower()}", columns, rows
    return table


def trajectories(ctx):
    names = ctx["trajectory_names"]
    goals_by_code = {g.code: g.name for g in ctx["vocab"].goals}
    columns = ["Goal", "Trajectory", "Targets", "Share of the goal's targets (%)", "Schools"]
    rows = [[goals_by_code.get(t["goal"], t["goal"]), names.get(t["trajectory"], t["trajectory"]), t["targets"],
             t["share"], t["schools"]] for t in ctx["payload"].trajectories]
    return "Trajectories chosen per goal", columns, rows


def paths(ctx):
    vocab = ctx["vocab"]
    columns = ["Metric", "Level", "Student group", "Year", "Goal's path", "Projected path", "Actual",
               "Students with actuals", "Schools with actuals", "Actual minus goal's path", "Against the goal's path",
               GENERATED_COLUMN, PRIVACY_COLUMN]
    rows = []
    for p in ctx["payload"].paths:
        verdict = "" if p["on_track"] is None else ("On track" if p["on_track"] else "Behind")
        planned = _hide({"privacy": p.get("plan_privacy")}, [_r(p["goal_path"]), _r(p["projected_path"])])
        actual = _hide(p, [_r(p["actual"]), p["actual_n"] or None, p["actual_schools"] or None])
        against = _hide({"privacy": p.get("plan_privacy") or p.get("privacy")}, [_r(p["vs_goal"]), verdict])
        rows.append([vocab.metric(p["metric"]).name, _level(p["mlevel"]), vocab.group(p["group"]).name, p["year"],
                     *planned, *actual, *against,
                     generated_cell(bool(p.get("start_generated") or p.get("actual_generated"))),
                     _privacy(p.get("plan_privacy") or p.get("privacy"))])
    return "Actual path against the goal's path", columns, rows


def initiatives(ctx):
    columns = ["Pillar", "Priority", "Priority name", "Action plan", "Office", "Latest check-in", "Stage", "Status"]
    rows = []
    for pillar, priorities in ctx["grid"]:
        for priority, items in priorities:
            if not items:
                rows.append([f"{pillar.number}. {pillar.name}", priority.code, priority.name, "No action plan yet",
                             "", "", "", ""])
            for initiative, check_in in items:
                rows.append([f"{pillar.number}. {pillar.name}", priority.code, priority.name, initiative.name,
                             initiative.office.name, check_in.period if check_in else "No check-in yet",
                             check_in.stage.title if check_in else "",
                             check_in.status.title if check_in and check_in.status else
                             ("No status yet" if check_in else "")])
    return "Initiatives by pillar and priority", columns, rows


def schools(ctx):
    columns = ["School code", "School", "Level", "Plan status", "Overdue", "Targets set",
               "Targets at or above the plan's ask", "Baseline", "2026 target", "Planned gain", "Gain the plan asks",
               "Target minus the plan's ask", PRIVACY_COLUMN]
    rows = [[s["code"], s["name"], _level(s["school_level"]), STATUS_TITLES.get(s["status"], s["status"]),
             "Overdue" if s["overdue"] else "", s["targets"], s["at_ask"],
             *_hide(s, [_r(s["baseline"]), _r(s["target"]), _r(s["gain"]), _r(s["ask_gain"]), _r(s["gap"])]),
             _privacy(s.get("privacy"))] for s in ctx["payload"].schools]
    return "Schools in the region", columns, rows


def school_targets(ctx):
    vocab = ctx["vocab"]
    data = ctx["school_payload"]
    years = data["years"]
    verdicts = {(p["metric"], p["group"], p["year"]): p for p in data["progress"]}
    columns = ["Metric", "Student group", "Students", "Baseline", "2026 target", "The plan asks", "Target minus ask",
               "Trajectory", *[f"Target {y}" for y in years], *[f"Actual {y}" for y in years],
               *[f"On track {y}" for y in years], PRIVACY_COLUMN]
    rows = []
    for t in data["targets"]:
        results = [verdicts.get((t["metric"], t["group"], y), {}) for y in years]
        n = t["n"] if t["n"] is None or isinstance(t["n"], str) else int(t["n"])  # "11+": suppression.py
        row = [vocab.metric(t["metric"]).name, vocab.group(t["group"]).name,
               *_hide(t, [n, _r(t["baseline"]), _r(t["target"]), _r(t["ask"]),
                          _r(t["gap_to_ask"])]),
               ctx["trajectory_names"].get(t["trajectory"], "")]
        row += _hide(t, [_r(t["interims"].get(y)) for y in years])
        row += [_hide(p, [_r(p.get("actual"))])[0] for p in results]
        row += [_hide(p, [p.get("verdict") or ""])[0] for p in results]
        states = {t.get("privacy"), *(p.get("privacy") for p in results)}
        row.append(_privacy(privacy.HIDDEN if privacy.HIDDEN in states else
                            privacy.SMALL if privacy.SMALL in states else None))
        rows.append(row)
    return "School targets against the plan", columns, rows


DISTRICT_TABLES = {
    "goals": goals,
    "projection": projection,
    "regions": regions,
    "completeness": completeness,
    "distribution-level": _distribution("school_level", "School level"),
    "distribution-region": _distribution("region", "Region"),
    "distribution-group": _distribution("group", "Student group"),
    "trajectories": trajectories,
    "paths": paths,
    "initiatives": initiatives,
    "schools": schools,
}
SCHOOL_TABLES = {"school-targets": school_targets, "school-comparison": compare.table}
