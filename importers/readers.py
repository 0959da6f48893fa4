"""Readers: turn an .xlsx, .xlsm or .csv file into plain sheets of cell values.

One interface (`iter_sheets`, each sheet as soon as it is read) over two engines:
python-calamine (Rust) for workbooks, about eight times faster than openpyxl's read-only mode on
large returns and reading formulas' cached values (macros are never run), and the standard csv
module for text. Cells come back as str, int, float, bool, date, datetime or
None; the rest of the importer does not know which reader ran.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections import deque
from collections.abc import Generator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import python_calamine as calamine
from defusedxml import ElementTree
from openpyxl.utils import column_index_from_string

from estate.errors import InputError
from importers import safety

Row = list[Any]


@dataclass
class RawSheet:
    """One sheet (or a CSV file) as rows of cell values; row 1 is the file's first row."""

    name: str
    rows: list[Row]
    hidden: bool = False
    encoding_note: str | None = None
    is_file: bool = False
    """A CSV file: its name is the file's, chosen by whoever saved it, so it never marks the
    sheet as a cover or a notes sheet."""


def iter_sheets(path: Path) -> Generator[RawSheet, None, None]:
    """Every sheet of a return in workbook order, after `safety.check_file` has accepted the
    file. Each comes as soon as it is read, and the next ones are read meanwhile, so that the
    caller's work on one sheet overlaps the reading of the rest."""
    safety.check_file(path)
    if path.suffix.lower() in safety.SPREADSHEET_SUFFIXES:
        yield from _read_workbook(path)
    else:
        yield _read_csv(path)


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


def _read_workbook(path: Path) -> Generator[RawSheet, None, None]:
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


CSV_DELIMITERS = ",;\t"
"""The delimiters a CSV return may use; which one is decided from the first lines' layout."""
_SNIFF_CHARS = 65536
_SNIFF_RECORDS = 20
_CHUNK_BYTES = 1 << 20
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
WINDOWS_1252_NOTE = "not UTF-8; read as Windows-1252"


def csv_encoding(path: Path) -> tuple[str, str | None]:
    """The encoding to read a CSV file with, and a note when it is a guess to report.

    A byte-order mark decides (UTF-8, or UTF-16 as Excel saves "Unicode text"); UTF-16 without
    one is recognised by its zero bytes; otherwise the file is UTF-8 if it all decodes as such
    (checked a chunk at a time, never the whole file in memory), else Windows-1252."""
    with path.open("rb") as handle:
        head = handle.read(4096)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig", None
        if head.startswith(_UTF16_BOMS):
            return "utf-16", None
        even, odd = head[0::2], head[1::2]
        if len(head) >= 4 and odd.count(0) > len(odd) // 2 and not even.count(0):
            return "utf-16-le", None
        if len(head) >= 4 and even.count(0) > len(even) // 2 and not odd.count(0):
            return "utf-16-be", None
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in iter(lambda: handle.read(_CHUNK_BYTES), b""):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252", WINDOWS_1252_NOTE
    return "utf-8", None


def csv_delimiter(sample: str) -> str:
    """The delimiter of a CSV file, from its first lines read by the standard quoting rule
    (quotes around a field, a quote inside one doubled): the one that splits them into the most
    fields. Quoting is never guessed; only the delimiter is chosen."""
    best, best_fields = ",", 0
    records = sample.splitlines(keepends=True)[:-1] or [sample]  # the last may be cut short
    text = "".join(records)
    for delimiter in CSV_DELIMITERS:
        fields = 0
        try:
            for row in islice(
                csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), _SNIFF_RECORDS
            ):
                fields += max(len(row) - 1, 0)
        except csv.Error:
            continue
        if fields > best_fields:
            best, best_fields = delimiter, fields
    return best


def _read_csv(path: Path) -> RawSheet:
    """A CSV file read as it streams from disk, by the standard quoting rule; refused in one
    line when it is binary, not valid CSV, or beyond the row and column limits."""
    encoding, note = csv_encoding(path)
    errors = "replace" if encoding == "cp1252" else "strict"
    rows: list[Row] = []
    line = 0
    try:
        with path.open("r", encoding=encoding, errors=errors, newline="") as handle:
            sample = handle.read(_SNIFF_CHARS)
            if "\x00" in sample[:4096]:
                raise InputError(f"{path}: a binary file, not a CSV text file.")
            handle.seek(0)
            reader = csv.reader(handle, delimiter=csv_delimiter(sample), quotechar='"')
            for row in reader:
                line = reader.line_num
                if len(rows) >= safety.MAX_ROWS or len(row) > safety.MAX_COLUMNS:
                    raise InputError(
                        f"{path}: more than {safety.MAX_ROWS:,} rows or {safety.MAX_COLUMNS:,} "
                        "columns; refused."
                    )
                rows.append([cell if cell.strip() else None for cell in row])
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path}: not valid {encoding.upper().removesuffix('-SIG')} text after line {line} "
            f"({exc.reason}); save it again as UTF-8 CSV."
        ) from exc
    except csv.Error as exc:
        raise InputError(f"{path}, row {line + 1}: not valid CSV ({exc}).") from exc
    return RawSheet(path.stem, rows, encoding_note=note, is_file=True)


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
    if path.suffix.lower() not in safety.SPREADSHEET_SUFFIXES:
        return set()
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
                    found.add((int(number), column_index_from_string(letters.decode()) - 1))
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
