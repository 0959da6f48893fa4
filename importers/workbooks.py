"""Workbooks (.xlsx, .xlsm) read by python-calamine, sheet by sheet, the next sheets read in
threads meanwhile; and the formula cells of a sheet, which calamine cannot tell from empty ones.

Only `importers.readers` loads this module, when a return is a workbook, so that reading a CSV
file never loads the workbook engine."""

from __future__ import annotations

import re
import zipfile
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from pathlib import Path

import python_calamine as calamine
from defusedxml import ElementTree

from estate.errors import InputError
from importers import safety
from importers.cells import column_number
from importers.readers import RawSheet, Row


def _blank_to_none(rows: list[Row]) -> list[Row]:
    return [[None if cell == "" else cell for cell in row] for row in rows]


READ_AHEAD = 2
"""Sheets read ahead of the caller: python-calamine parses a sheet without holding the GIL, so
the next sheets are read in threads while the caller works on this one."""


def _load_sheet(path: Path, name: str, parts: list[str]) -> calamine.CalamineSheet:
    """One sheet parsed by calamine, on a workbook handle of this thread's own, once its
    extent is known to be within bounds (`parts`: where its cells may be in the archive)."""
    for part in parts:
        safety.check_sheet_extent(path, name, part)
    workbook = calamine.CalamineWorkbook.from_path(str(path))
    try:
        return workbook.get_sheet_by_name(name)
    finally:
        workbook.close()


def read_workbook(path: Path) -> Generator[RawSheet, None, None]:
    """Every worksheet of a workbook, in order, each as soon as it is read while the next ones
    are read in threads; a workbook that cannot be read (damaged, password-protected, not a
    workbook) is an `InputError` in one line."""
    try:
        workbook = calamine.CalamineWorkbook.from_path(str(path))
        wanted = [
            meta
            for meta in workbook.sheets_metadata
            if str(meta.typ) in ("SheetTypeEnum.WorkSheet", "WorkSheet")
        ]
        workbook.close()
        parts = safety.sheet_parts(path)
        every_part = sorted(set(parts.values()))

        def load(meta: calamine.SheetMetadata) -> Future[calamine.CalamineSheet]:
            where = [parts[meta.name]] if meta.name in parts else every_part
            return pool.submit(_load_sheet, path, meta.name, where)

        with ThreadPoolExecutor(READ_AHEAD) as pool:
            upcoming = iter(wanted)
            loading = deque((meta, load(meta)) for meta in islice(upcoming, READ_AHEAD))
            while loading:
                sheet = _sheet_values(path, *loading.popleft())
                for meta in islice(upcoming, 1):
                    loading.append((meta, load(meta)))
                yield sheet
    except calamine.PasswordError as exc:
        raise InputError(
            f"{path}: the workbook is password-protected; remove the password."
        ) from exc
    except (
        calamine.CalamineError,
        calamine.ZipError,
        calamine.XmlError,
        ValueError,
        zipfile.BadZipFile,
        KeyError,
    ) as exc:
        raise InputError(f"{path}: the workbook cannot be read ({exc}).") from exc


def _sheet_values(
    path: Path, meta: calamine.SheetMetadata, loading: Future[calamine.CalamineSheet]
) -> RawSheet:
    sheet = loading.result()
    if sheet.total_height > safety.MAX_ROWS or sheet.total_width > safety.MAX_COLUMNS:
        raise InputError(
            f"{path}, sheet {meta.name!r}: {sheet.total_height:,} rows x "
            f"{sheet.total_width:,} columns is beyond the limit of "
            f"{safety.MAX_ROWS:,} x {safety.MAX_COLUMNS:,}."
        )
    rows = sheet.to_python(skip_empty_area=False)
    hidden = str(meta.visible) not in ("SheetVisibleEnum.Visible", "Visible")
    return RawSheet(meta.name, _blank_to_none(rows), hidden=hidden)


_FORMULA_CELL = re.compile(
    rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,3})([0-9]+)\"[^>]*>\s*<(?:\w+:)?f[\s>/]"
)
"""A cell element whose first child is a formula (`<c r="B2"><f>...`)."""
_CHUNK = 1 << 22
_OVERLAP = 1024


def formula_cells(path: Path, sheet_name: str) -> set[tuple[int, int]]:
    """(1-based row, 0-based column) of every formula cell on one sheet of a workbook.

    python-calamine reads a formula's saved value and cannot tell a formula with no saved
    value (a workbook written by a program, never opened in Excel) from an empty cell. This
    scans the sheet's XML for formula cells, in chunks, and is only done when a required cell
    is empty; the file has passed `safety.check_file` by then."""
    found: set[tuple[int, int]] = set()
    with zipfile.ZipFile(path) as archive:
        member = _sheet_member(archive, sheet_name)
        if member is None:
            return found
        with archive.open(member) as handle:
            tail = b""
            while chunk := handle.read(_CHUNK):
                text = tail + chunk
                for match in _FORMULA_CELL.finditer(text):
                    letters, number = match.groups()
                    found.add((int(number), column_number(letters.decode()) - 1))
                tail = text[-_OVERLAP:]
    return found


_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _sheet_member(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    """The zip member holding a sheet's XML, found through the workbook's relationships."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rid = next(
        (
            sheet.get(_R_ID)
            for sheet in workbook.iter()
            if sheet.tag.endswith("}sheet") and sheet.get("name") == sheet_name
        ),
        None,
    )
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter(_RELS) if r.get("Id") == rid), None)
    if rid is None or target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
