"""One small-group rule (portal.kernel.privacy): a figure of fewer than 11 students is shown, marked "small
group", only to those who work with its school; every other reader sees "n<11" on every page and export,
and the cells that would give a hidden one away by subtraction are hidden with it."""
import csv
import io
import re

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, update

from portal.extensions import db, limiter
from portal.kernel import privacy
from portal.kernel.policy import Role
from portal.org.models import User
from portal.strategic_plan.models import Baseline, StudentGroup
from portal.targets.models import Actual, PlanStatus, Target, TargetPlan
from tests.conftest import ROLE_EMAILS, Actions

YEAR = "2023-24"
TOKEN = re.compile(r'csrf_token[^>]*value="[^"]+"|"X-CSRFToken": "[^"]+"')


# ---------------------------------------------------------------- arranging a school with small groups

def small_school(made, region, sizes: dict[str, int], values: dict[str, float] | None = None,
                 status: PlanStatus = PlanStatus.approved):
    """A school of the test's own whose student groups `sizes` has fewer (or more) students, with a
    baseline of `values` for them, a plan taken to `status` and a 2023-24 result for every row."""
    school = made.school("elementary", region=region)
    groups = dict(db.session.execute(select(StudentGroup.code, StudentGroup.id)).all())
    for code, n in sizes.items():
        changes = {"n_students": n, **({"value": values[code]} if values and code in values else {})}
        db.session.execute(update(Baseline).where(Baseline.school_id == school.id, Baseline.group_id == groups[code])
                           .values(**changes))
    db.session.commit()
    made.district_plan(school, status)
    rows = [{"school_id": school.id, "metric_id": b.metric_id, "group_id": b.group_id, "year": YEAR,
             "value": b.value + 1.3, "n_students": b.n_students}
            for b in db.session.scalars(select(Baseline).where(Baseline.school_id == school.id))]
    db.session.execute(insert(Actual), rows)
    db.session.commit()
    return school


def reader(app, email: str):
    client = app.test_client()
    with app.app_context():
        limiter.reset()
    assert Actions(client).login(email).status_code == 303
    return client


def rows_of(page: str, group: str) -> list[str]:
    """The HTML of every table row headed by the student group's name."""
    return [row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if re.search(rf'<th scope="row">{group}\b', row)]


# The school's dashboard sets each figure beside its Local District's and the district's. Those lines are
# totals over every school (the school's students among them), as the region's and the district's pages
# show them: a total of 11 or more students is shown to everyone, so a hidden group changes them as it
# changes those pages. The rule for those totals is tested below (regions add up to the district).
BESIDE = re.compile(r'<tr class="dash-compare__(?:region|district)">.*?</tr>', re.S)


def school_pages(client, school_id: int) -> dict[str, str]:
    """Every page and export that shows one school's figures, as the reader gets them (an answer other
    than 200 stands for the page: the reader cannot open it), less the Local District's and the
    district's lines beside the school's."""
    out = {}
    for name, url in (("school", f"/schools/{school_id}"), ("dashboard", f"/dashboard/schools/{school_id}"),
                      ("export", f"/dashboard/export?table=school-targets&format=csv&school={school_id}"),
                      ("comparison", f"/dashboard/export?table=school-comparison&format=csv&school={school_id}")):
        response = client.get(url)
        text = BESIDE.sub("", TOKEN.sub("", response.get_data(as_text=True)))
        if name == "comparison":  # the export's lines for the school only
            text = "\n".join(line for line in text.splitlines() if ",This school," in line or line.startswith("Metric"))
        out[name] = text if response.status_code == 200 else str(response.status_code)
    return out


# ---------------------------------------------------------------- who works with a school

class Person:
    is_authenticated = True

    def __init__(self, role, school_id=None, region_id=None):
        self.role, self.school_id, self.region_id = role, school_id, region_id


class Place:
    def __init__(self, id, region_id):
        self.id, self.region_id = id, region_id


def test_only_the_people_who_work_with_a_school_see_its_small_groups():
    school = Place(7, 3)
    assert privacy.may_see_small_groups(Person(Role.principal, school_id=7), school)
    assert not privacy.may_see_small_groups(Person(Role.principal, school_id=8), school)
    assert privacy.may_see_small_groups(Person(Role.regional_leader, region_id=3), school)
    assert not privacy.may_see_small_groups(Person(Role.regional_leader, region_id=4), school)
    for role in (Role.superintendent, Role.admin):
        assert privacy.may_see_small_groups(Person(role), school) and privacy.may_see_small_groups(Person(role))
    for role in (Role.board, Role.central_office):
        assert not privacy.may_see_small_groups(Person(role), school)
    assert not privacy.may_see_small_groups(None, school)
    # A Local District's own totals: its leader; the district's: the superintendent's office and administrators.
    assert privacy.may_see_small_groups(Person(Role.regional_leader, region_id=3), region_id=3)
    assert not privacy.may_see_small_groups(Person(Role.regional_leader, region_id=3))
    assert not privacy.may_see_small_groups(Person(Role.principal, school_id=7), region_id=3)


