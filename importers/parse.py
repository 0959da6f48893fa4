"""From raw sheets to typed records: find each sheet's kind and header, read every cell by its
column's rule, and account for every row as parsed or rejected with the reason.

Nothing here touches the database; `importers.store` decides what the records change.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections import Counter
from contextlib import closing
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from estate import keys, limits
from estate.enums import (
    DependencyKind,
    LifecycleStatus,
    OrgKind,
    UnknownSpelling,
    normalise,
    parse_enum,
)
from estate.errors import InputError
from estate.progress import Progress
from estate.words import counted
from importers import safety, server_sizing, technology, values
from importers.cells import column_letter
from importers.cover_period import read_period
from importers.headers import (
    ColumnMapping,
    UserMapping,
    candidate_layouts,
    detect,
    header_key,
    map_row,
    mapped_kinds,
    unused_mapping,
)
from importers.layout import LAYOUT_BY_KIND, RecordKind
from importers.period_column import PERIOD, PeriodCells, PeriodPlace
from importers.problems import (
    CellError,
    Problem,
    Severity,
    UnreadableReturn,
    listed,
    not_imported,
    refusals_naming,
    row_runs,
)
from importers.readers import RawSheet, formula_cells, iter_sheets
from importers.relationships import (
    DEPENDS_ON,
    SYSTEM_LINK_COLUMNS,
    parent_depends_on_child,
    relationship_kind,
    split_systems,
)
from importers.server_sizing import ServerSizing
from importers.shapes import Shape, has_record_types, profile_view, read_shape, recognise_sheet
from importers.technology import TECH_BY_TARGET

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
    "reporting period": "period",
    "period": "period",
    "quarter": "period",
    "contact": "contact",
}


@dataclass
class CoverSheet:
    """Who a return is from, as its cover sheet says."""

    code: str | None = None
    name: str | None = None
    kind: OrgKind | None = None
    parent: str | None = None
    period: str | None = None
    """The reporting period it names, as `2026-Q3`."""
    period_place: PeriodPlace | None = None
    """The cell it names the period in."""


@dataclass
class Record:
    """One accepted row: its typed values (only the fields the file has) and where it came from."""

    kind: RecordKind
    row: int
    values: dict[str, Any]
    sheet: str | None = None
    """The sheet it came from when that is not its kind's own sheet (a component read from a
    technology column of the systems sheet)."""
    column: str | None = None
    """With `sheet`: the column it was read from."""
    also: tuple[str, ...] = ()
    """For a system: another identifier the return gives it (an application number)."""
    unread: set[str] = field(default_factory=set)
    """Fields whose cells could not be read and were skipped (--skip-invalid): an update
    leaves them as stored."""


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
    skip_invalid: bool = False
    """A cell that cannot be read in an optional column rejects the cell, not the row."""
    technology: list[Record] = field(default_factory=list)
    """Components and dependencies read from the systems sheet's technology and "Depends on"
    columns, before they join the Components and Dependencies sheets'."""
    formulas: dict[str, set[tuple[int, int]]] = field(default_factory=dict, repr=False)
    period: str | None = None
    """The reporting period the return says it is for (`2026-Q3`), on its cover sheet or in a
    period column, or None when it does not say; an import's `--period` wins over it, and the
    quarter of the import date stands in."""
    period_place: PeriodPlace | None = None
    """Where the return says its period."""
    period_cells: PeriodCells = field(default_factory=PeriodCells, repr=False)
    """The rows' period cells, until every sheet is read."""
    shapes: dict[RecordKind, Shape] = field(default_factory=dict)
    """Each placed sheet's shape (pairs, class, record types, grouping, vocabularies)."""
    profiles: dict[str, str] = field(default_factory=dict)
    """Sheet name -> the name of the tool export profile it was read as."""
    recognised: dict[str, str] = field(default_factory=dict)
    """Sheet name -> the profile its header row matched, read or not (for the mapping file
    written for a return that cannot be read)."""
    companions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Folded sheet name -> (the sheet read, the tool) of a tool export whose profile says the
    tool writes that sheet beside it (`Profile.companions`)."""
    set_aside: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """(Sheet read, tool) -> the names of its companion sheets met and not read."""
    unread: dict[str, tuple[str, Problem]] = field(default_factory=dict)
    """Folded sheet name -> (its name, the warning that it was not read), for a sheet placed
    before the sheet whose tool writes it beside (Azure Migrate's Assessment_Summary comes
    first), so that it is set aside as a companion after all."""

    def formula_at(self, sheet: str, row: int, index: int) -> bool:
        """Whether an empty-looking cell is a formula with no saved value (read once per sheet,
        and only when asked: a required cell was empty)."""
        found = self.formulas.get(sheet)
        if found is None:
            found = self.formulas[sheet] = formula_cells(self.path, sheet)
        return (row, index) in found

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
        read = {
            kind.value: {
                "sheet": self.sheet_names[kind],
                "header_row": mapping.header_row,
                "columns": {f: mapping.letter(f) for f in mapping.fields},
            }
            for kind, mapping in self.mappings.items()
        }
        for kind, mapping in self.mappings.items():
            if PERIOD in mapping.extra:
                read[kind.value]["period"] = mapping.letter_of(PERIOD)
        systems = self.mappings.get(RecordKind.SYSTEMS)
        technology = [t for t in systems.extra if t != PERIOD] if systems else []
        if systems is not None and technology:
            read["technology"] = {
                "sheet": self.sheet_names[RecordKind.SYSTEMS],
                "header_row": systems.header_row,
                "columns": {t: systems.letter_of(t) for t in technology},
            }
        return read


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_cover(path: Path, sheet: RawSheet) -> CoverSheet:
    """What the cover sheet says, label beside value. A reporting period that is not a quarter
    refuses the whole file: it decides which period every row is stored in."""
    cover = CoverSheet()
    for number, row in enumerate(sheet.rows[:_COVER_ROWS], start=1):
        cells = [(index, c) for index, c in enumerate(row) if c is not None]
        if len(cells) < 2:
            continue
        key = _COVER_FIELDS.get(normalise(str(cells[0][1])))
        if key == "period":
            index, raw = cells[1]
            try:
                cover.period = read_period(_plain_text(raw))
                if cover.period is not None:
                    label = str(cells[0][1])
                    cover.period_place = PeriodPlace(sheet.name, _letter(index), label, number)
            except CellError as exc:
                raise InputError(
                    f"{path}: sheet {sheet.name!r}, cell {_letter(index)}{number} "
                    f"({cells[0][1]}): {exc}."
                ) from None
            continue
        text = _plain_text(cells[1][1])
        if key is None or text is None:
            continue
        if key == "code":
            cover.code = _cover_code(path, sheet, f"{_letter(cells[1][0])}{number}", text)
        elif key == "name":
            if (limit := limits.too_long("name", text)) is not None:
                raise InputError(
                    f"{path}: sheet {sheet.name!r}, cell {_letter(cells[1][0])}{number}: the "
                    f"department's name is {len(text)} characters; estate stores at most {limit}."
                )
            cover.name = text
        elif key == "parent":
            cover.parent = _cover_code(path, sheet, f"{_letter(cells[1][0])}{number}", text)
        elif key == "kind":
            try:
                cover.kind = parse_enum(OrgKind, text)
            except UnknownSpelling:
                cover.kind = None
    return cover


def _cover_code(path: Path, sheet: RawSheet, cell: str, text: str) -> str:
    """A department code the cover sheet gives, read as every key is (`estate.keys`)."""
    try:
        return keys.department_code(text)
    except keys.KeyRefused as exc:
        raise InputError(f"{path}: sheet {sheet.name!r}, cell {cell}: {exc}.") from None


def _plain_text(raw: Any) -> str | None:
    """A cell's text, or None when it is unknown or has a character text never holds."""
    try:
        return values.parse_text(raw, lambda _m: None)
    except CellError:
        return None


