"""The dependency graph: blast radius against a brute-force count, cycles, placeholders."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from estate.enums import Criticality
from estate.graph import EstateGraph, Node


def _graph(
    edges: list[tuple[int, int]], nodes: int, critical: frozenset[int] = frozenset()
) -> EstateGraph:
    estate = EstateGraph()
    for i in range(nodes):
        key = f"D{i % 3}/S{i}"
        estate.nodes[key] = Node(
            key, f"D{i % 3}", f"System {i}", Criticality.CRITICAL if i in critical else None
        )
        estate.graph.add_node(key)
    keys = list(estate.nodes)
    for a, b in edges:
        if a != b:
            estate.graph.add_edge(keys[a], keys[b])
    return estate


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
            st.sets(st.integers(0, n - 1)),
        )
    )
)
def test_blast_radius_matches_brute_force(
    case: tuple[int, list[tuple[int, int]], set[int]],
) -> None:
    nodes, edges, critical = case
    estate = _graph(edges, nodes, frozenset(critical))
    radius = estate.blast_radius()
    for key, node in estate.nodes.items():
        dependents = nx.ancestors(estate.graph, key)
        result = radius[key]
        assert result.total == len(dependents)
        assert result.direct == estate.graph.in_degree(key)
        assert result.critical == sum(
            1 for d in dependents if estate.nodes[d].criticality is Criticality.CRITICAL
        )
        departments = {estate.nodes[d].department for d in dependents}
        assert result.departments == len(departments)
        assert result.other_departments == len(departments - {node.department})


def test_a_cycle_is_one_cluster_and_each_member_depends_on_the_others() -> None:
    estate = _graph([(0, 1), (1, 2), (2, 0), (3, 0)], 4)
    assert estate.clusters() == [["D0/S0", "D1/S1", "D2/S2"]]
    radius = estate.blast_radius()
    assert radius["D0/S0"].total == 3  # S1, S2 (its cycle) and S3
    assert radius["D0/S3"].total == 0
