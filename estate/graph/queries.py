"""Questions architects ask of the dependency graph: what is around a system, how two systems
connect, which systems the most depend on, which are shared across departments, which stand
alone."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

import networkx as nx

from estate.errors import InputError, NotFound
from estate.graph import BlastRadius, EstateGraph


class Direction(StrEnum):
    """Which way to walk from a system."""

    UP = "up"
    """Towards what depends on it (its dependents)."""
    DOWN = "down"
    """Towards what it depends on."""
    BOTH = "both"


def resolve(estate: EstateGraph, text: str) -> str:
    """A node key from `DEPT/REF` or a bare reference used by one department only."""
    if text in estate.nodes:
        return text
    if "/" in text:
        code, reference = text.split("/", 1)
        key = f"{code.upper()}/{reference}"
        if key in estate.nodes:
            return key
    matches = [k for k in estate.nodes if k.split("/", 1)[1] == text]
    if not matches:  # references that differ only in case are one system
        wanted = text.casefold()
        matches = [
            k
            for k in estate.nodes
            if (k if "/" in text else k.split("/", 1)[1]).casefold() == wanted
        ]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise NotFound(
            f"{text!r} is used by more than one department: {', '.join(sorted(matches))}."
        )
    raise NotFound(f"No system {text!r} in the dependency graph.")


def neighbourhood(estate: EstateGraph, key: str, depth: int, direction: Direction) -> nx.DiGraph:
    """The subgraph within `depth` steps of `key` in the chosen direction."""
    if depth < 1:
        raise InputError("--depth must be 1 or more.")
    keep = {key}
    views = []
    if direction in (Direction.DOWN, Direction.BOTH):
        views.append(estate.graph)
    if direction in (Direction.UP, Direction.BOTH):
        views.append(estate.graph.reverse(copy=False))
    for view in views:
        keep |= set(nx.single_source_shortest_path_length(view, key, cutoff=depth))
    return estate.graph.subgraph(keep).copy()


def levels(
    estate: EstateGraph, key: str, depth: int, direction: Direction
) -> list[tuple[int, str]]:
    """(distance, node) pairs within `depth`, nearest first: negative distances are dependents."""
    found: list[tuple[int, str]] = []
    if direction in (Direction.DOWN, Direction.BOTH):
        lengths = nx.single_source_shortest_path_length(estate.graph, key, cutoff=depth)
        found += [(d, n) for n, d in lengths.items() if n != key]
    if direction in (Direction.UP, Direction.BOTH):
        lengths = nx.single_source_shortest_path_length(
            estate.graph.reverse(copy=False), key, cutoff=depth
        )
        found += [(-d, n) for n, d in lengths.items() if n != key]
    return sorted(found, key=lambda item: (abs(item[0]), item[0], item[1]))


def path(estate: EstateGraph, source: str, target: str) -> list[str]:
    """The shortest dependency chain from `source` to `target`, in either direction."""
    for start, end in ((source, target), (target, source)):
        try:
            return list(nx.shortest_path(estate.graph, start, end))
        except nx.NetworkXNoPath:
            continue
    undirected = estate.graph.to_undirected(as_view=True)
    try:
        return list(nx.shortest_path(undirected, source, target))
    except nx.NetworkXNoPath:
        raise NotFound(
            f"{source} and {target} are not connected, directly or indirectly."
        ) from None


def most_depended_on(radius: dict[str, BlastRadius], top: int) -> list[tuple[str, BlastRadius]]:
    """The systems with the most dependents (transitive), then the most direct ones."""
    ranked = sorted(radius.items(), key=lambda item: (-item[1].total, -item[1].direct, item[0]))
    return ranked[:top]


def shared_across_departments(estate: EstateGraph) -> list[tuple[str, list[str]]]:
    """Systems that other departments depend on directly, with those departments."""
    shared: list[tuple[str, list[str]]] = []
    for key, node in estate.nodes.items():
        others = sorted(
            {estate.nodes[d].department for d in estate.graph.predecessors(key)} - {node.department}
        )
        if others:
            shared.append((key, others))
    return sorted(shared, key=lambda item: (-len(item[1]), item[0]))


def orphans(estate: EstateGraph, keys: Iterable[str] | None = None) -> list[str]:
    """Systems with no dependencies either way."""
    graph = estate.graph
    candidates = keys if keys is not None else estate.nodes
    return sorted(k for k in candidates if graph.degree(k) == 0 and not estate.nodes[k].placeholder)
