"""The Board report's charts place each reporting period by its last day: November 2022 and Fall 2026
are as far apart on the chart as they are in the calendar, a period reported out of order still
sits where its date puts it, labels too close to read drop to a second row or, with no room there
either, are left out (their points keep their titles), and a report frozen before its points kept
their dates still draws, evenly spaced."""
import re
from datetime import date

from sqlalchemy import select

from portal.charts import board_report
from portal.extensions import db
from portal.kernel.policy import Role
from portal.progress.models import BoardUpdate, CheckIn
from tests.test_board import MARCH_2023, text_of


def fmt(value, unit):
    return f"{value:g}"


def xs_of(chart) -> dict[str, float]:
    """Each period's x, read from the points' titles ("label, period: value")."""
    found = {}
    for line in chart.lines:
        for marker in line.markers:
            period = marker.title.split(", ", 1)[1].rsplit(": ", 1)[0]
            found[period] = marker.x
    return found


def test_periods_far_apart_in_the_calendar_are_far_apart_on_the_chart():
    chart = board_report.line_chart([{"breakdown": "", "points": [
        ["November 2022", 10.0, "2022-11-30"], ["March 2023", 12.0, "2023-03-31"],
        ["Fall 2026", 30.0, "2026-12-15"]]}], "count", fmt)
    x = xs_of(chart)
    near, far = x["March 2023"] - x["November 2022"], x["Fall 2026"] - x["March 2023"]
    days_near = (date(2023, 3, 31) - date(2022, 11, 30)).days
    days_far = (date(2026, 12, 15) - date(2023, 3, 31)).days
    assert abs(far / near - days_far / days_near) < 0.05
    # November 2022 and March 2023 are too close for both labels on one row: the earlier drops below.
    assert [label for _x, label in chart.x_ticks] == ["November 2022", "March 2023", "Fall 2026"]
    assert chart.x_label_rows == [1, 0, 0]


def test_a_period_reported_out_of_order_sits_where_its_date_puts_it():
    series = [{"breakdown": "Certificated", "points": [["Fall 2026", 98.0, "2026-12-15"]]},
              {"breakdown": "Classified", "points": [["Fall 2026", 91.0, "2026-12-15"],
                                                     ["November 2022", 88.0, "2022-11-30"]]}]
    assert board_report.periods_in_order(series) == ["November 2022", "Fall 2026"]
    x = xs_of(board_report.line_chart(series, "percent", fmt))
    assert x["November 2022"] < x["Fall 2026"]


def test_labels_too_close_to_read_are_left_out_and_their_points_keep_their_titles():
    chart = board_report.line_chart([{"breakdown": "", "points": [
        ["September 2022", 3667.0, "2022-09-30"], ["October 2022", 5788.0, "2022-10-31"],
        ["Fall 2026", 19613.0, "2026-12-15"]]}], "count", fmt)
    labels = [label for _x, label in chart.x_ticks]
    # September and October 2022 a few pixels apart: October keeps the first row, September the second.
    assert labels == ["September 2022", "October 2022", "Fall 2026"] and chart.x_label_rows == [1, 0, 0]
    crowded = board_report.line_chart([{"breakdown": "", "points": [
        ["August 2022", 1.0, "2022-08-31"], ["September 2022", 3667.0, "2022-09-30"],
        ["October 2022", 5788.0, "2022-10-31"], ["Fall 2026", 19613.0, "2026-12-15"]]}], "count", fmt)
    assert [label for _x, label in crowded.x_ticks] == ["", "September 2022", "October 2022", "Fall 2026"]
    titles = [m.title for m in chart.lines[0].markers]
    assert titles == ["Value, September 2022: 3667", "Value, October 2022: 5788", "Value, Fall 2026: 19613"]


def test_a_report_frozen_before_points_kept_their_dates_draws_them_evenly_spaced():
    chart = board_report.line_chart([{"breakdown": "", "points": [
        ["November 2022", 10.0], ["March 2023", 12.0], ["Fall 2026", 30.0]]}], "count", fmt)
    x = xs_of(chart)
    assert x["March 2023"] - x["November 2022"] == x["Fall 2026"] - x["March 2023"]


def test_the_report_keeps_each_points_last_day_and_the_board_sees_the_time_axis(app, login_as, client):
    """The March 2023 update: every point of every path carries its period's last day, as the check-ins
    (or, for the figures from before the plan, the district's own update) give it, and its charts space
    the periods by those days."""
    with app.app_context():
        update = db.session.scalar(select(BoardUpdate).where(BoardUpdate.title == MARCH_2023,
                                                             BoardUpdate.school_year == "2022-23"))
        ends = dict(db.session.execute(select(CheckIn.period, CheckIn.period_end)).all())
        update_id, report = update.id, update.snapshot
    points = [p for pillar in report["pillars"] for priority in pillar["priorities"]
              for initiative in priority["initiatives"] for metric in initiative["metrics"]
              for s in metric["series"] for p in s["points"]]
    assert points and all(len(p) == 3 and date.fromisoformat(p[2]) for p in points)
    assert all(date.fromisoformat(p[2]) == ends[p[0]] for p in points if p[0] in ends)
    login_as(Role.board)
    html = client.get(f"/board-updates/{update_id}").get_data(as_text=True)
    assert "the path over the reporting periods" in text_of(html)
    # Each chart's markers run left to right in date order.
    for svg in re.findall(r'<svg class="line-chart".*?</svg>', html, re.S):
        dated = {}
        for cx, period in re.findall(r'<circle cx="([\d.]+)"[^>]*><title>[^,]*, ([^:]+):', svg):
            dated[period] = float(cx)
        known = [(ends[p], x) for p, x in dated.items() if p in ends]
        assert [x for _d, x in sorted(known)] == sorted(x for _d, x in known)
