"""Copying a whole estate into a new database, for moving an SQLite estate onto a shared
PostgreSQL server (or taking a PostgreSQL estate back into one file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from estate import db, limits
from estate.errors import InputError

CHUNK = 20_000
"""Rows read and written at a time, so an estate of any size copies in bounded memory."""


def copy_estate(source: str | Path, target: str | Path) -> dict[str, int]:
    """Copy every row of the estate at `source` into `target`, which is created if need be and
    must hold no data yet; all in one transaction on the target, so a failed copy leaves it
    empty. Both must be at this version's schema (`estate upgrade` an older one first). Keys
    are kept, so every system's provenance and the kept ranking come across unchanged.
    Returns how many rows each table received. Refused, before anything is written, when the
    source's role sees only part of the estate or a text is longer than `estate.limits`
    allows (the target might store it or refuse it, by its backend)."""
    reading = db.open_engine(source)
    try:
        with reading.connect() as origin:
            _refuse_partial_view(origin, source)
            _refuse_over_limits(origin, source)
        writing = db.open_engine(target, create=True)
        try:
            with reading.connect() as origin, writing.begin() as destination:
                db.begin_write(destination)
                _refuse_data(destination, target)
                return {
                    table.name: _copy_table(origin, destination, table)
                    for table in SQLModel.metadata.sorted_tables
                }
        finally:
            writing.dispose()
    finally:
        reading.dispose()


def _refuse_partial_view(connection: Connection, source: str | Path) -> None:
    """A copy is of the whole estate: refuse a source whose role row-level security limits to
    some departments' rows, whose copy would be an estate missing the rest."""
    if connection.dialect.name != "postgresql":
        return
    bound = connection.execute(sa.select(sa.func.row_security_active("system"))).scalar()
    if bound:
        raise InputError(
            f"{db.shown(source)}: your role sees only the rows row-level security lets it, not "
            "the whole estate a copy needs; run `estate copy` as the estate's central role."
        )


def _refuse_over_limits(connection: Connection, source: str | Path) -> None:
    """Refuse, naming the table, row and column, a stored text longer than its limit."""
    for table in SQLModel.metadata.sorted_tables:
        if table.name not in limits.CHECKED_TABLES:
            continue
        for column in table.c:
            limit = limits.limit_of(column.name)
            if limit is None:
                continue
            key = table.primary_key.columns[0]
            found = connection.execute(
                sa.select(key, sa.func.length(column))
                .where(sa.func.length(column) > limit)
                .order_by(key)
                .limit(1)
            ).first()
            if found is not None:
                raise InputError(
                    f"{db.shown(source)}: {table.name} {key.name} {found[0]}: {column.name} is "
                    f"{found[1]} characters, more than the {limit} estate stores; shorten it "
                    "there first. Nothing was copied."
                )


def _refuse_data(connection: Connection, target: str | Path) -> None:
    for table in SQLModel.metadata.sorted_tables:
        if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
            raise InputError(
                f"{db.shown(target)} already holds an estate ({table.name} has rows); copy "
                "into a new, empty database."
            )


def _copy_table(origin: Connection, destination: Connection, table: sa.Table) -> int:
    """Copy one table in key order. A column that refers to its own table (an organisation's
    parent) is filled in after every row is in, as a row may name one that comes after it."""
    own = [
        fk.parent.name
        for fk in table.foreign_keys
        if fk.column.table is table and fk.parent.nullable
    ]
    columns = [c.name for c in table.c]
    later = [columns.index(name) for name in own]
    statement = sa.select(*table.c).order_by(*table.primary_key.columns)
    result = origin.execution_options(stream_results=True, yield_per=CHUNK).execute(statement)
    copied = 0
    links: list[tuple[object, ...]] = []
    for chunk in result.partitions():
        rows = [tuple(row) for row in chunk]
        if later:
            links += [
                (row[0], *(row[i] for i in later)) for row in rows if any(row[i] for i in later)
            ]
            rows = [tuple(None if i in later else v for i, v in enumerate(row)) for row in rows]
        db.insert_rows(destination, table, columns, rows)
        copied += len(rows)
    if links:
        key = table.primary_key.columns[0]
        update = table.update().where(key == sa.bindparam("_key"))
        values: dict[str, Any] = {name: sa.bindparam(f"_{name}") for name in own}
        destination.execute(
            update.values(values),
            [
                {"_key": link[0], **{f"_{n}": v for n, v in zip(own, link[1:], strict=True)}}
                for link in links
            ],
        )
    db.continue_keys(destination, table)
    return copied
