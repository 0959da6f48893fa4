"""Energy and carbon in the board exports: the workbook's Summary figures and Sustainability
sheet (with its chart), the JSON export's section and the markdown section carry the same
figures as `estate carbon`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.conftest import Run
from tests.test_carbon_cli import AS_OF, estate_db

__all__ = ["estate_db"]


def _carbon_total(run: Run, db: Path) -> dict[str, float]:
    result = run("--db", db, "carbon", "--as-of", AS_OF, "--json")
    assert result.exit_code == 0, result.output
    total: dict[str, float] = json.loads(result.stdout)["total"]
    return total


def test_the_workbook_has_carbon_on_its_summary_and_a_sustainability_sheet(
    run: Run, estate_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    result = run("--db", estate_db, "export", out, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    total = _carbon_total(run, estate_db)
    book = load_workbook(out)
    summary = book["Summary"]
    labels = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, 30)}
    assert labels["Carbon a year, estimated (t CO2e)"] == pytest.approx(
        total["kg_co2e"] / 1000, abs=0.05
    )
    assert labels["Systems whose carbon is not estimated"] == 1
    sheet = book["Sustainability"]
    facts = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, 14)}
    assert facts["Carbon a year (t CO2e)"] == pytest.approx(total["kg_co2e"] / 1000, abs=0.05)
    assert facts["Not estimated (not in the sums)"] == 1
    assert facts["Servers past their life (waste when retired)"] == 2
    assert len(sheet._charts) == 1
    cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert "Planned disposition" in cells and "Largest emitters" in cells


def test_json_and_markdown_exports_carry_the_same_carbon(
    run: Run, estate_db: Path, tmp_path: Path
) -> None:
    total = _carbon_total(run, estate_db)
    out = tmp_path / "board.json"
    assert run("--db", estate_db, "export", out, "--as-of", AS_OF).exit_code == 0
    section = json.loads(out.read_text("utf-8"))["sustainability"]
    assert section["total"]["kg_co2e"] == pytest.approx(total["kg_co2e"])
    assert section["total"]["not_estimated"] == 1
    by_key = {s["key"]: s for s in section["systems"]}
    assert by_key["DBP/N-1"]["kg_co2e"] is None
    assert by_key["DBP/H-1"]["defaults"]
    markdown = tmp_path / "board.md"
    assert run("--db", estate_db, "export", markdown, "--as-of", AS_OF).exit_code == 0
    text = markdown.read_text("utf-8")
    assert "## Energy and carbon" in text
    assert f"{total['kg_co2e'] / 1000:,.1f} t CO2e" in text
    assert "1 not estimated" in text


def test_the_sheets_hold_each_figure_as_shown_to_a_tenth(
    run: Run, estate_db: Path, tmp_path: Path
) -> None:
    """MWh and tonnes are shown to a tenth, and the cells hold what they show: a reader
    copying a figure, or a program reading the file, never meets 91.465088."""
    out = tmp_path / "board.xlsx"
    assert run("--db", estate_db, "export", out, "--as-of", AS_OF).exit_code == 0
    book = load_workbook(out)
    sheet = book["Sustainability"]
    figures = [
        cell.value
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, float) and cell.number_format == "#,##0.0"
    ]
    assert len(figures) > 10
    assert all(value == round(value, 1) for value in figures)
    summary = book["Summary"]
    carbon = next(
        summary.cell(r, 2).value
        for r in range(1, 40)
        if summary.cell(r, 1).value == "Carbon a year, estimated (t CO2e)"
    )
    assert carbon == round(carbon, 1)
