"""Scoring the estate: legacy risk, cloud readiness, secure-by-design gaps and one remediation
priority per system, each explained. One pass over bulk-loaded data; no query per system."""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from estate.catalogue import Catalogue
from estate.catalogue.endoflife import load_catalogue
from estate.enums import Criticality, Hosting, SignIn
from estate.graph import EstateGraph
from estate.perf import collector_paused
from estate.progress import Progress
from estate.scoring.facts import SystemFacts, load_facts, load_system_facts, read_facts
from estate.scoring.legacy import legacy_scorer
from estate.scoring.policy import Policy
from estate.scoring.readiness import blocks_move, readiness_scorer
from estate.scoring.results import (
    Criterion,
    Gap,
    LegacyRisk,
    Readiness,
    Severity,
    SystemScore,
    score_text,
)
from estate.scoring.security import gap_scorer
from estate.sustainability.priority import carbon_part
from estate.words import counted, criterion_short

__all__ = [
    "EstateScores",
    "score_estate",
    "score_facts",
    "score_system",
    "unmatched_components",
]


@dataclass
class EstateScores:
    """Every system's scores, in priority order, and what they were computed with."""

    systems: list[SystemScore]
    policy: Policy
    catalogue: Catalogue
    graph: EstateGraph
    facts: dict[str, SystemFacts] = field(default_factory=dict)
    """What each system was scored from, by key: kept with the ranking, what its scores were
    worked out from (`estate.scoring.basis`) is read from them."""
    anchored: frozenset[str] = frozenset()
    """The systems that keep their dependents on premises."""
    data: str | None = None
    """What the estate's imports had stored when these facts were read (the kept ranking's
    `Basis.data`), when known: while it is still what is stored, the facts are the stored
    estate's."""

    def by_key(self) -> dict[str, SystemScore]:
        """Scores by DEPT/REFERENCE."""
        return {s.key: s for s in self.systems}


