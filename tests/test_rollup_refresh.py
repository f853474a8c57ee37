"""After a change, the worker computes the stored rollups again, and no reader's request does: the
dashboard shows the copy stored earlier today and polls, the poll computes nothing and swaps the new
figures in once the worker has stored them, and gives up (offering the link) after a few minutes."""
import re
from contextlib import contextmanager
from html import unescape

import pytest
from sqlalchemy import delete, select

from portal.cache import store
from portal.cache.models import RollupCache
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.plans import StrategicPlan
from portal.kernel.policy import Role
from portal.rollups import refresh
from portal.rollups.dashboard import payloads
from portal.rollups.dashboard import routes as dashboard_routes
from portal.rollups.public import progress
from portal.targets import operations as svc
from portal.targets import peers
from portal.targets.models import PlanStatus, TargetPlan
from portal.worker import frequent_jobs

HTMX = {"HX-Request": "true"}
POLL_RE = re.compile(r'hx-get="([^"]*poll=\d+)" hx-trigger="every 2s"')


@pytest.fixture
def data(app):
    @contextmanager
    def _open():
        with app.app_context():
            yield db.session
            db.session.remove()
    return _open


@pytest.fixture
def fresh_cache(data):
    with data() as s:
        s.execute(delete(RollupCache))
        s.commit()


@pytest.fixture
def computed(monkeypatch):
    """Every district rollup computed, by name of who computed it; a reader's request may not."""
    calls: list[str] = []
    original = payloads.compute
    allowed = {"now": True}

    def counting(*args, **kwargs):
        assert allowed["now"], "a reader's request computed the figures"
        calls.append("compute")
        return original(*args, **kwargs)
    monkeypatch.setattr(payloads, "compute", counting)
    return calls, allowed


def approve_a_plan(data, factories, region: str) -> None:
    with data() as s:
        plan = s.get(TargetPlan, factories.district_plan(factories.school(region=region), PlanStatus.submitted).id)
        svc.decide(plan, "approve", factories.regional_leader(plan.school.region), None, plan.version)
        s.commit()


def portal_time(data) -> int:
    """The portal's clock, as the notice writes it into its poll (the demo's date, today's time)."""
    with data():
        return int(clock.timestamp())


def worker_turn(data) -> int:
    with data():
        return refresh.refresh_stale()


def poll_url(html: str) -> str:
    found = POLL_RE.search(html)
    assert found, "the notice polls"
    return unescape(found.group(1))


def test_the_worker_polls_for_stale_rollups_beside_the_mail():
    assert ("rollups", refresh.refresh_stale) in frequent_jobs()


def test_after_a_change_no_readers_request_computes_and_the_next_poll_swaps_the_new_figures_in(
        data, factories, login_as, client, fresh_cache, computed):
    calls, allowed = computed
    login_as(Role.superintendent)
    for url in ("/dashboard/", "/dashboard/regions/W", "/dashboard/?goal=literacy"):
        assert client.get(url).status_code == 200  # the first readers of the day compute
    assert len(calls) == 3
    approve_a_plan(data, factories, "W")

    allowed["now"] = False  # from here on, a reader's request that computes fails the test
    page = client.get("/dashboard/regions/W").get_data(as_text=True)
    assert "Figures as of" in page
    assert "Figures as of" in client.get("/dashboard/?goal=literacy", headers=HTMX).get_data(as_text=True)
    assert "Figures as of" in client.get("/dashboard/").get_data(as_text=True)
    url = poll_url(page)
    assert url.startswith("/dashboard/regions/W?poll=")
    for _ in range(3):
        assert client.get(url, headers=HTMX).status_code == 204

    allowed["now"] = True
    assert worker_turn(data) == 3  # the district's, the region's and the goal's
    assert len(calls) == 6
    assert worker_turn(data) == 0  # nothing stale any more

    allowed["now"] = False
    swapped = client.get(url, headers=HTMX)
    assert swapped.status_code == 200 and swapped.headers["HX-Replace-Url"] == "/dashboard/regions/W"
    body = swapped.get_data(as_text=True)
    assert "Figures as of" not in body and 'id="figures-refreshing"' not in body
    assert "Figures as of" not in client.get("/dashboard/").get_data(as_text=True)


def test_a_poll_that_waited_too_long_stops_and_offers_the_link(data, factories, login_as, client, fresh_cache,
                                                               computed):
    calls, allowed = computed
    login_as(Role.superintendent)
    client.get("/dashboard/?region=NE")
    approve_a_plan(data, factories, "NE")
    allowed["now"] = False
    began = portal_time(data) - dashboard_routes.POLL_LIMIT_SECONDS + 10
    assert client.get(f"/dashboard/?region=NE&poll={began}", headers=HTMX).status_code == 204  # still waiting
    began -= 11
    late = client.get(f"/dashboard/?region=NE&poll={began}", headers=HTMX)
    assert late.status_code == 286  # htmx stops polling
    assert late.headers["HX-Retarget"] == "#figures-refreshing" and late.headers["HX-Reswap"] == "outerHTML"
    notice = late.get_data(as_text=True)
    assert "taking longer than usual" in notice and "hx-get" not in notice
    assert 'href="/dashboard/?region=NE&amp;refresh=1"' in notice
    for unreadable in ("", "NaN", "1e309", "²"):  # a poll without a time it began: as one that has waited long
        assert client.get(f"/dashboard/?region=NE&poll={unreadable}", headers=HTMX).status_code == 286

    allowed["now"] = True  # the link computes, at the reader's asking
    page = client.get("/dashboard/?region=NE&refresh=1").get_data(as_text=True)
    assert len(calls) == 2 and "Figures as of" not in page


