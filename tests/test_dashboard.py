"""The superintendent's dashboard, told as the reader's story: who may open it (a regional leader's
and a principal's, scoped to their region and school, in test_role_dashboards.py), the four goals as
the database says they land, filters in the URL applied in place, drill-down from the district to a
region and a school, every table to CSV and Excel, and a shared cache that is reused while the data
stands still and recomputed the moment a plan, a target or an actual changes."""
import csv
import io
import re
from contextlib import contextmanager
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, update

from portal.cache.models import RollupCache
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.policy import Role
from portal.org.models import Region, School
from portal.rollups import refresh
from portal.rollups.dashboard import payloads
from portal.rollups.dashboard.tables import DISTRICT_TABLES
from portal.strategic_plan.models import Metric, StudentGroup
from portal.targets import operations as svc
from portal.targets.models import Actual, PlanStatus, Target, TargetCycle, TargetPlan

READERS = (Role.superintendent, Role.board, Role.admin)
OTHERS = (Role.central_office,)  # a leader's and a principal's dashboards: tests/test_role_dashboards.py
COUNTED = (PlanStatus.submitted, PlanStatus.approved)
HTMX = {"HX-Request": "true"}


@pytest.fixture
def data(app):
    """A database session of the test's own, closed before the next request."""
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


def current_cycle(s) -> TargetCycle:
    return s.scalar(select(TargetCycle).order_by(TargetCycle.opens_on.desc(), TargetCycle.id.desc()).limit(1))


def clear_cache(data) -> None:
    with data() as s:
        s.execute(delete(RollupCache))
        s.commit()


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


# ---------------------------------------------------------------- who may open it

