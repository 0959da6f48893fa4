"""The official return workbook: what its cells accept, what it says, and how it pre-fills."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.engine import Engine

from estate.enums import OrgKind, Outcome, Principle
from importers import import_return, values
from importers.layout import LAYOUT_BY_KIND, SYSTEMS, RecordKind
from importers.template import principle_choice, write_return
from tests.conftest import Run
from tests.returns import small_return, system


@pytest.fixture(scope="module")
def blank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "blank.xlsx"
    write_return(path)
    return path


def _validation_of(sheet: Worksheet, cell: str) -> DataValidation:
    found = [v for v in sheet.data_validations.dataValidation if cell in v.sqref]
    assert len(found) == 1, f"{sheet.title}!{cell}: {len(found)} validations"
    return found[0]


def _letter(header: str) -> str:
    index = [c.header for c in SYSTEMS.columns].index(header)
    return str(get_column_letter(index + 1))


def test_every_yes_no_column_has_a_yes_no_drop_down(blank: Path) -> None:
    book = load_workbook(blank)
    yes_no = [c for c in SYSTEMS.columns if c.parser is values.parse_bool]
    assert len(yes_no) == 3  # personal data, internet-facing, plan funded
    for column in yes_no:
        check = _validation_of(book["Systems"], f"{_letter(column.header)}2")
        assert (check.type, check.formula1) == ("list", '"Yes,No"'), column.header
        assert check.showErrorMessage and check.prompt


@pytest.mark.parametrize(
    ("header", "high"),
    [("L1 End of support", "6"), ("L7 Past issues", "6"), ("C6 Other systems", "5")],
)
def test_framework_scores_are_whole_numbers_in_their_range(
    blank: Path, header: str, high: str
) -> None:
    check = _validation_of(load_workbook(blank)["Systems"], f"{_letter(header)}2")
    assert (check.type, check.operator, check.formula1, check.formula2) == (
        "whole",
        "between",
        "1",
        high,
    )


def test_every_date_column_takes_only_dates(blank: Path) -> None:
    book = load_workbook(blank)
    for kind, layout in LAYOUT_BY_KIND.items():
        for index, column in enumerate(layout.columns, start=1):
            if column.parser is not values.parse_date:
                continue
            sheet = book[layout.title]
            check = _validation_of(sheet, f"{get_column_letter(index)}2")
            assert check.type == "date", (kind, column.header)


def test_the_cover_sheet_guides_and_offers_its_choices(blank: Path) -> None:
    cover = load_workbook(blank)["Return"]
    kind = _validation_of(cover, "B5")
    assert kind.type == "list"
    assert kind.formula1 == '"' + ",".join(k.value for k in OrgKind) + '"'
    assert _validation_of(cover, "B7").type == "date"
    assert (cover["A8"].value, _validation_of(cover, "B8").type) == ("Reporting period", "list")
    for row in range(3, 10):
        assert _validation_of(cover, f"B{row}").prompt, cover.cell(row, 1).value
    notes = [cover.cell(row, 1).value for row in range(11, 16)]
    assert notes[0] == "How to fill in this return"
    assert all(cover.cell(row, 2).value is None for row in range(11, 16))


def test_the_principle_drop_down_offers_titles_and_they_import(
    blank: Path, empty_engine: Engine, tmp_path: Path
) -> None:
    book = load_workbook(blank)
    lists = book["Lists"]
    column = next(c for c in lists[1] if c.value == "Principle").column
    offered = [lists.cell(row, column).value for row in range(2, 2 + len(Principle))]
    assert "B2: Identity and access control" in offered
    assert "SbD7: Minimise the attack surface" in offered
    security = [
        {
            "department": "DBP",
            "reference": "DBP-1",
            "principle": principle_choice(Principle.SBD7),
            "outcome": Outcome.ACHIEVED,
        }
    ]
    result = import_return(empty_engine, small_return(tmp_path / "r.xlsx", security=security))
    assert result.stored and not result.errors
    with empty_engine.connect() as connection:
        stored = connection.exec_driver_sql("SELECT principle FROM security_assessment").scalar()
    assert stored == "SbD7"


def test_a_prefilled_return_writes_yes_no_as_the_drop_down_does(
    demo_db: Path, tmp_path: Path, run: Run
) -> None:
    out = tmp_path / "dbp.xlsx"
    assert run("--db", demo_db, "template", out, "--department", "DBP").exit_code == 0
    sheet = load_workbook(out)["Systems"]
    written = {
        sheet[f"{_letter(header)}{row}"].value
        for header in ("Personal data", "Internet-facing")
        for row in range(2, sheet.max_row + 1)
    }
    assert written <= {"Yes", "No", None} and {"Yes", "No"} <= written
    principles = load_workbook(out)["Security"]
    assert str(principles["C2"].value).count(":") == 1


def test_a_written_yes_no_reads_back(empty_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_return(
        path,
        cover={"Department code": "DBP"},
        records={RecordKind.SYSTEMS: [system("DBP-1", personal_data=True, internet_facing=False)]},
    )
    assert import_return(empty_engine, path).stored
    with empty_engine.connect() as connection:
        row = connection.exec_driver_sql("SELECT personal_data, internet_facing FROM system").one()
    assert tuple(row) == (1, 0)
