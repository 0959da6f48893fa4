"""`estate export`: the prioritised remediation list for a board, in xlsx, csv, json or
markdown. A command of its own, so the commands that read the kept ranking never load the
workbook writer and what it needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import BinaryIO

import click

from estate import db
from estate.access import reads_only
from estate.cli import console
from estate.cli.base import PERIOD_KEY, cli, period_option, scoring_options, selection_options
from estate.cli.console import progress_bar
from estate.cli.database import open_engine
from estate.cli.scored import load_scores
from estate.errors import InputError
from estate.exports import ExportFormat, export_ranking, format_for
from estate.exports.print_view import PrintMode
from estate.exports.workbook import DEFAULT_MARKING, check_marking
from estate.history.board import BoardHistory, board_history
from estate.history.from_ranking import ranked_outcomes, still_stored
from estate.portfolio import Portfolio, read_portfolio
from estate.progress import Progress
from estate.ranking import RankBy, parse_band
from estate.ranking.json_format import print_kept_ranking_json
from estate.ranking.scope import scope_sentence
from estate.scoring import EstateScores
from estate.scoring.policy import Policy
from estate.words import counted


def _reads_only(ctx: click.Context) -> str | None:
    """The department alone the connected role may read, if it is so limited: asked of the
    database itself, not of the estate as it stood in a past period (`--period`), which is
    rebuilt in memory from what the role can read."""
    if ctx.meta.get(PERIOD_KEY) is None:
        with open_engine(ctx) as engine, engine.connect() as connection:
            return reads_only(connection)
    engine = db.open_engine(ctx.obj)
    try:
        with engine.connect() as connection:
            return reads_only(connection)
    finally:
        engine.dispose()


def _portfolio(ctx: click.Context, as_of: dt.date, keys: set[str]) -> Portfolio:
    """The technology the exported systems run, read from the stored components."""
    with open_engine(ctx) as engine, engine.connect() as connection:
        return read_portfolio(connection, as_of, systems=keys)


def _history(
    ctx: click.Context,
    departments: tuple[str, ...],
    progress: Progress | None,
    scored: EstateScores,
) -> BoardHistory | None:
    """The trend up to the period exported (`--period`, else the latest) and the changes into
    it, from the stored estate itself (not the period's rebuilt copy), so the figures kept by
    `estate trend` are read rather than every period scored again; the latest period's
    count borrows the export's own systems while no import has landed since they were read."""
    engine = db.open_engine(ctx.obj)
    try:
        return board_history(
            engine,
            scored.policy,
            departments=departments,
            until=ctx.meta.get(PERIOD_KEY),
            progress=progress,
            scored=scored,
            ranked=ranked_outcomes,
            as_stored=None if ctx.meta.get(PERIOD_KEY) else still_stored(engine, scored),
        )
    finally:
        engine.dispose()


def _kept_json(
    ctx: click.Context,
    policy: Policy,
    departments: tuple[str, ...],
    bands: tuple[str, ...],
    top: int | None,
    out: BinaryIO,
) -> bool:
    """`rank --json`'s document for the export's selection from the kept ranking, whose
    systems the json export copies (`estate.exports.kept_json`); False when it cannot."""
    with open_engine(ctx) as engine, engine.connect() as connection:
        return print_kept_ranking_json(
            connection,
            policy,
            out,
            by=RankBy.PRIORITY,
            departments=departments,
            bands=[parse_band(b) for b in bands],
            top=top,
        )


@cli.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    help="Default: from OUTPUT's suffix.",
)
@click.option(
    "--marking",
    default=DEFAULT_MARKING,
    callback=lambda _ctx, _param, value: check_marking(value),
    show_default=True,
    help="The protective marking every printed page of the workbook carries, and the markdown "
    "and json exports too.",
)
@click.option(
    "--print",
    "print_mode",
    type=click.Choice([m.value for m in PrintMode]),
    default=PrintMode.BOARD.value,
    show_default=True,
    help="What printing the whole workbook gives: the board paper alone (summary, highest "
    "priorities, contracts, trend, method), or every sheet, the data sheets too.",
)
@selection_options
@scoring_options
@period_option
@click.pass_context
def export(
    ctx: click.Context,
    output: Path,
    fmt: str | None,
    marking: str,
    print_mode: str,
    departments: tuple[str, ...],
    bands: tuple[str, ...],
    top: int | None,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """Write the prioritised remediation list: xlsx (a board workbook), csv, json or markdown."""
    format_for(output, fmt)  # refuse an unknown format before the work of scoring
    if not output.parent.exists():
        raise InputError(f"{output}: folder {output.parent} does not exist.")
    scores = load_scores(ctx, policy_path, as_of)
    with progress_bar("Exporting", console.err.is_terminal) as progress:
        result = export_ranking(
            scores,
            output,
            fmt,
            departments=departments,
            bands=[parse_band(b) for b in bands],
            top=top,
            progress=progress,
            marking=marking,
            print_mode=PrintMode(print_mode),
            portfolio=lambda keys: _portfolio(ctx, scores.policy.as_of, keys),
            history=lambda scored: _history(ctx, departments, progress, scored),
            kept_json=lambda out: _kept_json(ctx, scores.policy, departments, bands, top, out),
            reads_only=_reads_only(ctx),
        )
    console.err.print(
        f"Wrote {counted(result.systems, 'system')} to {result.path} ({result.format.value}). "
        + scope_sentence(result.scope)
    )
    if not result.systems:
        console.err.print("No systems match this selection: the file has its headings and no rows.")
