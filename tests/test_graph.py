"""The dependency graph: blast radius against a brute-force count, cycles, placeholders."""

from __future__ import annotations

import json
import re
from pathlib import Path
from unittest.mock import patch

import networkx as nx
import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

import estate.graph as graph_module
from estate import db
from estate.enums import Criticality
from estate.errors import NotFound
from estate.graph import (
    BlastRadius,
    EstateGraph,
    Link,
    Node,
    blast_radius_in_database,
    depends_on_keys,
    load_graph,
)
from estate.graph.export import (
    BAND_COLOURS,
    attributed,
    to_dot,
    to_graphml,
    to_mermaid,
    to_node_link,
)
from estate.graph.queries import Direction, levels, neighbourhood, orphans, path
from estate.graph.waves import plan_waves
from tests.conftest import examples


def _graph(
    edges: list[tuple[int, int]],
    nodes: int,
    critical: frozenset[int] = frozenset(),
    self_loops: bool = False,
) -> EstateGraph:
    found: dict[str, Node] = {}
    for i in range(nodes):
        key = f"D{i % 3}/S{i}"
        found[key] = Node(
            key, f"D{i % 3}", f"System {i}", Criticality.CRITICAL if i in critical else None
        )
    keys = list(found)
    links: list[Link] = [(keys[a], keys[b], {}) for a, b in edges if self_loops or a != b]
    return EstateGraph.of(found, links)


@settings(max_examples=examples(150), deadline=None)
@given(
    st.integers(min_value=1, max_value=25).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
            st.sets(st.integers(0, n - 1)),
        )
    ),
    st.sampled_from([0, 1, 3, graph_module.SMALL]),
)
def test_blast_radius_of_every_node_and_of_one_match_brute_force(
    case: tuple[int, list[tuple[int, int]], set[int]], small: int
) -> None:
    """Every node's figures, whether its dependents are held as a set or a bitset (`small`,
    the most held as a set), equal networkx's ancestors counted; self-loops included."""
    nodes, edges, critical = case
    estate = _graph(edges, nodes, frozenset(critical), self_loops=True)
    with patch.object(graph_module, "SMALL", small):
        radius = estate.blast_radius()  # from the links as read
        counts = estate.dependents_counts()
    # one node's, from the links as read, before networkx's graph is built below
    alone = {key: estate.blast_radius_of(key) for key in estate.nodes}
    above = {key: sorted(estate.predecessors_of(key)) for key in estate.nodes}
    below = {key: estate.downstream_of([key]) for key in estate.nodes}
    for key, node in estate.nodes.items():
        dependents = nx.ancestors(estate.graph, key)
        assert alone[key] == radius[key]
        assert above[key] == sorted(estate.graph.predecessors(key))
        assert below[key] == {key} | nx.descendants(estate.graph, key)
        assert estate.downstream_of([key]) == below[key], "from networkx's graph, the same"
        assert sorted(estate.predecessors_of(key)) == above[key]
        assert counts[key] == len(dependents)
        result = radius[key]
        assert result.total == len(dependents)
        assert result.direct == estate.graph.in_degree(key)
        assert result.critical == sum(
            1 for d in dependents if estate.nodes[d].criticality is Criticality.CRITICAL
        )
        departments = {estate.nodes[d].department for d in dependents}
        assert result.departments == len(departments)
        assert result.other_departments == len(departments - {node.department})
        assert estate.blast_radius_of(key) == result, "one node's alone, the same figures"
    assert estate.blast_radius() == radius, "from the graph in networkx, the same figures"


def test_a_cycle_is_one_cluster_and_each_member_depends_on_the_others() -> None:
    estate = _graph([(0, 1), (1, 2), (2, 0), (3, 0)], 4)
    assert estate.clusters() == [["D0/S0", "D1/S1", "D2/S2"]]
    radius = estate.blast_radius()
    assert radius["D0/S0"].total == 3  # S1, S2 (its cycle) and S3
    assert radius["D0/S3"].total == 0


# --- migration waves ----------------------------------------------------------------------


