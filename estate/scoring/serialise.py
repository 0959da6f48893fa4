"""Scores as plain data: the stable JSON schema that `rank --json`, `show --json` and the json
export share. Field names only ever get added, never renamed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from estate.scoring.results import (
    CloudReadiness,
    Criterion,
    Gap,
    LegacyRisk,
    ReadinessReason,
    SystemScore,
)

SCHEMA_VERSION = 1

ItemOf = Callable[[Any, Callable[[Any], Any]], Any]
"""How an item of one of a score's lists (a criterion, a security gap, a reason) is given: from
what it shows and the function that gives that as plain data. `each_item` gives the plain data;
a writer that keeps the items apart (`estate.ranking.explanations`) gives a stand-in."""


def each_item(source: Any, plain: Callable[[Any], Any]) -> Any:
    """A list item as plain data: the `ItemOf` of every reader but one."""
    return plain(source)


def as_it_stands(text: str) -> str:
    """A list item that is already plain data (a reason in words)."""
    return text


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def criterion_dict(criterion: Criterion) -> dict[str, Any]:
    """One framework criterion."""
    return {
        "code": criterion.code,
        "name": criterion.name,
        "value": criterion.value,
        "source": criterion.source.value,
        "evidence": criterion.evidence,
        "would_change": criterion.would_change or None,
    }


def legacy_dict(legacy: LegacyRisk, item: ItemOf = each_item) -> dict[str, Any]:
    """The framework result, each item of its lists given by `item`."""
    return {
        "overall": _round(legacy.overall),
        "band": legacy.band.value if legacy.band else None,
        "is_legacy": legacy.is_legacy,
        "likelihood_total": _round(legacy.likelihood_total),
        "impact_total": _round(legacy.impact_total),
        "likelihood": [item(c, criterion_dict) for c in legacy.likelihood],
        "impact": [item(c, criterion_dict) for c in legacy.impact],
        "contradictions": [item(text, as_it_stands) for text in legacy.contradictions],
    }


def reason_dict(reason: ReadinessReason) -> dict[str, Any]:
    """One reason for a cloud readiness."""
    return {"text": reason.text, "effect": reason.effect, "penalty": reason.penalty}


def readiness_dict(readiness: CloudReadiness, item: ItemOf = each_item) -> dict[str, Any]:
    """Cloud readiness and the suggested disposition, each reason given by `item`."""
    return {
        "category": readiness.category.value,
        "score": readiness.score,
        "reasons": [item(r, reason_dict) for r in readiness.reasons],
        "suggested_disposition": readiness.disposition.value if readiness.disposition else None,
        "disposition_reason": readiness.disposition_reason,
    }


def gap_dict(gap: Gap) -> dict[str, Any]:
    """One security gap."""
    return {
        "principle": gap.principle.value,
        "title": gap.principle.label,
        "framework": gap.framework.value,
        "severity": gap.severity.value,
        "source": gap.source,
        "evidence": gap.evidence,
    }


def score_dict(score: SystemScore, item: ItemOf = each_item) -> dict[str, Any]:
    """Everything concluded about one system, each item of its lists given by `item`."""
    blast = score.blast
    return {
        "rank": score.rank,
        "key": score.key,
        "department": score.department,
        "reference": score.reference,
        "name": score.name,
        "criticality": score.criticality,
        "hosting": score.hosting,
        "sign_in": score.sign_in,
        "business_owner": score.business_owner,
        "priority": score.priority,
        "reasons": [item(text, as_it_stands) for text in score.reasons],
        "headline": score.headline,
        "legacy": legacy_dict(score.legacy, item),
        "cloud": readiness_dict(score.readiness, item),
        "security_gaps": [item(g, gap_dict) for g in score.gaps],
        "blast_radius": None
        if blast is None
        else {
            "direct": blast.direct,
            "total": blast.total,
            "critical": blast.critical,
            "departments": blast.departments,
        },
        "unmatched_components": [item(text, as_it_stands) for text in score.unmatched_components],
    }
