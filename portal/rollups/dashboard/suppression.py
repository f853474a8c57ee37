"""The dashboard's figures as their reader may see them, by the one small-group rule (kernel.privacy):
every figure of fewer than SMALL_GROUP students, and the complementary ones, blanked and marked
"hidden" for a reader who does not work with the school (or the Local District, or the district);
marked "small" for one who does. Pages and exports read the same filtered payload, so neither can show
what the other hides.

The stored rollup (payloads.DistrictRollup) is the same for every reader; these functions copy it."""
import copy
from collections.abc import Iterable

from portal.kernel import privacy
from portal.kernel.policy import Role
from portal.rollups.dashboard.payloads import DistrictRollup

HIDDEN, SMALL = privacy.HIDDEN, privacy.SMALL
# A projection row's figures: everything but its keys and its unit.
PROJECTION_FIGURES = ("schools", "schools_all", "n", "n_all", "share_students", "baseline", "projected", "gain",
                      "achieved", "gap", "meets", "gap_text", "goal", "short", "rank")
WORST = ("worst_region", "worst_gap", "worst_achieved", "region_name")


def _blank(row: dict, names: Iterable[str]) -> None:
    for name in names:
        if name in row:
            row[name] = None


def school_for_reader(data: dict, user, school) -> dict:
    """One school's targets and results (payloads.school) for the reader: a row whose baseline is a
    small group's hides its baseline, its students, its targets and the plan's ask (all anchored on
    the baseline); a result of a small group hides the result and its verdict."""
    data = copy.deepcopy(data)
    counts: dict = {}
    for t in data["targets"]:
        # A row with no baseline has no figure; a baseline with no count of students is taken as small.
        counts[("row", t["metric"], t["group"])] = None if t.get("baseline") is None else (t.get("n") or 0)
    for p in data["progress"]:
        counts[("result", p["metric"], p["group"], p["year"])] = p.get("actual_n")
    may_see = privacy.may_see_small_groups(user, school)
    seen = privacy.visibility(counts, (), may_see)
    hidden_rows = set()
    for t in data["targets"]:
        t["privacy"] = seen[("row", t["metric"], t["group"])]
        if not may_see and t.get("n") is not None:
            t["n"] = privacy.AT_LEAST  # kernel.privacy: a school's exact counts are for those who work with it
        if t["privacy"] == HIDDEN:
            hidden_rows.add((t["metric"], t["group"]))
            _blank(t, ("n", "baseline", "target", "ask", "gap_to_ask", "meets_ask"))
            t["interims"] = dict.fromkeys(t.get("interims") or {})
    for p in data["progress"]:
        p["privacy"] = seen[("result", p["metric"], p["group"], p["year"])]
        if not may_see:
            p["actual_n"] = None
        if (p["metric"], p["group"]) in hidden_rows:
            p["privacy"] = HIDDEN
            p["interim"] = None
        if p["privacy"] == HIDDEN:
            _blank(p, ("actual", "actual_n", "verdict"))
    return data


def district_for_reader(payload: DistrictRollup, user, scope_region: str, region_ids: dict[str, int]) -> DistrictRollup:
    """The district or a region's page (scope_region: its code, or "") for the reader. Regions add up to
    the district for each metric, level and student group, so a region's hidden figure takes the next
    smallest region's with it (kernel.privacy.hidden_cells); the district's total is taken as known,
    since the district's page shows it."""
    payload = DistrictRollup.from_json(copy.deepcopy(payload.as_json()))
    scope_id = region_ids.get(scope_region) if scope_region else None
    may_see_scope = privacy.may_see_small_groups(user, region_id=scope_id) if scope_region \
        else privacy.may_see_small_groups(user)
    _projections(payload, user, scope_region, region_ids, may_see_scope)
    _paths(payload, may_see_scope)
    if payload.schools:
        seen = privacy.visibility({s["school_id"]: s.get("n") for s in payload.schools}, (), may_see_scope)
        for s in payload.schools:
            s["privacy"] = seen[s["school_id"]]
            if s["privacy"] == HIDDEN:
                _blank(s, ("n", "baseline", "target", "gain", "ask_gain", "gap"))
    return payload