def test_a_poll_with_no_stored_copy_to_wait_for_computes_nothing_and_stops(data, login_as, client, fresh_cache,
                                                                          computed):
    calls, allowed = computed
    login_as(Role.superintendent)
    allowed["now"] = False
    answer = client.get(f"/dashboard/regions/E?poll={portal_time(data)}", headers=HTMX)
    assert answer.status_code == 286 and "Figures computed earlier" in answer.get_data(as_text=True)
    assert calls == []
    allowed["now"] = True  # without a stored copy, the page itself computes, as on the first visit
    assert "Figures as of" not in client.get("/dashboard/regions/E").get_data(as_text=True)
    assert len(calls) == 1


def test_a_poll_is_a_few_reads_of_the_stored_figures(data, factories, login_as, client, fresh_cache, sql_counter):
    login_as(Role.superintendent)
    client.get("/dashboard/regions/S")
    url = f"/dashboard/regions/S?poll={portal_time(data)}"
    with sql_counter() as counted:  # stored and current: the body, drawn from the stored rollup
        assert client.get(url, headers=HTMX).status_code == 200
    assert counted() <= 12
    approve_a_plan(data, factories, "S")
    with sql_counter() as counted:  # not yet: the person, the vocabulary, the cycle, the stamps, the stored stamp
        assert client.get(url, headers=HTMX).status_code == 204
    assert counted() <= 9


def test_the_worker_recomputes_every_kind_of_stored_rollup(data, factories, login_as, client, fresh_cache,
                                                          monkeypatch):
    login_as(Role.superintendent)
    client.get("/dashboard/")
    assert client.get("/progress").status_code == 200
    with data() as s:
        plan = s.scalar(select(TargetPlan).where(TargetPlan.status == PlanStatus.approved)
                        .order_by(TargetPlan.id).limit(1))
        peers.peer_spread(plan)
        kinds = {row.name: row for row in s.scalars(select(RollupCache))}
        assert set(kinds) == {"district", "public", "peers"} <= set(refresh.RECOMPUTE)
        assert kinds["peers"].filters == {"cycle": plan.cycle_id, "region": plan.school.region_id,
                                          "level": plan.school.level}
        assert not kinds["district"].drafts and not kinds["public"].drafts  # they count no drafts
        assert {row.plan_id for row in kinds.values()} == {s.scalar(select(StrategicPlan.id)
                                                                   .where(StrategicPlan.is_current))}
    approve_a_plan(data, factories, "C")
    assert worker_turn(data) == 3

    def no_sums(*_args):
        raise AssertionError("the public page computed its sums")
    monkeypatch.setattr(progress, "recompute", no_sums)
    assert client.get("/progress").status_code == 200  # the worker's figures, stored


def test_rollups_of_an_earlier_day_are_left_for_the_first_reader_and_lost_ones_are_dropped(
        data, login_as, client, fresh_cache):
    login_as(Role.superintendent)
    client.get("/dashboard/?region=C")
    with data() as s:
        row = s.scalar(select(RollupCache))
        version, _day, *counters = row.stamp.split(":")
        row.stamp = ":".join([version, "2020-01-01", *counters])
        s.add(RollupCache(key=store.KEY_PREFIX + "gone", stamp=":".join([version, clock.today().isoformat(), "0", "0"]),
                          payload={}, name="district", filters={"cycle": 987654}, drafts=True))
        s.commit()
        assert [w.key for w in store.stale(clock.today())] == [store.KEY_PREFIX + "gone"]
    assert worker_turn(data) == 0
    with data() as s:
        assert s.get(RollupCache, store.KEY_PREFIX + "gone") is None  # its cycle is gone: dropped
        assert s.scalar(select(RollupCache.stamp)).split(":")[1] == "2020-01-01"  # left as it was


def test_the_public_page_sums_its_schools_once_per_change(client, fresh_cache, monkeypatch):
    calls = []
    original = progress.recompute

    def counting(*args):
        calls.append(1)
        return original(*args)
    monkeypatch.setattr(progress, "recompute", counting)
    first = client.get("/progress").get_data(as_text=True)
    second = client.get("/progress").get_data(as_text=True)
    assert len(calls) == 1 and "<table" in first and first.count("<table") == second.count("<table")