@settings(max_examples=examples(150), deadline=None)
@given(
    st.integers(min_value=1, max_value=20).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=50),
            st.lists(st.floats(0, 100), min_size=n, max_size=n),
            st.one_of(st.none(), st.integers(1, 6)),
        )
    )
)
def test_wave_invariants(case: tuple[int, list[tuple[int, int]], list[float], int | None]) -> None:
    nodes, edges, priorities, cap = case
    estate = _graph(edges, nodes)
    keys = list(estate.nodes)
    priority = dict(zip(keys, priorities, strict=True))
    waves = plan_waves(estate.graph, keys, priority, cap)
    wave_of = {key: w.number for w in waves for key in w.systems}
    assert sorted(wave_of) == sorted(keys), "every system is in exactly one wave"
    assert sum(len(w.systems) for w in waves) == len(keys)
    cluster_of = {k: i for i, c in enumerate(estate.clusters()) for k in c}
    for source, target in estate.graph.edges:
        if cluster_of.get(source) is not None and cluster_of.get(source) == cluster_of.get(target):
            assert wave_of[source] == wave_of[target], "a cycle moves together"
        else:
            assert wave_of[target] < wave_of[source], "dependencies move first"
    for wave in waves:
        assert wave.systems, "no empty waves"
        if cap is not None and len(wave.systems) > cap:
            assert wave.oversized and len(wave.clusters) == 1


@settings(max_examples=examples(150), deadline=None)
@given(
    st.integers(min_value=1, max_value=20).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=50),
            st.lists(st.booleans(), min_size=n, max_size=n),
        )
    )
)
def test_waves_of_a_selection_follow_its_own_cycles(
    case: tuple[int, list[tuple[int, int]], list[bool]],
) -> None:
    nodes, edges, chosen = case
    estate = _graph(edges, nodes)
    keys = [key for key, keep in zip(estate.nodes, chosen, strict=True) if keep]
    waves = plan_waves(estate.graph, keys, {}, None)
    wave_of = {key: w.number for w in waves for key in w.systems}
    assert sorted(wave_of) == sorted(keys)
    own_cycles = [sorted(c) for c in nx.strongly_connected_components(estate.graph.subgraph(keys))]
    assert sorted(c for w in waves for c in w.clusters) == sorted(
        c for c in own_cycles if len(c) > 1
    ), "a cycle through an unselected system does not bind the selected ones"
    cycle_of = {k: i for i, c in enumerate(own_cycles) for k in c}
    for source, target in estate.graph.subgraph(keys).edges:
        if cycle_of[source] == cycle_of[target]:
            assert wave_of[source] == wave_of[target]
        else:
            assert wave_of[target] < wave_of[source]


def test_a_cycle_broken_by_the_selection_moves_in_dependency_order() -> None:
    estate = _graph([(0, 1), (1, 2), (2, 0)], 3)
    keys = list(estate.nodes)
    waves = plan_waves(estate.graph, [keys[0], keys[1]], {}, None)
    assert [(w.systems, w.clusters) for w in waves] == [([keys[1]], []), ([keys[0]], [])]


def test_waves_take_higher_priority_first_when_capped() -> None:
    estate = _graph([], 4)
    keys = list(estate.nodes)
    waves = plan_waves(
        estate.graph, keys, {keys[0]: 1, keys[1]: 9, keys[2]: 5, keys[3]: 7}, max_size=2
    )
    assert [w.systems for w in waves] == [[keys[1], keys[3]], [keys[2], keys[0]]]


def test_dependencies_outside_the_selection_are_not_waited_for() -> None:
    estate = _graph([(0, 1), (1, 2)], 3)
    keys = list(estate.nodes)
    waves = plan_waves(estate.graph, [keys[0], keys[2]], {}, None)
    assert [w.systems for w in waves] == [[keys[0], keys[2]]]


# --- exports, each parsed back --------------------------------------------------------------


def _exported() -> nx.DiGraph:
    estate = _graph([(0, 1), (1, 2), (2, 1)], 4)
    estate.nodes["D9/GHOST"] = Node("D9/GHOST", "D9", "GHOST", placeholder=True)
    estate.graph.add_edge("D0/S0", "D9/GHOST", kind=None)
    bands = {"D0/S0": "Red-rated", "D1/S1": "High", "D2/S2": "Low"}
    return attributed(estate, estate.graph, bands)


