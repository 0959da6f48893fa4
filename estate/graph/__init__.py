"""The estate's dependency graph and what it tells: who depends on whom, how far a failure
spreads (blast radius), which systems must move together (cycles).

Edges point from a system to what it depends on. Targets that no return has supplied yet are
kept as placeholder nodes, so nothing a department reported is dropped. A dependency whose
depending end no return has supplied yet (a relationship file ahead of its systems) joins the
graph when that end resolves: until then no system of the estate depends on anything by it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.db import in_batches, plain, plain_rows
from estate.enums import Criticality
from estate.models import Dependency, Organisation, System, system_key, table_of
from estate.perf import collector_paused
from estate.stages import gone_names, in_service
from estate.words import blast_radius

if TYPE_CHECKING:  # imported where a graph is built: most commands read the kept ranking only
    import networkx as nx

SYSTEM = table_of(System)
ORG = table_of(Organisation)
DEPENDENCY = table_of(Dependency)


@dataclass(slots=True)
class Node:
    """A system in the graph, or a placeholder for one not (yet) in the inventory. Slotted:
    a graph of the estate makes one for each of tens of thousands of systems."""

    key: str
    department: str
    name: str
    criticality: Criticality | None = None
    services: str | None = None
    placeholder: bool = False
    gone: str = ""
    """For a placeholder of a system its return retired or cancelled: that status."""


@dataclass(frozen=True)
class BlastRadius:
    """How many systems, critical systems and departments depend on one system."""

    direct: int
    total: int
    critical: int
    departments: int
    other_departments: int

    def describe(self) -> str:
        """In words, e.g. "3 systems depend on it (1 directly, 0 critical, 2 departments)"."""
        return blast_radius(self.total, self.direct, self.critical, self.departments)


Link = tuple[str, str, dict[str, str | None]]
"""A dependency in the graph: the depending system's key, the key of what it depends on, and
the dependency's kind and criticality."""

SMALL = 512
"""The most dependents of a node held as a set of their indices; more are held as a bitset
over every node (most nodes have a handful, a few most of the estate)."""


