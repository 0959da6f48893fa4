"""Problems found in a return: each names the file, sheet, row and column, the value found and
what was expected, so a department can find and fix it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from estate.errors import InputError


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
        """The problem as plain JSON-ready data (built directly: `dataclasses.asdict` copies
        deeply, and a return can have tens of thousands of problems)."""
        return {
            "severity": self.severity.value,
            "file": self.file,
            "message": self.message,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "expected": self.expected,
        }

    @property
    def cell(self) -> str:
        """Where in the sheet, as briefly as a spreadsheet says it: `J12`, `row 12`, `J`."""
        if self.column is not None and self.row is not None:
            return f"{self.column}{self.row}"
        if self.row is not None:
            return f"row {self.row}"
        return self.column or ""


_PARTICULARS = re.compile(r"'[^']*'|\"[^\"]*\"|£?\d[\d,.]*")
"""What differs between two problems of one kind: quoted values, numbers and amounts."""


@dataclass
class ProblemGroup:
    """Problems of one kind on one sheet and column: how many, and the first few."""

    severity: Severity
    sheet: str | None
    column: str | None
    message: str
    """The first problem's message, standing for the kind."""
    count: int = 0
    examples: list[Problem] = field(default_factory=list)


def group_problems(problems: Iterable[Problem], examples: int = 3) -> list[ProblemGroup]:
    """The problems grouped by kind (severity, sheet, column and message, whatever quoted value
    or number the message names): errors first, then the largest groups. A terminal shows these
    where a list of thousands of rows would bury the few kinds of thing to fix."""
    groups: dict[tuple[Any, ...], ProblemGroup] = {}
    for problem in problems:
        key = (
            problem.severity,
            problem.sheet,
            problem.column,
            _PARTICULARS.sub("#", problem.message),
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = ProblemGroup(
                problem.severity, problem.sheet, problem.column, problem.message
            )
        group.count += 1
        if len(group.examples) < examples:
            group.examples.append(problem)
    return sorted(
        groups.values(),
        key=lambda g: (g.severity is not Severity.ERROR, -g.count, g.sheet or "", g.message),
    )


LISTED = 20
"""Headers a one-line summary of columns names before it counts the rest."""


def listed(texts: list[str], shown: int = LISTED) -> str:
    """Texts as one list: "A, B, C", or the first `shown` and "and N more"."""
    more = len(texts) - shown
    return ", ".join(texts[:shown]) + (f" and {more:,} more" if more > 0 else "")


def row_runs(rows: list[int], shown: int = LISTED) -> str:
    """Sorted row numbers as runs: "3-14, 20", the first `shown` runs and "and N more"."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return listed([f"{a}-{b}" if a != b else str(a) for a, b in runs], shown)


def not_imported(mapping: Any) -> list[tuple[str, list[int]]]:
    """One line per reason a sheet's columns were not imported, with the columns' 0-based
    indexes, not a line per column: "40 columns not imported: Tag Category 1, Tag 1, ...".
    `mapping` is a `importers.headers.ColumnMapping` (its unknown, duplicate and overridden
    columns)."""
    reasons = (
        (mapping.unknown, "not imported", "(add {them} to a --mapping file to import {them})"),
        (mapping.duplicates, "read twice; the second copy not imported", ""),
        (
            mapping.overridden,
            "not imported",
            "(the --mapping file reads what {they} hold from another column)",
        ),
    )
    lines: list[tuple[str, list[int]]] = []
    for columns, what, why in reasons:
        if not columns:
            continue
        indexes = sorted(columns)
        one = len(indexes) == 1
        words = {"them": "it" if one else "them", "they": "it" if one else "they"}
        noun = "column" if one else "columns"
        line = f"{len(indexes)} {noun} {what}: {listed([columns[i] for i in indexes])}"
        lines.append(((line + " " + why.format(**words)).strip(), indexes))
    return lines


class RefusedReturn(InputError):
    """A return refused whole after some of its sheets were recognised as a tool's export:
    `profiles` (sheet -> profile name) says which, for the `--json` summary and the mapping file
    `--write-mapping` writes for it."""

    def __init__(self, message: str, profiles: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.profiles = dict(profiles or {})


@contextmanager
def refusals_naming(recognised: dict[str, str]) -> Iterator[None]:
    """Turn an `InputError` refusing the return into a `RefusedReturn` naming the tool exports
    its sheets were recognised as (`recognised`, sheet -> profile name, read when the error is
    raised), so a refusal still says what the file was taken for; unchanged when none was."""
    try:
        yield
    except RefusedReturn:
        raise
    except InputError as exc:
        if not recognised:
            raise
        raise RefusedReturn(str(exc), recognised) from exc


class UnreadableReturn(RefusedReturn):
    """A return none of whose sheets could be read (`profiles`: those recognised all the
    same)."""


class CellError(ValueError):
    """A cell's value cannot be read as its column's type; says what was expected."""

    def __init__(self, message: str, expected: str | None = None) -> None:
        super().__init__(message)
        self.expected = expected
