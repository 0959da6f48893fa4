"""`estate access`: which database role may change which department's data (PostgreSQL)."""

from __future__ import annotations

import click
from rich.table import Table

from estate import access, keys
from estate.cli import console
from estate.cli.base import cli, json_option
from estate.cli.console import print_json
from estate.cli.database import open_engine


@cli.group(name="access")
def access_group() -> None:
    """Department roles on a PostgreSQL estate: each changes only its own department's data."""


@access_group.command()
@click.argument("department")
@click.option("--role", required=True, help="The PostgreSQL role (created if it does not exist).")
@click.option(
    "--own-only",
    is_flag=True,
    help="The role reads only its own department's data, not the rest of the estate.",
)
@click.pass_context
def grant(ctx: click.Context, department: str, role: str, own_only: bool) -> None:
    """Let ROLE import, change and delete DEPARTMENT's systems and nothing else's."""
    code = access.normalised_department(department)
    with open_engine(ctx) as engine, engine.begin() as connection:
        created = access.grant(connection, code, role, reads_all=not own_only)
    reads = "only its own" if own_only else "the whole estate"
    made = " (created; set its password with psql's \\password)" if created else ""
    console.err.print(
        f"Role {role.strip()}{made} may now change {code}'s data only, and reads {reads}.",
        markup=False,
    )


@access_group.command()
@click.argument("department")
@click.option("--role", required=True, help="The PostgreSQL role to take the access from.")
@click.pass_context
def revoke(ctx: click.Context, department: str, role: str) -> None:
    """Take ROLE's access to DEPARTMENT away (the role itself is kept)."""
    with open_engine(ctx) as engine, engine.begin() as connection:
        access.revoke(connection, department, role)
    console.err.print(
        f"Role {keys.printable(role.strip())} no longer reads or changes the estate.", markup=False
    )


@access_group.command()
@json_option
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """The department roles and what each may read."""
    with open_engine(ctx) as engine, engine.connect() as connection:
        found = access.grants(connection)
    if as_json:
        print_json(
            [{"role": g.role, "department": g.department, "reads_all": g.reads_all} for g in found]
        )
        return
    table = Table(title=f"{len(found)} department roles")
    for heading in ("Department", "Role", "Reads"):
        table.add_column(heading)
    for g in found:
        table.add_row(
            keys.printable(g.department),
            keys.printable(g.role),
            "the whole estate" if g.reads_all else "its own",
        )
    console.out.print(table)
