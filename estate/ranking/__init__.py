"""Choosing and ordering systems for a ranking or an export: by priority, legacy risk, cloud
readiness or security, filtered by department and band, cut to the top N. The CLI, the TUI and
the exports all select through `select_systems`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, cast

from estate.enums import normalise
from estate.errors import InputError, NotFound
from estate.scoring.results import Band, Readiness, SystemScore

if TYPE_CHECKING:  # the snapshot module imports this one
    from estate.ranking.snapshot import RankedRow


class RankBy(StrEnum):
    """What a ranking is ordered by."""

    PRIORITY = "priority"
    LEGACY = "legacy"
    CLOUD = "cloud"
    SECURITY = "security"


READINESS_ORDER: dict[Readiness, int] = {
    Readiness.READY: 0,
    Readiness.CONDITIONAL: 1,
    Readiness.NOT_READY: 2,
    Readiness.UNKNOWN: 3,
}
"""Where each cloud readiness comes in the cloud order: the most ready first."""
_SEVERITY_WEIGHT = {"High": 3, "Medium": 2, "Low": 1}


def security_weight(score: SystemScore) -> int:
    """Summed gap severity (High 3, Medium 2, Low 1), for ordering by security."""
    return sum(_SEVERITY_WEIGHT[g.severity.value] for g in score.gaps)


SORT_KEYS: dict[RankBy, Callable[[SystemScore], Any]] = {
    RankBy.PRIORITY: lambda s: s.rank,
    RankBy.LEGACY: lambda s: (-(s.legacy.overall or -1), s.rank),
    # Most ready first: the candidates for a move.
    RankBy.CLOUD: lambda s: (
        READINESS_ORDER[s.readiness.category],
        -(s.readiness.score or 0),
        s.rank,
    ),
    RankBy.SECURITY: lambda s: (-security_weight(s), s.rank),
}


ROW_SORT_KEYS: dict[RankBy, Callable[[RankedRow], Any]] = {
    RankBy.PRIORITY: lambda r: r.rank,
    RankBy.LEGACY: lambda r: (-(r.legacy or -1), r.rank),
    RankBy.CLOUD: lambda r: (
        READINESS_ORDER[Readiness(r.readiness)],
        -(r.cloud_score or 0),
        r.rank,
    ),
    RankBy.SECURITY: lambda r: (-r.security_weight, r.rank),
}
"""`SORT_KEYS` for the lines of a ranking, which carry what each order needs."""


class PlanRow(NamedTuple):
    """What the commands that plan by the ranking read of each system (`waves`, the graph
    commands): its place, department, priority, legacy band and run cost, none of the words."""

    rank: int
    key: str
    department: str
    priority: float
    band: str | None
    run_cost: float | None


PLAN_FIELDS = PlanRow._fields
"""The ranked row's fields a `PlanRow` carries, in order."""


class _Filtered(Protocol):
    """What `select_rows` filters a row by."""

    @property
    def department(self) -> str: ...

    @property
    def band(self) -> str | None: ...


Row = TypeVar("Row", bound=_Filtered)


def parse_band(text: str) -> Band:
    """A band from what people type: "red", "Red-rated", "high"..."""
    key = normalise(text)
    for band in Band:
        if key in (normalise(band.value), normalise(band.name), normalise(band.value).split()[0]):
            return band
    raise InputError(f"{text!r} is not a band; use one of {', '.join(b.value for b in Band)}.")


def select_systems(
    systems: Iterable[SystemScore],
    *,
    by: RankBy = RankBy.PRIORITY,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
) -> list[SystemScore]:
    """The systems that pass the filters, in the chosen order, cut to `top`. A department that
    none of `systems` belongs to is refused with the known ones, not silently empty."""
    pool = list(systems)
    wanted_departments = chosen_departments(departments, {s.department for s in pool})
    wanted_bands = set(bands)
    chosen = [
        s
        for s in pool
        if (not wanted_departments or s.department in wanted_departments)
        and (not wanted_bands or s.legacy.band in wanted_bands)
    ]
    chosen.sort(key=SORT_KEYS[by])
    return chosen[:top] if top is not None else chosen


def select_rows(
    rows: Iterable[Row],
    *,
    by: RankBy = RankBy.PRIORITY,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
) -> list[Row]:
    """The rows of a ranking (in priority order) that pass the same filters as
    `select_systems`, in the same order, cut to `top`. Another order than priority needs the
    ranked rows' own fields (`RankedRow`)."""
    pool = list(rows)
    wanted_departments = chosen_departments(departments, {r.department for r in pool})
    wanted_bands = {b.value for b in bands}
    chosen = [
        r
        for r in pool
        if (not wanted_departments or r.department in wanted_departments)
        and (not wanted_bands or r.band in wanted_bands)
    ]
    if by != RankBy.PRIORITY:
        chosen.sort(key=cast("Callable[[Row], Any]", ROW_SORT_KEYS[by]))
    return chosen[:top] if top is not None else chosen


def chosen_departments(asked: Iterable[str], known: set[str]) -> set[str]:
    """The department codes asked for; one that no counted system belongs to is refused with
    the departments that have some, not silently empty. The refusal does not say the
    department does not exist: one whose systems are all retired, cancelled or removed is
    still a department, with a trend and changes of its own."""
    wanted = {d.upper() for d in asked}
    unknown = sorted(wanted - known)
    if unknown:
        raise NotFound(
            f"No department {unknown[0]!r} with systems counted (retired, cancelled and removed "
            f"systems are out of the counts). Departments with systems: "
            f"{', '.join(sorted(known)) or 'none yet'}."
        )
    return wanted
