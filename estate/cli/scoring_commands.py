"""The ranking: systems in remediation priority order, and who signs in on their own."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from estate.advice.identity import CITIZEN, own_sign_in
from estate.cli import console
from estate.cli.base import (
    cli,
    json_option,
    period_option,
    scoring_options,
    selection_options,
)
from estate.cli.console import print_json, print_rows
from estate.cli.database import open_engine
from estate.cli.scored import EMPTY_ESTATE, kept_policy, load_ranking, load_scores, ranking_for
from estate.files import neutralise
from estate.ranking import RankBy, parse_band, select_rows, select_systems
from estate.ranking.csv_format import csv_lines, write_csv
from estate.ranking.json_format import print_kept_ranking_json, ranking_head
from estate.ranking.snapshot import (
    KeptRows,
    RankedRow,
    kept_ranked_rows,
    kept_selection,
)
from estate.ranking.text_formats import sign_in_list, system_dict
from estate.render.list_columns import plain_value
from estate.render.system import BAND_STYLE
from estate.render.whole_columns import keep_whole
from estate.scoring.policy import Policy
from estate.scoring.results import Band, score_text
from estate.words import counted


def _rank_table(rows: list[RankedRow], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("System", overflow="fold", ratio=2)
    table.add_column("Priority", justify="right")
    table.add_column("Legacy", overflow="fold")
    table.add_column("Cloud", overflow="fold")
    table.add_column("Why", overflow="fold", ratio=3)
    for r in rows:
        legacy = "? " if r.legacy is None else f"{score_text(r.legacy)} "
        table.add_row(
            str(r.rank),
            f"{escape(r.key)}\n[dim]{escape(r.name)}[/]",
            f"{r.priority:.1f}",
            f"{legacy}[{BAND_STYLE.get(r.band, '')}]{r.band or 'unknown'}[/]",
            r.readiness,
            escape(r.headline),
        )
    # Ranks, keys and priorities never break at 80 columns: the words beside them wrap.
    keep_whole(table, 0, (str(r.rank) for r in rows))
    keep_whole(table, 1, (r.key for r in rows), (r.name for r in rows))
    keep_whole(table, 2, (f"{r.priority:.1f}" for r in rows))
    return table


@cli.command()
@click.option(
    "--by",
    type=click.Choice([*(r.value for r in RankBy), "identity"]),
    default="priority",
    show_default=True,
    help="Order by remediation priority, legacy risk, cloud readiness (most ready first) or "
    "security gaps; `identity` lists systems with their own sign-in, by department.",
)
@selection_options
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@scoring_options
@period_option
@click.pass_context
def rank(
    ctx: click.Context,
    by: str,
    departments: tuple[str, ...],
    bands: tuple[str, ...],
    top: int | None,
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """Systems in remediation priority order, with the reason each is where it is."""
    wanted_bands = [parse_band(b) for b in bands]
    if as_json and by != "identity":
        order = RankBy(by)
        policy = kept_policy(ctx, policy_path, as_of)
        with open_engine(ctx) as engine, engine.connect() as connection:
            if print_kept_ranking_json(
                connection,
                policy,
                sys.stdout.buffer,
                by=order,
                departments=departments,
                bands=wanted_bands,
                top=top,
            ):
                return
        scores = load_scores(ctx, policy_path, as_of)
        rows = select_systems(
            scores.systems, by=order, departments=departments, bands=wanted_bands, top=top
        )
        head = ranking_head(scores.policy, scores.catalogue.version, by)
        print_json({**head, "systems": [system_dict(s) for s in rows]})
        return
    if (
        as_csv
        and by != "identity"
        and _print_kept_csv(ctx, policy_path, as_of, by, departments, wanted_bands, top)
    ):
        return
    if by == "identity":
        policy, ranking = load_ranking(ctx, policy_path, as_of)
        _identity_report(ranking, departments, as_json, as_csv)
        return
    # Everything else needs only the chosen systems' lines, kept from the last scoring if
    # still fresh.
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = kept_ranked_rows(
            connection, policy, by=RankBy(by), departments=departments, bands=wanted_bands, top=top
        )
    if kept is None:
        ranking = ranking_for(ctx, policy_path, as_of)
        kept = KeptRows(
            empty=not ranking,
            rows=select_rows(
                ranking, by=RankBy(by), departments=departments, bands=wanted_bands, top=top
            )
            if ranking
            else [],
        )
    if kept.empty:
        console.err.print(EMPTY_ESTATE)
        return
    if as_csv:
        write_csv(sys.stdout.buffer, [csv_lines(kept.rows)])
    else:
        _print_ranking(kept.rows, by, policy, top)


def _print_kept_csv(
    ctx: click.Context,
    policy_path: Path | None,
    as_of: dt.datetime | None,
    by: str,
    departments: tuple[str, ...],
    bands: list[Band],
    top: int | None,
) -> bool:
    """Print `rank --csv` from the kept lines of a fresh kept ranking; False (nothing printed)
    when there is none, so the caller scores afresh."""
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = kept_selection(
            connection,
            policy,
            "csv_line",
            by=RankBy(by),
            departments=departments,
            bands=bands,
            top=top,
        )
        if kept is None:
            return False
        if kept.empty:
            console.err.print(EMPTY_ESTATE)
            return True
        write_csv(sys.stdout.buffer, kept.batches)
    return True


def _print_ranking(rows: list[RankedRow], by: str, policy: Policy, top: int | None) -> None:
    title = f"{len(rows)} systems by {by} as at {policy.as_of:%d/%m/%Y} (policy {policy.name})"
    if top:
        console.out.print(_rank_table(rows, title))
    else:
        more = "--top N for more, --csv or --json for all"
        print_rows(rows, lambda shown: _rank_table(shown, title), more)


IDENTITY_CSV_COLUMNS = (
    "department",
    "audience",
    "candidate_for",
    "rank",
    "key",
    "name",
    "priority",
    "legacy_band",
    "annual_run_cost",
)


def _identity_report(
    ranking: list[RankedRow], departments: tuple[str, ...], as_json: bool, as_csv: bool
) -> None:
    """Systems with their own sign-in, by department, citizen-facing (for GOV.UK One Login)
    apart from staff-facing (for the department's directory), every one listed."""
    groups = own_sign_in(select_rows(ranking, departments=departments))
    if as_json:
        print_json(sign_in_list(groups))
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(IDENTITY_CSV_COLUMNS)
        writer.writerows(
            [
                neutralise(value)
                for value in (
                    g.department,
                    g.audience,
                    g.candidate_for,
                    s.rank,
                    s.key,
                    s.name,
                    s.priority,
                    s.band or "",
                    plain_value(s.run_cost, "money"),
                )
            ]
            for g in groups
            for s in g.systems
        )
        return
    total = sum(len(g.systems) for g in groups)
    citizen = sum(len(g.systems) for g in groups if g.audience == CITIZEN)
    table = Table(
        title=f"{counted(total, 'system')} {'runs' if total == 1 else 'run'} their own sign-in: "
        f"{citizen:,} citizen-facing (candidates for GOV.UK One Login), the rest for the "
        "department's directory",
        title_justify="left",
    )
    for heading in ("Dept", "Who signs in", "Candidate for", "Systems", "Highest priority first"):
        table.add_column(heading, overflow="fold")
    for g in groups:
        names = "\n".join(f"{s.key} {s.name}" for s in g.systems)
        table.add_row(g.department, g.audience, g.candidate_for, str(len(g.systems)), names)
    console.out.print(table)
