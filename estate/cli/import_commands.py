"""Commands for departmental returns: import, validate (a dry run) and template."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from estate.cli.base import cli, err, open_engine, out, print_json, progress_bar
from estate.words import counted
from importers import ImportOptions, ImportResult, import_return, load_user_mapping
from importers.changes import describe_change
from importers.layout import RecordKind
from importers.prefill import department_records
from importers.problems import Problem, Severity, group_problems
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


EXAMPLES = 3
"""Problems of each kind the terminal shows with their cells; the rest are counted."""
CHANGES_SHOWN = 50
"""Systems of each status a dry run's change set shows on the terminal; the rest are counted."""


def _problem_summary(problems: list[Problem]) -> Table:
    """The problems grouped by kind: how many of each, and the first few with their cells."""
    groups = group_problems(problems, EXAMPLES)
    title = f"{counted(len(problems), 'problem')} of {counted(len(groups), 'kind')}"
    table = Table(title=title, title_justify="left")
    for heading in ("", "Sheet", "Count", "Problem", "First cells"):
        table.add_column(
            heading, overflow="fold", justify="right" if heading == "Count" else "left"
        )
    for group in groups:
        first = group.examples[0]
        mark = "[red]error[/]" if group.severity is Severity.ERROR else "[yellow]warning[/]"
        problem = Text(group.message)
        if first.expected:
            problem.append(f"\nexpected {first.expected}", style="dim")
        cells = [f"{p.cell} {p.value!r}" if p.value is not None else p.cell for p in group.examples]
        if group.count > len(group.examples):
            cells.append(f"and {group.count - len(group.examples):,} more")
        table.add_row(mark, group.sheet or "", f"{group.count:,}", problem, "\n".join(cells))
    return table


def _missing_words(result: ImportResult, count: int) -> str:
    action = result.missing_action
    if action == "flagged":
        return f"{count} missing from this return (kept, flagged; --replace deletes them)"
    return f"{count} {action} (not in this return)"


def _summary_line(result: ImportResult, dry_run: bool) -> str:
    assert result.changes is not None
    s = result.changes.summary()
    counts = (
        f"{s['new']} new, {s['changed']} changed, {s['unchanged']} unchanged, "
        f"{s['rejected']} rejected, {_missing_words(result, s['missing'])}"
    )
    if dry_run:
        verdict = "dry run: nothing written"
    elif result.stored:
        verdict = f"stored as import {result.batch_id}"
    else:
        verdict = "NOT stored: fix the errors, or use --skip-invalid to store the valid rows"
    return f"{result.file.name} ({result.department}): {counts}; {verdict}."


def _deleted_line(result: ImportResult) -> str | None:
    """Which systems an import with --replace deleted (the first few; all in --json)."""
    changes = result.changes
    if changes is None or not changes.missing or result.missing_action != "deleted":
        return None
    named = [f"{reference} {name}" for reference, name in changes.missing[:CHANGES_SHOWN]]
    more = len(changes.missing) - len(named)
    listed = "; ".join(named) + (f"; and {more:,} more (all in --json)" if more else "")
    return f"Deleted {counted(len(changes.missing), 'system')} not in this return: {listed}."


_MISSING_SHOWN = {
    "flagged": ("[yellow]missing[/]", "listed before, not in this return: kept and flagged"),
    "will be deleted": ("[red]will be deleted[/]", "listed before, not in this return"),
    "deleted": ("[red]deleted[/]", "listed before, not in this return"),
}


def _changes_table(result: ImportResult) -> Table | None:
    """The change set in the return's own words: new, changed with their fields, and what
    happens to the systems it no longer lists; the first few of each on a long return."""
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
    shown: dict[str, int] = {}
    for change in rows:
        shown[change.status] = shown.get(change.status, 0) + 1
        if shown[change.status] > CHANGES_SHOWN:
            continue
        detail = describe_change(change)
        if len(detail) > 8:
            detail = [*detail[:8], f"... and {len(detail) - 8} more"]
        table.add_row(f"{change.reference} {change.name}", change.status, "\n".join(detail))
    for status, count in shown.items():
        if count > CHANGES_SHOWN:
            table.add_row(f"and {count - CHANGES_SHOWN:,} more", status, "all in --json")
    status, why = _MISSING_SHOWN[result.missing_action]
    for reference, name in changes.missing[:CHANGES_SHOWN]:
        table.add_row(f"{reference} {name}", status, why)
    if len(changes.missing) > CHANGES_SHOWN:
        more = len(changes.missing) - CHANGES_SHOWN
        table.add_row(f"and {more:,} more", status, "all in --json")
    return table


def _print_result(result: ImportResult, dry_run: bool, report: Path | None) -> None:
    """A result as a person reads it: problems by kind, the change set of a dry run, and what
    was (or would be) done."""
    if result.problems:
        out.print(_problem_summary(result.problems))
        where = f"in {report}" if report is not None else "with --report FILE (.xlsx or .json)"
        out.print(f"Every problem, one per line: {where}, or --json.")
    table = _changes_table(result) if dry_run else None
    if table is not None:
        out.print(table)
    out.print(_summary_line(result, dry_run))
    deleted = _deleted_line(result)
    if deleted is not None:
        out.print(deleted)


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
            _print_result(result, options.dry_run, report)
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