PROGRESS_EVERY = 2000


def _asked_department(department: str | None) -> str | None:
    """The department `--department` names, read as every key is (`' dbp '` is `DBP`)."""
    if department is None:
        return None
    try:
        return keys.department_code(department, "--department")
    except keys.KeyRefused as exc:
        raise InputError(f"{exc}.") from None


def parse_return(
    path: Path,
    *,
    department: str | None = None,
    user_mapping: UserMapping | None = None,
    progress: Progress | None = None,
    skip_invalid: bool = False,
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
        path,
        _sha256(path),
        _asked_department(department),
        CoverSheet(),
        skip_invalid=skip_invalid,
    )
    with refusals_naming(parsed.recognised):
        _read_sheets(parsed, user_mapping or UserMapping(), progress)
    return parsed


def _read_sheets(parsed: ParsedReturn, user: UserMapping, progress: Progress | None) -> None:
    """Read, place and check every sheet of the return (see `parse_return`)."""
    path = parsed.path
    waiting: list[RawSheet] = []
    with closing(iter_sheets(path)) as sheets:
        for sheet in sheets:
            if _named(sheet) == normalise(COVER_SHEET) and not sheet.hidden:
                parsed.cover = _read_cover(path, sheet)
                parsed.period = parsed.cover.period
                parsed.period_place = parsed.cover.period_place
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
    _say_set_aside(parsed)
    if not parsed.mappings:
        raise UnreadableReturn(
            f"{path}: no sheet has a recognisable header row (looked for columns such as "
            "'Department', 'System reference', 'System name'). Use the template from "
            "`estate template`, or a --mapping file for your own layout.",
            parsed.recognised,
        )
    if waiting:
        _settle_department(parsed, waiting)
        for sheet in waiting:
            _parse_sheet(parsed, sheet, progress)
    for line in unused_mapping(user, parsed.mappings, parsed.sheet_names):
        parsed.problem(Severity.WARNING, line)
    _gather_technology(parsed)
    _settle_period(parsed)


def _settle_period(parsed: ParsedReturn) -> None:
    """The return's period from its rows' period cells, when it has any: they and the cover
    sheet must agree (`InputError` if not)."""
    cells = parsed.period_cells
    if not cells.found and not cells.malformed:
        return
    cover = None
    if parsed.period is not None and parsed.period_place is not None:
        cover = (parsed.period, parsed.period_place)
    parsed.period, parsed.period_place = cells.settle(parsed.path, cover)


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


def _say_set_aside(parsed: ParsedReturn) -> None:
    """One warning per tool export for the sheets its tool writes beside the one read, which
    were not read: named, so that none is lost without a word. A companion met before the
    sheet read (its warning already given) is named there instead."""
    earlier: dict[tuple[str, str], list[str]] = {}
    for name_key, (name, warning) in parsed.unread.items():
        beside = parsed.companions.get(name_key)
        if beside is not None:
            parsed.problems.remove(warning)
            earlier.setdefault(beside, []).append(name)
    for beside, names in earlier.items():  # in the workbook's order
        parsed.set_aside[beside] = names + parsed.set_aside.get(beside, [])
    for (read, tool), names in parsed.set_aside.items():
        parsed.problem(
            Severity.WARNING,
            f"{counted(len(names), 'other sheet')} of the {tool} export not read: "
            f"{listed(names, len(names))}; {tool} writes them beside this one, which holds "
            "what estate reads of each system",
            sheet=read,
        )


def _named(sheet: RawSheet) -> str | None:
    """A workbook sheet's name, folded, as it may mark the sheet (cover, notes); None for a CSV
    file, whose name is the file's and marks nothing: `return.csv` is data, not a cover."""
    return None if sheet.is_file else normalise(sheet.name)


