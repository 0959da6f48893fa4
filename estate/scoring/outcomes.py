"""The few outcomes of scoring that a trend counts, worked out for one estate at many dates
with the work shared between them.

A trend scores every period's estate, and most of what it counts moves seldom. The date
reaches the counted outcomes (legacy, red-rated, ready for cloud, the number of security gaps)
only through the derived L1 and L2 scores, which components are out of support, and whether a
penetration test is due; the graph only through C6 and the dependencies that keep a system on
premises. So each outcome is worked out from exactly what it depends on, and kept by it:
legacy and red-rated from the criteria's values, readiness and the security gaps by the
system's date-free facts and the few values the date or graph moves for them. What no date
changes is worked out once per version of a system's facts."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from operator import attrgetter, itemgetter
from typing import Any, NamedTuple

from estate.perf import collector_paused
from estate.scoring.facts import SystemFacts
from estate.scoring.legacy import (
    DERIVATIONS,
    IMPACT,
    LIKELIHOOD,
    l1_score,
    l2_score,
    legacy_verdict,
    nothing_known,
)
from estate.scoring.policy import Policy, at_least
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


@dataclass(frozen=True)
class _Version:
    """What one version of a system's facts gives whatever the date and the graph."""

    facts: SystemFacts
    """The facts themselves, kept alive so that their id stays theirs."""
    number: int
    """The number of the date-free basis of the system's readiness and security gaps: equal
    bases, equal numbers."""
    blocks: bool
    """Whether the system keeps its dependents on premises."""
    criteria: tuple[int | None, ...]
    """The values of the criteria no date or graph moves (L3-L7, C1-C5)."""
    own: tuple[int | None, int | None, int | None]
    """The department's own L1, L2 and C6 scores, which stand over the derived ones."""


@dataclass
class OutcomeMemo:
    """What scoring one estate at several dates under one policy's values shares. Legacy and
    red-rated are decided from the criteria's values, each combination once; readiness is kept
    by the system's date-free facts, the dependencies that keep it on premises and its
    components out of support, and the number of security gaps by those facts, components out
    of support and whether a penetration test is due. So a system whose contract end draws a
    band nearer, or whose hardware is a quarter older, has its criteria worked out again but
    is not assessed again. Use one memo for one policy's values only."""

    legacy: dict[Hashable, tuple[bool, bool]] = field(default_factory=dict)
    ready: dict[Hashable, bool] = field(default_factory=dict)
    gaps: dict[Hashable, int] = field(default_factory=dict)
    scored: int = 0
    """How many systems were assessed, in part or in full (the rest came from the memo)."""
    _versions: dict[int, _Version] = field(default_factory=dict)
    _bases: dict[Hashable, int] = field(default_factory=dict)

    def version(self, facts: SystemFacts, policy: Policy) -> _Version:
        """What these facts give whatever the date and the graph, worked out once."""
        found = self._versions.get(id(facts))
        if found is None:
            row = facts.row
            criteria = tuple(
                _derived_score(code, facts, policy) if own is None else int(own)
                for code, own in zip(_STILL, _STILL_OWN(row), strict=True)
            )
            basis = _date_free_basis(facts)
            number = self._bases.setdefault(basis, len(self._bases))
            own = (_whole(row.l1), _whole(row.l2), _whole(row.c6))
            found = _Version(facts, number, blocks_move(facts, policy), criteria, own)
            self._versions[id(facts)] = found
        return found


def _whole(value: Any) -> int | None:
    """A self-assessed score as scoring reads it."""
    return None if value is None else int(value)


_STILL = tuple(code for code, _name in (*LIKELIHOOD, *IMPACT) if code not in {"L1", "L2", "C6"})
"""The criteria that neither a period's date (as L1 and L2) nor its graph (as C6) moves for
unchanged facts."""
_STILL_OWN = attrgetter(*(code.lower() for code in _STILL))
"""The department's own scores of those criteria, from a stored row."""


def _derived_score(code: str, facts: SystemFacts, policy: Policy) -> int | None:
    """A criterion's score as derived from the facts (whatever the department's own score),
    None where the facts cannot say or it has no derivation."""
    derive = DERIVATIONS.get(code)
    found = derive(facts, policy) if derive else None
    return None if found is None else found[0]


