"""`estate template`: the official return workbook, blank or pre-filled with a department's
current data so it updates last quarter's return."""

from __future__ import annotations

from pathlib import Path

import click

from estate.cli import console
from estate.cli.base import cli
from estate.cli.database import open_engine
from estate.words import counted
from importers.layout import RecordKind
from importers.prefill import department_records
from importers.template import write_return


@cli.command()
@click.argument("out_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--department", "-d", help="Pre-fill with this department's current data.")
@click.pass_context
def template(ctx: click.Context, out_file: Path, department: str | None) -> None:
    """Write the official return workbook to OUT_FILE (.xlsx), blank or pre-filled."""
    if out_file.suffix.lower() != ".xlsx":
        raise click.BadParameter("the template is an .xlsx file", param_hint="OUT_FILE")
    if department is None:
        write_return(out_file)
        console.err.print(f"Blank return written to {out_file}.")
        return
    with open_engine(ctx) as engine, engine.connect() as connection:
        cover, records = department_records(connection, department)
    write_return(out_file, cover=cover, records=records)
    systems = counted(len(records[RecordKind.SYSTEMS]), "system")
    console.err.print(
        f"Return for {cover['Department code']} pre-filled with {systems}: {out_file}."
    )