def _place_sheet(parsed: ParsedReturn, sheet: RawSheet, user: UserMapping) -> None:
    name_key = _named(sheet)
    if name_key == normalise(COVER_SHEET) or name_key in _SKIPPED_SHEETS or sheet.hidden:
        return
    if not any(any(cell is not None for cell in row) for row in sheet.rows):
        return
    candidates = candidate_layouts(sheet.name, sheet.rows, user)
    if candidates is None:  # the mapping file says to leave it alone
        return
    beside = parsed.companions.get(name_key) if name_key is not None else None
    if beside is not None and mapped_kinds(sheet.name, sheet.rows, user) is None:
        parsed.set_aside.setdefault(beside, []).append(sheet.name)
        return
    rows, not_read, profile, reading = sheet.rows, list[str](), None, user
    instead: list[str] = []
    found = recognise_sheet(sheet.rows)
    said = mapped_kinds(sheet.name, sheet.rows, user)
    if found is not None and (said is None or found[0].kind in said):
        profile, at = found
        rows, reading, not_read, instead = profile_view(sheet.rows, at, profile, user)
        candidates = (LAYOUT_BY_KIND[profile.kind],)
        parsed.recognised[sheet.name] = profile.name
        for companion in profile.companions:
            parsed.companions.setdefault(companion, (sheet.name, profile.tool))
    mapping = detect(rows, candidates, reading)
    if mapping is not None and profile is not None:
        not_read += _profile_placed(mapping, user)
    if mapping is not None and profile is None and len(candidates) > 1 and not mapping.from_user:
        mapping = _reclassify(rows, mapping, user)
    if mapping is None:
        parsed.problem(
            Severity.WARNING,
            "sheet not read: no header row with the return's columns was found",
            sheet=sheet.name,
        )
        if name_key is not None:
            parsed.unread[name_key] = (sheet.name, parsed.problems[-1])
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
    shape = read_shape(mapping, profile)
    if profile is not None:  # every header the sheet has, for the mapping file written for it
        mapping.headers = _header_texts(sheet.rows[mapping.header_row - 1])
    for field_name, words in user.values.items():  # the user's words win over the profile's
        for word in words:
            shape.vocabularies.get(field_name, {}).pop(word, None)
    shape.not_read = not_read + shape.not_read
    parsed.mappings[kind] = mapping
    parsed.sheet_names[kind] = sheet.name
    parsed.shapes[kind] = shape
    parsed.records[kind] = []
    parsed.rejected[kind] = 0
    if profile is not None:
        parsed.profiles[sheet.name] = profile.name
    if profile is not None and shape.not_read:
        parsed.problem(
            Severity.WARNING,
            f"{counted(len(shape.not_read), 'column')} not imported: {listed(shape.not_read)} "
            f"(read as {profile.name}, which does not read "
            f"{'it' if len(shape.not_read) == 1 else 'them'})",
            sheet=sheet.name,
            row=mapping.header_row,
        )
    if profile is not None and instead:
        parsed.problem(
            Severity.WARNING,
            f"{counted(len(instead), 'column')} not imported, another giving the same: "
            f"{listed(instead)}",
            sheet=sheet.name,
            row=mapping.header_row,
        )
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
    _shape_warnings(parsed, sheet, mapping)
    for line, columns in not_imported(mapping):
        parsed.problem(
            Severity.WARNING,
            line,
            sheet=sheet.name,
            row=mapping.header_row,
            column=_letter(columns[0]) if len(columns) == 1 else None,
        )


def _header_texts(row: list[Any]) -> dict[int, str]:
    """0-based column index -> header text, for every headed cell of a header row."""
    return {
        i: str(cell).strip() for i, cell in enumerate(row) if cell is not None and str(cell).strip()
    }


def _profile_placed(mapping: ColumnMapping, user: UserMapping) -> list[str]:
    """On a sheet read by a profile, leave as the user's only the columns the user's mapping
    placed; the headers of columns the general reading would also have read for a target the
    profile reads from another are returned, to say with the others the profile does not read
    (they are no doing of the mapping file's)."""
    said = user.columns.get(mapping.layout.kind, {})
    mapping.from_user = {i for i in mapping.from_user if header_key(mapping.headers[i]) in said}
    if said:
        return []
    aside = [mapping.overridden[i] for i in sorted(mapping.overridden)]
    mapping.overridden.clear()
    return aside


def _reclassify(rows: list[list[Any]], mapping: ColumnMapping, user: UserMapping) -> ColumnMapping:
    """The systems reading of a header row the general reading took for another kind, where
    its shape says it is systems: a sheet of applications and their dependency rows (a record
    type column), or one row per technology of a named application (a components reading
    that leaves the systems' own fields unread)."""
    kind = mapping.layout.kind
    if kind is RecordKind.SYSTEMS:
        return mapping
    row = rows[mapping.header_row - 1]
    systems = map_row(row, mapping.header_row, LAYOUT_BY_KIND[RecordKind.SYSTEMS], user)
    if kind is not RecordKind.SECURITY and has_record_types(mapping.headers):
        return systems
    if (
        kind is RecordKind.COMPONENTS
        and not systems.missing_required
        and "name" in systems.fields
        and "technology" in systems.extra
        and len(systems.fields) > len(mapping.fields)
    ):
        return systems
    return mapping


def _shape_warnings(parsed: ParsedReturn, sheet: RawSheet, mapping: ColumnMapping) -> None:
    """Say once per sheet what its shape made the importer assume."""
    where = {"sheet": sheet.name, "row": mapping.header_row}
    if mapping.name_is_key:
        parsed.problem(
            Severity.WARNING,
            "no system reference column: each system's name is its key, so renaming a system "
            "makes it a new one; add a reference column (or map one with --mapping) to avoid it",
            column=mapping.letter("name"),
            **where,
        )
    if mapping.layout.kind is not RecordKind.DEPENDENCIES:
        return
    if mapping.relationship_shape and "relationship" not in mapping.extra:
        parsed.problem(
            Severity.WARNING,
            "no relationship type column: each parent is taken to depend on its child",
            **where,
        )
    elif mapping.direction_guessed:
        parsed.problem(
            Severity.WARNING,
            "ends headed from / to: each 'from' system is taken to depend on its 'to' system; "
            "this is a guess. If the sheet lists data flowing from one system to another, map "
            "the columns the other way round with --mapping",
            column=mapping.letter("reference") if "reference" in mapping.fields else None,
            **where,
        )
    if "kind" not in mapping.fields and "relationship" not in mapping.extra:
        parsed.problem(
            Severity.WARNING,
            "no dependency type column: every dependency on this sheet is stored as "
            f"{DependencyKind.API.value!r}",
            **where,
        )


def _dependency(
    number: int, department: str | None, ends: tuple[str, str], sheet: str, column: str | None
) -> Record:
    """A dependency read from a system's own row (a "depends on" or "used by" cell, or one
    end of a relationship row): `ends` is (depending system, system depended on), both of
    `department`, its kind an API until a return says otherwise."""
    return Record(
        RecordKind.DEPENDENCIES,
        number,
        {
            "reference": ends[0],
            "to_org_code": department,
            "to_reference": ends[1],
            "kind": DependencyKind.API,
        },
        sheet=sheet,
        column=column,
    )