@dataclass
class EstateGraph:
    """The directed dependency graph of the whole estate: its nodes, and its links, held as
    read until a caller asks for the graph in networkx (`graph`). Scoring reads the links
    alone (what each system depends on and how far a failure spreads), and building the
    networkx graph was a third of reading the estate's."""

    nodes: dict[str, Node] = field(default_factory=dict)
    _links: list[Link] = field(default_factory=list, init=False, repr=False)
    _built: nx.DiGraph | None = field(default=None, init=False, repr=False)
    _successors: dict[str, list[str]] | None = field(default=None, init=False, repr=False)
    _predecessors: dict[str, list[str]] | None = field(default=None, init=False, repr=False)

    @classmethod
    def of(
        cls,
        nodes: dict[str, Node],
        links: list[Link],
        successors: dict[str, list[str]] | None = None,
    ) -> EstateGraph:
        """The graph of `nodes` and `links` (each link's ends among the nodes). `successors`,
        what each node depends on as the links give it (a caller that gathered them while
        it made the links), are not worked out again."""
        made = cls(nodes)
        made._links = links
        made._successors = successors
        return made

    @property
    def graph(self) -> nx.DiGraph:
        """The graph in networkx, built from the links the first time it is asked for; from
        then on it holds them, and what is added to it counts."""
        if self._built is None:
            import networkx as nx

            built = nx.DiGraph()
            built.add_nodes_from(self.nodes)
            built.add_edges_from(self._links)
            # Set before the links are let go: a reader in another thread (the terminal is
            # handed the graph while the scores are worked out) sees one or the other whole.
            self._built = built
            self._links, self._successors, self._predecessors = [], None, None
        return self._built

    def successor_lists(self) -> dict[str, list[str]]:
        """What each node depends on (its successors), each once, in no particular order,
        without building the networkx graph. Not to be changed: it may be the graph's own."""
        lists = self._lists()
        if lists is None:
            return {key: list(targets) for key, targets in self.graph.adjacency()}
        return lists[0]

    def predecessors_of(self, key: str) -> list[str]:
        """What depends on `key` directly (its predecessors), each once."""
        lists = self._lists(predecessors=True)
        if lists is None:
            return list(self.graph.predecessors(key))
        return list(lists[1].get(key, ()))

    def downstream_of(self, keys: Iterable[str]) -> set[str]:
        """`keys` and everything they depend on, directly or through others."""
        lists = self._lists()
        if lists is None:
            import networkx as nx

            reached = set(keys)
            for key in list(reached):
                if key in self.graph:
                    reached.update(nx.descendants(self.graph, key))
            return reached
        return _reached(lists[0], keys)

    def _lists(
        self, predecessors: bool = False
    ) -> tuple[dict[str, list[str]], dict[str, list[str]]] | None:
        """Each node's successors and, when asked for, its predecessors, from the links as
        read, each worked out once (the predecessors only for a caller that asks: scoring
        never does); None once networkx's graph holds the links. The links are read before
        the graph is looked for: `graph` sets the graph before it lets the links go."""
        links, successors = self._links, self._successors
        if self._built is not None:
            return None
        if successors is None:
            successors = {key: [] for key in self.nodes}
            for source, target, _data in links:
                successors[source].append(target)
            successors = self._successors = _once_each(successors)
        found = self._predecessors
        if predecessors and found is None:
            found = {key: [] for key in self.nodes}
            for source, targets in successors.items():
                for target in targets:
                    found[target].append(source)
            self._predecessors = found
        return successors, found or {}

    def clusters(self) -> list[list[str]]:
        """Groups of systems that depend on each other in a cycle: they must move together."""
        import networkx as nx

        groups = [sorted(c) for c in nx.strongly_connected_components(self.graph) if len(c) > 1]
        return sorted(groups, key=lambda g: (-len(g), g[0]))

    def blast_radius_of(self, key: str, dependents: set[str] | None = None) -> BlastRadius:
        """One node's dependents, direct and transitive: the same figures as `blast_radius`
        gives it, for a caller that needs one node's without working out every node's.
        `dependents` (`nx.ancestors` of the node), when the caller has them already, are not
        searched for again."""
        lists = self._lists(predecessors=True)
        if lists is None:
            direct = self.graph.in_degree(key)
            if dependents is None:
                import networkx as nx

                dependents = nx.ancestors(self.graph, key)
        else:
            direct = len(lists[1][key])
            if dependents is None:
                dependents = _reached(lists[1], [key]) - {key}
        departments = {self.nodes[k].department for k in dependents}
        return BlastRadius(
            direct=direct,
            total=len(dependents),
            critical=sum(
                1 for k in dependents if self.nodes[k].criticality is Criticality.CRITICAL
            ),
            departments=len(departments),
            other_departments=len(departments - {self.nodes[key].department}),
        )

    def blast_radius(self) -> dict[str, BlastRadius]:
        """Every node's dependents, direct and transitive, computed for all nodes at once."""
        found = _Dependents(self.successor_lists())
        size = len(found.index)
        in_order = [self.nodes[key] for key in found.index]  # by index
        department_of = [node.department for node in in_order]
        critical = [node.criticality is Criticality.CRITICAL for node in in_order]
        critical_mask = _mask((i for i, c in enumerate(critical) if c), size)
        by_department: dict[str, list[int]] = defaultdict(list)
        for i, department in enumerate(department_of):
            by_department[department].append(i)
        department_masks = {d: _mask(bits, size) for d, bits in by_department.items()}
        in_degree = found.in_degree
        result: dict[str, BlastRadius] = {}
        # The blast radius of the nodes no system depends on (most of an estate's), shared by
        # in-degree (which a self-loop makes one).
        alone: dict[int, BlastRadius] = {}
        for key, mine in found.each():
            if not mine:
                direct = in_degree.get(key, 0)
                shared = alone.get(direct)
                if shared is None:
                    shared = alone[direct] = BlastRadius(direct, 0, 0, 0, 0)
                result[key] = shared
                continue
            if isinstance(mine, int):
                departments = {d for d, mask in department_masks.items() if mine & mask}
                total, critical_count = mine.bit_count(), (mine & critical_mask).bit_count()
            else:
                departments = set(map(department_of.__getitem__, mine))
                total, critical_count = len(mine), sum(map(critical.__getitem__, mine))
            result[key] = BlastRadius(
                direct=in_degree.get(key, 0),
                total=total,
                critical=critical_count,
                departments=len(departments),
                other_departments=len(departments - {self.nodes[key].department}),
            )
        return result

    def dependents_counts(self) -> dict[str, int]:
        """How many systems depend on each node, directly or through others: the `total` of
        `blast_radius` alone, for a caller that needs no more (a trend, period by period)."""
        return {
            key: mine.bit_count() if isinstance(mine, int) else len(mine)
            for key, mine in _Dependents(self.successor_lists()).each()
        }


