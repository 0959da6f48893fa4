"""Carbon period by period, like for like: each period's standing systems estimated with the
same year's conversion factors, so the trend shows what the estate changed, not the grid."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from estate.sustainability.estimate import estimate
from estate.sustainability.facts import facts_of
from estate.sustainability.reference import load_reference


def carbon_by_department(
    standing: Iterable[Any], year: int, whole: str
) -> dict[str, tuple[float, int]]:
    """(kg CO2e a year, systems not estimated) for the whole estate (key `whole`) and each
    department, of the systems standing in a period (each with `department` and its stored
    `row`), estimated as at `year`."""
    ref = load_reference()
    estimated: dict[str, list[float]] = {}
    unknown: dict[str, int] = {}
    for system in standing:
        facts = facts_of(system.row)
        if facts.gone:  # left the estate's counts, and its carbon with them
            continue
        kg = estimate(facts, ref, year).kg_co2e
        for key in (whole, system.department):
            estimated.setdefault(key, [])
            if kg is None:
                unknown[key] = unknown.get(key, 0) + 1
            else:
                estimated[key].append(kg)
    # summed exactly, so the figures do not hang on the order the systems were read in
    return {key: (math.fsum(kgs), unknown.get(key, 0)) for key, kgs in estimated.items()}
