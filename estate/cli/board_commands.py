"""Commands for a board's view of the estate: contracts ending soon and supplier
concentration, served from the kept ranking while it is fresh, and the technology portfolio,
read from the stored components without scoring."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from estate.cli import console
from estate.cli.base import cli, json_option, scoring_options
from estate.cli.console import print_json, print_rows
from estate.cli.database import open_engine
from estate.cli.scored import EMPTY_ESTATE, kept_policy, load_ranking
from estate.costs import money
from estate.dates import shown_date
from estate.files import neutralise
from estate.portfolio import (
    EXTENDED,
    OUT_OF_SUPPORT,
    Portfolio,
    check_departments,
    read_portfolio,
)
from estate.ranking import select_rows
from estate.ranking.contracts import (
    TERMS_FIELDS,
    Contract,
    Ranked,
    Supplier,
    ending_contracts,
    ranked,
    stored_terms,
    supplier_concentration,
)
from estate.ranking.snapshot import kept_rows
from estate.render.board_data import contract_dict, portfolio_dict, release_dict, supplier_dict
from estate.render.system import BAND_STYLE
from estate.render.whole_columns import keep_whole
from estate.scoring.policy import load_policy
from estate.words import counted

CONTRACT_CSV_COLUMNS = (
    "window",
    "contract_end",
    "months_left",
    "rank",
    "key",
    "name",
    "department",
    "legacy_band",
    "annual_run_cost",
    "supplier",
    "suggested_disposition",
    "disposition_reason",
)


def _contract_table(rows: list[Contract], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for heading in ("Ends", "System", "Band", "Run cost", "Supplier", "Suggested disposition"):
        table.add_column(heading, overflow="fold")
    for c in rows:
        t = c.terms
        end = shown_date(t.contract_end)
        cost = "not known" if t.run_cost is None else money(t.run_cost)
        band = t.band or "unknown"
        table.add_row(
            f"{end}\n[dim]{c.window}[/]",
            f"{escape(t.key)}\n[dim]{escape(t.name)}[/]",
            f"[{BAND_STYLE.get(t.band, '')}]{band}[/]",
            cost,
            escape(t.supplier or ""),
            f"{t.disposition}\n[dim]{t.disposition_reason}[/]",
        )
    # Dates, keys, bands and money never break at 80 columns: the words beside them wrap.
    terms = [c.terms for c in rows]
    keep_whole(table, 0, (shown_date(t.contract_end) for t in terms))
    keep_whole(table, 1, (t.key for t in terms), (t.name for t in terms))
    keep_whole(table, 2, (t.band or "unknown" for t in terms))
    keep_whole(table, 3, ("not known" if t.run_cost is None else money(t.run_cost) for t in terms))
    return table


def _supplier_table(suppliers: list[Supplier], within: int) -> Table:
    table = Table(title="Supplier concentration", title_justify="left")
    for heading in (
        "Supplier",
        "Systems",
        "Run cost",
        "Costs not known",
        "Red-rated",
        "Departments",
        f"Contracts ending within {within} months",
    ):
        table.add_column(heading, overflow="fold")
    for s in suppliers:
        table.add_row(
            escape(s.name),
            f"{s.systems:,}",
            money(s.run_cost),
            f"{s.costs_not_known:,}",
            f"{s.red_rated:,}",
            f"{len(s.departments):,}",
            f"{s.ending:,}",
        )
    return table


@cli.command()
@click.option(
    "--within",
    type=click.IntRange(0),
    default=24,
    show_default=True,
    help="Contracts that have ended or end within this many months.",
)
@click.option(
    "--department", "-d", "departments", multiple=True, help="Only this department (repeatable)."
)
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print the contracts as CSV.")
@scoring_options
@click.pass_context
def contracts(
    ctx: click.Context,
    within: int,
    departments: tuple[str, ...],
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """Support contracts that have ended or end within --within months (each renewal the
    cheapest moment to replace a system), red-rated systems first, and how much run cost and
    how many red-rated systems each supplier holds."""
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        chosen: Sequence[Ranked] | None = kept_rows(connection, policy, TERMS_FIELDS, departments)
        if chosen is not None:
            terms = stored_terms(connection, chosen)
    if chosen is None:  # nothing kept, or out of date: scored afresh (and kept)
        policy, ranking = load_ranking(ctx, policy_path, as_of)
        rows = select_rows(ranking, departments=departments) if ranking else []
        chosen = [ranked(row) for row in rows]
        with open_engine(ctx) as engine, engine.connect() as connection:
            terms = stored_terms(connection, chosen)
    if not chosen:
        console.err.print(EMPTY_ESTATE)
        return
    ending = ending_contracts(terms, policy.as_of, within)
    suppliers = supplier_concentration(terms, policy.as_of, within)
    if as_json:
        print_json(
            {
                "as_of": policy.as_of.isoformat(),
                "within_months": within,
                "contracts": [contract_dict(c) for c in ending],
                "suppliers": [supplier_dict(s) for s in suppliers],
            }
        )
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CONTRACT_CSV_COLUMNS)
        writer.writerows(
            [neutralise("" if v is None else v) for v in contract_dict(c).values()] for c in ending
        )
        return
    title = (
        f"{counted(len(ending), 'support contract')} ended or ending within {within} months "
        f"of {policy.as_of:%d/%m/%Y}: red-rated systems first"
    )
    print_rows(ending, lambda shown: _contract_table(shown, title), "--csv or --json for all")
    console.out.print(_supplier_table(suppliers, within))
    if not ending:
        console.err.print("No support contract ends in that time.")


PORTFOLIO_CSV_COLUMNS = (
    "product",
    "kind",
    "release",
    "status",
    "systems",
    "departments",
    "out_of_support",
    "paid_extended_support",
    "supported",
    "support_not_known",
    "security_support_ends",
    "extended_support_ends",
)


def _portfolio_table(found: Portfolio) -> Table:
    table = Table(
        title=f"{counted(len(found.products), 'product line')} in use as at {found.as_of:%d/%m/%Y}",
        title_justify="left",
    )
    for heading in (
        "Product",
        "Release",
        "Systems",
        "Depts",
        OUT_OF_SUPPORT,
        EXTENDED,
        "Security support ends",
    ):
        table.add_column(heading, overflow="fold")
    for p in found.products:
        for index, r in enumerate(p.releases):
            table.add_row(
                f"{p.product}\n[dim]{p.kind}[/]" if index == 0 else "",
                r.release,
                f"{len(r.systems):,}",
                f"{len(r.departments):,}",
                f"[red]{r.systems_in(OUT_OF_SUPPORT):,}[/]"
                if r.systems_in(OUT_OF_SUPPORT)
                else "0",
                f"{r.systems_in(EXTENDED):,}",
                f"{r.security_end:%d/%m/%Y}" if r.security_end else "not known",
                end_section=index == len(p.releases) - 1,
            )
    return table


@cli.command()
@click.option(
    "--department", "-d", "departments", multiple=True, help="Only this department (repeatable)."
)
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print one row per release as CSV.")
@scoring_options
@click.pass_context
def portfolio(
    ctx: click.Context,
    departments: tuple[str, ...],
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """How much technology the estate runs: each product line in use and its releases, how
    many systems and departments run each, how many are out of support or on paid extended
    support, and the candidates for consolidation."""
    policy = load_policy(policy_path, as_of=as_of.date() if as_of else None)
    with open_engine(ctx) as engine, engine.connect() as connection:
        check_departments(connection, departments)
        found = read_portfolio(connection, policy.as_of, departments)
    if as_json:
        print_json(portfolio_dict(found))
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(PORTFOLIO_CSV_COLUMNS)
        for p in found.products:
            for r in p.releases:
                values = release_dict(r)
                row = [p.product, p.kind, *values.values()]
                writer.writerow([neutralise("" if v is None else v) for v in row])
        return
    if not found.products:
        console.err.print("No components are stored for this selection.")
        return
    console.out.print(_portfolio_table(found))
    candidates = Table(title="Consolidation candidates", title_justify="left")
    for heading in ("Candidate", "Systems", "Depts"):
        candidates.add_column(heading, overflow="fold")
    for c in found.candidates:
        candidates.add_row(c.detail, f"{c.systems:,}", f"{c.departments:,}")
    console.out.print(candidates)
