"""Database upkeep that any feature may need after a bulk write, and sums the database computes."""
from sqlalchemy import case, func, text

from portal.extensions import db
from portal.kernel.numbers import MAX_FIGURE


def refresh_statistics() -> None:
    """Let the database's query planner see how large the tables have grown after a bulk load
    (SQLite keeps no statistics until asked; without them it may read a whole table for a region)."""
    db.session.execute(text("ANALYZE"))


def weighted_sums(value, weight) -> tuple:
    """SUM(value × weight) and SUM(weight), for an n-weighted mean, over the rows whose value is a figure
    the portal takes (no larger than numbers.MAX_FIGURE either way). A figure past it, stored before the
    forms refused one (or by a bug), is left out of both: PostgreSQL refuses a product past 1.8e308 and
    SQLite makes it infinity, and either would take the page that shows the mean down with it."""
    usable = func.abs(value) <= MAX_FIGURE
    return func.sum(case((usable, value * weight))), func.sum(case((usable, weight)))
