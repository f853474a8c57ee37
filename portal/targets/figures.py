"""The district's results from its schools, each from one function with the label that says what it is.

- district_results: each year's district result, the schools' results weighted by their numbers of
  students ("district result 2023-24").
- district_starts: the district's starting point from every school's baseline for the goals'
  baseline year ("district baseline 2021-22, all schools").

A figure computed from any school row the demo made up (a result or a baseline) says so: generated.

A level of "" counts every school once; a school level counts each school at every level its grades
cover (a K-8 span school at elementary and at middle), as the dashboard does. The plan's own
published figures are in strategic_plan/figures.py.
"""
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from portal.extensions import db
from portal.kernel.database import weighted_sums
from portal.org.models import Region, School
from portal.strategic_plan.figures import ALL, Figure, baseline_year, result_label, start_label
from portal.strategic_plan.levels import applicable_levels, metric_bands
from portal.strategic_plan.models import Baseline, Metric, StudentGroup
from portal.targets.models import Actual


@dataclass
class Sums:
    """n-weighted sums by (region code or "", metric code, level, group code, year): [sum of value x n,
    sum of n, schools, rows made up for the demo (0 or more)]."""

    cells: dict[tuple[str, str, str, str, str], list[float]]
    label: Callable[[str], str]

    def figure(self, metric: str, year: str, group: str = ALL, level: str = "", region: str = "") -> Figure:
        total = self.cells.get((region, metric, level, group, year))
        if not total or not total[1]:
            return Figure(None, self.label(year))
        return Figure(total[0] / total[1], self.label(year), n=int(total[1]), schools=int(total[2]),
                      generated=bool(total[3]))

    def years(self, metric: str, group: str = ALL, level: str = "", region: str = "") -> list[str]:
        return sorted({k[4] for k, v in self.cells.items()
                       if k[:4] == (region, metric, level, group) and v[1]})


def _any(condition):
    """1 when any row of the group meets the condition, else 0 (PostgreSQL has no MAX over booleans)."""
    return func.max(case((condition, 1), else_=0))


def school_levels() -> tuple[dict, dict[str, set[str]]]:
    """The grade bands of the school levels, and each metric's levels."""
    return metric_bands(), {code: set(levels or []) for code, levels in db.session.execute(
        select(Metric.code, Metric.levels))}


def _sum_by_level(rows, span_only: bool = False, levels: tuple | None = None) -> dict:
    """Rows of (region, metric, group, year, school level, grade low, grade high, sum of value x n,
    sum of n, schools, any made up) into cells for the district and each region, every school once
    (level "") and at each level its grades cover."""
    bands, levels_of = levels or school_levels()
    cells: dict = {}
    for region, metric, group, year, school_level, low, high, weighted, n, schools, made_up in rows:
        if span_only and school_level != "span":
            continue
        covered = applicable_levels(school_level, low, high, bands) & levels_of.get(metric, set())
        for scope in ("", region):
            for level in ("", *covered):
                total = cells.setdefault((scope, metric, level, group, year), [0.0, 0, 0, 0])
                total[0] += weighted or 0.0
                total[1] += n or 0
                total[2] += schools or 0
                total[3] += made_up or 0
    return cells


def district_results(years: list[str] | None = None, span_only: bool = False, levels: tuple | None = None) -> Sums:
    """Each year's result for the district and each region: the schools' results weighted by their
    numbers of students."""
    stmt = (select(Region.code, Metric.code, StudentGroup.code, Actual.year, School.level, School.grade_low,
                   School.grade_high, *weighted_sums(Actual.value, Actual.n_students),
                   func.count(func.distinct(case((Actual.n_students > 0, Actual.school_id)))),
                   _any(and_(Actual.generated.is_(True), Actual.n_students > 0)))
            .join(School, Actual.school_id == School.id).join(Region, School.region_id == Region.id)
            .join(Metric, Actual.metric_id == Metric.id).join(StudentGroup, Actual.group_id == StudentGroup.id)
            .group_by(Region.code, Metric.code, StudentGroup.code, Actual.year, School.level, School.grade_low,
                      School.grade_high))
    if years is not None:
        stmt = stmt.where(Actual.year.in_(years))
    return Sums(_sum_by_level(db.session.execute(stmt).all(), span_only, levels), result_label)


def district_starts(span_only: bool = False, levels: tuple | None = None, year: str | None = None) -> Sums:
    """The district's starting point: every school's baseline for the goals' baseline year, weighted
    by its number of students."""
    year = year or baseline_year()
    stmt = (select(Region.code, Metric.code, StudentGroup.code, Baseline.year, School.level, School.grade_low,
                   School.grade_high, *weighted_sums(Baseline.value, Baseline.n_students),
                   func.count(func.distinct(Baseline.school_id)), _any(Baseline.generated.is_(True)))
            .join(School, Baseline.school_id == School.id).join(Region, School.region_id == Region.id)
            .join(Metric, Baseline.metric_id == Metric.id).join(StudentGroup, Baseline.group_id == StudentGroup.id)
            .where(Baseline.year == year, Baseline.n_students > 0)
            .group_by(Region.code, Metric.code, StudentGroup.code, Baseline.year, School.level, School.grade_low,
                      School.grade_high))
    return Sums(_sum_by_level(db.session.execute(stmt).all(), span_only, levels), start_label)


def district_result(metric: str, year: str, group: str = ALL, level: str = "", region: str = "") -> Figure:
    return district_results([year]).figure(metric, year, group, level, region)


def district_start(metric: str, group: str = ALL, level: str = "", region: str = "") -> Figure:
    return district_starts().figure(metric, baseline_year(), group, level, region)
