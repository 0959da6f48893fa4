"""What each move would save: a system's energy and carbon a year after a disposition, worked
out with the same model as its estimate and explained the same way.

- Retire: everything it uses is saved; its own servers become waste.
- Retain: nothing changes.
- Rehost and relocate: the same compute, at the same utilisation, in a hyperscale cloud
  region (its own, if it is already in the cloud; else the reference's target region), at the
  provider's PUE and the region's grid factor; its own servers become waste.
- Replatform and refactor: as rehost, and sized to the cloud's average utilisation (Cloud
  Carbon Footprint's 50%): the same work on fewer vCPUs.
- Repurchase: it becomes a supplier's service (SaaS): its energy leaves the estate's own
  footprint, to the supplier's (not estimated here).
- Consolidate: the same site, its work put on shared hardware at the average utilisation.

A metered system's after-figure is the model's after-figure scaled by how its meter compares
with the model's figure for it as it is, so the meter's evidence carries over.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from estate.enums import Disposition, Hosting
from estate.sustainability.estimate import (
    Basis,
    Estimate,
    Sizing,
    estimate,
    model_it_kwh,
    percent,
)
from estate.sustainability.facts import RunningFacts, SiteKind, provider_of
from estate.sustainability.reference import Reference


class Move(StrEnum):
    """The moves a saving is worked out for: the dispositions and consolidation."""

    RETIRE = "Retire"
    RETAIN = "Retain"
    REHOST = "Rehost"
    RELOCATE = "Relocate"
    REPLATFORM = "Replatform"
    REFACTOR = "Refactor"
    REPURCHASE = "Repurchase"
    CONSOLIDATE = "Consolidate"


MOVE_OF: dict[str, Move] = {d.value: Move(d.value) for d in Disposition}
"""The move a disposition (by its value) makes."""


@dataclass(frozen=True)
class Saving:
    """A move's effect on one system's energy and carbon a year."""

    move: Move
    kwh_before: float | None
    kwh_after: float | None
    kg_before: float | None
    kg_after: float | None
    servers_freed: int
    """Owned servers the move switches off: waste unless reused."""
    explain: Callable[[], tuple[tuple[str, ...], tuple[str, ...]]] = field(
        repr=False, compare=False
    )
    """Words the working and the defaults, when asked."""

    @cached_property
    def _explained(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.explain()

    @property
    def steps(self) -> tuple[str, ...]:
        """How the move's effect was worked out, in order."""
        return self._explained[0]

    @property
    def defaults(self) -> tuple[str, ...]:
        """Each value assumed, before or after the move."""
        return self._explained[1]

    @property
    def kwh_saved(self) -> float | None:
        """Energy a year saved (negative: the move uses more); None when not known."""
        if self.kwh_before is None or self.kwh_after is None:
            return None
        return self.kwh_before - self.kwh_after

    @property
    def kg_saved(self) -> float | None:
        """Carbon a year saved, kg CO2e (negative: the move emits more); None when not known."""
        if self.kg_before is None or self.kg_after is None:
            return None
        return self.kg_before - self.kg_after


def _owned_servers(facts: RunningFacts, before: Estimate) -> int:
    if before.kind in (SiteKind.CLOUD, SiteKind.SAAS, None) and not facts.physical_servers:
        return 0
    return facts.physical_servers if facts.physical_servers is not None else 1


def _right_sized(sizing: Sizing, target: float) -> tuple[float, float]:
    """(vCPUs, utilisation) doing the same work at no more than `target` per cent."""
    if sizing.utilisation >= target or sizing.vcpus == 0:
        return sizing.vcpus, sizing.utilisation
    work = sizing.vcpus * sizing.utilisation
    vcpus = max(1.0, float(math.ceil(work / target)))
    return vcpus, work / vcpus


def _metered_scale(before: Estimate, ref: Reference) -> float:
    if before.basis is Basis.METERED and before.sizing is not None and before.it_kwh is not None:
        modelled = model_it_kwh(before.sizing, ref)
        if modelled > 0:
            return before.it_kwh / modelled
    return 1.0


