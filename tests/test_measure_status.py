"""The Measures of Success status rules against hand-computed cases."""
import pytest

from portal.measures.status import (
    BEHIND,
    DECLINED,
    IMPROVED,
    NO_CHANGE,
    ON_TRACK,
    WORK_IN_PROGRESS,
    Status,
    combine,
    expected_on_path,
    status_for,
    target_level,
    target_words,
)


@pytest.mark.parametrize("direction, baseline, value, change", [
    ("increase", 49.1, 55.0, IMPROVED),
    ("increase", 49.1, 49.1, NO_CHANGE),
    ("increase", 49.1, 49.14, NO_CHANGE),  # within the tolerance
    ("increase", 49.1, 47.0, DECLINED),
    ("decrease", 13.6, 12.9, IMPROVED),  # chronic absence going down is improvement
    ("decrease", 13.6, 39.9, DECLINED),
    ("increase", None, None, WORK_IN_PROGRESS),
])
def test_change_against_the_baseline(direction, baseline, value, change):
    assert status_for(direction, baseline, "2021-22", None, "2023-24", value).change == change


def test_a_measure_without_a_baseline_is_compared_with_its_first_value():
    assert status_for("increase", None, None, None, "2024-25", 120, first_value=100).change == IMPROVED
    assert status_for("increase", None, None, None, "2024-25", 120, first_value=None).change == NO_CHANGE


def test_the_straight_path_from_baseline_to_2026():
    # Kindergarten literacy: 49.1% in 2020-21 to 83% in 2025-26: 6.78 points a year.
    assert expected_on_path(49.1, "2020-21", 83.0, "2022-23") == pytest.approx(62.66)
    assert expected_on_path(49.1, "2020-21", 83.0, "2025-26") == pytest.approx(83.0)
    assert status_for("increase", 49.1, "2020-21", 83.0, "2022-23", 63.0).pace == ON_TRACK
    assert status_for("increase", 49.1, "2020-21", 83.0, "2022-23", 60.0).pace == BEHIND


def test_pace_for_a_measure_to_decrease():
    # K-5 chronic absence: 13.6% (2017-18) to 12.8% by 2025-26: 0.1 points a year.
    assert expected_on_path(13.6, "2017-18", 12.8, "2021-22") == pytest.approx(13.2)
    assert status_for("decrease", 13.6, "2017-18", 12.8, "2021-22", 13.0).pace == ON_TRACK
    assert status_for("decrease", 13.6, "2017-18", 12.8, "2022-23", 39.9).pace == BEHIND


def test_no_pace_without_numbers():
    assert status_for("increase", None, None, 100, "2023-24", 50).pace is None
    assert status_for("increase", 10, "2021-22", None, "2023-24", 50).pace is None


def test_a_split_measure_takes_its_status_from_its_sub_targets():
    parts = [Status(IMPROVED, ON_TRACK), Status(IMPROVED, BEHIND), Status(DECLINED, BEHIND)]
    assert combine(parts) == Status(IMPROVED, BEHIND)
    assert combine([Status(IMPROVED, None), Status(DECLINED, None)]) == Status(NO_CHANGE, None)
    assert combine([Status(WORK_IN_PROGRESS, None)]) == Status(WORK_IN_PROGRESS, None)
    assert combine([Status(IMPROVED, ON_TRACK), Status(WORK_IN_PROGRESS, None)]) == Status(IMPROVED, ON_TRACK)


def test_no_pace_when_the_target_is_a_yearly_gain_below_the_baseline():
    # 3A-2: "by 4% annually (from 81% in 2021-22)": the 4 is a gain, not a level.
    assert status_for("increase", 81.0, "2021-22", 4.0, "2023-24", 85.0).pace is None


def test_targets_stated_as_a_gain_or_a_percent_change_become_levels():
    # 3A-6: "increase by 10 points"; 3B-3 style: "by 20%"; 3A-2: "by 4% annually (from 81% in 2021-22)".
    assert target_level("gain", "", 60.0, "2021-22", 10.0) == 70.0
    assert target_level("percent_change", "", 50.0, "2021-22", 20.0) == 60.0
    assert target_level("gain", "year", 81.0, "2021-22", 4.0) == 97.0  # four years of +4
    assert target_level("gain", "", None, None, 30.0) is None  # 1A-1: no district baseline yet
    assert target_level("level", "", 49.1, "2020-21", 83.0) == 83.0
    assert target_words("gain", "", 30.0, "points") == "+30 pts"
    assert target_words("gain", "year", 4.0, "percent") == "+4% a year"
    assert target_words("percent_change", "", 20.0, "count") == "+20%"
