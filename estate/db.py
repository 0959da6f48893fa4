"""Opening estate databases: engines, connection settings, schema version checks and upgrades.

Everything dialect-specific lives here. SQLite is the embedded default and gets WAL journalling,
a busy timeout and enforced foreign keys; any other SQLAlchemy URL (PostgreSQL for a shared
estate) is passed through unchanged, so the rest of the code stays portable.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import os
import re
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

from estate import access, migrations, models
from estate.enums import LifecycleStatus
from estate.errors import (
    DatabaseError,
    DatabaseMissing,
    NotAnEstateDatabase,
    SchemaTooNew,
    SchemaTooOld,
)
from estate.history import tables as history_tables
from estate.perf import collector_paused
from estate.periods import quarter_of

SCHEMA_VERSION = 9
"""The schema version this code reads and writes."""

BUSY_TIMEOUT_MS = 10_000
_SQLITE_MAGIC = b"SQLite format 3\x00"

Migration = Callable[[Connection], None]


REDUNDANT_IN_VERSION_1 = (
    "ix_system_organisation_id",
    "ix_component_system_id",
    "ix_dependency_from_system_id",
    "ix_security_assessment_system_id",
)
"""Indexes that the tables' unique keys, which start with the same column, already provide;
each one slowed every import."""


def _to_version_2(connection: Connection) -> None:
    """Version 1 to 2: the tables that keep the last ranking for a quick reopen, and no
    redundant indexes."""
    tables = [models.table_of(models.RankingSnapshot), models.table_of(models.RankingSnapshotRow)]
    SQLModel.metadata.create_all(connection, tables=tables)
    for name in REDUNDANT_IN_VERSION_1:
        connection.execute(sa.schema.DropIndex(sa.Index(name), if_exists=True))


def _to_version_3(connection: Connection) -> None:
    """Version 2 to 3: the kept ranking's rows carry what a board's outputs need (legacy,
    disposition and its reason, run cost, the top reason); the kept ranking is dropped, to be
    worked out afresh with them."""
    table = models.table_of(models.RankingSnapshotRow)
    present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    for name in models.SNAPSHOT_ROW_COLUMNS_IN_VERSION_3:
        # A version 1 estate gets the table whole from step 1 to 2; version 7 keeps the
        # words in the compressed texts.
        if name in present or name not in table.c:
            continue
        column = table.c[name]
        kind = column.type.compile(dialect=connection.dialect)
        default = (
            ""
            if column.nullable
            else " NOT NULL DEFAULT " + ("0" if isinstance(column.type, sa.Integer) else "''")
        )
        connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{default}")
    connection.execute(table.delete())
    connection.execute(models.table_of(models.RankingSnapshot).delete())


def _to_version_4(connection: Connection) -> None:
    """Version 3 to 4: the kept ranking's rows carry each system's explanation (for `rank
    --json`), and every import belongs to a reporting period with what later imports replace
    kept as history."""
    _kept_explanations(connection)
    _reporting_periods(connection)


def _kept_explanations(connection: Connection) -> None:
    """The kept ranking's rows carry each system's explanation as `rank --json` gives it, its
    sign-in, whether it faces the internet and its security weight; the kept ranking is
    dropped, to be worked out afresh with them."""
    table = models.table_of(models.RankingSnapshotRow)
    present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    for name in models.SNAPSHOT_ROW_COLUMNS_IN_VERSION_4:
        # A version 1 estate gets the table whole from step 1 to 2; version 7 keeps the
        # words in the compressed texts.
        if name in present or name not in table.c:
            continue
        column = table.c[name]
        kind = column.type.compile(dialect=connection.dialect)
        default = "" if column.nullable else " NOT NULL DEFAULT 0"
        connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{default}")
    connection.execute(table.delete())
    connection.execute(models.table_of(models.RankingSnapshot).delete())


def _reporting_periods(connection: Connection) -> None:
    """Reporting periods and history. Every import batch gets a period; those already stored
    are all given the quarter of the latest import, so the estate's history starts at its
    current state (nothing earlier was kept to reconstruct). The tables that keep what later
    imports replace, and the trend's kept figures, are created empty."""
    batch = models.table_of(models.ImportBatch)
    present = {c["name"] for c in sa.inspect(connection).get_columns(batch.name)}
    if "period" not in present:
        kind = batch.c.period.type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(
            f"ALTER TABLE {batch.name} ADD COLUMN period {kind} NOT NULL DEFAULT ''"
        )
        for index in batch.indexes:  # the model's own index, not a second one like it
            if index.columns.keys() == ["period"]:
                index.create(connection)
    latest = connection.execute(sa.select(sa.func.max(batch.c.imported_at))).scalar()
    if latest is not None:
        moment = latest if isinstance(latest, dt.datetime) else dt.datetime.fromisoformat(latest)
        connection.execute(batch.update().values(period=quarter_of(moment.date())))
    SQLModel.metadata.create_all(connection, tables=list(history_tables.TABLES_IN_VERSION_4))


