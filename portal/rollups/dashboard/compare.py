"""A school's figures beside its Local District's and the district's, for the school's dashboard (the
copy a School Site Council reads): for each metric, level and student group the school has a target
for, the school's baseline, results and 2026 target, and the region's and the district's baseline,
results and projection if every school meets its target.

Nothing is computed here that the district and region pages do not show: the projections are the
stored region and district rollups (payloads.district, the same copies those pages read), and the
results are the district's results by region (targets.figures.district_results), as on their path."""
from portal.org.models import School
from portal.rollups.dashboard import payloads
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary
from portal.rollups.present import LEVEL_NAMES
from portal.strategic_plan.levels import applicable_levels, metric_bands
from portal.targets import figures
from portal.targets.models import TargetCycle


def school_comparison(cycle: TargetCycle, school: School, vocab: Vocabulary, data: dict, today) -> dict:
    """{metric code: [block]}: one block per student group and level of the school's targets (data is
    payloads.school), each with three lines: the school, its Local District and the district."""
    if not data["targets"]:
        return {}
    years = data["years"]
    region = school.region
    stored = {scope: payloads.district(cycle, DashboardFilter(region=scope), vocab, today, accept_stale=True)
              for scope in (region.code, "")}
    projected = {(scope, p["metric"], p["mlevel"], p["group"]): p
                 for scope, rollup in stored.items() for p in rollup.projection}
    bands = metric_bands()
    levels_of = {m.code: set(m.levels or []) for m in vocab.metrics}
    results = figures.district_results(years=years, levels=(bands, levels_of))
    actual = {(p["metric"], p["group"], p["year"]): p.get("actual") for p in data["progress"]}
    covered = applicable_levels(school.level, school.grade_low, school.grade_high, bands)
    out: dict[str, list[dict]] = {}
    for t in data["targets"]:
        metric = vocab.metric(t["metric"])
        levels = [lv for lv in vocab.levels if lv in covered and lv in levels_of[metric.code]]
        for level in levels:
            lines = [{"scope": "school", "name": "This school", "baseline": t["baseline"],
                      "results": [actual.get((t["metric"], t["group"], y)) for y in years],
                      "figure": t["target"], "meets": None, "gap_text": ""}]
            for scope, name in ((region.code, region.name), ("", "District")):
                p = projected.get((scope, t["metric"], level, t["group"]), {})
                lines.append({"scope": "region" if scope else "district", "name": name,
                              "baseline": p.get("baseline"),
                              "results": [results.figure(t["metric"], y, t["group"], level, scope).value
                                          for y in years],
                              "figure": p.get("projected"), "meets": p.get("meets"),
                              "gap_text": p.get("gap_text") or ""})
            out.setdefault(t["metric"], []).append({
                "group": vocab.group(t["group"]), "level": level,
                "level_name": LEVEL_NAMES.get(level, level) if len(levels) > 1 else "", "lines": lines})
    return out


def table(ctx: dict):
    """The comparison as one table for CSV and Excel: a line per metric, level, student group and scope."""
    vocab = ctx["vocab"]
    years = ctx["school_payload"]["years"]
    columns = ["Metric", "Level", "Student group", "Figures for", "Baseline", *[f"Result {y}" for y in years],
               "2026: the school's target, or the projection if every school meets its target",
               "Against the goal"]
    rows = []
    for metric_code, blocks in ctx["comparison"].items():
        metric = vocab.metric(metric_code)
        for block in blocks:
            for line in block["lines"]:
                verdict = "" if line["meets"] is None else line["gap_text"][:1].upper() + line["gap_text"][1:]
                rows.append([metric.name, LEVEL_NAMES.get(block["level"], block["level"]),
                             block["group"].name if block["group"] else "", line["name"], _r(line["baseline"]),
                             *[_r(v) for v in line["results"]], _r(line["figure"]), verdict])
    return "The school beside its Local District and the district", columns, rows


def _r(value, places: int = 1):
    if value is None or value != value:  # NaN from the stored rollup's JSON
        return None
    return round(float(value), places)
