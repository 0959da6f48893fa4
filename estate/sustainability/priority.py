"""A system's carbon as a part of its remediation priority, when the policy counts it
(`priority.carbon_weight`, 0 by default)."""

from __future__ import annotations

import datetime as dt

from estate.scoring.results import SystemScore
from estate.sustainability.estimate import estimate
from estate.sustainability.facts import facts_of
from estate.sustainability.reference import load_reference


def carbon_part(score: SystemScore, as_of: dt.date, saturation_kg: float) -> float:
    """The carbon part of a priority, 0 to 1: the system's estimated kg CO2e a year over
    `saturation_kg`, at most 1; a system not estimated counts 0."""
    kg = estimate(facts_of(score.record), load_reference(), as_of.year).kg_co2e
    if kg is None or saturation_kg <= 0:
        return 0.0
    return min(1.0, kg / saturation_kg)
