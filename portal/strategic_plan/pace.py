"""Whether a result is on track: at or beyond the target it is measured against, in the direction the
metric improves (up for most, down for chronic absence). The one rule every page uses."""
from portal.kernel.i18n import N_

ON_TRACK, BEHIND, NO_RESULT, NO_TARGET = "on_track", "behind", "no_result", "no_target"
TITLES = {ON_TRACK: N_("On track"), BEHIND: N_("Behind"),
          NO_RESULT: N_("No result yet"), NO_TARGET: N_("No target set")}


def on_track(actual: float | None, target: float | None, direction: str = "up") -> str:
    """A result against its (interim) target, both compared to one decimal, as they are shown."""
    if actual is None:
        return NO_RESULT
    if target is None:
        return NO_TARGET
    actual, target = round(actual, 1), round(target, 1)
    return ON_TRACK if (actual >= target if direction != "down" else actual <= target) else BEHIND
