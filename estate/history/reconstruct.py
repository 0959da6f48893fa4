"""The estate as it stood at the end of a reporting period, rebuilt into a database of its own.

A row stood at the end of period P when it is live and the batch that wrote it is for P or
earlier, or it is kept in history with `valid_from <= P < valid_to`. The rebuilt estate is an
in-memory database with the same schema, so every command that reads the estate (ranking,
explanations, figures, exports, waves) reads the past exactly as it reads the present. The
lifecycle catalogue is today's: the past is judged by what is known now."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from estate import db, models
from estate.history.tables import RELATED, SYSTEM_HISTORY, SYSTEM_KEPT

SYSTEM = models.table_of(models.System)
ORG = models.table_of(models.Organisation)
BATCH = models.table_of(models.ImportBatch)
SOURCE = models.table_of(models.SystemSource)
CYCLE = models.table_of(models.LifecycleCycle)

Key = tuple[int, str]
"""A system's natural key: (organisation id, reference)."""


def _period_of(source_batch: sa.ColumnElement[Any]) -> sa.ColumnElement[str]:
    return sa.func.coalesce(
        sa.select(BATCH.c.period).where(BATCH.c.id == source_batch).scalar_subquery(), ""
    )


def _stood(history: sa.Table, period: str) -> sa.ColumnElement[bool]:
    return sa.and_(history.c.valid_from <= period, history.c.valid_to > period)


def systems_at(
    connection: Connection, period: str
) -> Iterator[tuple[int | None, Key, dict[str, Any]]]:
    """Every system as it stood at the end of `period`: (live id or None, key, its values)."""
    live = sa.select(SYSTEM).where(_period_of(SYSTEM.c.source_batch_id) <= period)
    for row in connection.execute(live):
        values = dict(row._mapping)
        yield values.pop("id"), (values["organisation_id"], values["reference"]), values
    past = sa.select(SYSTEM_HISTORY).where(_stood(SYSTEM_HISTORY, period))
    for row in connection.execute(past):
        values = {name: row._mapping[name] for name in SYSTEM_KEPT}
        key = (row.organisation_id, row.reference)
        values |= {"organisation_id": key[0], "reference": key[1]}
        yield None, key, values


def related_at(
    connection: Connection, kind: str, period: str
) -> Iterator[tuple[Key, dict[str, Any]]]:
    """Every component, dependency or assessment (`kind`) as it stood at the end of `period`,
    with its system's key."""
    live, owner, history = RELATED[kind]
    kept = [c.name for c in history.c if c.name in live.c and c.name != "id"]
    statement = (
        sa.select(SYSTEM.c.organisation_id, SYSTEM.c.reference, *[live.c[n] for n in kept])
        .join(SYSTEM, live.c[owner] == SYSTEM.c.id)
        .where(_period_of(live.c.source_batch_id) <= period)
    )
    for row in connection.execute(statement):
        yield (row[0], row[1]), dict(zip(kept, row[2:], strict=True))
    past = sa.select(
        history.c.organisation_id, history.c.reference, *[history.c[n] for n in kept]
    ).where(_stood(history, period))
    for row in connection.execute(past):
        yield (row[0], row[1]), dict(zip(kept, row[2:], strict=True))


def estate_at(engine: Engine, period: str) -> Engine:
    """A new in-memory estate database holding the estate as it stood at the end of `period`
    (every organisation, the returns imported for it and before, and today's lifecycle data).
    The caller disposes of it."""
    target = sa.create_engine("sqlite://", poolclass=StaticPool)
    sa.event.listen(target, "connect", _foreign_keys_on)
    with engine.connect() as source, target.begin() as out:
        SQLModel.metadata.create_all(out)
        db.write_schema_version(out)
        _copy(source, out, ORG, sa.select(ORG).order_by(ORG.c.id))
        _copy(source, out, BATCH, sa.select(BATCH).where(BATCH.c.period <= period))
        _copy(source, out, CYCLE, sa.select(CYCLE))
        ids = _write_systems(source, out, period)
        org_ids = {code: org_id for org_id, code in source.execute(sa.select(ORG.c.id, ORG.c.code))}
        for kind, (live, owner, _history) in RELATED.items():
            rows: list[dict[str, Any]] = []
            for key, values in related_at(source, kind, period):
                system_id = ids.get(key)
                if system_id is None:
                    continue
                values[owner] = system_id
                if kind == "dependencies":
                    org_id = org_ids.get(values["to_org_code"])
                    found = None if org_id is None else ids.get((org_id, values["to_reference"]))
                    values["to_system_id"] = found
                rows.append(values)
            _insert(out, live, rows)
    return target


def _foreign_keys_on(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _write_systems(source: Connection, out: Connection, period: str) -> dict[Key, int]:
    """Write the systems that stood at the end of `period`, with where each came from; their
    ids by key."""
    rows: list[dict[str, Any]] = []
    ids: dict[Key, int] = {}
    live_ids: dict[int, int] = {}
    own_source: list[tuple[int, int, int]] = []
    for number, (live_id, key, values) in enumerate(systems_at(source, period), start=1):
        values["id"] = number
        ids[key] = number
        rows.append(values)
        if live_id is not None:
            live_ids[live_id] = number
        elif values["source_batch_id"] is not None and values["source_row"] is not None:
            own_source.append((number, values["source_batch_id"], values["source_row"]))
    _insert(out, SYSTEM, rows)
    sources = [
        {"system_id": live_ids[system_id], "batch_id": batch_id, "row": row}
        for system_id, batch_id, row in source.execute(
            sa.select(SOURCE.c.system_id, SOURCE.c.batch_id, SOURCE.c.row)
            .join(BATCH, SOURCE.c.batch_id == BATCH.c.id)
            .where(BATCH.c.period <= period)
            .order_by(SOURCE.c.id)
        )
        if system_id in live_ids
    ]
    sources += [{"system_id": s, "batch_id": b, "row": r} for s, b, r in own_source]
    _insert(out, SOURCE, sources)
    return ids


def _copy(source: Connection, out: Connection, table: sa.Table, select: sa.Select[Any]) -> None:
    _insert(out, table, [dict(row._mapping) for row in source.execute(select)])


def _insert(out: Connection, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    columns = list(rows[0])
    db.insert_rows(out, table, columns, [tuple(row[c] for c in columns) for row in rows])