def _to_version_5(connection: Connection) -> None:
    """Version 4 to 5: the kept ranking's rows carry their `rank --csv` line, and their
    explanations laid out as `rank --json` prints them (bytes, no longer compact text); the
    kept ranking is dropped, to be worked out afresh with them."""
    table = models.table_of(models.RankingSnapshotRow)
    connection.execute(table.delete())
    connection.execute(models.table_of(models.RankingSnapshot).delete())
    kind = table.c.explanation.type.compile(dialect=connection.dialect)
    connection.exec_driver_sql(f"ALTER TABLE {table.name} DROP COLUMN explanation")
    connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN explanation {kind}")
    present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    if "csv_line" not in present:  # a version 1 estate gets the table whole from step 1 to 2
        connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN csv_line {kind}")


def _to_version_6(connection: Connection) -> None:
    """Version 5 to 6: each change of schema 6, one function each."""
    _upgrade_board_numbers(connection)
    _upgrade_carbon(connection)
    _upgrade_incremental(connection)
    _upgrade_imp_profiles(connection)


def _to_version_7(connection: Connection) -> None:
    """Version 6 to 7: each change of schema 7, one function each."""
    _upgrade_kept_store(connection)


def _to_version_8(connection: Connection) -> None:
    """Version 7 to 8: each change of schema 8, one function each."""
    _upgrade_kept_compact(connection)


def _to_version_9(connection: Connection) -> None:
    """Version 8 to 9: each change of schema 9, one function each."""
    _upgrade_systems_written(connection)


def _upgrade_systems_written(connection: Connection) -> None:
    """Each import batch records the systems it changed (`ImportBatch.systems_written`), so
    that bringing the kept ranking up to date after an import reads those alone rather than
    every system of the department. Added empty: a batch imported before has none, and every
    system of its organisation counts as changed by it."""
    table = models.table_of(models.ImportBatch)
    present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
    if "systems_written" not in present:
        kind = table.c.systems_written.type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN systems_written {kind}")


def _upgrade_board_numbers(connection: Connection) -> None:
    """Each system, live and kept, carries its business capability and any SaaS alternative
    its department names: the evidence a suggestion to repurchase rests on. A system's
    lifecycle status may be Cancelled."""
    for table in (models.table_of(models.System), history_tables.SYSTEM_HISTORY):
        present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
        for name in ("business_capability", "saas_alternative"):
            if name not in present:
                kind = table.c[name].type.compile(dialect=connection.dialect)
                connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}")
    _allow_every_lifecycle_status(connection)


def _allow_every_lifecycle_status(connection: Connection) -> None:
    """The system table's check on its lifecycle status allows every `LifecycleStatus` value.
    PostgreSQL replaces the constraint; SQLite, which cannot alter a constraint, has the
    check's text in the table's stored definition widened, as SQLite documents for changes
    that leave the stored rows valid (a wider check never rejects a row the narrower one
    let in), and its schema version moved on so every connection reads it afresh."""
    name, column = "ck_lifecycle_status", "lifecycle_status"
    values = ", ".join("'" + s.value.replace("'", "''") + "'" for s in LifecycleStatus)
    check = f"CONSTRAINT {name} CHECK ({column} IN ({values}))"
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"ALTER TABLE system DROP CONSTRAINT IF EXISTS {name}")
        connection.exec_driver_sql(f"ALTER TABLE system ADD {check}")
        return
    stored = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'system'"
    ).scalar_one()
    widened = re.sub(rf"CONSTRAINT {name} CHECK \({column} IN \([^)]*\)\)", check, stored)
    if widened == stored:
        return
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        connection.exec_driver_sql(
            "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'system'",
            (widened,),
        )
        connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def _upgrade_carbon(connection: Connection) -> None:
    """A system's running facts (servers, vCPUs, memory, storage, utilisation, site, its PUE,
    metered energy, the hardware's purchase year), in the live table with their checks and in
    its history; the energy and carbon estimates read them. Added empty: unknown until a
    return supplies them."""
    live = models.table_of(models.System)
    for table, checked in ((live, True), (history_tables.SYSTEM_HISTORY, False)):
        present = {c["name"] for c in sa.inspect(connection).get_columns(table.name)}
        for name in models.RUNNING_FIELDS:
            if name in present:
                continue
            kind = live.c[name].type.compile(dialect=connection.dialect)
            check = _running_check(name) if checked else None
            rule = "" if check is None else f" CONSTRAINT {check.name} CHECK ({check.sqltext})"
            connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{rule}")


def _running_check(name: str) -> sa.CheckConstraint | None:
    """The check constraint of a running-facts column, by the column it names (free text such
    as the site has none)."""
    for check in models.RUNNING_CHECKS:
        if str(check.sqltext).startswith(f"{name} "):
            return check
    return None


