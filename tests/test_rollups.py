"""The rollups on a hand-made district small enough to check by hand.

Two regions (N, S); high schools H1 (N, approved), H2 (S, submitted), H3 (N, draft: not counted);
a 6-12 span school SP (S, approved) that counts at middle and at high; an elementary school E1
(N, approved); a middle school M1 (S, not started). Every figure below is worked out in the comment
beside it, from the rows in `district()`.
"""
import pandas as pd
import pytest

from portal.kernel import formatting
from portal.rollups import compute as r
from portal.rollups import paths as rp
from portal.rollups import present
from portal.strategic_plan.levels import applicable_levels

BANDS = {"elementary": (0, 5), "middle": (6, 8), "high": (9, 12)}
SHARES = {"linear": [0.25, 0.5, 0.75, 1.0], "aggressive": [0.4, 0.7, 0.9, 1.0],
          "step_up": [0.1, 0.3, 0.6, 1.0], "delayed": [0.0, 0.1, 0.4, 1.0]}
YEARS = ["2022-23", "2023-24", "2024-25", "2025-26"]

SCHOOLS = {  # id: (code, name, region, level, low, high, status)
    1: ("H1", "High One", "N", "high", 9, 12, "approved"),
    2: ("H2", "High Two", "S", "high", 9, 12, "submitted"),
    3: ("H3", "High Three", "N", "high", 9, 12, "draft"),
    4: ("SP", "Span Secondary", "S", "span", 6, 12, "approved"),
    5: ("E1", "Elementary One", "N", "elementary", 0, 5, "approved"),
    6: ("M1", "Middle One", "S", "middle", 6, 8, "not_started"),
}
GROUPS = {"all": (False, 0), "el": (True, 2), "swd": (True, 1)}


def metrics() -> pd.DataFrame:
    rows = [
        {"code": "ag", "goal": "postsecondary", "name": "A-G completion", "short_name": "A-G", "unit": "percent",
         "target_kind": "absolute", "target_value": 70, "group_gain": 25, "group_gain_reading": "points",
         "levels": ["high"], "value_min": 0, "value_max": 100, "order": 0},
        {"code": "ela", "goal": "literacy", "name": "Grade 3 ELA", "short_name": "ELA G3", "unit": "dfs",
         "target_kind": "gain", "target_value": 30, "group_gain": 40, "group_gain_reading": "points",
         "levels": ["elementary"], "value_min": -300, "value_max": 300, "order": 1},
        {"code": "gm", "goal": "sel", "name": "Growth Mindset", "short_name": "Growth Mindset", "unit": "percent",
         "target_kind": "gain", "target_value": 8, "group_gain": 12, "group_gain_reading": "points",
         "levels": ["elementary", "middle", "high"], "value_min": 0, "value_max": 100, "order": 2},
    ]
    return pd.DataFrame(rows).set_index("code")


def row(school_id, metric, group, baseline, n, target, trajectory="linear"):
    code, name, region, level, low, high, status = SCHOOLS[school_id]
    targeted, sort = GROUPS[group]
    return {"school_id": school_id, "region": region, "school_level": level, "grade_low": low, "grade_high": high,
            "status": status, "metric": metric, "group": group, "targeted": targeted, "group_sort": sort,
            "baseline": baseline, "n": n, "target": target, "trajectory": trajectory}


def district() -> pd.DataFrame:
    return pd.DataFrame([
        row(1, "ag", "all", 60, 100, 72),
        row(2, "ag", "all", 50, 200, 64),
        row(3, "ag", "all", 40, 100, 70),  # draft: not counted
        row(4, "ag", "all", 55, 100, 66, "step_up"),
        row(1, "ag", "el", 30, 20, 50),
        row(2, "ag", "el", 20, 30, 50),
        row(1, "ag", "swd", 20, 10, 35, "aggressive"),  # a target below the group goal (+15 < +25)
        row(5, "ela", "all", -40, 50, -12),
        row(5, "gm", "all", 70, 200, 78),
        row(4, "gm", "all", 60, 100, 66, "step_up"),  # span 6-12: counts at middle and at high
        row(1, "gm", "all", 65, 100, 74),
    ])


def plans() -> pd.DataFrame:
    return pd.DataFrame([{"school_id": i, "code": s[0], "name": s[1], "region": s[2], "school_level": s[3],
                          "status": s[6]} for i, s in SCHOOLS.items()])


