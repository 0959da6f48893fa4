"""From raw sheets to typed records: find each sheet's kind and header, read every cell by its
column's rule, and account for every row as parsed or rejected with the reason.

Nothing here touches the database; `importers.store` decides what the records change.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from estate.enums import OrgKind, UnknownSpelling, normalise, parse_enum
from estate.errors import InputError
from estate.progress import Progress
from estate.words import counted
from importers import safety, values
from importers.headers import ColumnMapping, UserMapping, detect, layout_for_sheet_name
from importers.layout import LAYOUTS, RecordKind, SheetLayout
from importers.problems import CellError, Problem, Severity
from importers.readers import RawSheet, iter_sheets

COVER_SHEET = "Return"
"""The template's cover sheet: who the return is from."""
_COVER_ROWS = 40
MAJORITY = 0.8
"""Share of rows that must name one department for a return without a cover sheet to be its."""
_SKIPPED_SHEETS = {"guidance", "read me", "readme", "instructions", "lists", "notes", "help"}

_COVER_FIELDS = {
    "department code": "code",
    "department": "code",
    "organisation code": "code",
    "department name": "name",
    "organisation name": "name",
    "organisation type": "kind",
    "parent department": "parent",
    "return date": "return_date",
    "contact": "contact",
}


@dataclass
class CoverSheet:
    """Who a return is from, as its cover sheet says."""

    code: str | None = None
    name: str | None = None
    kind: OrgKind | None = None
    parent: str | None = None


@dataclass
class Record:
    """One accepted row: its typed values (only the fields the file has) and where it came from."""

    kind: RecordKind
    row: int
    values: dict[str, Any]


