"""How the commands print: the two consoles (data on stdout, diagnostics on stderr), JSON,
long tables and progress bars.

Commands reach the consoles through this module (`console.out`, `console.err`) when they print,
so a test can redirect them in one place."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import click
import msgspec
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from estate.cli.plain_table import print_plain_table
from estate.jsonable import jsonable
from estate.progress import Progress as ProgressCallback

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

TERMINAL_ROWS = 100
"""Rows a table shows on a terminal unless asked for more."""

T = TypeVar("T")


def print_json(data: Any) -> None:
    """Print `data` as indented JSON, dates and enumerations as the estate writes them, so
    every command's --json output reads the same.

    The standard library's C encoder writes it compactly and msgspec's formatter indents it:
    exactly what `json.dumps(..., indent=2)` gives, several times faster than its indenting
    encoder, which is written in Python (tens of thousands of contracts take a quarter of a
    second). A value JSON has no word for (NaN) is left to the standard library."""
    compact = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=jsonable)
    try:
        text: str = msgspec.json.format(compact, indent=2)
    except msgspec.DecodeError:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=jsonable)
    click.echo(text)


def print_rows(rows: list[T], table: Callable[[list[T]], Table], more: str) -> None:
    """Print the table of `rows`; on a terminal only the first TERMINAL_ROWS, then say on stderr
    how many there are and how to see the rest (`more`): tens of thousands of rows take minutes
    to draw and nobody reads them on a screen. Piped output gets every row, laid out as rich
    lays it out but much faster (`print_plain_table`)."""
    shown = rows if not out.is_terminal else rows[:TERMINAL_ROWS]
    drawn = table(shown)
    if not print_plain_table(out, drawn):
        out.print(drawn)
    if len(shown) < len(rows):
        err.print(f"Showing the first {len(shown)} of {len(rows):,}: {more}.")


@contextmanager
def progress_bar(label: str, show: bool) -> Iterator[ProgressCallback | None]:
    """A transient progress bar on stderr, as the callback a long job reports to; None (no
    bar) when `show` is false, e.g. off a terminal or with --quiet."""
    if not show:
        yield None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task(label, total=None)

        def report(stage: str, done: int, total: int) -> None:
            # A total of 1 marks a step with no count of its own: the bar pulses instead.
            bar.update(task, description=stage, completed=done, total=total if total > 1 else None)

        yield report
