"""Writing the official return workbook: a cover sheet, one sheet per record kind, guidance for
every column, drop-downs for every enumerated column, date and money formats, frozen headers.
Filled with records, the same writer produces a department's pre-filled return."""

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

from estate.files import FORMULA_STARTS, atomic_write
from importers.layout import LAYOUTS, RecordKind, SheetLayout
from importers.parse import COVER_SHEET

_HEADER_FILL = PatternFill("solid", fgColor="1D3557")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_REQUIRED_FILL = PatternFill("solid", fgColor="9B2226")
_LISTS_SHEET = "Lists"
_VALIDATION_ROWS = 5000


def _cell_value(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    return value


def _append(sheet: Worksheet, values: list[Any]) -> None:
    """Append a row; text a spreadsheet would run as a formula (a stored name starting with
    `=`) is written as a plain text cell marked as quoted, so it opens inert and imports back
    exactly as it was stored."""
    sheet.append(values)
    for index, value in enumerate(values, start=1):
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = sheet.cell(sheet.max_row, index)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True


def _write_cover(sheet: Worksheet, cover: Mapping[str, Any]) -> None:
    sheet.append(["Legacy technology estate return"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([])
    for label in (
        "Department code",
        "Department name",
        "Organisation type",
        "Parent department",
        "Return date",
        "Contact",
    ):
        _append(sheet, [label, _cell_value(cover.get(label))])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True)
    sheet.cell(7, 2).number_format = "dd/mm/yyyy"
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
                members = [m.value for m in spec.choices]
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
        formula = lists.get(f"{layout.kind}.{column.field}")
        if formula:
            validation = DataValidation(
                type="list",
                formula1=f"={formula}",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle=column.header,
                error=f"Choose a value from the list. {column.guidance}",
            )
            validation.add(f"{letter}2:{letter}{last}")
            sheet.add_data_validation(validation)


def _write_guidance(sheet: Worksheet) -> None:
    sheet.append(["Sheet", "Column", "Required", "Meaning", "Allowed values"])
    for cell in sheet[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
    for layout in LAYOUTS:
        for column in layout.columns:
            allowed = ", ".join(m.value for m in column.choices) if column.choices else ""
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
