"""Everything scoring needs about every system, read in a handful of bulk queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.catalogue import Catalogue, Match
from estate.enums import ComponentKind
from estate.graph import BlastRadius, EstateGraph, load_graph, system_key
from estate.models import Component, Organisation, SecurityAssessment, System, table_of

SYSTEM = table_of(System)
ORG = table_of(Organisation)
COMPONENT = table_of(Component)
ASSESSMENT = table_of(SecurityAssessment)


@dataclass(frozen=True)
class ComponentFact:
    """A component and what the catalogue makes of it."""

    kind: ComponentKind
    product: str
    version: str
    end_of_support: Any
    match: Match | None

    @property
    def label(self) -> str:
        """The component as the department wrote it."""
        return f"{self.product} {self.version}".strip()


@dataclass
class SystemFacts:
    """One system's stored row plus its components, assessments and place in the graph."""

    key: str
    department: str
    department_name: str
    row: Any
    components: list[ComponentFact] = field(default_factory=list)
    assessments: list[Any] = field(default_factory=list)
    blast: BlastRadius | None = None
    depends_on: list[str] = field(default_factory=list)


def load_facts(
    connection: Connection, catalogue: Catalogue
) -> tuple[list[SystemFacts], EstateGraph]:
    """All systems' facts and the estate graph; components are matched once per distinct text."""
    facts: dict[int, SystemFacts] = {}
    statement = sa.select(SYSTEM, ORG.c.code.label("org_code"), ORG.c.name.label("org_name")).join(
        ORG, SYSTEM.c.organisation_id == ORG.c.id
    )
    for row in connection.execute(statement):
        facts[row.id] = SystemFacts(
            system_key(row.org_code, row.reference), row.org_code, row.org_name, row
        )
    matches: dict[tuple[str, str], Match] = {}
    components = connection.execute(
        sa.select(
            COMPONENT.c.system_id, COMPONENT.c.kind, COMPONENT.c.product, COMPONENT.c.version,
            COMPONENT.c.end_of_support,
        ).order_by(COMPONENT.c.system_id, COMPONENT.c.kind, COMPONENT.c.product)
    )  # fmt: skip
    for system_id, kind, product, version, end_of_support in components:
        match = None
        if kind is not ComponentKind.HARDWARE:
            text = (product, version or "")
            match = matches.get(text)
            if match is None:
                match = matches[text] = catalogue.match(product, version or "")
        facts[system_id].components.append(
            ComponentFact(kind, product, version or "", end_of_support, match)
        )
    by_system: dict[int, list[Any]] = defaultdict(list)
    for row in connection.execute(
        sa.select(ASSESSMENT).order_by(ASSESSMENT.c.system_id, ASSESSMENT.c.principle)
    ):
        by_system[row.system_id].append(row)
    for system_id, rows in by_system.items():
        facts[system_id].assessments = rows
    graph = load_graph(connection)
    blast = graph.blast_radius()
    for fact in facts.values():
        fact.blast = blast.get(fact.key)
        fact.depends_on = sorted(graph.graph.successors(fact.key))
    return list(facts.values()), graph
