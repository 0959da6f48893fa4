"""The few outcomes of scoring that a trend counts, worked out for one estate at many dates
with the work shared between them.

A trend scores every period's estate in full, and most systems are the same from one period
to the next: the same stored row, components, assessments and place in the graph. What does
move for them is the date, and the date reaches the counted outcomes (legacy, red-rated, ready
for cloud, the number of security gaps) only through the derived L1 and L2 scores, which
components are out of support, and whether a penetration test is due. A system whose stored
facts and those date-dependent values are what they were at another period has that period's
outcomes, so it is scored in full only once; the rest is read from the memo."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy.engine import Connection

from estate.catalogue import Catalogue
from estate.perf import collector_paused
from estate.progress import Progress
from estate.scoring import score_facts
from estate.scoring.facts import Matches, SystemFacts, load_facts
from estate.scoring.legacy import derive_c3, derive_l1, derive_l2
from estate.scoring.policy import Policy
from estate.scoring.readiness import blocks_move
from estate.scoring.results import Band, Readiness
from estate.scoring.security import pen_test_due


@dataclass(frozen=True)
class Outcome:
    """What a trend counts of one system's scores."""

    department: str
    legacy: bool
    red_rated: bool
    ready_for_cloud: bool
    """Ready for public cloud (not counting Ready with conditions)."""
    gaps: int
    annual_run_cost: float | None
    plan_funded: bool


@dataclass
class ScoringMemo:
    """What scoring one estate at several dates under one policy's values shares: the
    lifecycle catalogue, what it made of each component text, and each system's counted
    outcomes by everything they were worked out from. Use one memo for one policy only."""

    catalogue: Catalogue
    matches: Matches = field(default_factory=dict)
    outcomes: dict[Hashable, tuple[bool, bool, bool, int]] = field(default_factory=dict)
    scored: int = 0
    """How many systems were scored in full (the rest came from the memo)."""


_NOT_KEYED = frozenset({"id", "source_batch_id", "source_row", "annual_run_cost"})
"""Stored fields left out of a system's basis: the id, which a rebuilt estate numbers afresh,
where the row came from, which scoring never reads, and the run cost, which scoring reads only
for the C3 score (in the basis instead), so a new run cost that leaves C3 where it was is no
reason to score the system again."""


@cache
def _keyed(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Picks a stored row's fields that are not `_NOT_KEYED`, in order."""
    return itemgetter(*(i for i, name in enumerate(fields) if name not in _NOT_KEYED))


def _basis(facts: SystemFacts, policy: Policy, anchored: set[str]) -> Hashable:
    """Everything a system's counted outcomes depend on: its stored row (less `_NOT_KEYED`),
    its C3 score, components, assessments, dependents, how many systems it depends on cannot
    move, and the values the as-of date gives it."""
    row = facts.row
    l1, l2, c3 = derive_l1(facts, policy), derive_l2(facts, policy), derive_c3(facts, policy)
    blast = facts.blast
    return (
        tuple(
            value for name, value in zip(row._fields, row, strict=True) if name not in _NOT_KEYED
        ),
        None if c3 is None else c3[0],
        tuple((c.kind, c.product, c.version, c.end_of_support) for c in facts.components),
        tuple(facts.assessments),
        None if blast is None else blast.total,
        sum(key in anchored for key in facts.depends_on),
        None if l1 is None else l1[0],
        None if l2 is None else l2[0],
        tuple(c.out_of_support(policy.as_of) for c in facts.components),
        pen_test_due(row, policy),
    )


def score_outcomes(
    connection: Connection, policy: Policy, memo: ScoringMemo, progress: Progress | None = None
) -> list[Outcome]:
    """Every system's counted outcomes, exactly as `score_estate` would give them under
    `policy`, scoring in full only the systems `memo` has not seen as they are now."""
    with collector_paused():
        if progress:
            progress("Reading the estate and its dependencies", 0, 1)
        facts, _graph = load_facts(connection, memo.catalogue, matches=memo.matches)
        anchored = {f.key for f in facts if blocks_move(f, policy)}
        found = []
        for fact in facts:
            basis = _basis(fact, policy, anchored)
            counted = memo.outcomes.get(basis)
            if counted is None:
                score = score_facts(fact, policy, anchored)
                counted = memo.outcomes[basis] = (
                    bool(score.legacy.is_legacy),
                    score.legacy.band is Band.RED,
                    score.readiness.category is Readiness.READY,
                    len(score.gaps),
                )
                memo.scored += 1
            row = fact.row
            found.append(
                Outcome(fact.department, *counted, row.annual_run_cost, row.plan_funded is True)
            )
        if progress:
            progress("Scoring systems", len(facts), len(facts))
    return found
