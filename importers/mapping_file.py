"""A mapping file written from a return's own headers, to edit once and reuse every quarter.

`estate validate FILE --write-mapping MAP.toml` writes every header the return has, under its
sheet kind, with what it was taken as; headers that matched nothing are there too, commented
out, with the closest targets as guesses (never applied until a person removes the `#`). A file
that could not be read at all still gets one: each sheet's likeliest header row, every header
commented out with its guesses, so the mapping that makes it readable is one edit away.
Edited and passed with `--mapping`, it reads the same layout the same way next time.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path
from typing import Any

from estate.errors import InputError
from estate.files import atomic_write
from importers.headers import HEADER_SCAN_ROWS, ColumnMapping, guesses, header_key, map_row
from importers.layout import LAYOUT_BY_KIND, LAYOUTS, RecordKind
from importers.profiles import profile_phrase
from importers.readers import RawSheet, iter_sheets
from importers.shapes import recognise_sheet
from importers.targets import targets
from importers.user_mapping import UserMapping

_UNITS = {1e3: "£k", 1e6: "£m", 1e9: "£bn"}


def _key(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def _opening(file_name: str, profile: str | None) -> list[str]:
    lines = [
        f"# Column mapping for {file_name}, written by `estate validate --write-mapping`.",
        "# Each line maps one of your headers to what estate reads it as. Edit any line,",
        "# remove the # before a header it did not read and name its target, then pass this",
        "# file to `estate import --mapping` with next quarter's return.",
    ]
    if profile is not None:
        lines.append(f"# Recognised as an export of {profile}.")
    return lines


def _targets_note(kind: RecordKind) -> list[str]:
    return textwrap.wrap(
        f"Targets: {', '.join(targets(kind))}.",
        width=96,
        initial_indent="# ",
        subsequent_indent="#   ",
        break_on_hyphens=False,
    )


def mapping_text(
    file_name: str,
    mappings: dict[RecordKind, ColumnMapping],
    sheets: dict[RecordKind, str],
    profile: str | None = None,
    read_as: dict[RecordKind, dict[int, str]] | None = None,
) -> str:
    """The mapping file for one return's headers, as TOML text; `profile` names the tool export
    the return was recognised as, if any; `read_as`: columns a sheet's shape reads beyond the
    mapping's targets (record types, a server column), listed as what they are read as."""
    lines = _opening(file_name, profile)
    if sheets and not file_name.lower().endswith(".csv"):  # a CSV's sheet is named as the file
        lines += ["", '# Which sheet holds what; a sheet given "skip" is left alone.', "[sheets]"]
        lines += [
            f"{_key(sheets[kind])} = {_key(kind.value)}" for kind in RecordKind if kind in sheets
        ]
    for kind in RecordKind:
        mapping = mappings.get(kind)
        if mapping is None:
            continue
        described = targets(kind)
        lines += [
            "",
            f"# Sheet {sheets[kind]!r}, header row {mapping.header_row}.",
            *_targets_note(kind),
            f"[{kind.value}]",
        ]
        by_index = {index: name for name, index in mapping.fields.items()}
        by_index |= {index: name for name, index in mapping.extra.items()}
        by_index |= {index: name for name, at in mapping.several.items() for index in at}
        written: set[str] = set()
        for index, header in sorted(mapping.headers.items()):
            key = header_key(header)
            if not key:
                continue
            target = by_index.get(index)
            if target is None and index == mapping.identifier:
                target = "reference"
            line = _line(kind, header, target, mapping, index, described)
            shaped = (read_as or {}).get(kind, {}).get(index)
            if target is None and shaped is not None:
                line = f"# {_key(header)}  read as {shaped}"
            if key in written:
                line = f"# {line}  (the same header again: this column is read as the first)"
            written.add(key)
            lines.append(line)
    return "\n".join(lines) + "\n"


def _line(
    kind: RecordKind,
    header: str,
    target: str | None,
    mapping: ColumnMapping,
    index: int,
    described: dict[str, str],
) -> str:
    if target is not None:
        note = described[target]
        if index == mapping.identifier:
            note = "a second identifier: dependency ends may name systems by it"
        elif target in mapping.fuzzy:
            note += " (a close match: check it)"
        value = _key(target)
        scale = mapping.scale.get(target, 1)
        if scale != 1 and mapping.fields.get(target) == index:
            value = f"{{ target = {value}, unit = {_key(_UNITS.get(scale, '£'))} }}"
            note += f" (in {_UNITS.get(scale, '£')})"
        return f"{_key(header)} = {value}  # {note}"
    if index in mapping.duplicates:
        return f'# {_key(header)} = ""  # not read: a second column for a target already read'
    if index in mapping.overridden:
        return (
            f'# {_key(header)} = ""  # not read: this mapping reads its target from another column'
        )
    return _guessed(kind, header, described, _shared_start(mapping.headers.values()))


def _shared_start(headers: Iterable[str]) -> str:
    """The words most of a sheet's headers start with ("Conf Item" in "Conf Item Name", "Conf
    Item Nr", ...), folded: they tell its headers apart from nothing, so guesses leave them
    out."""
    keys = [header_key(text) for text in headers]
    firsts = [key.split()[:2] for key in keys if len(key.split()) > 2]
    if len(firsts) < 3:
        return ""
    for size in (2, 1):
        starts = [" ".join(words[:size]) for words in firsts]
        common = max(set(starts), key=starts.count)
        if starts.count(common) * 2 > len(keys):
            return common + " "
    return ""


