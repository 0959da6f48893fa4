"""Readers: turn an .xlsx, .xlsm or .csv file into plain sheets of cell values.

One interface (`iter_sheets`, each sheet as soon as it is read) over two engines:
python-calamine (Rust) for workbooks (`importers.workbooks`, loaded only when a workbook is
read), about eight times faster than openpyxl's read-only mode on large returns and reading
formulas' cached values (macros are never run), and the standard csv module for text. Cells
come back as str, int, float, bool, date, datetime or None; the rest of the importer does not
know which reader ran.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Generator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

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
        from importers.workbooks import read_workbook  # the workbook engine, for workbooks only

        yield from read_workbook(path)
    else:
        yield _read_csv(path)


def formula_cells(path: Path, sheet_name: str) -> set[tuple[int, int]]:
    """(1-based row, 0-based column) of every formula cell on one sheet of a workbook; none
    in a CSV file (see `importers.workbooks.formula_cells`)."""
    if path.suffix.lower() not in safety.SPREADSHEET_SUFFIXES:
        return set()
    from importers.workbooks import formula_cells as workbook_formula_cells

    return workbook_formula_cells(path, sheet_name)


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


_SEP_LINE = re.compile(r'^"?sep=(.)"?\r?\n', re.IGNORECASE)
"""The line Excel writes (and reads) first to name a CSV file's delimiter: `sep=;`."""


def csv_delimiter(sample: str) -> str:
    """The delimiter of a CSV file, from its first lines read by the standard quoting rule
    (quotes around a field, a quote inside one doubled). A `sep=` first line decides; else the
    delimiter that splits the most lines into as many fields as the header, then the most
    fields in all: a `;` file whose names hold commas ("Smith, J") is still a `;` file.
    Quoting is never guessed; only the delimiter is chosen."""
    said = _SEP_LINE.match(sample)
    if said is not None:
        return said[1]
    best, best_score = ",", (0, 0)
    records = sample.splitlines(keepends=True)[:-1] or [sample]  # the last may be cut short
    text = "".join(records)
    for delimiter in CSV_DELIMITERS:
        try:
            rows = list(
                islice(
                    csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), _SNIFF_RECORDS
                )
            )
        except csv.Error:
            continue
        rows = [row for row in rows if any(cell.strip() for cell in row)]
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        score = (
            sum(1 for row in rows if len(row) == width),
            sum(len(row) - 1 for row in rows),
        )
        if score > best_score:
            best, best_score = delimiter, score
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
            if _SEP_LINE.match(sample):
                handle.readline()
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
