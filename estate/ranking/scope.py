"""What a selection covers, beside the whole estate: a pack of the top 50, one department or
the red-rated only states so, and puts the estate's own figures next to the selection's, so a
board never reads "50 red-rated systems" or "100% on legacy" as the estate's."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from estate.costs import CostFigures, cost_figures, money
from estate.scoring.results import Band, SystemScore
from estate.words import counted

FIGURES = (
    ("systems", "Systems"),
    ("legacy", "Legacy systems"),
    ("red_rated", "Red-rated systems"),
    ("annual_run_cost", "Annual run cost (known)"),
    ("legacy_run_cost", "Of it on legacy systems"),
    ("costs_not_known", "Systems whose run cost is not known"),
    ("red_rated_unfunded_run_cost", "Run cost of red-rated, unfunded"),
)
"""Each figure given for the selection and the estate: its key and its label in the pack."""


def figures(
    systems: Sequence[SystemScore], costs: CostFigures | None = None
) -> dict[str, int | float]:
    """The headline figures of some systems: counts and known run cost (from `costs`, their
    cost figures, when worked out already)."""
    if costs is None:
        costs = cost_figures(list(systems))
    return {
        "systems": len(systems),
        "legacy": sum(1 for s in systems if s.legacy.is_legacy),
        "red_rated": sum(1 for s in systems if s.legacy.band is Band.RED),
        "annual_run_cost": round(costs.total.cost, 2),
        "legacy_run_cost": round(costs.legacy.cost, 2),
        "costs_not_known": costs.total.unknown,
        "red_rated_unfunded_run_cost": round(costs.red_unfunded.cost, 2),
    }


def scope(
    estate: Sequence[SystemScore],
    selection: Sequence[SystemScore],
    covers: str,
    costs: CostFigures | None = None,
    reads_only: str | None = None,
) -> dict[str, Any]:
    """What the selection covers (`covers`, in words), whether it is the whole estate, and the
    figures of both: the selection's and, beside them, the whole estate's. `costs` are the
    selection's cost figures, when the caller has worked them out already. `reads_only` is the
    department a role that may read only its own department's systems is limited to: what it
    calls the estate is then that department's systems, and it is said so."""
    whole = len(selection) == len(estate)
    chosen = figures(selection, costs)
    return {
        "covers": covers,
        "whole_estate": whole,
        "reads_only": reads_only,
        "selection": chosen,
        "estate": chosen if whole else figures(estate),
    }


def estate_label(found: dict[str, Any]) -> str:
    """What the figures beside the selection's are of: the whole estate, or for a role that
    reads only its own department, that department's systems."""
    own = found.get("reads_only")
    return "Whole estate" if own is None else f"All of {own} (what this role may read)"


def scope_sentence(found: dict[str, Any]) -> str:
    """The scope in one sentence: the whole estate, or the share of it the selection is."""
    mine, theirs = found["selection"], found["estate"]
    own = found.get("reads_only")
    if found["whole_estate"]:
        if own is not None:
            return (
                f"This pack covers {own}'s own systems, all this role may read: "
                f"{counted(theirs['systems'], 'system')}. The rest of the estate is not shown "
                "to it."
            )
        return f"This pack covers the whole estate: {counted(theirs['systems'], 'system')}."
    of = "of the estate's" if own is None else f"of {own}'s"
    limited = "" if own is None else f" (this role may read {own}'s systems only)"
    return (
        f"This pack covers {found['covers']}: {mine['systems']:,} {of} "
        f"{counted(theirs['systems'], 'system')}{limited}, {mine['red_rated']:,} of its "
        f"{theirs['red_rated']:,} red-rated, {mine['legacy']:,} of its {theirs['legacy']:,} "
        f"legacy, and {money(mine['annual_run_cost'])} of its "
        f"{money(theirs['annual_run_cost'])} known annual run cost "
        f"({money(mine['legacy_run_cost'])} of its {money(theirs['legacy_run_cost'])} on legacy "
        "systems)."
    )
