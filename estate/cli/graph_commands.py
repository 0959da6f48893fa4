"""Commands over the dependency graph: neighbourhoods, paths, hubs, shared and orphan systems,
cycles, exports, and migration waves."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from estate.cli import console
from estate.cli.base import cli, json_option, period_option, scoring_options, selection_options
from estate.cli.console import print_json, print_rows
from estate.cli.scored import load_plan, load_ranked_graph
from estate.costs import group_costs, money
from estate.errors import InputError
from estate.files import neutralise
from estate.graph import EstateGraph
from estate.graph.export import WRITERS, GraphFormat, attributed, write_graph
from estate.graph.queries import (
    Direction,
    levels,
    most_depended_on,
    neighbourhood,
    orphans,
    path,
    resolve,
    shared_across_departments,
)
from estate.graph.waves import plan_waves
from estate.ranking import PlanRow, parse_band, select_rows
from estate.render.list_columns import plain_value
from estate.render.system import BAND_STYLE
from estate.words import counted


class GraphGroup(click.Group):
    """`estate graph SYSTEM ...` is short for `estate graph show SYSTEM ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@dataclass
class _Ranked:
    """The ranking and the dependency graph the graph commands work from."""

    rows: list[PlanRow]
    graph: EstateGraph

    @classmethod
    def load(
        cls, ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
    ) -> _Ranked:
        return cls(*load_ranked_graph(ctx, policy_path, as_of))

    @cached_property
    def bands(self) -> dict[str, str | None]:
        """Each system's legacy band, gathered once: a command may name hundreds of systems."""
        return {r.key: r.band for r in self.rows}

    def label(self, key: str) -> str:
        """How the graph commands name a system: its key, name and legacy band, coloured."""
        node = self.graph.nodes[key]
        if node.placeholder:
            return f"{escape(key)} [yellow](not in the estate yet)[/]"
        band = self.bands.get(key)
        style = BAND_STYLE.get(band, "yellow")
        return f"{escape(key)} {escape(node.name)} [{style}]{band or 'unknown'}[/]"


@cli.group(cls=GraphGroup)
def graph() -> None:
    """The dependency graph: what depends on what, across departments."""


@graph.command("show")
@click.argument("system")
@click.option("--depth", type=click.IntRange(1), default=1, show_default=True)
@click.option(
    "--direction",
    type=click.Choice([d.value for d in Direction]),
    default="both",
    show_default=True,
    help="down: what it depends on; up: what depends on it.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in GraphFormat]),
    help="Write the neighbourhood in this format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File for --format (default: stdout).",
)
@json_option
@scoring_options
@click.pass_context
def graph_show(
    ctx: click.Context,
    system: str,
    depth: int,
    direction: str,
    fmt: str | None,
    output: Path | None,
    as_json: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """What SYSTEM depends on and what depends on it, to --depth steps."""
    ranked = _Ranked.load(ctx, policy_path, as_of)
    graph_ = ranked.graph
    key = resolve(graph_, system)
    chosen = Direction(direction)
    if fmt is not None:
        sub = attributed(graph_, neighbourhood(graph_, key, depth, chosen), ranked.bands)
        _emit(sub, GraphFormat(fmt), output)
        return
    found = levels(graph_, key, depth, chosen)
    blast = None if graph_.nodes[key].placeholder else graph_.blast_radius_of(key)
    if as_json:
        print_json(
            {
                "system": key,
                "blast_radius": None if blast is None else vars(blast),
                "neighbours": [
                    {
                        "key": k,
                        "distance": d,
                        "direction": "depends on" if d > 0 else "depended on by",
                        "band": ranked.bands.get(k),
                        "placeholder": graph_.nodes[k].placeholder,
                    }
                    for d, k in found
                ],
            }
        )
        return
    label = ranked.label
    table = Table(title=f"Around {label(key)}", title_justify="left")
    table.add_column("Steps", justify="right")
    table.add_column("Relation")
    table.add_column("System", overflow="fold")
    for distance, neighbour in found:
        relation = "depends on" if distance > 0 else "used by"
        table.add_row(str(abs(distance)), relation, label(neighbour))
    console.out.print(table)
    if blast is not None:
        console.out.print(f"Blast radius: {blast.describe()}.")


def _emit(graph_: Any, fmt: GraphFormat, output: Path | None) -> None:
    if output is None:
        click.echo(WRITERS[fmt](graph_), nl=False)
    else:
        write_graph(graph_, fmt, output)
        console.err.print(
            f"Wrote {counted(graph_.number_of_nodes(), 'system')} and "
            f"{counted(graph_.number_of_edges(), 'dependency', 'dependencies')} to {output}."
        )


@graph.command("path")
@click.argument("source")
@click.argument("target")
@scoring_options
@click.pass_context
def graph_path(
    ctx: click.Context,
    source: str,
    target: str,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """The shortest chain of dependencies between SOURCE and TARGET."""
    ranked = _Ranked.load(ctx, policy_path, as_of)
    a, b = resolve(ranked.graph, source), resolve(ranked.graph, target)
    chain = path(ranked.graph, a, b)
    label = ranked.label
    for position, key in enumerate(chain):
        if position:
            previous = chain[position - 1]
            arrow = "depends on" if ranked.graph.graph.has_edge(previous, key) else "is used by"
            console.out.print(f"  {arrow}")
        console.out.print(label(key))


@graph.command("central")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True)
@json_option
@scoring_options
@click.pass_context
def graph_central(
    ctx: click.Context, top: int, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """The systems most of the estate depends on, directly or not (largest blast radius)."""
    ranked = _Ranked.load(ctx, policy_path, as_of)
    radius = ranked.graph.blast_radius()
    central = most_depended_on(radius, top)
    if as_json:
        print_json([{"key": k, **r.__dict__} for k, r in central])
        return
    table = Table(
        title=f"The {len(central)} systems with the largest blast radius", title_justify="left"
    )
    for heading in ("System", "Dependents", "Direct", "Critical", "Departments"):
        table.add_column(
            heading, justify="left" if heading == "System" else "right", overflow="fold"
        )
    label = ranked.label
    for key, r in central:
        table.add_row(label(key), str(r.total), str(r.direct), str(r.critical), str(r.departments))
    console.out.print(table)


@graph.command("shared")
@json_option
@scoring_options
@click.pass_context
def graph_shared(
    ctx: click.Context, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """Systems that other departments depend on directly."""
    ranked = _Ranked.load(ctx, policy_path, as_of)
    shared = shared_across_departments(ranked.graph)
    if as_json:
        print_json([{"key": k, "used_by_departments": d} for k, d in shared])
        return
    label = ranked.label
    print_rows(shared, lambda shown: shared_table(shown, len(shared), label), "--json for all")


def shared_table(
    shown: list[tuple[str, list[str]]], total: int, label: Callable[[str], str]
) -> Table:
    """The systems other departments depend on (`shown` of `total`), each with those
    departments, labelled by `label`."""
    table = Table(title=f"{total} systems used across departments", title_justify="left")
    table.add_column("System", overflow="fold")
    table.add_column("Used by")
    for key, departments in shown:
        table.add_row(label(key), ", ".join(departments))
    return table


@graph.command("orphans")
@json_option
@scoring_options
@click.pass_context
def graph_orphans(
    ctx: click.Context, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """Systems with no recorded dependencies either way (check the returns are complete)."""
    ranked = _Ranked.load(ctx, policy_path, as_of)
    alone = orphans(ranked.graph)
    if as_json:
        print_json(alone)
        return
    console.out.print(f"{len(alone)} systems have no recorded dependencies:")
    label = ranked.label
    for key in alone:
        console.out.print(f"  {label(key)}")


@graph.command("clusters")
@json_option
@scoring_options
@click.pass_context
def graph_clusters(
    ctx: click.Context, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """Systems that depend on each other in a cycle: each group must move together."""
    ranked = _Ranked.load(ctx, policy_path, as_of)
    groups = ranked.graph.clusters()
    if as_json:
        print_json(groups)
        return
    console.out.print(f"{len(groups)} groups of systems must move together:")
    for number, group in enumerate(groups, start=1):
        console.out.print(f"  {number}. " + ", ".join(group))


@graph.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in GraphFormat]),
    help="Default: from OUTPUT's suffix.",
)
@click.option("--around", help="Only this system's neighbourhood.")
@click.option("--depth", type=click.IntRange(1), default=2, show_default=True)
@scoring_options
@click.pass_context
def graph_export(
    ctx: click.Context,
    output: Path,
    fmt: str | None,
    around: str | None,
    depth: int,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """Write the whole graph (or --around a system) as DOT, GraphML, Mermaid or JSON to OUTPUT
    (`-` for stdout)."""
    if fmt is None and str(output) == "-":
        raise InputError("Give --format when writing to stdout.")
    chosen = GraphFormat(fmt) if fmt else _format_from_suffix(output)
    ranked = _Ranked.load(ctx, policy_path, as_of)
    source = ranked.graph.graph
    if around is not None:
        source = neighbourhood(ranked.graph, resolve(ranked.graph, around), depth, Direction.BOTH)
    target = None if str(output) == "-" else output
    _emit(attributed(ranked.graph, source, ranked.bands), chosen, target)


def _format_from_suffix(path: Path) -> GraphFormat:
    by_suffix = {
        ".dot": "dot",
        ".gv": "dot",
        ".graphml": "graphml",
        ".mmd": "mermaid",
        ".md": "mermaid",
        ".json": "json",
    }
    fmt = by_suffix.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: give --format, or name it .dot, .graphml, .mmd or .json.")
    return GraphFormat(fmt)


@cli.command()
@selection_options
@click.option("--max-size", type=click.IntRange(1), help="At most this many systems in a wave.")
@json_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: wave, system, name, priority.")
@scoring_options
@period_option
@click.pass_context
def waves(
    ctx: click.Context,
    departments: tuple[str, ...],
    bands: tuple[str, ...],
    top: int | None,
    max_size: int | None,
    as_json: bool,
    as_csv: bool,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """Migration waves: dependencies move first, cycles move together, waves capped in size."""
    wanted = [parse_band(b) for b in bands]
    chosen, among, names = load_plan(
        ctx,
        policy_path,
        as_of,
        lambda rows: select_rows(rows, departments=departments, bands=wanted, top=top),
    )
    priority = {s.key: s.priority for s in chosen}
    planned = plan_waves(among, list(priority), priority, max_size)
    costs = {s.key: s.run_cost for s in chosen}
    spent = [group_costs(w.systems, lambda _: "wave", costs.__getitem__)["wave"] for w in planned]
    if as_json:
        print_json(
            [
                {
                    "wave": w.number,
                    "systems": w.systems,
                    "clusters": w.clusters,
                    "oversized": w.oversized,
                    "annual_run_cost": plain_value(line.cost, "money"),
                    "costs_not_known": line.unknown,
                }
                for w, line in zip(planned, spent, strict=True)
            ]
        )
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["wave", "key", "name", "priority", "annual_run_cost"])
        for w in planned:
            writer.writerows(
                [
                    w.number,
                    neutralise(k),
                    neutralise(names[k]),
                    priority[k],
                    plain_value(costs[k], "money"),
                ]
                for k in w.systems
            )
    else:
        table = Table(title=f"{len(chosen)} systems in {len(planned)} waves", title_justify="left")
        table.add_column("Wave", justify="right")
        table.add_column("Systems", justify="right")
        table.add_column("Run cost", justify="right")
        table.add_column("Which (cycles move together)", overflow="fold")
        for w, line in zip(planned, spent, strict=True):
            shown = ", ".join(w.systems[:8]) + (" ..." if len(w.systems) > 8 else "")
            note = f"  [yellow]{len(w.clusters)} cycle group(s)[/]" if w.clusters else ""
            unknown = f"\n[dim]{line.unknown:,} not known[/]" if line.unknown else ""
            table.add_row(
                str(w.number), str(len(w.systems)), money(line.cost) + unknown, shown + note
            )
        console.out.print(table)
