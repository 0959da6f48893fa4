"""Self-assessments a later change of technology has overtaken.

A department's own score for a criterion stands over the one the inventory gives, as the
framework says. When a later return changes the system's technology (a component upgraded,
replaced or removed), a score made before that change may no longer describe the system: it
still stands, but it is said to predate the change and to need review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.history.tables import COMPONENT_HISTORY
from estate.periods import period_end, shift

PREDATES = "predates the"
"""The words every such note carries, by which the data-quality rows tell it apart."""

TECHNOLOGY_CRITERIA = frozenset({"L1", "L5", "L6"})
"""The criteria a change of technology bears on: end of support, physical environment and
known vulnerabilities."""


def period_start(period: str) -> dt.date:
    """The first day of a period (1 July 2026 for `2026-Q3`)."""
    return period_end(shift(period, -1)) + dt.timedelta(days=1)


def technology_changes(connection: Connection) -> dict[tuple[int, str], str]:
    """Per system (organisation id, reference), the latest period whose return changed or
    removed one of its components, from the kept history of components."""
    history = COMPONENT_HISTORY
    rows = connection.execute(
        sa.select(
            history.c.organisation_id, history.c.reference, sa.func.max(history.c.valid_to)
        ).group_by(history.c.organisation_id, history.c.reference)
    )
    return {(org_id, reference): period for org_id, reference, period in rows}


def predates(row: Any, changed: str | None) -> bool:
    """Whether the system's self-assessment (its `assessed_on`) was made before the period
    whose return changed its technology (`changed`)."""
    assessed = row.assessed_on
    if not changed or not isinstance(assessed, dt.date):
        return False
    return assessed < period_start(changed)


def mark_changes(facts: Mapping[int, Any], changes: Mapping[tuple[int, str], str]) -> None:
    """Give each system's facts the period its technology last changed in, if any."""
    for fact in facts.values():
        fact.technology_changed = changes.get((fact.row.organisation_id, fact.row.reference))
