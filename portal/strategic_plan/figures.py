"""The plan's own district figures, each from one function with the label that says what it is.

- published_baseline: the plan's "Where we are" tables ("the plan's published baseline (2020-21)"),
  with a note where the plan states a second figure for the same fact (A-G 2020-21: 48.1 in the
  goals table, 41.8 in Measure of Success 1D-1).
- PROJECTION_LABEL: the projection's starting point counts schools with submitted targets only
  (rollups.compute.projection).

The district's results, computed from its schools, are in targets/figures.py.
"""
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select

from portal.extensions import db
from portal.strategic_plan import settings
from portal.strategic_plan.models import Baseline, Measure, Metric, StudentGroup
from portal.strategic_plan.settings import setting

PROJECTION_LABEL = "schools with submitted targets only"
ALL = "all"


@dataclass(frozen=True)
class Figure:
    value: float | None
    label: str
    n: int | None = None
    note: str = ""
    schools: int | None = None
    generated: bool = False  # computed from school rows the demo made up

    @property
    def rounded(self) -> float | None:
        return None if self.value is None else round(self.value, 1)


def published_label(year: str) -> str:
    return gettext("the plan's published baseline (%(year)s)", year=year)


def result_label(year: str) -> str:
    return gettext("district result %(year)s", year=year)


def start_label(year: str) -> str:
    return gettext("district baseline %(year)s, all schools", year=year)


def baseline_year() -> str:
    return setting("baseline_year", "2021-22")


# ---------------------------------------------------------------- the plan's published tables

def published_tables() -> dict[tuple[str, str, str], dict[str, float]]:
    """(metric code, group code, level) -> {year: value}, as the plan's District Goals tables print them."""
    out: dict[tuple[str, str, str], dict[str, float]] = {}
    rows = db.session.execute(select(Metric.code, StudentGroup.code, Baseline.level, Baseline.year, Baseline.value)
                              .join(Metric, Baseline.metric_id == Metric.id)
                              .join(StudentGroup, Baseline.group_id == StudentGroup.id)
                              .where(Baseline.school_id.is_(None))).all()
    for metric, group, level, year, value in rows:
        out.setdefault((metric, group, level or ""), {})[year] = value
    return out


def published_baseline(metric: str, group: str = ALL, level: str = "", year: str | None = None,
                       tables: dict | None = None, with_note: bool = True) -> Figure:
    """The plan's figure for `year`, or its latest year up to the goals' baseline year."""
    table = (published_tables() if tables is None else tables).get((metric, group, level), {})
    if year is None:
        years = [y for y in table if y <= baseline_year()]
        year = max(years) if years else None
    if year is None or year not in table:
        return Figure(None, "not in the plan's tables")
    note = two_figures_note(metric, group, level, year, table[year]) if with_note else ""
    return Figure(table[year], published_label(year), note=note)


def measure_baselines(metric: str, level: str = "") -> list[tuple[str, float, str]]:
    """(measure code, value, year) for each Measure of Success line that restates the metric and
    states a baseline of its own."""
    out = []
    wanted = {code: lines for code, lines in (setting("measure_results", {}) or {}).items()
              if any(spec.get("metric") == metric and (spec.get("level") or "") == level for spec in lines.values())}
    measures = _restating_measures()
    for code, lines in wanted.items():
        for label, spec in lines.items():
            measure = measures.get(code)
            if measure is None or spec.get("metric") != metric or (spec.get("level") or "") != level:
                continue
            if not label and measure.baseline_value is not None and measure.baseline_year:
                out.append((code, measure.baseline_value, measure.baseline_year))
            for sub in measure.subtargets or []:
                base = sub.get("baseline") or {}
                if label and sub.get("label") == label and base.get("value") is not None and base.get("year"):
                    out.append((f"{code} ({label})", float(base["value"]), str(base["year"])))
    return out


def _restating_measures() -> dict[str, Measure]:
    """The Measures of Success that restate a District Goal, read once per request (a page asks for
    their baselines once per goal table cell)."""
    def read() -> dict[str, Measure]:
        codes = list((setting("measure_results", {}) or {}).keys())
        return {m.code: m for m in db.session.scalars(select(Measure).where(Measure.code.in_(codes)))}
    return settings.kept(settings.MEASURES_KEY, read)


def two_figures_note(metric: str, group: str, level: str, year: str, value: float) -> str:
    """Where the plan gives two figures for one fact: its goals table and a Measure of Success."""
    if group != ALL:
        return ""
    notes = [f"The plan gives two figures for {year}: {value:g} in its District Goals table (“Where we are”) "
             f"and {other:g} in Measure of Success {code}."
             for code, other, other_year in measure_baselines(metric, level)
             if other_year == year and round(other, 1) != round(value, 1)]
    return " ".join(notes)
