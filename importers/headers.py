"""Finding a sheet's header row and mapping its headers onto the return's fields.

Returns arrive in the template's layout or the department's own: title rows above the header,
"Application" where we say "System name", stray punctuation, typos. Matching is, in order: a
user mapping file, the canonical header, a documented alias (all compared after folding case,
spacing and punctuation), then a close fuzzy match, reported as a warning so a person can check.
Columns that match nothing are reported, never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from estate.enums import ComponentKind, UnknownSpelling, normalise, parse_enum
from estate.errors import InputError
from estate.files import load_toml
from importers import period_column
from importers.cells import column_letter
from importers.layout import LAYOUTS, Column, RecordKind, SheetLayout
from importers.relationships import DEPENDENCY_COLUMNS, GUESSED_DIRECTION, SYSTEM_LINK_COLUMNS
from importers.technology import TECH_BY_TARGET, TECH_COLUMNS

_IN_POUNDS = re.compile(
    r"\s(?:in\s)?(?:gbp|pounds|sterling)(?:\s(?:per\s(?:year|annum)|a\syear|pa))?$"
    r"|\s(?:per\s(?:year|annum)|a\syear|pa)$"
)
"""A money header's unit, written out after the name ("Annual cost (GBP)", "Run cost in pounds
per annum"), as `normalise` leaves it: the amount is in pounds a year whatever it says, as
the template's "(£)" is. A multiplier ("£k", "£m") is no unit here: it changes the amount."""

HEADER_SCAN_ROWS = 30
"""How far down a sheet to look for its header row."""
FUZZY_CUTOFF = 88
"""rapidfuzz score (0-100) a header must reach to be taken as a misspelling of a column."""
GUESS_CUTOFF = 60
"""rapidfuzz score (0-100) a target must reach to be offered as a guess for an unread header."""


@dataclass
class ColumnMapping:
    """How one sheet's columns map onto a layout's fields."""

    layout: SheetLayout
    header_row: int
    fields: dict[str, int]
    """field -> 0-based column index."""
    fuzzy: dict[str, str] = field(default_factory=dict)
    """field -> the header text that was only a close match."""
    unknown: dict[int, str] = field(default_factory=dict)
    """0-based column index -> header text that matched no field."""
    duplicates: dict[int, str] = field(default_factory=dict)
    """0-based column index -> header text of a second column for an already-mapped field."""
    extra: dict[str, int] = field(default_factory=dict)
    """Columns beyond the layout's fields (technology on a systems sheet, a CMDB relationship
    extract's parent, type and child): target -> 0-based column index."""
    identifier: int | None = None
    """A systems sheet's second identifier column (an application number beside the reference):
    dependency ends may name a system by it."""
    headers: dict[int, str] = field(default_factory=dict)
    """0-based column index -> header text, for every headed column."""
    from_user: set[int] = field(default_factory=set)
    """0-based indexes of the columns a --mapping file placed."""

    def letter(self, field_name: str) -> str:
        """The spreadsheet column letter a field was read from."""
        return column_letter(self.fields[field_name] + 1)

    @cached_property
    def plan(self) -> list[tuple[Column, int, str]]:
        """(column, index in the row, column letter) for each mapped field, in layout order:
        worked out once per sheet, not once per cell."""
        return [
            (column, self.fields[column.field], self.letter(column.field))
            for column in self.layout.columns
            if column.field in self.fields
        ]

    def letter_of(self, target: str) -> str:
        """The column letter of a field or an extra column."""
        index = self.fields.get(target, self.extra.get(target))
        assert index is not None
        return column_letter(index + 1)

    @cached_property
    def name_is_key(self) -> bool:
        """A systems sheet with no reference column: the system name is its key (asked once
        the headers are all read, as `plan` is)."""
        return (
            self.layout.kind is RecordKind.SYSTEMS
            and "reference" not in self.fields
            and "name" in self.fields
        )

    @cached_property
    def relationship_shape(self) -> bool:
        """A CMDB relationship extract: parent and child columns give the ends."""
        return "parent" in self.extra and "child" in self.extra

    @property
    def direction_guessed(self) -> bool:
        """Ends headed from / to, whose direction is a guess."""
        return any(
            normalise(self.headers[self.fields[name]]) in GUESSED_DIRECTION
            for name in ("reference", "to_reference")
            if name in self.fields and self.fields[name] not in self.from_user
        )

    @property
    def missing_required(self) -> list[str]:
        """Headers of required columns the sheet does not have.

        The department is never required of a sheet (it may come from --department or the
        cover sheet); a systems sheet without a reference is keyed by name; a dependency sheet
        may give its ends as parent and child, and its type may be left out."""
        excused = {"department"}
        if self.name_is_key:
            excused.add("reference")
        if self.layout.kind is RecordKind.DEPENDENCIES:
            excused.add("kind")
            if self.relationship_shape:
                excused |= {"reference", "to_reference"}
        return [
            c.header
            for c in self.layout.columns
            if c.required and c.field not in self.fields and c.field not in excused
        ]


