"""Commands for departmental returns: import, validate (a dry run) and template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.table import Table

from estate.cli.base import cli, err, open_engine, out, print_json, progress_bar
from estate.dates import shown_date
from estate.words import counted
from importers import ImportOptions, ImportResult, import_return, load_user_mapping
from importers.layout import RecordKind
from importers.prefill import department_records
from importers.problems import Problem, Severity
from importers.report import write_report
from importers.template import write_return

_FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path)
)


def _import_options(func: click.decorators.FC) -> click.decorators.FC:
    for option in reversed(
        (
            click.option(
                "--department", "-d", help="The department this return is for (its code)."
            ),
            click.option(
                "--mapping",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="TOML file mapping your column headers to the return's fields.",
            ),
            click.option(
                "--report",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Also write the problems to this .json or .xlsx file.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print a JSON summary only."),
            click.option("--quiet", "-q", is_flag=True, help="No progress bar."),
        )
    ):
        func = option(func)
    return func


def _problem_table(problems: list[Problem]) -> Table:
    table = Table(title=f"{len(problems)} problems", title_justify="left")
    for heading in ("", "Sheet", "Row", "Col", "Found", "Problem", "Expected"):
        table.add_column(heading, overflow="fold")
    for p in problems:
        mark = "[red]error[/]" if p.severity is Severity.ERROR else "[yellow]warning[/]"
        table.add_row(
            mark,
            p.sheet or "",
            str(p.row or ""),
            p.column or "",
            p.value or "",
            p.message,
            p.expected or "",
        )
    return table


def _summary_line(result: ImportResult, dry_run: bool) -> str:
    assert result.changes is not None
    s = result.changes.summary()
    counts = (
        f"{s['new']} new, {s['changed']} changed, {s['unchanged']} unchanged, "
        f"{s['rejected']} rejected, {s['missing']} missing from this return"
    )
    if dry_run:
        verdict = "dry run: nothing written"
    elif result.stored:
        verdict = f"stored as import {result.batch_id}"
    else:
        verdict = "NOT stored: fix the errors, or use --skip-invalid to store the valid rows"
    return f"{result.file.name} ({result.department}): {counts}; {verdict}."


def _said(value: object) -> str:
    """A changed value as people read it: dates day first."""
    return shown_date(value) if isinstance(value, dt.date) else str(value)


def _changes_table(result: ImportResult) -> Table | None:
    changes = result.changes
    if changes is None:
        return None
    rows = [c for c in changes.systems if c.status != "unchanged"]
    if not rows and not changes.missing and not changes.renamed:
        return None
    table = Table(title="Change set", title_justify="left")
    for heading in ("System", "Status", "What changes"):
        table.add_column(heading, overflow="fold")
    if changes.renamed:
        old, new = changes.renamed
        table.add_row(f"Department {changes.department}", "renamed", f"name: {old} -> {new}")
    for change in rows:
        detail = [f"{f.field}: {_said(f.old)} -> {_said(f.new)}" for f in change.fields[:8]]
        if len(change.fields) > 8:
            detail.append(f"... and {len(change.fields) - 8} more fields")
        for kind, counts in change.related.items():
            detail.append(f"{kind}: +{counts['added']} -{counts['removed']}")
        table.add_row(f"{change.reference} {change.name}", change.status, "\n".join(detail))
    for reference, name in changes.missing:
        table.add_row(
            f"{reference} {name}", "[yellow]missing[/]", "listed before, not in this return"
        )
    return table


def _run(
    files: tuple[Path, ...],
    options: ImportOptions,
    report: Path | None,
    as_json: bool,
    quiet: bool = False,
) -> None:
    show_progress = err.is_terminal and not (quiet or as_json)
    results = [_import_one(path, options, show_progress) for path in files]
    if report is not None:
        write_report(
            report, [r.as_dict() for r in results], [p for r in results for p in r.problems]
        )
    if as_json:
        print_json([r.as_dict() for r in results])
    else:
        for result in results:
            if result.problems:
                out.print(_problem_table(result.problems))
            table = _changes_table(result) if options.dry_run else None
            if table is not None:
                out.print(table)
            out.print(_summary_line(result, options.dry_run))
    failed = [r for r in results if r.errors and not options.skip_invalid]
    if failed:
        raise click.exceptions.Exit(1)


def _import_one(path: Path, options: ImportOptions, show_progress: bool) -> ImportResult:
    """Import one file into the current command's database, with a progress bar on a terminal."""
    ctx = click.get_current_context()
    with open_engine(ctx) as engine, progress_bar(path.name, show_progress) as progress:
        return import_return(engine, path, options, progress)


@cli.command("import")
@_FILES
@_import_options
@click.option(
    "--dry-run", is_flag=True, help="Show what would change, field by field; write nothing."
)
@click.option("--skip-invalid", is_flag=True, help="Store the valid rows and report the rest.")
@click.option("--replace", is_flag=True, help="Delete systems the return no longer lists.")
def import_(
    files: tuple[Path, ...],
    department: str | None,
    mapping: Path | None,
    report: Path | None,
    as_json: bool,
    quiet: bool,
    dry_run: bool,
    skip_invalid: bool,
    replace: bool,
) -> None:
    """Import departmental returns (.xlsx, .xlsm, .csv), each all-or-nothing."""
    options = ImportOptions(
        department=department,
        mapping=load_user_mapping(mapping) if mapping else {},
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        replace=replace,
    )
    _run(files, options, report, as_json, quiet)


@cli.command()
@_FILES
@_import_options
def validate(
    files: tuple[Path, ...],
    department: str | None,
    mapping: Path | None,
    report: Path | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Check returns and show exactly what importing them would change; write nothing."""
    options = ImportOptions(
        department=department, mapping=load_user_mapping(mapping) if mapping else {}, dry_run=True
    )
    _run(files, options, report, as_json, quiet)


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
        err.print(f"Blank return written to {out_file}.")
        return
    with open_engine(ctx) as engine, engine.connect() as connection:
        cover, records = department_records(connection, department)
    write_return(out_file, cover=cover, records=records)
    systems = counted(len(records[RecordKind.SYSTEMS]), "system")
    err.print(f"Return for {cover['Department code']} pre-filled with {systems}: {out_file}.")
