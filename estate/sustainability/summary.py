"""The estate's energy and carbon as a board reads it: totals by department, hosting and site,
the largest emitters, hardware past its life, and what the planned and suggested dispositions
and the migration waves would save. Systems not estimated are counted apart, never as zero."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from estate.enums import Hosting
from estate.sustainability.estimate import Estimate, estimate
from estate.sustainability.facts import RunningFacts
from estate.sustainability.moves import MOVE_OF, Saving, saving
from estate.sustainability.reference import Reference

NOT_GIVEN = "Not given"
_HOSTING_LABEL: dict[Hosting | None, str] = {None: NOT_GIVEN} | {h: h.value for h in Hosting}


@dataclass
class SystemCarbon:
    """One system's estimate, and the savings of its planned and suggested moves."""

    key: str
    name: str
    department: str
    hosting: str
    site: str
    facts: RunningFacts
    estimate: Estimate
    planned: Saving | None
    suggested: Saving | None


@dataclass
class Totals:
    """The energy and carbon a year of a group of systems."""

    label: str
    systems: int = 0
    not_estimated: int = 0
    """Systems with no estimate: not in the sums."""
    kwh: float = 0.0
    kg_co2e: float = 0.0
    embodied_kg_a_year: float = 0.0
    embodied_not_known: int = 0
    servers_past_life: int = 0
    past_life_embodied_kg: float = 0.0
    by_basis: Counter[str] = field(default_factory=Counter)
    with_defaults: int = 0
    """Estimated systems whose figure used at least one default."""

    def add(self, found: Estimate) -> None:
        """Count one more system's estimate."""
        self.systems += 1
        self.by_basis[found.basis.value] += 1
        if found.kg_co2e is None or found.kwh is None:
            self.not_estimated += 1
        else:
            self.kwh += found.kwh
            self.kg_co2e += found.kg_co2e
            if found.defaults_used:
                self.with_defaults += 1
        if found.embodied_kg_a_year is None:
            self.embodied_not_known += 1
        else:
            self.embodied_kg_a_year += found.embodied_kg_a_year
        self.servers_past_life += found.servers_past_life
        self.past_life_embodied_kg += found.past_life_embodied_kg

    def merge(self, other: Totals) -> None:
        """Count another group's systems too."""
        self.systems += other.systems
        self.not_estimated += other.not_estimated
        self.kwh += other.kwh
        self.kg_co2e += other.kg_co2e
        self.embodied_kg_a_year += other.embodied_kg_a_year
        self.embodied_not_known += other.embodied_not_known
        self.servers_past_life += other.servers_past_life
        self.past_life_embodied_kg += other.past_life_embodied_kg
        self.by_basis.update(other.by_basis)
        self.with_defaults += other.with_defaults

    @property
    def tonnes(self) -> float:
        """Operational carbon a year in tonnes CO2e."""
        return self.kg_co2e / 1000


@dataclass
class MoveTotals:
    """What one kind of move saves over the systems it is planned (or suggested) for."""

    move: str
    systems: int = 0
    not_estimated: int = 0
    kwh_saved: float = 0.0
    kg_saved: float = 0.0
    servers_freed: int = 0

    def add(self, found: Saving) -> None:
        """Count one more system's saving."""
        self.systems += 1
        if found.kg_saved is None or found.kwh_saved is None:
            self.not_estimated += 1
            return
        self.kwh_saved += found.kwh_saved
        self.kg_saved += found.kg_saved
        self.servers_freed += found.servers_freed


@dataclass
class CarbonSummary:
    """The estate's energy and carbon, grouped, with what the moves would save."""

    year: int
    grid_year: int
    total: Totals
    departments: list[Totals]
    hosting: list[Totals]
    sites: list[Totals]
    largest: list[SystemCarbon]
    planned: list[MoveTotals]
    suggested: list[MoveTotals]
    waves: list[MoveTotals]
    """Per migration wave, the savings of its systems' planned (else suggested) moves."""
    systems: list[SystemCarbon]


def _sorted(groups: dict[str, Totals]) -> list[Totals]:
    return sorted(groups.values(), key=lambda t: (-t.kg_co2e, t.label))