@pytest.mark.parametrize("role", READERS, ids=lambda r: r.value)
def test_the_superintendents_office_the_board_and_admins_read_every_page(data, login_as, client, role):
    with data() as s:
        school = s.scalar(select(School).order_by(School.id).limit(1))
        region_code = school.region.code
    login_as(role)
    for url in ("/dashboard/", f"/dashboard/regions/{region_code}", f"/dashboard/schools/{school.id}",
                "/dashboard/export?table=goals&format=csv"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", OTHERS, ids=lambda r: r.value)
def test_other_roles_are_refused(data, login_as, client, role):
    with data() as s:
        school_id = s.scalar(select(School.id).order_by(School.id).limit(1))
    login_as(role)
    for url in ("/dashboard/", "/dashboard/regions/C", f"/dashboard/schools/{school_id}",
                "/dashboard/export?table=goals&format=xlsx"):
        assert client.get(url).status_code == 403, url
        assert client.get(url, headers=HTMX).status_code == 403, url


def test_unknown_regions_schools_and_tables_answer_404(login_as, client):
    login_as(Role.superintendent)
    assert client.get("/dashboard/regions/ZZ").status_code == 404
    assert client.get("/dashboard/schools/10000000").status_code == 404
    assert client.get("/dashboard/export?table=nothing&format=csv").status_code == 404
    assert client.get("/dashboard/export?table=goals&format=pdf").status_code == 404
    assert client.get("/dashboard/export?table=schools&format=csv").status_code == 404  # needs a region


# ---------------------------------------------------------------- the answer, from the database

def weighted_a_g(s, region_code: str | None = None) -> float | None:
    cycle = current_cycle(s)
    stmt = (select(Target.baseline_n, Target.target_2026).join(TargetPlan, Target.plan_id == TargetPlan.id)
            .join(School, TargetPlan.school_id == School.id).join(Region, School.region_id == Region.id)
            .join(Metric, Target.metric_id == Metric.id).join(StudentGroup, Target.group_id == StudentGroup.id)
            .where(TargetPlan.cycle_id == cycle.id, TargetPlan.status.in_(COUNTED),
                   Metric.code == "ag_completion", StudentGroup.code == "all", Target.target_2026.is_not(None),
                   Target.baseline_value.is_not(None), Target.baseline_n > 0))
    if region_code:
        stmt = stmt.where(Region.code == region_code)
    rows = s.execute(stmt).all()
    students = sum(n for n, _ in rows)
    return sum(n * t for n, t in rows) / students if students else None


def test_the_projected_a_g_figure_and_the_region_furthest_short_match_the_database(data, login_as, client):
    login_as(Role.superintendent)
    html = client.get("/dashboard/").get_data(as_text=True)
    with data() as s:
        expected = weighted_a_g(s)
        by_region = {r.code: (r.name, weighted_a_g(s, r.code)) for r in s.scalars(select(Region))}
    shown = re.search(r'id="figure-ag_completion-high">([^<]+)<', html).group(1)
    assert shown == f"{expected:.1f}%"
    card = text_of(html.split('id="card-postsecondary"', 1)[1].split("</article>", 1)[0])
    gap = round(expected - 70, 1)
    assert (f"{-gap:.1f} points short of 70%" if gap < 0 else "Reaches 70%") in card
    short = sorted((round(v - 70, 1), name) for name, v in by_region.values()
                   if v is not None and round(v - 70, 1) < 0)
    if short:
        assert f"Furthest short: {short[0][1]}" in card
        assert f"{len(short)} of {len(by_region)} regions fall short" in card
    else:
        assert "No region falls short" in card


def test_the_four_goals_and_every_section_are_on_the_page(login_as, client):
    login_as(Role.board)
    page = text_of(client.get("/dashboard/").get_data(as_text=True))
    for words in ("Goal 1 Postsecondary", "Goal 2 Literacy", "Goal 3 Numeracy", "Goal 4 Social-Emotional/Wellness",
                  "Regions that fall short, furthest short first", "Completeness", "Target distributions",
                  "Target selection trajectory by goal", "Actual path against the goal's path",
                  "Initiatives across the 5 pillars and 20 priorities", "Acceleration Days & Tutoring"):
        assert words in page, words


def test_every_chart_has_a_table_and_no_inline_script_or_style(login_as, client):
    login_as(Role.superintendent)
    html = client.get("/dashboard/").get_data(as_text=True)
    charts = re.findall(r'<svg class="dash-chart__svg"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(charts) >= 2  # trajectories and the A-G path
    assert html.count("<table") >= len(charts)
    body = html.split("<body", 1)[1]
    assert " style=" not in body and "<script>" not in body and "onclick" not in body


# ---------------------------------------------------------------- filters, in place and in the URL

def test_filters_render_the_full_page_and_the_part_htmx_swaps(login_as, client):
    login_as(Role.superintendent)
    query = "?region=S&goal=ag_completion&level=high&group=el"
    full = client.get("/dashboard/" + query)
    html = full.get_data(as_text=True)
    assert "<html" in html and 'id="dashboard-body"' in html
    for name, value in (("f-region", "S"), ("f-level", "high")):
        select_html = html.split(f'id="{name}"', 1)[1].split("</select>", 1)[0]
        assert f'value="{value}" selected' in select_html
    assert 'hx-push-url="true"' in html and 'hx-target="#dashboard-body"' in html
    part = client.get("/dashboard/" + query, headers=HTMX)
    fragment = part.get_data(as_text=True)
    assert "<html" not in fragment and "<form" not in fragment
    assert "Local District South" in fragment and "English Learners" in fragment
    assert "HX-Request" in part.headers.get("Vary", "")
    # The address pushed to the browser's history is the canonical one: shareable, no empty fields.
    assert part.headers["HX-Push-Url"] == "/dashboard/?region=S&goal=ag_completion&level=high&group=el"
    messy = client.get("/dashboard/?region=S&goal=&level=&group=", headers=HTMX)
    assert messy.headers["HX-Push-Url"] == "/dashboard/?region=S"
    # Export links carry the same filters.
    assert "table=regions&amp;format=csv&amp;region=S&amp;goal=ag_completion&amp;level=high&amp;group=el" in fragment


def test_unknown_filter_values_are_ignored(login_as, client):
    login_as(Role.superintendent)
    response = client.get("/dashboard/?region=XX&goal=nonsense&level=college&group=martians")
    assert response.status_code == 200
    assert "Showing the whole district" in text_of(response.get_data(as_text=True))


def test_a_goal_filter_narrows_the_tables_to_its_metrics(login_as, client):
    login_as(Role.superintendent)
    part = text_of(client.get("/dashboard/?goal=numeracy", headers=HTMX).get_data(as_text=True))
    assert "Math 3-5" in part and "Math 6-8" in part
    regions = part.split("Regions that fall short", 1)[1].split("The projection by goal", 1)[0]
    assert "A-G (goal" not in regions and "ELA G3 (goal" not in regions


def card_codes(html: str) -> list[str]:
    return re.findall(r'<article class="dash-card" aria-labelledby="card-([a-z_]+)"', html)


def test_the_headline_cards_follow_the_goal_filter(login_as, client):
    login_as(Role.superintendent)
    every = client.get("/dashboard/").get_data(as_text=True)
    assert card_codes(every) == ["postsecondary", "literacy", "numeracy", "sel"]
    assert 'id="figure-math_3_5-elementary"' in every
    goal = client.get("/dashboard/?goal=numeracy", headers=HTMX).get_data(as_text=True)
    assert card_codes(goal) == ["numeracy"]
    assert 'id="figure-math_3_5-elementary"' in goal and 'id="figure-math_6_8-middle"' in goal
    assert 'id="figure-ag_completion-high"' not in goal
    metric = client.get("/dashboard/?region=C&goal=math_6_8").get_data(as_text=True)
    assert card_codes(metric) == ["numeracy"]
    assert 'id="figure-math_6_8-middle"' in metric and 'id="figure-math_3_5-elementary"' not in metric
    # The goals table's export holds what the cards show.
    rows = list(csv.reader(io.StringIO(client.get("/dashboard/export?table=goals&format=csv&goal=numeracy")
                                       .get_data(as_text=True))))
    assert {row[1] for row in rows[1:]} == {"SBA math distance from standard, grades 3-5",
                                            "SBA math distance from standard, grades 6-8"}


def clear_link(html: str) -> str:
    """The filters' "Clear" slot: the link when a filter is set, empty otherwise."""
    return re.search(r'<span id="dash-clear"[^>]*>(.*?)</span>', html, re.S).group(1)


def test_clear_the_filters_shows_only_when_a_filter_is_set(login_as, client):
    login_as(Role.superintendent)
    assert clear_link(client.get("/dashboard/").get_data(as_text=True)) == ""
    assert "Clear the filters" in clear_link(client.get("/dashboard/?level=high").get_data(as_text=True))
    # A region's page is not a filter: its address names the region, and nothing is left to clear.
    assert clear_link(client.get("/dashboard/regions/C").get_data(as_text=True)) == ""
    narrowed = clear_link(client.get("/dashboard/regions/C?goal=sel").get_data(as_text=True))
    assert 'href="/dashboard/regions/C"' in narrowed and "Clear the filters" in narrowed
    # Changed in place, the figures bring the link (out of band) for the filters they were drawn for.
    part = client.get("/dashboard/?group=el", headers=HTMX).get_data(as_text=True)
    assert 'id="dash-clear" hx-swap-oob="true"' in part and "Clear the filters" in clear_link(part)
    cleared = client.get("/dashboard/?region=&goal=", headers=HTMX).get_data(as_text=True)
    assert 'id="dash-clear" hx-swap-oob="true"' in cleared and clear_link(cleared) == ""


# ---------------------------------------------------------------- drill-down

def test_drill_down_from_the_district_to_a_region_to_a_school(data, login_as, client):
    login_as(Role.superintendent)
    district = client.get("/dashboard/").get_data(as_text=True)
    region_links = set(re.findall(r'href="/dashboard/regions/([A-Z]+)', district))
    with data() as s:
        assert region_links == set(s.scalars(select(Region.code)))
    region = client.get("/dashboard/regions/NW").get_data(as_text=True)
    school_ids = [int(i) for i in re.findall(r'href="/dashboard/schools/(\d+)"', region)]
    with data() as s:
        nw = set(s.scalars(select(School.id).join(Region).where(Region.code == "NW")))
        with_a_g = set(s.scalars(select(TargetPlan.school_id).join(Target).join(Metric).join(School).join(Region)
                                 .where(Region.code == "NW", Metric.code == "ag_completion",
                                        TargetPlan.cycle_id == current_cycle(s).id)))
    assert school_ids and set(school_ids) == nw
    one_metric = client.get("/dashboard/regions/NW?goal=ag_completion").get_data(as_text=True)
    assert {int(i) for i in re.findall(r'href="/dashboard/schools/(\d+)"', one_metric)} == with_a_g
    assert "Planned gain" in one_metric
    assert 'href="/dashboard/?goal=ag_completion"' in one_metric  # the breadcrumb keeps the filters
    school = client.get(f"/dashboard/schools/{school_ids[0]}").get_data(as_text=True)
    assert 'href="/dashboard/regions/NW"' in school and "Against the plan" in school


def test_a_school_page_says_on_track_or_behind_against_its_interim_targets(data, login_as, client, factories):
    with data() as s:
        plan = factories.district_plan(factories.school("elementary"), PlanStatus.approved, trajectory="linear")
        target = s.scalar(select(Target).join(Metric, Target.metric_id == Metric.id)
                          .join(StudentGroup, Target.group_id == StudentGroup.id)
                          .where(Target.plan_id == plan.id, StudentGroup.code == "all", Metric.code == "math_3_5"))
        school_id = plan.school_id
        first = round(target.baseline_value + 0.25 * (target.target_2026 - target.baseline_value), 1)
        second = round(target.baseline_value + 0.5 * (target.target_2026 - target.baseline_value), 1)
        s.add_all([Actual(school_id=school_id, metric_id=target.metric_id, group_id=target.group_id, year="2022-23",
                          value=first, n_students=100, import_id="test-dashboard"),
                   Actual(school_id=school_id, metric_id=target.metric_id, group_id=target.group_id, year="2023-24",
                          value=second - 3, n_students=100, import_id="test-dashboard")])
        s.commit()
    login_as(Role.superintendent)
    page = text_of(client.get(f"/dashboard/schools/{school_id}?goal=math_3_5&group=all").get_data(as_text=True))

    def shown(value: float) -> str:
        return f"{value:.1f}".replace("-", "\u2212")  # the page prints a true minus sign

    assert f"Target {shown(first)} Actual {shown(first)} ✓ On track" in page
    assert f"Actual {shown(second - 3)} ✕ Behind" in page


# ---------------------------------------------------------------- exports

def check_xlsx(body: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(body)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    return [[c.value for c in row] for row in sheet.iter_rows()]


def check_csv(body: bytes) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows and all(len(r) == len(rows[0]) for r in rows)
    return rows


@pytest.mark.parametrize("table", sorted(DISTRICT_TABLES))
def test_every_table_exports_to_csv_and_excel_with_no_live_formulas(login_as, client, table):
    login_as(Role.board)
    query = f"/dashboard/export?table={table}&region=C" if table == "schools" else f"/dashboard/export?table={table}"
    csv_response = client.get(query + "&format=csv")
    assert csv_response.status_code == 200 and "text/csv" in csv_response.mimetype
    assert "attachment" in csv_response.headers["Content-Disposition"]
    rows = check_csv(csv_response.data)
    xlsx = client.get(query + "&format=xlsx")
    assert xlsx.status_code == 200
    sheet_rows = check_xlsx(xlsx.data)
    assert sheet_rows[0] == rows[0]
    assert len(sheet_rows) == len(rows) > 1


def test_a_schools_targets_export_and_filtered_exports_follow_the_page(data, login_as, client, factories):
    with data():
        school_id = factories.district_plan(factories.school(), PlanStatus.approved).school_id
    login_as(Role.superintendent)
    rows = check_xlsx(client.get(f"/dashboard/export?table=school-targets&format=xlsx&school={school_id}").data)
    assert rows[0][:3] == ["Metric", "Student group", "Students"] and len(rows) > 1
    regions = check_csv(client.get("/dashboard/export?table=regions&format=csv&goal=ag_completion").data)
    assert {r[1] for r in regions[1:]} == {"A-G completion with C or better"}
    assert [int(r[5]) for r in regions[1:]] == list(range(1, len(regions)))  # furthest short first


# ---------------------------------------------------------------- the shared cache

@pytest.fixture
def computations(monkeypatch):
    calls = []
    original = payloads.compute

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(payloads, "compute", counting)
    return calls


def stored(data, key_part: str = "district?cycle="):
    with data() as s:
        rows = s.scalars(select(RollupCache).where(RollupCache.key.like(f"%{key_part}%"))).all()
        return {r.key: (r.stamp, r.computed_at) for r in rows}


def test_a_fresh_stamp_reuses_the_stored_rollup(data, login_as, client, computations):
    login_as(Role.superintendent)
    clear_cache(data)
    first = client.get("/dashboard/?goal=literacy").get_data(as_text=True)
    assert len(computations) == 1
    before = stored(data)
    assert len(before) == 1
    again = client.get("/dashboard/?goal=literacy").get_data(as_text=True)
    assert len(computations) == 1 and stored(data) == before
    assert re.search(r'id="figure-ela_g3-elementary">([^<]+)<', first).group(1) == \
        re.search(r'id="figure-ela_g3-elementary">([^<]+)<', again).group(1)
    client.get("/dashboard/?goal=literacy", headers=HTMX)
    client.get("/dashboard/export?table=goals&format=csv&goal=literacy")
    assert len(computations) == 1  # the partial and the export share the stored rollup


def test_an_approved_plan_invalidates_the_stored_rollup_for_every_process(data, login_as, client, computations,
                                                                          factories):
    with data():  # a school of the test's own in Local District Northwest, its plan waiting for review
        plan_id = factories.district_plan(factories.school(region="NW"), PlanStatus.submitted).id
    login_as(Role.superintendent)
    clear_cache(data)
    client.get("/dashboard/?region=NW")
    (stamp, _), = stored(data).values()
    with data() as s:
        plan = s.get(TargetPlan, plan_id)
        approved_before = s.scalar(select(func.count()).select_from(TargetPlan).join(School).join(Region)
                                   .where(Region.code == "NW", TargetPlan.status == PlanStatus.approved,
                                          TargetPlan.cycle_id == current_cycle(s).id))
        svc.decide(plan, "approve", factories.regional_leader(plan.school.region), None, plan.version)
        s.commit()
    # The next reader is not kept waiting: the figures stored before the change, said to be so, and
    # the page asks every few seconds whether the worker has stored the new ones. Nothing is computed.
    html = client.get("/dashboard/?region=NW").get_data(as_text=True)
    assert len(computations) == 1
    assert "Figures as of" in html and f"{approved_before} approved" in text_of(html)
    poll_url = unescape(re.search(r'hx-get="(/dashboard/\?region=NW&amp;poll=\d+)" hx-trigger="every 2s"',
                                  html).group(1))
    waiting = client.get(poll_url, headers=HTMX)
    assert waiting.status_code == 204 and waiting.get_data() == b"" and len(computations) == 1
    with data():  # the worker's turn
        assert refresh.refresh_stale() >= 1
    assert len(computations) == 2
    (new_stamp, _), = stored(data).values()
    assert new_stamp != stamp
    swapped = client.get(poll_url, headers=HTMX)
    assert swapped.status_code == 200 and len(computations) == 2
    assert swapped.headers["HX-Replace-Url"] == "/dashboard/?region=NW" and "HX-Push-Url" not in swapped.headers
    assert "Figures as of" not in swapped.get_data(as_text=True)
    assert f"{approved_before + 1} approved" in text_of(swapped.get_data(as_text=True))
    page = text_of(client.get("/dashboard/?region=NW").get_data(as_text=True))
    assert len(computations) == 2
    assert f"{approved_before + 1} approved" in page and "Figures as of" not in page


def test_a_changed_target_or_a_new_actual_invalidates_it_too(data, login_as, client, computations, factories):
    with data():  # a school of the test's own in Local District East, its plan a draft
        plan = factories.target_plan(factories.school(region="E"), PlanStatus.draft)
        plan_id, school_id = plan.id, plan.school_id
    login_as(Role.superintendent)
    clear_cache(data)
    client.get("/dashboard/?region=E")
    assert len(computations) == 1
    with data() as s:
        plan = s.get(TargetPlan, plan_id)
        row = s.scalar(select(Target).where(Target.plan_id == plan.id, Target.target_2026.is_(None))
                       .order_by(Target.id).limit(1))
        value = min(row.metric.value_max, round(row.baseline_value + 5, 1))
        errors = svc.save_row(plan, row, {"target_2026": str(value), "trajectory": "linear",
                                          "rationale": "Set by the dashboard cache test."},
                              factories.principal(plan.school), plan.version)
        assert errors == {}
        s.commit()
        metric_id, group_id = row.metric_id, row.group_id
    assert "Figures as of" in client.get("/dashboard/?region=E").get_data(as_text=True)
    assert len(computations) == 1
    client.get("/dashboard/?region=E&refresh=1")  # the notice's link, without script: the whole page
    assert len(computations) == 2
    assert "Figures as of" not in client.get("/dashboard/?region=E").get_data(as_text=True)
    assert len(computations) == 2
    with data() as s:
        s.add(Actual(school_id=school_id, metric_id=metric_id, group_id=group_id, year="2030-31", value=1.0,
                     n_students=20, import_id="test-dashboard-cache"))
        s.commit()
    client.get("/dashboard/?region=E", headers=HTMX)  # a filter, too, shows the stored figures
    assert len(computations) == 2
    client.get("/dashboard/?region=E&refresh=1", headers=HTMX)
    assert len(computations) == 3


def test_figures_stored_on_an_earlier_day_are_never_shown(data, login_as, client, computations):
    """What is overdue changes with the date: a copy from yesterday is computed again, not shown."""
    login_as(Role.superintendent)
    clear_cache(data)
    client.get("/dashboard/?region=S")
    assert len(computations) == 1
    with data() as s:
        row = s.scalar(select(RollupCache).where(RollupCache.key.like("%district?cycle=%region=S%")))
        version, _day, *counters = row.stamp.split(":")
        row.stamp = ":".join([version, "2020-01-01", *counters])
        s.commit()
    html = client.get("/dashboard/?region=S").get_data(as_text=True)
    assert len(computations) == 2 and "Figures as of" not in html


# ---------------------------------------------------------------- queries

def test_the_pages_run_the_same_number_of_queries_whatever_the_filters(data, login_as, client, sql_counter):
    login_as(Role.superintendent)
    cold, warm = [], []
    for url in ("/dashboard/", "/dashboard/?region=S&level=high&group=el", "/dashboard/regions/C",
                "/dashboard/regions/W?goal=math_3_5"):
        clear_cache(data)
        with sql_counter() as counted:
            assert client.get(url).status_code == 200
        cold.append(counted())
        with sql_counter() as counted:
            assert client.get(url).status_code == 200
        warm.append(counted())
    assert len(set(cold)) == 1 and len(set(warm)) == 1, (cold, warm)
    assert warm[0] < cold[0] <= 31, cold  # the district results and baselines: one query each
    with data() as s:
        schools = s.scalars(select(School.id).order_by(School.id).limit(2)).all()
    counts = []
    for school_id in schools:
        client.get(f"/dashboard/schools/{school_id}")  # the first reader stores its region's figures
        with sql_counter() as counted:
            client.get(f"/dashboard/schools/{school_id}")
        counts.append(counted())
    # The school's own figures, and beside them its region's and the district's stored rollups and results.
    assert counts[0] == counts[1] <= 22, counts


def test_a_stored_rollup_dropped_by_another_process_while_this_one_replaces_it_is_no_error(
        data, login_as, client, computations, monkeypatch):
    """Two servers refresh the same stale rollup: one drops the stale copy while the other is
    writing its fresh one over it. The reader still gets the dashboard, computed for them."""

    login_as(Role.superintendent)
    clear_cache(data)
    client.get("/dashboard/?region=S")
    with data() as s:  # the stored copy goes stale
        s.execute(update(RollupCache).where(RollupCache.key.like("%region=%")).values(stamp="an older stamp"))
        s.commit()
    real_now = clock.now

    def another_process_drops_it():
        table = RollupCache.__table__  # behind this session's back, as another process would
        db.session.execute(delete(table).where(table.c.key.like("%region=%")))
        return real_now()
    monkeypatch.setattr(clock, "now", another_process_drops_it)
    response = client.get("/dashboard/?region=S")
    assert response.status_code == 200
    assert len(computations) == 2
    assert "Local District South" in response.get_data(as_text=True)
