"""Commands over the dependency graph: neighbourhoods, paths, hubs, shared and orphan systems,
cycles, exports, and migration waves."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from estate.cli.base import (
    cli,
    err,
    json_option,
    load_scores,
    out,
    print_json,
    scoring_options,
    selection_options,
)
from estate.errors import InputError
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
from estate.ranking import parse_band, select_systems
from estate.render import BAND_STYLE
from estate.scoring import EstateScores
from estate.words import counted


class GraphGroup(click.Group):
    """`estate graph SYSTEM ...` is short for `estate graph show SYSTEM ...`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["show", *args]
        return super().parse_args(ctx, args)


def _bands(scores: EstateScores) -> dict[str, str | None]:
    return {s.key: (s.legacy.band.value if s.legacy.band else None) for s in scores.systems}


def _labeller(scores: EstateScores) -> Callable[[str], str]:
    """How the graph commands name a system: its key, name and legacy band, coloured. The
    bands are gathered once: a command may name hundreds of systems."""
    bands = _bands(scores)

    def label(key: str) -> str:
        node = scores.graph.nodes[key]
        if node.placeholder:
            return f"{key} [yellow](not in the estate yet)[/]"
        band = bands.get(key)
        return f"{key} {node.name} [{BAND_STYLE.get(band, '')}]{band or 'unknown'}[/]"

    return label


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
    scores = load_scores(ctx, policy_path, as_of)
    key = resolve(scores.graph, system)
    chosen = Direction(direction)
    if fmt is not None:
        sub = attributed(
            scores.graph, neighbourhood(scores.graph, key, depth, chosen), _bands(scores)
        )
        _emit(sub, GraphFormat(fmt), output)
        return
    found = levels(scores.graph, key, depth, chosen)
    radius = scores.by_key().get(key)
    bands = _bands(scores)
    if as_json:
        print_json(
            {
                "system": key,
                "blast_radius": None
                if radius is None or radius.blast is None
                else vars(radius.blast),
                "neighbours": [
                    {
                        "key": k,
                        "distance": d,
                        "direction": "depends on" if d > 0 else "depended on by",
                        "band": bands.get(k),
                        "placeholder": scores.graph.nodes[k].placeholder,
                    }
                    for d, k in found
                ],
            }
        )
        return
    label = _labeller(scores)
    table = Table(title=f"Around {label(key)}", title_justify="left")
    table.add_column("Steps", justify="right")
    table.add_column("Relation")
    table.add_column("System", overflow="fold")
    for distance, neighbour in found:
        relation = "depends on" if distance > 0 else "used by"
        table.add_row(str(abs(distance)), relation, label(neighbour))
    out.print(table)
    if radius is not None and radius.blast is not None:
        blast = radius.blast
        out.print(f"Blast radius: {blast.describe()}.")