def expanded():
    return r.expand_levels(district(), metrics(), BANDS)


def one(frame, **where):
    for key, value in where.items():
        frame = frame[frame[key] == value]
    assert len(frame) == 1, where
    return frame.iloc[0]


# ---------------------------------------------------------------- levels

def test_a_span_school_counts_at_every_level_its_grades_cover():
    assert applicable_levels("span", 6, 12, BANDS) == {"middle", "high"}
    assert applicable_levels("span", 0, 8, BANDS) == {"elementary", "middle"}
    assert applicable_levels("high", 9, 12, BANDS) == {"high"}
    rows = expanded()
    sp_growth = rows[(rows.school_id == 4) & (rows.metric == "gm")]
    assert sorted(sp_growth.mlevel) == ["high", "middle"]
    assert len(rows) == len(district()) + 1  # the one span SEL row is counted twice



# ---------------------------------------------------------------- the projection

def test_a_g_projection_is_the_student_weighted_mean_of_counted_targets():
    ag = one(present.against_goal(r.projection(expanded(), metrics()), metrics()), metric="ag", group="all")
    # Counted: H1 (72 x 100), H2 (64 x 200), SP (66 x 100); H3 is a draft.
    assert ag.projected == pytest.approx((72 * 100 + 64 * 200 + 66 * 100) / 400)  # 66.5
    assert ag.baseline == pytest.approx((60 * 100 + 50 * 200 + 55 * 100) / 400)  # 53.75
    assert ag.goal_kind == "value" and ag.goal == 70
    assert ag.gap == pytest.approx(-3.5)
    assert ag.gap_text == "3.5 points short of 70%"
    assert ag.meets == False  # noqa: E712
    assert (ag.schools, ag.schools_all, ag.n, ag.n_all) == (3, 4, 400, 500)
    assert ag.share_students == pytest.approx(0.8)


def test_targeted_groups_are_held_to_their_group_gain():
    proj = present.against_goal(r.projection(expanded(), metrics()), metrics())
    el = one(proj, metric="ag", group="el")
    # baseline (30x20 + 20x30)/50 = 24; projected (50x20 + 50x30)/50 = 50; gain 26 against +25.
    assert el.baseline == pytest.approx(24) and el.projected == pytest.approx(50)
    assert el.goal_kind == "gain" and el.goal == 25
    assert el.gap == pytest.approx(1.0) and el.meets == True  # noqa: E712
    assert el.gap_text == "reaches +25 (1.0 points above)"
    swd = one(proj, metric="ag", group="swd")
    assert swd.gain == pytest.approx(15) and swd.gap == pytest.approx(-10) and swd.meets == False  # noqa: E712
    assert swd.gap_text == "10.0 points short of +25"


def test_gain_goals_compare_the_weighted_gain_in_points():
    proj = present.against_goal(r.projection(expanded(), metrics()), metrics())
    ela = one(proj, metric="ela", group="all")
    assert ela.gain == pytest.approx(28) and ela.gap_text == "2.0 points short of +30"
    elementary = one(proj, metric="gm", mlevel="elementary")
    assert elementary.gain == pytest.approx(8) and elementary.meets == True  # noqa: E712
    assert elementary.gap_text == "reaches +8 exactly"
    middle = one(proj, metric="gm", mlevel="middle")  # SP alone: 60 -> 66
    assert middle.gain == pytest.approx(6) and middle.gap == pytest.approx(-2.0)
    high = one(proj, metric="gm", mlevel="high")  # SP and H1: (60+65)/2 -> (66+74)/2 = 62.5 -> 70
    assert high.baseline == pytest.approx(62.5) and high.projected == pytest.approx(70)
    assert high.gap == pytest.approx(-0.5) and high.label == "Growth Mindset, high"


def test_regions_furthest_short_first():
    regions = r.regions_against_goal(expanded(), metrics())
    ag = regions[(regions.metric == "ag") & (regions.group == "all")]
    assert list(ag.region) == ["S", "N"]
    south, north = ag.iloc[0], ag.iloc[1]
    # South: (64x200 + 66x100)/300 = 64.67, 5.3 short; North: H1 alone at 72, 2.0 above.
    assert south.projected == pytest.approx(19400 / 300) and south.gap == pytest.approx(-5.3)
    assert bool(south.short) and south["rank"] == 1
    assert north.gap == pytest.approx(2.0) and not bool(north.short)
    lines = r.headline(r.projection(expanded(), metrics()), regions)
    ag_line = one(lines, metric="ag")
    assert ag_line.worst_region == "S" and ag_line.regions_short == 1


