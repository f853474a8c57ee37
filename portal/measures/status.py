"""The status rules for Measures of Success, in one place (the README states the same rules).

For a measure (or one of its sub-targets) and a school year:

1. "Work in progress" when no value has been recorded for that year.
2. Change against the baseline (the plan's baseline, or when the plan gives none, the first
   value recorded): "improved" when the value moved in the measure's direction by more than
   NO_CHANGE_TOLERANCE, "declined" when it moved the other way by more than that, otherwise
   "no change". A measure to decrease (e.g. chronic absence) improves when its value goes down.
3. Pace against a straight path from the baseline year to the 2026 target (2025-26): "on track"
   when the value is at or beyond where that straight line is in that year, "behind" when it is
   short of it; no pace where the plan gives no numeric baseline or target, or where its target
   lies on the wrong side of the baseline (the plan then states a yearly gain, not a level:
   3A-2's "4% annually from 81%").
4. A measure split into sub-targets (by grade or school level) with no value of its own takes its
   change from its sub-targets: improved if more of them improved than declined, declined if more
   declined than improved, otherwise no change; on track only when every sub-target with a pace
   is on track.
"""
from dataclasses import dataclass

from flask import has_app_context
from flask_babel import gettext

from portal.kernel.clock import year_start
from portal.kernel.i18n import N_
from portal.strategic_plan.settings import setting

NO_CHANGE_TOLERANCE = 0.05


FIRST_PLAN_TARGET_YEAR = "2025-26"  # the 2022-26 plan's, for the rules used outside the application


def target_year() -> str:
    """The school year the plan in view sets its targets for: its last (2025-26 for the 2022-26 plan)."""
    if not has_app_context():
        return FIRST_PLAN_TARGET_YEAR
    return str(setting("target_year", FIRST_PLAN_TARGET_YEAR))


def target_label() -> str:
    """"2026 target": the calendar year the plan's last school year ends in."""
    return gettext("%(year)s target", year=year_start(target_year()) + 1)

IMPROVED, NO_CHANGE, DECLINED, WORK_IN_PROGRESS = "improved", "no_change", "declined", "work_in_progress"
ON_TRACK, BEHIND = "on_track", "behind"
TITLES = {IMPROVED: N_("Improved"), NO_CHANGE: N_("No change"), DECLINED: N_("Declined"),
          WORK_IN_PROGRESS: N_("Work in progress"), ON_TRACK: N_("On track"), BEHIND: N_("Behind")}


@dataclass(frozen=True)
class Status:
    change: str  # improved | no_change | declined | work_in_progress
    pace: str | None  # on_track | behind | None


def sign(direction: str) -> int:
    return -1 if direction == "decrease" else 1


def target_level(kind: str, per: str, baseline: float | None, baseline_year: str | None,
                 target: float | None) -> float | None:
    """The 2026 level a target stands for. The plan states some targets as a gain ("30 points
    closer") or a percent change ("by 20%"), some per year ("annually"); those need a baseline."""
    if target is None or kind in ("", "level"):
        return target
    if baseline is None:
        return None
    years = max(1, year_start(target_year()) - year_start(baseline_year)) if per == "year" and baseline_year else 1
    if kind == "gain":
        return round(baseline + target * years, 2)
    if kind == "percent_change":
        return round(baseline * (1 + target / 100) ** years, 2)
    return target


def target_words(kind: str, per: str, target: float | None, unit: str) -> str:
    """How the plan states a gain or percent-change target, for display ("+30 pts", "+20% a year")."""
    if target is None or kind in ("", "level"):
        return ""
    amount = f"+{target:g}%" if kind == "percent_change" else f"+{target:g}" + (" pts" if unit == "points" else
                                                                              "%" if unit == "percent" else "")
    return amount + (" a year" if per == "year" else "")


def change_status(direction: str, reference: float | None, value: float | None) -> str:
    if value is None:
        return WORK_IN_PROGRESS
    if reference is None:
        return NO_CHANGE
    moved = (value - reference) * sign(direction)
    if moved > NO_CHANGE_TOLERANCE:
        return IMPROVED
    if moved < -NO_CHANGE_TOLERANCE:
        return DECLINED
    return NO_CHANGE


def expected_on_path(baseline: float, baseline_year: str, target: float, year: str) -> float:
    """Where a straight line from the baseline to the 2026 target stands in `year`."""
    start, end, now = year_start(baseline_year), year_start(target_year()), year_start(year)
    if end <= start:
        return target
    share = min(1.0, max(0.0, (now - start) / (end - start)))
    return baseline + share * (target - baseline)


def pace_status(direction: str, baseline: float | None, baseline_year: str | None, target: float | None,
                year: str, value: float | None) -> str | None:
    if value is None or baseline is None or target is None or not baseline_year:
        return None
    if (target - baseline) * sign(direction) < 0:
        return None
    expected = expected_on_path(baseline, baseline_year, target, year)
    return ON_TRACK if (value - expected) * sign(direction) >= -NO_CHANGE_TOLERANCE else BEHIND


def status_for(direction: str, baseline: float | None, baseline_year: str | None, target: float | None,
               year: str, value: float | None, first_value: float | None = None) -> Status:
    reference = baseline if baseline is not None else first_value
    return Status(change_status(direction, reference, value),
                  pace_status(direction, baseline, baseline_year, target, year, value))


def combine(parts: list[Status]) -> Status:
    """A split measure's status from its sub-targets' statuses (rule 4)."""
    recorded = [p for p in parts if p.change != WORK_IN_PROGRESS]
    if not recorded:
        return Status(WORK_IN_PROGRESS, None)
    improved = sum(p.change == IMPROVED for p in recorded)
    declined = sum(p.change == DECLINED for p in recorded)
    change = IMPROVED if improved > declined else DECLINED if declined > improved else NO_CHANGE
    paces = [p.pace for p in recorded if p.pace is not None]
    pace = None if not paces else ON_TRACK if all(p == ON_TRACK for p in paces) else BEHIND
    return Status(change, pace)