class _Dependents:
    """Each node's transitive dependents, worked out node by node from what each depends on.

    One pass over the condensation (a DAG of strongly connected groups) in topological
    order: each group's dependents are the union of its predecessors' dependents and
    members. A node's dependents are held as a set of node indices while they are few, and
    as an integer bitset over every node once they are many: a union of bitsets copies every
    node's bit, a union of sets only their members. The condensation is kept in plain lists:
    building it as a second networkx graph took a third of the time. Most of an estate's
    nodes have no dependents: those come first, with nothing kept for them but their index."""

    def __init__(self, successors: dict[str, list[str]]) -> None:
        self.in_degree: dict[str, int] = defaultdict(int)
        for targets in successors.values():
            for target in targets:
                self.in_degree[target] += 1
        members = _strongly_connected(successors, self.in_degree)
        group_of = {key: group for group, keys in enumerate(members) for key in keys}
        # Only for the groups that have them: what depends on each, and what each depends on.
        dependents: dict[int, set[int]] = {}
        depends_on: dict[int, list[int]] = {}
        for source, targets in successors.items():
            dependent = group_of[source]
            for target in targets:
                group = group_of[target]
                if dependent == group:
                    continue
                theirs = dependents.get(group)
                if theirs is None:
                    theirs = dependents[group] = set()
                elif dependent in theirs:
                    continue
                theirs.add(dependent)
                depends_on.setdefault(dependent, []).append(group)
        self.order = _dependents_first(len(members), dependents, depends_on)
        self.index = {key: i for i, key in enumerate(k for g in self.order for k in members[g])}
        self._members = members
        self._dependents = dependents
        self._depends_on = depends_on

    def each(self) -> Iterator[tuple[str, set[int] | int]]:
        """Each node's key and its dependents, as a set of indices or a bitset (`index`), node
        by node: each is dropped once used, since held together they would take n squared
        bits. A node nothing depends on has an empty set, shared."""
        size, members, index = len(self.index), self._members, self.index
        dependents_of, depends_on = self._dependents, self._depends_on
        # Kept only for groups that others depend on and that have dependents of their own.
        still_needed = {group: len(depends_on.get(group, ())) for group in dependents_of}
        upstream: dict[int, set[int] | int] = {}
        none: set[int] = set()
        for group in self.order:
            theirs_groups = dependents_of.get(group)
            keys = members[group]
            if theirs_groups is None:
                if len(keys) == 1:
                    yield keys[0], none
                    continue
                found: set[int] | int = none
            else:
                few: set[int] = set()
                bits = 0
                for predecessor in theirs_groups:
                    theirs = upstream.get(predecessor)
                    if theirs is not None:
                        if isinstance(theirs, int):
                            bits |= theirs
                        else:
                            few |= theirs
                        still_needed[predecessor] -= 1
                        if not still_needed[predecessor]:
                            del upstream[predecessor]  # every dependent group has used it
                    keys_of = members[predecessor]
                    if len(keys_of) == 1:
                        few.add(index[keys_of[0]])
                    else:
                        few.update(index[k] for k in keys_of)
                    if len(few) > SMALL:
                        bits |= _mask(few, size)
                        few = set()
                found = bits | _mask(few, size) if bits else few
                if still_needed[group]:
                    upstream[group] = found
            if len(keys) == 1:
                yield keys[0], found
                continue
            own_indices = [index[k] for k in keys]
            for key, own in zip(keys, own_indices, strict=True):
                others = [i for i in own_indices if i != own]
                if isinstance(found, int):
                    yield key, found | _mask(others, size)
                else:
                    mine = found.union(others)
                    yield key, mine if len(mine) <= SMALL else _mask(mine, size)


