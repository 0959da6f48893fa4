"""A reporting period written on a sheet's rows, as flat registers and extracts keep it.

A register with no cover sheet often says its quarter in a column ("Reporting Period",
"Quarter") filled on every row. Every filled cell naming the same quarter (however it is
written: `importers.cover_period`) makes that the return's period, as a cover sheet's would.
Cells naming different quarters refuse the file: an import is all or nothing, and its period
decides where every row is stored. So does a cell that is not a quarter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estate.errors import InputError
from estate.words import counted
from importers import values
from importers.cover_period import read_period
from importers.problems import CellError

PERIOD = "period"
"""The mapping target of a period column, on a sheet of any kind."""
HEADER = "Reporting period"
ALIASES = (
    "reporting period",
    "period",
    "quarter",
    "reporting quarter",
    "return period",
    "period of return",
    "period covered",
    "reporting qtr",
    "qtr",
)
SHOWN_RUNS = 8
"""Runs of rows a message lists for one period before it counts the rest."""


@dataclass(frozen=True)
class PeriodPlace:
    """Where a return's period was read: a sheet's column (or, on a cover sheet, its cell)."""

    sheet: str
    column: str
    header: str
    row: int | None = None
    """The cell's row on a cover sheet; None for a column filled on many rows."""

    def __str__(self) -> str:
        if self.row is not None:
            return f"sheet {self.sheet!r}, cell {self.column}{self.row} ({self.header})"
        return f"sheet {self.sheet!r}, column {self.column} ({self.header})"


@dataclass
class PeriodCells:
    """The period cells of a return's rows, read as its sheets are."""

    found: dict[str, dict[PeriodPlace, list[int]]] = field(default_factory=dict)
    """period -> column it was read from -> the rows giving it."""
    malformed: list[tuple[PeriodPlace, int, CellError]] = field(default_factory=list)
    """(column, row, why) for each cell that is not a quarter (`why` quotes it)."""
    _read: dict[Any, str | CellError | None] = field(default_factory=dict, repr=False)
    """Each distinct raw cell's reading: a column holds one or two spellings many times."""

    def add(self, place: PeriodPlace, row: int, raw: Any) -> None:
        """Read one row's period cell (a blank, `N/A` or `TBC` says nothing)."""
        if raw in self._read:
            reading = self._read[raw]
        else:
            reading = self._read[raw] = _reading(raw)
        if reading is None:
            return
        if isinstance(reading, CellError):
            self.malformed.append((place, row, reading))
            return
        self.found.setdefault(reading, {}).setdefault(place, []).append(row)

    def settle(self, path: Path, cover: tuple[str, PeriodPlace] | None) -> tuple[str, PeriodPlace]:
        """The one period the cells (and the cover sheet, if it names one) give, with where it
        was read; `InputError` in one line when a cell is not a quarter or they disagree."""
        if self.malformed:
            place, row, why = self.malformed[0]
            more = ""
            if len(self.malformed) > 1:
                others = ", ".join(
                    f"{p.column}{r}" if p.sheet == place.sheet else f"{p.column}{r} of {p.sheet!r}"
                    for p, r, _w in self.malformed[1:6]
                )
                extra = len(self.malformed) - 6
                more = f" Also not a quarter: {others}{f' and {extra} more' if extra > 0 else ''}."
            raise InputError(
                f"{path}: sheet {place.sheet!r}, cell {place.column}{row} ({place.header}): "
                f"{why}.{more}"
            )
        assert self.found, "settled with no period cells read"
        if len(self.found) > 1:
            raise InputError(f"{path}: {_disagreement(self.found)}")
        ((period, places),) = self.found.items()
        place = next(iter(places))
        if cover is not None and cover[0] != period:
            raise InputError(
                f"{path}: {cover[1]} says the return is for {cover[0]}, but {place} gives "
                f"{period}; a return is for one period, so nothing was imported: correct one "
                "of them."
            )
        return period, place


def _quiet(_message: str) -> None:
    """A period cell is read for its quarter alone: a note on its text (one starting like a
    formula) has nothing to add to that."""


def _reading(raw: Any) -> str | CellError | None:
    try:
        text = values.parse_text(raw, _quiet)
        return None if text is None else read_period(text)
    except CellError as exc:
        return exc


def _disagreement(found: dict[str, dict[PeriodPlace, list[int]]]) -> str:
    """One line naming, for each period the cells give, the column and rows giving it."""
    places = {place for by_place in found.values() for place in by_place}
    one_column = len(places) == 1
    parts = []
    for period, by_place in sorted(found.items()):
        said = "; ".join(
            _rows(rows) if one_column else f"{place}, {_rows(rows)}"
            for place, rows in by_place.items()
        )
        parts.append(f"{period} in {said}")
    where = f"{next(iter(places))} gives" if one_column else "the period columns give"
    return (
        f"{where} more than one reporting period: {', '.join(parts)}; a return is for one "
        "period, so nothing was imported: split the file by period, or correct the cells."
    )


def _rows(rows: list[int]) -> str:
    """`rows 5-9, 12 and 14` (runs of rows joined, the first few runs shown)."""
    runs: list[tuple[int, int]] = []
    for row in sorted(set(rows)):
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    shown = [f"{a}-{b}" if b > a else str(a) for a, b in runs[:SHOWN_RUNS]]
    hidden = sum(b - a + 1 for a, b in runs[SHOWN_RUNS:])
    if hidden:
        shown.append(counted(hidden, "more row"))
    word = "row" if len(rows) == 1 else "rows"
    listed = shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"
    return f"{word} {listed}"