def _emit(graph_: Any, fmt: GraphFormat, output: Path | None) -> None:
    if output is None:
        click.echo(WRITERS[fmt](graph_), nl=False)
    else:
        write_graph(graph_, fmt, output)
        err.print(
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
    scores = load_scores(ctx, policy_path, as_of)
    a, b = resolve(scores.graph, source), resolve(scores.graph, target)
    chain = path(scores.graph, a, b)
    label = _labeller(scores)
    for position, key in enumerate(chain):
        if position:
            previous = chain[position - 1]
            arrow = "depends on" if scores.graph.graph.has_edge(previous, key) else "is used by"
            out.print(f"  {arrow}")
        out.print(label(key))


@graph.command("central")
@click.option("--top", type=click.IntRange(1), default=20, show_default=True)
@json_option
@scoring_options
@click.pass_context
def graph_central(
    ctx: click.Context, top: int, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """The systems most of the estate depends on, directly or not (largest blast radius)."""
    scores = load_scores(ctx, policy_path, as_of)
    radius = scores.graph.blast_radius()
    ranked = most_depended_on(radius, top)
    if as_json:
        print_json([{"key": k, **r.__dict__} for k, r in ranked])
        return
    table = Table(
        title=f"The {len(ranked)} systems with the largest blast radius", title_justify="left"
    )
    for heading in ("System", "Dependents", "Direct", "Critical", "Departments"):
        table.add_column(
            heading, justify="left" if heading == "System" else "right", overflow="fold"
        )
    label = _labeller(scores)
    for key, r in ranked:
        table.add_row(label(key), str(r.total), str(r.direct), str(r.critical), str(r.departments))
    out.print(table)


@graph.command("shared")
@json_option
@scoring_options
@click.pass_context
def graph_shared(
    ctx: click.Context, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """Systems that other departments depend on directly."""
    scores = load_scores(ctx, policy_path, as_of)
    shared = shared_across_departments(scores.graph)
    if as_json:
        print_json([{"key": k, "used_by_departments": d} for k, d in shared])
        return
    table = Table(title=f"{len(shared)} systems used across departments", title_justify="left")
    table.add_column("System", overflow="fold")
    table.add_column("Used by")
    label = _labeller(scores)
    for key, departments in shared:
        table.add_row(label(key), ", ".join(departments))
    out.print(table)


@graph.command("orphans")
@json_option
@scoring_options
@click.pass_context
def graph_orphans(
    ctx: click.Context, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """Systems with no recorded dependencies either way (check the returns are complete)."""
    scores = load_scores(ctx, policy_path, as_of)
    alone = orphans(scores.graph)
    if as_json:
        print_json(alone)
        return
    out.print(f"{len(alone)} systems have no recorded dependencies:")
    label = _labeller(scores)
    for key in alone:
        out.print(f"  {label(key)}")


@graph.command("clusters")
@json_option
@scoring_options
@click.pass_context
def graph_clusters(
    ctx: click.Context, as_json: bool, policy_path: Path | None, as_of: dt.datetime | None
) -> None:
    """Systems that depend on each other in a cycle: each group must move together."""
    scores = load_scores(ctx, policy_path, as_of)
    groups = scores.graph.clusters()
    if as_json:
        print_json(groups)
        return
    out.print(f"{len(groups)} groups of systems must move together:")
    for number, group in enumerate(groups, start=1):
        out.print(f"  {number}. " + ", ".join(group))


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
    scores = load_scores(ctx, policy_path, as_of)
    source = scores.graph.graph
    if around is not None:
        source = neighbourhood(scores.graph, resolve(scores.graph, around), depth, Direction.BOTH)
    target = None if str(output) == "-" else output
    _emit(attributed(scores.graph, source, _bands(scores)), chosen, target)


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
    scores = load_scores(ctx, policy_path, as_of)
    chosen = select_systems(
        scores.systems, departments=departments, bands=[parse_band(b) for b in bands], top=top
    )
    priority = {s.key: s.priority for s in chosen}
    planned = plan_waves(scores.graph.graph, list(priority), priority, max_size)
    names = {s.key: s.name for s in chosen}
    if as_json:
        print_json(
            [
                {
                    "wave": w.number,
                    "systems": w.systems,
                    "clusters": w.clusters,
                    "oversized": w.oversized,
                }
                for w in planned
            ]
        )
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["wave", "key", "name", "priority"])
        for w in planned:
            writer.writerows([w.number, k, names[k], priority[k]] for k in w.systems)
    else:
        table = Table(title=f"{len(chosen)} systems in {len(planned)} waves", title_justify="left")
        table.add_column("Wave", justify="right")
        table.add_column("Systems", justify="right")
        table.add_column("Which (cycles move together)", overflow="fold")
        for w in planned:
            shown = ", ".join(w.systems[:8]) + (" ..." if len(w.systems) > 8 else "")
            note = f"  [yellow]{len(w.clusters)} cycle group(s)[/]" if w.clusters else ""
            table.add_row(str(w.number), str(len(w.systems)), shown + note)
        out.print(table)
