"""One figure for one fact: each district figure comes from one function (portal.rollups.figures) and
every page that shows it shows that value, with a label saying what it is."""
import csv
import io
import random
import re
from html import unescape
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import exists, insert, select

from portal.demo.results import DEMO_IMPORT_ID, build_demo_actuals
from portal.extensions import db, limiter
from portal.kernel.policy import Role
from portal.measures.annual_reports import district_goals
from portal.strategic_plan import figures as plan_figures
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets import figures
from portal.targets.models import Actual
from tests.conftest import ROLE_EMAILS, Actions

YEAR = "2023-24"
NUMBER = re.compile(r"[−-]?[\d,]+(?:\.\d+)?")


@pytest.fixture(scope="module", autouse=True)
def results(app):
    with app.app_context():
        if not db.session.scalar(select(exists().where(Actual.import_id == DEMO_IMPORT_ID))):
            build_demo_actuals(random.Random(7))
            db.session.commit()
        db.session.remove()


class Cells(HTMLParser):
    """The text of every <td data-cell="...">."""

    def __init__(self):
        super().__init__()
        self.cells, self.key, self.depth, self.text = {}, None, 0, []

    def handle_starttag(self, tag, attrs):
        if tag == "td" and dict(attrs).get("data-cell"):
            self.key, self.text = dict(attrs)["data-cell"], []

    def handle_endtag(self, tag):
        if tag == "td" and self.key:
            self.cells[self.key] = " ".join(" ".join(self.text).split())
            self.key = None

    def handle_data(self, data):
        if self.key:
            self.text.append(data)


def cells(html: str) -> dict[str, str]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def first_number(text: str) -> float:
    found = NUMBER.search(text)
    assert found, text
    return float(found.group(0).replace(",", "").replace("−", "-"))


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def shows(text: str, figure: plan_figures.Figure) -> bool:
    return abs(first_number(text) - figure.value) <= 0.051


# ---------------------------------------------------------------- the stories

def test_the_plan_and_the_scorecard_name_both_of_the_plans_ag_baselines(login_as, client):
    plan = text_of(client.get("/plan").get_data(as_text=True))
    assert "The 2020-21 column is the plan's published baseline (2020-21)." in plan
    note = ("The plan gives two figures for 2020-21: 48.1 in its District Goals table (“Where we are”) and 41.8 in "
            "Measure of Success 1D-1.")
    assert note in plan
    login_as(Role.superintendent)
    measure = text_of(client.get("/measures/1D-1").get_data(as_text=True))
    assert "41.8% in 2020-21" in measure and note in measure
    card = cells(client.get(f"/scorecard?year={YEAR}").get_data(as_text=True))
    assert "41.8%" in card["1D-1||baseline"] and note in card["1D-1||baseline"]


def test_the_ag_result_is_the_same_figure_on_every_page(app, login_as, client):
    with app.app_context():
        result = figures.district_result("ag_completion", YEAR)
        start = figures.district_start("ag_completion")
        report = next(line for goal in district_goals(YEAR) for m in goal["metrics"] if m["code"] == "ag_completion"
                      for line in m["lines"] if line["label"] == "All students")
        db.session.remove()
    assert result.value is not None and result.label == "district result 2023-24"
    public = client.get("/progress").get_data(as_text=True)
    assert shows(cells(public)[f"district|ag_completion|all|{YEAR}"], result)
    assert shows(cells(public)["district|ag_completion|all|baseline"], start)
    assert "District result 2023-24" in public and "District baseline 2021-22, all schools" in public
    login_as(Role.superintendent)
    card = client.get(f"/scorecard?year={YEAR}").get_data(as_text=True)
    assert shows(cells(card)[f"1D-1||{YEAR}"], result) and "district result 2023-24" in cells(card)[f"1D-1||{YEAR}"]
    dashboard = client.get("/dashboard/?goal=ag_completion&refresh=1").get_data(as_text=True)
    assert shows(cells(dashboard)[f"ag_completion|high|{YEAR}"], result)
    assert shows(cells(dashboard)["ag_completion|high|start"], start)
    assert "schools with submitted targets only" in dashboard
    assert next(r["value"] for r in report["results"] if r["year"] == YEAR) == result.rounded


