"""A user's mapping file (`--mapping`): how to read a return whatever its headers say.

What the file says always wins over what the importer would work out itself: which sheet is
which kind (`[sheets]`), what each header is (`[systems]`, `[components]`, ...), the unit of a
money column (`"Annual Cost" = { target = "annual_run_cost", unit = "£k" }`) and the words a
column uses for an enumeration (`[statuses]` for the lifecycle status, `[values.FIELD]` for
any other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from estate.enums import ComponentKind, UnknownSpelling, normalise, parse_enum
from estate.errors import InputError
from estate.files import load_toml
from importers.layout import LAYOUTS, RecordKind
from importers.targets import targets

SKIP = "skip"
"""A `[sheets]` entry's value that tells the importer to leave the sheet alone."""

_BOM_AND_MARKS = re.compile(r"^[\ufeff\u200b\s*]+|[\s*]+$|^ï»¿")
"""A byte-order mark (also as Windows-1252 shows one), zero-width space and the `*` a
template puts before or after a required column's header."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_ABBREVIATIONS = {"nr": "number", "num": "number", "conf": "configuration"}
"""Words tools shorten in headers ("Conf Item Nr"), read as the word they stand for."""


def header_key(text: str) -> str:
    """A header as it is compared: its byte-order mark and `*` required marks dropped, camelCase
    and snake_case split into words, case, punctuation and spacing folded, and the common
    abbreviations written out. "*Server name", "server_name" and "serverName" are one header."""
    plain = _CAMEL.sub(" ", _BOM_AND_MARKS.sub("", text))
    words = normalise(plain).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)


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

UNITS: dict[str, float] = {
    "£": 1,
    "gbp": 1,
    "pounds": 1,
    "£k": 1e3,
    "£000": 1e3,
    "£000s": 1e3,
    "k": 1e3,
    "thousands": 1e3,
    "£m": 1e6,
    "m": 1e6,
    "millions": 1e6,
    "£bn": 1e9,
}
"""A money column's unit as a mapping file may declare it, and what one of it is in pounds."""


@dataclass(frozen=True)
class UserMapping:
    """A mapping file as read: every key folded as headers and sheet names are compared."""

    columns: dict[RecordKind, dict[str, str]] = field(default_factory=dict)
    """Sheet kind -> header key -> target."""
    headers: dict[RecordKind, dict[str, str]] = field(default_factory=dict)
    """Sheet kind -> header key -> the header as the mapping file writes it (for messages)."""
    units: dict[RecordKind, dict[str, float]] = field(default_factory=dict)
    """Sheet kind -> header key -> pounds per unit of a money column's cells."""
    sheets: dict[str, RecordKind | None] = field(default_factory=dict)
    """Sheet name (folded) -> the kind it holds, or None to leave it alone."""
    values: dict[str, dict[str, StrEnum]] = field(default_factory=dict)
    """Field -> the word a cell holds (folded) -> the member it means."""

    def __bool__(self) -> bool:
        return bool(self.columns or self.sheets or self.values)

    def skips(self, sheet: str) -> bool:
        """Whether `[sheets]` says to leave a sheet alone."""
        key = normalise(sheet)
        return key in self.sheets and self.sheets[key] is None

    def kind_of_sheet(self, sheet: str) -> RecordKind | None:
        """The kind `[sheets]` says a sheet holds, if it says."""
        return self.sheets.get(normalise(sheet))


def load_user_mapping(path: Path) -> UserMapping:
    """Read a TOML mapping file: a table per sheet kind, `"Their header" = "field"`.

    A field is any field of that sheet kind, or one of its extra columns: on a systems sheet a
    technology column (`os`, `database`, ..., or a component kind such as "Operating system")
    or the systems each one depends on or is used by (`depends_on`, `used_by`); on a
    dependencies sheet either end (`reference` depends on `to_reference`) or a relationship
    extract's `parent`, `child` and `relationship`; on any sheet, the reporting `period`. A money
    column may give its unit: `"Cost" = { target = "annual_run_cost", unit = "£k" }`.

    `[sheets]` says which sheet is which (`"Sheet1" = "systems"`, `"Lists" = "skip"`);
    `[statuses]` says what a lifecycle status column's words mean (`"Live - BAU" = "Live"`), and
    `[values.FIELD]` the same for any other field with a fixed list (`[values.criticality]`).

    Example::

        [sheets]
        "Export" = "systems"

        [systems]
        "App Ref" = "reference"
        "Risk Owner (SRO)" = "business_owner"
        "Server OS" = "Operating system"
        "Annual Cost" = { target = "annual_run_cost", unit = "£k" }

        [statuses]
        "In Flight" = "In development"
    """
    data = load_toml(path, "mapping")
    mapping = UserMapping()
    for name, table in data.items():
        if not isinstance(table, dict):
            raise InputError(f"{path}: [{name}] must be a table.")
        if name == "sheets":
            mapping.sheets.update(_sheets(path, table))
        elif name == "statuses":
            mapping.values["lifecycle_status"] = _words(path, "statuses", "lifecycle_status", table)
        elif name == "values":
            for field_name, words in table.items():
                if not isinstance(words, dict):
                    raise InputError(f"{path}: [values.{field_name}] must be a table.")
                where = f"values.{field_name}"
                mapping.values[field_name] = _words(path, where, field_name, words)
        else:
            _columns(path, name, table, mapping)
    return mapping


