"""The `estate` command group and what its commands share.

Each command is a thin layer: it opens the database, calls one library function and prints the
result. Data goes to stdout, diagnostics to stderr. Exit codes: 0 success, 1 a user error (bad
input, failed validation, unusable database), 2 a usage error."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import sqlalchemy as sa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.engine import Engine

from estate import db, queries
from estate.errors import EstateError
from estate.graph import EstateGraph, load_graph
from estate.history.reconstruct import estate_at
from estate.history.stored import known_period
from estate.periods import as_of_for, parse_period
from estate.progress import Progress as ProgressCallback
from estate.scoring import EstateScores, score_estate, score_system
from estate.scoring.policy import Policy, load_policy
from estate.scoring.results import SystemScore
from estate.snapshot import (
    RankedRow,
    fingerprint,
    fresh_snapshot,
    keep_snapshot,
    kept_rank,
    ranked_rows,
    stored_fingerprint,
    take_snapshot,
)

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_DB = "estate.db"
SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class EstateGroup(click.Group):
    """Turns domain errors, and a database that cannot do what was asked (locked by another
    writer, read-only, out of space), into a one-line message and exit code 1, never a
    traceback. Every write is one transaction, so a refused write has stored nothing. A file
    the system refuses (missing, no permission, disk full) is one line too."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except EstateError as exc:
            raise click.ClickException(str(exc)) from exc
        except sa.exc.OperationalError as exc:
            raise click.ClickException(
                f"The estate database refused the operation ({exc.orig}); nothing was stored by "
                "it. If another program is writing to the database, try again when it has finished."
            ) from exc
        except sa.exc.IntegrityError as exc:
            raise click.ClickException(
                f"The estate database refused the change ({exc.orig}); nothing was stored by it. "
                "If another import ran at the same time, run this one again."
            ) from exc
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(
                f"{where}{exc.strerror or exc}; check the path and its permissions."
            ) from exc


@click.group(cls=EstateGroup, invoke_without_command=True)
@click.option(
    "--db",
    "db_path",
    envvar="ESTATE_DB",
    default=DEFAULT_DB,
    show_default=True,
    help="The estate database: a file path (or an SQLAlchemy URL). Also ESTATE_DB.",
)
@click.version_option(package_name="estate")
@click.pass_context
def cli(ctx: click.Context, db_path: str) -> None:
    """Find the riskiest legacy technology in an estate and say what to fix first."""
    ctx.obj = db_path
    if ctx.invoked_subcommand is None:
        if _interactive() and "://" not in db_path and Path(db_path).exists():
            from estate.cli.tui_command import run_tui

            run_tui(db_path)
            return
        click.echo(ctx.get_help())


def _interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


PERIOD_KEY = "estate.period"
PAST_KEY = "estate.past"


def period_option(func: F) -> F:
    """The shared `--period`: the command reads the estate as it stood at the end of that
    reporting period, scored (unless `--as-of` says otherwise) as at the period's last day."""
    return click.option(
        "--period",
        callback=_remember_period,
        expose_value=False,
        help="See the estate as it stood at the end of this reporting period (2026-Q3).",
    )(func)


def period_value(text: str | None) -> str | None:
    """A `--period` or `--since` option's value checked before any work: a malformed one is a
    usage error saying the form."""
    if text is None:
        return None
    try:
        return parse_period(text, what="")
    except EstateError as exc:
        raise click.BadParameter(str(exc)) from exc