# ---------------------------------------------------------------- the rule as a property of any table

DISTRICTS = st.lists(st.lists(st.integers(0, 40), min_size=1, max_size=4), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(district=DISTRICTS)
def test_no_hidden_cell_is_one_subtraction_away(district):
    """Schools add up to their region and regions to the district: every small cell is hidden, and no
    partition whose total is shown is left with exactly one unknown (total minus the shown members)."""
    counts: dict = {}
    schools: dict = {}
    for r, region in enumerate(district):
        for s, n in enumerate(region):
            counts[("school", r, s)] = n or None  # 0: the school has no figure for the group
            schools[("school", r, s)] = ("region", r)
        counts[("region", r)] = sum(region) or None
    counts["district"] = sum(map(sum, district)) or None
    partitions = privacy.hierarchy({k: v for k, v in schools.items() if counts[k] is not None})
    hidden = privacy.hidden_cells(counts, partitions)
    assert {k for k, n in counts.items() if n is not None and n < 11} <= hidden
    assert all(counts[k] is not None for k in hidden)
    for part in partitions:
        unknown = [m for m in (*part.members, part.total) if m in hidden]
        assert len(unknown) != 1, (part, hidden)
    seen = privacy.visibility(counts, partitions, may_see=True)
    assert all(state != privacy.HIDDEN for state in seen.values())
    assert {k for k, state in seen.items() if state == privacy.SMALL} == \
        {k for k, n in counts.items() if n is not None and n < 11}


# ---------------------------------------------------------------- the board member's story

def test_a_board_member_sees_the_mark_where_the_principal_sees_the_figure(app, factories):
    with app.app_context():
        school = small_school(factories, "C", {"foster": 1}, {"foster": 49.0})
        school_id, principal = school.id, factories.principal(school).email
        leader = factories.regional_leader(school.region).email
        db.session.remove()

    board = reader(app, ROLE_EMAILS[Role.board]).get(f"/schools/{school_id}").get_data(as_text=True)
    foster = rows_of(board, "Foster Youth")
    assert foster and all("n&lt;11" in row and "49.0" not in row and "50.3" not in row for row in foster)
    assert "(1 students)" not in board and "Fewer than 11 students: not shown to protect student privacy" in board
    assert "data-small-group" not in board
    # A school's exact counts are for those who work with it: the other groups read "11+" (docs/small-groups.md).
    assert "(40 students)" not in board and "(11+ students)" in board

    for email in (principal, leader, ROLE_EMAILS[Role.superintendent]):
        page = reader(app, email).get(f"/schools/{school_id}").get_data(as_text=True)
        foster = rows_of(page, "Foster Youth")
        assert any("49.0" in row for row in foster) and any("50.3" in row for row in foster)
        assert any("data-small-group" in row for row in foster) and "data-suppressed" not in page
        assert "shown to you because you work with this school" in page and "(40 students)" in page


def test_the_exports_follow_the_same_rule(app, factories):
    with app.app_context():
        school = small_school(factories, "C", {"foster": 1}, {"foster": 49.0})
        school_id = school.id
        db.session.remove()
    url = f"/dashboard/export?table=school-targets&format=csv&school={school_id}"

    def foster_rows(email):
        text = reader(app, email).get(url).get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
        return [r for r in rows[1:] if r[1] == "Foster Youth"]

    board = foster_rows(ROLE_EMAILS[Role.board])
    assert board and all(r[2:7] == ["n<11"] * 5 and "49.0" not in r and r[-1].startswith("n<11") for r in board)
    office = foster_rows(ROLE_EMAILS[Role.superintendent])
    assert office and all(r[2] == "1" and r[3] == "49.0" and r[-1] == "small group" for r in office)


# ---------------------------------------------------------------- every reader, every page, random schools

SIZES = st.fixed_dictionaries({"foster": st.integers(1, 30), "el": st.integers(1, 30)})


@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sizes=SIZES, values=st.tuples(st.floats(10, 60), st.floats(10, 60)), shift=st.integers(1, 9))
def test_a_hidden_figure_changes_nothing_an_outsider_sees(app, sizes, values, shift):
    """For every reader and every page and export of a school: change a hidden group's baseline, result
    and number of students (still under 11), and an outsider's page is the same to the byte; those
    who work with the school see the figure, marked."""
    from tests import factories as made

    with made.scope(app):
        with app.app_context():
            school = small_school(made, "C", sizes, {"foster": round(values[0], 1), "el": round(values[1], 1)})
            other = made.school("elementary", region="C")
            readers = {"board": ROLE_EMAILS[Role.board], "superintendent": ROLE_EMAILS[Role.superintendent],
                       "admin": ROLE_EMAILS[Role.admin], "principal": made.principal(school).email,
                       "other principal": made.principal(other).email,
                       "leader": made.regional_leader(school.region).email,
                       "other leader": db.session.scalar(select(User.email).where(
                           User.role == Role.regional_leader, User.region_id != school.region_id).limit(1))}
            school_id = school.id
            db.session.remove()
        insiders = {"superintendent", "admin", "principal", "leader"}
        small = [code for code, n in sizes.items() if n < 11]
        clients = {who: reader(app, email) for who, email in readers.items()}
        before = {who: school_pages(client, school_id) for who, client in clients.items()}

        with app.app_context():
            groups = dict(db.session.execute(select(StudentGroup.code, StudentGroup.id)).all())
            for code in small:
                n = min(10, sizes[code] % 10 + 1)
                for table, value, count in ((Baseline, Baseline.value, Baseline.n_students),
                                            (Actual, Actual.value, Actual.n_students)):
                    db.session.execute(update(table).where(table.school_id == school_id,
                                                           table.group_id == groups[code])
                                       .values({value: value + shift, count: n}))
                db.session.execute(update(Target).where(Target.group_id == groups[code], Target.plan_id.in_(
                    select(TargetPlan.id).where(TargetPlan.school_id == school_id)))
                    .values(baseline_value=Target.baseline_value + shift, baseline_n=n))
            db.session.commit()
            db.session.remove()
        after = {who: school_pages(client, school_id) for who, client in clients.items()}

        for who in readers:
            for page, html in after[who].items():
                if html.isdigit():  # the reader cannot open it (another school's principal, say)
                    assert html == before[who][page] and html in ("403", "404"), (who, page)
                    continue
                csv = page in ("export", "comparison")
                marked = "small group" if csv else "data-small-group"
                hidden = "n<11" if csv else "data-suppressed"
                if who in insiders and page == "comparison":  # its figures as they are, with no column of marks
                    assert hidden not in html, (who, page)
                elif who in insiders:
                    assert not small or (marked in html and hidden not in html), (who, page)
                else:
                    assert html == before[who][page], (who, page)
                    assert not small or (hidden in html and marked not in html), (who, page)


