"""Commands for departmental returns: import, and validate (a dry run)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import click

from estate import keys
from estate.cli import console
from estate.cli.base import cli, period_value
from estate.cli.console import print_json, progress_bar
from estate.cli.database import open_engine
from estate.errors import InputError
from estate.render.import_result import change_table, deleted_line, import_summary, problem_summary
from importers import ImportOptions, ImportResult, UserMapping, import_return, load_user_mapping
from importers.mapping_file import write_unread_mapping
from importers.problems import Problem, RefusedReturn, Severity
from importers.profiles import profile_phrase
from importers.report import write_report

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
                "--period",
                help="The reporting period the return is for (2026-Q3); default: the return's "
                "own, else the quarter of today's date.",
            ),
            click.option(
                "--allow-period",
                is_flag=True,
                help="Take a period outside eight quarters back to four ahead all the same.",
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


def _department(text: str | None) -> str | None:
    """`--department` read as every department code is (`' dbp '` is `DBP`), or a usage
    error saying why it cannot be one."""
    if text is None:
        return None
    try:
        return keys.department_code(text, "the code")
    except keys.KeyRefused as exc:
        raise click.BadParameter(str(exc), param_hint="'--department'") from None


def _print_result(result: ImportResult, dry_run: bool, report: Path | None) -> None:
    """A result as a person reads it: problems by kind, the change set of a dry run, and what
    was (or would be) done."""
    if result.problems:
        console.out.print(problem_summary(result.problems))
        where = f"in {report}" if report is not None else "with --report FILE (.xlsx or .json)"
        console.out.print(f"Every problem, one per line: {where}, or --json.")
    table = change_table(result) if dry_run else None
    if table is not None:
        console.out.print(table)
    for sheet, profile in result.profiles.items():
        console.out.print(f"Sheet {sheet!r} read as: {profile}.", markup=False)
    console.out.print(import_summary(result, dry_run), markup=False)
    deleted = deleted_line(result)
    if deleted is not None:
        console.out.print(deleted, markup=False)


def _run(
    files: tuple[Path, ...],
    options: ImportOptions,
    report: Path | None,
    as_json: bool,
    quiet: bool = False,
    write_mapping: Path | None = None,
) -> None:
    show_progress = console.err.is_terminal and not (quiet or as_json)
    results: list[ImportResult] = []
    refused: tuple[Path, InputError] | None = None
    try:
        for path in files:
            try:
                results.append(_import_one(path, options, show_progress))
            except InputError as exc:
                refused = (path, exc)
                break
    except Exception:
        if results:  # the files before the one that failed were imported: say what they did
            _show_results(results, options, report, as_json)
        raise
    if write_mapping is not None:
        if refused is not None:
            path, error = refused
            profiles = error.profiles if isinstance(error, RefusedReturn) else {}
            profile = profile_phrase(profiles)
            write_unread_mapping(write_mapping, path, str(error), profile)
        else:
            results[0].write_mapping(write_mapping)
        named = (refused[0] if refused else results[0].file).name
        console.err.print(f"Mapping of {named}'s headers written to {write_mapping}.")
    _show_results(results, options, report, as_json, refused)
    if refused is not None:
        _refused(files, results, refused, as_json, options.dry_run)
    failed = [r for r in results if r.errors and not options.skip_invalid]
    if failed:
        raise click.exceptions.Exit(1)


def _refused(
    files: tuple[Path, ...],
    results: list[ImportResult],
    refused: tuple[Path, InputError],
    as_json: bool,
    dry_run: bool,
) -> None:
    """Say that a file was refused (the JSON summary already has) and which were not tried:
    not checked by `validate`, not imported by `import`."""
    path, error = refused
    rest = files[len(results) + 1 :]
    if rest:
        names = ", ".join(p.name for p in rest)
        verb = "Not checked" if dry_run else "Not imported"
        console.err.print(f"{verb}, as {path.name} was refused: {names}.")
    if as_json:
        raise click.exceptions.Exit(1)
    raise error


def _refusal(path: Path, error: InputError) -> dict[str, Any]:
    """A refused file as the JSON summary gives it: nothing stored, and why, as a problem."""
    return {
        "file": str(path),
        "department": None,
        "stored": False,
        "batch_id": None,
        "period": None,
        "profiles": dict(error.profiles) if isinstance(error, RefusedReturn) else {},
        "summary": None,
        "systems": [],
        "department_renamed": None,
        "missing": [],
        "refused": str(error),
        "problems": [
            {
                "severity": "error",
                "file": path.name,
                "message": str(error),
                "sheet": None,
                "row": None,
                "column": None,
                "value": None,
                "expected": None,
            }
        ],
    }


def _show_results(
    results: list[ImportResult],
    options: ImportOptions,
    report: Path | None,
    as_json: bool,
    refused: tuple[Path, InputError] | None = None,
) -> None:
    """What each file's import found and did: printed, as json, and in the --report file; a
    refused file is in the JSON summary too, so `--json` always prints."""

    @cache
    def summaries() -> list[dict[str, Any]]:
        found = [r.as_dict() for r in results]
        return found + ([_refusal(*refused)] if refused is not None else [])

    if report is not None:
        problems = [p for r in results for p in r.problems]
        if refused is not None:
            problems.append(Problem(Severity.ERROR, refused[0].name, str(refused[1])))
        write_report(report, problems, summaries)
    if as_json:
        print_json(summaries())
    else:
        for result in results:
            _print_result(result, options.dry_run, report)


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
    period: str | None,
    mapping: Path | None,
    report: Path | None,
    as_json: bool,
    quiet: bool,
    dry_run: bool,
    skip_invalid: bool,
    replace: bool,
    allow_period: bool,
) -> None:
    """Import departmental returns (.xlsx, .xlsm, .csv), each all-or-nothing."""
    options = ImportOptions(
        department=_department(department),
        allow_period=allow_period,
        mapping=load_user_mapping(mapping) if mapping else UserMapping(),
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        replace=replace,
        period=period_value(period),
    )
    _run(files, options, report, as_json, quiet)


def _list_profiles(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """Print the tool exports the importer recognises, and stop."""
    if not value or ctx.resilient_parsing:
        return
    from importers.profiles import describe_profiles

    for line in describe_profiles():
        console.out.print(line, markup=False)
    ctx.exit()


@cli.command()
@_FILES
@_import_options
@click.option(
    "--profiles",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_list_profiles,
    help="List the tool exports recognised without a mapping (ServiceNow, Konveyor, ...).",
)
@click.option(
    "--write-mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a TOML mapping of the file's headers (what each was read as, and guesses for "
    "the rest) to edit and pass with --mapping next time; written even for a file that could "
    "not be read.",
)
def validate(
    files: tuple[Path, ...],
    department: str | None,
    period: str | None,
    mapping: Path | None,
    report: Path | None,
    as_json: bool,
    quiet: bool,
    write_mapping: Path | None,
    allow_period: bool,
) -> None:
    """Check returns and show exactly what importing them would change; write nothing
    (but the --report and --write-mapping files)."""
    if write_mapping is not None and len(files) > 1:
        raise click.BadParameter("give one FILE with --write-mapping", param_hint="FILES")
    options = ImportOptions(
        department=_department(department),
        allow_period=allow_period,
        mapping=load_user_mapping(mapping) if mapping else UserMapping(),
        dry_run=True,
        period=period_value(period),
    )
    _run(files, options, report, as_json, quiet, write_mapping)
