"""The figures a board paper opens with, and the data-quality notes it closes with, computed
once from the selection for every export format."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from estate.reassess import PREDATES
from estate.scoring import EstateScores
from estate.scoring.results import Band, Criterion, Readiness, Source, SystemScore

BAND_ORDER = (Band.RED, Band.HIGH, Band.MEDIUM, Band.LOW)
READINESS_ORDER = (Readiness.READY, Readiness.CONDITIONAL, Readiness.NOT_READY, Readiness.UNKNOWN)


@dataclass
class Summary:
    """Counts by band, readiness and department, and the red-rated systems' plans."""

    systems: int
    legacy: int
    by_band: dict[str, int]
    by_readiness: dict[str, int]
    by_department: list[tuple[str, int, int, int]]
    """(department, systems, red-rated, legacy)."""
    red_funded: int
    red_unfunded_plan: int
    red_no_plan: int


@dataclass
class DataQuality:
    """What the scores could not see, so readers know their limits."""

    unknown_criteria: list[tuple[str, list[tuple[str, str]]]] = field(default_factory=list)
    """(system, [(criterion code left unknown, the criterion named with what would give it)])."""
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    unresolved: list[tuple[str, str]] = field(default_factory=list)
    """(system, the system it depends on that no return has supplied)."""
    on_gone: list[tuple[str, str, str]] = field(default_factory=list)
    """(system, the system it depends on, that system's status: retired or cancelled)."""
    readiness_unknown: list[str] = field(default_factory=list)
    missing_from_return: list[str] = field(default_factory=list)
    contradictions: list[tuple[str, str]] = field(default_factory=list)
    """(system, a self-assessed score the inventory contradicts): the department's stands."""


def summarise(selection: list[SystemScore]) -> Summary:
    """The headline figures for a selection of systems."""
    bands = Counter(s.legacy.band for s in selection)
    readiness = Counter(s.readiness.category for s in selection)
    per_department: dict[str, list[SystemScore]] = {}
    for system in selection:
        per_department.setdefault(system.department, []).append(system)
    red = [s for s in selection if s.legacy.band is Band.RED]
    return Summary(
        systems=len(selection),
        legacy=sum(1 for s in selection if s.legacy.is_legacy),
        by_band={**{b.value: bands.get(b, 0) for b in BAND_ORDER}, "Unknown": bands.get(None, 0)},
        by_readiness={r.value: readiness.get(r, 0) for r in READINESS_ORDER},
        by_department=sorted(
            (
                (
                    department,
                    len(rows),
                    sum(1 for s in rows if s.legacy.band is Band.RED),
                    sum(1 for s in rows if s.legacy.is_legacy),
                )
                for department, rows in per_department.items()
            ),
            key=lambda row: (-row[2], -row[1], row[0]),
        ),
        red_funded=sum(1 for s in red if s.record.remediation_plan and s.record.plan_funded),
        red_unfunded_plan=sum(
            1 for s in red if s.record.remediation_plan and not s.record.plan_funded
        ),
        red_no_plan=sum(1 for s in red if not s.record.remediation_plan),
    )


def data_quality(scores: EstateScores, selection: list[SystemScore]) -> DataQuality:
    """Unknown criteria, unmatched components, unresolved dependencies and missing systems."""
    quality = DataQuality()
    graph = scores.graph
    # Looked up once, not once a system: this runs over every system of an estate.
    unknown, cannot_tell = Source.UNKNOWN, Readiness.UNKNOWN
    depends_on = graph.successor_lists()
    for system in selection:
        legacy = system.legacy
        missing = [c for c in legacy.likelihood if c.source is unknown]
        missing += [c for c in legacy.impact if c.source is unknown]
        if missing:
            quality.unknown_criteria.append((system.key, [(c.code, _unknown(c)) for c in missing]))
        if system.unmatched_components:
            quality.unmatched.extend((system.key, text) for text in system.unmatched_components)
        targets = depends_on[system.key]
        for target in sorted(targets) if targets else ():
            node = graph.nodes[target]
            if node.gone:
                quality.on_gone.append((system.key, target, node.gone))
            elif node.placeholder:
                quality.unresolved.append((system.key, target))
        if system.readiness.category is cannot_tell:
            quality.readiness_unknown.append(system.key)
        if system.record.missing_from_latest_return:
            quality.missing_from_return.append(system.key)
        if legacy.contradictions:
            quality.contradictions.extend((system.key, text) for text in legacy.contradictions)
    return quality


def _unknown(criterion: Criterion) -> str:
    """What leaving a criterion unknown costs the scoring, and what would give it."""
    total = "likelihood" if criterion.code.startswith("L") else "impact"
    text = (
        f"{criterion.code} {criterion.name}: neither self-assessed nor derivable from the "
        f"return, so the {total} total is worked out without it"
    )
    if criterion.would_change:
        text += f". To score it: {_lower(criterion.would_change)}"
    return text


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


class QualityRow(NamedTuple):
    """One system and one gap in what the scores could see, as every format lists it."""

    issue: str
    system: str
    leaves_unknown: str
    """The criterion, or the view, the gap leaves unknown; "" when the scores are whole."""
    detail: str


def quality_rows(quality: DataQuality) -> list[QualityRow]:
    """One row per system and gap, each saying what the gap costs the scoring: criteria left
    unknown one row each, then components not in the catalogue, unresolved dependencies,
    systems with no cloud view, systems missing from their return, contradicted
    self-assessments."""
    unknown = {key: {code for code, _ in gaps} for key, gaps in quality.unknown_criteria}
    rows = [
        QualityRow("Criterion not known", key, code, detail)
        for key, gaps in quality.unknown_criteria
        for code, detail in gaps
    ]
    rows += [
        QualityRow(
            "Component not in catalogue",
            key,
            "L1" if "L1" in unknown.get(key, ()) else "",
            f"{text}: its support dates cannot count towards L1",
        )
        for key, text in quality.unmatched
    ]
    rows += [
        QualityRow(
            "Unresolved dependency",
            key,
            "",
            f"depends on {target}, which no return has supplied: C6 and the waves count it "
            "once supplied",
        )
        for key, target in quality.unresolved
    ]
    rows += [
        QualityRow(
            "Depends on a retired system",
            key,
            "",
            f"depends on {target}, which its return gives as {status}: review the dependency",
        )
        for key, target, status in quality.on_gone
    ]
    rows += [
        QualityRow("Cloud readiness unknown", key, "Cloud readiness", "too little data")
        for key in quality.readiness_unknown
    ]
    rows += [
        QualityRow("Missing from latest return", key, "", "listed before, not in the latest return")
        for key in quality.missing_from_return
    ]
    rows += [
        QualityRow(
            "Self-assessment predates a change"
            if PREDATES in text
            else "Self-assessment contradicted",
            key,
            "",
            text,
        )
        for key, text in quality.contradictions
    ]
    return rows
