"""The chart primitives: round axis steps, a scale that refuses numbers it cannot place, and every
chart leaving itself out, rather than failing the page, when a value cannot be drawn. On the pages:
a figure too large for any chart, stored without a form, leaves every page answering with its table,
and a chart whose drawing raises leaves its page with the table and a note where the chart was."""
import math
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.charts import board_report, dashboard, initiative, svg
from portal.charts.guard import NOTE
from portal.charts.scale import axis_from_zero, linear_scale, nice_step
from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures.charts import spark_chart
from portal.measures.models import MeasureValue
from portal.org.models import User
from portal.progress.models import BoardUpdate, Initiative, Stage
from portal.strategic_plan.models import Measure, Metric, StudentGroup
from portal.targets.models import Actual, PlanStatus, Target, TargetPlan
from portal.targets.queries import current_cycle
from tests.conftest import ROLE_EMAILS

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


# ---------------------------------------------------------------- on the pages

def stored_huge_figures(factories, huge: float) -> dict:
    """Figures no form takes any more (the forms refuse them), written straight into the database as
    old data or a bug might have left them: a check-in's value placed in a Board update, a progress
    metric's target, a school's 2026 target and results, a Measure of Success's value with the annual
    report on its year."""
    draft = factories.board_update()
    check_in = factories.check_in(stage=Stage.board, board=draft)
    check_in.values[0].value = huge
    check_in.initiative.metrics[0].targets = {"K-5": 1.7e308, "6-8": 150.0}  # JSON holds no infinity
    school = factories.school("elementary")
    plan = factories.target_plan(school, PlanStatus.draft)
    row = db.session.scalar(select(Target).where(Target.plan_id == plan.id, Target.target_2026.is_not(None)))
    row.target_2026 = huge
    current = current_cycle()  # the school's dashboard shows its plan in the district's current cycle
    if current is not None and current.id != plan.cycle_id:
        factories.target_plan(school, PlanStatus.not_started, cycle=current)
    literacy = db.session.scalar(select(Metric).where(Metric.code == "ela_g3"))
    everyone = db.session.scalar(select(StudentGroup).where(StudentGroup.code == "all"))
    for year in ("2014-15", "2022-23"):
        db.session.add(Actual(school_id=school.id, metric_id=literacy.id, group_id=everyone.id, year=year,
                              value=huge, n_students=40))
    measure = db.session.scalar(select(Measure).where(Measure.unit == "percent").order_by(Measure.code))
    value = MeasureValue(measure_id=measure.id, subtarget="", year="2014-15", value=huge, as_of=date(2015, 6, 30))
    db.session.add(value)
    factories.adopt(value)
    report = factories.board_update("annual_report")
    report.school_year = "2014-15"
    db.session.commit()
    return {"initiative": check_in.initiative_id, "period": check_in.period, "update": draft.id,
            "update_version": draft.version, "plan": plan.id, "principal": factories.principal(school).email,
            "school": school.id, "measure": measure.code, "report": report.id}


@pytest.mark.parametrize("huge", [1.7e308, math.inf], ids=["1.7e308", "infinity"])
def test_a_huge_figure_stored_without_any_form_leaves_every_page_with_its_table(app, factories, login_as, client,
                                                                                 auth, huge):
    with app.app_context():
        made = stored_huge_figures(factories, huge)
    login_as(Role.superintendent)
    pages = {f"/initiatives/{made['initiative']}": made["period"], f"/board-updates/{made['update']}": "<table",
             f"/measures/{made['measure']}": "2014-15", "/scorecard?year=2014-15": made["measure"],
             f"/annual-reports/{made['report']}": "<table", "/dashboard/": "<table",
             f"/dashboard/schools/{made['school']}": "<table", "/progress": "<table"}
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert shown in response.get_data(as_text=True), url
    token = auth.csrf(f"/board-updates/{made['update']}")
    published = client.post(f"/board-updates/{made['update']}/publish",
                            data={"csrf_token": token, "version": made["update_version"], "confirm": "yes"})
    assert published.status_code == 303  # frozen with the figure as it is
    frozen = client.get(f"/board-updates/{made['update']}")
    assert frozen.status_code == 200 and "this report is frozen" in frozen.get_data(as_text=True)
    auth.logout()
    login_as(Role.principal, email=made["principal"])
    assert client.get(f"/targets/plans/{made['plan']}").status_code == 200


def boom(*_args, **_kwargs):
    raise RuntimeError("a bug in the chart")


def chart_pages() -> dict[str, str]:
    """A page of each kind that draws a chart, from the demo district."""
    principal = db.session.scalar(select(User).where(User.email == ROLE_EMAILS[Role.principal]))
    tutoring = db.session.scalar(select(Initiative.id).where(Initiative.code == "tutoring"))
    # The demo's Mid-Year Update of 7 March 2023: paths over several periods (not an update another test
    # publishes later with a single period, which draws no line).
    published = db.session.scalar(select(BoardUpdate.id).where(BoardUpdate.published_at.is_not(None),
                                                               BoardUpdate.kind_code == "mid_year",
                                                               BoardUpdate.school_year == "2022-23"))
    plan = db.session.scalar(select(TargetPlan.id).where(TargetPlan.school_id == principal.school_id)
                             .order_by(TargetPlan.id.desc()))
    measure = db.session.scalar(select(MeasureValue.measure_id).limit(1))
    return {"initiative": f"/initiatives/{tutoring}", "board update": f"/board-updates/{published}",
            "school dashboard": f"/dashboard/schools/{principal.school_id}",
            "measure": f"/measures/{db.session.get(Measure, measure).code}", "scorecard": "/scorecard",
            "target form": f"/targets/plans/{plan}"}


@pytest.mark.parametrize("broken, role, page", [
    ("portal.charts.initiative._line", Role.superintendent, "initiative"),
    ("portal.charts.board_report.polygon_line", Role.board, "board update"),
    ("portal.charts.dashboard.polygon_line", Role.superintendent, "school dashboard"),
    ("portal.measures.charts.finite_values", Role.board, "measure"),
    ("portal.measures.charts.finite_values", Role.board, "scorecard"),
    ("portal.charts.svg.linear_scale", Role.principal, "target form"),
])
def test_a_chart_that_fails_to_draw_leaves_its_page_with_the_table_and_a_note(app, login_as, client, monkeypatch,
                                                                              caplog, broken, role, page):
    with app.app_context():
        url = chart_pages()[page]
        db.session.remove()
    monkeypatch.setattr(broken, boom)
    login_as(role)
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NOTE in html and "<table" in html
    assert any("Could not draw the chart" in record.getMessage() for record in caplog.records)