def test_a_level_filter_keeps_span_schools_where_their_grades_fall():
    middle = r.filter_level(expanded(), "middle")
    assert set(middle.school_id) == {4}
    span = r.filter_level(expanded(), "span")
    assert set(span.school_id) == {4} and set(span.mlevel) == {"middle", "high"}


# ---------------------------------------------------------------- completeness

def test_completeness_by_region_and_level_counts_overdue_after_the_due_date():
    table = r.completeness(plans(), late=True)
    north_high = one(table, region="N", school_level="high")
    assert (north_high.plans, north_high.approved, north_high.draft, north_high.overdue) == (2, 1, 1, 1)
    assert north_high.pct_submitted == 50.0
    south_middle = one(table, region="S", school_level="middle")
    assert (south_middle.not_started, south_middle.overdue) == (1, 1)
    assert table.overdue.sum() == 2
    assert r.completeness(plans(), late=False).overdue.sum() == 0
    by_region = r.completeness(plans(), late=True, by=("region",))
    assert list(by_region.plans) == [3, 3]
    assert list(by_region.submitted_or_approved) == [2, 2]



def test_a_returned_plan_its_school_sent_in_on_time_is_not_counted_overdue():
    frame = pd.DataFrame([{"school_id": i, "region": "N", "school_level": "high", "status": status,
                           "sent_on_time": sent} for i, (status, sent) in enumerate(
                              [("returned", 1), ("returned", 0), ("draft", 0), ("submitted", 1)])])
    assert list(r.overdue(frame, late=True)) == [False, True, True, False]
    assert not r.overdue(frame, late=False).any()
    assert one(r.completeness(frame, late=True), region="N", school_level="high").overdue == 2


# ---------------------------------------------------------------- targets chosen

def test_distribution_quartiles_by_region():
    dist = r.distribution(expanded(), metrics(), "region")
    south = one(dist, metric="ag", region="S")
    # South's A-G targets across groups: H2 all 64, H2 EL 50, SP all 66.
    assert south.targets == 3 and south["median"] == 64
    assert south.q1 == pytest.approx(57) and south.q3 == pytest.approx(65)
    groups = r.distribution(expanded(), metrics(), "group")
    ag_all = one(groups, metric="ag", group="all")
    assert ag_all["median"] == 66 and ag_all.median_gain == pytest.approx(12)  # gains 12, 14, 11


def test_trajectory_choices_per_goal_count_a_span_row_once():
    choices = r.trajectory_choices(expanded(), metrics(), list(SHARES))
    post = choices[choices.goal == "postsecondary"].set_index("trajectory")
    # Counted A-G rows: H1 all/EL linear, H1 SWD aggressive, H2 all/EL linear, SP step-up.
    assert post.targets.to_dict() == {"linear": 4, "aggressive": 1, "step_up": 1, "delayed": 0}
    assert post.share["linear"] == pytest.approx(66.7)
    sel = choices[choices.goal == "sel"].set_index("trajectory")
    assert sel.targets["linear"] == 2 and sel.targets["step_up"] == 1  # E1, H1 linear; SP once


# ---------------------------------------------------------------- paths

def actuals() -> pd.DataFrame:
    rows = [(1, "ag", "all", "2022-23", 63, 100), (2, "ag", "all", "2022-23", 52, 200),
            (4, "ag", "all", "2022-23", 57, 100), (3, "ag", "all", "2022-23", 41, 100)]
    frame = pd.DataFrame(rows, columns=["school_id", "metric", "group", "year", "value", "n"])
    frame["school_level"] = frame.school_id.map(lambda i: SCHOOLS[i][3])
    frame["grade_low"] = frame.school_id.map(lambda i: SCHOOLS[i][4])
    frame["grade_high"] = frame.school_id.map(lambda i: SCHOOLS[i][5])
    return r.expand_levels(frame, metrics(), BANDS)


