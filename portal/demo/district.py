"""A realistic demo district: schools across the six Local Districts, school baselines drawn
around the plan's district baselines, and an account for every role.

Deterministic for a given random seed, so screenshots and tests see the same district.
"""
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, insert, select, update
from werkzeug.security import generate_password_hash

from portal.demo.board import publish_demo_updates
from portal.demo.initiatives import build_demo_initiatives
from portal.demo.measures import build_demo_measures
from portal.demo.results import build_demo_actuals, result_years
from portal.demo.sampling import pick_weighted
from portal.demo.story import DemoError, story_for
from portal.demo.targets import build_demo_targets
from portal.extensions import db
from portal.kernel import clock
from portal.kernel.database import refresh_statistics
from portal.kernel.policy import Role
from portal.org.models import Office, Region, School, User
from portal.strategic_plan.levels import applicable_levels
from portal.strategic_plan.models import Baseline, Metric, SchoolLevel, StudentGroup

__all__ = ["DemoAccount", "DemoError", "build_demo", "remove_demo", "story_for"]

DEMO_DOMAIN = "district.example"
DEMO_SOURCE = "Demo district (generated)"

# Share of schools by level, and grade spans within a level.
LEVEL_MIX = [("elementary", 0.58), ("middle", 0.15), ("high", 0.17), ("span", 0.10)]
SPANS = {
    "elementary": [((0, 5), 0.85), ((0, 6), 0.15)],
    "middle": [((6, 8), 1.0)],
    "high": [((9, 12), 1.0)],
    "span": [((0, 8), 0.5), ((6, 12), 0.35), ((0, 12), 0.15)],
}
# Enrolment: (mean, sd, floor, ceiling). Small continuation high schools pull the floor down.
ENROLMENT = {"elementary": (430, 140, 90, 1100), "middle": (850, 320, 150, 2200),
             "high": (1250, 650, 60, 3600), "span": (700, 350, 120, 2400)}
# Share of a school's students in each targeted group: (mean, spread).
GROUP_SHARE = {"swd": (0.13, 0.04), "el": (0.20, 0.09), "low_income": (0.80, 0.12),
               "foster": (0.01, 0.006), "latinx": (0.74, 0.18), "black": (0.08, 0.07)}
# Spread of school results around the district value, in the metric's own unit.
SCHOOL_SD = {"percent": 9.0, "dfs": 22.0}
SEL_GROUP_OFFSET = {"all": 0.0, "swd": -3.0, "el": -1.5, "low_income": -0.8, "foster": -4.0,
                    "latinx": -0.6, "black": -2.2}
BASELINE_YEAR = "2021-22"

NAMES = ["Alvarado", "Bancroft", "Belmont", "Bethune", "Burbank", "Cabrillo", "Carver", "Castelar", "Chavez", "Cleveland", "Dahlia", "Dorsey", "Eastman", "Elysian", "Fairfax", "Figueroa", "Franklin", "Fremont", "Garfield", "Gompers", "Grant", "Hamilton", "Harbor", "Hobart", "Hooper", "Huerta", "Irving", "Jefferson", "Kennedy", "King", "Lafayette", "Lincoln", "Logan", "Madison", "Manchester", "Marshall", "Mendez", "Monroe", "Muir", "Normandie", "Obama", "Palms", "Parks", "Pio", "Pico", "Ramona", "Revere", "Roosevelt", "Sepulveda", "Sotomayor", "Stevenson", "Taft", "Tubman", "Valencia", "Venice", "Verdugo", "Vermont", "Washington", "Webster", "Wilson", "Yorba", "Zapata", "Angeles", "Ascot", "Barton", "Canyon", "Cienega", "Coliseum", "Crescent", "Denker", "Dolores", "Estrella", "Florence", "Glassell", "Hillcrest", "Hollenbeck", "Jordan", "Kester", "Lorena", "Malabar", "Meyler", "Nevin", "Olympic", "Pacoima", "Reseda", "Saturn", "Topanga", "Utah", "Vista", "Wadsworth", "Westside", "Wilmington", "Woodlake"]
STREET_KINDS = ["Avenue", "Street", "Boulevard", "Park", "Heights", "Canyon", "Valley", "Hills"]
LEVEL_SUFFIX = {"elementary": "Elementary", "middle": "Middle School", "high": "High School",
                "span": "Span School"}
