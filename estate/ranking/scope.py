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
) -> dict[str, Any]:
    """What the selection covers (`covers`, in words), whether it is the whole estate, and the
    figures of both: the selection's and, beside them, the whole estate's. `costs` are the
    selection's cost figures, when the caller has worked them out already."""
    whole = len(selection) == len(estate)
    chosen = figures(selection, costs)
    return {
        "covers": covers,
        "whole_estate": whole,
        "selection": chosen,
        "estate": chosen if whole else figures(estate),
    }


def scope_sentence(found: dict[str, Any]) -> str:
    """The scope in one sentence: the whole estate, or the share of it the selection is."""
    mine, theirs = found["selection"], found["estate"]
    if found["whole_estate"]:
        return f"This pack covers the whole estate: {counted(theirs['systems'], 'system')}."
    return (
        f"This pack covers {found['covers']}: {mine['systems']:,} of the estate's "
        f"{counted(theirs['systems'], 'system')}, {mine['red_rated']:,} of its "
        f"{theirs['red_rated']:,} red-rated, {mine['legacy']:,} of its {theirs['legacy']:,} "
        f"legacy, and {money(mine['annual_run_cost'])} of its "
        f"{money(theirs['annual_run_cost'])} known annual run cost "
        f"({money(mine['legacy_run_cost'])} of its {money(theirs['legacy_run_cost'])} on legacy "
        "systems)."
    )