def _letter(index: int) -> str:
    return column_letter(index + 1)


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
            if (
                column < len(row)
                and row[column] is not None
                and _note_text(row, mapping, False) is None
            ):
                found[_row_code(row[column])] += 1
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


_NOTE_START = re.compile(
    r"^\s*(?:[*†‡]|(?:sources?|notes?|nb|n\.b\.?|footnote)\s*[:.\-\u2013]|"
    r"(?:prepared|compiled) by\b|data as at\b|figures (?:are|as)\b|last updated\b)",
    re.IGNORECASE,
)
"""How a note under the data starts: "Source: ...", "Note - ...", "* excludes ...", ..."""
_TOTAL = re.compile(r"^\s*(?:grand\s+|sub[\s-]*)?totals?\s*:?\s*$", re.IGNORECASE)
"""A totals row's label."""


def _row_code(raw: Any) -> str:
    """A row's department cell as a code, for telling whose return it is."""
    try:
        return keys.department_code(str(raw))
    except keys.KeyRefused:
        return str(raw).strip().upper()


def _key_index(mapping: ColumnMapping) -> int | None:
    """The column a sheet's rows are keyed by: the reference, or the name where there is none."""
    index = mapping.fields.get("reference")
    if index is None and mapping.name_is_key:
        index = mapping.fields.get("name")
    return index


def _note_text(row: list[Any], mapping: ColumnMapping, after_gap: bool) -> str | None:
    """The text of a row that is a note, a source or a total rather than a record, else None.

    A row with one cell filled is a note when that cell is not the row's key, when it follows a
    blank row under the data, or when it reads like one ("Source: ...", "Note: ..."); a row
    whose first filled cell is "Total" is a totals row, whatever else it holds."""
    first: Any = None
    filled = 0
    for cell in row:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            filled += 1
            if filled > 1:
                break
            first = cell
    if filled > 1:
        return first if isinstance(first, str) and _TOTAL.match(first) else None
    key = _key_index(mapping)
    if (
        after_gap
        or key is None
        or key >= len(row)
        or row[key] is None
        or (isinstance(first, str) and _NOTE_START.match(first))
    ):
        return str(first)
    return None


def where(parsed: ParsedReturn, record: Record, end: str) -> tuple[str | None, str | None]:
    """The sheet and column a record's reference (or a dependency's other end) was read from."""
    if record.sheet is not None:
        return record.sheet, record.column
    mapping = parsed.mappings[record.kind]
    if end in mapping.fields:
        return parsed.sheet_names[record.kind], mapping.letter(end)
    other = {"reference": "parent", "to_reference": "child"}[end]
    column = mapping.letter_of(other) if other in mapping.extra else None
    return parsed.sheet_names[record.kind], column


def _parse_rows(
    parsed: ParsedReturn, sheet: RawSheet, mapping: ColumnMapping, progress: Progress | None
) -> None:
    kind = mapping.layout.kind
    shape = parsed.shapes.get(kind) or Shape()
    seen: dict[tuple[Any, ...], Record] = {}
    differing: Differing = {}
    technology = [t for t in mapping.extra if t in TECH_BY_TARGET]
    grouped = bool(technology) or bool(shape.pairs) or shape.grouped
    links = [c for c in SYSTEM_LINK_COLUMNS if c.target in mapping.extra]
    hosting = mapping.fields.get("hosting") if kind is RecordKind.SYSTEMS else None
    period = mapping.extra.get(PERIOD)
    place = None
    if period is not None:
        place = PeriodPlace(sheet.name, _letter(period), mapping.headers[period])
    sizing = _server_sizing(mapping, shape)
    rows = sheet.rows[mapping.header_row :]
    gap = data = False
    for offset, row in enumerate(rows):
        if progress and offset % PROGRESS_EVERY == 0:
            progress(f"Checking {sheet.name}", offset, len(rows))
        number = mapping.header_row + offset + 1
        if not any(
            cell is not None and (not isinstance(cell, str) or cell.strip()) for cell in row
        ):
            gap = data
            continue
        note = _note_text(row, mapping, gap)
        if note is not None:
            parsed.problem(
                Severity.WARNING,
                "a note, source or total, not a record; ignored",
                sheet=sheet.name,
                row=number,
                value=note[:80],
            )
            continue
        gap, data = False, True
        if place is not None and period is not None and period < len(row):
            parsed.period_cells.add(place, number, row[period])
        if shape.record_type is not None:
            row_kind = _row_kind(parsed, sheet.name, number, row, shape)
            if row_kind is None:
                _reject(parsed, kind, row, mapping)
                continue
            if row_kind is RecordKind.DEPENDENCIES:
                _dependency_row(parsed, sheet.name, number, row, mapping, shape)
                continue
        for each in _rows_of(row, mapping, shape):
            record = _parse_one(
                parsed,
                sheet.name,
                number,
                each,
                mapping,
                shape,
                seen,
                differing,
                technology,
                grouped,
                sizing,
            )
            if record is None:
                continue
            if links:
                parsed.technology.extend(_links(parsed, sheet.name, number, each, mapping, record))
            if hosting is not None and hosting < len(each) and "hosting" not in record.unread:
                parsed.technology.extend(
                    _hosted(sheet.name, number, each[hosting], mapping, record)
                )
    _shape_notes(parsed, sheet.name, mapping, shape)
    if sizing is not None:
        for said in sizing.settle():
            column = mapping.letter(said.field_name) if said.field_name else None
            parsed.problem(
                Severity.WARNING, said.message, sheet=sheet.name, row=said.row, column=column
            )
    _say_differences(parsed, sheet.name, mapping, differing)
    if kind is RecordKind.SYSTEMS and "lifecycle_status" in mapping.fields:
        _say_ended(parsed, sheet.name, mapping)


