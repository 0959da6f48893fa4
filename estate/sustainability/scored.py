"""The carbon of scored systems: each system's estimate from its stored row, with the savings
of its planned disposition and of the one scoring suggests, for the exports and the TUI, which
already hold the scores. No database; the scoring itself is unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from estate.perf import collector_paused
from estate.scoring.results import SystemScore
from estate.sustainability.facts import RunningFacts, facts_of
from estate.sustainability.reference import load_reference
from estate.sustainability.summary import (
    CarbonSummary,
    Memo,
    SystemCarbon,
    carbon_of,
    summarise,
    summary_dict,
)

if TYPE_CHECKING:  # the waves load networkx, which the carbon of a few systems does without
    from estate.graph.waves import Wave


def _value(member: Any) -> str | None:
    return None if member is None else str(getattr(member, "value", member))


def system_carbon(
    system: SystemScore,
    as_of: dt.date,
    memo: Memo | None = None,
    *,
    moves: bool = True,
    facts: RunningFacts | None = None,
) -> SystemCarbon:
    """One scored system's estimate and (unless not `moves`) the savings of its planned and
    suggested moves; with a `memo`, systems alike are worked out once (`facts`: its running
    facts, when read already)."""
    return carbon_of(
        system.key,
        system.name,
        system.department,
        facts_of(system.record) if facts is None else facts,
        _value(getattr(system.record, "planned_disposition", None)) if moves else None,
        _value(system.readiness.disposition) if moves else None,
        load_reference(),
        as_of.year,
        memo,
    )


def scored_carbon(
    selection: Sequence[SystemScore],
    as_of: dt.date,
    waves: Sequence[Wave] = (),
    top: int = 10,
    *,
    moves: bool = True,
) -> CarbonSummary:
    """The carbon of a selection of scored systems as at `as_of`, with what its migration
    `waves` would save; without `moves`, the estimates alone (what the savings of planned and
    suggested dispositions add is most of the cost). Systems retired or cancelled are left
    out: they have left the estate's counts, and its carbon with them."""
    ref = load_reference()
    year = as_of.year
    memo: Memo = {}
    systems: list[SystemCarbon] = []
    with collector_paused():  # many small acyclic objects: the collector would walk them all
        for system in selection:
            facts = facts_of(system.record)
            if not facts.gone:
                systems.append(system_carbon(system, as_of, memo, moves=moves, facts=facts))
    return summarise(systems, ref, year, top=top, waves=[w.systems for w in waves])


def export_dict(found: CarbonSummary) -> dict[str, Any]:
    """The carbon summary as the JSON export carries it: the totals, groups and savings in
    full, and per system its figures and the defaults used (its working is in `estate carbon
    --json`)."""
    return {
        **summary_dict(found, with_systems=False),
        "systems": [
            {
                "key": s.key,
                "basis": s.estimate.basis.value,
                "kwh": None if s.estimate.kwh is None else round(s.estimate.kwh, 1),
                "kg_co2e": None if s.estimate.kg_co2e is None else round(s.estimate.kg_co2e, 1),
                "servers_past_life": s.estimate.servers_past_life,
                "defaults": list(s.estimate.defaults),
            }
            for s in found.systems
        ],
    }


def _t(kg: float) -> str:
    return f"{kg / 1000:,.1f}"


def markdown_lines(found: CarbonSummary) -> list[str]:
    """The carbon section of the markdown report."""
    total = found.total
    lines = [
        "## Energy and carbon",
        "",
        f"Estimated, location based (DESNZ {found.grid_year} conversion factors for "
        f"{found.year}): {_t(total.kg_co2e)} t CO2e and {total.kwh / 1000:,.1f} MWh a year from "
        f"{total.systems - total.not_estimated:,} of {total.systems:,} systems; "
        f"{total.not_estimated:,} not estimated (counted apart, not as zero); "
        f"{total.with_defaults:,} estimated with at least one default; "
        f"{total.servers_past_life:,} servers past their life. Method and sources: "
        "docs/sustainability.md.",
        "",
        "| Department | Systems | MWh a year | t CO2e a year | Not estimated |",
        "|---|---:|---:|---:|---:|",
        *(
            f"| {t.label} | {t.systems:,} | {t.kwh / 1000:,.1f} | {_t(t.kg_co2e)} | "
            f"{t.not_estimated:,} |"
            for t in found.departments
        ),
        "",
    ]
    if found.planned or found.suggested:
        lines += [
            "| Move | Of | Systems | t CO2e saved a year | Servers freed | Not estimated |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for label, moves in (("planned", found.planned), ("suggested", found.suggested)):
            lines += [
                f"| {m.move} | {label} | {m.systems:,} | {_t(m.kg_saved)} | "
                f"{m.servers_freed:,} | {m.not_estimated:,} |"
                for m in moves
            ]
        lines.append("")
    return lines
