"""Every system through many reporting periods at once, read in one pass.

A trend needs the estate as it stood at the end of each period. Rebuilding a database for each
period and reading it back costs about one full scoring a period, yet most systems stand
unchanged from one period to the next. Here the live rows and the kept history are each read
once, every row with the periods it stood for, and each system's rows are grouped into
*versions*: the runs of periods over which its stored row, components and assessments stay
the same. One `SystemFacts` is made per version and shared by the periods it spans.

Which rows stood at the end of a period follows `estate.history.copy_past`, which rebuilds a
single period: a live row stood when the batch that wrote it is for that period or earlier; a
kept row when `valid_from <= period < valid_to`; a component, dependency or assessment only
while its system stood. The lifecycle catalogue is today's, as there."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.catalogue import Catalogue
from estate.db import as_date, plain
from estate.enums import ComponentKind
from estate.graph import EstateGraph, Link, Node
from estate.history.reconstruct import Key
from estate.history.tables import RELATED, SYSTEM_HISTORY
from estate.scoring.facts import Assessment, ComponentFact, Matches, SystemFacts, assessment_of
from estate.stages import in_service, is_gone

SYSTEM = models.table_of(models.System)
ORG = models.table_of(models.Organisation)
BATCH = models.table_of(models.ImportBatch)

Span = tuple[int, int]
"""The periods a row stood for, as indexes into the periods asked for: [first, end)."""


@dataclass
class _Rows:
    """One system's rows of every kind, each with its span."""

    systems: list[tuple[Span, Any]] = field(default_factory=list)
    components: list[tuple[Span, ComponentFact]] = field(default_factory=list)
    assessments: list[tuple[Span, Assessment]] = field(default_factory=list)
    dependencies: list[tuple[Span, str]] = field(default_factory=list)
    """Each dependency by the key (DEPT/REF) of what the system depends on."""


class Places(NamedTuple):
    """Where each system stood in a period's dependency graph: what a trend reads of it."""

    dependents: dict[str, int]
    """How many systems depend on each node, directly or through others."""
    depends_on: dict[str, list[str]]
    """What each node depends on, in key order."""


@dataclass
class Timeline:
    """The estate at the end of each period asked for: the versions of the systems that stood
    (shared between periods while unchanged) and their places in the dependency graph."""

    periods: list[str]
    standing: list[list[SystemFacts]]
    """Per period, the facts of each system that stood then, without their place in the
    graph (`blast` and `depends_on` are the caller's to set)."""
    changed: list[bool]
    """Per period, whether its graph differs from the period before's."""
    depending: list[tuple[str, list[tuple[Span, str]]]]
    """Each system that has dependencies, by key, with what it depends on when."""
    _last: tuple[int, Places] | None = None

    def places(self, index: int) -> Places:
        """The systems' places in the dependency graph of period `index`, as `load_graph`
        reads it from that period's estate. Asked for period by period in order, the graph is
        built again only where it changed, and dropped once read: a graph of tens of thousands
        of systems is large. Periods with the same graph give the same object."""
        if self._last is not None:
            built_for, places = self._last
            if built_for <= index and not any(self.changed[built_for + 1 : index + 1]):
                return places
        self._last = None
        graph = _graph_at(self.depending, self.standing[index], index)
        places = Places(
            graph.dependents_counts(),
            {key: sorted(targets) for key, targets in graph.successor_lists().items()},
        )
        self._last = (index, places)
        return places


def read_timeline(connection: Connection, periods: Sequence[str], catalogue: Catalogue) -> Timeline:
    """The estate as it stood at the end of each of `periods` (in order), read in one pass over
    the live and kept rows; each distinct component text is matched to `catalogue` once."""
    periods = sorted(periods)
    spans = _Spans(connection, periods)
    orgs = {
        org_id: (code, name)
        for org_id, code, name in connection.execute(sa.select(ORG.c.id, ORG.c.code, ORG.c.name))
    }
    rows: dict[Key, _Rows] = defaultdict(_Rows)
    for key, span, row in _system_rows(connection, spans):
        rows[key].systems.append((span, row))
    components = _ComponentFacts(catalogue)
    for key, span, values in _related_rows(connection, spans, "components"):
        rows[key].components.append((span, components.of(*values)))
    for key, span, values in _related_rows(connection, spans, "security"):
        rows[key].assessments.append((span, assessment_of(*values)))
    for key, span, (to_org, to_reference) in _related_rows(connection, spans, "dependencies"):
        rows[key].dependencies.append((span, models.system_key(to_org, to_reference)))
    count = len(periods)
    standing: list[list[SystemFacts]] = [[] for _ in periods]
    for (org_id, _reference), found in rows.items():
        code, name = orgs[org_id]
        for first, end, facts in _versions(found, code, name):
            for index in range(first, end):
                standing[index].append(facts)
    depending = [
        (models.system_key(orgs[org_id][0], reference), found.dependencies)
        for (org_id, reference), found in rows.items()
        if found.dependencies
    ]
    return Timeline(periods, standing, _graph_changes(rows, count), depending)


