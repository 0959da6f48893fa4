"""Finding a sheet's header row and mapping its headers onto the return's fields.

Returns arrive in the template's layout, the department's own, or a tool's export: title rows
above the header, "Application" where we say "System name", `*` marks, snake_case, stray
punctuation, typos. A user's mapping file is applied first and wins: a column it places is read
as it says, and a column the importer would have read as the same target is not read. The rest
match, in order, the canonical header, a documented alias (all compared after `header_key`
folds them), then a close misspelling, word for word, reported as a warning so a person can
check; a guess never sends a column to a key, money, the period or a framework score its
header does not name (`importers.guess_rules`). Columns that match nothing are reported, never
silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from rapidfuzz import fuzz, process

from estate.enums import normalise
from importers import period_column, values
from importers.cells import column_letter
from importers.guess_rules import says_so
from importers.layout import LAYOUT_BY_KIND, LAYOUTS, Column, RecordKind, SheetLayout
from importers.money_headers import header_scale
from importers.relationships import DEPENDENCY_COLUMNS, GUESSED_DIRECTION, SYSTEM_LINK_COLUMNS
from importers.targets import EXTRA_COLUMNS, SEVERAL, targets
from importers.technology import TECH_BY_TARGET, TECH_COLUMNS
from importers.user_mapping import UserMapping, header_key, load_user_mapping
from importers.values import Parser

__all__ = [
    "EXTRA_COLUMNS",
    "ColumnMapping",
    "UserMapping",
    "detect",
    "guesses",
    "header_key",
    "load_user_mapping",
    "map_row",
    "targets",
]

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
    overridden: dict[int, str] = field(default_factory=dict)
    """0-based column index -> header text of a column the importer would have read as a
    target the --mapping file gives another column: not read, as the mapping wins."""
    scale: dict[str, float] = field(default_factory=dict)
    """Money field -> pounds per unit of its cells, where the header ("(£k)") or the mapping
    file says the amounts are in thousands or millions."""
    parsers: dict[str, Parser] = field(default_factory=dict)
    """Field -> the parser that reads it in place of its column's own (a mapping file's words
    for a status)."""
    several: dict[str, list[int]] = field(default_factory=dict)
    """Target a sheet may give several columns (a pair's category or value) -> their 0-based
    indexes, in order."""
    derived: set[str] = field(default_factory=set)
    """Fields the sheet gives by its shape rather than a column (the number of virtual
    machines of a system whose rows are its servers)."""

    def letter(self, field_name: str) -> str:
        """The spreadsheet column letter a field was read from."""
        return column_letter(self.fields[field_name] + 1)

    @cached_property
    def plan(self) -> list[tuple[Column, int, str]]:
        """(column, index in the row, column letter) for each mapped field, in layout order:
        worked out once per sheet, not once per cell."""
        return [
            (self._reader(column), self.fields[column.field], self.letter(column.field))
            for column in self.layout.columns
            if column.field in self.fields
        ]

    def _reader(self, column: Column) -> Column:
        """The column as this sheet reads it: in its money unit, with the mapping's words."""
        parser = self.parsers.get(column.field)
        if parser is None and column.field in self.scale:
            parser = values.money_parser(self.scale[column.field])
        if parser is None and column.parser_for_header is not None:
            parser = column.parser_for_header(str(self.headers.get(self.fields[column.field], "")))
        return column if parser is None else replace(column, parser=parser)

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
            header_key(self.headers[self.fields[name]]) in GUESSED_DIRECTION
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


_VOCABULARY_EXTRAS: dict[RecordKind, dict[str, str]] = {
    RecordKind.SYSTEMS: {
        "configuration item number": "reference",
        "ci number": "reference",
        "server os version": "os_version",
        "server operating system version": "os_version",
        "server operating system": "os",
        "business application": "name",
        "business application name": "name",
        "configuration item status": "lifecycle_status",
        "configuration item owner": "business_owner",
        "life cycle stage": "lifecycle_status",
        "life cycle stage status": "lifecycle_status",
        "lifecycle phase": "lifecycle_status",
        "install status": "lifecycle_status",
        "operational status": "lifecycle_status",
    },
}
"""Headers tools write (snake_case, abbreviated) beyond the layout's aliases, folded by
`header_key`: "Conf Item Nr", "server_os_version"."""

HOST_NAMES = frozenset(
    {"server name", "server", "host name", "hostname", "host", "computer name", "machine name"}
    | {"vm name", "vm", "virtual machine name", "device name", "server fqdn", "fqdn"}
)
"""Headers naming the server a row is about (`header_key` folded): a server inventory's rows
are its systems, named by them, when no other column names a system."""


def guesses(text: str, kind: RecordKind, limit: int = 3) -> list[str]:
    """The targets an unrecognised header most resembles, best first (for a mapping file);
    never a key, money, the period or a framework score its header does not name
    (`says_so`)."""
    vocabulary = _VOCABULARIES[kind]
    key = header_key(text)
    found: list[str] = []
    for spelling, _score, _index in process.extract(
        key,
        list(vocabulary),
        scorer=fuzz.token_sort_ratio,
        limit=limit * 4,
        score_cutoff=GUESS_CUTOFF,
    ):
        target = vocabulary[spelling]
        if target not in found and says_so(target, key):
            found.append(target)
    return found[:limit]


def _vocabulary(layout: SheetLayout) -> dict[str, str]:
    words: dict[str, str] = {}
    for column in layout.columns:
        for spelling in (*column.aliases, column.field.replace("_", " ")):
            words.setdefault(header_key(spelling), column.field)
    for column in layout.columns:  # canonical headers win over any alias
        words[header_key(column.header)] = column.field
    extras: list[tuple[str, tuple[str, ...]]] = []
    if layout.kind is RecordKind.SYSTEMS:
        extras = [(c.target, c.aliases) for c in TECH_COLUMNS]
        extras += [(c.target, c.aliases) for c in SYSTEM_LINK_COLUMNS]
    elif layout.kind is RecordKind.DEPENDENCIES:
        extras = [(c.target, c.aliases) for c in DEPENDENCY_COLUMNS]
    extras.append((period_column.PERIOD, period_column.ALIASES))
    for target, aliases in extras:  # the layout's own fields win
        for spelling in aliases:
            words.setdefault(header_key(spelling), target)
    for spelling, target in _VOCABULARY_EXTRAS.get(layout.kind, {}).items():
        words.setdefault(header_key(spelling), target)
    return words


_VOCABULARIES = {layout.kind: _vocabulary(layout) for layout in LAYOUTS}


def _match(text: str, layout: SheetLayout) -> tuple[str | None, bool]:
    """(field, fuzzy?) for one header cell."""
    key = header_key(text)
    if not key:
        return None, False
    vocabulary = _VOCABULARIES[layout.kind]
    if key in vocabulary:
        return vocabulary[key], False
    plain = _IN_POUNDS.sub("", key)
    if plain != key and plain in vocabulary:
        return vocabulary[plain], False
    best = process.extractOne(key, list(vocabulary), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
    if best is not None and says_so(vocabulary[best[0]], key) and _word_for_word(key, best[0]):
        return vocabulary[best[0]], True
    return None, False


WORD_CUTOFF = 70
"""rapidfuzz score (0-100) each word of a misspelt header must reach against its word."""


def _word_for_word(key: str, spelling: str) -> bool:
    """Whether a close match is a misspelling word by word ("Busines owner"), not another word
    behind a long shared start ("Conf Item Code" is no "Conf Item Id")."""
    words, others = key.split(), spelling.split()
    if len(words) != len(others):
        return key.replace(" ", "") == spelling.replace(" ", "")
    return all(fuzz.ratio(a, b) >= WORD_CUTOFF for a, b in zip(words, others, strict=True))


def _is_money(layout: SheetLayout, target: str) -> bool:
    return any(c.field == target and c.parser is values.parse_money for c in layout.columns)


def map_row(
    row: list[Any], header_row: int, layout: SheetLayout, user: UserMapping
) -> ColumnMapping:
    """Map one candidate header row onto `layout`.

    The columns the user's mapping names are placed first, and win: a column the importer would
    itself read as a target the mapping gives another column is not read (`overridden`)."""
    mapping = ColumnMapping(layout, header_row, {})
    table = user.columns.get(layout.kind, {})
    units = user.units.get(layout.kind, {})
    texts = {
        index: str(cell).strip()
        for index, cell in enumerate(row)
        if cell is not None and str(cell).strip()
    }
    mapping.headers = texts
    for index, text in texts.items():
        key = header_key(text)
        if key in table:
            mapping.from_user.add(index)
            _place(mapping, index, text, table[key], False)
            if key in units:
                mapping.scale[table[key]] = units[key]
            elif _is_money(layout, table[key]) and header_scale(text)[1] != 1:
                mapping.scale[table[key]] = header_scale(text)[1]  # the unit its header names
    chosen = {
        t for t, i in (*mapping.fields.items(), *mapping.extra.items()) if i in mapping.from_user
    }
    for index, text in texts.items():
        if index in mapping.from_user:
            continue
        plain, scale = header_scale(text)
        field_name, fuzzy = _match(plain, layout)
        if field_name is None or (scale != 1 and not _is_money(layout, field_name)):
            field_name, fuzzy = _match(text, layout)
            scale = 1
        if field_name in chosen:
            mapping.overridden[index] = text
            continue
        _place(mapping, index, text, field_name, fuzzy)
        if field_name is not None and scale != 1 and mapping.fields.get(field_name) == index:
            mapping.scale[field_name] = scale
    for field_name, words in user.values.items():
        column = next((c for c in layout.columns if c.field == field_name), None)
        if column is not None and column.choices is not None and field_name in mapping.fields:
            mapping.parsers[field_name] = values.enum_parser(column.choices, words)
    _settle_shapes(mapping)
    return mapping


def _place(
    mapping: ColumnMapping, index: int, text: str, field_name: str | None, fuzzy: bool
) -> None:
    """Read one column as `field_name`: a field, an extra column, a second identifier, or a
    second copy of a target already read."""
    layout = mapping.layout
    if field_name is None:
        mapping.unknown[index] = text
    elif field_name in SEVERAL:
        mapping.several.setdefault(field_name, []).append(index)
    elif field_name in EXTRA_COLUMNS.get(layout.kind, {}):
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


def _settle_shapes(mapping: ColumnMapping) -> None:
    """Readings that depend on the other headers of the row.

    In a relationship extract (parent and child columns) a column headed "Type" is the
    relationship type, not the dependency's mechanism. A version column with no "Technology"
    column beside it completes the technology column just left of it ("Database", "Version").
    """
    if mapping.layout.kind is RecordKind.SYSTEMS and "name" not in mapping.fields:
        host = next(
            (i for i, text in mapping.unknown.items() if header_key(text) in HOST_NAMES), None
        )
        if host is not None:
            mapping.fields["name"] = host
            del mapping.unknown[host]
    kind_index = mapping.fields.get("kind")
    if (
        mapping.relationship_shape
        and "relationship" not in mapping.extra
        and kind_index is not None
        and kind_index not in mapping.from_user
        and header_key(mapping.headers[kind_index]) in ("type", "relationship type")
    ):
        mapping.extra["relationship"] = mapping.fields.pop("kind")
    version = mapping.extra.get("technology_version")
    if (
        version is not None
        and "technology" not in mapping.extra
        and version not in mapping.from_user
    ):
        left = next((t for t, i in mapping.extra.items() if i == version - 1), None)
        column = TECH_BY_TARGET.get(left) if left else None
        if column and column.version_of is None and f"{left}_version" not in mapping.extra:
            del mapping.extra["technology_version"]
            mapping.extra[f"{left}_version"] = version


def _score(mapping: ColumnMapping) -> tuple[int, int, int, int]:
    """Rank candidate readings: the most columns the user's mapping places first, then every
    required column there, then the most required columns, then the most exact matches (extra
    columns such as technology count too)."""
    required = sum(1 for c in mapping.layout.columns if c.required and c.field in mapping.fields)
    exact = len(mapping.fields) - len(mapping.fuzzy) + len(mapping.extra)
    return len(mapping.from_user), int(not mapping.missing_required), required, exact


def detect(
    rows: list[list[Any]], layouts: tuple[SheetLayout, ...], user: UserMapping
) -> ColumnMapping | None:
    """The best (header row, layout) pair among the first rows, or None if nothing fits.

    The winner places the most columns the user's mapping names, then has the most required
    columns, then the most exact matches; at least two fields besides a period column must map
    (one will do when the user's mapping placed it), so a title row or a notes sheet is never
    mistaken for a header.
    """
    best: ColumnMapping | None = None
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in row if cell is not None) < 2:
            continue
        for layout in layouts:
            candidate = map_row(row, index + 1, layout, user)
            read = len(candidate.fields) + len(candidate.extra)
            if read - (period_column.PERIOD in candidate.extra) < (1 if candidate.from_user else 2):
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


def candidate_layouts(
    name: str, rows: list[list[Any]], user: UserMapping
) -> tuple[SheetLayout, ...] | None:
    """The layouts a sheet may be read as: the one the user's mapping gives it in `[sheets]`
    (None when it says to skip the sheet), else the one its name points to, unless the
    mapping's table for another kind names headers the sheet has; else any."""
    if user.skips(name):
        return None
    said = user.kind_of_sheet(name)
    if said is not None:
        return (LAYOUT_BY_KIND[said],)
    named = layout_for_sheet_name(name)
    if named is None:
        return LAYOUTS
    claimed = _claimed(rows, user)
    if claimed and named.kind not in claimed:
        return tuple(LAYOUT_BY_KIND[kind] for kind in claimed)
    return (named,)


def _claimed(rows: list[list[Any]], user: UserMapping) -> set[RecordKind]:
    """The sheet kinds whose mapping-file tables name a header the sheet has."""
    return {
        kind
        for kind, table in user.columns.items()
        if any(header_key(str(c)) in table for row in rows[:HEADER_SCAN_ROWS] for c in row if c)
    }


def mapped_kinds(name: str, rows: list[list[Any]], user: UserMapping) -> set[RecordKind] | None:
    """The kinds the user's mapping says a sheet may be: the one `[sheets]` gives it, else those
    whose tables name headers it has; None when the mapping says nothing of it. What the mapping
    says wins over a tool export the sheet looks like."""
    said = user.kind_of_sheet(name)
    if said is not None:
        return {said}
    return _claimed(rows, user) or None


def unused_mapping(
    user: UserMapping, read: dict[RecordKind, ColumnMapping], sheets: dict[RecordKind, str]
) -> list[str]:
    """What the user's mapping names that the return did not have, one line per sheet kind, so
    that a table is never silently ignored: the headers of `[systems]` no sheet read as systems
    has, or the whole table when no sheet was read as that kind."""
    lines: list[str] = []
    for kind, table in user.columns.items():
        written = user.headers.get(kind, {})
        mapping = read.get(kind)
        if mapping is None:
            lines.append(
                f"the mapping file's [{kind.value}] table was not used: no sheet was read as "
                f"{kind.value} (say which sheet it is in a [sheets] table)"
            )
            continue
        present = {header_key(text) for text in mapping.headers.values()}
        missing = [written.get(key, key) for key in table if key not in present]
        if missing:
            lines.append(
                f"{len(missing)} of the mapping file's [{kind.value}] headers are not on sheet "
                f"{sheets[kind]!r}: {', '.join(missing)}"
            )
    return lines