def test_graphml_round_trips() -> None:
    graph = _exported()
    back = nx.parse_graphml(to_graphml(graph))
    assert set(back.nodes) == set(graph.nodes) and set(back.edges) == set(graph.edges)
    assert back.nodes["D0/S0"]["colour"] == BAND_COLOURS["Red-rated"]
    assert back.nodes["D9/GHOST"]["band"] == "placeholder"


def test_node_link_json_round_trips() -> None:
    graph = _exported()
    back = nx.node_link_graph(json.loads(to_node_link(graph)), edges="links")
    assert set(back.edges) == set(graph.edges)
    assert back.nodes["D1/S1"]["band"] == "High"


def test_dot_parses_back_with_its_colours() -> None:
    graph = _exported()
    text = to_dot(graph)
    nodes = dict(
        re.findall(r'^  "([^"]+)" \[label=.*fillcolor="(#[0-9a-f]{6})"', text, re.MULTILINE)
    )
    edges = set(re.findall(r'^  "([^"]+)" -> "([^"]+)"', text, re.MULTILINE))
    assert nodes["D0/S0"] == BAND_COLOURS["Red-rated"] and set(nodes) == set(graph.nodes)
    assert edges == set(graph.edges)
    assert 'style="rounded,filled,dashed"' in text  # the placeholder


def test_mermaid_parses_back() -> None:
    graph = _exported()
    text = to_mermaid(graph)
    assert text.startswith("flowchart LR\n")
    ids = dict(re.findall(r'^  (n\w+)\["([^<]+)<br/>', text, re.MULTILINE))
    edges = {
        (ids[a], ids[b])
        for a, b in re.findall(r"^  (n\w+) -->(?:\|[^|]*\|)? (n\w+)$", text, re.MULTILINE)
    }
    assert set(ids.values()) == set(graph.nodes) and edges == set(graph.edges)
    assert "classDef Red_rated fill:#d4351c" in text


# --- queries ----------------------------------------------------------------------------------


def test_neighbourhood_and_path() -> None:
    estate = _graph([(0, 1), (1, 2), (3, 1)], 5)
    keys = list(estate.nodes)
    down = neighbourhood(estate, keys[0], 1, Direction.DOWN)
    assert set(down.nodes) == {keys[0], keys[1]}
    both = levels(estate, keys[1], 1, Direction.BOTH)
    assert both == [(-1, keys[0]), (-1, keys[3]), (1, keys[2])]
    assert path(estate, keys[0], keys[2]) == [keys[0], keys[1], keys[2]]
    assert path(estate, keys[2], keys[0]) == [keys[0], keys[1], keys[2]]
    assert orphans(estate) == [keys[4]]
    with pytest.raises(NotFound, match="not connected"):
        path(estate, keys[0], keys[4])


def test_blast_radius_reads_as_a_sentence() -> None:
    one = BlastRadius(direct=1, total=1, critical=0, departments=1, other_departments=0)
    many = BlastRadius(direct=2, total=1200, critical=3, departments=4, other_departments=3)
    assert one.describe() == "1 system depends on it (1 directly, 0 critical, 1 department)"
    assert many.describe() == ("1,200 systems depend on it (2 directly, 3 critical, 4 departments)")


SYSTEM_IDS = (
    "SELECT o.code || '/' || s.reference, s.id FROM system s "
    "JOIN organisation o ON o.id = s.organisation_id "
    "WHERE s.lifecycle_status IS NULL OR s.lifecycle_status NOT IN ('Retired', 'Cancelled')"
)
"""The systems in the graph: retired and cancelled ones have left it."""


def test_one_systems_blast_radius_in_the_database_matches_the_graph(demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            estate = load_graph(connection)
            ids: dict[str, int] = {key: id_ for key, id_ in connection.execute(sa.text(SYSTEM_IDS))}
            radius = estate.blast_radius()
            assert any(len(c) > 1 for c in estate.clusters()), "cycles are covered"
            for key, system_id in ids.items():
                assert blast_radius_in_database(connection, system_id) == radius[key], key
                assert depends_on_keys(connection, system_id) == sorted(
                    estate.graph.successors(key)
                ), key
    finally:
        engine.dispose()
