"""Alembic's entry point for the estate schema: runs the revisions on the connection estate
hands over (`estate.migrations.config`), inside that connection's transaction."""

from __future__ import annotations

from alembic import context

from estate.migrations import VERSION_TABLE


def run_migrations() -> None:
    """Run the revisions Alembic has chosen on the connection estate handed over."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, version_table=VERSION_TABLE)
    with context.begin_transaction():
        context.run_migrations()


if hasattr(context, "config"):  # run by Alembic; merely imported (as the import checks do), idle
    run_migrations()