UserMapping = dict[RecordKind, dict[str, str]]

EXTRA_COLUMNS: dict[RecordKind, dict[str, str]] = {
    kind: {period_column.PERIOD: period_column.HEADER} for kind in RecordKind
}
EXTRA_COLUMNS[RecordKind.SYSTEMS] |= {c.target: c.header for c in TECH_COLUMNS} | {
    c.target: c.header for c in SYSTEM_LINK_COLUMNS
}
EXTRA_COLUMNS[RecordKind.DEPENDENCIES] |= {c.target: c.header for c in DEPENDENCY_COLUMNS}
"""Per sheet kind, the columns beyond its layout's fields a header (or a mapping) can name:
target -> description. Any sheet may say the return's reporting period in a column."""


def targets(kind: RecordKind) -> dict[str, str]:
    """Every name a header of this sheet kind can be mapped to, with what it means."""
    layout = next(layout for layout in LAYOUTS if layout.kind is kind)
    return {c.field: c.header for c in layout.columns} | EXTRA_COLUMNS.get(kind, {})


_KIND_TARGETS = {
    ComponentKind.OS: "os",
    ComponentKind.DATABASE: "database",
    ComponentKind.MIDDLEWARE: "middleware",
    ComponentKind.RUNTIME: "runtime",
    ComponentKind.HARDWARE: "hardware",
    ComponentKind.APPLICATION: "technology",
}
"""A systems-sheet column mapped to a component kind ("Operating system") reads as that
kind's technology column."""


def load_user_mapping(path: Path) -> UserMapping:
    """Read a TOML mapping file: a table per sheet kind, `"Their header" = "field"`.

    A field is any field of that sheet kind, or one of its extra columns: on a systems sheet a
    technology column (`os`, `database`, ..., or a component kind such as "Operating system")
    or the systems each one depends on or is used by (`depends_on`, `used_by`); on a
    dependencies sheet either end (`reference` depends on `to_reference`) or a relationship
    extract's `parent`, `child` and `relationship`; on any sheet, the reporting `period`.

    Example::

        [systems]
        "App Ref" = "reference"
        "Risk Owner (SRO)" = "business_owner"
        "Server OS" = "Operating system"
    """
    data = load_toml(path, "mapping")
    mapping: UserMapping = {}
    for kind_name, table in data.items():
        try:
            kind = RecordKind(kind_name)
        except ValueError:
            raise InputError(
                f"{path}: [{kind_name}] is not a sheet kind; use one of "
                f"{', '.join(k.value for k in RecordKind)}."
            ) from None
        known = set(targets(kind))
        if not isinstance(table, dict):
            raise InputError(f"{path}: [{kind_name}] must be a table of header = field.")
        table = {h: _as_target(kind, str(t)) for h, t in table.items()}
        for header, target in table.items():
            if target not in known:
                raise InputError(
                    f"{path}: [{kind_name}] maps {header!r} to {target!r}, which is not a field; "
                    f"fields are {', '.join(sorted(known))}."
                )
        mapping[kind] = {normalise(str(h)): str(t) for h, t in table.items()}
    return mapping


def _as_target(kind: RecordKind, target: str) -> str:
    """A component kind named as a systems column's target means its technology column."""
    if kind is RecordKind.SYSTEMS and target not in targets(kind):
        try:
            return _KIND_TARGETS[parse_enum(ComponentKind, target)]
        except UnknownSpelling:
            return target
    return target


def guesses(text: str, kind: RecordKind, limit: int = 3) -> list[str]:
    """The targets an unrecognised header most resembles, best first (for a mapping file)."""
    vocabulary = _VOCABULARIES[kind]
    found: list[str] = []
    for spelling, _score, _index in process.extract(
        normalise(text),
        list(vocabulary),
        scorer=fuzz.token_sort_ratio,
        limit=limit * 4,
        score_cutoff=GUESS_CUTOFF,
    ):
        target = vocabulary[spelling]
        if target not in found:
            found.append(target)
    return found[:limit]


def _vocabulary(layout: SheetLayout) -> dict[str, str]:
    words: dict[str, str] = {}
    for column in layout.columns:
        for spelling in (*column.aliases, column.field.replace("_", " ")):
            words.setdefault(normalise(spelling), column.field)
    for column in layout.columns:  # canonical headers win over any alias
        words[normalise(column.header)] = column.field
    extras: list[tuple[str, tuple[str, ...]]] = []
    if layout.kind is RecordKind.SYSTEMS:
        extras = [(c.target, c.aliases) for c in TECH_COLUMNS]
        extras += [(c.target, c.aliases) for c in SYSTEM_LINK_COLUMNS]
    elif layout.kind is RecordKind.DEPENDENCIES:
        extras = [(c.target, c.aliases) for c in DEPENDENCY_COLUMNS]
    extras.append((period_column.PERIOD, period_column.ALIASES))
    for target, aliases in extras:  # the layout's own fields win
        for spelling in aliases:
            words.setdefault(normalise(spelling), target)
    return words