def test_district_actual_path_beside_the_goal_and_projected_paths():
    paths = rp.district_paths(expanded(), actuals(), metrics(), SHARES, YEARS, "2021-22")
    ag = paths[(paths.metric == "ag") & (paths.group == "all")].set_index("year")
    assert list(ag.index) == ["2021-22", *YEARS]
    # Goal path: all measured rows' baseline (6000+10000+5500+4000)/500 = 51 -> 70 in four steps.
    assert ag.goal_path["2021-22"] == pytest.approx(51)
    assert ag.goal_path["2022-23"] == pytest.approx(55.75)
    assert ag.goal_path["2025-26"] == pytest.approx(70)
    # Actual 2022-23: every school's result, n-weighted: (6300+10400+5700+4100)/500 = 53.
    assert ag.actual["2022-23"] == pytest.approx(53) and ag.actual_n["2022-23"] == 500
    assert ag.on_track["2022-23"] is False and ag.vs_goal["2022-23"] == pytest.approx(-2.75)
    # Projected: interim targets of counted rows: H1 63, H2 53.5, SP (step-up .1) 56.1.
    assert ag.projected_path["2022-23"] == pytest.approx((63 * 100 + 53.5 * 200 + 56.1 * 100) / 400)
    assert ag.projected_path["2025-26"] == pytest.approx(66.5)
    assert pd.isna(ag.actual["2023-24"])


# ---------------------------------------------------------------- schools

def test_a_schools_targets_against_the_plan_and_its_actuals():
    rows = district()
    h2 = rows[rows.school_id == 2]
    targets = rp.school_targets(h2, metrics(), SHARES, YEARS)
    ag = one(targets, metric="ag", group="all")
    assert ag.ask == 70 and ag.gap_to_ask == pytest.approx(-6) and ag.meets_ask == False  # noqa: E712
    assert ag.interims["2022-23"] == pytest.approx(53.5)
    el = one(targets, metric="ag", group="el")
    assert el.ask == 45 and el.meets_ask == True  # noqa: E712  # 20 + 25
    acts = actuals()
    progress = rp.school_progress(targets, acts[acts.school_id == 2], YEARS)
    assert one(progress, metric="ag", group="all", year="2022-23").verdict == "behind"  # 52 < 53.5
    assert pd.isna(one(progress, metric="ag", group="all", year="2023-24").verdict)
    h1 = rp.school_targets(rows[rows.school_id == 1], metrics(), SHARES, YEARS)
    p1 = rp.school_progress(h1, acts[acts.school_id == 1], YEARS)
    assert one(p1, metric="ag", group="all", year="2022-23").verdict == "on track"  # 63 = 63, at the target


def test_the_regions_school_table():
    north = plans()[plans().region == "N"]
    table = r.school_table(north, district()[district().region == "N"], metrics(), late=True, metric="ag")
    h1 = one(table, code="H1")
    # EL +20 and SWD +15 fall below their +25.
    assert (h1.status, bool(h1.overdue), h1.targets, h1.at_ask) == ("approved", False, 4, 2)
    assert h1.gain == pytest.approx(12) and h1.ask_gain == pytest.approx(10) and h1.gap == pytest.approx(2)
    h3 = one(table, code="H3")
    assert bool(h3.overdue) and h3.gap == pytest.approx(0)
    assert list(table.code) == ["H3", "H1"]  # E1 has no A-G; H3 is furthest below the ask (0 < 2)
    overall = r.school_table(north, district()[district().region == "N"], metrics(), late=True)
    # Overdue first; then E1 (ELA +28 < +30: 1 of 2 at the ask) and H1 (2 of 4) tie at half, by name.
    assert list(overall.code) == ["H3", "E1", "H1"]
    e1 = one(overall, code="E1")
    assert pd.isna(e1.gap) and e1.targets == 2 and e1.at_ask == 1


# ---------------------------------------------------------------- words and JSON

def test_numbers_in_the_goals_own_unit():
    assert formatting.result(68.24, "percent") == "68.2%"
    assert formatting.result(-12.34, "dfs") == "\u221212.3"
    assert formatting.signed(27.5) == "+27.5"
    assert present.gap_text(-1.8, "70%") == "1.8 points short of 70%"
    assert present.gap_text(-2.5, "+30") == "2.5 points short of +30"


def test_records_are_json_safe():
    import json

    out = r.records(r.projection(expanded(), metrics()))
    json.dumps(out, allow_nan=False)
    assert out[0]["metric"] == "ag"


def test_empty_inputs_give_empty_tables():
    empty = district().iloc[0:0]
    assert r.projection(r.expand_levels(empty, metrics(), BANDS), metrics()).empty
    assert r.completeness(plans().iloc[0:0], late=True).empty
    assert r.trajectory_choices(empty.assign(mlevel=[]), metrics(), list(SHARES)).empty
