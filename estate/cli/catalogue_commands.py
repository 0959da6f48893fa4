"""Commands over what scoring rests on: the policy in force and the lifecycle catalogue.

`policy show`, `catalogue show` and `catalogue match` work without a database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.table import Table

from estate.catalogue import Catalogue, builtin
from estate.catalogue.endoflife import load_catalogue, read_lifecycle, store_lifecycle
from estate.cli import console
from estate.cli.base import cli, json_option
from estate.cli.console import print_json
from estate.cli.database import open_engine
from estate.dates import shown_date
from estate.errors import DatabaseMissing, InputError, NotFound
from estate.files import load_toml
from estate.scoring import unmatched_components
from estate.scoring.policy import default_text, load_policy
from estate.words import counted


@cli.group()
def policy() -> None:
    """The scoring policy: weights, thresholds, derivation rules and the as-of date."""


@policy.command("show")
@click.option(
    "--policy",
    "policy_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Show this policy file merged over the default.",
)
def policy_show(policy_path: Path | None) -> None:
    """Print the policy in force: the documented default, or a file merged over it."""
    if policy_path is None:
        click.echo(default_text(), nl=False)
        return
    loaded = load_policy(policy_path)
    overrides = load_toml(policy_path, "policy")
    click.echo(f"# {loaded.name}: {policy_path} merged over the default; as of {loaded.as_of}")
    click.echo(f"# overrides: {', '.join(sorted(overrides)) or 'none'}")
    click.echo(default_text(), nl=False)


@cli.group()
def catalogue() -> None:
    """The lifecycle catalogue: products, releases and their support end dates."""


def _catalogue_in_use(ctx: click.Context) -> Catalogue:
    """The catalogue scoring would use: the built-in one with the database's imported lifecycle
    data, or the built-in one alone where there is no database yet (so a person can look dates
    up and try spellings before building an estate)."""
    try:
        with open_engine(ctx) as engine, engine.connect() as connection:
            return load_catalogue(connection)
    except DatabaseMissing:
        console.err.print(
            f"No estate database at {ctx.obj}: the built-in catalogue.", soft_wrap=True
        )
        return builtin()


@catalogue.command("show")
@click.argument("product", required=False)
@json_option
@click.pass_context
def catalogue_show(ctx: click.Context, product: str | None, as_json: bool) -> None:
    """List the catalogue's products, or one PRODUCT's releases and support dates."""
    loaded = _catalogue_in_use(ctx)
    if product is None:
        rows = [
            (
                p.key,
                p.title,
                len(p.cycles),
                "evergreen" if p.evergreen else "kept by hand" if p.by_hand_reason else "",
            )
            for p in loaded.products.values()
        ]
        if as_json:
            print_json([{"key": k, "title": t, "releases": n} for k, t, n, _ in rows])
            return
        table = Table(
            title=f"Catalogue {loaded.version}: {len(rows)} products", title_justify="left"
        )
        for heading in ("Key", "Product", "Releases", ""):
            table.add_column(heading)
        for key, title, count, note in rows:
            table.add_row(key, title, str(count), note)
        console.out.print(table)
        return
    found = loaded.products.get(product) or next(
        (p for p in loaded.products.values() if p.title.lower() == product.lower()), None
    )
    if found is None:
        match = loaded.match(product)
        found = match.product
    if found is None:
        raise NotFound(
            f"No product {product!r} in the catalogue; `estate catalogue show` lists them."
        )
    if as_json:
        print_json(
            {
                "key": found.key,
                "title": found.title,
                "evergreen": found.evergreen,
                "endoflife": found.endoflife,
                "kept_by_hand_because": found.by_hand_reason,
                "releases": [
                    {
                        "cycle": c.cycle,
                        "title": c.title,
                        "support_end": c.support_end,
                        "security_end": c.security_end,
                        "extended_end": c.extended_end,
                        "security_ended": c.security_ended,
                        "source": c.source,
                        "governed_by": c.governed_by,
                        "kept_by_hand_because": c.reason,
                    }
                    for c in found.cycles
                ],
            }
        )
        return
    table = Table(title=f"{found.title} ({found.key})", title_justify="left")
    for heading in (
        "Release",
        "Mainstream support ends",
        "Security support ends",
        "Extended support ends",
        "Source",
    ):
        table.add_column(heading)
    for c in found.cycles:
        security = (
            "ended (no date)" if c.security_ended and not c.security_end else _d(c.security_end)
        )
        source = c.source
        if c.governed_by is not None and c.governed_by != c.cycle:
            source += f" ({c.governed_by})"
        table.add_row(c.label, _d(c.support_end), security, _d(c.extended_end), source)
    console.out.print(table)


def _d(value: dt.date | None) -> str:
    return shown_date(value)


@catalogue.command("match")
@click.argument("text", nargs=-1, required=True)
@click.pass_context
def catalogue_match(ctx: click.Context, text: tuple[str, ...]) -> None:
    """Show how free TEXT such as "Win 2008 R2" matches the catalogue."""
    match = _catalogue_in_use(ctx).match(" ".join(text))
    if match.product is None:
        raise InputError(f"{match.text!r}: {match.note}.")
    cycle = match.cycle
    line = f"{match.text!r} -> {match.release}"
    if cycle is not None:
        ends = _d(cycle.security_end) or ("ended" if cycle.security_ended else "not announced")
        line += f" (security support ends {ends}"
        line += f", extended {_d(cycle.extended_end)})" if cycle.extended_end else ")"
    governed = cycle.governed_by if cycle is not None else None
    if (
        cycle is not None
        and governed
        and governed != cycle.cycle
        and governed.startswith(cycle.cycle)
    ):
        latest = match.product.title_of(governed) or governed
        line += f"\n  dates of {latest}, the line's latest release (name an older one it runs)"
    console.out.print(line + (f"\n  note: {match.note}" if match.note else ""))


@catalogue.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--product",
    help="The product key, for a v0 per-product file not named after it; the one product to "
    "take from a whole catalogue (v1: its name or an alias).",
)
@click.pass_context
def catalogue_import(ctx: click.Context, file: Path, product: str | None) -> None:
    """Load lifecycle data in the endoflife.date API's JSON shapes (v0's /api/PRODUCT.json or a
    catalogue of them, v1's /api/v1/products/PRODUCT or /api/v1/products/full), read as the
    bundled snapshot is (its product keys mapped to the catalogue's, each release line governed
    by its latest service pack); it replaces the bundled releases of each product it holds."""
    cycles = read_lifecycle(file, product)
    with open_engine(ctx) as engine, engine.begin() as connection:
        count = store_lifecycle(connection, cycles, dt.datetime.now(dt.UTC))
    products = len({c.cycle.product for c in cycles})
    console.err.print(
        f"Imported {counted(count, 'release')} of {counted(products, 'product')} from {file.name}."
    )


@catalogue.command("unmatched")
@json_option
@click.pass_context
def catalogue_unmatched(ctx: click.Context, as_json: bool) -> None:
    """Components the catalogue could not place, and why, so their support dates can be given."""
    with open_engine(ctx) as engine, engine.connect() as connection:
        rows = unmatched_components(connection)
    if as_json:
        print_json([{"system": key, "component": text} for key, text in rows])
        return
    table = Table(
        title=f"{counted(len(rows), 'component')} not matched to the catalogue",
        title_justify="left",
    )
    table.add_column("System")
    table.add_column("Component and reason", overflow="fold")
    for key, text in rows:
        table.add_row(key, text)
    console.out.print(table)