def _after(
    facts: RunningFacts, before: Estimate, move: Move, ref: Reference, year: int
) -> tuple[Estimate, int, Callable[[], list[str]]]:
    """The estimate after `move`, the owned servers it frees, and what was done, in words
    when asked."""
    sizing = before.sizing
    assert sizing is not None
    vcpus, utilisation = sizing.vcpus, sizing.utilisation
    if move in (Move.REPLATFORM, Move.REFACTOR, Move.CONSOLIDATE):
        vcpus, utilisation = _right_sized(sizing, ref.default_utilisation)

    def sized() -> list[str]:
        if vcpus == sizing.vcpus:
            return []
        return [
            f"sized to {ref.default_utilisation:g}% utilisation: {sizing.vcpus:g} vCPUs at "
            f"{percent(sizing.utilisation)} become {vcpus:g} at {percent(utilisation)}"
        ]

    if move is Move.CONSOLIDATE:
        servers = facts.physical_servers
        kept = servers
        if servers is not None and sizing.vcpus:
            kept = max(1, math.ceil(servers * vcpus / sizing.vcpus))
        after_facts = facts._replace(
            vcpus=round(vcpus) if vcpus else None,
            physical_servers=kept,
            virtual_machines=None,
            metered_kwh=None,
            cpu_utilisation=utilisation,
        )
        freed = (servers - kept) if servers is not None and kept is not None else 0
        return (
            estimate(after_facts, ref, year),
            freed,
            lambda: [*sized(), "on shared hardware at the same site"],
        )
    in_cloud = before.kind is SiteKind.CLOUD
    provider = provider_of(facts) if in_cloud else None
    region = facts.site if in_cloud else None
    after_facts = RunningFacts(
        Hosting.PUBLIC_IAAS,
        provider or ref.target_provider,
        None,
        facts.virtual_machines,
        round(vcpus) if vcpus >= 1 else 1,
        facts.memory_gb,
        facts.storage_tb,
        utilisation,
        region if region else ref.target_region,
        None,
        None,
        None,
        None,
    )

    def words() -> list[str]:
        moved = (
            []
            if in_cloud
            else [f"to {ref.target_provider} {ref.target_region}: {ref.target_reason}"]
        )
        return [*moved, *sized()]

    return estimate(after_facts, ref, year), _owned_servers(facts, before), words


def _said(*steps: str) -> Callable[[], tuple[tuple[str, ...], tuple[str, ...]]]:
    return lambda: (steps, ())


def _freed(owned: int) -> tuple[str, ...]:
    return (f"{owned} server(s) freed: waste unless reused",) if owned else ()


def saving(facts: RunningFacts, before: Estimate, move: Move, ref: Reference, year: int) -> Saving:
    """What `move` would change in one system's energy and carbon a year, worked out from its
    facts and its estimate as it stands (`before`), with the working and defaults of both
    (worded when first asked for)."""
    if not before.known:
        return Saving(
            move,
            before.kwh,
            None,
            before.kg_co2e,
            None,
            0,
            lambda: (
                ("its energy is not estimated, so neither is the move's effect",),
                before.defaults,
            ),
        )
    if before.sizing is None:  # retired: nothing runs
        return Saving(
            move,
            before.kwh,
            before.kwh,
            before.kg_co2e,
            before.kg_co2e,
            0,
            _said("retired already: nothing to save"),
        )
    if move is Move.RETAIN:
        return Saving(
            move, before.kwh, before.kwh, before.kg_co2e, before.kg_co2e, 0, _said("no change")
        )
    owned = _owned_servers(facts, before)
    if move is Move.RETIRE:
        return Saving(
            move,
            before.kwh,
            0.0,
            before.kg_co2e,
            0.0,
            owned,
            _said("switched off: all its energy and carbon saved", *_freed(owned)),
        )
    if move is Move.REPURCHASE:
        return Saving(
            move,
            before.kwh,
            0.0,
            before.kg_co2e,
            0.0,
            owned,
            _said(
                "replaced by a supplier's service: its energy leaves the estate's own "
                "footprint for the supplier's (not estimated)",
                *_freed(owned),
            ),
        )
    after, freed, words = _after(facts, before, move, ref, year)
    scale = _metered_scale(before, ref)
    kwh_after = after.kwh * scale if after.kwh is not None else None
    kg_after = after.kg_co2e * scale if after.kg_co2e is not None else None

    def explain() -> tuple[tuple[str, ...], tuple[str, ...]]:
        steps = words()
        if scale != 1.0:
            steps.append(f"scaled by its meter: x {scale:.3f} of the model's figure for it today")
        if kwh_after is not None and kg_after is not None:
            steps.append(f"after: {kwh_after:,.0f} kWh and {kg_after:,.1f} kg CO2e a year")
        steps += _freed(freed)
        steps += [f"after: {s}" for s in after.steps]
        return tuple(steps), tuple(dict.fromkeys((*before.defaults, *after.defaults)))

    return Saving(move, before.kwh, kwh_after, before.kg_co2e, kg_after, freed, explain)
