"""What an import reports: how many rows it read and wrote, and each problem at its row and column."""
from dataclasses import dataclass, field


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

    @property
    def ok(self) -> bool:
        return not self.errors

    def file_problem(self, message: str, column: str = "file") -> None:
        """A problem with the file as a whole, reported on its first row (the header)."""
        self.errors.append(RowError(1, column, message))
