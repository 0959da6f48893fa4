"""Migration waves: an order in which to move a selection of systems so that whatever a system
depends on has moved before it, systems in a dependency cycle move together, and no wave is
larger than a cap. Higher-priority systems go as early as their dependencies allow."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from estate.errors import InputError

if TYPE_CHECKING:  # imported where waves are planned: the exports only name `Wave`
    import networkx as nx


@dataclass
class Wave:
    """One wave: the systems that move together in it."""

    number: int
    systems: list[str] = field(default_factory=list)
    clusters: list[list[str]] = field(default_factory=list)
    """Groups in a dependency cycle, which had to move as one."""
    oversized: bool = False
    """True when a single cycle group was larger than the cap."""


def plan_waves(
    graph: nx.DiGraph,
    selection: list[str],
    priority: Mapping[str, float],
    max_size: int | None = None,
) -> list[Wave]:
    """Order `selection` into waves. Dependencies outside the selection are not waited for.

    A group of systems in a cycle is one unit; each unit goes into the first wave after all the
    units it depends on, taking the highest-priority units first when a wave is capped.
    """
    if max_size is not None and max_size < 1:
        raise InputError("--max-size must be 1 or more.")
    members = _cycle_groups(graph, selection)
    unit_of = {key: unit for unit, keys in enumerate(members) for key in keys}
    waiting_on: list[set[int]] = [set() for _ in members]
    dependents: list[list[int]] = [[] for _ in members]
    for key, unit in unit_of.items():
        for target in graph.successors(key):
            needed = unit_of.get(target, unit)
            if needed != unit and needed not in waiting_on[unit]:
                waiting_on[unit].add(needed)
                dependents[needed].append(unit)
    weight = [max(priority.get(k, 0.0) for k in keys) for keys in members]
    earliest = [1] * len(members)
    ready = sorted(
        (u for u, deps in enumerate(waiting_on) if not deps),
        key=lambda u: (-weight[u], members[u][0]),
    )
    waves: list[Wave] = []
    placed: dict[int, int] = {}
    while ready:
        number = len(waves) + 1
        wave = Wave(number)
        later: list[int] = []
        for unit in ready:
            size = len(members[unit])
            fits = max_size is None or len(wave.systems) + size <= max_size
            if earliest[unit] <= number and (fits or not wave.systems):
                wave.systems.extend(members[unit])
                if size > 1:
                    wave.clusters.append(members[unit])
                if max_size is not None and size > max_size:
                    wave.oversized = True
                placed[unit] = number
            else:
                later.append(unit)
        waves.append(wave)
        newly = [u for u in ready if u in placed and placed[u] == number]
        for unit in newly:
            for dependent in dependents[unit]:
                waiting_on[dependent].discard(unit)
                earliest[dependent] = max(earliest[dependent], number + 1)
                if not waiting_on[dependent]:
                    later.append(dependent)
        ready = sorted(set(later), key=lambda u: (-weight[u], members[u][0]))
    return waves


def _cycle_groups(graph: nx.DiGraph, selection: list[str]) -> list[list[str]]:
    """The selection split into groups that depend on each other in a cycle (sorted keys), one
    group per system outside any cycle.

    A cycle among the selected systems lies within one strongly connected group of the whole
    graph, so only those few groups' selected members need their own pass; the whole graph is
    searched once, without a subgraph view over it, which took three times as long.
    """
    import networkx as nx

    chosen = set(selection)
    groups: list[list[str]] = []
    for component in nx.strongly_connected_components(graph):
        inside = component & chosen
        if len(inside) == 1:
            groups.append(list(inside))
        elif inside:
            groups.extend(
                sorted(c) for c in nx.strongly_connected_components(graph.subgraph(inside))
            )
    return groups