def _grouped(
    systems: Iterable[SystemCarbon],
) -> tuple[Totals, list[Totals], list[Totals], list[Totals]]:
    """The estate's totals and its groups by department, hosting and site: each system added
    once, to the totals of its department, hosting and site together, which are then merged
    into each group."""
    cells: dict[tuple[str, str, str], Totals] = {}
    for system in systems:
        labels = (system.department, system.hosting, system.site)
        cell = cells.get(labels)
        if cell is None:
            cell = cells[labels] = Totals("")
        cell.add(system.estimate)
    total = Totals("Estate")
    groups: tuple[dict[str, Totals], dict[str, Totals], dict[str, Totals]] = ({}, {}, {})
    for labels, cell in cells.items():
        total.merge(cell)
        for group, label in zip(groups, labels, strict=True):
            line = group.get(label)
            if line is None:
                line = group[label] = Totals(label)
            line.merge(cell)
    return total, _sorted(groups[0]), _sorted(groups[1]), _sorted(groups[2])


def _moves(pairs: Iterable[tuple[str, Saving]]) -> list[MoveTotals]:
    lines: dict[str, MoveTotals] = {}
    for label, found in pairs:
        line = lines.get(label)
        if line is None:
            line = lines[label] = MoveTotals(label)
        line.add(found)
    return sorted(lines.values(), key=lambda m: (-m.kg_saved, m.move))


Memo = dict[tuple[RunningFacts, str | None, int], Any]
"""Estimates and savings already worked out, by the facts, the move (None for the estimate)
and the year they were worked out for: systems alike (most of those a return says little
about) are worked out once."""


def _estimate(facts: RunningFacts, ref: Reference, year: int, memo: Memo) -> Estimate:
    index = (facts, None, year)
    found: Estimate | None = memo.get(index)
    if found is None:
        found = memo[index] = estimate(facts, ref, year)
    return found


def _saving(
    facts: RunningFacts,
    found: Estimate,
    disposition: str | None,
    ref: Reference,
    year: int,
    memo: Memo,
) -> Saving | None:
    move = MOVE_OF.get(disposition) if disposition else None
    if move is None:
        return None
    index = (facts, move.value, year)
    worked: Saving | None = memo.get(index)
    if worked is None:
        worked = memo[index] = saving(facts, found, move, ref, year)
    return worked


def carbon_of(
    key: str,
    name: str,
    department: str,
    facts: RunningFacts,
    planned: str | None,
    suggested: str | None,
    ref: Reference,
    year: int,
    memo: Memo | None = None,
) -> SystemCarbon:
    """One system's estimate and the savings of its planned and suggested dispositions (each a
    `Disposition` value, or None); with a `memo` (of this `ref`), systems alike are worked out
    once."""
    if memo is None:
        memo = {}
    found = _estimate(facts, ref, year, memo)
    return SystemCarbon(
        key,
        name,
        department,
        _HOSTING_LABEL[facts.hosting],
        (facts.site or "").strip() or NOT_GIVEN,
        facts,
        found,
        _saving(facts, found, planned, ref, year, memo),
        _saving(facts, found, suggested, ref, year, memo),
    )


def summarise(
    systems: Sequence[SystemCarbon],
    ref: Reference,
    year: int,
    *,
    top: int = 10,
    waves: Sequence[Sequence[str]] = (),
) -> CarbonSummary:
    """The estate's totals, groups, largest emitters and move savings; `waves` are the
    migration waves' system keys in order."""
    total, departments, hosting, sites = _grouped(systems)
    largest = (
        heapq.nsmallest(
            top,
            (s for s in systems if s.estimate.kg_co2e is not None),
            key=lambda s: (-(s.estimate.kg_co2e or 0.0), s.key),
        )
        if top
        else []
    )
    by_key: Mapping[str, SystemCarbon | None] = {s.key: s for s in systems}
    wave_lines: list[MoveTotals] = []
    for number, keys in enumerate(waves, start=1):
        line = MoveTotals(f"Wave {number}")
        for key in keys:
            member = by_key.get(key)
            chosen = None if member is None else (member.planned or member.suggested)
            if chosen is not None:
                line.add(chosen)
            elif member is not None:
                line.systems += 1
                line.not_estimated += 1
        wave_lines.append(line)
    return CarbonSummary(
        year,
        ref.grid_for(year).year,
        total,
        departments,
        hosting,
        sites,
        largest,
        _moves((s.planned.move.value, s.planned) for s in systems if s.planned is not None),
        _moves((s.suggested.move.value, s.suggested) for s in systems if s.suggested),
        wave_lines,
        list(systems),
    )


