"""Commands over the scores: rank, the policy in force, and the lifecycle catalogue."""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import click
from rich.table import Table

from estate.catalogue import Catalogue, builtin
from estate.catalogue.endoflife import load_catalogue, read_lifecycle, store_lifecycle
from estate.cli.base import (
    cli,
    err,
    json_option,
    load_ranking,
    load_scores,
    open_engine,
    out,
    period_option,
    print_json,
    print_rows,
    progress_bar,
    scoring_options,
    selection_options,
)
from estate.costs import run_cost
from estate.dates import shown_date
from estate.dispositions import disposition_words
from estate.errors import DatabaseMissing, InputError, NotFound
from estate.exports import ExportFormat, export_ranking, format_for
from estate.exports.columns import plain_value
from estate.exports.text_formats import sign_in_list, system_dict
from estate.exports.workbook import DEFAULT_MARKING
from estate.files import neutralise
from estate.identity import CITIZEN, own_sign_in
from estate.portfolio import Portfolio, read_portfolio
from estate.ranking import RankBy, parse_band, select_rows, select_systems
from estate.render import BAND_STYLE
from estate.scoring import unmatched_components
from estate.scoring.policy import Policy, default_text, load_policy
from estate.scoring.results import SystemScore, score_text
from estate.scoring.serialise import SCHEMA_VERSION
from estate.snapshot import RankedRow, ranked_row
from estate.words import counted

CSV_COLUMNS = (
    "rank",
    "key",
    "name",
    "department",
    "criticality",
    "priority",
    "legacy_overall",
    "legacy_band",
    "is_legacy",
    "cloud_readiness",
    "cloud_score",
    "suggested_disposition",
    "security_gaps",
    "high_gaps",
    "dependents",
    "top_reason",
    "suggested_disposition_words",
    "disposition_reason",
    "annual_run_cost",
)


def _csv_row(r: RankedRow) -> list[object]:
    return [
        r.rank,
        r.key,
        r.name,
        r.department,
        r.criticality or "",
        r.priority,
        "" if r.legacy is None else round(r.legacy, 2),
        r.band or "",
        "" if r.is_legacy is None else r.is_legacy,
        r.readiness,
        "" if r.cloud_score is None else r.cloud_score,
        r.disposition or "",
        r.gaps,
        r.high_gaps,
        r.dependents,
        r.top_reason,
        disposition_words(r.disposition, r.disposition_reason),
        r.disposition_reason,
        plain_value(r.run_cost, "money"),
    ]


def _print_csv(rows: list[RankedRow]) -> None:
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows([neutralise(v) for v in _csv_row(r)] for r in rows)


EMPTY_ESTATE = (
    "The estate is empty: import a return with `estate import FILE`, or build the sample "
    "estate with `estate demo`."
)