def _guessed(kind: RecordKind, header: str, described: dict[str, str], shared: str = "") -> str:
    """A header nothing read, commented out, with the targets it most resembles (by the words
    that set it apart from the sheet's other headers)."""
    key = header_key(header)
    found = guesses(key.removeprefix(shared) if shared and key.startswith(shared) else key, kind)
    if not found:
        return f'# {_key(header)} = ""  # not read; no close target: name one from the list'
    options = ", ".join(f"{g} ({described[g]})" for g in found)
    return f"# {_key(header)} = {_key(found[0])}  # not read; best guesses: {options}"


def write_mapping(
    path: Path,
    file_name: str,
    mappings: dict[RecordKind, ColumnMapping],
    sheets: dict[RecordKind, str],
    profile: str | None = None,
    read_as: dict[RecordKind, dict[int, str]] | None = None,
) -> None:
    """Write the mapping file for one return's headers to `path`, through the one safe writer
    (no link followed, no pipe opened, a failure leaving the old file as it was)."""
    _write_text(path, mapping_text(file_name, mappings, sheets, profile, read_as))


def _write_text(path: Path, text: str) -> None:
    """`text` written to `path` through the one safe writer (`atomic_write`)."""

    def write(target: Path) -> None:
        target.write_text(text, encoding="utf-8")

    atomic_write(path, write)


def _header_row(rows: list[list[Any]]) -> tuple[int, list[Any]] | None:
    """(1-based number, cells) of the row among the first that looks most like a header: the
    most text cells, at least two."""
    best: tuple[int, list[Any]] | None = None
    most = 1
    for number, row in enumerate(rows[:HEADER_SCAN_ROWS], start=1):
        text = sum(1 for cell in row if isinstance(cell, str) and cell.strip())
        if text > most:
            best, most = (number, row), text
    return best


def _likeliest(number: int, row: list[Any]) -> ColumnMapping:
    """The reading of a header row that reads the most columns (a systems sheet if none)."""
    readings = [map_row(row, number, layout, UserMapping()) for layout in LAYOUTS]
    return max(
        readings,
        key=lambda m: (len(m.fields) + len(m.extra), m.layout.kind is RecordKind.SYSTEMS),
    )


def unread_mapping_text(
    path: Path, reason: str, sheets: Iterable[RawSheet] | None = None, profile: str | None = None
) -> str:
    """A mapping file for a return that could not be read (`reason` says why): the tool export
    it was recognised as (`profile`, else found from its sheets), each sheet's likeliest header
    row, what the importer could read of it, and every other header commented out with its
    guesses. `sheets` are the file's sheets when the caller has them."""
    found: list[tuple[str, ColumnMapping]] = []
    recognised: dict[str, str] = {}
    failure: InputError | None = None
    try:
        if sheets is None:
            with closing(iter_sheets(path)) as read:
                sheets = list(read)
        for sheet in sheets:
            row = _header_row(sheet.rows)
            if row is not None:
                found.append((sheet.name, _likeliest(*row)))
            matched = recognise_sheet(sheet.rows)
            if matched is not None:
                recognised[sheet.name] = matched[0].name
    except InputError as exc:
        failure = exc
    lines = _opening(path.name, profile or profile_phrase(recognised))
    lines += [
        "#",
        *textwrap.wrap(
            f"It could not be read: {reason}", 94, initial_indent="# ", subsequent_indent="# "
        ),
    ]
    if failure is not None:
        lines.append(f"# Its sheets could not be read either: {failure}")
    if found and path.suffix.lower() != ".csv":
        lines += ["", '# Which sheet holds what; a sheet given "skip" is left alone.', "[sheets]"]
        lines += [f"{_key(name)} = {_key(m.layout.kind.value)}" for name, m in found]
    for kind in RecordKind:
        on_kind = [(name, m) for name, m in found if m.layout.kind is kind]
        if not on_kind:
            continue
        described = targets(kind)
        lines += ["", *_targets_note(kind), f"[{kind.value}]"]
        written: set[str] = set()
        for name, mapping in on_kind:
            lines.append(f"# Sheet {name!r}, header row {mapping.header_row}.")
            for index, header in sorted(mapping.headers.items()):
                key = header_key(header)
                if not key or key in written:
                    continue
                written.add(key)
                target = _read_as(mapping, index)
                if target is not None and index not in mapping.duplicates:
                    note = described[target] + " (what estate reads it as: check it)"
                    lines.append(f"{_key(header)} = {_key(target)}  # {note}")
                else:
                    shared = _shared_start(mapping.headers.values())
                    lines.append(_guessed(kind, header, described, shared))
    if not found:
        layout = LAYOUT_BY_KIND[RecordKind.SYSTEMS]
        lines += [
            "",
            *_targets_note(layout.kind),
            f"[{layout.kind.value}]",
            '# "Your header" = "reference"',
        ]
    return "\n".join(lines) + "\n"


def _read_as(mapping: ColumnMapping, index: int) -> str | None:
    for name, at in (*mapping.fields.items(), *mapping.extra.items()):
        if at == index:
            return name
    return None


def write_unread_mapping(path: Path, source: Path, reason: str, profile: str | None = None) -> None:
    """Write a mapping file for a return that could not be read (see `unread_mapping_text`)."""
    _write_text(path, unread_mapping_text(source, reason, profile=profile))
