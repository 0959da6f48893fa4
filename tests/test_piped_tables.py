"""Tables piped at 80 columns keep every key, date and figure whole: `contracts`, `rank` and
`changes` run through the installed `estate` command, as a user pipes them to a file, with the
text beside them wrapping instead; and a column kept whole is laid out as rich lays it out."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table

from estate.cli.plain_table import print_plain_table
from estate.render.whole_columns import keep_whole

AS_OF = ("--as-of", "2026-11-01")
ESTATE = Path(sys.executable).with_name("estate")
"""The console script pip installed: the real entry point."""


def _estate(db_path: Path, *args: str) -> str:
    """Run the installed command at 80 columns, its output piped; its standard output."""
    environment = {**os.environ, "COLUMNS": "80", "LINES": "24"}
    environment.pop("FORCE_COLOR", None)
    result = subprocess.run(
        [str(ESTATE), "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _whole(text: str, words: set[str]) -> list[str]:
    """The words that are not printed whole on one line."""
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines), "80 columns"
    return sorted(w for w in words if not any(w in line for line in lines))


def _shown(day: str) -> str:
    return dt.date.fromisoformat(day).strftime("%d/%m/%Y")


def test_contracts_keep_keys_dates_and_money_whole_at_80_columns(demo_db: Path) -> None:
    found = json.loads(_estate(demo_db, "contracts", *AS_OF, "--json"))["contracts"]
    assert len(found) > 20
    text = _estate(demo_db, "contracts", *AS_OF)
    assert not _whole(text, {c["key"] for c in found})
    assert not _whole(text, {_shown(c["contract_end"]) for c in found})
    assert not _whole(text, {c["legacy_band"] for c in found if c["legacy_band"]})
    long_reason = max((c["disposition_reason"] for c in found), key=len)
    assert long_reason.split()[-1] in text, "the words beside them wrap, whole"


def test_rank_keeps_ranks_keys_and_priorities_whole_at_80_columns(demo_db: Path) -> None:
    systems = json.loads(_estate(demo_db, "rank", *AS_OF, "--json"))["systems"]
    text = _estate(demo_db, "rank", *AS_OF)
    assert not _whole(text, {s["key"] for s in systems})
    rows = [
        [cell.strip() for cell in line.strip("│").split("│")]
        for line in text.splitlines()
        if line.startswith("│")
    ]
    first = [cells for cells in rows if cells[0]]  # a system's first line
    assert len(first) == len(systems), "every system"
    for cells, system in zip(first, systems, strict=True):
        assert cells[0] == str(system["rank"]) and cells[1] == system["key"]
        assert cells[2] == f"{system['priority']:.1f}"


def test_changes_keep_keys_whole_at_80_columns(demo_db: Path) -> None:
    lines = json.loads(_estate(demo_db, "changes", "--json"))["lines"]
    assert len(lines) > 20 and any(line["systems"] > 3 for line in lines)
    text = _estate(demo_db, "changes")
    # A line one cause gives many systems names its first three, then how many more.
    assert not _whole(text, {key for line in lines for key in line["keys"][:3]})


def _table(kept: bool) -> Table:
    table = Table(title="Keys kept whole, the words beside them wrapped", title_justify="left")
    table.add_column("Ends", overflow="fold")
    table.add_column("System", overflow="fold")
    table.add_column("Run cost", justify="right", overflow="fold")
    table.add_column("Why", overflow="fold")
    rows = [
        ("15/08/2023\n[dim]Already ended[/]", "RCA/RCA-00011\n[dim]Inspection Index[/]", "£591k"),
        ("02/12/2026\n[dim]Within 6 months[/]", "MOJ/MOJ-00072\n[dim]A name[/]", "not known"),
    ]
    for ends, key, cost in rows:
        table.add_row(ends, key, cost, "out of support: upgrade the platform as it stands " * 2)
    if kept:
        keep_whole(table, 0, ("15/08/2023", "02/12/2026"))
        keep_whole(table, 1, ("RCA/RCA-00011", "MOJ/MOJ-00072"))
        keep_whole(table, 2, ("£591k", "not known"))
    return table


@pytest.mark.parametrize("width", (40, 50, 60, 80, 120))
def test_a_column_kept_whole_is_laid_out_as_rich_lays_it_out(width: int) -> None:
    plain, rich = (
        Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
        for _ in range(2)
    )
    taken = print_plain_table(plain, _table(kept=True))
    if not taken:  # a width too narrow to lay out alike is left to rich
        plain.print(_table(kept=True))
    assert taken or width < 60
    rich.print(_table(kept=True))
    printed = plain.file.getvalue()  # type: ignore[attr-defined]
    assert printed == rich.file.getvalue()  # type: ignore[attr-defined]
    if width >= 60:
        assert "RCA/RCA-00011" in printed and "15/08/2023" in printed and "not known" in printed
    loose = Console(file=io.StringIO(), width=50, color_system=None, highlight=False)
    loose.print(_table(kept=False))
    assert "RCA/RCA-00011" not in loose.file.getvalue(), "what keeping whole prevents"  # type: ignore[attr-defined]