def _rank_table(rows: list[RankedRow], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("System", overflow="fold", ratio=2)
    table.add_column("Priority", justify="right")
    table.add_column("Legacy", overflow="fold")
    table.add_column("Cloud", overflow="fold")
    table.add_column("Why", overflow="fold", ratio=3)
    for r in rows:
        legacy = "?" if r.legacy is None else f"{score_text(r.legacy)} "
        table.add_row(
            str(r.rank),
            f"{r.key}\n[dim]{r.name}[/]",
            f"{r.priority:.1f}",
            f"{legacy}[{BAND_STYLE.get(r.band, '')}]{r.band or 'unknown'}[/]",
            r.readiness,
            r.headline,
        )
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
    if by == RankBy.PRIORITY and not as_json:
        # The table and the CSV need only the ranking's lines, kept from the last scoring if
        # still fresh.
        policy, ranking = load_ranking(ctx, policy_path, as_of)
        if not ranking:
            err.print(EMPTY_ESTATE)
            return
        chosen = select_rows(ranking, departments=departments, bands=wanted_bands, top=top)
        if as_csv:
            _print_csv(chosen)
        else:
            _print_ranking(chosen, by, policy, top)
        return
    scores = load_scores(ctx, policy_path, as_of)
    if by == "identity":
        _identity_report(scores.systems, departments, as_json, as_csv)
        return
    rows = select_systems(
        scores.systems, by=RankBy(by), departments=departments, bands=wanted_bands, top=top
    )
    policy = scores.policy
    if as_json:
        print_json(
            {
                "schema_version": SCHEMA_VERSION,
                "as_of": policy.as_of.isoformat(),
                "policy": policy.name,
                "catalogue": scores.catalogue.version,
                "ranked_by": by,
                "systems": [system_dict(s) for s in rows],
            }
        )
    elif as_csv:
        _print_csv([ranked_row(s) for s in rows])
    else:
        _print_ranking([ranked_row(s) for s in rows], by, policy, top)


def _print_ranking(rows: list[RankedRow], by: str, policy: Policy, top: int | None) -> None:
    title = f"{len(rows)} systems by {by} as at {policy.as_of:%d/%m/%Y} (policy {policy.name})"
    if top:
        out.print(_rank_table(rows, title))
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
    systems: list[SystemScore], departments: tuple[str, ...], as_json: bool, as_csv: bool
) -> None:
    """Systems with their own sign-in, by department, citizen-facing (for GOV.UK One Login)
    apart from staff-facing (for the department's directory), every one listed."""
    groups = own_sign_in(select_systems(systems, departments=departments))
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
                    s.legacy.band or "",
                    plain_value(run_cost(s), "money"),
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
    out.print(table)


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
    import tomllib

    overrides = tomllib.loads(policy_path.read_text(encoding="utf-8"))
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
        err.print(f"No estate database at {ctx.obj}: the built-in catalogue.", soft_wrap=True)
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
        out.print(table)
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
    out.print(table)


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
    out.print(line + (f"\n  note: {match.note}" if match.note else ""))


@catalogue.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--product", help="The product key, for a per-product file not named after it.")
@click.pass_context
def catalogue_import(ctx: click.Context, file: Path, product: str | None) -> None:
    """Load lifecycle data in the endoflife.date API's JSON shape, read as the bundled snapshot
    is (its product keys mapped to the catalogue's, each release line governed by its latest
    service pack); it replaces the bundled releases of each product it holds."""
    cycles = read_lifecycle(file, product)
    with open_engine(ctx) as engine, engine.begin() as connection:
        count = store_lifecycle(connection, cycles, dt.datetime.now(dt.UTC))
    products = len({c.cycle.product for c in cycles})
    err.print(f"Imported {count:,} releases of {products:,} products from {file.name}.")


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
    out.print(table)


def _portfolio(ctx: click.Context, as_of: dt.date, keys: set[str]) -> Portfolio:
    """The technology the exported systems run, read from the stored components."""
    with open_engine(ctx) as engine, engine.connect() as connection:
        return read_portfolio(connection, as_of, systems=keys)


@cli.command()
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice([f.value for f in ExportFormat]),
    help="Default: from OUTPUT's suffix.",
)
@click.option(
    "--marking",
    default=DEFAULT_MARKING,
    show_default=True,
    help="The protective marking every printed page of the workbook carries.",
)
@selection_options
@scoring_options
@period_option
@click.pass_context
def export(
    ctx: click.Context,
    output: Path,
    fmt: str | None,
    marking: str,
    departments: tuple[str, ...],
    bands: tuple[str, ...],
    top: int | None,
    policy_path: Path | None,
    as_of: dt.datetime | None,
) -> None:
    """Write the prioritised remediation list: xlsx (a board workbook), csv, json or markdown."""
    format_for(output, fmt)  # refuse an unknown format before the work of scoring
    if not output.parent.exists():
        raise InputError(f"{output}: folder {output.parent} does not exist.")
    scores = load_scores(ctx, policy_path, as_of)
    with progress_bar("Exporting", err.is_terminal) as progress:
        result = export_ranking(
            scores,
            output,
            fmt,
            departments=departments,
            bands=[parse_band(b) for b in bands],
            top=top,
            progress=progress,
            marking=marking,
            portfolio=lambda keys: _portfolio(ctx, scores.policy.as_of, keys),
        )
    err.print(
        f"Wrote {counted(result.systems, 'system')} to {result.path} ({result.format.value})."
    )
    if not result.systems:
        err.print("No systems match this selection: the file has its headings and no rows.")