class StoredSystem(NamedTuple):
    """A system standing in the estate as stored: its key, its department and its stored row,
    in the shape `read_timeline` gives a period's (what a period's counts and carbon read)."""

    key: str
    department: str
    row: Any


def stored_systems(connection: Connection) -> list[StoredSystem]:
    """The systems standing in the estate as stored (retired and cancelled ones have left it),
    each with its stored row: what `read_timeline` gives of the latest period's systems when
    no return is for a later one, read without the history or the related rows."""
    org_columns = (ORG.c.code.label("org_code"), ORG.c.name.label("org_name"))
    live = connection.execute(
        sa.select(SYSTEM, *org_columns)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(in_service(SYSTEM))
    )
    record = _record_type(list(live.keys()))
    return [
        StoredSystem(models.system_key(row.org_code, row.reference), row.org_code, row)
        for row in map(record, live)
    ]


class _Spans:
    """Turns a row's periods of validity into the span of asked-for periods it stood for."""

    def __init__(self, connection: Connection, periods: list[str]) -> None:
        self.periods = periods
        self.batch_period: dict[int, str] = {
            batch_id: period
            for batch_id, period in connection.execute(sa.select(BATCH.c.id, BATCH.c.period))
        }

    def live(self, batch_id: int | None) -> Span:
        """A live row's span: from its batch's period on (from the first when it has none)."""
        start = "" if batch_id is None else self.batch_period.get(batch_id, "")
        return bisect_left(self.periods, start), len(self.periods)

    def kept(self, valid_from: str, valid_to: str) -> Span:
        """A kept row's span: the periods in [valid_from, valid_to)."""
        return bisect_left(self.periods, valid_from), bisect_left(self.periods, valid_to)


def _system_rows(connection: Connection, spans: _Spans) -> Iterator[tuple[Key, Span, Any]]:
    """Every live and kept system row that stood in some asked-for period, each in the shape
    `read_facts` reads the live ones (the kept ones with no id)."""
    org_columns = (ORG.c.code.label("org_code"), ORG.c.name.label("org_name"))
    live = connection.execute(
        sa.select(SYSTEM, *org_columns).join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
    )
    record = _record_type(list(live.keys()))
    for row in map(record, live):
        span = spans.live(row.source_batch_id)
        if span[0] < span[1]:
            yield (row.organisation_id, row.reference), span, row
    history = SYSTEM_HISTORY
    columns = [
        sa.null().label("id")
        if column.name == "id"
        else sa.type_coerce(history.c[column.name], column.type).label(column.name)
        for column in SYSTEM.c
    ]
    kept = connection.execute(
        sa.select(*columns, *org_columns, history.c.valid_from, history.c.valid_to).join(
            ORG, history.c.organisation_id == ORG.c.id
        )
    )
    for values in kept:
        span = spans.kept(values[-2], values[-1])
        if span[0] < span[1]:
            row = record(values[:-2])
            yield (row.organisation_id, row.reference), span, row


def _record_type(fields: list[str]) -> Any:
    """A plain named tuple of a system row's fields, as `read_facts` makes them."""
    return namedtuple("SystemRecord", fields)._make  # type: ignore[attr-defined]


_READ = {
    "components": ("kind", "product", "version", "end_of_support"),
    "security": ("principle", "outcome", "assessed_on", "notes"),
    "dependencies": ("to_org_code", "to_reference"),
}
"""Per kind of related row (`estate.history.tables.RELATED`), the values scoring reads."""


