"""What scoring produces for each system: every score with the reasons behind it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple, Protocol

from estate.dates import uk_date as uk_date  # evidence text gives dates day first
from estate.enums import Disposition, Framework, Principle
from estate.graph import BlastRadius


def score_text(value: float) -> str:
    """An overall score as people read it: to two decimals where one would round it across a
    band's boundary (15.98 is High, and reads 15.98, not 16.0), else to one (8.0, 12.5)."""
    text = f"{value:.2f}"
    return text[:-1] if text.endswith("0") else text


class Band(StrEnum):
    """Legacy risk bands of the CDDO framework."""

    LOW = "Low"
    MEDIUM = "Medium"
    HIGH = "High"
    RED = "Red-rated"


class Readiness(StrEnum):
    """Cloud readiness categories, as migration assessment tools use them."""

    READY = "Ready"
    CONDITIONAL = "Ready with conditions"
    NOT_READY = "Not ready"
    UNKNOWN = "Unknown"


class Source(StrEnum):
    """Where a criterion's score came from."""

    SELF_ASSESSED = "self-assessed"
    DERIVED = "derived"
    UNKNOWN = "unknown"


class Severity(StrEnum):
    """How serious a security gap is."""

    HIGH = "High"
    MEDIUM = "Medium"
    LOW = "Low"


class Criterion(NamedTuple):
    """One framework criterion (L1-L7, C1-C6): its score, source, evidence and what would
    change it. A named tuple rather than a frozen dataclass: as immutable, and several times
    faster to build, which counts at thirteen per system."""

    code: str
    name: str
    value: int | None
    source: Source
    evidence: str
    would_change: str = ""


@dataclass(frozen=True)
class LegacyRisk:
    """The Legacy IT Risk Assessment Framework applied to one system."""

    likelihood: tuple[Criterion, ...]
    impact: tuple[Criterion, ...]
    likelihood_total: float | None
    impact_total: float | None
    overall: float | None
    band: Band | None
    is_legacy: bool | None
    contradictions: tuple[str, ...] = ()
    """Self-assessed scores the inventory contradicts (a data-quality flag: the department's
    score stands)."""


def legacy_risk(
    likelihood: tuple[Criterion, ...],
    impact: tuple[Criterion, ...],
    likelihood_total: float | None,
    impact_total: float | None,
    overall: float | None,
    band: Band | None,
    is_legacy: bool | None,
    contradictions: tuple[str, ...],
) -> LegacyRisk:
    """A `LegacyRisk` equal to the one its constructor builds, made without the frozen
    dataclass's field-by-field `__init__`, which costs several times as much: scoring makes
    one for every system of the estate."""
    risk = object.__new__(LegacyRisk)
    risk.__dict__.update(
        likelihood=likelihood,
        impact=impact,
        likelihood_total=likelihood_total,
        impact_total=impact_total,
        overall=overall,
        band=band,
        is_legacy=is_legacy,
        contradictions=contradictions,
    )
    return risk


@dataclass(frozen=True)
class ReadinessReason:
    """Why a system is more or less ready for public cloud."""

    text: str
    effect: str
    """"blocker", "condition" or "unknown"."""
    penalty: int


@dataclass(frozen=True)
class CloudReadiness:
    """Cloud readiness category, 0-100 score, reasons and a suggested disposition."""

    category: Readiness
    score: int | None
    reasons: tuple[ReadinessReason, ...]
    disposition: Disposition | None
    disposition_reason: str


def cloud_readiness(
    category: Readiness,
    score: int | None,
    reasons: tuple[ReadinessReason, ...],
    disposition: Disposition | None,
    disposition_reason: str,
) -> CloudReadiness:
    """A `CloudReadiness` equal to the one its constructor builds, made without the frozen
    dataclass's field-by-field `__init__` (as `legacy_risk`): one for every system."""
    readiness = object.__new__(CloudReadiness)
    readiness.__dict__.update(
        category=category,
        score=score,
        reasons=reasons,
        disposition=disposition,
        disposition_reason=disposition_reason,
    )
    return readiness


class Gap(NamedTuple):
    """A CAF or Secure by Design principle the system does not (fully) achieve (a named tuple
    for speed, like Criterion)."""

    principle: Principle
    severity: Severity
    source: str
    """"assessed" or "derived"."""
    evidence: str

    @property
    def framework(self) -> Framework:
        """CAF or Secure by Design."""
        return self.principle.framework


class ReasonsWriter(Protocol):
    """What lays out a system's priority reasons in words (the policy's priority rules)."""

    def reasons(
        self, score: SystemScore, contributions: Mapping[str, float]
    ) -> tuple[tuple[str, ...], str]:
        """The reasons in words and the headline that says them in a few words."""
        ...


@dataclass
class SystemScore:
    """Everything estate concludes about one system."""

    key: str
    system_id: int
    department: str
    department_name: str
    reference: str
    name: str
    criticality: str | None
    hosting: str | None
    sign_in: str | None
    business_owner: str | None
    legacy: LegacyRisk
    readiness: CloudReadiness
    gaps: tuple[Gap, ...]
    blast: BlastRadius | None
    unmatched_components: tuple[str, ...]
    record: Any
    """The system as stored (plan, funding, dates, owners), for reports."""
    out_of_support: tuple[str, ...]
    """Components past the end of security support: the legacy components."""
    priority: float = 0.0
    rank: int = 0
    contributions: Mapping[str, float] = field(default_factory=dict, repr=False, compare=False)
    """Each part's contribution to the priority (shared with systems alike: read only)."""
    writer: ReasonsWriter | None = field(default=None, repr=False, compare=False)
    """What lays out the reasons in words, the first time they are read."""

    @property
    def reasons(self) -> tuple[str, ...]:
        """The top reasons for the priority, in words, with their evidence."""
        return self._words()[0]

    @property
    def headline(self) -> str:
        """The same reasons in a few words, for tables."""
        return self._words()[1]

    def _words(self) -> tuple[tuple[str, ...], str]:
        """The reasons and headline, laid out when first read (scoring the estate leaves the
        words to the readers that show them) and kept."""
        words: tuple[tuple[str, ...], str] | None = self.__dict__.get("_laid_out")
        if words is None:
            writer = self.writer
            words = ((), "") if writer is None else writer.reasons(self, self.contributions)
            self.__dict__["_laid_out"] = words
        return words

    @property
    def internet_facing(self) -> bool | None:
        """Whether the system faces the internet, as its return said; None when it did not."""
        facing: bool | None = self.record.internet_facing
        return facing

    @property
    def run_cost(self) -> float | None:
        """The annual run cost as the return gave it, or None when it gave none."""
        cost: float | None = self.record.annual_run_cost
        return cost

    @property
    def band(self) -> str | None:
        """The legacy band in words, as a kept ranking's line gives it; None when not known."""
        band = self.legacy.band
        return None if band is None else band.value