FIRST = ["Maria", "Jose", "Luis", "Ana", "Carmen", "David", "Michael", "Jennifer", "Linda", "Robert", "Patricia", "James", "Sofia", "Daniel", "Grace", "Kevin", "Monica", "Angela", "Victor", "Teresa", "Samuel", "Laura", "Anthony", "Diana", "Marcus", "Elena", "Brian", "Rosa"]
LAST = ["Garcia", "Hernandez", "Lopez", "Martinez", "Gonzalez", "Rodriguez", "Perez", "Sanchez", "Ramirez", "Flores", "Johnson", "Williams", "Brown", "Jones", "Davis", "Kim", "Nguyen", "Park", "Chen", "Washington", "Jackson", "Robinson", "Lewis", "Walker", "Young"]


@dataclass
class DemoAccount:
    role: Role
    email: str
    name: str
    scope: str


def tested_students(metric_code: str, enrolment: int, grade_low: int, grade_high: int) -> int:
    """Roughly how many students a metric is measured on at a school of this size and span."""
    grades = grade_high - grade_low + 1
    per_grade = enrolment / grades
    if metric_code == "ag_completion":
        return int(per_grade)
    if metric_code == "ela_g3":
        return int(per_grade)
    if metric_code == "math_3_5":
        return int(per_grade * 3)
    if metric_code == "math_6_8":
        return int(per_grade * 3)
    return int(enrolment * 0.55)  # SEL: School Experience Survey respondents


def build_demo(n_schools: int, password: str, seed: int = 2022) -> dict:
    """Create schools, school baselines and users, and the plan's story up to the portal's date
    (clock.today(), which PORTAL_TODAY fixes). Refuses when schools already exist, or when that date
    is outside the plan's school years."""
    story = story_for(clock.today())
    if db.session.scalar(select(func.count(School.id))):
        raise DemoError("The district already has schools; run with --replace to rebuild the demo district.")
    regions = list(db.session.scalars(select(Region).order_by(Region.id)))
    offices = list(db.session.scalars(select(Office).order_by(Office.id)))
    metrics = list(db.session.scalars(select(Metric).order_by(Metric.goal_id, Metric.position)))
    groups = list(db.session.scalars(select(StudentGroup).order_by(StudentGroup.sort)))
    if not regions or not metrics or not groups:
        raise DemoError("Load the plan first: flask seed")
    bands = {lv.code: (lv.band_low, lv.band_high)
             for lv in db.session.scalars(select(SchoolLevel)) if lv.band_low is not None}
    rng = random.Random(seed)

    schools = _make_schools(rng, n_schools, regions)
    db.session.execute(insert(School), schools)
    school_rows = db.session.execute(
        select(School.id, School.code, School.level, School.grade_low, School.grade_high, School.enrolment)
    ).all()
    baseline_rows = _make_baselines(rng, school_rows, metrics, groups, bands)
    for start in range(0, len(baseline_rows), 20000):
        db.session.execute(insert(Baseline), baseline_rows[start:start + 20000])
    accounts = _make_users(rng, password, regions, offices, story.at(story.first_day + timedelta(days=62), 8))
    build_demo_targets(rng, story)
    build_demo_actuals(rng, result_years(story.today))
    updates = build_demo_initiatives(current_app.config["SEED_DIR"], rng, story)
    build_demo_measures(rng, story.today)
    publish_demo_updates(updates)
    db.session.commit()
    refresh_statistics()
    db.session.commit()
    return {"schools": len(schools), "baselines": len(baseline_rows), "users": accounts}