def _upgrade_incremental(connection: Connection) -> None:
    """The kept ranking carries what each system's scores were worked out from (a digest of
    its date-free inputs, the as-of dates its scores hold over, its blast radius and what the
    overview counts of it), and its texts without the rank, so that a new date or an import
    rescores only the systems it changes; the kept ranking is dropped, to be worked out afresh
    with them."""
    table = models.table_of(models.RankingSnapshotRow)
    head = models.table_of(models.RankingSnapshot)
    connection.execute(table.delete())
    connection.execute(head.delete())
    for target, names in ((table, models.SNAPSHOT_ROW_COLUMNS_IN_VERSION_6), (head, ("basis",))):
        present = {c["name"] for c in sa.inspect(connection).get_columns(target.name)}
        for name in names:
            if name not in present and name in target.c:  # version 8 keeps `kept` in texts
                kind = target.c[name].type.compile(dialect=connection.dialect)
                connection.exec_driver_sql(f"ALTER TABLE {target.name} ADD COLUMN {name} {kind}")
    # The rows are keyed by system, no longer by rank (indexed instead): SQLite cannot change a
    # table's key, so its (empty) table is made again; PostgreSQL changes it in place, keeping
    # the grants and row-level security of department roles.
    if connection.dialect.name == "sqlite":
        table.drop(connection)
        table.create(connection)
        return
    key = sa.inspect(connection).get_pk_constraint(table.name)
    if key["constrained_columns"] != ["key"]:  # an estate from version 1 has the table whole
        connection.exec_driver_sql(f"ALTER TABLE {table.name} DROP CONSTRAINT {key['name']}")
        connection.exec_driver_sql(f"ALTER TABLE {table.name} ADD PRIMARY KEY (key)")
    for index in table.indexes:
        index.create(connection, checkfirst=True)


