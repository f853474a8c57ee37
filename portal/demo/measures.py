"""Demo values for the Measures of Success: values for each of the plan's years already over for about two-thirds of the
measures the plan gives a numeric baseline (some improved, some not, within sensible ranges, and
by sub-target where the plan splits a measure), each entered by the owning office's demo account.
The measures a check-in metric feeds (seed/measure_owners.yaml) take it instead of typed values, and the
measures that restate a District Goal take the district's results (portal.rollups.figures).

Deterministic for a given random generator; a value already there is left alone."""
import random
from collections.abc import Iterator, Mapping
from datetime import date, datetime, time

from sqlalchemy import select

from portal.extensions import db
from portal.kernel import clock
from portal.kernel.audit import AuditEvent
from portal.kernel.policy import Role
from portal.measures.models import MeasureValue
from portal.org.models import User
from portal.progress.models import Initiative, ProgressMetric
from portal.strategic_plan.models import Measure
from portal.strategic_plan.settings import setting

AS_OF_MONTHS = (6, 8)  # a year's value describes its June or the August after it
SOURCE = "Demo district (generated)"
SHARE = 2 / 3


class _Feeds(Mapping):
    """measure -> (initiative, metric, breakdown) for the seed's feeds (seed/measure_owners.yaml), read when
    asked: the demo's Board updates leave these metrics as reported (portal.demo.board)."""

    def _pairs(self) -> dict[str, tuple[str, str, str]]:
        return {f["measure"]: (f["initiative"], f["metric"], f.get("breakdown") or "")
                for f in setting("measure_feeds", []) or []}

    def __getitem__(self, code: str) -> tuple[str, str, str]:
        return self._pairs()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pairs())

    def __len__(self) -> int:
        return len(self._pairs())


FED = _Feeds()


def _lines(measure: Measure) -> list[tuple[str, float, float | None]]:
    """(sub-target label or "", baseline, target) for every line with a numeric baseline."""
    lines = []
    if measure.baseline_value is not None:
        lines.append(("", measure.baseline_value, measure.target_value))
    for sub in measure.subtargets or []:
        baseline = (sub.get("baseline") or {}).get("value")
        if baseline is not None:
            lines.append((sub["label"], float(baseline), (sub.get("target") or {}).get("value")))
    return lines


def _round(value: float, unit: str, scale: float) -> float:
    if unit in {"count", "dollars"}:
        return float(round(value))
    return round(value, 2 if scale < 2 else 1)


def _step(rng: random.Random, baseline: float, target: float | None, direction: str, unit: str,
          previous: float) -> float:
    """A year's move: most often part of the way to the target, sometimes the wrong way."""
    sign = -1 if direction == "decrease" else 1
    gap = (target - baseline) if target is not None else sign * max(abs(baseline) * 0.1, 1.0)
    move = gap * rng.choice([rng.uniform(0.1, 0.45), rng.uniform(0.1, 0.45), rng.uniform(-0.3, -0.05),
                             rng.uniform(-0.01, 0.01)])
    value = previous + move
    if unit == "percent":
        value = min(100.0, max(0.0, value))
    elif unit in {"count", "dollars"}:
        value = max(0.0, value)
    return _round(value, unit, abs(gap))


def build_demo_measures(rng: random.Random, today: date | None = None) -> dict:
    """Write the demo values for the plan's years over by `today` (the portal's date), dated no later
    than it, and the seed's feeds. Returns how many values it wrote."""
    today = today or clock.today()
    years = [y for y in setting("trajectory_years", []) if date(clock.year_start(y) + 1, 6, 15) <= today]
    measures = db.session.scalars(select(Measure).order_by(Measure.code)).all()
    staff: dict[int | None, User] = {}
    for user in db.session.scalars(select(User).where(User.role == Role.central_office).order_by(User.id)):
        staff.setdefault(user.office_id, user)
    existing = {(v.measure_id, v.subtarget, v.year) for v in db.session.scalars(select(MeasureValue))}
    feeds = setting("measure_feeds", []) or []
    skipped = {f["measure"] for f in feeds} | set(setting("measure_results", {}) or {})
    candidates = [m for m in measures if _lines(m) and m.code not in skipped]
    chosen = sorted(rng.sample(candidates, round(len(candidates) * SHARE)), key=lambda m: m.code)
    written, events = 0, []
    for measure in chosen:
        author = staff.get(measure.owner_office_id)
        for label, baseline, target in _lines(measure):
            previous = baseline
            for year in years:
                previous = _step(rng, baseline, target, measure.direction, measure.unit, previous)
                if (measure.id, label, year) in existing:
                    continue
                end = int(year[:4]) + 1
                as_of = date(end, rng.choice(AS_OF_MONTHS), rng.choice([15, 30]))
                if as_of > today:
                    as_of = date(end, 6, 15)
                entered = min(datetime.combine(as_of, time(10)), datetime.combine(today, time(6)))
                entered = entered.replace(minute=rng.randrange(60))
                value = MeasureValue(measure_id=measure.id, subtarget=label, year=year, value=previous, as_of=as_of,
                                     source=SOURCE, note="", entered_by_id=author.id if author else None,
                                     entered_at=entered, generated=True)
                db.session.add(value)
                db.session.flush()
                if author:
                    events.append(AuditEvent(entity="measure_value", entity_id=value.id, action="create",
                                             actor_id=author.id, actor_role=Role.central_office.value, at=entered,
                                             details={"measure": measure.code, "subtarget": label, "year": year,
                                                      "from": None, "to": previous, "via": "demo"}))
                written += 1
    for feed in feeds:
        fed = next((m for m in measures if m.code == feed["measure"]), None)
        metric = db.session.scalar(select(ProgressMetric).join(Initiative).where(
            Initiative.code == feed["initiative"], ProgressMetric.code == feed["metric"]))
        if fed is not None and metric is not None and fed.feed_metric_id is None:
            fed.feed_metric_id, fed.feed_breakdown = metric.id, feed.get("breakdown") or ""
    db.session.add_all(events)
    db.session.flush()
    return {"measure_values": written}