def _parse_one(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    row: list[Any],
    mapping: ColumnMapping,
    shape: Shape,
    seen: dict[tuple[Any, ...], Record],
    differing: Differing,
    technology: list[str],
    grouped: bool,
    sizing: ServerSizing | None = None,
) -> Record | None:
    """Read one record from a row, with the components its technology columns and pairs name;
    a system a grouped sheet repeats is merged into the row that first gave it. On a sheet of
    one row per server, the row's server is counted for its system (`sizing`). The record
    read, or None when the row is rejected or repeats a dependency."""
    kind = mapping.layout.kind
    if shape.phases:
        stage = _phase(row, shape)
        row = _with_cell(row, mapping.fields["lifecycle_status"], stage.value if stage else None)
    repeated = grouped and _repeats(row, mapping, seen)
    record = _parse_record(parsed, sheet, number, row, mapping, repeated, shape.vocabularies)
    if record is None:
        _reject(parsed, kind, row, mapping)
        return None
    key = _record_key(record)
    earlier = seen.get(key)
    if earlier is not None and kind is RecordKind.DEPENDENCIES:
        # Relationship extracts list a link from both ends ("Depends on" and "Used by").
        parsed.problem(
            Severity.WARNING,
            f"the same dependency as row {earlier.row}; stored once",
            sheet=sheet,
            row=number,
        )
        return None
    if earlier is not None and not grouped:
        parsed.problem(
            Severity.ERROR,
            f"duplicate of row {earlier.row}: the same {_key_words(kind)} appears twice",
            sheet=sheet,
            row=number,
        )
        _reject(parsed, kind, row, mapping)
        return None
    if technology:
        if shape.product_class is not None:
            row = _with_class_product(row, shape, mapping)
        components = _technology(parsed, sheet, number, row, mapping, record, technology)
        if components is None:
            _reject(parsed, kind, row, mapping)
            return None
        parsed.technology.extend(components)
    if shape.pairs:
        parsed.technology.extend(_pairs(sheet, number, row, mapping, shape, record))
    if sizing is not None:
        system = earlier or record
        server = shape.servers
        text = _plain_text(row[server]) if server is not None and server < len(row) else None
        at = shape.server_kind
        said = _plain_text(row[at]) if at is not None and at < len(row) else None
        sizing.add(system.values, system.unread, record.values, record.unread, number, text, said)
    if earlier is not None:
        _merge(earlier, record, differing, skip=server_sizing.FIELDS if sizing else ())
        return record
    seen[key] = record
    parsed.records[kind].append(record)
    return record


def _server_sizing(mapping: ColumnMapping, shape: Shape) -> ServerSizing | None:
    """The tally of each system's servers, on a systems sheet of one row per server; the
    number of virtual machines is then given by the sheet, counted, where no column gives it."""
    if mapping.layout.kind is not RecordKind.SYSTEMS or shape.servers is None:
        return None
    mapping.derived.add(server_sizing.COUNT)
    read = frozenset(name for name in server_sizing.FIELDS if name in mapping.fields)
    headers = {name: mapping.headers.get(mapping.fields[name], name) for name in read}
    kinds = None
    if shape.server_kind is not None and shape.profile is not None:
        mapping.derived.add(server_sizing.PHYSICAL)
        kinds = server_sizing.ServerKinds(
            mapping.headers.get(shape.server_kind, ""), shape.profile.server_kinds
        )
    return ServerSizing(read, headers, kinds=kinds)


def _phase(row: list[Any], shape: Shape, today: dt.date | None = None) -> LifecycleStatus | None:
    """The stage a row's phase dates put it in today: that of the latest phase begun (LeanIX's
    plan, phase in, active, phase out, end of life); None when none has begun or none is
    dated. A date that cannot be read is passed over, as an unknown."""
    today = today or dt.date.today()
    width = len(row)
    found: tuple[dt.date, str] | None = None
    for index, stage in shape.phases:
        try:
            when = values.parse_date(row[index], lambda _m: None) if index < width else None
        except CellError:
            when = None
        if isinstance(when, dt.datetime):
            when = when.date()
        if when is not None and when <= today and (found is None or when >= found[0]):
            found = (when, stage)
    return LifecycleStatus(found[1]) if found else None


def _rows_of(row: list[Any], mapping: ColumnMapping, shape: Shape) -> list[list[Any]]:
    """The rows one row of a grouped sheet stands for: as it is, or named by its server where
    no application claims it, or once per application where it lists several."""
    if not shape.grouped:
        return [row]
    index = mapping.fields.get("name")
    if index is None:
        return [row]
    text = _plain_text(row[index]) if index < len(row) else None
    if text is None and shape.server is not None and shape.server < len(row):
        return [_with_cell(row, index, row[shape.server])]
    if text is None or not shape.application_list:
        return [row]
    names = split_systems(text)
    if len(names) < 2:
        return [row]
    return [_with_cell(row, index, name) for name in names]


def _with_cell(row: list[Any], index: int, value: Any) -> list[Any]:
    """A copy of the row with one cell replaced (a short row padded to reach it)."""
    copy = list(row) + [None] * (index + 1 - len(row))
    copy[index] = value
    return copy


def _with_class_product(row: list[Any], shape: Shape, mapping: ColumnMapping) -> list[Any]:
    """The row with its class cell read as the product it names (None for a class that is no
    product, remembered to say once, with the class's version set aside)."""
    index = shape.product_class
    assert index is not None
    text = _plain_text(row[index]) if index < len(row) else None
    if text is None:
        return row
    product = technology.class_product(text, shape.classes)
    if product is None:
        shape.skipped_classes.add(text)
        version = mapping.extra.get("technology_version")
        if version is not None and version < len(row):
            row = _with_cell(row, version, None)
    return _with_cell(row, index, product)


def _pairs(
    sheet: str, number: int, row: list[Any], mapping: ColumnMapping, shape: Shape, system: Record
) -> list[Record]:
    """The components a row's category / value pairs name."""
    found: list[Record] = []
    width = len(row)
    for category_index, value_index in shape.pairs:
        category = _plain_text(row[category_index]) if category_index < width else None
        value = _plain_text(row[value_index]) if value_index < width else None
        if category is None or value is None:
            continue
        kind = shape.category_kind(category)
        if kind is None:
            continue
        for cell in technology.read_pair(category, value, kind):
            found.append(
                Record(
                    RecordKind.COMPONENTS,
                    number,
                    {
                        "reference": system.values["reference"],
                        "kind": cell.kind,
                        "product": cell.product,
                        "version": cell.version,
                    },
                    sheet=sheet,
                    column=_letter(value_index),
                )
            )
    return found


