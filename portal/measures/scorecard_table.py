"""The scorecard table: measures filtered and grouped by pillar and priority, with their counts and export rows."""
from dataclasses import dataclass

from flask_babel import gettext, ngettext
from sqlalchemy import select

from portal.extensions import db
from portal.kernel.clock import current_school_year, year_label, year_start
from portal.kernel.exports import GENERATED_COLUMN, generated_cell
from portal.measures import status as ms
from portal.measures.catalog import MeasureView
from portal.measures.values import year_problem
from portal.org.models import Office
from portal.strategic_plan.figures import result_label
from portal.strategic_plan.models import Measure, Pillar

VALUE_IS_COLUMN = "What the value is"  # "district result 2023-24" where the value is the district's result
PLAN_FIRST_YEAR = 2022  # the plan's first school year: 2022-23
STATUS_FILTERS = (ms.IMPROVED, ms.NO_CHANGE, ms.DECLINED, ms.WORK_IN_PROGRESS, ms.ON_TRACK, ms.BEHIND)
# Status in words with a symbol, never colour alone.
SYMBOLS = {ms.IMPROVED: "▲", ms.NO_CHANGE: "■", ms.DECLINED: "▼", ms.WORK_IN_PROGRESS: "…",
           ms.ON_TRACK: "✓", ms.BEHIND: "!"}


@dataclass
class Counts:
    """How many measures have each status: "N of M measures improved"."""

    total: int = 0
    improved: int = 0
    no_change: int = 0
    declined: int = 0
    work_in_progress: int = 0
    on_track: int = 0
    behind: int = 0

    def add(self, status: ms.Status) -> None:
        self.total += 1
        setattr(self, status.change, getattr(self, status.change) + 1)
        if status.pace:
            setattr(self, status.pace, getattr(self, status.pace) + 1)

    @property
    def text(self) -> str:
        return ngettext("%(improved)s of %(num)s measure improved", "%(improved)s of %(num)s measures improved",
                        self.total, improved=self.improved)

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("total", "improved", "no_change", "declined", "work_in_progress",
                                                "on_track", "behind")} | {"text": self.text}


@dataclass
class ScorecardFilter:
    year: str = ""
    pillar: str = ""
    office: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args, years: list[str], offices: list[str], pillars: list[str]) -> "ScorecardFilter":
        """The filter from a query string; a value that is not one of the choices is dropped."""
        flt = cls(year=(args.get("year") or "").strip(), pillar=(args.get("pillar") or "").strip(),
                  office=(args.get("office") or "").strip(), status=(args.get("status") or "").strip())
        if flt.year not in years and year_problem(flt.year) is not None:
            flt.year = ""
        if flt.pillar not in pillars:
            flt.pillar = ""
        if flt.office not in offices:
            flt.office = ""
        if flt.status not in STATUS_FILTERS:
            flt.status = ""
        return flt

    def as_args(self, **override) -> dict:
        values = {"year": self.year, "pillar": self.pillar, "office": self.office, "status": self.status} | override
        return {k: v for k, v in values.items() if v}

    @property
    def narrowed(self) -> bool:
        return bool(self.pillar or self.office or self.status)


def pillar_names() -> list[tuple[int, str]]:
    return [(number, name) for number, name in db.session.execute(select(Pillar.number, Pillar.name)
                                                                  .order_by(Pillar.number))]


def offices_with_measures() -> list[Office]:
    return list(db.session.scalars(select(Office).where(Office.id.in_(select(Measure.owner_office_id)))
                                   .order_by(Office.name)).all())


def status_matches(status: ms.Status, wanted: str) -> bool:
    return not wanted or status.change == wanted or status.pace == wanted


def years_with_values(measures: list[MeasureView]) -> list[str]:
    return sorted({y for m in measures for y in m.years()})


def year_choices(measures: list[MeasureView]) -> list[str]:
    """The plan's years so far and every year holding a value, newest first."""
    current = current_school_year()
    years = set(years_with_values(measures)) | {year_label(y) for y in range(PLAN_FIRST_YEAR, year_start(current) + 1)}
    return sorted((y for y in years if year_start(y) <= year_start(current)), reverse=True)


def default_year(measures: list[MeasureView]) -> str:
    """The latest school year holding any value (up to the current one), else the current school year."""
    current = current_school_year()
    with_values = [y for y in years_with_values(measures) if year_start(y) <= year_start(current)]
    return with_values[-1] if with_values else current


def build_scorecard(year: str, measures: list[MeasureView], pillar: str = "", office: str = "",
                    status: str = "") -> dict:
    """Per pillar and priority: the counts over the measures of the chosen pillar and office, and
    the rows that also match the status filter (the counts stay whole so "N of M" keeps its meaning)."""
    pillars: dict[int, dict] = {}
    total = Counts()
    shown = 0
    for m in measures:
        if pillar and str(m.pillar_number) != pillar:
            continue
        if office and m.office_code != office:
            continue
        st = m.status(year)
        p = pillars.setdefault(m.pillar_number, {"number": m.pillar_number, "name": m.pillar_name,
                                                 "counts": Counts(), "priorities": {}})
        pr = p["priorities"].setdefault(m.priority_code, {"code": m.priority_code, "name": m.priority_name,
                                                          "counts": Counts(), "rows": []})
        for c in (total, p["counts"], pr["counts"]):
            c.add(st)
        if status_matches(st, status):
            pr["rows"].append({"measure": m, "status": st,
                               "subs": [(s, s.status(year, m.direction)) for s in m.subs]})
            shown += 1
    return {"year": year, "total": total, "shown": shown,
            "pillars": [{**p, "priorities": list(p["priorities"].values())} for _, p in sorted(pillars.items())]}


def status_text(status: ms.Status) -> str:
    text = gettext(ms.TITLES[status.change])
    return f"{text}; {gettext(ms.TITLES[status.pace]).lower()}" if status.pace else text


def export_rows(card: dict) -> tuple[list[str], list[list]]:
    """One row per measure and per sub-target for the scorecard's year, as shown (filters and all)."""
    year = card["year"]
    columns = ["Pillar", "Priority", "Measure", "Sub-target", "Wording", "Office", "Unit", "Direction",
               "Baseline", "Baseline year", ms.target_label(), f"Value {year}", "As of", "Source", "From check-in",
               "Change", "Pace", VALUE_IS_COLUMN, GENERATED_COLUMN]
    rows = []
    for p in card["pillars"]:
        for pr in p["priorities"]:
            for row in pr["rows"]:
                m = row["measure"]
                for line, st in [(m.own, row["status"]), *row["subs"]]:
                    entry = line.entries.get(year)
                    rows.append([
                        f"{p['number']}. {p['name']}", pr["code"], m.code, line.label, line.text, m.office_name,
                        m.unit, m.direction, line.baseline, line.baseline_year or "", line.target,
                        entry.value if entry else None, entry.as_of if entry else None,
                        entry.source if entry else "", entry.fed_from or "" if entry else "",
                        ms.TITLES[st.change], ms.TITLES[st.pace] if st.pace else "",
                        result_label(year) if entry and entry.district else "",
                        generated_cell(bool(entry and entry.generated) or line.baseline_generated)])
    return columns, rows
