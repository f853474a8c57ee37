"""What a search compares: text folded to lower case without accents, the same in Python and in the
database, so 'ÉLÉMENTAIRE', 'elementaire' and 'Élémentaire' are one word.

SQLite runs the Python fold itself (a function registered on every connection); PostgreSQL lowers the
column and translates the accented Latin letters with its own translate(), from a table built here from
the same fold, so both databases answer alike without an extension or a migration."""
import unicodedata

from sqlalchemy import event, func
from sqlalchemy.engine import Engine

SQL_FUNCTION = "portal_fold"


def fold(text: str | None) -> str | None:
    """Lower case, with accents and other combining marks taken off ('José' -> 'jose')."""
    if text is None:
        return None
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _latin_table() -> tuple[str, str]:
    """The accented Latin letters (either case) that fold to one plain letter, and those letters."""
    source, target = [], []
    for point in range(0xC0, 0x250):
        char = chr(point)
        plain = fold(char)
        if plain and len(plain) == 1 and plain.isascii() and plain != char:
            source.append(char)
            target.append(plain)
    return "".join(source), "".join(target)


LATIN_FROM, LATIN_TO = _latin_table()


def folded(column, dialect: str):
    """The column as fold() would give it, in SQL."""
    if dialect == "sqlite":
        return getattr(func, SQL_FUNCTION)(column)
    return func.translate(func.lower(column), LATIN_FROM, LATIN_TO)


@event.listens_for(Engine, "connect")
def _register_fold(dbapi_connection, _record):
    """Every SQLite connection gets fold() as portal_fold(); other databases need nothing."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function(SQL_FUNCTION, 1, fold, deterministic=True)
