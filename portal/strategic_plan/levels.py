"""The school levels a school answers for: the plan's metrics are set per level (elementary, middle,
high), and a span school answers for every level whose grade band its grades reach."""
from sqlalchemy import select

from portal.extensions import db
from portal.strategic_plan.models import SchoolLevel

Bands = dict[str, tuple[int, int]]


def metric_bands() -> Bands:
    """Each level's grade band, as the plan sets it (levels without a band are left out)."""
    return {lv.code: (lv.band_low, lv.band_high)
            for lv in db.session.scalars(select(SchoolLevel)) if lv.band_low is not None and lv.band_high is not None}


def applicable_levels(level: str, grade_low: int, grade_high: int, bands: Bands) -> set[str]:
    """The metric levels a school answers for: its own, or every band a span school's grades cover."""
    if level != "span":
        return {level}
    return {code for code, (low, high) in bands.items() if grade_low <= high and grade_high >= low}
