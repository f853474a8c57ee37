"""A school's figures beside its Local District's and the district's, for the school's dashboard (the
copy a School Site Council reads): for each metric, level and student group the school has a target
for, the school's baseline, results and 2026 target, and the region's and the district's baseline,
results and projection if every school meets its target.

Nothing is computed here that the district and region pages do not show: the projections are the
stored region and district rollups (payloads.district, the same copies those pages read), and the
results are the district's results by region (targets.figures.district_results), as on their path.

Every figure goes through the small-group rule (kernel.privacy) for the reader: the school's line is
payloads.school as suppression.school_for_reader left it, the projections are the region's and the
district's rollups as suppression.district_for_reader leaves them, and a Local District's or the
district's result of fewer than SMALL_GROUP students is hidden from a reader who may not see it."""
from portal.kernel import privacy
from portal.org.models import School
from portal.rollups.dashboard import payloads, suppression
from portal.rollups.dashboard.filters import DashboardFilter, Vocabulary
from portal.rollups.present import LEVEL_NAMES
from portal.strategic_plan.levels import applicable_levels, metric_bands
from portal.targets import figures
from portal.targets.models import TargetCycle


def school_comparison(cycle: TargetCycle, school: School, vocab: Vocabulary, data: dict, today, user) -> dict:
    """{metric code: [block]}: one block per student group and level of the school's targets (data is
    payloads.school as the reader may see it), each with three lines: the school, its Local District
    and the district."""
    if not data["targets"]:
        return {}
    years = data["years"]
    region = school.region
    ids = suppression.region_ids(vocab)
    stored = {scope: suppression.district_for_reader(
        payloads.district(cycle, DashboardFilter(region=scope), vocab, today, accept_stale=True), user, scope, ids)
        for scope in (region.code, "")}
    may_see = {region.code: privacy.may_see_small_groups(user, region_id=region.id),
               "": privacy.may_see_small_groups(user)}
    projected = {(scope, p["metric"], p["mlevel"], p["group"]): p
                 for scope, rollup in stored.items() for p in rollup.projection}
    bands = metric_bands()
    levels_of = {m.code: set(m.levels or []) for m in vocab.metrics}
    results = figures.district_results(years=years, levels=(bands, levels_of))
    actual = {(p["metric"], p["group"], p["year"]): p.get("actual") for p in data["progress"]}
    seen = {(p["metric"], p["group"], p["year"]): p.get("privacy", privacy.SHOWN) for p in data["progress"]}
    covered = applicable_levels(school.level, school.grade_low, school.grade_high, bands)
    out: dict[str, list[dict]] = {}
    for t in data["targets"]:
        metric = vocab.metric(t["metric"])
        levels = [lv for lv in vocab.levels if lv in covered and lv in levels_of[metric.code]]
        for level in levels:
            lines = [{"scope": "school", "name": "This school", "baseline": t["baseline"],
                      "privacy": t.get("privacy", privacy.SHOWN),
                      "results": [actual.get((t["metric"], t["group"], y)) for y in years],
                      "results_privacy": [seen.get((t["metric"], t["group"], y), privacy.SHOWN) for y in years],
                      "figure": t["target"], "meets": None, "gap_text": ""}]
            for scope, name in ((region.code, region.name), ("", "District")):
                p = projected.get((scope, t["metric"], level, t["group"]), {})
                found = [results.figure(t["metric"], y, t["group"], level, scope) for y in years]
                states = [_state(f.n, may_see[scope]) for f in found]
                lines.append({"scope": "region" if scope else "district", "name": name,
                              "baseline": p.get("baseline"), "privacy": p.get("privacy", privacy.SHOWN),
                              "results": [None if state == privacy.HIDDEN else f.value
                                          for f, state in zip(found, states, strict=True)],
                              "results_privacy": states,
                              "figure": p.get("projected"), "meets": p.get("meets"),
                              "gap_text": p.get("gap_text") or "", "gap": p.get("gap"),
                              "goal_label": p.get("goal_label")})
            out.setdefault(t["metric"], []).append({
                "group": vocab.group(t["group"]), "level": level,
                "level_name": LEVEL_NAMES.get(level, level) if len(levels) > 1 else "", "lines": lines})
    return out


def _state(n: float | None, may_see: bool) -> str:
    if not privacy.is_small(n):
        return privacy.SHOWN
    return privacy.SMALL if may_see else privacy.HIDDEN


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
                hidden = line["privacy"] == privacy.HIDDEN
                rows.append([metric.name, LEVEL_NAMES.get(block["level"], block["level"]),
                             block["group"].name if block["group"] else "", line["name"],
                             privacy.MARK if hidden else _r(line["baseline"]),
                             *[privacy.MARK if state == privacy.HIDDEN else _r(v)
                               for v, state in zip(line["results"], line["results_privacy"], strict=True)],
                             privacy.MARK if hidden else _r(line["figure"]), "" if hidden else verdict])
    return "The school beside its Local District and the district", columns, rows


def _r(value, places: int = 1):
    if value is None or value != value:  # NaN from the stored rollup's JSON
        return None
    return round(float(value), places)