class _Priority:
    """The priority's rules of one policy, read once, with what repeats across systems (the
    parts of criticality and dependents, the reasons' words) worked out once."""

    __slots__ = (
        "_blast_words",
        "_carbon",
        "_criticality",
        "_criticality_words",
        "_dependents",
        "_found",
        "_gap_words",
        "_legacy_words",
        "_policy",
        "_readiness_words",
        "_saturation",
        "_severity",
        "_total",
        "_weights",
    )

    def __init__(self, policy: Policy) -> None:
        rules = policy.section("priority")
        security = policy.section("security")
        self._policy = policy
        weights = dict(rules["weights"])
        carbon_weight = float(rules["carbon_weight"])
        # Off by default: then priorities are as they were without it.
        self._carbon = float(rules["carbon_saturation_kg"]) if carbon_weight > 0 else None
        if self._carbon is not None:
            weights["carbon"] = carbon_weight
        self._weights = weights
        self._total = sum(weights.values())
        self._severity = {s: security["weights"][s.value] for s in Severity}
        self._saturation = float(security["saturation"])
        self._criticality: dict[str | None, float] = {}
        self._dependents: dict[int, float] = {}
        self._legacy_words: dict[tuple[Any, ...], tuple[str, str]] = {}
        self._gap_words: dict[tuple[int, int, int], tuple[Gap, str, str]] = {}
        self._blast_words: dict[tuple[int, int, int, int], tuple[str, str]] = {}
        self._criticality_words: dict[str, tuple[str, str]] = {}
        self._readiness_words: dict[tuple[Readiness, int], tuple[Any, str, str]] = {}
        self._found: dict[tuple[Any, ...], tuple[float, dict[str, float]]] = {}

    def _parts(self, score: SystemScore, gap_total: float, dependents: int) -> dict[str, float]:
        saturation = self._saturation
        readiness = score.readiness
        criticality = self._criticality.get(score.criticality)
        if criticality is None:
            rules = self._policy.section("priority")
            criticality = self._criticality[score.criticality] = float(
                rules["criticality"].get(score.criticality or "", rules["unknown_criticality"])
            )
        spread = self._dependents.get(dependents)
        if spread is None:
            saturated = math.log1p(float(self._policy.section("priority")["dependents_saturation"]))
            spread = self._dependents[dependents] = min(1.0, math.log1p(dependents) / saturated)
        parts = {
            "legacy": (score.legacy.overall or 0.0) / 30,
            "security": min(1.0, gap_total / saturation) if saturation else 0.0,
            "cloud": 0.5 if readiness.score is None else (100 - readiness.score) / 100,
            "criticality": criticality,
            "dependents": spread,
        }
        if self._carbon is not None:
            parts["carbon"] = carbon_part(score, self._policy.as_of, self._carbon)
        return parts

    def priority(self, score: SystemScore) -> tuple[float, dict[str, float]]:
        """The system's priority (0-100, to one decimal) and each part's contribution to it.
        Worked out once per distinct set of what it reads (overall legacy score, weight of its
        gaps, readiness score, criticality, dependents), which systems share by the thousand;
        the contributions are shared with them, and only read."""
        severity = self._severity
        gap_total = sum([severity[g.severity] for g in score.gaps])
        blast = score.blast
        dependents = blast.total if blast else 0
        key = None
        if self._carbon is None:  # the carbon part is the system's own
            key = (
                score.legacy.overall,
                gap_total,
                score.readiness.score,
                score.criticality,
                dependents,
            )
            found = self._found.get(key)
            if found is not None:
                return found
        weights = self._weights
        total_weight = self._total
        parts = self._parts(score, gap_total, dependents)
        value = 100 * sum(weights[k] * parts[k] for k in parts) / total_weight
        contributions = {k: weights[k] * parts[k] / total_weight for k in parts}
        result = round(value, 1), contributions
        if key is not None:
            self._found[key] = result
        return result

    def reasons(
        self, score: SystemScore, contributions: Mapping[str, float]
    ) -> tuple[tuple[str, ...], str]:
        """The priority's biggest contributions: each in words with its evidence, and a
        headline that says them in a few words."""
        said: list[tuple[float, str, str]] = []
        legacy = score.legacy
        if legacy.overall is not None:
            worst: Criterion | None = None
            highest = -1
            for criterion in legacy.likelihood:  # the first of the highest known
                value = criterion.value
                if value is not None and value > highest:
                    worst, highest = criterion, value
            # By what the words read of the criterion (a self-assessed one is seldom shared).
            key = (
                (legacy.overall,)
                if worst is None
                else (legacy.overall, worst.code, worst.value, worst.evidence)
            )
            entry = self._legacy_words.get(key)
            if entry is None:
                entry = self._legacy_words[key] = _legacy_words(legacy, worst)
            said.append((contributions["legacy"], *entry))
        gaps = score.gaps
        if gaps:
            high = [g for g in gaps if g.severity is Severity.HIGH]
            lead = high[0] if high else gaps[0]
            gap_key = (len(gaps), len(high), id(lead))
            gap_entry = self._gap_words.get(gap_key)
            if gap_entry is None:
                text = f"{counted(len(gaps), 'security gap')} ({len(high)} high): "
                text += f"{lead.principle.value} {lead.evidence}"
                short = (
                    counted(len(high), "high security gap")
                    if high
                    else counted(len(gaps), "security gap")
                )
                gap_entry = self._gap_words[gap_key] = (lead, text, short)
            said.append((contributions["security"], gap_entry[1], gap_entry[2]))
        blast = score.blast
        if blast and blast.total:
            blast_key = (blast.total, blast.direct, blast.critical, blast.departments)
            words = self._blast_words.get(blast_key)
            if words is None:
                words = self._blast_words[blast_key] = (
                    blast.describe(),
                    counted(blast.total, "dependent"),
                )
            said.append((contributions["dependents"], *words))
        criticality = score.criticality
        if criticality:
            named = self._criticality_words.get(criticality)
            if named is None:
                named = self._criticality_words[criticality] = (
                    f"business criticality {criticality}",
                    criticality,
                )
            said.append((contributions["criticality"], *named))
        readiness = score.readiness
        if readiness.category in _NOT_READY and readiness.reasons:
            first = readiness.reasons[0]
            # By the reason's identity, kept alive by the entry (as the legacy words).
            ready_key = (readiness.category, id(first))
            ready_entry = self._readiness_words.get(ready_key)
            if ready_entry is None:
                category = readiness.category.value.lower()
                ready_entry = self._readiness_words[ready_key] = (
                    first,
                    f"cloud: {category}, {first.text}",
                    f"cloud {category}",
                )
            said.append((contributions["cloud"], ready_entry[1], ready_entry[2]))
        said.sort(key=_minus_first)
        top = [item for item in said[:3] if item[0] > 0]
        return tuple(text for _, text, _ in top), "; ".join(short for _, _, short in top)


_NOT_READY = (Readiness.NOT_READY, Readiness.CONDITIONAL)


def _value(criterion: Criterion) -> int:
    return criterion.value or 0


def _minus_first(item: tuple[float, str, str]) -> float:
    return -item[0]


def _legacy_words(legacy: LegacyRisk, worst: Criterion | None) -> tuple[str, str]:
    """The legacy reason in words and in a few words, from its band, overall score and worst
    likelihood criterion."""
    assert legacy.overall is not None
    text = f"{legacy.band} legacy risk ({score_text(legacy.overall)}/30)"
    short = f"{legacy.band} legacy risk"
    if worst is not None and (worst.value or 0) >= 3:
        text += f"; {worst.code} {worst.name} {worst.value}/6: {worst.evidence}"
        short = criterion_short(worst.code, worst.name, worst.evidence)
    return text, short


def _priorities(policy: Policy) -> _Priority:
    return policy.memo("priority", _Priority)


def _unmatched(facts: SystemFacts) -> tuple[str, ...]:
    """The system's components the catalogue could not place and that carry no support date of
    their own, each with why."""
    return tuple(
        f"{c.label}: {c.match.note}"
        for c in facts.components
        if c.match is not None and not c.match.matched and c.end_of_support is None
    )


