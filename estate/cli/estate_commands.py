"""Commands over the estate database: create, upgrade, demo, list, stats, generate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text
from sqlmodel import Session

from estate import db, queries
from estate.cli import console
from estate.cli.base import SAMPLE_DIR, cli, json_option, period_option
from estate.cli.console import print_json, print_rows
from estate.cli.database import open_engine
from estate.errors import InputError


@cli.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create an empty estate database (does nothing to one that exists)."""
    with open_engine(ctx, create=True):
        pass
    console.err.print(f"Estate database ready: {ctx.obj}")


@cli.command()
@click.pass_context
def upgrade(ctx: click.Context) -> None:
    """Upgrade a database made by an older estate to this version's schema."""
    before, after = db.upgrade(ctx.obj)
    if before == after:
        console.err.print(f"{ctx.obj} is already at schema version {after}.")
    else:
        console.err.print(f"Upgraded {ctx.obj} from schema version {before} to {after}.")


@cli.command()
@click.option(
    "--sample-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=SAMPLE_DIR,
    show_default="the bundled sample_data/",
    help="Folder of departmental returns to load.",
)
@click.option("--force", is_flag=True, help="Replace the database if it already exists.")
@click.pass_context
def demo(ctx: click.Context, sample_dir: Path, force: bool) -> None:
    """Build a database from the sample returns, through the real importer, and summarise it."""
    from estate.demo import build_demo

    target = Path(ctx.obj)
    if "://" not in ctx.obj and (target.exists() or target.is_symlink()):
        if not force:
            raise InputError(f"{target} already exists; use --force to rebuild it from samples.")
        db.check_replaceable(target)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    with open_engine(ctx, create=True) as engine:
        results = build_demo(engine, sample_dir)
        table = Table(title=f"Imported {len(results)} sample returns into {ctx.obj}")
        headings = ("Period", "File", "Dept", "New", "Changed", "Deleted", "Rejected", "Errors")
        for heading in (*headings, "Warnings"):
            left = heading in ("Period", "File", "Dept")
            table.add_column(heading, justify="left" if left else "right")
        for result in results:
            summary = result.changes.summary() if result.changes else {}
            table.add_row(
                result.period or "",
                result.file.name,
                result.department or "",
                *(str(summary.get(k, 0)) for k in ("new", "changed", "missing", "rejected")),
                str(len(result.errors)),
                str(len(result.warnings)),
            )
        console.out.print(table)
        with Session(engine) as session:
            _print_stats(queries.estate_stats(session))
    periods = sorted({r.period for r in results if r.period})
    if len(periods) > 1:
        console.err.print(
            f"{len(periods)} quarters, {periods[0]} to {periods[-1]}: see how the estate changed "
            f"with `estate trend` and `estate changes --since {periods[0]}`."
        )
    console.err.print(
        "The sample returns contain deliberate mistakes; see them with `estate validate "
        f"{_shown_folder(results)}/<file>`. Rejected rows were skipped (--skip-invalid)."
    )


def _shown_folder(results: list[Any]) -> str:
    """The folder of the latest sample returns, as a person would type it."""
    from estate.demo import EXPORTS

    returns = [r for r in results if r.file.parent.name != EXPORTS]  # not the tools' exports
    folder = returns[-1].file.parent if returns else SAMPLE_DIR
    try:
        return str(folder.relative_to(SAMPLE_DIR.parent))
    except ValueError:
        return str(folder)


@cli.command()
@click.option("--department", "-d", help="Only this department's systems (its code).")
@json_option
@click.pass_context
def systems(ctx: click.Context, department: str | None, as_json: bool) -> None:
    """List systems, by department and reference."""
    with open_engine(ctx) as engine, Session(engine) as session:
        rows = queries.list_systems(session, department=department)
    if as_json:
        print_json(rows)
        return
    print_rows(
        rows,
        lambda shown: _systems_table(shown, f"{len(rows)} systems"),
        "--department to narrow, --json for all",
    )


def _systems_table(rows: list[dict[str, Any]], title: str) -> Table:
    table = Table(title=title)
    for heading in ("Key", "Name", "Criticality", "Hosting", "Status"):
        table.add_column(heading)
    for row in rows:
        status = row["lifecycle_status"] or ""
        if row["missing_from_latest_return"]:
            status += " (missing from latest return)"
        table.add_row(
            Text(row["key"]),
            Text(row["name"]),
            row["criticality"] or "",
            row["hosting"] or "",
            status,
        )
    return table


