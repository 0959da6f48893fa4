"""How the commands print, fast and unchanged. Long tables piped to a file are laid out without
rich's general machinery, exactly as rich lays them out: compared byte for byte with rich at
several widths, on the commands' own tables and on cells that wrap, fold, repeat or stay empty.
JSON is indented by msgspec's formatter, exactly as the standard library indents it."""

from __future__ import annotations

import datetime as dt
import io
import json
from enum import StrEnum
from pathlib import Path

import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text

from estate import db
from estate.cli.board_commands import _contract_table
from estate.cli.console import print_json
from estate.cli.plain_table import print_plain_table
from estate.cli.scoring_commands import _rank_table
from estate.jsonable import jsonable
from estate.ranking.contracts import ending_contracts, ranked, stored_terms
from estate.ranking.snapshot import load_snapshot
from tests.conftest import Run

AS_OF = dt.date(2026, 11, 1)
WIDTHS = (80, 120, 52, 200)


def _piped(width: int) -> Console:
    return Console(file=io.StringIO(), width=width, color_system=None, highlight=False)


def _both(table: Table, width: int) -> tuple[bool, str, str]:
    """Whether the plain layout took the table, what it printed, and what rich prints."""
    plain, rich = _piped(width), _piped(width)
    taken = print_plain_table(plain, table)
    rich.print(table)
    return taken, plain.file.getvalue(), rich.file.getvalue()  # type: ignore[attr-defined]


def _odd_table() -> Table:
    table = Table(title="A title long enough to wrap at the narrowest width, with [dim]markup[/]")
    table.title_justify = "left"
    table.add_column("#", justify="right")
    table.add_column("Name", overflow="fold")
    table.add_column("Notes", overflow="fold")
    rows = [
        ("1", "Alpha\n[dim]first[/]", "A very-long-unbreakable-word-that-must-fold-over-lines"),
        ("22", "", "[1] a bracket that is not markup, and £1.2m"),
        ("333", "Gamma  with  spaces   ", "x " * 40),
        ("4", "Delta", "short"),
    ]
    for index, row in enumerate(rows):
        table.add_row(*row, end_section=index == 1)
    table.add_row("5", "Alpha\n[dim]first[/]", "short")  # a repeated cell
    return table


@pytest.mark.parametrize("width", WIDTHS)
def test_a_piped_table_is_laid_out_as_rich_lays_it_out(width: int) -> None:
    taken, plain, rich = _both(_odd_table(), width)
    assert taken
    assert plain == rich


@pytest.mark.parametrize("width", (80, 120, 200))
def test_the_commands_long_tables_are_laid_out_as_rich_lays_them_out(
    run: Run, demo_db: Path, width: int
) -> None:
    assert run("--db", demo_db, "rank", "--top", "1", "--as-of", AS_OF.isoformat()).exit_code == 0
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            kept = load_snapshot(connection)
            assert kept is not None
            terms = stored_terms(connection, [ranked(row) for row in kept.rows])
    finally:
        engine.dispose()
    contracts = ending_contracts(terms, AS_OF)
    assert len(contracts) > 10
    for table in (_contract_table(contracts, "Contracts"), _rank_table(kept.rows, "Ranking")):
        taken, plain, rich = _both(table, width)
        assert taken
        assert plain == rich


@pytest.mark.parametrize(
    "cell",
    [
        "an emoji code :thumbs_up: rich would draw",
        "an escaped \\[dim] tag",
        "a tab\tinside",
        "wide 漢字 characters",
    ],
)
def test_cells_rich_reads_otherwise_are_left_to_rich(cell: str) -> None:
    table = _odd_table()
    table.add_row("6", cell, "")
    plain = _piped(80)
    assert not print_plain_table(plain, table)
    assert plain.file.getvalue() == ""  # type: ignore[attr-defined]


def test_a_cell_that_is_not_markup_is_left_to_rich() -> None:
    table = _odd_table()
    table.add_row("6", Text("no wrap", no_wrap=True), "")
    assert not print_plain_table(_piped(80), table)


def test_a_terminal_is_left_to_rich() -> None:
    screen = Console(file=io.StringIO(), force_terminal=True, color_system=None, width=80)
    assert not print_plain_table(screen, _odd_table())


def test_piped_contracts_print_every_contract_in_rich_layout(run: Run, demo_db: Path) -> None:
    dated = ("--as-of", AS_OF.isoformat())
    listed = run("--db", demo_db, "contracts", "--csv", *dated).stdout.splitlines()[1:]
    piped = run("--db", demo_db, "contracts", *dated)
    assert piped.exit_code == 0, piped.output
    assert piped.stdout.startswith(f"{len(listed)} support contracts ended or ending within 24")
    assert "┡━" in piped.stdout and piped.stdout.count("\n└") == 2  # contracts, then suppliers
    assert "Showing the first" not in piped.stderr


class Colour(StrEnum):
    RED = "Red-rated"


@pytest.mark.parametrize(
    "data",
    [
        {"as_of": dt.date(2026, 11, 1), "band": Colour.RED, "systems": [], "figures": {}},
        [1, 2.5e-07, 1e16, -0.0, 'é £ \u2028 " \\ \n', None, True, {"deep": [[{}], []]}],
        {"not a number": float("nan"), "infinite": [float("inf")]},
        "text",
        [],
    ],
)
def test_json_is_printed_as_the_standard_library_indents_it(
    data: object, capsys: pytest.CaptureFixture[str]
) -> None:
    print_json(data)
    expected = json.dumps(data, indent=2, ensure_ascii=False, default=jsonable)
    assert capsys.readouterr().out == expected + "\n"
