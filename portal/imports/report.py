"""What an import reports: how many rows it read and wrote, and each problem at its row and column,
with the value the file holds there."""
from dataclasses import dataclass, field
from typing import Any

SHOWN_LENGTH = 60  # characters of a refused value the report shows; a longer one is cut with "…"


@dataclass
class RowError:
    row: int  # the spreadsheet row number: 1 is the header
    column: str
    message: str


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    seconds: float = 0.0
    import_id: str = ""
    large: bool = False  # so many rows were added that the database's statistics need refreshing
    table: Any = field(default=None, repr=False, compare=False)  # the rows read (a DataFrame), for refused_value

    @property
    def ok(self) -> bool:
        return not self.errors

    def file_problem(self, message: str, column: str = "file") -> None:
        """A problem with the file as a whole, reported on its first row (the header)."""
        self.errors.append(RowError(1, column, message))

    def refused_value(self, error: RowError) -> str | None:
        """The cell the problem is about, as the file holds it (cut to SHOWN_LENGTH, characters that do
        not print shown as �); None for a problem with the file or a column the file does not have."""
        table = self.table
        if table is None or error.row < 2 or error.row - 2 >= len(table) or error.column not in table.columns:
            return None
        value = str(table[error.column].iat[error.row - 2])
        if len(value) > SHOWN_LENGTH:
            value = value[:SHOWN_LENGTH - 1] + "…"
        return "".join(c if c.isprintable() or c == " " else "\ufffd" for c in value)
