"""Trajectory arithmetic and the guardrails on a target. Plain functions, no database (their messages
are in the page's language, through Flask-Babel, English outside a request): they take anything with a
metric's fields (unit, target_kind, target_value, group_gain,
group_gain_reading, value_min, value_max)."""
from dataclasses import dataclass

from flask_babel import gettext as _

from portal.kernel.numbers import read_figure
from portal.targets.formats import figure, gain

MIN_RATIONALE = 15

ERROR = "error"  # the value cannot be saved as it is
NEEDS_RATIONALE = "needs_rationale"  # allowed with a written reason
NOTE = "note"  # worth a reviewer's look; never blocks


@dataclass(frozen=True)
class Flag:
    code: str
    severity: str
    message: str


def parse_number(raw) -> tuple[float | None, str | None]:
    """A typed value as a number (to one decimal), or an error message; blank is None with no error."""
    value, problem = read_figure(raw)
    return (None, problem) if value is None else (round(value, 1), None)


def interim_targets(baseline: float, target: float, shares: list[float]) -> list[float]:
    """The yearly targets a trajectory gives: baseline plus each year's share of the total gain."""
    return [round(baseline + share * (target - baseline), 1) for share in shares]


def yearly_gains(baseline: float, interims: list[float]) -> list[float]:
    previous = [baseline, *interims[:-1]]
    return [round(now - before, 1) for before, now in zip(previous, interims, strict=True)]


def unit_word(metric) -> str:
    return "points" if metric.unit == "dfs" else "percentage points"


def plan_target(metric, baseline: float, targeted: bool) -> float:
    """What the plan asks of this row by 2026."""
    if targeted:
        if metric.group_gain_reading == "percent_of_baseline":
            wanted = baseline * (1 + metric.group_gain / 100)
        else:
            wanted = baseline + metric.group_gain
    elif metric.target_kind == "absolute":
        wanted = metric.target_value
    else:
        wanted = baseline + metric.target_value
    return round(min(metric.value_max, wanted), 1)


def check_target(metric, targeted: bool, baseline: float | None, target: float | None,
                 rationale: str = "") -> list[Flag]:
    """Guardrails on one row. An empty target gives no flags (completeness is checked on submit)."""
    flags: list[Flag] = []
    if target is None:
        return flags
    if not metric.value_min <= target <= metric.value_max:
        flags.append(Flag("range", ERROR, out_of_range(metric)))
        return flags
    if baseline is None:
        return flags
    explained = len((rationale or "").strip()) >= MIN_RATIONALE
    if target < baseline:
        flags.append(Flag("below_baseline", NEEDS_RATIONALE if not explained else NOTE,
                          _("This target is below the baseline (%(baseline)s). Explain why in the rationale.",
                            baseline=figure(baseline)) if not explained else
                          _("This target is below the baseline (%(baseline)s). A rationale is given.",
                            baseline=figure(baseline))))
    wanted = plan_target(metric, baseline, targeted)
    if targeted and target < wanted and target >= baseline:
        asked = metric.group_target_label if hasattr(metric, "group_target_label") else f"+{figure(metric.group_gain)}"
        words = {"asked": asked, "wanted": figure(wanted), "gains": gain(target - baseline)}
        flags.append(Flag("group_pace", NEEDS_RATIONALE if not explained else NOTE,
                          _("The plan asks targeted groups to gain %(asked)s (to %(wanted)s); this target gains "
                            "%(gains)s. Explain why in the rationale.", **words) if not explained else
                          _("The plan asks targeted groups to gain %(asked)s (to %(wanted)s); this target gains "
                            "%(gains)s. A rationale is given.", **words)))
    if not targeted and target < wanted and target >= baseline:
        flags.append(Flag("district_pace", NOTE,
                          _("Below the district goal's pace: the plan aims for %(wanted)s by 2026.",
                            wanted=figure(wanted))))
    return flags


def out_of_range(metric) -> str:
    """The message for a value outside the metric's range."""
    return _("Enter a value from %(low)s to %(high)s.", low=figure(metric.value_min), high=figure(metric.value_max))


def check_year_target(metric, planned: float | None, value: float | None, rationale: str = "") -> list[Flag]:
    """Annual cycles: this year's target may differ from the approved path, with a reason."""
    if value is None:
        return []
    if not metric.value_min <= value <= metric.value_max:
        return [Flag("range", ERROR, out_of_range(metric))]
    if planned is not None and abs(value - planned) >= 0.05:
        explained = len((rationale or "").strip()) >= MIN_RATIONALE
        words = {"planned": figure(planned), "off": gain(value - planned)}
        return [Flag("off_path", NOTE if explained else NEEDS_RATIONALE,
                     _("The approved trajectory gives %(planned)s for this year; this target is %(off)s from it. "
                       "A rationale is given.", **words) if explained else
                     _("The approved trajectory gives %(planned)s for this year; this target is %(off)s from it. "
                       "Explain why in the rationale.", **words))]
    return []


def blocking(flags: list[Flag]) -> list[Flag]:
    return [f for f in flags if f.severity in (ERROR, NEEDS_RATIONALE)]