def _print_stats(stats: dict[str, Any]) -> None:
    table = Table(title="Estate", show_header=False)
    table.add_column("What")
    table.add_column("Count", justify="right")
    for label, key in (
        ("Organisations", "organisations"),
        ("Systems", "systems"),
        ("  retired or cancelled (not counted)", "retired_or_cancelled"),
        ("Components", "components"),
        ("Dependencies", "dependencies"),
        ("  unresolved", "unresolved_dependencies"),
        ("Security assessments", "security_assessments"),
        ("Systems missing from latest return", "missing_from_latest_return"),
        ("Imports", "import_batches"),
    ):
        table.add_row(label, f"{stats[key]:,}")
    console.out.print(table)
    departments = Table(title="Systems by department")
    departments.add_column("Dept")
    departments.add_column("Name")
    departments.add_column("Systems", justify="right")
    for row in stats["systems_by_department"]:
        departments.add_row(Text(row["department"]), Text(row["name"]), f"{row['systems']:,}")
    console.out.print(departments)
    gone = stats["retired_or_cancelled_systems"]
    if gone:
        left = Table(title="Retired or cancelled: kept in history, out of the counts")
        for heading in ("System", "Name", "Status", "Left in"):
            left.add_column(heading)
        for row in gone:
            left.add_row(Text(row["key"]), Text(row["name"]), row["status"], row["left_in"])
        console.out.print(left)


@cli.command()
@json_option
@period_option
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """What the estate holds: counts by kind, department and hosting, and the systems retired
    or cancelled (out of the counts, kept in history) with the period each left."""
    with open_engine(ctx) as engine, Session(engine) as session:
        result = queries.estate_stats(session)
    if as_json:
        print_json(result)
    else:
        _print_stats(result)


@cli.command()
@click.option("--systems", "n_systems", type=click.IntRange(1), default=300, show_default=True)
@click.option("--departments", type=click.IntRange(1), default=7, show_default=True)
@click.option("--seed", type=int, default=2025, show_default=True)
@click.option(
    "--csv-departments",
    type=click.IntRange(0),
    default=1,
    show_default=True,
    help="How many departments (the last ones) to write as a CSV of systems only.",
)
@click.option(
    "--own-layouts",
    type=click.IntRange(0),
    default=20,
    show_default=True,
    help="Systems each in two more returns in departments' own layouts (an asset register "
    "with an interfaces sheet; a CMDB extract with its relationship file); 0 for none.",
)
@click.option(
    "--periods",
    type=click.IntRange(1, 40),
    default=1,
    show_default=True,
    help="Quarters of returns, ending with 2026-Q3, in which the estate evolves (upgrades, "
    "retirements, new systems, contracts renewed or lapsing, plans funded, one department "
    "getting worse); each quarter's in a folder named by its period.",
)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def generate(
    n_systems: int,
    departments: int,
    seed: int,
    csv_departments: int,
    own_layouts: int,
    periods: int,
    out_dir: Path,
) -> None:
    """Write a realistic synthetic estate into OUT_DIR as departmental returns (deterministic)."""
    from estate.generate import PERIOD, build_estate, write_estate
    from estate.generate.own_layouts import write_own_layout_quarters, write_own_layouts
    from estate.generate.periods import build_quarters, periods_ending, write_quarters

    as_csv = min(csv_departments, departments)
    if periods == 1:
        paths = write_estate(
            build_estate(n_systems, departments, seed), out_dir, csv_departments=as_csv
        )
        if own_layouts:
            paths += write_own_layouts(out_dir, seed + 1, own_layouts)
    else:
        quarters = build_quarters(n_systems, departments, seed, periods)
        paths = write_quarters(quarters, out_dir, csv_departments=as_csv)
        if own_layouts:
            paths += write_own_layout_quarters(out_dir, seed + 1, own_layouts, periods)
    if own_layouts:
        n_systems += 2 * own_layouts
    for path in paths:
        click.echo(str(path))
    names = periods_ending(PERIOD, periods)
    if periods == 1:
        console.err.print(f"{n_systems:,} systems in {len(paths)} returns ({PERIOD}), seed {seed}.")
    else:
        console.err.print(
            f"{n_systems:,} systems at first, in {len(paths)} returns over {periods} quarters "
            f"({names[0]} to {names[-1]}), seed {seed}."
        )


@cli.command(name="copy")
@click.argument("source")
@click.argument("target")
def copy_command(source: str, target: str) -> None:
    """Copy the whole estate at SOURCE into TARGET, a new or empty database (a file path or a
    URL): how an SQLite estate moves onto a shared PostgreSQL server, and back."""
    from estate.copy import copy_estate

    copied = copy_estate(source, target)
    rows = sum(copied.values())
    console.err.print(
        f"Copied {copied.get('system', 0):,} systems ({rows:,} rows in all) from "
        f"{db.shown(source)} to {db.shown(target)}."
    )