# ---------------------------------------------------------------- the property

def page_figures(client) -> dict[str, dict[str, str]]:
    export = client.get(f"/scorecard/export.csv?year={YEAR}").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(export.lstrip("\ufeff"))))
    header = rows[0]
    exported = {(r[header.index("Measure")], r[header.index("Sub-target")]): r[header.index(f"Value {YEAR}")]
                for r in rows[1:]}
    return {"public": cells(client.get("/progress").get_data(as_text=True)),
            "scorecard": cells(client.get(f"/scorecard?year={YEAR}").get_data(as_text=True)),
            "dashboard": cells(client.get("/dashboard/?goal=ag_completion&refresh=1").get_data(as_text=True)),
            "ela": cells(client.get("/dashboard/?goal=ela_g3&refresh=1").get_data(as_text=True)),
            "export": {f"{k[0]}|{k[1]}": v for k, v in exported.items()}}


SCHOOL = st.tuples(st.sampled_from(["high", "elementary"]), st.floats(0, 100), st.floats(-150, 100),
                   st.integers(11, 400))


@settings(max_examples=5, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(district=st.lists(SCHOOL, min_size=1, max_size=3))
def test_every_page_shows_the_value_its_figure_function_gives(app, district):
    """A small district of its own (a region with a few schools and their 2023-24 results), added to
    the demo: the public page, the scorecard, its export, the dashboard and the annual report show
    the district's and the region's figures as figures.py gives them."""
    from tests import factories as made

    with made.scope(app), app.app_context():
        region = made.region()
        metrics = dict(db.session.execute(select(Metric.code, Metric.id)).all())
        everyone = db.session.scalar(select(StudentGroup.id).where(StudentGroup.code == "all"))
        rows = []
        for level, ag, ela, n in district:
            school = made.school(level, region=region)
            code = "ag_completion" if level == "high" else "ela_g3"
            rows.append({"school_id": school.id, "metric_id": metrics[code], "group_id": everyone, "year": YEAR,
                         "value": round(ag if level == "high" else ela, 1), "n_students": n})
        db.session.execute(insert(Actual), rows)
        db.session.commit()
        ag, ela = figures.district_result("ag_completion", YEAR), figures.district_result("ela_g3", YEAR)
        ag_here = figures.district_result("ag_completion", YEAR, region=region.code)
        ela_here = figures.district_result("ela_g3", YEAR, region=region.code)
        report = {m["code"]: next(r["value"] for line in m["lines"] if line["label"] == "All students"
                                  for r in line["results"] if r["year"] == YEAR)
                  for goal in district_goals(YEAR) for m in goal["metrics"] if m["code"] in ("ag_completion", "ela_g3")}
        region_code = region.code
        db.session.remove()
        client = app.test_client()
        with app.app_context():
            limiter.reset()
        assert Actions(client).login(ROLE_EMAILS[Role.superintendent]).status_code == 303
        pages = page_figures(client)
        checks = (("ag_completion", ag, ag_here, "1D-1"), ("ela_g3", ela, ela_here, "1A-1"))
        for metric, figure, here, measure in checks:
            assert shows(pages["public"][f"district|{metric}|all|{YEAR}"], figure)
            assert shows(pages["scorecard"][f"{measure}||{YEAR}"], figure)
            assert shows(pages["export"][f"{measure}|"], figure)
            assert report[metric] == figure.rounded
            if here.value is not None:
                assert shows(pages["public"][f"{region_code}|{metric}|all|{YEAR}"], here)
        assert shows(pages["dashboard"][f"ag_completion|high|{YEAR}"], ag)
        assert shows(pages["ela"][f"ela_g3|elementary|{YEAR}"], ela)