def _row_kind(
    parsed: ParsedReturn, sheet: str, number: int, row: list[Any], shape: Shape
) -> RecordKind | None:
    """What a row of a mixed sheet is, by its record type; None (reported) if it says neither."""
    index = shape.record_type
    assert index is not None
    raw = row[index] if index < len(row) else None
    text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else _plain_text(raw)
    kind = shape.record_kinds.get(normalise(text or ""))
    if kind is None:
        allowed = ", ".join(sorted(shape.record_kinds))
        parsed.problem(
            Severity.ERROR,
            f"record type {text!r} is neither an application nor a dependency row",
            sheet=sheet,
            row=number,
            column=_letter(index),
            value=text,
            expected=f"one of {allowed}",
        )
    return kind


def _dependency_row(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    row: list[Any],
    mapping: ColumnMapping,
    shape: Shape,
) -> None:
    """A dependency row of a mixed sheet: the row's system, the other it names, and which of
    the two depends on the other (by its direction column; the row's system when it has none)."""
    index = _key_index(mapping)
    width = len(row)
    system = _plain_text(row[index]) if index is not None and index < width else None
    other_index = shape.other
    other = (
        _plain_text(row[other_index]) if other_index is not None and other_index < width else None
    )
    if system is None or other is None:
        parsed.rejected.setdefault(RecordKind.DEPENDENCIES, 0)
        parsed.rejected[RecordKind.DEPENDENCIES] += 1
        missing = index if system is None else other_index
        parsed.problem(
            Severity.ERROR,
            "a dependency row must name both its application and the one it depends on or is "
            "used by",
            sheet=sheet,
            row=number,
            column=_letter(missing) if missing is not None else None,
        )
        return
    depends = True
    if shape.direction is not None and shape.direction < width:
        direction = _plain_text(row[shape.direction])
        folded = normalise(direction or "")
        if folded in shape.used_by:
            depends = False
        elif direction is not None and folded not in shape.depends_on:
            parsed.rejected.setdefault(RecordKind.DEPENDENCIES, 0)
            parsed.rejected[RecordKind.DEPENDENCIES] += 1
            words = sorted(shape.depends_on | shape.used_by)
            parsed.problem(
                Severity.ERROR,
                f"dependency direction {direction!r} is not one estate reads",
                sheet=sheet,
                row=number,
                column=_letter(shape.direction),
                value=direction,
                expected=f"one of {', '.join(words)}",
            )
            return
    ends = (system, other) if depends else (other, system)
    parsed.technology.append(
        _dependency(
            number,
            parsed.department,
            ends,
            sheet,
            _letter(other_index) if other_index is not None else None,
        )
    )


def _shape_notes(parsed: ParsedReturn, sheet: str, mapping: ColumnMapping, shape: Shape) -> None:
    """Say once per sheet what its shape met and did not store."""
    if shape.skipped_categories:
        named = ", ".join(sorted(shape.skipped_categories))
        parsed.problem(
            Severity.WARNING,
            f"tag categories that are no kind of component, not stored as technology: {named}",
            sheet=sheet,
            row=mapping.header_row,
        )
    if shape.skipped_classes:
        named = ", ".join(sorted(shape.skipped_classes))
        parsed.problem(
            Severity.WARNING,
            f"classes that name no product the lifecycle catalogue knows, no component stored "
            f"for them: {named}",
            sheet=sheet,
            row=mapping.header_row,
        )


ENDED = (LifecycleStatus.RETIRED, LifecycleStatus.CANCELLED)
"""Lifecycle stages of a system no longer (or never) in use: stored as such, and said."""


def _say_ended(parsed: ParsedReturn, sheet: str, mapping: ColumnMapping) -> None:
    """One line saying which systems the sheet gives as retired or cancelled: they are stored
    with that stage, not rejected, and a reader should know the return lists them."""
    for stage in ENDED:
        rows = [
            r.row
            for r in parsed.records[RecordKind.SYSTEMS]
            if r.values.get("lifecycle_status") is stage
        ]
        if rows:
            noun = counted(len(rows), "system")
            parsed.problem(
                Severity.WARNING,
                f"{noun} {'is' if len(rows) == 1 else 'are'} {stage.value.lower()} "
                f"({'row' if len(rows) == 1 else 'rows'} {row_runs(rows)}): stored as "
                f"{stage.value.lower()}",
                sheet=sheet,
                row=rows[0],
                column=mapping.letter("lifecycle_status"),
            )


def _technology(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    row: list[Any],
    mapping: ColumnMapping,
    system: Record,
    targets: list[str],
) -> list[Record] | None:
    """The components a systems row's technology columns name; None when the row is rejected."""
    width = len(row)
    cells = {t: row[mapping.extra[t]] if mapping.extra[t] < width else None for t in targets}
    notes: list[str] = []
    try:
        found = technology.read_row(cells, notes.append)
    except CellError as exc:
        letter = mapping.letter_of("technology_type")
        raw = cells.get("technology_type")
        skipped = f"; {_CELL_SKIPPED}" if parsed.skip_invalid else ""
        parsed.problem(
            Severity.ERROR,
            f"Technology type: {exc}{skipped}",
            sheet=sheet,
            row=number,
            column=letter,
            value=str(raw),
            expected=exc.expected,
        )
        if not parsed.skip_invalid:
            return None
        cells.pop("technology_type")
        found = technology.read_row(cells, notes.append)
    for note in notes:
        parsed.problem(Severity.WARNING, note, sheet=sheet, row=number)
    too_long = [c for c in found if _over_limit(parsed, sheet, number, mapping, c)]
    if too_long and not parsed.skip_invalid:
        return None
    reference = system.values["reference"]
    return [
        Record(
            RecordKind.COMPONENTS,
            number,
            {"reference": reference, "kind": c.kind, "product": c.product, "version": c.version},
            sheet=sheet,
            column=mapping.letter_of(c.column),
        )
        for c in found
        if c not in too_long
    ]


def _over_limit(
    parsed: ParsedReturn, sheet: str, number: int, mapping: ColumnMapping, found: Any
) -> bool:
    """Whether a technology cell names a product or version longer than estate stores (each
    such is reported as an error on its cell)."""
    over = False
    for name in ("product", "version"):
        value = getattr(found, name)
        limit = limits.too_long(name, value)
        if limit is not None:
            over = True
            parsed.problem(
                Severity.ERROR,
                f"the {name} read from this cell is {len(value)} characters; estate stores at "
                f"most {limit}",
                sheet=sheet,
                row=number,
                column=mapping.letter_of(found.column),
                value=value,
            )
    return over


