"""Writing the official return workbook: a cover sheet with guidance, one sheet per record kind,
guidance for every column, drop-downs for every enumerated and yes/no column (principles by code
and title), whole-number limits on the framework scores, date checks on date columns, date and
money formats, frozen headers. Filled with records, the same writer produces a department's
pre-filled return, written as the drop-downs write it (Yes/No, `B2: Identity and access
control`), so what it holds re-imports unchanged."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from enum import Enum
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from estate.enums import OrgKind, Principle
from estate.files import FORMULA_STARTS, atomic_write
from estate.periods import ACCEPTED, WINDOW, quarter_of, shift
from importers import values
from importers.layout import (
    IMPACT_NAMES,
    LAYOUTS,
    LIKELIHOOD_NAMES,
    Column,
    RecordKind,
    SheetLayout,
)
from importers.parse import COVER_SHEET

_HEADER_FILL = PatternFill("solid", fgColor="1D3557")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_FILL = PatternFill("solid", fgColor="9B2226")
_LISTS_SHEET = "Lists"
_VALIDATION_ROWS = 5000


_YES_NO = '"Yes,No"'
_EARLIEST, _LATEST = "DATE(1900,1,1)", "DATE(2199,12,31)"
SCORE_LIMITS = {f"l{i}": 6 for i in range(1, len(LIKELIHOOD_NAMES) + 1)} | {
    f"c{i}": 5 for i in range(1, len(IMPACT_NAMES) + 1)
}
"""The framework's score columns and their highest score: likelihood 1-6, impact 1-5."""


def principle_choice(principle: Principle) -> str:
    """A principle as the template's drop-down offers it: code and title, `B2: Identity and
    access control` (the importer reads it back as B2)."""
    return f"{principle.value}: {principle.label}"


