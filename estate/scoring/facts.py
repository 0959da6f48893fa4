"""Everything scoring needs about every system, read in a handful of bulk queries."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.catalogue import Catalogue, Match
from estate.db import as_date, plain, plain_rows
from estate.enums import ComponentKind, Outcome, Principle
from estate.errors import NotFound
from estate.graph import (
    BlastRadius,
    EstateGraph,
    blast_radius_in_database,
    depends_on_keys,
    graph_of_systems,
)
from estate.models import (
    Component,
    Organisation,
    SecurityAssessment,
    System,
    system_key,
    table_of,
)
from estate.reassess import mark_changes, technology_changes
from estate.stages import in_service, is_gone

SYSTEM = table_of(System)
ORG = table_of(Organisation)
COMPONENT = table_of(Component)
ASSESSMENT = table_of(SecurityAssessment)


Matches = dict[tuple[str, str], Match]
"""What a catalogue made of each component text, (product, version), matched once."""


@dataclass(frozen=True)
class ComponentFact:
    """A component and what the catalogue makes of it."""

    kind: ComponentKind
    product: str
    version: str
    end_of_support: dt.date | None
    match: Match | None
    label: str = field(init=False)
    """The component as the department wrote it."""
    support: tuple[dt.date | None, dt.date | None, str] = field(init=False)
    """(security end, last paid support end, where the dates come from): the department's own
    date wins over the catalogue. `date.min` stands for "ended, date not given"."""

    def __post_init__(self) -> None:
        # Worked out once here: scoring reads both several times for every system.
        object.__setattr__(self, "label", f"{self.product} {self.version}".strip())
        object.__setattr__(self, "support", self._support())

    def _support(self) -> tuple[dt.date | None, dt.date | None, str]:
        if self.end_of_support is not None:
            return self.end_of_support, self.end_of_support, "the department's own date"
        match = self.match
        if match is None or match.cycle is None:
            return None, None, ""
        cycle = match.cycle
        source = f"catalogue: {match.release}"
        if cycle.security_ended and cycle.security_end is None:
            return dt.date.min, cycle.extended_end, source
        return cycle.security_end, cycle.last_supported, source

    def out_of_support(self, as_of: dt.date) -> bool:
        """Whether security support has ended by `as_of`."""
        end = self.support[0]
        return end is not None and end < as_of

    def on_paid_support(self, as_of: dt.date) -> bool:
        """Whether security support has ended by `as_of` but paid extended support still
        runs (the portfolio's "paid extended support")."""
        security_end, paid_end, _source = self.support
        return (
            security_end is not None
            and security_end < as_of
            and paid_end is not None
            and paid_end >= as_of
            and paid_end != security_end
        )


_KINDS = {member.value: member for member in ComponentKind}
_PRINCIPLES = {member.value: member for member in Principle}
_OUTCOMES = {member.value: member for member in Outcome}


@dataclass(frozen=True)
class Assessment:
    """A security assessment outcome as scoring reads it."""

    principle: Principle
    outcome: Outcome
    assessed_on: dt.date | None
    notes: str | None


@dataclass
class SystemFacts:
    """One system's stored row plus its components, assessments and place in the graph."""

    key: str
    department: str
    department_name: str
    row: Any
    components: list[ComponentFact] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)
    blast: BlastRadius | None = None
    depends_on: list[str] = field(default_factory=list)
    technology_changed: str | None = None
    """The latest period whose return changed one of its components (`estate.reassess`)."""

    @cached_property
    def products(self) -> frozenset[str]:
        """Catalogue keys of the products its components were matched to."""
        return frozenset(
            c.match.product.key for c in self.components if c.match and c.match.product
        )


def load_facts(
    connection: Connection,
    catalogue: Catalogue,
    graph_read: Callable[[EstateGraph], None] | None = None,
    blasts: Mapping[str, BlastRadius | None] | None = None,
) -> tuple[list[SystemFacts], EstateGraph]:
    """All systems' facts and the estate graph; components are matched once per distinct text.
    The systems and the graph are read first, and the graph handed to `graph_read` at once,
    so a caller can show the dependencies while the rest is read and scored. Each system's
    blast radius is worked out from the graph, or taken from `blasts` where a caller holds
    every one already (a kept ranking that is up to date)."""
    facts = _system_rows(connection)
    # The graph's systems are the rows just read: the same systems in service, in one read.
    graph = graph_of_systems(connection, map(_NODE_FIELDS, (f.row for f in facts.values())))
    if graph_read:
        graph_read(graph)
    _add_parts(connection, catalogue, facts, None)
    blast = graph.blast_radius() if blasts is None else blasts
    successors = graph.successor_lists()
    for fact in facts.values():
        fact.blast = blast.get(fact.key)
        fact.depends_on = sorted(successors[fact.key])
    return list(facts.values()), graph


def load_system_facts(
    connection: Connection, catalogue: Catalogue, key: str
) -> tuple[SystemFacts, list[SystemFacts]]:
    """One system's facts, as `load_facts` gives them, and the stored facts of the systems in
    service it depends on (without their own dependencies or blast radius), read without
    loading the whole graph. One retired or cancelled is out of the estate's graph, as in
    `load_facts`: it keeps nothing on premises."""
    found = read_facts(connection, catalogue, [key])
    if not found:
        raise NotFound(f"No system {key!r} in the estate.")
    ((system_id, facts),) = found.items()
    facts.depends_on = depends_on_keys(connection, system_id)
    facts.blast = blast_radius_in_database(connection, system_id)
    others = read_facts(connection, catalogue, facts.depends_on) if facts.depends_on else {}
    return facts, [f for f in others.values() if not is_gone(f.row.lifecycle_status)]


