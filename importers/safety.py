"""Checks a file must pass before any parser sees it: the right format, not damaged, not
password-protected, no XML entity tricks, no zip bomb, no absurd size. Each failure is one
`InputError` line that names the file and says what to do."""

from __future__ import annotations

import html
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

from estate.errors import InputError

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Largest file accepted. A 50,000-system return is about 15 MB as xlsx."""
MAX_CSV_BYTES = 48 * 1024 * 1024
"""Largest CSV return accepted. An import holds every row and record until it is stored (a file
is all or nothing), about 17 bytes of memory per byte of CSV (a 64 MB CSV peaked at 1,069 MB),
so this keeps an import under 1 GiB. A 50,000-system CSV of systems is about 13 MB."""
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
"""Real workbooks compress 5-30x; beyond this a member is treated as a zip bomb."""
MAX_ZIP_MEMBERS = 10_000
MAX_ROWS = 1_048_576
MAX_COLUMNS = 1_000
MAX_CELLS = 10_000_000
"""Most cells a sheet may span, from its first to its last row and column. The reader holds
the whole span in memory (about 40 bytes a cell), so a lone cell at XFD1048576 must be refused
before the sheet is loaded. A 50,000-system Systems sheet spans 2.2 million."""
_PROLOG_BYTES = 4096
_OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP_MAGIC = b"PK\x03\x04"

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm")
TEXT_SUFFIXES = (".csv", ".txt")


def check_file(path: Path) -> None:
    """Refuse files that are missing, not regular files (a pipe or device never ends), of an
    unsupported type, too large or otherwise unsafe. Runs before anything reads the file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{path} is a folder; give the return files in it.")
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{path}: not a regular file (a pipe, device or socket); save the return as a file "
            "and give that."
        )
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: cannot be read (permission denied).")
    size = info.st_size
    if size == 0:
        raise InputError(f"{path}: the file is empty.")
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"{path}: {size / 2**20:,.0f} MB is larger than the {MAX_FILE_BYTES // 2**20} MB "
            "a return may be; split it by department."
        )
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES and size > MAX_CSV_BYTES:
        raise InputError(
            f"{path}: {size / 2**20:,.0f} MB is larger than the {MAX_CSV_BYTES // 2**20} MB a CSV "
            "return may be; split it, or send it as an .xlsx workbook."
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(_OLE_MAGIC):
        if suffix in SPREADSHEET_SUFFIXES:
            raise InputError(
                f"{path}: the workbook is password-protected (encrypted). Remove the password "
                "(in Excel: File > Info > Protect Workbook > Encrypt with Password, clear it) and "
                "save it again."
            )
        raise InputError(
            f"{path}: this is an old binary Excel file (.xls), which estate does not read. Save "
            "it as .xlsx (Excel: File > Save As > Excel Workbook; or run "
            "`libreoffice --headless --convert-to xlsx FILE`)."
        )
    if suffix == ".xls":
        raise InputError(f"{path}: .xls files are not read; save the workbook as .xlsx.")
    if suffix in SPREADSHEET_SUFFIXES:
        if not head.startswith(_ZIP_MAGIC):
            raise InputError(f"{path}: not a spreadsheet (an .xlsx file is a zip archive).")
        _check_zip(path)
    elif suffix not in TEXT_SUFFIXES:
        raise InputError(
            f"{path}: unsupported file type {suffix or '(none)'}; use .xlsx, .xlsm or .csv."
        )


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise InputError(f"{path}: {len(members):,} parts is too many for a workbook.")
            total = sum(member.file_size for member in members)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise InputError(
                    f"{path}: expands to {total / 2**30:.1f} GB; refused as a possible zip bomb."
                )
            for member in members:
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > 1_000_000 and ratio > MAX_COMPRESSION_RATIO:
                    raise InputError(
                        f"{path}: part {member.filename} expands {ratio:,.0f} times; refused "
                        "as a possible zip bomb."
                    )
                if member.flag_bits & 0x1:
                    raise InputError(f"{path}: part {member.filename} is encrypted.")
                if member.filename.endswith((".xml", ".rels", ".vml")):
                    with archive.open(member) as part:
                        prolog = part.read(_PROLOG_BYTES)
                    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                        raise InputError(
                            f"{path}: part {member.filename} declares XML entities (DOCTYPE), "
                            "which workbooks never need; refused as unsafe."
                        )
            if "xl/workbook.xml" not in {member.filename for member in members}:
                raise InputError(f"{path}: a zip file, but not an Excel workbook.")
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: the workbook is damaged or truncated ({exc}).") from exc
    except (zipfile.LargeZipFile, NotImplementedError, EOFError, OSError) as exc:
        raise InputError(f"{path}: the workbook cannot be unpacked ({exc}).") from exc


_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([A-Z]*)(\d*)(?::([A-Z]+)(\d+))?"\s*/>')
_SCAN_CHUNK = 4 << 20


def sheet_parts(path: Path) -> dict[str, str]:
    """Each worksheet's name -> its part in the workbook's zip archive."""
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        book = archive.read("xl/workbook.xml") if "xl/workbook.xml" in names else b""
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = archive.read(rels_name) if rels_name in names else b""
    targets = {}
    for tag in _RELATIONSHIP.findall(rels):
        attributes = dict(_ATTRIBUTE.findall(tag))
        target = html.unescape(attributes.get(b"Target", b"").decode("utf-8", "replace"))
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        targets[attributes.get(b"Id", b"")] = target
    parts = {}
    for tag in _SHEET_TAG.findall(book):
        attributes = {k.split(b":")[-1]: v for k, v in _ATTRIBUTE.findall(tag)}
        name = html.unescape(attributes.get(b"name", b"").decode("utf-8", "replace"))
        part = targets.get(attributes.get(b"id", b""))
        if part is not None:
            parts[name] = part
    return parts


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def _letters(number: int) -> str:
    text = ""
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(65 + rest) + text
    return text


def _above(limit: int, digits: str) -> str:
    """A regular expression for a whole number (of `digits` characters) greater than `limit`."""
    text = str(limit)
    choices = [f"[1-9]{digits}{{{len(text)}}}"]  # more digits
    for index, digit in enumerate(text):
        if digit != "9":
            choices.append(f"{text[:index]}[{int(digit) + 1}-9]{digits}{{{len(text) - index - 1}}}")
    return "(?:" + "|".join(choices) + ")"


def _letters_above(limit: int) -> str:
    """A regular expression for column letters that name a column beyond `limit`."""
    text = _letters(limit) if limit else ""
    choices = [f"[A-Z]{{{len(text) + 1},}}"]
    for index, letter in enumerate(text):
        if letter != "Z":
            choices.append(
                f"{text[:index]}[{chr(ord(letter) + 1)}-Z][A-Z]{{{len(text) - index - 1}}}"
            )
    return "(?:" + "|".join(choices) + ")"


def _outside(rows: int, columns: int) -> list[re.Pattern[bytes]]:
    """Patterns, one of which matches a cell reference beyond row `rows` or column `columns`
    (or written with entities), or a cell or row whose position is not given first as
    `r="..."` (implicit, or written unusually), which only an exact count can place. Three
    simple searches are several times faster than one that combines them."""
    far = f' r="(?:{_letters_above(columns)}|[A-Z]*+0*+{_above(rows, "[0-9]")}|[^"]*&)'
    return [
        re.compile(far.encode()),  # every cell and row has ` r="` first, or the next match
        re.compile(rb'<c(?! r=")[\s/>]'),
        re.compile(rb'<row(?! r=")[\s/>]'),
        re.compile(rb":(?:c|row)[\s/>]"),  # a prefixed element, x:c (or text that looks so)
    ]


def _chunks(path: Path, part: str) -> Iterator[bytes]:
    """The part's bytes, a few megabytes at a time, each cut before its last `<` so that no
    tag is split between two chunks."""
    with zipfile.ZipFile(path) as archive, archive.open(part) as stream:
        tail = b""
        while chunk := stream.read(_SCAN_CHUNK):
            data = tail + chunk
            cut = data.rfind(b"<")
            cut = cut if cut > 0 else len(data)
            yield data[:cut]
            tail = data[cut:]
        yield tail


_TAG = re.compile(rb"<(?:\w+:)?(c|row)\b([^>]*?)(/?)>")
_REF = re.compile(rb"""\sr\s*=\s*["']([^"']*)["']""")
_POSITION = re.compile(rb"([A-Z]*)0*(\d+)")


def _exact_extent(path: Path, part: str) -> tuple[int, int]:
    """The last row and column holding a value, counting positions as the reader does (a row
    or cell without an `r` attribute follows the one before). Slow; for unusual files only."""
    row = column = last_row = last_column = 0
    for data in _chunks(path, part):
        for match in _TAG.finditer(data):
            kind, attributes, closed = match.groups()
            found = _REF.search(attributes)
            ref = _POSITION.fullmatch(found.group(1)) if found else None
            if found and ref is None:
                raise InputError(
                    f"{path}, part {part}: a cell position {found.group(1)[:20]!r} that is "
                    "not a plain reference such as B7; save the workbook again in Excel."
                )
            if kind == b"row":
                row = int(ref.group(2)) if ref else row + 1
                column = 0
                continue
            if ref:
                column = _column_number(ref.group(1)) if ref.group(1) else column + 1
                row = int(ref.group(2))
            else:
                column += 1
            if not closed:
                last_row, last_column = max(last_row, row), max(last_column, column)
    return last_row, last_column


def check_sheet_extent(path: Path, sheet: str, part: str) -> None:
    """Refuse a sheet whose cells span more than MAX_ROWS, MAX_COLUMNS or MAX_CELLS, before
    the reader loads it (it would hold the whole span in memory, however few cells it has).

    The sheet's declared extent (its `dimension`) is checked, then one pass over the part
    looks for any cell beyond it; only a sheet without one, or with cells outside it or without
    positions, is counted exactly."""
    rows = columns = 0
    declared = False
    for data in _chunks(path, part):
        if not declared:
            found = _DIMENSION.search(data[:65536])
            if found is None:
                break
            letters, digits = found.group(3) or found.group(1), found.group(4) or found.group(2)
            rows, columns = int(digits or 0), _column_number(letters or b"")
            if not (rows and columns) or not _within(rows, columns):
                break
            outside, declared = _outside(rows, columns), True
        if any(pattern.search(data) for pattern in outside):
            break
    else:
        if declared:
            return
    rows, columns = _exact_extent(path, part)
    if not _within(rows, columns):
        raise InputError(
            f"{path}, sheet {sheet!r}: its cells reach {_letters(columns)}{rows}, a span of "
            f"{rows:,} rows x {columns:,} columns, beyond the limit of {MAX_ROWS:,} rows, "
            f"{MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells; delete what lies beyond the data."
        )


def _within(rows: int, columns: int) -> bool:
    return rows <= MAX_ROWS and columns <= MAX_COLUMNS and rows * columns <= MAX_CELLS
