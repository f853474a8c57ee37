"""Writing an import's rows all together or not at all, inside the caller's transaction."""
from collections.abc import Callable

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from portal.extensions import db
from portal.imports.report import ImportReport


def all_or_nothing(report: ImportReport, write: Callable[[], None], conflict: str) -> None:
    """Run `write`. If the database refuses a row (another import wrote the same keys a moment before),
    the report says so and the view, seeing a report that is not ok, rolls the whole file back; when
    the report is ok the view commits every row at once."""
    try:
        write()
        db.session.flush()
    except IntegrityError:
        report.file_problem(conflict)


Key = tuple
Figure = tuple[float, int]  # a value and how many students it was measured on
CHUNK = 20_000  # rows per INSERT or UPDATE statement


def split_rows(rows: list[tuple], existing: dict[Key, tuple], new_row: Callable[[Key, Figure], dict],
               changed_row: Callable[[int, Figure], dict], report: ImportReport) -> tuple[list[dict], list[dict]]:
    """Checked rows (key..., value, n) against what is stored (key -> (id, value, n)): the rows to insert,
    the rows to update, and the count of unchanged ones in the report."""
    new, changed = [], []
    for *key_parts, value, n in rows:
        key = tuple(key_parts)
        found = existing.get(key)
        if found is None:
            new.append(new_row(key, (value, n)))
        elif tuple(found[1:]) != (value, n):
            changed.append(changed_row(found[0], (value, n)))
        else:
            report.unchanged += 1
    return new, changed


def bulk_write(model: type, new: list[dict], changed: list[dict]) -> None:
    """Insert and update in statements of CHUNK rows (a district's file can hold hundreds of thousands)."""
    for start in range(0, len(new), CHUNK):
        db.session.execute(insert(model), new[start:start + CHUNK])
    for start in range(0, len(changed), CHUNK):
        db.session.execute(update(model), changed[start:start + CHUNK])
