"""The few outcomes of scoring that a trend counts, worked out for one estate at many dates
with the work shared between them.

A trend scores every period's estate, and most systems are the same from one period to the
next: the same stored row, components, assessments and place in the graph. What does move for
them is the date, and the date reaches the counted outcomes (legacy, red-rated, ready for
cloud, the number of security gaps) only through the derived L1 and L2 scores, which
components are out of support, and whether a penetration test is due. A system whose stored
facts, place in the graph and those date-dependent values are what they were at another period
has that period's outcomes, so it is scored in full only once; the rest is read from the memo.
What no date changes is worked out once per version of a system's facts."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any, NamedTuple

from estate.graph import BlastRadius, EstateGraph
from estate.perf import collector_paused
from estate.scoring.facts import SystemFacts
from estate.scoring.legacy import assess_legacy, derive_c3, l1_score, l2_score
from estate.scoring.policy import Policy
from estate.scoring.readiness import assess_readiness, blocks_move
from estate.scoring.results import Band, Readiness
from estate.scoring.security import assess_gaps, pen_test_due


class Outcome(NamedTuple):
    """What a trend counts of one system's scores."""

    department: str
    legacy: bool
    red_rated: bool
    ready_for_cloud: bool
    """Ready for public cloud (not counting Ready with conditions)."""
    gaps: int
    annual_run_cost: float | None
    plan_funded: bool


Counted = tuple[bool, bool, bool, int]
"""(legacy, red-rated, ready for cloud, security gaps): an outcome less the stored values."""


@dataclass
class OutcomeMemo:
    """What scoring one estate at several dates under one policy's values shares: each
    system's counted outcomes by everything they were worked out from, and what each version
    of a system's facts gives whatever the date. Use one memo for one policy's values only."""

    outcomes: dict[Hashable, Counted] = field(default_factory=dict)
    scored: int = 0
    """How many systems were scored in full (the rest came from the memo)."""
    _static: dict[int, tuple[SystemFacts, int, bool]] = field(default_factory=dict)
    """By the id of a version's facts: those facts (kept alive, so the id stays theirs), the
    number of their date-free basis, and whether they keep their dependents on premises."""
    _bases: dict[Hashable, int] = field(default_factory=dict)
    _graph: tuple[EstateGraph, dict[str, BlastRadius], dict[str, list[str]]] | None = None

    def static(self, facts: SystemFacts, policy: Policy) -> tuple[int, bool]:
        """The number of the facts' date-free basis (equal facts, equal number) and whether
        the system blocks its dependents' move."""
        found = self._static.get(id(facts))
        if found is None:
            number = self._bases.setdefault(_date_free_basis(facts, policy), len(self._bases))
            found = self._static[id(facts)] = (facts, number, blocks_move(facts, policy))
        return found[1], found[2]

    def places(self, graph: EstateGraph) -> tuple[dict[str, BlastRadius], dict[str, list[str]]]:
        """Every node's blast radius and what it depends on, worked out once per graph."""
        if self._graph is None or self._graph[0] is not graph:
            successors = {key: sorted(graph.graph.successors(key)) for key in graph.graph}
            self._graph = (graph, graph.blast_radius(), successors)
        return self._graph[1], self._graph[2]


_NOT_KEYED = frozenset({"id", "source_batch_id", "source_row", "annual_run_cost"})
"""Stored fields left out of a system's basis: the id, which a rebuilt estate numbers afresh,
where the row came from, which scoring never reads, and the run cost, which scoring reads only
for the C3 score (in the basis instead), so a new run cost that leaves C3 where it was is no
reason to score the system again."""


@cache
def _keyed(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Picks a stored row's fields that are not `_NOT_KEYED`, in order."""
    return itemgetter(*(i for i, name in enumerate(fields) if name not in _NOT_KEYED))


def _date_free_basis(facts: SystemFacts, policy: Policy) -> Hashable:
    """What a system's counted outcomes depend on that no date changes: its stored row (less
    `_NOT_KEYED`), its C3 score, components and assessments."""
    row = facts.row
    c3 = derive_c3(facts, policy)
    return (
        _keyed(row._fields)(row),
        None if c3 is None else c3[0],
        tuple((c.kind, c.product, c.version, c.end_of_support) for c in facts.components),
        tuple(facts.assessments),
    )


def period_outcomes(
    standing: Iterable[SystemFacts], graph: EstateGraph, policy: Policy, memo: OutcomeMemo
) -> list[Outcome]:
    """Every standing system's counted outcomes, exactly as `score_estate` would give them
    for the estate of these systems and this graph under `policy`, scoring in full only the
    systems `memo` has not seen as they are now. A system's facts get their place in `graph`
    (blast radius and what they depend on)."""
    blast, successors = memo.places(graph)
    statics = [(facts, *memo.static(facts, policy)) for facts in standing]
    anchored = {facts.key for facts, _number, blocks in statics if blocks}
    as_of = policy.as_of
    found = []
    with collector_paused():
        for facts, number, _blocks in statics:
            key = facts.key
            row = facts.row
            depends_on = successors[key]
            radius = blast.get(key)
            basis = (
                number,
                None if radius is None else radius.total,
                sum(k in anchored for k in depends_on),
                l1_score(facts, policy),
                l2_score(facts, policy),
                tuple(c.out_of_support(as_of) for c in facts.components),
                pen_test_due(row, policy),
            )
            counted = memo.outcomes.get(basis)
            if counted is None:
                facts.blast, facts.depends_on = radius, depends_on
                counted = memo.outcomes[basis] = _counted(facts, policy, anchored)
                memo.scored += 1
            found.append(
                Outcome(facts.department, *counted, row.annual_run_cost, row.plan_funded is True)
            )
    return found


def _counted(facts: SystemFacts, policy: Policy, anchored: set[str]) -> Counted:
    """The counted outcomes of one system's scores, assessed as `score_facts` assesses them
    (its priority and reasons, which a trend does not count, left out)."""
    legacy = assess_legacy(facts, policy)
    return (
        bool(legacy.is_legacy),
        legacy.band is Band.RED,
        assess_readiness(facts, policy, anchored).category is Readiness.READY,
        len(assess_gaps(facts, policy)),
    )