def remove_demo() -> None:
    """Delete the district's schools, plans, school baselines and every account (before a rebuild)."""
    from portal.cache.models import RollupCache
    from portal.kernel.audit import AuditEvent
    from portal.measures.models import Measure, MeasureValue
    from portal.notifications.models import Notification, OutboxEmail, Preference
    from portal.progress.models import (
        BoardUpdate,
        CheckIn,
        CheckInPeriod,
        DataReviewMeeting,
        Initiative,
        MetricValue,
        ProgressMetric,
        board_update_check_in,
        data_review_school,
        initiative_measure,
    )
    from portal.targets.models import Actual, Target, TargetCycle, TargetPlan, WindowExtension

    db.session.execute(update(Measure).values(feed_metric_id=None, feed_breakdown=""))
    for table in (board_update_check_in, data_review_school, initiative_measure):
        db.session.execute(table.delete())
    for model in (Notification, OutboxEmail, Preference, AuditEvent, Actual, RollupCache, MeasureValue, MetricValue, CheckIn, ProgressMetric,
                  Initiative, BoardUpdate, CheckInPeriod,
                  DataReviewMeeting, Target, TargetPlan, WindowExtension, TargetCycle):
        db.session.execute(delete(model))
    db.session.execute(delete(User))
    db.session.execute(delete(Baseline).where(Baseline.school_id.is_not(None)))
    db.session.execute(delete(School))
    db.session.commit()


def _make_schools(rng: random.Random, n: int, regions: list[Region]) -> list[dict]:
    # Four-digit school codes as the district uses, five when a scale test needs more.
    codes = rng.sample(range(1000, 10000) if n <= 6000 else range(10000, 100000), n)
    used_names: set[str] = set()
    rows = []
    for i in range(n):
        level = pick_weighted(rng, LEVEL_MIX)
        low, high = pick_weighted(rng, SPANS[level])
        mean, sd, floor, ceiling = ENROLMENT[level]
        enrolment = int(min(ceiling, max(floor, rng.gauss(mean, sd))))
        name = _school_name(rng, level, low, high, used_names)
        tier = 1
        roll = rng.random()
        if roll < 0.083:
            tier = 2
        elif roll < 0.166:
            tier = 3
        rows.append({
            "code": str(codes[i]), "name": name, "level": level, "grade_low": low, "grade_high": high,
            "enrolment": enrolment, "region_id": regions[i % len(regions)].id, "priority_tier": tier,
        })
    return rows


def _school_name(rng, level, low, high, used) -> str:
    suffix = LEVEL_SUFFIX[level]
    if level == "span":
        suffix = {(0, 8): "Academy (K-8)", (6, 12): "Secondary Academy", (0, 12): "Community School"}[(low, high)]
    for _ in range(50):
        base = rng.choice(NAMES)
        if rng.random() < 0.45:
            base = f"{base} {rng.choice(STREET_KINDS)}"
        name = f"{base} {suffix}"
        if name not in used:
            used.add(name)
            return name
    n = 2
    while f"{name} {n}" in used:
        n += 1
    used.add(f"{name} {n}")
    return f"{name} {n}"


def _district_series(metric_id: int, group_id: int, level: str) -> list[tuple[str, float]]:
    rows = db.session.execute(
        select(Baseline.year, Baseline.value).where(
            Baseline.metric_id == metric_id, Baseline.group_id == group_id,
            Baseline.school_id.is_(None), Baseline.level == level,
        ).order_by(Baseline.year)
    ).all()
    return [(r.year, r.value) for r in rows]


