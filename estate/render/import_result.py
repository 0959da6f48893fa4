"""Rich renderings of an import's result, shared by the command line and the TUI's import
dialog: the problems grouped by kind, the change set in the return's own words, and the verdict.
Kept apart from `estate.render` so that screens showing scores never load the importer."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from estate.words import counted
from importers import ImportResult
from importers.changes import describe_change
from importers.layout import RecordKind
from importers.problems import Problem, Severity, group_problems

EXAMPLES = 3
"""Problems of each kind shown with their cells; the rest are counted."""
CHANGES_SHOWN = 50
"""Systems of each status a change set shows; the rest are counted (all are in `--json`)."""


def problem_summary(problems: list[Problem]) -> Table:
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
        table.add_row(
            mark, Text(group.sheet or ""), f"{group.count:,}", problem, Text("\n".join(cells))
        )
    return table


def _missing_words(result: ImportResult, count: int) -> str:
    action = result.missing_action
    if count == 0:
        return "0 missing from this return"
    if action == "flagged":
        return f"{count} missing from this return (kept and flagged)"
    return f"{count} {action} (not in this return)"


def import_summary(result: ImportResult, dry_run: bool) -> str:
    """One line: what the import found and did, or for a dry run would do."""
    assert result.changes is not None
    s = result.changes.summary()
    counts = (
        f"{s['new']} new, {s['changed']} changed, {s['unchanged']} unchanged, "
        f"{s['rejected']} rejected, {_missing_words(result, s['missing'])}"
    )
    if RecordKind.SYSTEMS not in result.sheets and RecordKind.DEPENDENCIES in result.records:
        # A relationship export alone: its systems' counts would all be 0.
        read, rejected = result.records[RecordKind.DEPENDENCIES]
        counts = f"{counted(read, 'dependency', 'dependencies')} read, {rejected} rejected"
    if dry_run:
        verdict = f"dry run for {result.period}: nothing written"
    elif result.stored:
        verdict = f"stored as import {result.batch_id} for {result.period}"
    else:
        verdict = "NOT stored: fix the errors, or use --skip-invalid to store the valid rows"
    return f"{result.file.name} ({result.department}): {counts}; {verdict}."


def deleted_line(result: ImportResult) -> str | None:
    """Which systems an import that replaces deleted: the first few (all in `--json`)."""
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


def change_table(result: ImportResult) -> Table | None:
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
        table.add_row(
            Text(f"Department {changes.department}"), "renamed", Text(f"name: {old} -> {new}")
        )
    shown: dict[str, int] = {}
    for change in rows:
        shown[change.status] = shown.get(change.status, 0) + 1
        if shown[change.status] > CHANGES_SHOWN:
            continue
        detail = describe_change(change)
        if len(detail) > 8:
            detail = [*detail[:8], f"... and {len(detail) - 8} more"]
        table.add_row(
            Text(f"{change.reference} {change.name}"), change.status, Text("\n".join(detail))
        )
    for status, count in shown.items():
        if count > CHANGES_SHOWN:
            table.add_row(f"and {count - CHANGES_SHOWN:,} more", status, "all in --json")
    status, why = _MISSING_SHOWN[result.missing_action]
    for reference, name in changes.missing[:CHANGES_SHOWN]:
        table.add_row(Text(f"{reference} {name}"), status, why)
    if len(changes.missing) > CHANGES_SHOWN:
        more = len(changes.missing) - CHANGES_SHOWN
        table.add_row(f"and {more:,} more", status, "all in --json")
    return table