def read_facts(
    connection: Connection,
    catalogue: Catalogue,
    keys: Collection[str] | None = None,
) -> dict[int, SystemFacts]:
    """The stored rows, components (matched to the catalogue, once per distinct text) and
    assessments of every system, or of those of `keys`, by system id: what scoring reads
    besides the graph."""
    facts = _system_rows(connection, keys)
    _add_parts(connection, catalogue, facts, keys)
    return facts


def _system_rows(
    connection: Connection, keys: Collection[str] | None = None
) -> dict[int, SystemFacts]:
    """The stored row of every system in service, or of each of `keys`, by system id, as
    facts still without their components and assessments."""
    facts: dict[int, SystemFacts] = {}
    statement = sa.select(SYSTEM, ORG.c.code.label("org_code"), ORG.c.name.label("org_name")).join(
        ORG, SYSTEM.c.organisation_id == ORG.c.id
    )
    wanted: set[str] | None = None
    if keys is not None:
        # By department and reference apart, the exact keys picked out below: a list of
        # (department, reference) pairs is a chain of thousands of ORs to PostgreSQL, tried
        # on every row (a fifth of a second for one department's systems at 50,000).
        wanted = set(keys)
        pairs = [key.split("/", 1) for key in wanted]
        statement = statement.where(
            ORG.c.code.in_(sorted({code for code, _ in pairs})),
            SYSTEM.c.reference.in_(sorted({reference for _, reference in pairs})),
        )
    else:  # retired and cancelled systems have left the estate's counts and ranking
        statement = statement.where(in_service(SYSTEM))
    result = connection.execute(statement)
    # A plain named tuple: scoring reads each stored field dozens of times per system, and a
    # named tuple's attributes read several times faster than a database row's.
    record = namedtuple("SystemRecord", list(result.keys()))._make  # type: ignore[attr-defined]
    for row in map(record, result.all()):
        key = system_key(row.org_code, row.reference)
        if wanted is None or key in wanted:
            facts[row.id] = SystemFacts(key, row.org_code, row.org_name, row)
    return facts


_NODE_FIELDS = attrgetter(
    "org_code", "reference", "name", "criticality", "services_supported", "id"
)
"""What the graph reads of a system's row (`estate.graph.SystemNode`)."""


def _add_parts(
    connection: Connection,
    catalogue: Catalogue,
    facts: dict[int, SystemFacts],
    keys: Collection[str] | None,
) -> None:
    """Each system of `facts` given its components (matched to the catalogue, once per
    distinct text), its assessments and the latest return that changed its technology: of
    every system when `keys` is None, else of those `facts` holds alone."""
    matches: Matches = {}
    # An estate's components repeat a few dozen texts, and its assessments a few thousand
    # outcomes: equal rows share one (immutable) fact, built once.
    component_facts: dict[tuple[Any, ...], ComponentFact] = {}
    assessment_facts: dict[tuple[Any, ...], Assessment] = {}
    components = plain_rows(
        connection,
        _of_systems(
            sa.select(
                COMPONENT.c.system_id,
                plain(COMPONENT.c.kind),
                COMPONENT.c.product,
                COMPONENT.c.version,
                plain(COMPONENT.c.end_of_support),
            ).order_by(COMPONENT.c.system_id, COMPONENT.c.kind, COMPONENT.c.product),
            COMPONENT.c.system_id,
            None if keys is None else facts,
        ),
    )
    for row in components:
        owner = facts.get(row[0])
        if owner is None:
            continue
        key = row[1:]  # a plain tuple, sliced without unpacking: hundreds of thousands of rows
        fact = component_facts.get(key)
        if fact is None:
            kind_text, product, version, end_of_support = key
            kind = _KINDS[kind_text]
            match = None
            if kind is not ComponentKind.HARDWARE:
                text = (product, version or "")
                match = matches.get(text)
                if match is None:
                    match = matches[text] = catalogue.match(product, version or "")
            fact = component_facts[key] = ComponentFact(
                kind, product, version or "", as_date(end_of_support), match
            )
        owner.components.append(fact)
    assessments = plain_rows(
        connection,
        _of_systems(
            sa.select(
                ASSESSMENT.c.system_id,
                plain(ASSESSMENT.c.principle),
                plain(ASSESSMENT.c.outcome),
                plain(ASSESSMENT.c.assessed_on),
                ASSESSMENT.c.notes,
            ).order_by(ASSESSMENT.c.system_id, ASSESSMENT.c.principle),
            ASSESSMENT.c.system_id,
            None if keys is None else facts,
        ),
    )
    for row in assessments:
        owner = facts.get(row[0])
        if owner is None:
            continue
        key = row[1:]
        assessment = assessment_facts.get(key)
        if assessment is None:
            assessment = assessment_facts[key] = assessment_of(*key)
        owner.assessments.append(assessment)
    mark_changes(facts, technology_changes(connection))


def assessment_of(principle: str, outcome: str, assessed_on: Any, notes: str | None) -> Assessment:
    """An assessment as scoring reads it, from its stored values (enumerations as their stored
    text, the date as the driver returns it)."""
    return Assessment(_PRINCIPLES[principle], _OUTCOMES[outcome], as_date(assessed_on), notes)


def _of_systems(
    statement: sa.Select[Any], column: sa.Column[Any], systems: Collection[int] | None
) -> sa.Select[Any]:
    """`statement` cut to rows of `systems` (by id), or all rows when `systems` is None."""
    return statement if systems is None else statement.where(column.in_(list(systems)))