def _make_baselines(rng, schools, metrics, groups, bands) -> list[dict]:
    all_group = next(g for g in groups if g.code == "all")
    # District anchors: the latest two years the plan gives for each metric, group and level.
    anchors = {}
    for m in metrics:
        for lv in m.levels:
            level_key = lv if m.goal.code == "sel" else ""
            for g in groups:
                series = _district_series(m.id, g.id, level_key)
                if not series and m.goal.code == "sel":
                    base = _district_series(m.id, all_group.id, level_key)
                    series = [(y, v + SEL_GROUP_OFFSET.get(g.code, 0.0)) for y, v in base]
                anchors[(m.code, lv, g.code)] = series[-2:]
    rows = []
    for school in schools:
        levels = applicable_levels(school.level, school.grade_low, school.grade_high, bands)
        shares = {code: min(0.98, max(0.0, rng.gauss(mu, sd))) for code, (mu, sd) in GROUP_SHARE.items()}
        shares["all"] = 1.0
        for m in metrics:
            lv = next((lv for lv in m.levels if lv in levels), None)
            if lv is None:
                continue
            sd = SCHOOL_SD["dfs" if m.unit == "dfs" else "percent"] * (0.5 if m.goal.code == "sel" else 1.0)
            effect = rng.gauss(0, sd)
            tested = tested_students(m.code, school.enrolment, school.grade_low, school.grade_high)
            for g in groups:
                n = int(round(tested * shares[g.code]))
                if n == 0:
                    continue
                series = anchors.get((m.code, lv, g.code)) or []
                if not series:
                    continue
                noise_sd = sd * 0.6 / math.sqrt(max(n, 1)) * 3
                years = [y for y, _ in series] + ([BASELINE_YEAR] if series[-1][0] != BASELINE_YEAR else [])
                values = [v for _, v in series] + ([series[-1][1]] if series[-1][0] != BASELINE_YEAR else [])
                for year, district_value in zip(years, values, strict=True):
                    value = district_value + effect + rng.gauss(0, noise_sd)
                    value = round(min(m.value_max, max(m.value_min, value)), 1)
                    rows.append({
                        "metric_id": m.id, "group_id": g.id, "school_id": school.id, "level": "",
                        "year": year, "value": value, "n_students": max(1, int(n * rng.uniform(0.92, 1.05))),
                        "source": DEMO_SOURCE, "generated": True,
                    })
    return rows


def _make_users(rng, password: str, regions, offices, created: datetime) -> list[DemoAccount]:
    # One hash for every demo account: hashing a thousand passwords one by one takes minutes.
    password_hash = generate_password_hash(password, method="scrypt")
    accounts: list[DemoAccount] = []
    rows = []

    def add(role: Role, email: str, name: str, scope_label: str, **scope):
        rows.append({"email": email, "name": name, "role": role, "password_hash": password_hash,
                     "session_token": f"{rng.getrandbits(128):032x}", "active": True, "created_at": created,
                     **scope})
        accounts.append(DemoAccount(role, email, name, scope_label))

    def person() -> str:
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"

    add(Role.admin, f"admin@{DEMO_DOMAIN}", "Portal Administrator", "District")
    add(Role.superintendent, f"superintendent@{DEMO_DOMAIN}", person(), "District")
    add(Role.board, f"board@{DEMO_DOMAIN}", person(), "District")
    for office in offices:
        if office.code == "supt":  # the superintendent's office has its own role
            continue
        email = f"central@{DEMO_DOMAIN}" if office.code == "instruction" else f"{office.code}@{DEMO_DOMAIN}"
        add(Role.central_office, email, person(), office.name, office_id=office.id)
    for region in regions:
        add(Role.regional_leader, f"leader.{region.short_name.lower()}@{DEMO_DOMAIN}", person(),
            region.name, region_id=region.id)
    first_central_elementary = db.session.scalar(
        select(School).where(School.region_id == regions[0].id, School.level == "elementary").order_by(School.id)
    )
    # With few schools the first region may have no elementary school: then no principal@ account.
    readme_school_id = first_central_elementary.id if first_central_elementary is not None else None
    for school_id, code, name in db.session.execute(select(School.id, School.code, School.name).order_by(School.id)):
        email = f"principal@{DEMO_DOMAIN}" if school_id == readme_school_id else f"p{code}@{DEMO_DOMAIN}"
        add(Role.principal, email, person(), name, school_id=school_id)
    db.session.execute(insert(User), rows)
    return accounts