_NOT_KEYED = frozenset(
    {
        "id",
        "source_batch_id",
        "source_row",
        "assessed_on",
        "remediation_plan",
        "target_date",
        "planned_disposition",
        "plan_funded",
        "contract_end",
        "last_pen_test",
        "annual_run_cost",
        "skilled_staff",
        "hardware_age_years",
        "incidents_12m",
        "open_critical_vulns",
        "users",
        *(code.lower() for code, _name in (*LIKELIHOOD, *IMPACT)),
    }
)
"""Stored fields left out of the basis of a system's readiness and security gaps:
- the id, which a rebuilt estate numbers afresh, and where the row came from;
- fields scoring reads only for words (the date of the self-assessment) or not at all (the
  remediation plan, its funding, target date and disposition: a trend takes whether a plan
  is funded from the row itself);
- fields read only for the legacy criteria, which are worked out apart: the contract's end
  and the last penetration test (whether one is due is in the basis instead), the run cost,
  staff, hardware age, incidents, open vulnerabilities and users (of the last two, what
  readiness and the gaps read is in the basis instead), and the department's own scores. So
  a system whose hardware is a quarter older is not assessed again."""


@cache
def _keyed(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """Picks a stored row's fields that are not `_NOT_KEYED`, in order."""
    return itemgetter(*(i for i, name in enumerate(fields) if name not in _NOT_KEYED))


def _date_free_basis(facts: SystemFacts) -> Hashable:
    """What a system's readiness and security gaps depend on that no date changes: its stored
    row less `_NOT_KEYED`, the two facts they read of the open vulnerabilities and users (any
    open critical vulnerability is a gap; no users at all says a system may be retired), its
    components and assessments."""
    row = facts.row
    return (
        _keyed(row._fields)(row),
        bool(row.open_critical_vulns),
        row.users == 0,
        tuple((c.kind, c.product, c.version, c.end_of_support) for c in facts.components),
        tuple(facts.assessments),
    )


def period_outcomes(
    standing: Iterable[SystemFacts],
    dependents: Mapping[str, int],
    successors: Mapping[str, list[str]],
    policy: Policy,
    memo: OutcomeMemo,
) -> list[Outcome]:
    """Every standing system's counted outcomes, exactly as `score_estate` would give them
    for the estate of these systems under `policy`, where each node of its dependency graph
    has `dependents` (directly or through others) and depends on its `successors`; assessing
    only what `memo` has not seen worked out from the same values. A system's facts get what
    they depend on."""
    versions = [memo.version(facts, policy) for facts in standing]
    anchored = {v.facts.key for v in versions if v.blocks}
    as_of = policy.as_of
    c6_bands = policy.bands("impact", "c6", "dependents_at_least")
    c6_otherwise = int(policy.section("impact", "c6")["otherwise"])
    found = []
    with collector_paused():
        for version in versions:
            facts = version.facts
            row = facts.row
            depends_on = successors[facts.key]
            total = dependents.get(facts.key)
            own_l1, own_l2, own_c6 = version.own
            out_of_support = tuple(c.out_of_support(as_of) for c in facts.components)
            no_dependents = not total
            c6 = own_c6
            if c6 is None and total is not None:
                c6 = at_least(total, c6_bands, c6_otherwise)
            l1 = l1_score(facts, policy) if own_l1 is None else own_l1
            l2 = l2_score(facts, policy) if own_l2 is None else own_l2
            criteria = version.criteria
            if nothing_known(no_dependents, own_c6 is None and c6 is not None, (l1, l2, *criteria)):
                c6 = None
            legacy_basis = ((l1, l2, *criteria[:5]), (*criteria[5:], c6))
            stuck = sum(k in anchored for k in depends_on)
            ready_basis = (version.number, stuck, out_of_support)
            gaps_basis = (version.number, out_of_support, pen_test_due(row, policy))
            legacy = memo.legacy.get(legacy_basis)
            if legacy is None:
                band, is_legacy = legacy_verdict(*legacy_basis, policy)
                legacy = memo.legacy[legacy_basis] = (bool(is_legacy), band is Band.RED)
            ready = memo.ready.get(ready_basis)
            gaps = memo.gaps.get(gaps_basis)
            if ready is None or gaps is None:
                facts.depends_on = depends_on
                memo.scored += 1
                if ready is None:
                    category = assess_readiness(facts, policy, anchored).category
                    ready = memo.ready[ready_basis] = category is Readiness.READY
                if gaps is None:
                    gaps = memo.gaps[gaps_basis] = len(assess_gaps(facts, policy))
            found.append(
                Outcome(
                    facts.department,
                    *legacy,
                    ready,
                    gaps,
                    row.annual_run_cost,
                    row.plan_funded is True,
                )
            )
    return found
