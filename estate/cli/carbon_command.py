"""`estate carbon`: the estate's energy, carbon and hardware past its life, by department,
hosting and site, the largest emitters, and what the planned and suggested dispositions and
the migration waves would save. Estimated from the stored systems; the suggested dispositions
come from the kept ranking while it is fresh (else the estate is scored afresh).

Without `--suggested` or `--waves` the command reads the stored systems alone, so the ranking,
scoring and graph modules are imported only when those options ask for them: at 50,000
systems importing them costs about as much as the estimate itself."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from estate.cli import console
from estate.cli.base import cli, json_option, scoring_options
from estate.cli.console import print_json
from estate.cli.database import open_engine
from estate.files import neutralise
from estate.perf import collector_paused
from estate.sustainability.reference import load_reference
from estate.sustainability.stored import estate_carbon, read_running
from estate.sustainability.summary import (
    CarbonSummary,
    MoveTotals,
    SystemCarbon,
    Totals,
    summarise,
    summary_dict,
)

CSV_COLUMNS = (
    "key",
    "name",
    "department",
    "hosting",
    "site",
    "basis",
    "it_kwh",
    "pue",
    "kwh",
    "kg_co2e_per_kwh",
    "kg_co2e",
    "embodied_kg_a_year",
    "servers_past_life",
    "past_life_embodied_kg",
    "planned_disposition",
    "planned_kg_saved",
    "suggested_disposition",
    "suggested_kg_saved",
    "defaults",
)


def _number(value: float | None, places: int = 1) -> float | str:
    return "" if value is None else round(value, places)


def csv_row(s: SystemCarbon) -> list[object]:
    """One system's line of `estate carbon --csv`, its text made inert for a spreadsheet (the
    figures and the estate's own words need nothing done)."""
    e = s.estimate
    return [
        neutralise(s.key),
        neutralise(s.name),
        neutralise(s.department),
        neutralise(s.hosting),
        neutralise(s.site),
        e.basis.value,
        _number(e.it_kwh),
        "" if e.pue is None else e.pue,
        _number(e.kwh),
        _number(e.factor, 5),
        _number(e.kg_co2e),
        _number(e.embodied_kg_a_year),
        e.servers_past_life,
        round(e.past_life_embodied_kg, 1),
        s.planned.move.value if s.planned else "",
        _number(s.planned.kg_saved) if s.planned else "",
        s.suggested.move.value if s.suggested else "",
        _number(s.suggested.kg_saved) if s.suggested else "",
        neutralise("; ".join(e.defaults)),
    ]


def _tonnes(kg: float) -> str:
    return f"{kg / 1000:,.1f} t"


def _mwh(kwh: float) -> str:
    return f"{kwh / 1000:,.1f} MWh"


def _totals_table(title: str, lines: Sequence[Totals]) -> Table:
    table = Table(title=title, title_justify="left")
    for heading in ("", "Systems", "Energy a year", "CO2e a year", "Not estimated", "Past life"):
        table.add_column(heading, justify="left" if not heading else "right", overflow="fold")
    for line in lines:
        table.add_row(
            escape(line.label),
            f"{line.systems:,}",
            _mwh(line.kwh),
            _tonnes(line.kg_co2e),
            f"{line.not_estimated:,}",
            f"{line.servers_past_life:,} servers",
        )
    return table


def _moves_table(title: str, lines: Sequence[MoveTotals]) -> Table:
    table = Table(title=title, title_justify="left")
    for heading in ("", "Systems", "Energy saved", "CO2e saved", "Not estimated", "Freed"):
        table.add_column(heading, justify="left" if not heading else "right")
    for line in lines:
        table.add_row(
            line.move,
            f"{line.systems:,}",
            _mwh(line.kwh_saved),
            _tonnes(line.kg_saved),
            f"{line.not_estimated:,}",
            f"{line.servers_freed:,} servers",
        )
    return table


def _largest_table(systems: Sequence[SystemCarbon]) -> Table:
    table = Table(title="Largest emitters", title_justify="left")
    for heading in ("System", "Basis", "CO2e a year", "How", "Defaults"):
        table.add_column(heading, overflow="fold")
    for s in systems:
        e = s.estimate
        table.add_row(
            f"{escape(s.key)}\n[dim]{escape(s.name)}[/]",
            e.basis.value,
            _tonnes(e.kg_co2e or 0.0),
            escape(e.steps[0] if e.steps else ""),
            f"{len(e.defaults)}",
        )
    return table


