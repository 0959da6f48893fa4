"""Alembic's entry point for the estate schema: runs the revisions on the connection estate
hands over (`estate.migrations.config`), inside that connection's transaction."""

from __future__ import annotations

from alembic import context

from estate.migrations import VERSION_TABLE

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
