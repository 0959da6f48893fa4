"""Commands over the estate's past: a system's history, what changed since a period, and the
trend period by period."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy.engine import Engine
from sqlmodel import Session

from estate.cli import console
from estate.cli.base import cli, json_option, period_value, scoring_options
from estate.cli.console import print_json, progress_bar
from estate.cli.database import open_engine
from estate.cli.scored import policy_of, scores_for
from estate.costs import money
from estate.dates import shown_date
from estate.files import neutralise
from estate.history.board import (
    CHANGE_COLUMNS,
    TREND_COLUMNS,
    change_row,
    changes_dict,
    trend_dict,
    trend_rows,
)
from estate.history.changes import EstateChanges, estate_changes, grouped
from estate.history.from_ranking import ranked_outcomes
from estate.history.scores import policy_at
from estate.history.stored import stored_periods
from estate.history.system import (
    STATUS_WORDS,
    PeriodState,
    SystemHistory,
    shown_value,
    source_words,
    system_history,
)
from estate.history.trend import Trend, estate_trend
from estate.history.trend_moves import moves_lines
from estate.jsonable import jsonable
from estate.queries import find_organisation
from estate.render.whole_columns import keep_whole
from estate.scoring import EstateScores
from estate.scoring.policy import Policy
from estate.sustainability.render import carbon_trend_line
from estate.words import counted


def _csv_option(func: Any) -> Any:
    return click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")(func)


@cli.command()
@click.argument("system")
@json_option
@click.pass_context
def history(ctx: click.Context, system: str, as_json: bool) -> None:
    """One SYSTEM's (DEPT/REFERENCE) values period by period, each change with the file,
    sheet and cell it came from; a system since deleted keeps its past."""
    with open_engine(ctx) as engine, engine.connect() as connection:
        found = system_history(connection, system)
    if as_json:
        print_json(_history_json(found))
        return
    console.out.print(f"[bold]{escape(found.key)}[/] {escape(found.name)}")
    for state in found.periods:
        console.out.print(_history_block(state))


def _history_block(state: PeriodState) -> Table | str:
    heading = f"{state.period}: {STATUS_WORDS[state.status]}"
    if not state.fields and not state.related:
        return heading
    table = Table(title=heading, title_justify="left")
    table.add_column("What", overflow="fold")
    table.add_column("Was", overflow="fold")
    table.add_column("Now", overflow="fold")
    table.add_column("From", overflow="fold")
    for change in state.fields:
        was = "" if state.status == "new" else shown_value(change.old)
        table.add_row(
            change.header,
            escape(was),
            escape(shown_value(change.new)),
            escape(source_words(change.source)),
        )
    for item in state.related:
        was, now = ("", item.item) if item.change == "added" else (item.item, "")
        table.add_row(
            f"{item.kind} {item.change}",
            escape(was),
            escape(now),
            escape(source_words(item.source)),
        )
    return table


def _history_json(found: SystemHistory) -> dict[str, Any]:
    def source(s: Any) -> dict[str, Any] | None:
        if s is None:
            return None
        return {"file": s.file, "sheet": s.sheet, "cell": s.cell, "period": s.period}

    return {
        "key": found.key,
        "name": found.name,
        "periods": [
            {
                "period": p.period,
                "status": p.status,
                "values": {k: jsonable(v) for k, v in p.values.items()},
                "changes": [
                    {
                        "field": c.field,
                        "header": c.header,
                        "old": jsonable(c.old),
                        "new": jsonable(c.new),
                        "source": source(c.source),
                    }
                    for c in p.fields
                ],
                "related": [
                    {"kind": r.kind, "change": r.change, "item": r.item, "source": source(r.source)}
                    for r in p.related
                ],
            }
            for p in found.periods
        ],
    }


@cli.command()
@click.option(
    "--since",
    help="Compare with the estate at the end of this period (2026-Q1); "
    "default: the period before the latest.",
)
@click.option("--department", "-d", help="Only this department's systems.")
@json_option
@_csv_option
@scoring_options
@click.pass_context
def changes(
    ctx: click.Context,
    since: str | None,
    department: str | None,
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: Any,
) -> None:
    """What changed since a period: new and removed systems, band moves with the criteria that
    moved them, components upgraded or gone out of support, plans newly funded, dependencies
    added or removed."""
    if as_of is not None:
        raise click.BadParameter("each period is scored as at its own end", param_hint="--as-of")
    policy = policy_of(policy_path, None)
    with open_engine(ctx) as engine:
        if department is not None:  # a mistyped code is an error, never "no changes"
            with Session(engine) as session:
                find_organisation(session, department)
        scored = _current_scores(ctx, engine, policy)
        with progress_bar("Scoring", console.err.is_terminal) as progress:
            found = estate_changes(
                engine,
                policy,
                since=period_value(since, "--since"),
                department=department,
                progress=progress,
                scored=scored,
                ranked=ranked_outcomes,
            )
    if as_json:
        print_json(changes_dict(found))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CHANGE_COLUMNS)
        for c in found.changes:
            writer.writerow([neutralise(v) for v in change_row(c)])
    else:
        _print_changes(found)


def _current_scores(ctx: click.Context, engine: Engine, policy: Policy) -> EstateScores | None:
    """None when the changes read the latest period from the kept ranking, as `ranked_outcomes`
    gives it (each system's band, only the systems whose band moved scored alone), or the
    latest period is not the current one (scored as at today) or there is no earlier one to
    compare it with. Else, when there is no kept ranking to bring up to date, the estate's
    scores (`scores_for`, which keeps the ranking for the next command)."""
    with engine.connect() as connection:
        held = stored_periods(connection)
    if len(held) < 2 or policy_at(policy, held[-1]).as_of != policy.as_of:
        return None
    if ranked_outcomes(engine, policy) is not None:
        return None
    return scores_for(ctx, policy)


def _print_changes(found: EstateChanges) -> None:
    lines = grouped(found.changes)
    title = (
        f"Changes from the end of {found.since} to the end of {found.until} "
        f"({counted(len(found.changes), 'change')}"
        + (f", in {counted(len(lines), 'line')}" if len(lines) != len(found.changes) else "")
        + ")"
    )
    table = Table(title=title, title_justify="left")
    for name in ("Change", "System", "Was", "Now"):
        table.add_column(name, overflow="fold")
    for line in lines:
        c = line.change
        now = c.after + (f" ({', '.join(c.criteria)})" if c.criteria else "")
        system = (
            f"{escape(c.key)}\n[dim]{escape(c.name)}[/]"
            if line.count == 1
            else f"{escape(c.name)} ({escape(c.department)})\n[dim]{escape(line.systems(3))}[/]"
        )
        table.add_row(c.kind.value, system, escape(c.before), escape(now))
    # Keys never break: names and lists of systems wrap under them, at their spaces.
    keep_whole(
        table,
        1,
        (key for line in lines for key in line.keys[:3]),
        (text for line in lines for text in (line.change.name, line.systems(3))),
    )
    console.out.print(table)
    console.err.print(
        f"{found.since} as at {shown_date(found.since_as_of)}, {found.until} as at "
        f"{shown_date(found.until_as_of)}, policy {found.policy}. {found.note}"
    )


@cli.command()
@click.option("--department", "-d", help="Only this department's systems.")
@json_option
@_csv_option
@scoring_options
@click.pass_context
def trend(
    ctx: click.Context,
    department: str | None,
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: Any,
) -> None:
    """Per period: systems, legacy and red-rated systems, annual run cost on legacy systems,
    the share of red-rated systems with a funded plan, the share ready for cloud and open
    security gaps; every period scored with today's policy and catalogue."""
    if as_of is not None:
        raise click.BadParameter("each period is scored as at its own end", param_hint="--as-of")
    policy = policy_of(policy_path, None)
    with open_engine(ctx) as engine, progress_bar("Scoring", console.err.is_terminal) as progress:
        found = estate_trend(
            engine, policy, department=department, progress=progress, ranked=ranked_outcomes
        )
    if as_json:
        print_json(trend_dict(found))
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(TREND_COLUMNS)
        for row in trend_rows(found):
            writer.writerow(["" if row[c] is None else jsonable(row[c]) for c in TREND_COLUMNS])
    else:
        _print_trend(found)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _print_trend(found: Trend) -> None:
    whose = found.department or "the estate"
    table = Table(
        title=f"Trend for {whose} by period",
        title_justify="left",
        caption="Red funded: the share of red-rated systems with a funded remediation plan. "
        "Cloud ready: the share of systems ready for cloud.",
        caption_justify="left",
    )
    for name in (
        "Period",
        "Systems",
        "Legacy",
        "Red\nrated",
        "Legacy\nrun cost",
        "Red\nfunded",
        "Cloud\nready",
        "Security\ngaps",
    ):
        left = name == "Period"
        # Headings sit on two short lines, so that a figure or a date never breaks at 80
        # columns; only the run cost, which may say how many costs are not known, folds.
        folds = name.startswith("Legacy\n")
        table.add_column(
            name,
            justify="left" if left else "right",
            no_wrap=not folds,
            overflow="fold",
            min_width=8 if folds else None,
        )
    for p in found.points:
        f = p.figures
        cost = money(f.legacy_run_cost)
        if f.legacy_costs_not_known:
            cost += f" ({f.legacy_costs_not_known:,} not known)"
        table.add_row(
            f"{p.period}\n[dim]{shown_date(p.as_of)}[/]",
            f"{f.systems:,}",
            f"{f.legacy:,}",
            f"{f.red_rated:,}",
            cost,
            _percent(f.red_rated_funded_share),
            _percent(f.ready_share),
            f"{f.open_gaps:,}",
        )
    console.out.print(table)
    for p in found.points:
        if p.figures.moved:
            console.out.print(f"[bold]{p.period}, what moved:[/]")
            for line in moves_lines(p.figures.moved):
                console.out.print(f"  {escape(line)}")
    console.out.print(
        carbon_trend_line(
            (p.period, p.figures.kg_co2e, p.figures.carbon_not_estimated) for p in found.points
        )
    )
    console.out.print(f"Policy {found.policy}. {found.note}")
    if found.recomputed:
        rest = "" if len(found.recomputed) == len(found.points) else "; the rest as kept"
        console.err.print(f"Scored afresh: {', '.join(found.recomputed)}{rest}.")
