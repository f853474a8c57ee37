"""The chart primitives: round axis steps, a scale that refuses numbers it cannot place, and every
chart leaving itself out, rather than failing the page, when a value cannot be drawn."""
import math
from types import SimpleNamespace

import pytest

from portal.charts import board_report, dashboard, initiative, svg
from portal.charts.scale import axis_from_zero, linear_scale, nice_step
from portal.measures.charts import spark_chart

UNDRAWABLE = [math.inf, -math.inf, math.nan, 10**400]


def fmt(value, unit, places=1):
    return f"{value:,.{places}f}"


def spark_line(values: dict[str, object]):
    """The little a spark chart reads of a measure's line: its entries by year and its path."""
    return SimpleNamespace(entries={y: SimpleNamespace(value=v) for y, v in values.items()},
                           path=lambda direction: None)


def every_chart_of(first, second) -> dict:
    return {
        "board report": board_report.line_chart([{"breakdown": "", "points": [["Fall", first], ["Spring", second]]}],
                                                "count", fmt),
        "action plan": initiative.line_chart(["Fall", "Spring"], {"": {"Fall": first, "Spring": second}}, {}, {},
                                             "count", fmt),
        "dashboard path": dashboard.path_chart(["2023", "2024"], {"actual": {"2023": first, "2024": second}},
                                               "count", fmt),
        "target path": svg.path_chart([("2023", first), ("2024", second)], []),
        "scorecard spark": spark_chart(spark_line({"2022-23": first, "2023-24": second}), "increase", "count"),
    }


def test_every_chart_draws_ordinary_numbers():
    assert all(chart is not None for chart in every_chart_of(12.0, 30.0).values())


@pytest.mark.parametrize("value", UNDRAWABLE, ids=["infinity", "minus-infinity", "nan", "huge-integer"])
def test_a_value_too_large_to_draw_leaves_the_chart_out_instead_of_failing(value):
    charts = every_chart_of(12.0, value)
    if value != value:  # NaN is pandas' missing value: the dashboard leaves a gap there, as it always has
        assert [line.label for line in charts.pop("dashboard path").lines] == ["Actual"]
    assert charts == dict.fromkeys(charts)


def test_values_whose_span_overflows_leave_the_chart_out_instead_of_failing():
    charts = every_chart_of(-1e308, 1e308)
    assert charts == dict.fromkeys(charts)


def test_an_infinite_baseline_or_target_leaves_the_action_plan_chart_out():
    assert initiative.line_chart(["Fall"], {"": {"Fall": 3.0}}, {"": math.inf}, {}, "count", fmt) is None
    assert initiative.line_chart(["Fall"], {"": {"Fall": 3.0}}, {}, {"": math.nan}, "count", fmt) is None


def test_the_scale_refuses_a_range_it_cannot_place_and_maps_one_it_can():
    assert linear_scale(0, math.inf, 200, 10) is None
    assert linear_scale(math.nan, 5, 200, 10) is None
    assert linear_scale(5, 5, 200, 10) is None  # no span to divide by
    assert linear_scale(-1e308, 1e308, 200, 10) is None  # the span overflows
    assert linear_scale(10**400, 10**401, 200, 10) is None  # too large for a float
    y = linear_scale(0, 100, 200, 10)
    assert (y(0), y(50), y(100)) == (200.0, 105.0, 10.0)


def test_a_round_step_is_one_two_two_and_a_half_or_five_times_a_power_of_ten():
    assert [nice_step(raw) for raw in (0, -3, 0.7, 1, 1.2, 2.2, 3, 7, 12, 0.03)] == [
        1.0, 1.0, 1.0, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 0.05]
    assert nice_step(math.inf) is None and nice_step(math.nan) is None
    assert nice_step(1.7e308) is None  # the round step above it overflows


def test_an_axis_from_zero_ends_on_the_first_round_step_at_or_above_the_highest_value():
    axis = axis_from_zero([0.03], "count")
    assert (axis.low, axis.high) == (0.0, 0.03)
    assert axis_from_zero([12.0, 87.0], "percent").ticks() == [0.0, 25.0, 50.0, 75.0, 100.0]
    assert axis_from_zero([40.0, 120.0], "percent").high == 150.0  # past 100 only when a value is
    assert axis_from_zero([], "count") is None