def _upgrade_imp_profiles(connection: Connection) -> None:
    """A dependency whose depending end is not in the estate yet is kept, by that end's
    department and text as written (`from_org_code`, `from_reference`), its `from_system_id`
    empty until a return supplies the system. (SQLite cannot loosen a column in place: Alembic's
    batch mode copies the table.)"""
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    present = {c["name"] for c in sa.inspect(connection).get_columns("dependency")}
    if "from_reference" in present:  # a database created whole at version 6
        return
    operations = Operations(MigrationContext.configure(connection))
    with operations.batch_alter_table("dependency") as batch:
        batch.alter_column("from_system_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("from_org_code", sa.String(), nullable=True))
        batch.add_column(sa.Column("from_reference", sa.String(), nullable=True))
        batch.create_check_constraint(
            "ck_dependency_from", "from_system_id IS NOT NULL OR from_reference IS NOT NULL"
        )


def _upgrade_kept_store(connection: Connection) -> None:
    """The kept ranking's texts are kept compressed, with a dictionary trained on the estate's
    own texts (`estate.ranking.packing`), its explanations as compact JSON rather than laid
    out, each with the words of its row (which lose their columns), and `rank --csv`'s lines
    are laid out from the rows rather than kept; it keeps running totals for the overview's
    figures, and its systems' date windows are indexed. The kept ranking is dropped, to be
    worked out afresh (version 8 keeps it otherwise again)."""
    # The kept ranking reads this module.
    from estate.ranking.packing import WORDS

    head = models.table_of(models.RankingSnapshot)
    present = {c["name"] for c in sa.inspect(connection).get_columns(head.name)}
    for name in ("dictionary", "tally"):
        if name not in present:  # a version 1 estate gets the table whole from step 1 to 2
            kind = head.c[name].type.compile(dialect=connection.dialect)
            connection.exec_driver_sql(f"ALTER TABLE {head.name} ADD COLUMN {name} {kind}")
    for index in models.table_of(models.RankingSnapshotRow).indexes:
        index.create(connection, checkfirst=True)
    connection.execute(models.table_of(models.RankingSnapshotRow).delete())
    connection.execute(head.delete())
    rows = models.table_of(models.RankingSnapshotRow).name
    present = {c["name"] for c in sa.inspect(connection).get_columns(rows)}
    for name in ("csv_line", *WORDS):
        if name in present:
            connection.exec_driver_sql(f"ALTER TABLE {rows} DROP COLUMN {name}")


def _upgrade_kept_compact(connection: Connection) -> None:
    """The kept ranking is kept compactly: the items of explanations that many systems share
    kept once (`ranking_snapshot.fragments`), each system's kept facts compressed with its
    texts (no `kept` column), its digest as a 64-bit integer and its date window as day
    numbers (no longer indexed), and its band, readiness and disposition as small integers
    (`estate.models.Coded`). The kept ranking is dropped, to be worked out afresh: it is a
    cache, and nothing stored is lost. SQLite cannot change a column's type in place, so its
    (empty) table is made again; PostgreSQL changes it in place, keeping the grants and
    row-level security of department roles."""
    table = models.table_of(models.RankingSnapshotRow)
    head = models.table_of(models.RankingSnapshot)
    connection.execute(table.delete())
    connection.execute(head.delete())
    present = {c["name"] for c in sa.inspect(connection).get_columns(head.name)}
    if "fragments" not in present:
        kind = head.c.fragments.type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(f"ALTER TABLE {head.name} ADD COLUMN fragments {kind}")
    if connection.dialect.name == "sqlite":
        table.drop(connection)
        table.create(connection)
        return
    connection.exec_driver_sql(f"DROP INDEX IF EXISTS ix_{table.name}_valid_until")
    connection.exec_driver_sql(f"ALTER TABLE {table.name} DROP COLUMN IF EXISTS kept")
    for name in ("basis", "valid_from", "valid_until", "band", "readiness", "disposition"):
        kind = table.c[name].type.compile(dialect=connection.dialect)
        connection.exec_driver_sql(
            f"ALTER TABLE {table.name} ALTER COLUMN {name} TYPE {kind} USING NULL"
        )
    _postgres_places(connection)


KEPT_ROWS_FILLFACTOR = 50
"""How full (per cent) PostgreSQL fills each page of the kept ranking's rows: the half left
free takes the new version of each row whose place moves, on its own page."""


def _postgres_places(connection: Connection) -> None:
    """On PostgreSQL, the kept ranking's places (`rank`) are not indexed and its pages are
    filled only to KEPT_ROWS_FILLFACTOR per cent, so that moving places (`move_places`, which
    shifts most rows by a few when a few systems move) is a heap-only update: each row's new
    version goes on its own page with no index entry written (at 50,000 systems some 35,000
    rows move, each of which wrote an entry in its key's index and in `rank`'s). Reads in
    rank order sort in memory instead (`work_mem` is SORT_MEMORY). SQLite, which rewrites a
    row in place, keeps the index."""
    if connection.dialect.name != "postgresql":
        return
    table = models.table_of(models.RankingSnapshotRow).name
    connection.exec_driver_sql(f"DROP INDEX IF EXISTS ix_{table}_rank")
    connection.exec_driver_sql(f"ALTER TABLE {table} SET (fillfactor = {KEPT_ROWS_FILLFACTOR})")


MIGRATIONS: dict[int, Migration] = {
    1: _to_version_2,
    2: _to_version_3,
    3: _to_version_4,
    4: _to_version_5,
    5: _to_version_6,
    6: _to_version_7,
    7: _to_version_8,
    8: _to_version_9,
}
"""Upgrade steps: MIGRATIONS[n] takes a database from schema version n to n + 1.

Each is the body of Alembic revision n + 1 (estate/migrations/versions/schema_<n + 1>.py,
which calls `run_step(n)`); `estate upgrade` runs them in one transaction. Each step uses
SQLAlchemy, so it runs on SQLite and PostgreSQL alike. How to add one: `estate.migrations`."""


POSTGRES_DRIVER = "postgresql+psycopg://"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def database_url(target: str | Path) -> str:
    """Turn a `--db` value (a file path or an SQLAlchemy URL) into an SQLAlchemy URL. A plain
    `postgresql://` URL, as PostgreSQL's own tools write it, is read with psycopg (3)."""
    text = str(target)
    for scheme in _POSTGRES_SCHEMES:
        if text.startswith(scheme):
            return POSTGRES_DRIVER + text[len(scheme) :]
    if "://" in text:
        return text
    return f"sqlite:///{Path(text).expanduser()}"


def shown(target: str | Path) -> str:
    """A database as messages name it: a file by its path, a server URL without its password."""
    url = database_url(target)
    path = _sqlite_path(url)
    if path is not None:
        return str(path)
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return url


def is_permission_denied(error: sa.exc.DBAPIError) -> bool:
    """Whether the database refused a statement for the role's privileges or row-level
    security (PostgreSQL's SQLSTATE 42501), not for a fault in the statement."""
    return getattr(error.orig, "sqlstate", None) == "42501"


def first_line(error: BaseException | None) -> str:
    """A driver's message on one line (PostgreSQL's add detail and hint lines)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and url != "sqlite:///:memory:":
        return Path(url[len(prefix) :])
    return None


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    """Per-connection settings; none of them writes to the file."""
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _writable(path: Path) -> bool:
    """True when SQLite can write the database and its journal files beside it."""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _read_only_url(path: Path) -> str:
    """A URL that opens the database for reading only. In a folder SQLite cannot write, the
    WAL's shared-memory file cannot be made, so the file is opened as immutable: nothing can be
    writing to it there."""
    immutable = not os.access(path.parent, os.W_OK) and not Path(f"{path}-shm").exists()
    query = "mode=ro&immutable=1" if immutable else "mode=ro"
    return f"sqlite:///file:{quote(str(path.resolve()))}?{query}&uri=true"


def sqlite_file(engine: Engine) -> Path | None:
    """The file behind an SQLite engine, or None for another database or an in-memory one."""
    if engine.dialect.name != "sqlite":
        return None
    name = engine.url.database
    if not name or name == ":memory:":
        return None
    if name.startswith("file:"):  # a read-only URI: file:PATH?mode=ro
        return Path(unquote(name[len("file:") :].split("?", 1)[0]))
    return Path(name)


def attach_sqlite(connection: Connection, path: Path, name: str) -> None:
    """Make the SQLite file at `path` readable as schema `name` on this SQLite connection, so
    set-based statements can copy from it in one pass."""
    connection.exec_driver_sql(f"ATTACH DATABASE ? AS {name}", (str(path),))


def make_engine(target: str | Path) -> Engine:
    """Create an engine for `target` with the connection settings estate relies on. A database
    file (or folder) estate may not write is opened read-only, so reading it needs no write
    access; a command that writes is then refused in one line."""
    url = database_url(target)
    path = _sqlite_path(url)
    if path is not None and path.exists() and not _writable(path):
        url = _read_only_url(path)
    if _is_sqlite(url):
        engine = sa.create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        sa.event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    try:
        if url.startswith("postgresql"):
            _load_postgres_driver()
            # pre-ping: the server ends a department role's idle sessions (estate.access);
            # no hstore column, so no look-up of its type when the first connection is made
            return sa.create_engine(
                url,
                connect_args={"options": _POSTGRES_OPTIONS},
                pool_pre_ping=True,
                use_native_hstore=False,
            )
        return sa.create_engine(url)
    except ModuleNotFoundError as exc:
        raise DatabaseError(
            f"{shown(url)} needs the database driver {exc.name}, which is not installed; "
            "for PostgreSQL install estate with `pip install 'estate[postgres]'`."
        ) from exc
    except sa.exc.ArgumentError as exc:
        raise DatabaseError(f"{shown(url)} is not a database URL estate can use: {exc}") from exc


@functools.cache
def _load_postgres_driver() -> None:
    """Import psycopg and SQLAlchemy's dialect for it, once, with the cyclic garbage collector
    paused and what they load then moved out of its sight (`estate.perf.collector_paused`).

    Their modules and types, some 17,000 objects that live as long as the process, came on top
    of everything a command had loaded already and set off a full collection of all of it
    (60 ms at the start of a command answered from the kept ranking in well under a second);
    each later full collection, the last one as the process exits among them, then walked
    them again. An SQLite estate loads no such driver."""
    with collector_paused():
        import psycopg  # noqa: F401
        import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401


def _check_sqlite_file(path: Path) -> None:
    if path.is_dir():
        raise NotAnEstateDatabase(f"{path} is a folder, not a database; give a file with --db.")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(_SQLITE_MAGIC))
    except OSError as exc:
        raise DatabaseError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    if header and header != _SQLITE_MAGIC:
        raise NotAnEstateDatabase(f"{path} is not an SQLite database, so not an estate database.")


def read_schema_version(connection: Connection, where: str = "the database") -> int | None:
    """The schema version recorded in the database, or None when it has no estate record;
    a record that is not a version number is refused, naming the database (`where`)."""
    found = migrations.recorded(connection)
    if found is None:
        return None
    text = str(found)
    if text.isascii() and text.isdigit() and str(int(text)) == text:
        return int(text)
    raise NotAnEstateDatabase(
        f"{where} records schema version {found!r}, which is not a version "
        "number: it is damaged or was not made by estate. Restore it from a backup."
    )


def write_schema_version(connection: Connection, version: int = SCHEMA_VERSION) -> None:
    """Record `version` as the database's schema version, in the caller's transaction."""
    migrations.stamp(connection, str(version))


def _check_version(found: int | None, where: str, has_tables: bool) -> None:
    if found is None:
        if has_tables:
            raise NotAnEstateDatabase(
                f"{where} is a database, but not one made by estate (it has no estate schema "
                "record). Choose another file with --db."
            )
        raise NotAnEstateDatabase(f"{where} is empty; run `estate init` to create the estate.")
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{where} uses estate schema version {found}, made by a newer estate; this version "
            f"reads up to version {SCHEMA_VERSION}. Upgrade estate to open it."
        )
    if found < SCHEMA_VERSION:
        raise SchemaTooOld(
            f"{where} uses estate schema version {found}; this version needs {SCHEMA_VERSION}. "
            "Back the file up, then run `estate upgrade`."
        )


def open_engine(target: str | Path, *, create: bool = False) -> Engine:
    """Open an estate database, creating it when `create` is true and it does not exist yet.

    Refuses, with a message naming the file, anything that is not an estate database at the
    schema version this code understands; it never alters such a file.
    """
    url = database_url(target)
    path = _sqlite_path(url)
    where = shown(url)
    if path is not None:
        if not path.exists() or path.stat().st_size == 0:
            if not create:
                raise DatabaseMissing(
                    f"No estate database at {path}. Run `estate init` (empty) or `estate demo` "
                    "(sample data) first, or point --db / ESTATE_DB at one."
                )
            if not path.parent.is_dir():
                raise DatabaseError(f"Cannot create {path}: folder {path.parent} does not exist.")
            if not os.access(path.parent, os.W_OK):
                raise DatabaseError(f"Cannot create {path}: folder {path.parent} is read-only.")
        else:
            _check_sqlite_file(path)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            found = read_schema_version(connection, where)
            # The tables are listed only for a database with no version record: that is a
            # query of the server's catalogue, which an estate at its version is spared.
            has_tables = found is not None or bool(sa.inspect(connection).get_table_names())
            if found is None and not has_tables and create:
                if connection.dialect.name == "sqlite":  # persistent: set once, at creation
                    connection.exec_driver_sql("PRAGMA journal_mode = WAL")
                SQLModel.metadata.create_all(connection)
                _postgres_places(connection)
                write_schema_version(connection, SCHEMA_VERSION)
                return engine
            _check_version(found, where, has_tables)
    except sa.exc.DatabaseError as exc:
        engine.dispose()
        if path is None and isinstance(exc, sa.exc.OperationalError):
            raise DatabaseError(f"Cannot connect to {where}: {first_line(exc.orig)}") from exc
        raise NotAnEstateDatabase(f"{where} cannot be read as a database: {exc.orig}") from exc
    except DatabaseError:
        engine.dispose()
        raise
    return engine


def check_replaceable(target: str | Path) -> None:
    """Refuse, in one line, to replace anything at `target` but an estate database (of any
    schema version): a rebuild (`estate demo --force`) must never delete someone's document."""
    path = Path(target)
    if path.is_dir():
        raise NotAnEstateDatabase(f"{path} is a folder, not a database; give a file with --db.")
    if not path.exists():
        return
    if not path.is_file():
        raise NotAnEstateDatabase(f"{path} is not a regular file; it is never replaced.")
    try:
        engine = open_engine(path)
    except (SchemaTooNew, SchemaTooOld):
        return
    except DatabaseError as exc:
        raise NotAnEstateDatabase(
            f"{path} is not replaced: {str(exc).rstrip('.')}. Choose another file with --db."
        ) from exc
    engine.dispose()


READ_LOCK_WAIT_MS = 500
"""Longest a statement of estate waits for a lock on PostgreSQL before it is refused: a
department's role may lock the tables it writes (PostgreSQL lets any role that may update a
table lock it), and no reader waits behind that for more than a second (a read that needs the
locked table then falls back, where it can, on the kept ranking)."""

WRITER_LOCK_WAIT_S = 30
"""Longest a writer, holding the estate's write lock, waits for a table or row lock."""

SORT_MEMORY = "64MB"
"""Memory a PostgreSQL session of estate may use for one sort or hash before it spills to disk
(`work_mem`; the server's default is 4 MB): reading the whole kept ranking in order sorts
about 0.45 KB a system (4.4 MB at 10,000 systems), which spilled to disk and took 1.7-3x as
long."""

_POSTGRES_OPTIONS = f"-c lock_timeout={READ_LOCK_WAIT_MS} -c work_mem={SORT_MEMORY}"

logging.getLogger("psycopg").addHandler(logging.NullHandler())
# psycopg logs what it ignores while giving up a connection the server dropped (during a COPY);
# with no handler Python would print it to stderr, beside estate's own one line.


def is_lock_timeout(error: BaseException) -> bool:
    """Whether the database refused a statement because a lock it needed was held past the
    lock timeout (PostgreSQL's SQLSTATE 55P03)."""
    orig = getattr(error, "orig", None)
    return getattr(orig, "sqlstate", None) == "55P03"


def unless_locked(connection: Connection, read: Callable[[], T]) -> T | None:
    """`read()`, or None when a lock held by another session (a department's transaction)
    kept it waiting past the lock timeout; the caller's transaction goes on either way."""
    if connection.dialect.name != "postgresql":
        return read()
    savepoint = connection.begin_nested()
    try:
        found = read()
    except sa.exc.OperationalError as exc:
        savepoint.rollback()
        if is_lock_timeout(exc):
            return None
        raise
    savepoint.commit()
    return found


WRITE_LOCK = 0x657374617465
"""The PostgreSQL advisory lock an estate's writers take in turn (the letters of "estate")."""

WRITE_WAIT_S = 600
"""How long a writer on PostgreSQL waits for another to finish before refusing, in seconds: a
50,000-system import takes well under a minute."""


def begin_write(connection: Connection) -> None:
    """Take the database's write lock at the start of the caller's transaction, so that what a
    writer reads to plan its change cannot be changed by another writer before it is applied.
    A second writer waits for the first to commit and then reads what it stored: on SQLite for
    up to the busy timeout (BEGIN IMMEDIATE), on PostgreSQL for up to WRITE_WAIT_S (an advisory
    lock held to the end of the transaction); past that it is refused, having stored nothing.
    Holding it, a writer waits up to WRITER_LOCK_WAIT_S for the tables it writes. Readers
    never wait for it."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITE_WAIT_S}s'")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{WRITER_LOCK_WAIT_S}s'")


def upgrade(target: str | Path) -> tuple[int, int]:
    """Bring a database up to SCHEMA_VERSION by running its missing Alembic revisions in one
    transaction (nothing changes if one fails); return (from, to) versions. A database made
    before Alembic has its version record moved to Alembic's table on the way."""
    url = database_url(target)
    path = _sqlite_path(url)
    where = shown(url)
    if path is not None:
        if not path.exists():
            raise DatabaseMissing(f"No estate database at {path}.")
        _check_sqlite_file(path)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            begin_write(connection)  # on SQLite, so that the DDL is inside the transaction too
            found = read_schema_version(connection, where)
            if found is None or found > SCHEMA_VERSION:
                _check_version(found, where, has_tables=True)
            assert found is not None
            for version in range(found, SCHEMA_VERSION):
                if version not in MIGRATIONS:
                    raise SchemaTooOld(
                        f"{where} is at schema version {found} and this estate has no upgrade "
                        f"from version {version}; use the estate release that made it to export "
                        "its data."
                    )
            migrations.upgrade(connection, str(found))
            access.refresh(connection)
            return found, SCHEMA_VERSION
    except sa.exc.DBAPIError as exc:
        if is_permission_denied(exc):
            raise DatabaseError(
                f"{where}: only the estate's central role, which owns its tables, can upgrade "
                f"it; nothing was changed ({first_line(exc.orig)})."
            ) from exc
        if isinstance(exc, sa.exc.OperationalError) and path is None:
            raise DatabaseError(
                f"{where}: the upgrade was stopped and nothing was changed "
                f"({first_line(exc.orig)})."
            ) from exc
        raise NotAnEstateDatabase(
            f"{where} cannot be read as a database: {first_line(exc.orig)}"
        ) from exc
    finally:
        engine.dispose()


def continue_keys(connection: Connection, table: sa.Table) -> None:
    """After rows were written with their keys given (a copy), make the next new row's key
    follow the largest: PostgreSQL's sequences do not notice given keys; SQLite needs nothing."""
    if connection.dialect.name != "postgresql":
        return
    for column in table.primary_key.columns:
        if not isinstance(column.type, sa.Integer):
            continue
        sequence = connection.execute(
            sa.select(sa.func.pg_get_serial_sequence(table.name, column.name))
        ).scalar()
        if sequence is not None:
            connection.execute(
                sa.select(
                    sa.func.setval(
                        sequence,
                        sa.select(sa.func.coalesce(sa.func.max(column), 0) + 1).scalar_subquery(),
                        False,
                    )
                )
            )


def plain(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """A column read as the driver returns it, skipping SQLAlchemy's per-value conversion.

    For bulk reads of hundreds of thousands of rows, where the caller converts the few values
    it needs (enums by value, dates with `as_date`) far faster than generic processors do.
    """
    return sa.type_coerce(column, sa.String)


def as_date(value: Any) -> dt.date | None:
    """A date from what a driver returns: ISO text (SQLite) or a date (PostgreSQL)."""
    if value is None or isinstance(value, dt.date):
        return value
    return _iso_date(value)


@functools.lru_cache(maxsize=65536)
def _iso_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


T = TypeVar("T")

IN_LIST_LIMIT = 900
"""Most values one `IN (...)` list carries: some SQLite builds allow only 999 bound parameters
in a statement (PostgreSQL 65,535), and a department can hold tens of thousands of systems."""


def in_batches(values: Sequence[T]) -> Iterator[Sequence[T]]:
    """`values` in slices small enough for one `IN (...)` list each."""
    for start in range(0, len(values), IN_LIST_LIMIT):
        yield values[start : start + IN_LIST_LIMIT]


def move_places(
    connection: Connection, column: sa.Column[int], shifts: Sequence[Mapping[str, int]]
) -> None:
    """Move runs of places in `column` (a table's non-unique integer column), each run (`low`
    to `high` inclusive, by the column's values before any move) by its own `by`, in the
    caller's transaction: every row is moved as its place stood, never twice.

    On PostgreSQL in one `UPDATE`, each moved place joined by equality (a hash join) to the
    places of the runs, sent as three arrays, so each moved row is written once and no row is
    compared with every run (the column is not indexed there: `_postgres_places`). On SQLite
    in one `UPDATE ... FROM` the runs, sent as one JSON text, each found by the column's index,
    so each moved row is written once (half the time of moving it twice, below, at 50,000
    systems). Elsewhere, and on an SQLite older than `UPDATE ... FROM`, each run is moved to
    its new place negated, clear of every place not yet moved, then every negated place made
    positive."""
    table = column.table
    if not shifts:
        return
    quote = connection.dialect.identifier_preparer.quote
    name, place = quote(table.name), quote(column.name)
    if connection.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 33):
        runs = (
            "SELECT json_extract(value, '$.low') AS low, json_extract(value, '$.high') AS high, "
            "json_extract(value, '$.by') AS by FROM json_each(:runs)"
        )
        connection.execute(
            sa.text(
                f"UPDATE {name} SET {place} = {place} + runs.by FROM ({runs}) AS runs "
                f"WHERE {name}.{place} BETWEEN runs.low AND runs.high"
            ),
            {"runs": json.dumps(list(shifts))},
        )
        return
    if connection.dialect.name == "postgresql":
        moves = sa.text(
            f"UPDATE {name} SET {place} = {place} + moves.by FROM (SELECT "
            "generate_series(runs.low, runs.high) AS place, runs.by FROM unnest("
            "CAST(:low AS integer[]), CAST(:high AS integer[]), CAST(:by AS integer[])) "
            f"AS runs(low, high, by)) AS moves WHERE {name}.{place} = moves.place"
        )
        connection.execute(
            moves,
            {key: [run[key] for run in shifts] for key in ("low", "high", "by")},
        )
        return
    connection.execute(
        table.update()
        .where(column.between(sa.bindparam("low"), sa.bindparam("high")))
        .values({column: -(column + sa.bindparam("by"))}),
        list(shifts),
    )
    connection.execute(table.update().where(column < 0).values({column: -column}))


def plain_rows(connection: Connection, query: sa.Select[Any]) -> list[tuple[Any, ...]]:
    """Every row of `query` as the driver's own tuples: for a large read of columns whose
    values need no conversion (text, integers, floats), such as the places of every kept
    system, where making each row a SQLAlchemy row took as long again as the read itself at
    50,000 systems. The query's parameters are bound as SQLAlchemy binds them; columns of
    types that convert when read (dates on SQLite, enumerations, JSON) must be read through
    SQLAlchemy instead, or wrapped in `plain`."""
    result = connection.execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()


def insert_rows(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> None:
    """Insert many rows, each a tuple of values for `columns`, in the caller's transaction.

    Portable SQLAlchemy Core everywhere; on SQLite the rows go straight to the driver's
    executemany, and on PostgreSQL through COPY, each value converted by its column's own type
    (enumerations checked, dates encoded) and the other columns' scalar defaults filled, as
    Core would. That skips Core's per-row bookkeeping, a fifth of the writes of a 50,000-system
    import on SQLite and most of them on PostgreSQL. The database's constraints check every
    row either way.
    """
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "sqlite" and _sqlite_executemany(connection, table, columns, rows):
        return
    if dialect == "postgresql" and _postgres_copy(connection, table, columns, rows):
        return
    connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])