def _round(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def totals_dict(line: Totals) -> dict[str, Any]:
    """A group's totals as JSON: kWh and kg CO2e a year, with the systems not estimated."""
    return {
        "label": line.label,
        "systems": line.systems,
        "not_estimated": line.not_estimated,
        "kwh": round(line.kwh, 1),
        "kg_co2e": round(line.kg_co2e, 1),
        "embodied_kg_a_year": round(line.embodied_kg_a_year, 1),
        "embodied_not_known": line.embodied_not_known,
        "servers_past_life": line.servers_past_life,
        "past_life_embodied_kg": round(line.past_life_embodied_kg, 1),
        "with_defaults": line.with_defaults,
        "by_basis": dict(sorted(line.by_basis.items())),
    }


def move_dict(line: MoveTotals) -> dict[str, Any]:
    """A move's savings as JSON."""
    return {
        "move": line.move,
        "systems": line.systems,
        "not_estimated": line.not_estimated,
        "kwh_saved": round(line.kwh_saved, 1),
        "kg_saved": round(line.kg_saved, 1),
        "servers_freed": line.servers_freed,
    }


def saving_dict(found: Saving | None) -> dict[str, Any] | None:
    """One system's saving of a move as JSON, with its working."""
    if found is None:
        return None
    return {
        "move": found.move.value,
        "kwh_saved": _round(found.kwh_saved),
        "kg_saved": _round(found.kg_saved),
        "servers_freed": found.servers_freed,
        "working": list(found.steps),
        "defaults": list(found.defaults),
    }


def estimate_dict(found: Estimate) -> dict[str, Any]:
    """One system's estimate as JSON: each figure, how it was worked out and its defaults."""
    return {
        "basis": found.basis.value,
        "it_kwh": _round(found.it_kwh),
        "pue": found.pue,
        "kwh": _round(found.kwh),
        "kg_co2e_per_kwh": None if found.factor is None else round(found.factor, 5),
        "kg_co2e": _round(found.kg_co2e),
        "embodied_kg_a_year": _round(found.embodied_kg_a_year),
        "servers_past_life": found.servers_past_life,
        "past_life_embodied_kg": round(found.past_life_embodied_kg, 1),
        "site_kind": None if found.kind is None else found.kind.value,
        "working": list(found.steps),
        "defaults": list(found.defaults),
    }


def system_dict(system: SystemCarbon) -> dict[str, Any]:
    """One system's carbon as JSON."""
    return {
        "key": system.key,
        "name": system.name,
        "department": system.department,
        "hosting": system.hosting,
        "site": system.site,
        **estimate_dict(system.estimate),
        "planned": saving_dict(system.planned),
        "suggested": saving_dict(system.suggested),
    }


def summary_dict(found: CarbonSummary, *, with_systems: bool = True) -> dict[str, Any]:
    """The whole summary as JSON."""
    return {
        "year": found.year,
        "conversion_factors_year": found.grid_year,
        "method": "location based; estimates, each with its working and the defaults it used",
        "total": totals_dict(found.total),
        "departments": [totals_dict(t) for t in found.departments],
        "hosting": [totals_dict(t) for t in found.hosting],
        "sites": [totals_dict(t) for t in found.sites],
        "largest": [system_dict(s) for s in found.largest],
        "planned_dispositions": [move_dict(m) for m in found.planned],
        "suggested_dispositions": [move_dict(m) for m in found.suggested],
        "waves": [move_dict(m) for m in found.waves],
        **({"systems": [system_dict(s) for s in found.systems]} if with_systems else {}),
    }
