"""The estate at a glance in figures: counts by department and band, legacy share, readiness,
the commonest security gaps, data-quality warnings and the riskiest systems. Computed once from
the scores, and kept with the ranking snapshot so a reopened estate can show them at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any, NamedTuple

from estate.enums import Principle
from estate.ranking.summary import BAND_ORDER, READINESS_ORDER, Summary, data_quality, summarise
from estate.scoring import EstateScores
from estate.scoring.results import Band, Readiness

TOP_GAPS = 6
RISKIEST = 5
QUALITY_WARNINGS = {
    "unknown_criteria": "systems with criteria nobody could score",
    "unmatched": "components not matched to the lifecycle catalogue",
    "unresolved": "dependencies on systems no return has supplied",
    "missing_from_return": "systems missing from their department's latest return",
    "readiness_unknown": "systems with too little data for a cloud view",
}
"""The data-quality lists (DataQuality fields) whose lengths the overview warns about, in words."""


class GapCount(NamedTuple):
    """How many systems fall short of one principle."""

    code: str
    label: str
    systems: int


class Riskiest(NamedTuple):
    """One of the highest-priority red-rated systems, with its reasons in a few words."""

    rank: int
    key: str
    name: str
    headline: str


@dataclass
class EstateFigures:
    """What the overview shows, free of the scores it came from."""

    as_of: dt.date
    policy: str
    catalogue: str
    summary: Summary
    bands_by_department: dict[str, dict[str, int]] = field(default_factory=dict)
    """department -> band name ("Unknown" when nobody could score it) -> systems."""
    top_gaps: list[GapCount] = field(default_factory=list)
    quality: dict[str, int] = field(default_factory=dict)
    """A DataQuality field name -> how many entries it holds."""
    riskiest: list[Riskiest] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The figures as JSON-ready values, for storing with a snapshot."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EstateFigures:
        """The figures `to_json` stored."""
        summary = dict(data["summary"])
        summary["by_department"] = [tuple(row) for row in summary["by_department"]]
        return cls(
            as_of=dt.date.fromisoformat(data["as_of"]),
            policy=data["policy"],
            catalogue=data["catalogue"],
            summary=Summary(**summary),
            bands_by_department=data["bands_by_department"],
            top_gaps=[GapCount(*row) for row in data["top_gaps"]],
            quality=data["quality"],
            riskiest=[Riskiest(*row) for row in data["riskiest"]],
        )


def estate_figures(scores: EstateScores) -> EstateFigures:
    """The overview's figures for the whole scored estate."""
    systems = scores.systems
    per_band: dict[str, Counter[str]] = {}
    for s in systems:
        band = s.legacy.band.value if s.legacy.band else "Unknown"
        per_band.setdefault(s.department, Counter())[band] += 1
    gaps = Counter((g.principle.value, g.principle.label) for s in systems for g in s.gaps)
    quality = data_quality(scores, systems)
    return EstateFigures(
        as_of=scores.policy.as_of,
        policy=scores.policy.name,
        catalogue=scores.catalogue.version,
        summary=summarise(systems),
        bands_by_department={dept: dict(counts) for dept, counts in per_band.items()},
        top_gaps=[
            GapCount(code, label, count) for (code, label), count in gaps.most_common(TOP_GAPS)
        ],
        quality={name: len(getattr(quality, name)) for name in QUALITY_WARNINGS},
        riskiest=[
            Riskiest(s.rank, s.key, s.name, s.headline)
            for s in islice((s for s in systems if s.legacy.band is Band.RED), RISKIEST)
        ],
    )


class KeptCounts(NamedTuple):
    """What the overview counts of one system besides its ranked row."""

    department: str
    band: str | None
    is_legacy: bool | None
    readiness: str
    gaps: list[str]
    """Its security gaps' principles, most severe first."""
    unknown: bool
    unmatched: int
    unresolved: int
    missing: bool
    plan: int
    """0 with no remediation plan, 1 with a plan not funded, 2 with a funded plan."""


def kept_figures(
    systems: Sequence[KeptCounts],
    riskiest: Iterable[Riskiest],
    as_of: dt.date,
    policy: str,
    catalogue: str,
) -> EstateFigures:
    """`estate_figures` from what a kept ranking holds of each system (in priority order) and
    its red-rated systems in priority order (`riskiest`), without their scores: exactly the
    same figures, in the same order."""
    per_band: dict[str, Counter[str]] = {}
    gaps: Counter[str] = Counter()
    per_department: dict[str, list[int]] = {}
    legacy = unknown = unmatched = unresolved = missing = readiness_unknown = 0
    red_plans = [0, 0, 0]
    bands: Counter[str | None] = Counter()
    readiness: Counter[str] = Counter()
    red = Band.RED.value
    for s in systems:
        per_band.setdefault(s.department, Counter())[s.band or "Unknown"] += 1
        for code in s.gaps:
            gaps[code] += 1
        bands[s.band] += 1
        readiness[s.readiness] += 1
        counts = per_department.setdefault(s.department, [0, 0, 0])
        counts[0] += 1
        if s.band == red:
            counts[1] += 1
            red_plans[s.plan] += 1
        if s.is_legacy:
            counts[2] += 1
            legacy += 1
        unknown += s.unknown
        unmatched += s.unmatched
        unresolved += s.unresolved
        missing += s.missing
        readiness_unknown += s.readiness == Readiness.UNKNOWN.value
    summary = Summary(
        systems=len(systems),
        legacy=legacy,
        by_band={
            **{b.value: bands.get(b.value, 0) for b in BAND_ORDER},
            "Unknown": bands.get(None, 0),
        },
        by_readiness={r.value: readiness.get(r.value, 0) for r in READINESS_ORDER},
        by_department=sorted(
            (
                (department, counts[0], counts[1], counts[2])
                for department, counts in per_department.items()
            ),
            key=lambda row: (-row[2], -row[1], row[0]),
        ),
        red_funded=red_plans[2],
        red_unfunded_plan=red_plans[1],
        red_no_plan=red_plans[0],
    )
    found = {
        "unknown_criteria": unknown,
        "unmatched": unmatched,
        "unresolved": unresolved,
        "missing_from_return": missing,
        "readiness_unknown": readiness_unknown,
    }
    return EstateFigures(
        as_of=as_of,
        policy=policy,
        catalogue=catalogue,
        summary=summary,
        bands_by_department={dept: dict(counts) for dept, counts in per_band.items()},
        top_gaps=[
            GapCount(code, Principle(code).label, count)
            for code, count in gaps.most_common(TOP_GAPS)
        ],
        quality={name: found[name] for name in QUALITY_WARNINGS},
        riskiest=list(islice(riskiest, RISKIEST)),
    )