def _reached(links: dict[str, list[str]], starts: Iterable[str]) -> set[str]:
    """`starts` and every node reached from them along `links`."""
    reached = set(starts)
    waiting = [key for key in reached if key in links]
    while waiting:
        for target in links[waiting.pop()]:
            if target not in reached:
                reached.add(target)
                waiting.append(target)
    return reached


def _strongly_connected(
    successors: dict[str, list[str]], in_degree: dict[str, int]
) -> list[list[str]]:
    """The graph's strongly connected groups. A node nothing depends on, or that depends on
    nothing, is on no cycle and so a group of its own; the groups among the rest (a fifth of
    an estate's nodes) are found by Tarjan's algorithm, walked with a stack of its own over
    the successor lists as they are (making them a networkx graph first took as long as the
    search)."""
    core = [key for key, targets in successors.items() if targets and in_degree.get(key)]
    among = set(core)
    order: dict[str, int] = {}  # when each node was reached
    low: dict[str, int] = {}  # the earliest node still open that each reaches
    open_nodes: list[str] = []
    is_open: set[str] = set()
    groups: list[list[str]] = []
    for root in core:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        open_nodes.append(root)
        is_open.add(root)
        walk = [(root, iter(successors[root]))]
        while walk:
            node, targets = walk[-1]
            for target in targets:
                if target not in among:
                    continue
                if target not in order:
                    order[target] = low[target] = len(order)
                    open_nodes.append(target)
                    is_open.add(target)
                    walk.append((target, iter(successors[target])))
                    break
                if target in is_open and order[target] < low[node]:
                    low[node] = order[target]
            else:
                walk.pop()
                if walk and low[node] < low[walk[-1][0]]:
                    low[walk[-1][0]] = low[node]
                if low[node] == order[node]:
                    group: list[str] = []
                    while True:
                        member = open_nodes.pop()
                        is_open.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    groups.append(group)
    groups.extend([key] for key in successors if key not in among)
    return groups


