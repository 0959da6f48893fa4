"""Lifecycle stages as a board counts them: planned and live systems, systems being retired,
and systems retired or cancelled, which have left the estate's counts, money and ranking but
are kept in its history.

A return retires a system by its lifecycle status alone: from the period of that return the
system is no longer counted, costed or ranked, and what it was before stays in the history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.enums import LifecycleStatus
from estate.history.tables import SYSTEM_HISTORY

GONE: frozenset[LifecycleStatus] = frozenset({LifecycleStatus.RETIRED, LifecycleStatus.CANCELLED})
"""The stages in which a system has left the estate's counts, money and ranking."""

_GONE_VALUES = sorted(status.value for status in GONE)


def is_gone(status: object) -> bool:
    """Whether a stored lifecycle status (the enumeration or its text) is retired or
    cancelled."""
    return status is not None and str(status) in _GONE_VALUES


def in_service(table: sa.FromClause) -> sa.ColumnElement[bool]:
    """A filter on a system table keeping the systems still counted: those neither retired
    nor cancelled (a status not given counts)."""
    column = table.c.lifecycle_status
    return sa.or_(column.is_(None), sa.cast(column, sa.String).not_in(_GONE_VALUES))


def gone_names(connection: Connection) -> dict[str, tuple[str, str]]:
    """Each system retired or cancelled, by key -> its name and that status: what a system
    still depending on one shows of it."""
    system = models.table_of(models.System)
    org = models.table_of(models.Organisation)
    return {
        models.system_key(code, reference): (name, str(status))
        for code, reference, name, status in connection.execute(
            sa.select(org.c.code, system.c.reference, system.c.name, system.c.lifecycle_status)
            .join(org, system.c.organisation_id == org.c.id)
            .where(sa.not_(in_service(system)))
        )
    }


@dataclass(frozen=True)
class GoneSystem:
    """A system retired or cancelled, and the period from which it left the counts."""

    key: str
    name: str
    department: str
    status: str
    left_in: str
    """The first period whose return gave it this status."""


def gone_systems(connection: Connection, department: str | None = None) -> list[GoneSystem]:
    """Every system retired or cancelled (of `department` only, when given), with the period it
    left the counts, in department and reference order."""
    system = models.table_of(models.System)
    org = models.table_of(models.Organisation)
    batch = models.table_of(models.ImportBatch)
    query = (
        sa.select(
            org.c.code,
            system.c.organisation_id,
            system.c.reference,
            system.c.name,
            sa.cast(system.c.lifecycle_status, sa.String),
            batch.c.period,
        )
        .join(org, system.c.organisation_id == org.c.id)
        .outerjoin(batch, system.c.source_batch_id == batch.c.id)
        .where(sa.not_(in_service(system)))
        .order_by(org.c.code, system.c.reference)
    )
    if department is not None:
        query = query.where(sa.func.upper(org.c.code) == department.upper())
    rows = connection.execute(query).all()
    earlier = _kept_with_status(connection, {(r[1], r[2]) for r in rows})
    found = []
    for code, org_id, reference, name, status, period in rows:
        left = min(
            [p for s, p in earlier.get((org_id, reference), []) if s == status] + [period or ""]
        )
        found.append(GoneSystem(models.system_key(code, reference), name, code, status, left))
    return found


def _kept_with_status(
    connection: Connection, keys: set[tuple[int, str]]
) -> dict[tuple[int, str], list[tuple[str, str]]]:
    """The kept (status, valid_from) of each of `keys` whose kept rows say retired or
    cancelled: the earliest of them is when the system left."""
    if not keys:
        return {}
    history = SYSTEM_HISTORY
    rows: Any = connection.execute(
        sa.select(
            history.c.organisation_id,
            history.c.reference,
            history.c.lifecycle_status,
            history.c.valid_from,
        ).where(history.c.lifecycle_status.in_(_GONE_VALUES))
    )
    found: dict[tuple[int, str], list[tuple[str, str]]] = {}
    for org_id, reference, status, valid_from in rows:
        if (org_id, reference) in keys:
            found.setdefault((org_id, reference), []).append((status, valid_from))
    return found