def _cell_value(value: Any) -> Any:
    if isinstance(value, Principle):
        return principle_choice(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return value


_COVER = (
    ("Department code", "The code of the department or arm's-length body, e.g. DBP. Required."),
    ("Department name", "Its full name, as it should appear in reports."),
    ("Organisation type", "Department or arm's-length body: choose from the list."),
    ("Parent department", "For an arm's-length body, its parent department's code."),
    ("Return date", "The date the return describes the estate at (day first, 31/03/2026)."),
    (
        "Reporting period",
        "The calendar quarter the return is for, e.g. 2026-Q3 for July to September 2026 "
        f"(also read: {ACCEPTED.split(', ', 1)[1]}). Left blank, the quarter it is imported in.",
    ),
    ("Contact", "Who to ask about this return (a team mailbox is best)."),
)
_COVER_NOTES = (
    "How to fill in this return",
    "1. Fill in the cover above, then one row per system on the Systems sheet.",
    "2. Add each system's technology (Components), what it depends on (Dependencies) and its "
    "CAF and Secure by Design assessments (Security), keyed by the same system reference.",
    "3. Use the drop-downs; write N/A, TBC or unknown when a value is not known, never 0.",
    "4. The Guidance sheet explains every column. Check the return with `estate validate`.",
)
_PERIODS_OFFERED = WINDOW
"""The reporting periods the cover's drop-down offers: from eight quarters before the current
one to four after it (another quarter may be typed, and is imported with --allow-period)."""


def _validation(kind: str, prompt: str, title: str, **limits: Any) -> DataValidation:
    """A data validation that says what is wanted when the cell is chosen and refuses the rest."""
    return DataValidation(
        type=kind,
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorTitle=title[:32],
        error=prompt[:255],
        promptTitle=title[:32],
        prompt=prompt[:255],
        **limits,
    )


def _append(sheet: Worksheet, row: list[Any]) -> None:
    """Append a row; text a spreadsheet would run as a formula (a stored name starting with
    `=`) is written as a plain text cell marked as quoted, so it opens inert and imports back
    exactly as it was stored."""
    sheet.append(row)
    for index, value in enumerate(row, start=1):
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = sheet.cell(sheet.max_row, index)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True


def _period_choices(today: dt.date) -> str:
    """The cover's drop-down of reporting periods around the quarter `today` is in."""
    current = quarter_of(today)
    low, high = _PERIODS_OFFERED
    return ",".join(shift(current, offset) for offset in range(low, high + 1))


def _write_cover(sheet: Worksheet, cover: Mapping[str, Any]) -> None:
    sheet.append(["Legacy technology estate return"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label, guidance in _COVER:
        _append(sheet, [label, _cell_value(cover.get(label))])
        row = sheet.max_row
        sheet.cell(row, 1).font = Font(bold=True)
        if label == "Organisation type":
            kinds = ",".join(kind.value for kind in OrgKind)
            check = _validation("list", guidance, label, formula1=f'"{kinds}"')
        elif label == "Return date":
            check = _validation(
                "date", guidance, label, operator="between", formula1=_EARLIEST, formula2=_LATEST
            )
            sheet.cell(row, 2).number_format = "dd/mm/yyyy"
        elif label == "Reporting period":
            check = _validation(
                "list", guidance, label, formula1=f'"{_period_choices(dt.date.today())}"'
            )
            check.errorStyle = "warning"  # another quarter, or another way of writing one
            sheet.cell(row, 2).number_format = "@"  # typed 2026-Q3 stays text
        else:
            check = _validation("textLength", guidance, label, operator="lessThan", formula1="200")
        check.add(f"B{row}")
        sheet.add_data_validation(check)
    sheet.append([])
    for note in _COVER_NOTES:  # one cell a row: never read as a cover field
        sheet.append([note])
    sheet.cell(sheet.max_row - len(_COVER_NOTES) + 1, 1).font = Font(bold=True)
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 48


def _write_lists(workbook: Workbook) -> dict[str, str]:
    """A hidden sheet holding each enumeration's values; returns header -> range formula."""
    sheet = workbook.create_sheet(_LISTS_SHEET)
    sheet.sheet_state = "hidden"
    ranges: dict[str, str] = {}
    column = 1
    seen: dict[type[Enum], str] = {}
    for layout in LAYOUTS:
        for spec in layout.columns:
            if spec.choices is None:
                continue
            if spec.choices not in seen:
                letter = get_column_letter(column)
                members = [_cell_value(m) for m in spec.choices]
                sheet.cell(1, column, spec.choices.__name__)
                for row, value in enumerate(members, start=2):
                    sheet.cell(row, column, value)
                seen[spec.choices] = f"{_LISTS_SHEET}!${letter}$2:${letter}${len(members) + 1}"
                column += 1
            ranges[f"{layout.kind}.{spec.field}"] = seen[spec.choices]
    return ranges


def _write_records_sheet(
    sheet: Worksheet, layout: SheetLayout, rows: Iterable[Mapping[str, Any]], lists: dict[str, str]
) -> None:
    sheet.append([column.header for column in layout.columns])
    for index, column in enumerate(layout.columns, start=1):
        cell = sheet.cell(1, index)
        cell.font = _HEADER_FONT
        cell.fill = _REQUIRED_FILL if column.required else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "C2"
    count = 0
    for record in rows:
        _append(sheet, [_cell_value(record.get(column.field)) for column in layout.columns])
        count += 1
    last = max(count + 1, _VALIDATION_ROWS)
    for index, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(index)
        if column.number_format:
            for (cell,) in sheet.iter_rows(
                min_row=2, max_row=count + 1, min_col=index, max_col=index
            ):
                cell.number_format = column.number_format
        validation = _column_validation(column, lists.get(f"{layout.kind}.{column.field}"))
        if validation is not None:
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)


def _column_validation(column: Column, formula: str | None) -> DataValidation | None:
    """What a column's cells accept: its list, Yes/No, a score's range, or a date."""
    if formula:
        return _validation(
            "list",
            f"Choose a value from the list. {column.guidance}",
            column.header,
            formula1=f"={formula}",
        )
    if column.parser is values.parse_bool:
        return _validation("list", f"Yes or No. {column.guidance}", column.header, formula1=_YES_NO)
    high = SCORE_LIMITS.get(column.field)
    if high is not None:
        return _validation(
            "whole",
            f"A whole number from 1 to {high}. {column.guidance}",
            column.header,
            operator="between",
            formula1="1",
            formula2=str(high),
        )
    if column.parser is values.parse_date:
        return _validation(
            "date",
            f"A date, day first (31/03/2026). {column.guidance}",
            column.header,
            operator="between",
            formula1=_EARLIEST,
            formula2=_LATEST,
        )
    return None


def _allowed(column: Column) -> str:
    if column.choices is not None:
        return ", ".join(str(_cell_value(m)) for m in column.choices)
    if column.parser is values.parse_bool:
        return "Yes, No"
    if column.field in SCORE_LIMITS:
        return f"1 to {SCORE_LIMITS[column.field]}"
    if column.parser is values.parse_date:
        return "A date, day first (31/03/2026)"
    return ""


def _write_guidance(sheet: Worksheet) -> None:
    sheet.append(["Sheet", "Column", "Required", "Meaning", "Allowed values"])
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for layout in LAYOUTS:
        for column in layout.columns:
            allowed = _allowed(column)
            sheet.append(
                [
                    layout.title,
                    column.header,
                    "Yes" if column.required else "",
                    column.guidance,
                    allowed,
                ]
            )
    sheet.append([])
    sheet.append(
        [
            "Notes",
            "Unknown values",
            "",
            "Write N/A, TBC or unknown (or leave blank) when a value is not known: it is stored as "
            "unknown, never as zero. Dates are day first (31/03/2025).",
        ]
    )
    for letter, width in zip("ABCDE", (14, 34, 10, 80, 60), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"


def write_return(
    path: Path,
    *,
    cover: Mapping[str, Any] | None = None,
    records: Mapping[RecordKind, Iterable[Mapping[str, Any]]] | None = None,
) -> None:
    """Write a return workbook to `path`: blank, or filled with `records` per kind.

    Written to a temporary file beside `path` and moved into place, so a failure never leaves a
    half-written workbook behind.
    """
    workbook = Workbook()
    _write_cover(workbook.active, cover or {})
    workbook.active.title = COVER_SHEET
    lists = _write_lists(workbook)
    for layout in LAYOUTS:
        sheet = workbook.create_sheet(layout.title)
        _write_records_sheet(sheet, layout, (records or {}).get(layout.kind, ()), lists)
    _write_guidance(workbook.create_sheet("Guidance"))
    workbook.move_sheet(_LISTS_SHEET, offset=len(workbook.sheetnames))
    workbook.properties.creator = "estate"
    workbook.properties.created = dt.datetime(2000, 1, 1)
    atomic_write(path, workbook.save)
