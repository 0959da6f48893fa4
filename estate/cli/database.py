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
ENGINE_KEY = "estate.engine"


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
    """The database the command line names; with `--period`, the estate as it stood then,
    read-only in effect (it is rebuilt in memory for the command).

    One engine serves every step of a command (bringing the kept ranking up to date, then
    reading it, say) and is disposed of when the command is done, so no connection outlives
    it: each engine checks the schema afresh, and on PostgreSQL each connection is a server
    process started and its catalogue read, which for a command answered in a second from
    the kept ranking was a tenth of its time. A database being created is opened for that
    alone."""
    period = ctx.meta.get(PERIOD_KEY)
    if period is not None and not create:
        yield _estate_at(ctx, period)
        return
    if create:
        engine = db.open_engine(ctx.obj, create=True)
        try:
            yield engine
        finally:
            engine.dispose()
        return
    shared: Engine | None = ctx.meta.get(ENGINE_KEY)
    if shared is None:
        shared = db.open_engine(ctx.obj)
        ctx.meta[ENGINE_KEY] = shared
        ctx.find_root().call_on_close(shared.dispose)
    yield shared