def _projections(payload: DistrictRollup, user, scope_region: str, region_ids: dict[str, int],
                 may_see_scope: bool) -> None:
    """The headline lines, the projection by group and the regions against the goals."""
    counts: dict = {}
    members: dict = {}
    for row in payload.regions:
        key = (row["metric"], row["mlevel"], row["group"])
        counts[(*key, row["region"])] = row.get("n") or None  # 0: no counted students, no figure
        members.setdefault(key, []).append((*key, row["region"]))
    for key, keys in members.items():  # the district's total, shown on the district's page
        counts[(*key, "")] = sum(counts[k] or 0 for k in keys) or None
    partitions = [privacy.Partition(tuple(keys), (*key, "")) for key, keys in members.items()]
    hidden = privacy.hidden_cells(counts, partitions)

    def state(key: tuple, may_see: bool) -> str:
        if may_see:
            return SMALL if privacy.is_small(counts.get(key)) else privacy.SHOWN
        return HIDDEN if key in hidden else privacy.SHOWN

    for row in payload.regions:
        cell = (row["metric"], row["mlevel"], row["group"], row["region"])
        row["privacy"] = state(cell, privacy.may_see_small_groups(user, region_id=region_ids.get(row["region"])))
    for row in [*payload.lines, *payload.projection]:
        cell = (row["metric"], row["mlevel"], row["group"], scope_region)
        if cell not in counts:  # a group the regions table does not list: the rule on its own count
            counts[cell] = row.get("n") or None
            if privacy.is_small(counts[cell]):
                hidden.add(cell)
        row["privacy"] = state(cell, may_see_scope)
    for row in [*payload.regions, *payload.lines, *payload.projection]:
        if row["privacy"] == HIDDEN:
            _blank(row, PROJECTION_FIGURES)
    shown_regions = {(r["metric"], r["mlevel"], r["group"], r["region"]): r for r in payload.regions}
    for line in payload.lines:
        worst = shown_regions.get((line["metric"], line["mlevel"], line["group"], line.get("worst_region")))
        if worst is not None and worst["privacy"] == HIDDEN:
            _blank(line, WORST)
            line["worst_hidden"] = True
        line["regions_short"] = sum(1 for r in payload.regions if r["privacy"] != HIDDEN and r.get("short")
                                    and (r["metric"], r["mlevel"], r["group"]) ==
                                    (line["metric"], line["mlevel"], line["group"]))


def _paths(payload: DistrictRollup, may_see_scope: bool) -> None:
    """The actual path (each year's result, hidden when the year's students are few) and the projected
    and goal's paths (hidden when the projection's students are few)."""
    projection = {(r["metric"], r["mlevel"], r["group"]): r for r in payload.projection}
    for row in payload.paths:
        counted = projection.get((row["metric"], row["mlevel"], row["group"]))
        plan_hidden = counted is not None and counted.get("privacy") == HIDDEN
        small = privacy.is_small(row.get("actual_n")) if row.get("actual_n") else False
        if small and not may_see_scope:
            row["privacy"] = HIDDEN
            _blank(row, ("actual", "actual_n", "actual_schools", "vs_goal", "on_track"))
        else:
            row["privacy"] = SMALL if small else privacy.SHOWN
        if plan_hidden:
            row["plan_privacy"] = HIDDEN
            _blank(row, ("goal_path", "projected_path", "vs_goal", "on_track"))


def audience(user) -> str:
    """Which figures the reader sees, for keeping one drawn copy of a page per kind of reader: every
    small group, one Local District's, or none."""
    if privacy.may_see_small_groups(user):
        return "every-school"
    if getattr(user, "role", None) == Role.regional_leader and user.region_id is not None:
        return f"region-{user.region_id}"
    return "no-small-groups"


def region_ids(vocab) -> dict[str, int]:
    """Region code -> id, for asking who works with a region."""
    return {r.code: r.id for r in vocab.regions}