def _hosted(
    sheet: str, number: int, raw: Any, mapping: ColumnMapping, system: Record
) -> list[Record]:
    """The components a systems row's hosting cell names ("Windows Server 2012 R2", "Azure /
    RHEL 8"): its parser has warned of each."""
    return [
        Record(
            RecordKind.COMPONENTS,
            number,
            {
                "reference": system.values["reference"],
                "kind": c.kind,
                "product": c.product,
                "version": c.version,
            },
            sheet=sheet,
            column=mapping.letter("hosting"),
        )
        for c in technology.hosting_cell(raw).products
    ]


def _links(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    row: list[Any],
    mapping: ColumnMapping,
    system: Record,
) -> list[Record]:
    """Dependencies a systems row lists in "Depends on" or "Used by" columns."""
    reference = system.values["reference"]
    found: list[Record] = []
    for column in SYSTEM_LINK_COLUMNS:
        index = mapping.extra.get(column.target)
        if index is None or index >= len(row):
            continue
        text = values.parse_text(row[index], lambda _m: None)
        for other in split_systems(text) if text else ():
            ends = (reference, other) if column is DEPENDS_ON else (other, reference)
            found.append(
                _dependency(
                    number, parsed.department, ends, sheet, mapping.letter_of(column.target)
                )
            )
    return found


Differing = dict[str, list[tuple[Record, Record, Any]]]
"""Field -> (the row that gave a system first, a later row of it, the later row's differing
value), for the one line per field that says so."""


def _merge(
    earlier: Record, later: Record, differing: Differing, skip: tuple[str, ...] = ()
) -> None:
    """A system repeated on another row (one row per technology): the later row fills the
    fields the earlier left blank; where both give a value and they differ, the earlier row's
    is stored and the difference noted for `_say_differences`. The `skip` fields are settled
    otherwise (a system's size, from its servers')."""
    for name, value in later.values.items():
        if value is None or name in skip:
            continue
        kept = earlier.values.get(name)
        if kept is None:
            earlier.values[name] = value
            earlier.unread.discard(name)
        elif kept != value:
            differing.setdefault(name, []).append((earlier, later, value))


def _say_differences(
    parsed: ParsedReturn, sheet: str, mapping: ColumnMapping, differing: Differing
) -> None:
    """One line per field on which rows repeating a system disagree, not one per row: how many
    rows, which, and the first case in full."""
    for name, cases in differing.items():
        header = mapping.layout.column(name).header
        rows = sorted({later.row for _, later, _ in cases})
        earlier, later, value = cases[0]
        kept = earlier.values[name]
        rows_said = f"row {rows[0]}" if len(rows) == 1 else f"rows {row_runs(rows)}"
        parsed.problem(
            Severity.WARNING,
            f"{counted(len(rows), 'row')} {'repeats' if len(rows) == 1 else 'repeat'} a "
            f"system with a different {header} "
            f"({rows_said}); the value of the system's first row was stored (system "
            f"{earlier.values['reference']!r}: {_shown(kept)} on row {earlier.row}, "
            f"{_shown(value)} on row {later.row})",
            sheet=sheet,
            row=later.row,
            column=mapping.letter(name),
            value=_shown(value),
        )


