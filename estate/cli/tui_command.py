"""`estate tui`: the terminal UI over the same database, scoring and exports as the CLI.

The UI toolkit is imported only when the command runs, so the core never loads it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from estate.cli.base import cli, scoring_options


def run_tui(db_path: str, policy_path: Path | None = None, as_of: dt.date | None = None) -> None:
    """Open the terminal UI on `db_path`."""
    from tui.app import make_app

    make_app(db_path, policy_path, as_of).run()


@cli.command()
@scoring_options
@click.pass_context
def tui(ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None) -> None:
    """Open the terminal UI: overview, ranking, explanations, dependencies, import, export."""
    run_tui(ctx.obj, policy_path, as_of.date() if as_of else None)
