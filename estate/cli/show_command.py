"""`estate show`: one system's scores explained, and everything stored about it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from sqlmodel import Session

from estate import queries
from estate.cli import console
from estate.cli.base import cli, json_option, period_option, scoring_options
from estate.cli.console import print_json
from estate.cli.database import open_engine
from estate.cli.scored import load_system_score, policy_of
from estate.ranking.text_formats import system_dict
from estate.render.system import render_scores, render_system
from estate.sustainability.render import render_carbon
from estate.sustainability.scored import system_carbon
from estate.sustainability.summary import system_dict as carbon_dict


@cli.command()
@click.argument("system")
@json_option
@scoring_options
@period_option
@click.pass_context
def show(
    ctx: click.Context,
    system: str,
    as_json: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """One SYSTEM (DEPT/REFERENCE): its scores explained, and everything stored about it with
    where each value came from."""
    with open_engine(ctx) as engine, Session(engine) as session:
        detail = queries.describe_system(session, system)
    score = load_system_score(ctx, policy_path, as_of, detail["key"])
    detail["scores"] = system_dict(score)
    carbon = system_carbon(score, policy_of(policy_path, as_of).as_of)
    detail["carbon"] = carbon_dict(carbon)
    if as_json:
        print_json(detail)
        return
    console.out.print(render_system(detail))
    console.out.print(render_scores(detail["scores"], compact=console.out.width < 120))
    console.out.print(render_carbon(carbon))