def _shown(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return repr(value.value if isinstance(value, StrEnum) else value)


def _gather_technology(parsed: ParsedReturn) -> None:
    """Add the components and dependencies read from systems rows to their own sheets', once
    each: what a row repeats, or the other sheet already lists, is not added again."""
    keys: dict[RecordKind, set[tuple[Any, ...]]] = {}
    for record in parsed.technology:
        kind = record.kind
        if kind not in keys:
            parsed.rejected.setdefault(kind, 0)
            keys[kind] = {_record_key(r) for r in parsed.records.setdefault(kind, [])}
        key = _record_key(record)
        if key not in keys[kind]:
            keys[kind].add(key)
            parsed.records[kind].append(record)
    parsed.technology.clear()


def _reject(parsed: ParsedReturn, kind: RecordKind, row: list[Any], mapping: ColumnMapping) -> None:
    parsed.rejected[kind] += 1
    index = _key_index(mapping)
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


_CELL_SKIPPED = "this cell was not imported (the field keeps its stored value, unknown if new)"


def _repeats(row: list[Any], mapping: ColumnMapping, seen: dict[tuple[Any, ...], Record]) -> bool:
    """Whether a systems row names, by its reference, a system an earlier row gave: in a CMDB
    extract (one row per technology) the later rows may leave the system's fields blank."""
    index = mapping.fields.get("reference")
    if index is None or index >= len(row):
        return False
    reference = _plain_text(row[index])
    return reference is not None and (reference.casefold(),) in seen


def _column_named(header: str, heading: str | None) -> str:
    """A column as a problem names it: by the estate's header, and by the file's own heading
    too where the file heads it otherwise (`RAM.TotalSizeInMB (read as Memory (GB))`), so the
    person fixing the file finds the column they know."""
    if heading is None or not heading.strip() or normalise(heading) == normalise(header):
        return header
    return f"{heading.strip()} (read as {header})"


def _parse_record(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    row: list[Any],
    mapping: ColumnMapping,
    repeated: bool = False,
    vocabularies: dict[str, dict[str, str]] | None = None,
) -> Record | None:
    """One row's typed values, every unreadable or missing required cell reported; None when
    the row is rejected. A `repeated` system's row need give only its reference: the row that
    first gave the system supplies the rest. `vocabularies` (field -> folded tool spelling ->
    the estate's) read a tool's own status and criticality words."""
    result: dict[str, Any] = {}
    ok = True
    notes: list[str] = []
    unread: set[str] = set()
    width = len(row)
    for column, index, letter in mapping.plan:
        raw = row[index] if index < width else None
        if vocabularies and isinstance(raw, str | int) and column.field in vocabularies:
            raw = vocabularies[column.field].get(normalise(str(raw)), raw)
        try:
            value = column.parser(raw, notes.append)
            if (limit := limits.too_long(column.field, value)) is not None:
                raise CellError(
                    f"is {len(value)} characters; estate stores at most {limit} here",
                    expected=f"at most {limit} characters",
                )
        except CellError as exc:
            skip = parsed.skip_invalid and not column.required
            named = _column_named(column.header, mapping.headers.get(index))
            parsed.problem(
                Severity.ERROR,
                f"{named}: {exc}; {_CELL_SKIPPED}" if skip else f"{named}: {exc}",
                sheet=sheet,
                row=number,
                column=letter,
                value=str(raw),
                expected=exc.expected,
            )
            if skip:
                result[column.field] = None
                unread.add(column.field)
            else:
                ok = False
            continue
        if notes:
            for note in notes:
                shown = None if raw is None else str(raw)
                parsed.problem(
                    Severity.WARNING, note, sheet=sheet, row=number, column=letter, value=shown
                )
            notes.clear()
        if (
            value is None
            and column.required
            and column.field != "department"
            and not (repeated and column.field != "reference")
        ):
            if raw is None and parsed.formula_at(sheet, number, index):
                message = (
                    f"{column.header}: the cell holds a formula with no saved value (the file "
                    "was written by a program and never opened in Excel); open and save the "
                    "file in Excel, then import it again"
                )
            else:
                message = f"{column.header} is required"
            parsed.problem(
                Severity.ERROR,
                message,
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
        result["cloud_provider"] = technology.hosting_cell(row[mapping.fields["hosting"]]).provider
    record = _finish_record(parsed, sheet, number, mapping, row, result)
    if record is not None:
        record.unread = unread
    return record


def _extra_text(row: list[Any], mapping: ColumnMapping, target: str) -> str | None:
    index = mapping.extra.get(target)
    if index is None or index >= len(row):
        return None
    return values.parse_text(row[index], lambda _m: None)


def _finish_record(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    mapping: ColumnMapping,
    row: list[Any],
    values_: dict[str, Any],
) -> Record | None:
    """Check the row is the return's department's and complete what the sheet's shape implies:
    a name as key, a second identifier, a relationship's direction, a left-out type."""
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
    kind = mapping.layout.kind
    also: tuple[str, ...] = ()
    if kind is RecordKind.SYSTEMS:
        if mapping.name_is_key:  # the name is the key: read as every key is
            try:
                values_["reference"] = keys.reference(values_["name"], "the name, as the key,")
            except keys.KeyRefused as exc:
                parsed.problem(
                    Severity.ERROR,
                    f"{exc}",
                    sheet=sheet,
                    row=number,
                    column=mapping.letter("name"),
                    value=values_["name"],
                )
                return None
        if mapping.identifier is not None and mapping.identifier < len(row):
            other = values.parse_text(row[mapping.identifier], lambda _m: None)
            also = (other,) if other else ()
        _check_memory(parsed, sheet, number, mapping, values_)
    if kind is RecordKind.DEPENDENCIES and not _dependency_ends(
        parsed, sheet, number, mapping, row, values_
    ):
        return None
    if kind is RecordKind.COMPONENTS:
        values_["version"] = values_.get("version") or ""
    return Record(kind, number, values_, also=also)


MOST_MEMORY_A_VCPU = 256
"""GB of memory a vCPU no server holds: the largest machines sold hold some 55 (24 TB for 448
vCPUs). Memory given in MB and read as GB holds a thousand times what it should."""


def _check_memory(
    parsed: ParsedReturn, sheet: str, number: int, mapping: ColumnMapping, values_: dict[str, Any]
) -> None:
    """Warn of a row's memory that no server holds for its vCPUs: most likely megabytes under
    a header that names no unit (Azure Migrate's CSV import calls its column "Memory", in MB),
    which would make its energy and carbon a thousand times too large."""
    memory, vcpus = values_.get("memory_gb"), values_.get("vcpus")
    if not memory or not vcpus or memory / vcpus <= MOST_MEMORY_A_VCPU:
        return
    parsed.problem(  # in the same words for every row, so that the problems group
        Severity.WARNING,
        f"more memory for its vCPUs than any server holds (over {MOST_MEMORY_A_VCPU} GB a "
        "vCPU), so its energy and carbon are overstated: if the column is in MB, name the "
        "unit in its header (Memory (MB)) or in the cell (8192 MB)",
        sheet=sheet,
        row=number,
        column=mapping.letter("memory_gb"),
        value=f"{memory:,.0f} GB for {vcpus:,} vCPUs",
        expected="memory in GB, such as 64, or with its unit, such as 65536 MB",
    )


def _dependency_ends(
    parsed: ParsedReturn,
    sheet: str,
    number: int,
    mapping: ColumnMapping,
    row: list[Any],
    values_: dict[str, Any],
) -> bool:
    """Settle which end depends on which; False (with the problem recorded) if it cannot be."""
    department = parsed.department
    if mapping.relationship_shape:
        parent = _extra_text(row, mapping, "parent")
        child = _extra_text(row, mapping, "child")
        for target, text in (("parent", parent), ("child", child)):
            if text is None:
                parsed.problem(
                    Severity.ERROR,
                    f"{target.capitalize()} is required",
                    sheet=sheet,
                    row=number,
                    column=mapping.letter_of(target),
                    expected="the system at that end of the relationship",
                )
                return False
        assert parent is not None and child is not None
        depends = True
        relationship = _extra_text(row, mapping, "relationship")
        if relationship is not None:
            try:
                depends = parent_depends_on_child(relationship)
            except CellError as exc:
                parsed.problem(
                    Severity.ERROR,
                    f"Relationship type: {exc}",
                    sheet=sheet,
                    row=number,
                    column=mapping.letter_of("relationship"),
                    value=relationship,
                    expected=exc.expected,
                )
                return False
        values_["reference"], values_["to_reference"] = (
            (parent, child) if depends else (child, parent)
        )
        if "kind" not in mapping.fields and relationship is not None:
            values_["kind"] = relationship_kind(relationship)
    if "kind" not in mapping.fields and "kind" not in values_:
        values_["kind"] = DependencyKind.API
    org = values_.get("to_org_code")
    values_["to_org_code"] = org.upper() if org else department
    if values_["to_org_code"] == department and values_["to_reference"] == values_["reference"]:
        parsed.problem(
            Severity.ERROR,
            "a system cannot depend on itself",
            sheet=sheet,
            row=number,
            column=mapping.letter_of(
                "to_reference" if "to_reference" in mapping.fields else "child"
            ),
            value=values_["to_reference"],
        )
        return False
    return True
