"""Checks a file must pass before any parser sees it: the right format, not damaged, not
password-protected, no XML entity tricks, no zip bomb, no absurd size. Each failure is one
`InputError` line that names the file and says what to do."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

from estate.errors import InputError

MAX_FILE_BYTES = 512 * 1024 * 1024
"""Largest file accepted. A 50,000-system return is about 15 MB as xlsx."""
MAX_UNCOMPRESSED_BYTES = 2 * 1024 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
"""Real workbooks compress 5-30x; beyond this a member is treated as a zip bomb."""
MAX_ZIP_MEMBERS = 10_000
MAX_ROWS = 1_048_576
MAX_COLUMNS = 1_000
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
