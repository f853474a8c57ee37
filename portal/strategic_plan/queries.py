"""Reading the plan: the goals' baseline tables and the pillar/priority browser's filter."""
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.extensions import db
from portal.kernel.numbers import parse_int
from portal.strategic_plan.figures import published_baseline, published_tables
from portal.strategic_plan.models import (
    Baseline,
    Goal,
    Metric,
    Pillar,
    Priority,
    SchoolLevel,
    StudentGroup,
)


@dataclass
class GoalTable:
    """One 'Where we are' table: rows (a student group, or a school level for SEL) by year."""

    metric: Metric
    years: list[str]
    rows: list[dict] = field(default_factory=list)  # {"label", "values": {year: value}, "target": str}
    baseline_label: str = ""  # what the latest year's figures are: "the plan's published baseline (2020-21)"
    note: str = ""  # where the plan states a second figure for the same fact


def goal_tables() -> list[tuple[Goal, list[GoalTable]]]:
    goals = db.session.scalars(select(Goal).order_by(Goal.number).options(selectinload(Goal.metrics))).all()
    groups = db.session.scalars(select(StudentGroup).order_by(StudentGroup.sort)).all()
    levels = {lv.code: lv for lv in db.session.scalars(select(SchoolLevel))}
    published = published_tables()
    cells: dict = {}
    for b in db.session.scalars(select(Baseline).where(Baseline.school_id.is_(None))):
        cells.setdefault(b.metric_id, {}).setdefault((b.group_id, b.level), {})[b.year] = b.value
    result = []
    for goal in goals:
        tables = []
        for metric in goal.metrics:
            by_row = cells.get(metric.id, {})
            years = sorted({y for values in by_row.values() for y in values})
            table = GoalTable(metric, years)
            levels_shown = metric.levels if goal.code == "sel" else [""]
            firsts = [published_baseline(metric.code, "all", level, tables=published) for level in levels_shown]
            table.baseline_label = next((f.label for f in firsts if f.value is not None), "")
            table.note = " ".join(f.note for f in firsts if f.note)
            if goal.code == "sel":
                for code in metric.levels:
                    for group in groups:
                        values = by_row.get((group.id, code))
                        if values:
                            latest = values[max(values)]
                            table.rows.append({
                                "label": f"{group.short_name if group.code != 'all' else 'Overall'} · "
                                         f"{levels[code].name if code in levels else code}",
                                "group": group, "level": code,
                                "values": values, "target": round(latest + metric.target_value, 1),
                                "target_note": f"+{metric.target_value:g} pts",
                            })
            else:
                for group in groups:
                    values = by_row.get((group.id, ""))
                    if values is None:
                        continue
                    target = metric.target_label if not group.targeted else metric.group_target_label
                    table.rows.append({"label": group.name if group.code != "all" else "Overall",
                                       "group": group, "level": "",
                                       "values": values, "target": target, "target_note": ""})
            tables.append(table)
        result.append((goal, tables))
    return result


@dataclass
class PlanFilter:
    pillar: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> "PlanFilter":
        raw = args.get("pillar", "")
        number = parse_int(raw)
        pillar = number if number is not None and 1 <= number <= 99 else None
        return cls(pillar=pillar, q=args.get("q", "").strip()[:100])

    @property
    def active(self) -> bool:
        return self.pillar is not None or bool(self.q)


def _matches(priority: Priority, needle: str) -> bool:
    texts = [priority.code, priority.name, priority.our_priority, priority.why_this_matters]
    texts += [s.text for s in priority.strategies] + [m.text for m in priority.measures]
    texts += [r.name for r in priority.resources]
    return any(needle in t.lower() for t in texts)


def browse(flt: PlanFilter) -> list[tuple[Pillar, list[Priority]]]:
    """Pillars with the priorities that pass the filter (pillars left empty are dropped)."""
    pillars = db.session.scalars(
        select(Pillar).order_by(Pillar.number).options(
            selectinload(Pillar.priorities).selectinload(Priority.strategies),
            selectinload(Pillar.priorities).selectinload(Priority.measures),
            selectinload(Pillar.priorities).selectinload(Priority.resources),
        )
    ).all()
    needle = flt.q.lower()
    result = []
    for pillar in pillars:
        if flt.pillar is not None and pillar.number != flt.pillar:
            continue
        priorities = [p for p in pillar.priorities if not needle or _matches(p, needle)]
        if priorities:
            result.append((pillar, priorities))
    return result


def all_pillars() -> list[Pillar]:
    return list(db.session.scalars(select(Pillar).order_by(Pillar.number)))
