"""The plan as data: flask seed loads the district's Strategic Plan faithfully and idempotently."""
import shutil

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.strategic_plan.models import (
    Baseline,
    BoardUpdateKind,
    CoreBelief,
    Goal,
    GraduateAttribute,
    Measure,
    Metric,
    Pillar,
    Priority,
    Strategy,
    StudentGroup,
    Trajectory,
)
from portal.strategic_plan.seed import load_plan
from portal.strategic_plan.seed_files import SeedError


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def district_value(metric, group, year, level=""):
    return db.session.scalar(
        select(Baseline.value).join(Metric).join(StudentGroup).where(
            Metric.code == metric, StudentGroup.code == group, Baseline.year == year,
            Baseline.level == level, Baseline.school_id.is_(None)))


def test_the_plan_has_four_goals_five_pillars_and_twenty_priorities(ctx):
    assert count(Goal) == 4
    assert count(Pillar) == 5
    codes = db.session.scalars(select(Priority.code).order_by(Priority.code)).all()
    assert codes == [f"{p}{letter}" for p in "12345" for letter in "ABCD"]


def test_every_priority_has_strategies_measures_and_the_plan_has_93_measures(ctx):
    for priority in db.session.scalars(select(Priority)):
        assert priority.strategies, priority.code
        assert priority.measures, priority.code
        assert priority.our_priority and priority.why_this_matters
    assert count(Measure) == 93


def test_measures_keep_the_plans_numbers(ctx):
    chronic = db.session.scalar(select(Measure).where(Measure.code == "2D-1"))
    assert "chronically absent" in chronic.text
    labels = {s["label"]: s for s in chronic.subtargets}
    assert labels["K-5"]["target"]["value"] == 12.8
    assert labels["K-5"]["baseline"]["value"] == 13.6


@pytest.mark.parametrize("metric, group, year, level, value", [
    ("ag_completion", "all", "2020-21", "", 48.1),
    ("ag_completion", "foster", "2019-20", "", 16.0),
    ("ag_completion", "black", "2017-18", "", 37.3),
    ("ela_g3", "all", "2016-17", "", -31.9),
    ("ela_g3", "swd", "2018-19", "", -92.1),
    ("ela_g3", "latinx", "2017-18", "", -33.5),
    ("math_3_5", "el", "2018-19", "", -96.7),
    ("math_3_5", "low_income", "2016-17", "", -54.0),
    ("math_6_8", "foster", "2017-18", "", -141.6),
    ("math_6_8", "all", "2018-19", "", -64.0),
    ("sel_growth_mindset", "all", "2021-22", "elementary", 75.9),
    ("sel_self_efficacy", "all", "2021-22", "high", 52.0),
    ("sel_self_management", "all", "2017-18", "middle", 67.7),
    ("sel_social_awareness", "all", "2019-20", "high", 66.9),
])
def test_baseline_tables_equal_the_plans_figures(ctx, metric, group, year, level, value):
    assert district_value(metric, group, year, level) == value


def test_goal_settings_and_which_levels_each_metric_applies_to(ctx):
    metrics = {m.code: m for m in db.session.scalars(select(Metric))}
    assert metrics["ag_completion"].target_kind == "absolute" and metrics["ag_completion"].target_value == 70
    assert metrics["ag_completion"].levels == ["high"]
    assert (metrics["ela_g3"].target_value, metrics["ela_g3"].group_gain) == (30, 40)
    assert (metrics["math_6_8"].target_value, metrics["math_6_8"].group_gain) == (40, 50)
    assert metrics["math_6_8"].levels == ["middle"]
    sel = metrics["sel_growth_mindset"]
    assert (sel.target_value, sel.group_gain) == (8, 12)
    assert sorted(sel.levels) == ["elementary", "high", "middle"]


def test_groups_trajectories_profile_and_board_calendar(ctx):
    groups = db.session.scalars(select(StudentGroup).order_by(StudentGroup.sort)).all()
    assert [g.code for g in groups] == ["all", "swd", "el", "low_income", "foster", "latinx", "black"]
    shares = {t.code: t.shares for t in db.session.scalars(select(Trajectory))}
    assert shares == {"linear": [0.25, 0.5, 0.75, 1.0], "aggressive": [0.4, 0.7, 0.9, 1.0],
                      "step_up": [0.1, 0.3, 0.6, 1.0], "delayed": [0.0, 0.1, 0.4, 1.0]}
    assert count(GraduateAttribute) == 4 and count(CoreBelief) == 3
    kinds = db.session.scalars(select(BoardUpdateKind).order_by(BoardUpdateKind.position)).all()
    assert [(k.code, k.month) for k in kinds] == [("initial", 10), ("mid_year", 3), ("end_of_year", 6),
                                                  ("annual_report", 9)]


def test_a_second_seed_run_changes_nothing(app, ctx):
    assert load_plan(app.config["SEED_DIR"]) == {}


def test_an_edited_seed_file_updates_only_what_changed(app, ctx, tmp_path):
    edited = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DIR"], edited)
    pillars = (edited / "pillars.yaml").read_text(encoding="utf-8")
    original = "Expand outdoor education and nature-based experiences"
    assert original in pillars
    (edited / "pillars.yaml").write_text(pillars.replace(original, "Expand outdoor learning"), encoding="utf-8")
    baselines = (edited / "baselines.csv").read_text(encoding="utf-8")
    (edited / "baselines.csv").write_text(baselines.replace("ag_completion,all,,2020-21,48.1",
                                                            "ag_completion,all,,2020-21,48.3"), encoding="utf-8")
    try:
        changes = load_plan(str(edited))
        assert changes == {"strategy updated": 1, "baseline updated": 1}
        assert db.session.scalar(select(func.count()).where(Strategy.text == "Expand outdoor learning")) == 1
        assert district_value("ag_completion", "all", "2020-21") == 48.3
    finally:
        load_plan(app.config["SEED_DIR"])
    assert district_value("ag_completion", "all", "2020-21") == 48.1


def test_a_broken_seed_file_is_reported_and_changes_nothing(app, ctx, tmp_path):
    broken = tmp_path / "seed"
    shutil.copytree(app.config["SEED_DIR"], broken)
    (broken / "trajectories.yaml").write_text(
        "years: [2023]\ntrajectories:\n  - {code: linear, name: L, shares: [0.5, 0.2]}\n")
    before = count(Strategy)
    with pytest.raises(SeedError, match="trajectories.yaml"):
        load_plan(str(broken))
    assert count(Strategy) == before
    assert db.session.scalar(select(Trajectory.shares).where(Trajectory.code == "linear")) == [0.25, 0.5, 0.75, 1.0]