def print_summary(found: CarbonSummary, *, sites: int = 10) -> None:
    """The summary as tables on the console."""
    total = found.total
    console.out.print(
        f"[bold]{_tonnes(total.kg_co2e)} CO2e[/] and {_mwh(total.kwh)} a year from "
        f"{total.systems - total.not_estimated:,} of {total.systems:,} systems "
        f"(location based, DESNZ {found.grid_year} factors for {found.year}); "
        f"{total.not_estimated:,} not estimated, {total.with_defaults:,} estimated with "
        f"defaults; {total.servers_past_life:,} servers past their life "
        f"({_tonnes(total.past_life_embodied_kg)} embodied)."
    )
    console.out.print(_totals_table("By department", found.departments))
    console.out.print(_totals_table("By hosting", found.hosting))
    console.out.print(_totals_table(f"By site (largest {sites})", found.sites[:sites]))
    console.out.print(_largest_table(found.largest))
    if found.planned:
        console.out.print(_moves_table("Planned dispositions would save", found.planned))
    if found.suggested:
        console.out.print(_moves_table("Suggested dispositions would save", found.suggested))
    if found.waves:
        console.out.print(_moves_table("Migration waves would save", found.waves))


def _year(policy_path: Path | None, as_of: dt.datetime | None, ranked: bool) -> int:
    """The year the figures are for: `--as-of`'s, else the policy's as-of date's. The policy
    itself is read only when the figures need it (its as-of date, or the kept ranking it
    keys)."""
    if as_of is not None and not ranked:
        return as_of.year
    from estate.cli.scored import policy_of

    return policy_of(policy_path, as_of).as_of.year


@cli.command()
@click.option(
    "--department", "-d", "departments", multiple=True, help="Only this department (repeatable)."
)
@click.option(
    "--top", type=click.IntRange(1), default=10, show_default=True, help="Largest emitters shown."
)
@click.option(
    "--suggested",
    "with_suggested",
    is_flag=True,
    help="Also what the dispositions the ranking suggests would save.",
)
@click.option(
    "--waves",
    "with_waves",
    is_flag=True,
    help="Also plan the migration waves and what each would save (planned dispositions, "
    "else suggested).",
)
@click.option("--max-size", type=click.IntRange(1), help="With --waves: at most this many a wave.")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print one row per system as CSV.")
@scoring_options
@click.pass_context
def carbon(
    ctx: click.Context,
    departments: tuple[str, ...],
    top: int,
    with_suggested: bool,
    with_waves: bool,
    max_size: int | None,
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """The estate's energy, carbon and hardware past its life, by department, hosting and
    site, the largest emitters, and what the planned dispositions (with --suggested the
    suggested ones, with --waves the migration waves) would save; each figure with how it was
    worked out."""
    ranked = with_suggested or with_waves
    year = _year(policy_path, as_of, ranked)
    ref = load_reference()
    kept: list[tuple[Any, ...]] | None = []
    with open_engine(ctx) as engine, engine.connect() as connection:
        stored = read_running(connection, departments)
        if ranked and stored:
            from estate.cli.scored import policy_of
            from estate.ranking.snapshot import kept_rows

            fields = ("key", "disposition", "priority")
            kept = kept_rows(connection, policy_of(policy_path, as_of), fields, departments)
    if not stored:
        from estate.cli.scored import EMPTY_ESTATE

        console.err.print(EMPTY_ESTATE)
        return
    if kept is None:  # nothing kept, or out of date: scored afresh (and kept)
        from estate.cli.scored import load_ranking

        _, rows = load_ranking(ctx, policy_path, as_of)
        kept = [(r.key, r.disposition, r.priority) for r in rows]
    suggested = {key: disposition for key, disposition, _ in kept}
    systems = estate_carbon(stored, suggested, ref, year)
    waves: list[list[str]] = []
    if with_waves:
        from estate.graph import load_graph
        from estate.graph.waves import plan_waves

        priority = {key: float(p) for key, _, p in kept}
        chosen = [s.key for s in stored if s.key in priority]
        with open_engine(ctx) as engine, engine.connect() as connection:
            graph = load_graph(connection)
        waves = [w.systems for w in plan_waves(graph.graph, chosen, priority, max_size)]
    found = summarise(systems, ref, year, top=top, waves=waves)
    if as_json:
        with collector_paused():  # every system's working: many small acyclic objects
            print_json(summary_dict(found))
        return
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        with collector_paused():
            writer.writerows(map(csv_row, systems))
        return
    print_summary(found)