@dataclass
class ParsedReturn:
    """A return read and checked, before it meets the database."""

    path: Path
    sha256: str
    department: str | None
    cover: CoverSheet
    mappings: dict[RecordKind, ColumnMapping] = field(default_factory=dict)
    sheet_names: dict[RecordKind, str] = field(default_factory=dict)
    records: dict[RecordKind, list[Record]] = field(default_factory=dict)
    rejected: dict[RecordKind, int] = field(default_factory=dict)
    rejected_refs: dict[RecordKind, set[str]] = field(default_factory=dict)
    """System references that have at least one rejected row, per kind."""
    problems: list[Problem] = field(default_factory=list)

    @property
    def file(self) -> str:
        """The file's name, as problems quote it."""
        return self.path.name

    @property
    def has_errors(self) -> bool:
        """True when any row or the file itself has an error."""
        return any(p.severity is Severity.ERROR for p in self.problems)

    def problem(self, severity: Severity, message: str, **where: Any) -> None:
        """Record a problem in this return."""
        self.problems.append(Problem(severity, self.file, message, **where))

    def column_map(self) -> dict[str, Any]:
        """What was read from where, as stored with the import batch for provenance."""
        return {
            kind.value: {
                "sheet": self.sheet_names[kind],
                "header_row": mapping.header_row,
                "columns": {f: mapping.letter(f) for f in mapping.fields},
            }
            for kind, mapping in self.mappings.items()
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_cover(sheet: RawSheet) -> CoverSheet:
    cover = CoverSheet()
    for row in sheet.rows[:_COVER_ROWS]:
        cells = [c for c in row if c is not None]
        if len(cells) < 2:
            continue
        key = _COVER_FIELDS.get(normalise(str(cells[0])))
        text = _plain_text(cells[1])
        if key is None or text is None:
            continue
        if key == "code":
            cover.code = text.upper()
        elif key == "name":
            cover.name = text
        elif key == "parent":
            cover.parent = text.upper()
        elif key == "kind":
            try:
                cover.kind = parse_enum(OrgKind, text)
            except UnknownSpelling:
                cover.kind = None
    return cover


def _plain_text(raw: Any) -> str | None:
    """A cell's text, or None when it is unknown or has a character text never holds."""
    try:
        return values.parse_text(raw, lambda _m: None)
    except CellError:
        return None


PROGRESS_EVERY = 2000


def parse_return(
    path: Path,
    *,
    department: str | None = None,
    user_mapping: UserMapping | None = None,
    progress: Progress | None = None,
) -> ParsedReturn:
    """Read and check a return file. File-level failures raise `InputError`; everything about
    rows and cells is collected as problems on the result.

    Once the department is known (from --department or the cover sheet), each sheet is checked
    as soon as it is read, while the next ones are read; sheets that come before that wait
    until every sheet is in, to say whose return it is."""
    if progress:
        progress(f"Reading {path.name}", 0, 1)
    safety.check_file(path)  # before the file is hashed: a pipe or device would never end
    parsed = ParsedReturn(
        path, _sha256(path), department.upper() if department else None, CoverSheet()
    )
    user = user_mapping or {}
    waiting: list[RawSheet] = []
    with closing(iter_sheets(path)) as sheets:
        for sheet in sheets:
            if normalise(sheet.name) == normalise(COVER_SHEET) and not sheet.hidden:
                parsed.cover = _read_cover(sheet)
                if parsed.department is None:
                    parsed.department = parsed.cover.code
            else:
                waiting.append(sheet)
            if parsed.department is not None:
                for ready in waiting:
                    _place_sheet(parsed, ready, user)
                    _parse_sheet(parsed, ready, progress)
                waiting.clear()
    for sheet in waiting:
        _place_sheet(parsed, sheet, user)
    if not parsed.mappings:
        raise InputError(
            f"{path}: no sheet has a recognisable header row (looked for columns such as "
            "'Department', 'System reference', 'System name'). Use the template from "
            "`estate template`, or a --mapping file for your own layout."
        )
    if waiting:
        _settle_department(parsed, waiting)
        for sheet in waiting:
            _parse_sheet(parsed, sheet, progress)
    return parsed


def _parse_sheet(parsed: ParsedReturn, sheet: RawSheet, progress: Progress | None) -> None:
    """Check every row of a placed sheet (a sheet that was not placed is left alone)."""
    kind = next((k for k, name in parsed.sheet_names.items() if name == sheet.name), None)
    if kind is None:
        return
    mapping = parsed.mappings[kind]
    if mapping.missing_required:  # no row of this sheet can be stored
        data = sheet.rows[mapping.header_row :]
        parsed.rejected[kind] += sum(1 for row in data if any(c is not None for c in row))
    else:
        _parse_rows(parsed, sheet, mapping, progress)


def _place_sheet(parsed: ParsedReturn, sheet: RawSheet, user: UserMapping) -> None:
    name_key = normalise(sheet.name)
    if name_key == normalise(COVER_SHEET) or name_key in _SKIPPED_SHEETS or sheet.hidden:
        return
    if not any(any(cell is not None for cell in row) for row in sheet.rows):
        return
    named = layout_for_sheet_name(sheet.name)
    candidates: tuple[SheetLayout, ...] = (named,) if named else LAYOUTS
    mapping = detect(sheet.rows, candidates, user)
    if mapping is None:
        parsed.problem(
            Severity.WARNING,
            "sheet not read: no header row with the return's columns was found",
            sheet=sheet.name,
        )
        return
    kind = mapping.layout.kind
    if kind in parsed.mappings:
        parsed.problem(
            Severity.ERROR,
            f"a second {mapping.layout.title} sheet; {parsed.sheet_names[kind]!r} was already "
            "read as that. Merge them or rename one.",
            sheet=sheet.name,
        )
        return
    parsed.mappings[kind] = mapping
    parsed.sheet_names[kind] = sheet.name
    parsed.records[kind] = []
    parsed.rejected[kind] = 0
    if sheet.encoding_note:
        parsed.problem(Severity.WARNING, sheet.encoding_note, sheet=sheet.name)
    for header in mapping.missing_required:
        parsed.problem(
            Severity.ERROR,
            f"required column {header!r} is missing",
            sheet=sheet.name,
            row=mapping.header_row,
            expected=f"a column headed {header!r}",
        )
    for field_name, text in mapping.fuzzy.items():
        parsed.problem(
            Severity.WARNING,
            f"header taken as {mapping.layout.column(field_name).header!r}; check it",
            sheet=sheet.name,
            row=mapping.header_row,
            column=mapping.letter(field_name),
            value=text,
        )
    for index, text in {**mapping.unknown, **mapping.duplicates}.items():
        again = index in mapping.duplicates
        parsed.problem(
            Severity.WARNING,
            "column read twice; this copy was not imported"
            if again
            else "unknown column, not imported (add it to a --mapping file to import it)",
            sheet=sheet.name,
            row=mapping.header_row,
            column=_letter(index),
            value=text,
        )


def _letter(index: int) -> str:
    return str(get_column_letter(index + 1))


def _settle_department(parsed: ParsedReturn, sheets: list[RawSheet]) -> None:
    """Decide whose return this is when neither --department nor a cover sheet said."""
    if parsed.department is not None:
        return
    found: Counter[str] = Counter()
    for kind, mapping in parsed.mappings.items():
        column = mapping.fields.get("department")
        if column is None:
            continue
        sheet = next(s for s in sheets if s.name == parsed.sheet_names[kind])
        for row in sheet.rows[mapping.header_row :]:
            if column < len(row) and row[column] is not None and not _is_note(row, mapping):
                found[str(row[column]).strip().upper()] += 1
    if not found:
        raise InputError(
            f"{parsed.path}: cannot tell which department the return is for; give --department."
        )
    (leader, count), total = found.most_common(1)[0], sum(found.values())
    if len(found) > 1 and count < MAJORITY * total:
        named = ", ".join(f"{code} ({counted(n, 'row')})" for code, n in sorted(found.items()))
        raise InputError(
            f"{parsed.path}: rows name several departments ({named}); an import is for one "
            "department: give --department."
        )
    parsed.department = leader
    if len(found) > 1:
        parsed.problem(
            Severity.WARNING,
            f"return taken to be {leader}'s ({count} of {total} rows name it); rows for other "
            "departments are rejected. Give --department to say otherwise.",
        )


def _is_note(row: list[Any], mapping: ColumnMapping) -> bool:
    """A free-text line below the data ("Figures as at 31 March"), not a record."""
    filled = 0
    for cell in row:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            filled += 1
            if filled > 1:
                return False
    reference = mapping.fields.get("reference")
    return filled == 1 and (reference is None or reference >= len(row) or row[reference] is None)


def _parse_rows(
    parsed: ParsedReturn, sheet: RawSheet, mapping: ColumnMapping, progress: Progress | None
) -> None:
    kind = mapping.layout.kind
    seen: dict[tuple[Any, ...], int] = {}
    rows = sheet.rows[mapping.header_row :]
    for offset, row in enumerate(rows):
        if progress and offset % PROGRESS_EVERY == 0:
            progress(f"Checking {sheet.name}", offset, len(rows))
        number = mapping.header_row + offset + 1
        if not any(
            cell is not None and (not isinstance(cell, str) or cell.strip()) for cell in row
        ):
            continue
        if _is_note(row, mapping):
            text = next(str(c) for c in row if c is not None and str(c).strip())
            parsed.problem(
                Severity.WARNING,
                "a line of text, not a record; not imported",
                sheet=sheet.name,
                row=number,
                value=text[:80],
            )
            continue
        record = _parse_record(parsed, sheet.name, number, row, mapping)
        if record is None:
            _reject(parsed, kind, row, mapping)
            continue
        key = _record_key(record)
        if key in seen:
            parsed.problem(
                Severity.ERROR,
                f"duplicate of row {seen[key]}: the same {_key_words(kind)} appears twice",
                sheet=sheet.name,
                row=number,
            )
            _reject(parsed, kind, row, mapping)
            continue
        seen[key] = number
        parsed.records[kind].append(record)


def _reject(parsed: ParsedReturn, kind: RecordKind, row: list[Any], mapping: ColumnMapping) -> None:
    parsed.rejected[kind] += 1
    index = mapping.fields.get("reference")
    if index is not None and index < len(row):
        reference = _plain_text(row[index])
        if reference is not None:
            parsed.rejected_refs.setdefault(kind, set()).add(reference)


def _key_words(kind: RecordKind) -> str:
    return {
        RecordKind.SYSTEMS: "system reference (in any case)",
        RecordKind.COMPONENTS: "system, component type, product and version",
        RecordKind.DEPENDENCIES: "system, target and dependency type",
        RecordKind.SECURITY: "system and principle",
    }[kind]


def _record_key(record: Record) -> tuple[Any, ...]:
    v = record.values
    if record.kind is RecordKind.SYSTEMS:  # references that differ only in case are one system
        return (v["reference"].casefold(),)
    if record.kind is RecordKind.COMPONENTS:
        return (
            v["reference"],
            v["kind"],
            v["product"].casefold(),
            (v.get("version") or "").casefold(),
        )
    if record.kind is RecordKind.DEPENDENCIES:
        return (v["reference"], v["to_org_code"], v["to_reference"], v["kind"])
    return (v["reference"], v["principle"])


def _parse_record(
    parsed: ParsedReturn, sheet: str, number: int, row: list[Any], mapping: ColumnMapping
) -> Record | None:
    result: dict[str, Any] = {}
    ok = True
    notes: list[str] = []
    width = len(row)
    for column, index, letter in mapping.plan:
        raw = row[index] if index < width else None
        try:
            value = column.parser(raw, notes.append)
        except CellError as exc:
            parsed.problem(
                Severity.ERROR,
                f"{column.header}: {exc}",
                sheet=sheet,
                row=number,
                column=letter,
                value=str(raw),
                expected=exc.expected,
            )
            ok = False
            continue
        if notes:
            for note in notes:
                shown = None if raw is None else str(raw)
                parsed.problem(
                    Severity.WARNING, note, sheet=sheet, row=number, column=letter, value=shown
                )
            notes.clear()
        if value is None and column.required and column.field != "department":
            parsed.problem(
                Severity.ERROR,
                f"{column.header} is required",
                sheet=sheet,
                row=number,
                column=letter,
                value=None if raw is None else str(raw),
                expected=column.guidance,
            )
            ok = False
            continue
        result[column.field] = value
    if not ok:
        return None
    if result.get("hosting") is not None and result.get("cloud_provider") is None:
        result["cloud_provider"] = values.provider_of(row[mapping.fields["hosting"]])
    return _check_department(parsed, sheet, number, mapping, result)


def _check_department(
    parsed: ParsedReturn, sheet: str, number: int, mapping: ColumnMapping, values_: dict[str, Any]
) -> Record | None:
    department = parsed.department
    assert department is not None
    own = values_.pop("department", None)
    if own is not None and own.upper() != department:
        parsed.problem(
            Severity.ERROR,
            f"row belongs to department {own.upper()}, but this return is for {department}; "
            "a return can only change its own department's systems",
            sheet=sheet,
            row=number,
            column=mapping.letter("department"),
            value=own,
            expected=department,
        )
        return None
    if mapping.layout.kind is RecordKind.DEPENDENCIES:
        target = values_.get("to_org_code")
        values_["to_org_code"] = target.upper() if target else department
        if values_["to_org_code"] == department and values_["to_reference"] == values_["reference"]:
            parsed.problem(
                Severity.ERROR,
                "a system cannot depend on itself",
                sheet=sheet,
                row=number,
                column=mapping.letter("to_reference"),
                value=values_["to_reference"],
            )
            return None
    if mapping.layout.kind is RecordKind.COMPONENTS:
        values_["version"] = values_.get("version") or ""
    return Record(mapping.layout.kind, number, values_)
