"""The ranked table's data: rows prepared once, then filtered, searched and sorted by index
lists so a keystroke never rebuilds anything (50,000 systems filter in milliseconds)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from estate.scoring import EstateScores
from estate.scoring.results import SystemScore

ALL = ""
"""The value of a filter that lets everything through."""


@dataclass(frozen=True)
class Column:
    """A column of the ranked table."""

    title: str
    width: int
    value: Callable[[SystemScore], Any]
    right: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("#", 6, lambda s: s.rank, right=True),
    Column("System", 16, lambda s: s.key),
    Column("Name", 26, lambda s: s.name),
    Column("Dept", 6, lambda s: s.department),
    Column("Priority", 8, lambda s: s.priority, right=True),
    Column(
        "Legacy",
        6,
        lambda s: -1.0 if s.legacy.overall is None else round(s.legacy.overall, 1),
        right=True,
    ),
    Column("Band", 10, lambda s: s.legacy.band.value if s.legacy.band else "unknown"),
    Column("Cloud", 21, lambda s: s.readiness.category.value),
    Column("Gaps", 5, lambda s: len(s.gaps), right=True),
    Column("Criticality", 11, lambda s: s.criticality or ""),
    Column("Hosting", 23, lambda s: s.hosting or ""),
)
SORT_KEYS = {column.title: column.value for column in COLUMNS}


@dataclass(frozen=True)
class Filters:
    """What the ranked table is narrowed to, and how it is sorted."""

    text: str = ""
    department: str = ALL
    band: str = ALL
    readiness: str = ALL
    hosting: str = ALL
    sort: str = "#"
    descending: bool = False

    def describe(self) -> str:
        """The filter state in words, for the status line."""
        parts = [
            f"{name}={value}"
            for name, value in (
                ("dept", self.department),
                ("band", self.band),
                ("cloud", self.readiness),
                ("hosting", self.hosting),
            )
            if value
        ]
        if self.text:
            parts.append(f'search="{self.text}"')
        order = "descending" if self.descending else "ascending"
        parts.append(f"sorted by {self.sort} {order}")
        return " · ".join(parts)

    def sorted_by(self, title: str) -> Filters:
        """The same filters sorted by `title`; asking again reverses the order."""
        if title == self.sort:
            return replace(self, descending=not self.descending)
        return replace(self, sort=title, descending=title in ("Priority", "Legacy", "Gaps"))


_CHOICES: dict[str, Callable[[SystemScore], str | None]] = {
    "department": lambda s: s.department,
    "band": lambda s: s.legacy.band.value if s.legacy.band else None,
    "readiness": lambda s: s.readiness.category.value,
    "hosting": lambda s: s.hosting,
}


class RankedData:
    """The scored estate prepared for fast filtering. Built in a worker: everything slow at
    50,000 systems happens here, so screens only place what is ready."""

    def __init__(self, scores: EstateScores) -> None:
        self.scores = scores
        self.systems = scores.systems
        self.by_key = {s.key: i for i, s in enumerate(self.systems)}
        self.cluster_of = {key: group for group in scores.graph.clusters() for key in group}
        """Each system in a dependency cycle: the systems that must move with it."""
        self.haystack = [
            f"{s.key} {s.name} {s.business_owner or ''}".casefold() for s in self.systems
        ]
        self.cells = [tuple(str(c.value(s)) for c in COLUMNS) for s in self.systems]
        self._sorted: dict[tuple[str, bool], list[int]] = {}
        self._choices = {
            field: sorted({v for s in self.systems if (v := value(s))})
            for field, value in _CHOICES.items()
        }

    def score(self, key: str) -> SystemScore | None:
        """The scored system with this key, or None when the estate does not hold it."""
        index = self.by_key.get(key)
        return None if index is None else self.systems[index]

    def band(self, key: str) -> str | None:
        """The system's legacy band, or None when unknown or not in the estate."""
        score = self.score(key)
        return score.legacy.band.value if score and score.legacy.band else None

    def choices(self, field: str) -> list[str]:
        """The distinct values a filter can take."""
        return self._choices[field]

    def _order(self, sort: str, descending: bool) -> list[int]:
        key = (sort, descending)
        if key not in self._sorted:
            value = SORT_KEYS[sort]
            indices = sorted(
                range(len(self.systems)),
                key=lambda i: (value(self.systems[i]), self.systems[i].rank),
                reverse=descending,
            )
            self._sorted[key] = indices
        return self._sorted[key]

    def apply(self, filters: Filters) -> list[int]:
        """Indices of the systems that pass `filters`, in its order."""
        needle = filters.text.casefold().strip()
        systems, haystack = self.systems, self.haystack
        result = []
        for i in self._order(filters.sort, filters.descending):
            s = systems[i]
            if filters.department and s.department != filters.department:
                continue
            if filters.band and (s.legacy.band.value if s.legacy.band else "") != filters.band:
                continue
            if filters.readiness and s.readiness.category.value != filters.readiness:
                continue
            if filters.hosting and s.hosting != filters.hosting:
                continue
            if needle and needle not in haystack[i]:
                continue
            result.append(i)
        return result