_VOCABULARIES = {layout.kind: _vocabulary(layout) for layout in LAYOUTS}


def _match(text: str, layout: SheetLayout, user: dict[str, str]) -> tuple[str | None, bool]:
    """(field, fuzzy?) for one header cell."""
    key = normalise(text)
    if not key:
        return None, False
    if key in user:
        return user[key], False
    vocabulary = _VOCABULARIES[layout.kind]
    if key in vocabulary:
        return vocabulary[key], False
    plain = _IN_POUNDS.sub("", key)
    if plain != key and plain in vocabulary:
        return vocabulary[plain], False
    best = process.extractOne(key, list(vocabulary), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is not None:
        return vocabulary[best[0]], True
    return None, False


def map_row(
    row: list[Any], header_row: int, layout: SheetLayout, user: UserMapping
) -> ColumnMapping:
    """Map one candidate header row onto `layout`."""
    mapping = ColumnMapping(layout, header_row, {})
    user_for_kind = user.get(layout.kind, {})
    extra = EXTRA_COLUMNS.get(layout.kind, {})
    for index, cell in enumerate(row):
        if cell is None or not str(cell).strip():
            continue
        text = str(cell).strip()
        mapping.headers[index] = text
        if normalise(text) in user_for_kind:
            mapping.from_user.add(index)
        field_name, fuzzy = _match(text, layout, user_for_kind)
        if field_name is None:
            mapping.unknown[index] = text
        elif field_name in extra:
            if field_name in mapping.extra:
                mapping.duplicates[index] = text
            else:
                mapping.extra[field_name] = index
        elif field_name in mapping.fields:
            if (
                field_name == "reference"
                and layout.kind is RecordKind.SYSTEMS
                and mapping.identifier is None
                and not fuzzy
            ):
                mapping.identifier = index
            else:
                mapping.duplicates[index] = text
        else:
            mapping.fields[field_name] = index
            if fuzzy:
                mapping.fuzzy[field_name] = text
    _settle_shapes(mapping)
    return mapping


def _settle_shapes(mapping: ColumnMapping) -> None:
    """Readings that depend on the other headers of the row.

    In a relationship extract (parent and child columns) a column headed "Type" is the
    relationship type, not the dependency's mechanism. A version column with no "Technology"
    column beside it completes the technology column just left of it ("Database", "Version").
    """
    kind_index = mapping.fields.get("kind")
    if (
        mapping.relationship_shape
        and "relationship" not in mapping.extra
        and kind_index is not None
        and normalise(mapping.headers[kind_index]) in ("type", "relationship type")
    ):
        mapping.extra["relationship"] = mapping.fields.pop("kind")
    version = mapping.extra.get("technology_version")
    if version is not None and "technology" not in mapping.extra:
        left = next((t for t, i in mapping.extra.items() if i == version - 1), None)
        column = TECH_BY_TARGET.get(left) if left else None
        if column and column.version_of is None and f"{left}_version" not in mapping.extra:
            del mapping.extra["technology_version"]
            mapping.extra[f"{left}_version"] = version


def _score(mapping: ColumnMapping) -> tuple[int, int, int]:
    """Rank candidate readings: every required column there first, then the most required
    columns, then the most exact matches (extra columns such as technology count too)."""
    required = sum(1 for c in mapping.layout.columns if c.required and c.field in mapping.fields)
    exact = len(mapping.fields) - len(mapping.fuzzy) + len(mapping.extra)
    return int(not mapping.missing_required), required, exact


def detect(
    rows: list[list[Any]], layouts: tuple[SheetLayout, ...], user: UserMapping
) -> ColumnMapping | None:
    """The best (header row, layout) pair among the first rows, or None if nothing fits.

    The winner has the most required columns, then the most exact matches; at least two fields
    besides a period column must map, so a title row or a notes sheet is never mistaken for a
    header.
    """
    best: ColumnMapping | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in row if cell is not None) < 2:
            continue
        for layout in layouts:
            candidate = map_row(row, index + 1, layout, user)
            read = len(candidate.fields) + len(candidate.extra)
            if read - (period_column.PERIOD in candidate.extra) < 2:
                continue
            if best is None or _score(candidate) > _score(best):
                best = candidate
    return best


def layout_for_sheet_name(name: str) -> SheetLayout | None:
    """The layout a sheet's name points to ("Systems", "Tech stack", ...), if any."""
    key = normalise(name)
    for layout in LAYOUTS:
        if key in {normalise(layout.title), *(normalise(a) for a in layout.aliases)}:
            return layout
    return None
