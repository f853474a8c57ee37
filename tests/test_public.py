"""The public progress page: no log-in, aggregates only, and no cell built on fewer than 11 students."""
import random
import re
from html.parser import HTMLParser

import pytest
from sqlalchemy import exists, select

from portal.demo.results import DEMO_IMPORT_ID, build_demo_actuals
from portal.extensions import db
from portal.org.models import Region, School
from portal.rollups.public.progress import SUPPRESSED_NOTE, suppress
from portal.strategic_plan.models import Baseline, Goal, Metric, PlanSetting, StudentGroup
from portal.targets.models import Actual


@pytest.fixture(scope="module")
def results(app):
    """The demo district's results (until build_demo writes them itself)."""
    with app.app_context():
        if not db.session.scalar(select(exists().where(Actual.import_id == DEMO_IMPORT_ID))):
            build_demo_actuals(random.Random(7))
            db.session.commit()


class Cells(HTMLParser):
    """The text of every <td data-cell="..."> on the page."""

    def __init__(self):
        super().__init__()
        self.cells, self.key, self.text = {}, None, []

    def handle_starttag(self, tag, attrs):
        if tag == "td" and dict(attrs).get("data-cell"):
            self.key, self.text = dict(attrs)["data-cell"], []
        elif tag == "br" and self.key:
            self.text.append(" ")

    def handle_endtag(self, tag):
        if tag == "td" and self.key:
            self.cells[self.key] = " ".join("".join(self.text).split())
            self.key = None

    def handle_data(self, data):
        if self.key:
            self.text.append(data)


def page_cells(html: str) -> dict[str, str]:
    parser = Cells()
    parser.feed(html)
    return parser.cells


def counts_from_database(years, baseline_year):
    """(scope, metric, group, year) -> (weighted mean, students), for each region and the district."""
    region_code = dict(db.session.execute(select(Region.id, Region.code)).all())
    metric_code = dict(db.session.execute(select(Metric.id, Metric.code)).all())
    group_code = dict(db.session.execute(select(StudentGroup.id, StudentGroup.code)).all())
    totals: dict = {}

    def add(region_id, metric_id, group_id, year, value, n):
        for scope in (region_code[region_id], "district"):
            cell = totals.setdefault((scope, metric_code[metric_id], group_code[group_id], year), [0.0, 0])
            cell[0] += value * n
            cell[1] += n

    for row in db.session.execute(select(School.region_id, Actual.metric_id, Actual.group_id, Actual.year,
                                         Actual.value, Actual.n_students)
                                  .join(School, Actual.school_id == School.id).where(Actual.year.in_(years))):
        add(*row)
    # The district baseline: every school's figure for the baseline year (portal.rollups.figures).
    for region_id, metric_id, group_id, value, n in db.session.execute(
            select(School.region_id, Baseline.metric_id, Baseline.group_id, Baseline.value, Baseline.n_students)
            .join(School, Baseline.school_id == School.id)
            .where(Baseline.year == baseline_year, Baseline.n_students > 0)):
        add(region_id, metric_id, group_id, "baseline", value, n)
    return {key: ((s / n) if n else None, n) for key, (s, n) in totals.items()}


def test_families_read_the_progress_page_without_logging_in(client, results):
    response = client.get("/progress")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ["Postsecondary", "Literacy", "Numeracy", "Social-Emotional/Wellness"]:
        assert name in page
    assert "Where the district started" in page and "2026 goal" in page and "By Local District" in page
    assert "On track" in page and "Behind" in page
    assert SUPPRESSED_NOTE in page  # the note says why figures are missing
    assert "Log out" not in page


def test_no_cell_on_the_page_rests_on_fewer_than_11_students(app, client, results):
    page = client.get("/progress").get_data(as_text=True)
    cells = page_cells(page)
    with app.app_context():
        years = db.session.scalar(select(PlanSetting.value).where(PlanSetting.key == "trajectory_years"))
        baseline_year = db.session.scalar(select(PlanSetting.value).where(PlanSetting.key == "baseline_year"))
        truth = counts_from_database(years, baseline_year)
        school_names = db.session.scalars(select(School.name)).all()
    suppressed = shown = complements = 0
    for key, text in cells.items():
        scope, metric, group, what = key.split("|", 3)
        # A goal or a point on the path is computed from the baseline: it hides with it.
        source = "baseline" if what in ("baseline", "goal") or what.startswith("path|") else what
        mean, n = truth.get((scope, metric, group, source), (None, None))
        if n is None:
            assert text in ("No result yet", "—"), (key, text)
        elif n < 11:
            assert SUPPRESSED_NOTE in text and not re.search(r"\d\.\d", text), (key, n, text)
            suppressed += 1
        elif SUPPRESSED_NOTE in text:
            # A region hidden as the complement of a smaller one (kernel.privacy), never the district's own.
            assert scope != "district" and what.count("|") == 0, (key, n, text)
            complements += 1
        elif source == what:
            number = float(re.match(r"-?[\d,]+\.\d", text).group(0).replace(",", ""))
            assert abs(number - mean) <= 0.051, (key, mean, text)
            shown += 1
    assert suppressed > 10 and shown > 100, (suppressed, shown)
    assert not any(name in page for name in school_names)  # aggregates only, never a school


def test_every_cell_goes_through_one_suppression_rule():
    assert suppress(10, 42.0).suppressed and suppress(10, 42.0).value is None
    assert suppress(0, None).suppressed
    assert not suppress(11, 42.04).suppressed and suppress(11, 42.04).value == 42.0
    assert suppress(None).status == "no_result" and not suppress(None).suppressed


def test_the_page_lists_the_four_goals_in_order(app, client, results):
    page = client.get("/progress").get_data(as_text=True)
    with app.app_context():
        names = db.session.scalars(select(Goal.name).order_by(Goal.number)).all()
    positions = [page.index(f"<h2>{name}</h2>") for name in names]
    assert len(names) == 4 and positions == sorted(positions)
