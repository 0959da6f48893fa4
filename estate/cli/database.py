"""The database a command names with --db (or ESTATE_DB)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.engine import Engine

from estate import db


@contextmanager
def open_engine(ctx: click.Context, *, create: bool = False) -> Iterator[Engine]:
    """The database the command line names, disposed of when the command is done, so no
    connection outlives it."""
    engine = db.open_engine(ctx.obj, create=create)
    try:
        yield engine
    finally:
        engine.dispose()