def _sheets(path: Path, table: dict[str, Any]) -> dict[str, RecordKind | None]:
    found: dict[str, RecordKind | None] = {}
    kinds = ", ".join(k.value for k in RecordKind)
    for sheet, kind in table.items():
        text = str(kind).strip().lower()
        if text == SKIP:
            found[normalise(sheet)] = None
            continue
        try:
            found[normalise(sheet)] = RecordKind(text)
        except ValueError:
            raise InputError(
                f"{path}: [sheets] says {sheet!r} is {kind!r}; use one of {kinds}, or {SKIP!r}."
            ) from None
    return found


def _columns(path: Path, kind_name: str, table: dict[str, Any], mapping: UserMapping) -> None:
    try:
        kind = RecordKind(kind_name)
    except ValueError:
        raise InputError(
            f"{path}: [{kind_name}] is not a sheet kind; use one of "
            f"{', '.join(k.value for k in RecordKind)}, or sheets, statuses, values."
        ) from None
    known = targets(kind)
    columns = mapping.columns.setdefault(kind, {})
    written = mapping.headers.setdefault(kind, {})
    for header, value in table.items():
        unit: float | None = None
        if isinstance(value, dict):
            target_text = str(value.get("target", ""))
            if "unit" in value:
                unit = _unit(path, kind_name, header, value["unit"])
        else:
            target_text = str(value)
        target = _as_target(kind, target_text)
        if target not in known:
            raise InputError(
                f"{path}: [{kind_name}] maps {header!r} to {target_text!r}, which is not a "
                f"field; fields are {', '.join(sorted(known))}."
            )
        key = header_key(str(header))
        columns[key] = target
        written[key] = str(header)
        if unit is not None:
            if target != "annual_run_cost":
                raise InputError(
                    f"{path}: [{kind_name}] gives {header!r} a unit, but only a money column "
                    "(annual_run_cost) has one."
                )
            mapping.units.setdefault(kind, {})[key] = unit


def _unit(path: Path, kind_name: str, header: str, unit: Any) -> float:
    key = str(unit).strip().lower().replace(" ", "").replace("'", "")
    if key not in UNITS:
        raise InputError(
            f"{path}: [{kind_name}] gives {header!r} the unit {unit!r}; use £, £k or £m."
        )
    return UNITS[key]


def _as_target(kind: RecordKind, target: str) -> str:
    """A component kind named as a systems column's target means its technology column."""
    if kind is RecordKind.SYSTEMS and target not in targets(kind):
        try:
            return _KIND_TARGETS[parse_enum(ComponentKind, target)]
        except UnknownSpelling:
            return target
    return target


def _words(path: Path, where: str, field_name: str, table: dict[str, Any]) -> dict[str, StrEnum]:
    """A column's own words for an enumeration: each must name one of its members."""
    enum_cls = next(
        (
            c.choices
            for layout in LAYOUTS
            for c in layout.columns
            if c.field == field_name and c.choices
        ),
        None,
    )
    if enum_cls is None:
        fields = sorted({c.field for layout in LAYOUTS for c in layout.columns if c.choices})
        raise InputError(
            f"{path}: [{where}]: {field_name!r} is not a field with a fixed list of values; "
            f"those are {', '.join(fields)}."
        )
    words: dict[str, StrEnum] = {}
    for word, meaning in table.items():
        try:
            words[normalise(str(word))] = parse_enum(enum_cls, str(meaning))
        except UnknownSpelling as exc:
            raise InputError(
                f"{path}: [{where}] says {word!r} means {meaning!r}, which is not one of "
                f"{', '.join(exc.allowed)}."
            ) from None
    return words
