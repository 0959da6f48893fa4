"""Reporting periods: how a return's cover sheet names its quarter, and how it is read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook

from estate.periods import period_end, quarter_of, shift
from importers.cover_period import read_period
from importers.parse import parse_return
from importers.problems import CellError
from importers.template import write_return
from tests.conftest import Run
from tests.returns import small_return

_COVER = {"Department code": "DBP", "Department name": "Department for Benefits and Pensions"}


@pytest.mark.parametrize(
    ("written", "period"),
    [
        ("2026-Q3", "2026-Q3"),
        ("2026 Q3", "2026-Q3"),
        ("2026q3", "2026-Q3"),
        ("Q3 2026", "2026-Q3"),
        ("q3-2026", "2026-Q3"),
        ("Q4/2025", "2025-Q4"),
        ("Jul-Sep 2026", "2026-Q3"),
        ("July to September 2026", "2026-Q3"),
        ("Jan \u2013 Mar 2027", "2027-Q1"),
        ("Oct-Dec 2025", "2025-Q4"),
        ("  2026-Q1  ", "2026-Q1"),
        (None, None),
        ("", None),
    ],
)
def test_a_quarter_is_read_however_it_is_written(written: str | None, period: str | None) -> None:
    assert read_period(written) == period


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("Q5 2026", "a year has Q1 to Q4"),
        ("Aug-Oct 2026", "not a calendar quarter"),
        ("Q2 2026/27", "financial-year quarter; write the calendar quarter it means, 2026-Q3"),
        ("2026-27 Q4", "the calendar quarter it means, 2027-Q1"),
        ("Q3 26", "not a quarter; write it as 2026-Q3"),
        ("last quarter", "not a quarter"),
        ("1850-Q1", "from 1900 to 2100"),
    ],
)
def test_what_is_not_a_quarter_is_refused_saying_what_to_write(written: str, said: str) -> None:
    with pytest.raises(CellError, match=said):
        read_period(written)


def test_quarters_step_across_years_and_end_on_the_quarter_s_last_day() -> None:
    assert quarter_of(dt.date(2026, 9, 30)) == "2026-Q3"
    assert quarter_of(dt.date(2026, 10, 1)) == "2026-Q4"
    assert shift("2026-Q4", 1) == "2027-Q1"
    assert shift("2026-Q1", -1) == "2025-Q4"
    assert shift("2026-Q2", -9) == "2024-Q1"
    assert [period_end(f"2026-Q{q}") for q in (1, 2, 3, 4)] == [
        dt.date(2026, 3, 31),
        dt.date(2026, 6, 30),
        dt.date(2026, 9, 30),
        dt.date(2026, 12, 31),
    ]


def test_the_cover_sheet_offers_the_quarters_around_today(tmp_path: Path) -> None:
    path = tmp_path / "blank.xlsx"
    write_return(path)
    cover = load_workbook(path)["Return"]
    row = next(r for r in range(1, 20) if cover.cell(r, 1).value == "Reporting period")
    (check,) = [v for v in cover.data_validations.dataValidation if f"B{row}" in v.sqref]
    offered = check.formula1.strip('"').split(",")
    current = quarter_of(dt.date.today())
    assert current in offered and shift(current, -8) == offered[0] and len(offered) == 13
    assert check.errorStyle == "warning"  # another quarter may still be typed
    assert "2026-Q3" in check.prompt and "Jul-Sep 2026" in check.prompt


def test_the_return_s_period_is_read_from_its_cover_sheet(tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_return(path, cover={**_COVER, "Reporting period": "Q2 2026"})
    assert parse_return(path).period == "2026-Q2"
    write_return(path, cover=_COVER)
    assert parse_return(path).period is None  # left blank: the import decides
    write_return(path, cover={**_COVER, "Reporting period": "TBC"})
    assert parse_return(path).period is None


def test_a_period_that_is_not_a_quarter_refuses_the_file_naming_its_cell(
    tmp_path: Path, run: Run
) -> None:
    path = small_return(tmp_path / "dbp.xlsx")
    book = load_workbook(path)
    cover = book["Return"]
    row = next(r for r in range(1, 20) if cover.cell(r, 1).value == "Reporting period")
    cover.cell(row, 2).value = "Q5 2026"
    book.save(path)
    db = tmp_path / "estate.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", path)
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"dbp.xlsx: sheet 'Return', cell B{row} (Reporting period): 'Q5 2026'" in message
    assert "write it as 2026-Q3, Q3 2026, 2026 Q3 or Jul-Sep 2026" in message
    assert run("--db", db, "systems", "--json").stdout.strip() == "[]"


def test_a_prefilled_return_carries_the_current_period_and_re_imports_unchanged(
    demo_db: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "dbp.xlsx"
    assert run("--db", demo_db, "template", out, "--department", "DBP").exit_code == 0
    assert parse_return(out).period == quarter_of(dt.date.today())
    result = run("--db", demo_db, "validate", out, "--quiet")
    assert result.exit_code == 0, result.stderr