def _related_rows(
    connection: Connection, spans: _Spans, kind: str
) -> Iterator[tuple[Key, Span, tuple[Any, ...]]]:
    """Every live and kept row of `kind` that stood in some asked-for period, by its system's
    key, as plain values (enumerations as their stored text, dates as the driver gives
    them)."""
    live, owner, history = RELATED[kind]
    names = _READ[kind]
    statement = sa.select(
        SYSTEM.c.organisation_id,
        SYSTEM.c.reference,
        live.c.source_batch_id,
        *[plain(live.c[n]) for n in names],
    ).join(SYSTEM, live.c[owner] == SYSTEM.c.id)
    for org_id, reference, batch_id, *values in connection.execute(statement):
        span = spans.live(batch_id)
        if span[0] < span[1]:
            yield (org_id, reference), span, tuple(values)
    statement = sa.select(
        history.c.organisation_id,
        history.c.reference,
        history.c.valid_from,
        history.c.valid_to,
        *[plain(history.c[n]) for n in names],
    )
    for org_id, reference, valid_from, valid_to, *values in connection.execute(statement):
        span = spans.kept(valid_from, valid_to)
        if span[0] < span[1]:
            yield (org_id, reference), span, tuple(values)


class _ComponentFacts:
    """One `ComponentFact` for each distinct stored component, matched to the catalogue once
    per distinct text: the same facts are shared by every system and period that has them."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.matches: Matches = {}
        self.made: dict[tuple[Any, ...], ComponentFact] = {}

    def of(self, kind_text: str, product: str, version: str | None, end: Any) -> ComponentFact:
        """The facts of a component stored as these values."""
        values = (kind_text, product, version, end)
        found = self.made.get(values)
        if found is None:
            kind = ComponentKind(kind_text)
            match = None
            if kind is not ComponentKind.HARDWARE:
                text = (product, version or "")
                match = self.matches.get(text)
                if match is None:
                    match = self.matches[text] = self.catalogue.match(product, version or "")
            found = ComponentFact(kind, product, version or "", as_date(end), match)
            self.made[values] = found
        return found


def _versions(rows: _Rows, code: str, name: str) -> Iterator[tuple[int, int, SystemFacts]]:
    """A system's versions: each run of periods [first, end) over which its stored row,
    components and assessments stay the same, with its facts then. Periods in which no row
    of the system stood are left out."""
    bounds = sorted(
        {
            edge
            for spans in (rows.systems, rows.components, rows.assessments)
            for span, _value in spans
            for edge in span
        }
    )
    for first, end in pairwise(bounds):
        row = next((r for (a, b), r in rows.systems if a <= first < b), None)
        if row is None or is_gone(row.lifecycle_status):
            continue
        facts = SystemFacts(models.system_key(code, row.reference), code, name, row)
        facts.components = sorted(
            (c for (a, b), c in rows.components if a <= first < b),
            key=lambda c: (c.kind.value, c.product),
        )
        facts.assessments = sorted(
            (s for (a, b), s in rows.assessments if a <= first < b),
            key=lambda s: s.principle.value,
        )
        yield first, end, facts


def _graph_changes(rows: dict[Key, _Rows], count: int) -> list[bool]:
    """Per period, whether its graph differs from the period before's: whether any system
    stands or not as it did, or has another criticality or other dependencies."""
    changed = [index == 0 for index in range(count)]
    for found in rows.values():
        edges = {
            edge
            for spans in (found.systems, found.dependencies)
            for (first, end), _value in spans
            for edge in (first, end)
            if 0 < edge < count and not changed[edge]
        }
        for edge in edges:
            changed[edge] = _in_graph(found, edge - 1) != _in_graph(found, edge)
    return changed


def _in_graph(rows: _Rows, index: int) -> tuple[Any, ...] | None:
    """What a system brings to period `index`'s graph: its criticality and what it depends
    on; None when it did not stand then."""
    row = next((r for (a, b), r in rows.systems if a <= index < b), None)
    if row is None or is_gone(row.lifecycle_status):
        return None
    targets = sorted(t for (a, b), t in rows.dependencies if a <= index < b)
    return row.criticality, *targets


def _graph_at(
    depending: list[tuple[str, list[tuple[Span, str]]]],
    standing: Iterable[SystemFacts],
    index: int,
) -> EstateGraph:
    """The graph of period `index`, as `load_graph` reads it from that period's estate;
    `depending` holds each system's dependencies by its key."""
    nodes: dict[str, Node] = {}
    for facts in standing:
        row = facts.row
        nodes[facts.key] = Node(
            facts.key, facts.department, row.name, row.criticality, row.services_supported
        )
    edges: list[Link] = [
        (source, target, {})
        for source, dependencies in depending
        if source in nodes
        for (first, end), target in dependencies
        if first <= index < end
    ]
    for _source, target, _data in edges:
        if target not in nodes:
            department, _slash, target_reference = target.partition("/")
            nodes[target] = Node(target, department, target_reference, placeholder=True)
    return EstateGraph.of(nodes, edges)
