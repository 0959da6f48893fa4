"""Annual run cost as a board reads it: totals for groups of systems, with the systems whose
cost nobody gave counted apart and said, never summed as zero."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from estate.advice.dispositions import disposition_words
from estate.scoring.results import Band, SystemScore

if TYPE_CHECKING:  # types only: the waves load networkx, which `estate contracts` does without
    from estate.graph.waves import Wave

T = TypeVar("T")

BAND_LABELS = (Band.RED.value, Band.HIGH.value, Band.MEDIUM.value, Band.LOW.value, "Unknown")


@dataclass
class CostLine:
    """The annual run cost of a group of systems: the sum of the costs given, and how many
    systems gave none."""

    label: str
    systems: int = 0
    cost: float = 0.0
    """The sum of the known costs."""
    unknown: int = 0
    """Systems in the group whose cost is not known: not in `cost`."""

    def add(self, cost: float | None) -> None:
        """Count one more system, of this cost (None when not known)."""
        self.systems += 1
        if cost is None:
            self.unknown += 1
        else:
            self.cost += cost


def run_cost(system: SystemScore) -> float | None:
    """A system's annual run cost as its return gave it, or None when not known."""
    cost: float | None = system.record.annual_run_cost
    return cost


def group_costs(
    items: Iterable[T], label: Callable[[T], str], cost: Callable[[T], float | None]
) -> dict[str, CostLine]:
    """Cost lines per label, in the order labels are first met."""
    lines: dict[str, CostLine] = {}
    for item in items:
        name = label(item)
        line = lines.get(name)
        if line is None:
            line = lines[name] = CostLine(name)
        line.add(cost(item))
    return lines


def wave_costs(selection: Sequence[SystemScore], waves: Sequence[Wave]) -> list[CostLine]:
    """Each migration wave's run cost, in wave order, labelled by its number."""
    by_key = {s.key: s for s in selection}
    wave_of = {key: str(w.number) for w in waves for key in w.systems}
    lines = group_costs(
        (by_key[key] for w in waves for key in w.systems), lambda s: wave_of[s.key], run_cost
    )
    return [lines[str(w.number)] for w in waves if str(w.number) in lines]


@dataclass
class CostFigures:
    """The money a board paper carries for a selection of systems."""

    total: CostLine
    legacy: CostLine
    """The legacy systems."""
    red_unfunded: CostLine
    """Red-rated systems without a funded remediation plan."""
    by_band: list[CostLine] = field(default_factory=list)
    by_department: list[CostLine] = field(default_factory=list)
    by_disposition: list[CostLine] = field(default_factory=list)
    """By suggested disposition, in words."""

    @property
    def legacy_share(self) -> float | None:
        """The legacy systems' share of the known run cost, or None when none is known."""
        return self.legacy.cost / self.total.cost if self.total.cost else None


def cost_figures(selection: list[SystemScore]) -> CostFigures:
    """Run cost totals by band, department and suggested disposition, for legacy systems and
    for red-rated systems without a funded plan, in one pass over the selection."""
    total, legacy = CostLine("All systems"), CostLine("Legacy")
    red_unfunded = CostLine("Red-rated without a funded plan")
    bands = {label: CostLine(label) for label in BAND_LABELS}
    departments: dict[str, CostLine] = {}
    dispositions: dict[str, CostLine] = {}
    for system in selection:
        cost = run_cost(system)
        total.add(cost)
        band = system.legacy.band
        bands[band.value if band else "Unknown"].add(cost)
        if system.legacy.is_legacy:
            legacy.add(cost)
        if band is Band.RED and not (system.record.remediation_plan and system.record.plan_funded):
            red_unfunded.add(cost)
        department = departments.get(system.department)
        if department is None:
            department = departments[system.department] = CostLine(system.department)
        department.add(cost)
        readiness = system.readiness
        words = disposition_words(readiness.disposition, readiness.disposition_reason)
        disposition = dispositions.get(words)
        if disposition is None:
            disposition = dispositions[words] = CostLine(words)
        disposition.add(cost)
    return CostFigures(
        total=total,
        legacy=legacy,
        red_unfunded=red_unfunded,
        by_band=list(bands.values()),
        by_department=sorted(departments.values(), key=lambda c: (-c.cost, c.label)),
        by_disposition=sorted(dispositions.values(), key=lambda c: (-c.cost, c.label)),
    )


def money(value: float) -> str:
    """An amount as a board paper writes it: £950, £350k, £12.4m."""
    if value >= 999_950:
        return f"£{value / 1_000_000:,.1f}m"
    if value >= 10_000:
        return f"£{value / 1_000:,.0f}k"
    return f"£{value:,.0f}"


def unknown_words(line: CostLine) -> str:
    """What a total leaves out: "" when every cost is known, else how many are not."""
    if not line.unknown:
        return ""
    system = "system's" if line.unknown == 1 else "systems'"
    return f"{line.unknown:,} {system} cost not known"


def headline(figures: CostFigures) -> str:
    """ "£X of £Y (Z%) of annual run cost is on legacy systems", with the costs it could not
    count said."""
    total, legacy = figures.total, figures.legacy
    share = figures.legacy_share
    percent = "" if share is None else f" ({share:.0%})"
    text = (
        f"{money(legacy.cost)} of {money(total.cost)}{percent} of annual run cost is on legacy "
        "systems"
    )
    if total.unknown:
        text += (
            f"; the run cost of {total.unknown:,} of {total.systems:,} systems "
            f"({legacy.unknown:,} of them legacy) is not known and not counted"
        )
    return text + "."


def red_unfunded_words(figures: CostFigures) -> str:
    """The run cost of red-rated systems without a funded plan, in a sentence."""
    line = figures.red_unfunded
    text = (
        f"{money(line.cost)} a year runs {line.systems:,} red-rated "
        f"{'system' if line.systems == 1 else 'systems'} without a funded remediation plan"
    )
    if line.unknown:
        text += f" ({unknown_words(line)})"
    return text + "."
