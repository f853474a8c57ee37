"""Measures fed from what the portal holds: the measures that restate a District Goal take the
district's results, the check-in metrics that are the same quantity feed their measures, and a
measure whose sentence states several numbers keeps each of them."""
import re
from html import unescape

from sqlalchemy import select

from portal.extensions import db
from portal.kernel.policy import Role
from portal.measures.annual_reports import scorecard_section
from portal.strategic_plan.models import Measure
from portal.targets import figures
from tests.test_one_figure import cells, first_number

PAST_YEARS = ("2022-23", "2023-24")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_the_scorecard_shows_a_value_for_every_district_goal_measure_in_each_past_year(app, login_as, client):
    login_as(Role.board)
    lines = {"1A-1": [""], "1A-2": ["Grades 3-5", "Grades 6-8"], "1D-1": [""],
             "2C-1": [f"{c}, {lv}" for c in ("Growth mindset", "Self-efficacy", "Self-management", "Social awareness")
                      for lv in ("elementary", "middle school", "high school")]}
    for year in PAST_YEARS:
        shown = cells(client.get(f"/scorecard?year={year}").get_data(as_text=True))
        for code, labels in lines.items():
            for label in labels:
                cell = shown[f"{code}|{label}|{year}"]
                assert "No value yet" not in cell and f"district result {year}" in cell, (code, label, year, cell)
    with app.app_context():
        expected = figures.district_result("math_6_8", "2023-24", level="middle")
        db.session.remove()
    assert abs(first_number(shown["1A-2|Grades 6-8|2023-24"]) - expected.value) <= 0.051


def test_a_district_goal_measure_without_a_baseline_in_the_plan_starts_from_the_district_baseline(app, login_as,
                                                                                                  client):
    login_as(Role.superintendent)
    page = text_of(client.get("/measures/1A-1").get_data(as_text=True))
    with app.app_context():
        start = figures.district_start("ela_g3")
        db.session.remove()
    assert "district baseline 2021-22, all schools" in page
    assert f"{round(start.value, 1):g} pts in 2021-22" in page
    assert "The district's results for all students" in page
    # SEL lines start from the plan's published 2021-22 table, 8 points of growth on top.
    sel = text_of(client.get("/measures/2C-1").get_data(as_text=True))
    assert "Growth mindset, elementary" in sel and "baseline 75.9% (the plan's published baseline (2021-22))" in sel
    assert "2026 target 83.9%" in sel


def test_a_measure_stating_several_numbers_keeps_each_of_them(login_as, client):
    login_as(Role.superintendent)
    college = text_of(client.get("/measures/1D-7").get_data(as_text=True))
    assert "No baseline in the plan" not in college and "None in the plan" not in college
    assert "By sub-target: UC 27.7% in 2020-21, CSU 36.8% in 2020-21" in college
    shown = cells(client.get("/scorecard?year=2023-24").get_data(as_text=True))
    assert "27.7%" in shown["1D-7|UC|baseline"] and "36.8%" in shown["1D-7|CSU|baseline"]
    page = client.get("/scorecard?year=2023-24").get_data(as_text=True)
    for code, numbers in {"3C-2": ["66%", "40%"], "4B-3": ["$350.0 million", "$300.0 million"]}.items():
        row = page[page.index(f'id="measure-{code}"'):]
        row = row[:row.index("</tbody>")]
        for number in numbers:
            assert number in row, (code, number)
    schools = text_of(client.get("/measures/4B-3").get_data(as_text=True))
    assert "Schools with major modernization projects identified" in schools and "2026 target 7 " in schools


def test_an_open_reading_is_said_on_the_measure_page_and_in_the_annual_report(app, login_as, client):
    login_as(Role.superintendent)
    page = text_of(client.get("/measures/4A-1").get_data(as_text=True))
    assert "How the target is read" in page
    assert "the plan's \"25%\" is read as 25 percentage points added to the baseline, not as a relative rise" in page
    with app.app_context():
        section = scorecard_section("2023-24")
        db.session.remove()
    measure = next(m for p in section["pillars"] for pr in p["priorities"] for m in pr["measures"]
                   if m["code"] == "4A-1")
    assert any("25 percentage points" in r for r in measure["readings"])


def test_the_check_in_metrics_that_are_the_same_quantity_feed_their_measures(app, login_as, client):
    with app.app_context():
        fed = {m.code: m.feed_metric_id for m in db.session.scalars(
            select(Measure).where(Measure.code.in_(["2A-4", "2D-1", "3B-2", "5A-2"])))}
        db.session.remove()
    assert all(fed.values()), fed
    login_as(Role.board)
    shown = cells(client.get("/scorecard?year=2022-23").get_data(as_text=True))
    assert "$11.9 million" in shown["2A-4||2022-23"] and "Greening Projects check-in" in shown["2A-4||2022-23"]
    assert "81%" in shown["3B-2|Connectivity|2022-23"]
    assert "2%" in shown["5A-2|Certificated|2022-23"]
    assert "Connectivity check-in" in shown["3B-2|Connectivity|2022-23"]
