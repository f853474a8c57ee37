"""Database upkeep that any feature may need after a bulk write."""
from sqlalchemy import text

from portal.extensions import db


def refresh_statistics() -> None:
    """Let the database's query planner see how large the tables have grown after a bulk load
    (SQLite keeps no statistics until asked; without them it may read a whole table for a region)."""
    db.session.execute(text("ANALYZE"))
