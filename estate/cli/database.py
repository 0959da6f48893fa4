"""The database a command names with --db (or ESTATE_DB), or with `--period` the estate as it
stood at the end of that reporting period."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.engine import Engine

from estate import db
from estate.cli import console
from estate.cli.base import PERIOD_KEY

PAST_KEY = "estate.past"


def _estate_at(ctx: click.Context, period: str) -> Engine:
    """The estate as it stood at the end of `period`, rebuilt once per command."""
    past: Engine | None = ctx.meta.get(PAST_KEY)
    if past is None:
        from estate.history.reconstruct import estate_at
        from estate.history.stored import known_period

        engine = db.open_engine(ctx.obj)
        try:
            with engine.connect() as connection:
                known_period(connection, period)
            past = estate_at(engine, period)
        finally:
            engine.dispose()
        ctx.meta[PAST_KEY] = past
        ctx.call_on_close(past.dispose)
        console.err.print(f"The estate as it stood at the end of {period}.")
    return past


@contextmanager
def open_engine(ctx: click.Context, *, create: bool = False) -> Iterator[Engine]:
    """The database the command line names, disposed of when the command is done, so no
    connection outlives it; with `--period`, the estate as it stood then, read-only in effect
    (it is rebuilt in memory for the command)."""
    period = ctx.meta.get(PERIOD_KEY)
    if period is not None and not create:
        yield _estate_at(ctx, period)
        return
    engine = db.open_engine(ctx.obj, create=create)
    try:
        yield engine
    finally:
        engine.dispose()
