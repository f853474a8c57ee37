"""Demo results for the plan's years already behind us (imported the September after each year ends):
every target row that has a target gets a result drawn around the school's interim path, some schools
ahead of it and some behind."""
import random
from datetime import date, datetime, time

from sqlalchemy import insert, select

from portal.extensions import db
from portal.kernel import clock
from portal.strategic_plan.models import Metric
from portal.strategic_plan.settings import setting
from portal.targets.guardrails import interim_targets
from portal.targets.models import Actual, Target, TargetCycle, TargetPlan
from portal.targets.operations import trajectories

DEMO_IMPORT_ID = "demo-actuals"
RESULTS_DAY = (9, 15)  # (month, day) after the year ends when its results are imported
# How far a result strays from the path, in the metric's own unit.
SPREAD = {"dfs": 9.0, "percent": 3.0}


def imported_on(year: str) -> date:
    return date(clock.year_start(year) + 1, *RESULTS_DAY)


def result_years(today: date) -> list[str]:
    """The plan's school years whose results are in by `today`."""
    return [y for y in setting("trajectory_years", []) if imported_on(y) <= today]


def build_demo_actuals(rng: random.Random, years=None) -> int:
    """Write the results; cells that already have one are left alone. Returns the rows written."""
    path_years = setting("trajectory_years", [])
    years = tuple(result_years(clock.today()) if years is None else years)
    shares = {code: t.shares for code, t in trajectories().items()}
    metrics = {m.id: m for m in db.session.scalars(select(Metric))}
    rows = {}
    # Oldest cycle first, so a school's latest plan decides its path.
    for t in db.session.execute(
            select(TargetPlan.school_id, Target.metric_id, Target.group_id, Target.baseline_value, Target.baseline_n,
                   Target.target_2026, Target.trajectory_code)
            .join(TargetPlan, Target.plan_id == TargetPlan.id).join(TargetCycle)
            .where(Target.target_2026.is_not(None), Target.baseline_value.is_not(None))
            .order_by(TargetCycle.opens_on, TargetPlan.school_id, Target.id)):
        rows[(t.school_id, t.metric_id, t.group_id)] = t
    existing = {tuple(r) for r in db.session.execute(
        select(Actual.school_id, Actual.metric_id, Actual.group_id, Actual.year).where(Actual.year.in_(years)))}
    momentum: dict[int, float] = {}
    out = []
    for (school_id, metric_id, group_id), t in rows.items():
        metric = metrics[metric_id]
        path = interim_targets(t.baseline_value, t.target_2026, shares.get(t.trajectory_code, shares["linear"]))
        # A school's results move together: some schools run ahead of their path, some behind.
        school_effect = momentum.setdefault(school_id, rng.gauss(0.0, 0.8))
        row_effect = school_effect + rng.gauss(0.0, 0.6)
        spread = SPREAD["dfs" if metric.unit == "dfs" else "percent"]
        for year in years:
            if (school_id, metric_id, group_id, year) in existing or year not in path_years:
                continue
            value = path[path_years.index(year)] + spread * (row_effect + rng.gauss(0.0, 0.4))
            n = max(0, int(round((t.baseline_n or rng.randint(8, 60)) * rng.uniform(0.88, 1.08))))
            out.append({"school_id": school_id, "metric_id": metric_id, "group_id": group_id, "year": year,
                        "value": round(min(metric.value_max, max(metric.value_min, value)), 1), "n_students": n,
                        "imported_at": datetime.combine(imported_on(year), time(6)), "import_id": DEMO_IMPORT_ID,
                        "generated": True})
    for start in range(0, len(out), 20_000):
        db.session.execute(insert(Actual), out[start:start + 20_000])
    return len(out)
