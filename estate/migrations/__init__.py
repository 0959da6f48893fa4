"""The estate schema's migrations, run with Alembic on SQLite and PostgreSQL alike.

Each schema version is one Alembic revision whose id is the version number ("2", "3", ...), in
`versions/`; a database records its revision in the `estate_version` table. A new database is
created whole from the models and recorded at the newest revision (`stamp`); `estate upgrade`
runs the revisions a database is missing in the caller's one transaction (`upgrade`). A
database made before Alembic kept its version in the `estate_schema` table: its upgrade first
moves that record into `estate_version`, then runs the same revisions.

Adding a schema step (say version 4):

1. write the step as a function of a connection in estate/db.py and add it to `MIGRATIONS`
   under the version it upgrades from (`MIGRATIONS[3] = _to_version_4`), and raise
   `SCHEMA_VERSION` to 4;
2. add `versions/schema_4.py`, a revision that calls it::

       \"\"\"Schema 4: what it adds, in a line.\"\"\"

       from estate.migrations import run_step

       revision = "4"
       down_revision = "3"


       def upgrade() -> None:
           run_step(3)

3. extend the upgrade tests (tests/test_migrations.py) with the new schema's expectations.

The tests check that the revisions and `MIGRATIONS` agree and end at `SCHEMA_VERSION`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Connection

if TYPE_CHECKING:  # Alembic is imported only to create or upgrade a database, not to open one
    from alembic.config import Config
    from alembic.script import ScriptDirectory

VERSION_TABLE = "estate_version"
"""Alembic's record of the database's revision, named for estate so that another application's
Alembic table is never taken for it."""

LEGACY_VERSION_TABLE = "estate_schema"
"""Where databases made before Alembic recorded their schema version (one row: application,
version, upgraded_at)."""

_recorded = sa.Table(
    VERSION_TABLE, sa.MetaData(), sa.Column("version_num", sa.String(32), primary_key=True)
)
"""Alembic's version table as estate reads it on every open, without loading Alembic."""

_legacy = sa.Table(
    LEGACY_VERSION_TABLE,
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("application", sa.String),
    sa.Column("version", sa.String),
)

FOLDER = Path(__file__).resolve().parent


def config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the estate schema, run on `connection` (see env.py)."""
    from alembic.config import Config

    settings = Config()
    settings.set_main_option("script_location", str(FOLDER))
    settings.attributes["connection"] = connection
    return settings


@functools.cache
def scripts() -> ScriptDirectory:
    """The revisions, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(config())


def head() -> str:
    """The newest revision: the schema version this code reads and writes."""
    found = scripts().get_current_head()
    assert found is not None
    return found


def recorded(connection: Connection) -> str | None:
    """The revision the database records, from Alembic's table or, for a database made before
    Alembic, the old version table; None when it records neither."""
    inspector = sa.inspect(connection)
    if inspector.has_table(VERSION_TABLE):
        found = connection.execute(sa.select(_recorded.c.version_num)).scalars().all()
        return ",".join(found) if found else None  # several heads: not one version number
    if inspector.has_table(LEGACY_VERSION_TABLE):
        row = connection.execute(sa.select(_legacy.c.application, _legacy.c.version)).first()
        if row is not None and row.application == "estate":
            return str(row.version)
    return None


def stamp(connection: Connection, revision: str) -> None:
    """Record `revision` as the database's, in the caller's transaction, dropping the old
    version table of a database made before Alembic."""
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
    context.stamp(scripts(), revision)
    if sa.inspect(connection).has_table(LEGACY_VERSION_TABLE):
        connection.execute(sa.schema.DropTable(_legacy))


def upgrade(connection: Connection, current: str) -> None:
    """Run every revision after `current` up to the newest, in the caller's transaction."""
    from alembic import command

    stamp(connection, current)
    command.upgrade(config(connection), "head")


def run_step(version: int) -> None:
    """The body of the revision that upgrades from schema `version`: the step estate/db.py
    keeps under that version in `MIGRATIONS`, on the migration's connection."""
    from alembic import op

    from estate.db import MIGRATIONS

    MIGRATIONS[version](op.get_bind())
