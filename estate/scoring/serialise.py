"""Scores as plain data: the stable JSON schema that `rank --json`, `show --json` and the json
export share. Field names only ever get added, never renamed."""

from __future__ import annotations

from typing import Any

from estate.scoring.results import CloudReadiness, Criterion, Gap, LegacyRisk, SystemScore

SCHEMA_VERSION = 1


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


def legacy_dict(legacy: LegacyRisk) -> dict[str, Any]:
    """The framework result."""
    return {
        "overall": _round(legacy.overall),
        "band": legacy.band.value if legacy.band else None,
        "is_legacy": legacy.is_legacy,
        "likelihood_total": _round(legacy.likelihood_total),
        "impact_total": _round(legacy.impact_total),
        "likelihood": [criterion_dict(c) for c in legacy.likelihood],
        "impact": [criterion_dict(c) for c in legacy.impact],
        "contradictions": list(legacy.contradictions),
    }


def readiness_dict(readiness: CloudReadiness) -> dict[str, Any]:
    """Cloud readiness and the suggested disposition."""
    return {
        "category": readiness.category.value,
        "score": readiness.score,
        "reasons": [
            {"text": r.text, "effect": r.effect, "penalty": r.penalty} for r in readiness.reasons
        ],
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


def score_dict(score: SystemScore) -> dict[str, Any]:
    """Everything concluded about one system."""
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
        "reasons": list(score.reasons),
        "headline": score.headline,
        "legacy": legacy_dict(score.legacy),
        "cloud": readiness_dict(score.readiness),
        "security_gaps": [gap_dict(g) for g in score.gaps],
        "blast_radius": None
        if blast is None
        else {
            "direct": blast.direct,
            "total": blast.total,
            "critical": blast.critical,
            "departments": blast.departments,
        },
        "unmatched_components": list(score.unmatched_components),
    }