def _mask(indices: Iterable[int], size: int) -> int:
    """The bitset of `indices` (each below `size`), built in one pass over a byte array: set
    bit by bit on an integer, each step would copy the whole integer."""
    bits = bytearray((size + 7) // 8)
    for i in indices:
        bits[i >> 3] |= 1 << (i & 7)
    return int.from_bytes(bits, "little")


def placeholder_statuses(graph: EstateGraph) -> dict[str, str]:
    """Each placeholder of the graph (a system depended on that no return has supplied, or
    that its return retired or cancelled) -> "" or that status: what a depending system's
    scores and data-quality counts read of it."""
    return {key: node.gone for key, node in graph.nodes.items() if node.placeholder}


def _dependents_first(
    count: int, dependents: dict[int, set[int]], depends_on: dict[int, list[int]]
) -> list[int]:
    """The `count` groups ordered so that each comes after every group that depends on it:
    first those nothing depends on (`dependents` holds the groups something does)."""
    waiting = {group: len(theirs) for group, theirs in dependents.items()}
    order = [group for group in range(count) if group not in waiting]
    ready = order.copy()
    while ready:
        for target in depends_on.get(ready.pop(), ()):
            waiting[target] -= 1
            if not waiting[target]:
                ready.append(target)
                order.append(target)
    return order


def load_graph(connection: Connection) -> EstateGraph:
    """Build the whole estate's graph from the database in two bulk reads, the collector
    paused while its many small objects are made. The links are kept as read: networkx builds
    its graph of them only when a caller asks for it."""
    with collector_paused():
        rows = plain_rows(
            connection,
            sa.select(
                ORG.c.code,
                SYSTEM.c.reference,
                SYSTEM.c.name,
                plain(SYSTEM.c.criticality),  # made a `Criticality` by `graph_of_systems`
                SYSTEM.c.services_supported,
                SYSTEM.c.id,
            )
            .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
            .where(in_service(SYSTEM)),  # a retired or cancelled system is out of the graph
        )
        return graph_of_systems(connection, rows)


SystemNode = tuple[str, str, str, Criticality | str | None, str | None, int]
"""What the graph reads of a system in service: its department's code, reference, name,
criticality (a `Criticality`, or its value as stored), services supported and id."""

_CRITICALITY: dict[str | None, Criticality] = {level.value: level for level in Criticality}
"""Each criticality by its value; a `Criticality` (a `StrEnum`, equal to its value and hashed
as it) finds itself."""


def graph_of_systems(connection: Connection, systems: Iterable[SystemNode]) -> EstateGraph:
    """The estate's graph of `systems` (every system in service, as `load_graph` reads them:
    a caller that has read them already passes them) and the dependencies read in bulk. What
    each system depends on is gathered as the links are made, not worked out from them
    again."""
    by_id: dict[int, str] = {}
    nodes: dict[str, Node] = {}
    successors: dict[str, list[str]] = {}
    for code, reference, name, criticality, services, system_id in systems:
        key = by_id[system_id] = f"{code}/{reference}"  # `system_key`
        nodes[key] = Node(key, code, name, _CRITICALITY.get(criticality), services)
        successors[key] = []
    edges = plain_rows(
        connection,
        sa.select(
            DEPENDENCY.c.from_system_id,
            DEPENDENCY.c.to_org_code,
            DEPENDENCY.c.to_reference,
            plain(DEPENDENCY.c.kind),
            plain(DEPENDENCY.c.criticality),
        ).where(DEPENDENCY.c.from_system_id.is_not(None)),  # a depending end yet to be returned
    )
    gone = gone_names(connection)
    found: list[Link] = []
    # A link's kind and criticality, one dict for each pair: networkx copies it into the
    # edge's own when it builds the graph, and an estate has a handful of pairs.
    labels: dict[tuple[str | None, str | None], dict[str, str | None]] = {}
    for from_id, to_org, to_reference, kind, criticality in edges:
        source = by_id.get(from_id)
        if source is None:
            continue
        target = f"{to_org}/{to_reference}"
        if target not in nodes:
            name, status = gone.get(target, (to_reference, ""))
            nodes[target] = Node(target, to_org, name, placeholder=True, gone=status)
            successors[target] = []
        label = labels.get((kind, criticality))
        if label is None:
            label = labels[kind, criticality] = {"kind": kind, "criticality": criticality}
        found.append((source, target, label))
        successors[source].append(target)
    return EstateGraph.of(nodes, found, _once_each(successors))


def _once_each(successors: dict[str, list[str]]) -> dict[str, list[str]]:
    """`successors` with each node's targets listed once: two links of different kinds from
    one system to another are one dependency."""
    for targets in successors.values():
        if len(targets) > 1 and len(set(targets)) < len(targets):
            targets[:] = dict.fromkeys(targets)
    return successors


def dependencies_among(
    connection: Connection, keys: Iterable[str]
) -> tuple[nx.DiGraph, dict[str, str]]:
    """The dependencies among the systems `keys` alone, as a graph of those systems, and each
    one's name: what planning their migration waves reads (`plan_waves` waits only for
    dependencies inside the selection), without building the whole estate's graph. Retired
    and cancelled systems are out of it, as of `load_graph`'s."""
    import networkx as nx

    chosen = list(keys)
    wanted = set(chosen)
    among = nx.DiGraph()
    among.add_nodes_from(chosen)
    names: dict[str, str] = {}
    by_id: dict[int, str] = {}
    systems = connection.execute(
        sa.select(ORG.c.code, SYSTEM.c.reference, SYSTEM.c.name, SYSTEM.c.id)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(in_service(SYSTEM))
    )
    for code, reference, name, system_id in systems.all():
        key = f"{code}/{reference}"  # `system_key`
        if key in wanted:
            names[key] = name
            by_id[system_id] = key
    edges = connection.execute(
        sa.select(
            DEPENDENCY.c.from_system_id, DEPENDENCY.c.to_org_code, DEPENDENCY.c.to_reference
        ).where(DEPENDENCY.c.from_system_id.is_not(None))
    )
    among.add_edges_from(
        (by_id[from_id], target)
        for from_id, to_org, to_reference in edges.all()
        if from_id in by_id and (target := f"{to_org}/{to_reference}") in wanted
    )
    return among, names


def depends_on_keys(connection: Connection, system_id: int) -> list[str]:
    """The keys of what one system depends on, placeholders included, as its node's
    successors in the estate graph, in order: read without loading the graph."""
    return sorted(depends_on_of(connection, {system_id: ""})[""])


def depends_on_of(connection: Connection, systems: Mapping[int, str]) -> dict[str, list[str]]:
    """What each of `systems` (keys by id) depends on, placeholders included, each once and
    in no particular order: its node's successors in the estate graph, read a page of
    systems at a time without loading the graph."""
    found: dict[str, list[str]] = {key: [] for key in systems.values()}
    for page in in_batches(sorted(systems)):
        rows = plain_rows(
            connection,
            sa.select(
                DEPENDENCY.c.from_system_id, DEPENDENCY.c.to_org_code, DEPENDENCY.c.to_reference
            )
            .where(DEPENDENCY.c.from_system_id.in_(page))
            .distinct(),
        )
        for system_id, code, reference in rows:
            found[systems[system_id]].append(system_key(code, reference))
    return found


def depending_on(connection: Connection, keys: Iterable[str]) -> set[str]:
    """The keys of the systems in service that depend directly on one of `keys` (their
    predecessors in the estate graph), read a page of references at a time without loading
    the graph."""
    wanted = set(keys)
    codes = sorted({key.split("/", 1)[0] for key in wanted})
    found: set[str] = set()
    for page in in_batches(sorted({key.split("/", 1)[1] for key in wanted})):
        rows = plain_rows(
            connection,
            sa.select(
                ORG.c.code, SYSTEM.c.reference, DEPENDENCY.c.to_org_code, DEPENDENCY.c.to_reference
            )
            .join(SYSTEM, DEPENDENCY.c.from_system_id == SYSTEM.c.id)
            .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
            .where(
                DEPENDENCY.c.to_org_code.in_(codes),
                DEPENDENCY.c.to_reference.in_(page),
                in_service(SYSTEM),  # a retired or cancelled system is out of the graph
            ),
        )
        found.update(
            f"{code}/{reference}"  # `system_key`
            for code, reference, to_code, to_reference in rows
            if f"{to_code}/{to_reference}" in wanted
        )
    return found


def blast_radius_in_database(connection: Connection, system_id: int) -> BlastRadius:
    """One system's blast radius, the same figures as `EstateGraph.blast_radius` gives it,
    worked out in the database (a recursive query over the dependencies) without loading the
    graph: for a caller that needs one system's in a moment."""
    own = connection.execute(
        sa.select(ORG.c.code, SYSTEM.c.reference)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(SYSTEM.c.id == system_id)
    ).one()
    targets = sa.and_(
        DEPENDENCY.c.to_org_code == ORG.c.code, DEPENDENCY.c.to_reference == SYSTEM.c.reference
    )
    source = SYSTEM.alias("source")  # the depending system: retired ones are out of the graph
    up = sa.select(sa.literal(system_id).label("id")).cte("dependents", recursive=True)
    up = up.union(
        sa.select(DEPENDENCY.c.from_system_id)
        .select_from(
            up.join(SYSTEM, SYSTEM.c.id == up.c.id)
            .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
            .join(DEPENDENCY, targets)
            .join(source, source.c.id == DEPENDENCY.c.from_system_id)
        )
        .where(in_service(source))
    )
    dependents = connection.execute(
        sa.select(ORG.c.code, SYSTEM.c.criticality)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(SYSTEM.c.id.in_(sa.select(up.c.id)), SYSTEM.c.id != system_id)
    ).all()
    direct = connection.execute(
        sa.select(sa.func.count(sa.distinct(DEPENDENCY.c.from_system_id)))
        .join(SYSTEM, SYSTEM.c.id == DEPENDENCY.c.from_system_id)
        .where(
            DEPENDENCY.c.to_org_code == own.code,
            DEPENDENCY.c.to_reference == own.reference,
            in_service(SYSTEM),
        )
    ).scalar_one()
    departments = {code for code, _ in dependents}
    return BlastRadius(
        direct=direct,
        total=len(dependents),
        critical=sum(1 for _, c in dependents if c is Criticality.CRITICAL),
        departments=len(departments),
        other_departments=len(departments - {own.code}),
    )
