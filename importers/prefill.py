"""A department's stored data as template records, so its next return starts from last
quarter's instead of a blank sheet (and re-importing it unchanged changes nothing)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.errors import NotFound
from estate.periods import quarter_of
from importers.layout import LAYOUT_BY_KIND, RecordKind
from importers.store import ORG, RELATED_FIELDS, RELATED_TABLES, SYSTEM


def department_records(
    connection: Connection, code: str
) -> tuple[dict[str, Any], dict[RecordKind, list[dict[str, Any]]]]:
    """(cover, records by kind) for department `code`, in reference order. The cover names
    the current quarter as its reporting period: the return a department updates is the one
    for the quarter it is in."""
    org = connection.execute(
        sa.select(ORG).where(sa.func.upper(ORG.c.code) == code.upper())
    ).first()
    if org is None:
        raise NotFound(f"No department {code!r} in the estate.")
    parent = None
    if org.parent_id is not None:
        parent = connection.execute(sa.select(ORG.c.code).where(ORG.c.id == org.parent_id)).scalar()
    cover = {
        "Department code": org.code,
        "Department name": org.name,
        "Organisation type": org.kind.value,
        "Parent department": parent,
        "Reporting period": quarter_of(dt.date.today()),
    }
    system_fields = [
        c.field for c in LAYOUT_BY_KIND[RecordKind.SYSTEMS].columns if c.field != "department"
    ]
    rows = connection.execute(
        sa.select(SYSTEM).where(SYSTEM.c.organisation_id == org.id).order_by(SYSTEM.c.reference)
    )
    references: dict[int, str] = {}
    records: dict[RecordKind, list[dict[str, Any]]] = {kind: [] for kind in RecordKind}
    for row in rows:
        references[row.id] = row.reference
        records[RecordKind.SYSTEMS].append(
            {"department": org.code, **{f: getattr(row, f) for f in system_fields}}
        )
    for kind, table in RELATED_TABLES.items():
        owner = table.c.from_system_id if kind is RecordKind.DEPENDENCIES else table.c.system_id
        statement = (
            sa.select(owner, *(table.c[f] for f in RELATED_FIELDS[kind]))
            .join(SYSTEM, owner == SYSTEM.c.id)
            .where(SYSTEM.c.organisation_id == org.id)
        )
        for row in connection.execute(statement):
            record = {"department": org.code, "reference": references[row[0]]}
            record.update(zip(RELATED_FIELDS[kind], row[1:], strict=True))
            records[kind].append(record)
        records[kind].sort(
            key=lambda r: tuple(str(r.get(f) or "") for f in ("reference", *RELATED_FIELDS[kind]))
        )
    return cover, records