def _remember_period(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[PERIOD_KEY] = period_value(value)


def _estate_at(ctx: click.Context, period: str) -> Engine:
    """The estate as it stood at the end of `period`, rebuilt once per command."""
    past: Engine | None = ctx.meta.get(PAST_KEY)
    if past is None:
        engine = db.open_engine(ctx.obj)
        try:
            with engine.connect() as connection:
                known_period(connection, period)
            past = estate_at(engine, period)
        finally:
            engine.dispose()
        ctx.meta[PAST_KEY] = past
        ctx.call_on_close(past.dispose)
        err.print(f"The estate as it stood at the end of {period}.")
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


def print_json(data: Any) -> None:
    """Print `data` as indented JSON, dates and enumerations as the estate writes them, so
    every command's --json output reads the same."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=queries.jsonable))


TERMINAL_ROWS = 100
"""Rows a table shows on a terminal unless asked for more."""

T = TypeVar("T")


def print_rows(rows: list[T], table: Callable[[list[T]], Table], more: str) -> None:
    """Print the table of `rows`; on a terminal only the first TERMINAL_ROWS, then say on stderr
    how many there are and how to see the rest (`more`): tens of thousands of rows take minutes
    to draw and nobody reads them on a screen. Piped output gets every row."""
    shown = rows if not out.is_terminal else rows[:TERMINAL_ROWS]
    out.print(table(shown))
    if len(shown) < len(rows):
        err.print(f"Showing the first {len(shown)} of {len(rows):,}: {more}.")


def scoring_options(func: F) -> F:
    """The shared `--policy` and `--as-of` options of every command that scores."""
    func = click.option(
        "--as-of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="Score as at this date (YYYY-MM-DD) instead of the policy's.",
    )(func)
    return click.option(
        "--policy",
        "policy_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="A TOML policy file overriding the default (see `estate policy show`).",
    )(func)


def load_scores(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> EstateScores:
    """Score the whole estate under the chosen policy and date, with a progress bar on a
    terminal (it takes seconds at tens of thousands of systems). The ranking is kept with the
    estate, as the terminal UI keeps it, so that the next `rank` is printed at once."""
    policy = _policy(policy_path, as_of)
    with open_engine(ctx) as engine:
        with (
            engine.connect() as connection,
            progress_bar("Scoring", err.is_terminal) as progress,
        ):
            current = fingerprint(connection, policy)
            stored = stored_fingerprint(connection)
            scores = score_estate(connection, policy, progress)
        if stored != current:
            keep_snapshot(engine, take_snapshot(scores, current), stored)
    return scores


def load_ranking(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> tuple[Policy, list[RankedRow]]:
    """The estate's systems in priority order, one line each: the ranking kept from the last
    scoring when nothing it was scored from has changed (the same imports, lifecycle data,
    policy, date and version of estate), else scored afresh."""
    policy = _policy(policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = fresh_snapshot(connection, policy)
    if kept is not None:
        return policy, kept.rows
    return policy, ranked_rows(load_scores(ctx, policy_path, as_of))


def load_system_score(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None, key: str
) -> SystemScore:
    """One system's scores: scored alone, with its place from the kept ranking, while that
    ranking is fresh; else the whole estate is scored (and the ranking kept)."""
    policy = _policy(policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        rank = kept_rank(connection, policy, key)
        if rank is not None:
            return score_system(connection, policy, key, rank)
    return load_scores(ctx, policy_path, as_of).by_key()[key]


def load_ranked_graph(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> tuple[list[RankedRow], EstateGraph]:
    """The ranking and the dependency graph, for the commands that name systems with their
    band or plan by priority and need no explanations: with a still-fresh kept ranking only the
    graph is read (about a second at 50,000 systems, against several to score)."""
    policy = _policy(policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = fresh_snapshot(connection, policy)
        if kept is not None:
            return kept.rows, load_graph(connection)
    scores = load_scores(ctx, policy_path, as_of)
    return ranked_rows(scores), scores.graph


def _policy(policy_path: Path | None, as_of: dt.datetime | None) -> Policy:
    """The policy in force; with `--period` and no `--as-of`, as at the period's end."""
    if as_of is None:
        ctx = click.get_current_context(silent=True)
        period = ctx.meta.get(PERIOD_KEY) if ctx is not None else None
        if period is not None:
            return load_policy(policy_path, as_of=as_of_for(period))
    return load_policy(policy_path, as_of=as_of.date() if as_of else None)


@contextmanager
def progress_bar(label: str, show: bool) -> Iterator[ProgressCallback | None]:
    """A transient progress bar on stderr, as the callback a long job reports to; None (no
    bar) when `show` is false, e.g. off a terminal or with --quiet."""
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def report(stage: str, done: int, total: int) -> None:
            # A total of 1 marks a step with no count of its own: the bar pulses instead.
            bar.update(task, description=stage, completed=done, total=total if total > 1 else None)

        yield report


def selection_options(func: F) -> F:
    """The shared `--department`, `--band` and `--top` of every command that selects systems."""
    func = click.option("--top", type=click.IntRange(1), help="Only the first N systems.")(func)
    func = click.option(
        "--band",
        "bands",
        multiple=True,
        help="Only this legacy band: red, high, medium, low (repeatable).",
    )(func)
    return click.option(
        "--department",
        "-d",
        "departments",
        multiple=True,
        help="Only this department (repeatable).",
    )(func)


def json_option(func: F) -> F:
    """The shared `--json` flag: machine-readable output on stdout."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(
        func
    )
