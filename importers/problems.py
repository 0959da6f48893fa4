"""Problems found in a return: each names the file, sheet, row and column, the value found and
what was expected, so a department can find and fix it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """Errors stop a row being stored; warnings are stored but doubtful."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) in a return, located as precisely as the file allows."""

    severity: Severity
    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    expected: str | None = None

    @property
    def location(self) -> str:
        """`file, sheet 'S', row R, column C` with whatever parts are known."""
        parts = [self.file]
        if self.sheet is not None:
            parts.append(f"sheet {self.sheet!r}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.location}: {self.severity.value}: {self.message}"
        if self.value is not None:
            text += f" (found {self.value!r}"
            text += f"; expected {self.expected})" if self.expected else ")"
        return text

    def as_dict(self) -> dict[str, Any]:
        """The problem as plain JSON-ready data."""
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


class CellError(ValueError):
    """A cell's value cannot be read as its column's type; says what was expected."""

    def __init__(self, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