def _postgres_copy(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> bool:
    """Write the rows with COPY; False, having done nothing, when a column left out has a
    computed default or row-level security applies to the role (COPY cannot check its
    policies, so a department's role inserts row by row)."""
    active = connection.execute(sa.select(sa.func.row_security_active(table.name))).scalar()
    prepared = None if active else _driver_rows(connection, table, columns, rows)
    if prepared is None:
        return False
    names, values = prepared
    quote = connection.dialect.identifier_preparer.quote
    sql = f"COPY {quote(table.name)} ({', '.join(map(quote, names))}) FROM STDIN"
    import psycopg

    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(sql) as copy:
            for row in values:
                copy.write_row(row)
    except psycopg.Error as exc:  # wrapped as Core wraps a refused statement
        raise sa.exc.DBAPIError.instance(sql, None, exc, psycopg.Error) from exc
    finally:
        cursor.close()
    return True


def _driver_rows(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> tuple[list[str], list[tuple[Any, ...]]] | None:
    """The rows as the driver takes them, each value converted by its column's type, with the
    scalar defaults of the columns left out appended; (column names, rows), or None when a
    column left out has a computed default, which only Core fills."""
    dialect = connection.dialect
    names, fills = list(columns), []  # then the columns left out that have a default
    for column in table.c:
        if column.name in columns or column.default is None:
            continue
        default = column.default
        if not isinstance(default, sa.ColumnDefault) or not default.is_scalar:
            return None
        names.append(column.name)
        fills.append(default.arg)
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    width = len(columns)
    convert = [(i, p) for i, p in enumerate(processors[:width]) if p is not None]
    values: list[tuple[Any, ...]] = []
    try:
        tail = tuple(p(v) if p else v for p, v in zip(processors[width:], fills, strict=True))
        for row in rows:
            if len(row) != width:
                raise ValueError(f"{len(row)} values for {width} columns")
            cells = list(row)
            for i, processor in convert:
                cells[i] = processor(cells[i])
            values.append((*cells, *tail))
    except (LookupError, TypeError, ValueError) as exc:  # as Core reports a value it refuses
        raise sa.exc.StatementError(str(exc), f"INSERT INTO {table.name}", None, exc) from exc
    return names, values


def _sqlite_executemany(
    connection: Connection,
    table: sa.Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> bool:
    """Run the insert through the driver; False, having done nothing, when a column left out
    has a computed default, which only Core fills."""
    prepared = _driver_rows(connection, table, columns, rows)
    if prepared is None:
        return False
    names, values = prepared
    quote = connection.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, names))}) "
        f"VALUES ({', '.join('?' * len(names))})"
    )
    connection.exec_driver_sql(sql, values)  # errors wrapped as Core wraps them
    return True