def unmatched_components(connection: Connection) -> list[tuple[str, str]]:
    """Every component the lifecycle catalogue could not place, as (system key, component and
    why), in key order: read from the stored returns without scoring the estate."""
    with collector_paused():
        facts = read_facts(connection, load_catalogue(connection))
    return sorted((f.key, text) for f in facts.values() for text in _unmatched(f))


class _Scorers:
    """Everything `score_facts` works out under one policy, made once and kept with it: the
    scorers of each part, and what it reads of each distinct set of components."""

    __slots__ = ("_as_of", "components", "gaps", "legacy", "priority", "readiness")

    def __init__(self, policy: Policy) -> None:
        self.legacy = legacy_scorer(policy)
        self.readiness = readiness_scorer(policy)
        self.gaps = gap_scorer(policy)
        self.priority = _priorities(policy)
        self.components: dict[tuple[int, ...], tuple[Any, ...]] = {}
        self._as_of = policy.as_of

    def of_components(self, facts: SystemFacts) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The system's unmatched components (`_unmatched`) and the labels of those out of
        support, once per distinct set of components (by identity: the entry keeps them
        alive, so their ids stay theirs while it stands)."""
        components = facts.components
        key = tuple(map(id, components))
        found = self.components.get(key)
        if found is None:
            found = self.components[key] = (
                tuple(components),
                _unmatched(facts),
                tuple(c.label for c in components if c.out_of_support(self._as_of)),
            )
        return found[1], found[2]


_WORDS: dict[Any, str | None] = {
    None: None,
    **{member: member.value for kind in (Criticality, Hosting, SignIn) for member in kind},
}
"""Each stored criticality, hosting and sign-in by its word (None for none): read per system."""


def score_facts(facts: SystemFacts, policy: Policy, anchored: Collection[str]) -> SystemScore:
    """One system's scores from its facts under `policy`; `anchored` holds the keys of the
    systems that cannot move to cloud (its readiness depends on theirs)."""
    scorers: _Scorers = policy.memo("scorers", _Scorers)
    row = facts.row
    unmatched, out_of_support = scorers.of_components(facts)
    # Made without the dataclass's field-by-field `__init__` (as `legacy_risk`): one for every
    # system of the estate. The stored enumerations' words come from a table, not `.value`.
    score = object.__new__(SystemScore)
    score.__dict__.update(
        key=facts.key,
        system_id=row.id,
        department=facts.department,
        department_name=facts.department_name,
        reference=row.reference,
        name=row.name,
        criticality=_WORDS[row.criticality],
        hosting=_WORDS[row.hosting],
        sign_in=_WORDS[row.sign_in],
        business_owner=row.business_owner,
        legacy=scorers.legacy.assess(facts),
        readiness=scorers.readiness.assess(facts, anchored),
        gaps=scorers.gaps.gaps(facts),
        blast=facts.blast,
        unmatched_components=unmatched,
        record=row,
        out_of_support=out_of_support,
        priority=0.0,
        rank=0,
        writer=None,
    )
    priorities = scorers.priority
    score.priority, score.contributions = priorities.priority(score)
    score.writer = priorities
    return score


PROGRESS_EVERY = 2000


def score_estate(
    connection: Connection,
    policy: Policy,
    progress: Progress | None = None,
    graph_read: Callable[[EstateGraph], None] | None = None,
) -> EstateScores:
    """Score every system in the estate; the result is in priority order, ties broken by
    overall legacy score, then department and reference, so it is the same every run.
    `progress` hears how far it has got: tens of thousands of systems take seconds.
    `graph_read` gets the dependency graph as soon as it is read, seconds before the scores."""
    with collector_paused():
        if progress:
            progress("Reading the estate and its dependencies", 0, 1)
        catalogue = load_catalogue(connection)
        facts, graph = load_facts(connection, catalogue, graph_read)
        anchored = {f.key for f in facts if blocks_move(f, policy)}
        systems = []
        for done, fact in enumerate(facts):
            if progress and done % PROGRESS_EVERY == 0:
                progress("Scoring systems", done, len(facts))
            systems.append(score_facts(fact, policy, anchored))
        if progress:
            progress("Scoring systems", len(facts), len(facts))
    systems.sort(key=lambda s: (-s.priority, -(s.legacy.overall or 0.0), s.department, s.reference))
    for rank, system in enumerate(systems, start=1):
        system.rank = rank
    by_key = {f.key: f for f in facts}
    return EstateScores(systems, policy, catalogue, graph, by_key, frozenset(anchored))


def score_system(connection: Connection, policy: Policy, key: str, rank: int) -> SystemScore:
    """One system scored exactly as `score_estate` scores it, reading the facts of only this
    system and of those it depends on (whether they can move to cloud matters to its readiness)
    and its dependents in the database: its explanation in a moment, without scoring or even
    loading the whole estate. `rank`, its place in the estate's order, needs every system and
    comes from the caller, e.g. a kept ranking."""
    with collector_paused():
        catalogue = load_catalogue(connection)
        facts, depended_on = load_system_facts(connection, catalogue, key)
        anchored = {f.key for f in depended_on if blocks_move(f, policy)}
        score = score_facts(facts, policy, anchored)
    score.rank = rank
    return score