# ---------------------------------------------------------------- regions add up to the district

def cells(html: str) -> dict[str, str]:
    """The HTML of every <td data-cell="..."> on the page."""
    return dict(re.findall(r'<td[^>]*data-cell="([^"]+)"[^>]*>(.*?)</td>', html, re.S))


@settings(max_examples=3, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(foster=st.lists(st.integers(1, 12), min_size=1, max_size=3))
def test_no_region_is_the_district_minus_the_others(app, foster):
    """A Local District of its own whose schools have a few foster youth: on the public page and the
    board member's dashboard its result is hidden when fewer than 11, and never is it the one unknown of
    the district's total less the regions shown."""
    from portal.targets import figures
    from tests import factories as made

    with made.scope(app):
        with app.app_context():
            region = made.region()
            for n in foster:
                small_school(made, region, {"foster": n})
            code = region.code
            truth = {metric: figures.district_result(metric, YEAR, "foster", region=code).n
                     for metric in ("ela_g3", "math_3_5")}
            db.session.remove()
        public = cells(reader(app, ROLE_EMAILS[Role.board]).get("/progress").get_data(as_text=True))
        for metric, n in truth.items():
            for year in {key.split("|")[3] for key in public if key.startswith(f"{code}|{metric}|foster|")}:
                row = {key.split("|")[0]: text for key, text in public.items()
                       if key.endswith(f"|{metric}|foster|{year}") and key.count("|") == 3}
                hidden = {scope for scope, text in row.items() if "data-suppressed" in text}
                assert len(hidden) != 1 or "district" not in row, (metric, year, hidden)
                if year == YEAR and n < 11:
                    assert code in hidden, (metric, n, row[code])
        board = reader(app, ROLE_EMAILS[Role.board])
        page = board.get(f"/dashboard/regions/{code}?group=foster&goal=ela_g3&refresh=1").get_data(as_text=True)
        if truth["ela_g3"] < 11:
            assert "data-suppressed" in cells(page)[f"ela_g3|elementary|{YEAR}"]
        office = reader(app, ROLE_EMAILS[Role.superintendent])
        page = office.get(f"/dashboard/regions/{code}?group=foster&goal=ela_g3&refresh=1").get_data(as_text=True)
        cell = cells(page)[f"ela_g3|elementary|{YEAR}"]
        assert "data-suppressed" not in cell and ("data-small-group" in cell) == (truth["ela_g3"] < 11)
