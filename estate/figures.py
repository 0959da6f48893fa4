"""The estate at a glance in figures: counts by department and band, legacy share, readiness,
the commonest security gaps, data-quality warnings and the riskiest systems. Computed once from
the scores, and kept with the ranking snapshot so a reopened estate can show them at once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from itertools import islice
from typing import Any, NamedTuple

from estate.exports.summary import Summary, data_quality, summarise
from estate.scoring import EstateScores
from estate.scoring.results import Band

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
