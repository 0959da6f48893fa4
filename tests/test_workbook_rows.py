"""The board workbook's row heights and scope figures, worked out once where a large estate would
repeat them: each distinct wrapped text's line count once per column, the selection's cost
figures once for the scope and the sheets."""

from __future__ import annotations

import datetime as dt
import gc
import weakref
from pathlib import Path
from typing import Any

import pytest
from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

import estate.exports.workbook as workbook
from estate import db
from estate.costs import cost_figures
from estate.exports import export_ranking
from estate.exports.workbook import WrappedLines
from estate.ranking import select_systems
from estate.ranking.scope import scope
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from estate.scoring.results import Band

TEXTS = (
    "",
    None,
    "Retain and modernise in place",
    "Out-of-support component: Microsoft Windows Server 2008 R2 SP1 (ended 14/01/2020); "
    "no named risk owner; internet-facing without a penetration test in the last year",
    "L1 support ended\nL6 two open critical vulnerabilities\n83 dependents",
    "a\n\nb",
)


@pytest.mark.parametrize("width", [11, 36, 56, 70])
def test_wrapped_lines_are_the_lines_each_text_takes(width: int) -> None:
    lines_of = WrappedLines(width)
    for text in TEXTS:
        expected = workbook._lines(text, width) if text else 1
        assert lines_of(text) == expected, (width, text)


def test_each_distinct_text_is_worked_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    worked: list[tuple[str, int]] = []
    lines = workbook._lines

    def counted(text: str, width: int) -> int:
        worked.append((text, width))
        return lines(text, width)

    monkeypatch.setattr(workbook, "_lines", counted)
    evidence, advice = WrappedLines(56), WrappedLines(24)
    long = TEXTS[3]
    assert [evidence(long) for _ in range(1000)] == [lines(long, 56)] * 1000
    assert evidence("short") == 1
    assert advice(long) == lines(long, 24)  # another column's width: worked out again
    assert advice("") == advice(None) == 1  # nothing to wrap: one line, nothing worked out
    assert worked == [(long, 56), ("short", 56), (long, 24)]


def test_the_scope_reads_the_cost_figures_given_as_it_works_them_out(demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=dt.date(2026, 11, 1)))
    engine.dispose()
    for selection in (
        scores.systems,
        select_systems(scores.systems, bands=[Band.RED]),
        select_systems(scores.systems, top=5),
    ):
        given = scope(scores.systems, selection, "covers", cost_figures(selection))
        assert given == scope(scores.systems, selection, "covers")
        assert given["selection"]["annual_run_cost"] > 0


def test_a_workbook_export_leaves_its_writer_to_the_collector(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The workbook is written with the collector paused; its writer, garbage in reference
    cycles once the file is saved, must not be frozen out of the collector's sight, or each
    export from the terminal UI would keep every sheet's rows for good."""
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=dt.date(2026, 11, 1)))
    engine.dispose()
    sheets: list[weakref.ref[Worksheet]] = []
    add_worksheet = Workbook.add_worksheet

    def kept(book: Workbook, *args: Any, **kwargs: Any) -> Worksheet:
        sheet = add_worksheet(book, *args, **kwargs)
        sheets.append(weakref.ref(sheet))
        return sheet

    monkeypatch.setattr(Workbook, "add_worksheet", kept)
    export_ranking(scores, tmp_path / "board.xlsx")
    gc.collect()
    assert len(sheets) > 10
    assert [ref for ref in sheets if ref() is not None] == []
