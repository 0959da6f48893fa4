"""A mapping file written from a return's own headers, to edit once and reuse every quarter.

`estate validate FILE --write-mapping MAP.toml` writes every header the return has, under its
sheet kind, with what it was taken as; headers that matched nothing are there too, commented
out, with the closest targets as guesses. Edited and passed with `--mapping`, it reads the same
layout the same way next time.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from estate.enums import normalise
from importers.headers import ColumnMapping, guesses, targets
from importers.layout import RecordKind


def _key(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's)."""
    return json.dumps(text, ensure_ascii=False)


def mapping_text(
    file_name: str,
    mappings: dict[RecordKind, ColumnMapping],
    sheets: dict[RecordKind, str],
    read_as: dict[RecordKind, dict[int, str]] | None = None,
) -> str:
    """The mapping file for one return's headers, as TOML text; `read_as`: columns a sheet's
    shape reads (category / value pairs, record types), listed as what they are read as."""
    lines = [
        f"# Column mapping for {file_name}, written by `estate validate --write-mapping`.",
        "# Each line maps one of your headers to what estate reads it as. Edit any line,",
        "# remove the # before a header it did not read and name its target, then pass this",
        "# file to `estate import --mapping` with next quarter's return.",
    ]
    for kind in RecordKind:
        mapping = mappings.get(kind)
        if mapping is None:
            continue
        described = targets(kind)
        lines += [
            "",
            f"# Sheet {sheets[kind]!r}, header row {mapping.header_row}.",
            *textwrap.wrap(
                f"Targets: {', '.join(described)}.",
                width=96,
                initial_indent="# ",
                subsequent_indent="#   ",
                break_on_hyphens=False,
            ),
            f"[{kind.value}]",
        ]
        by_index = {index: name for name, index in mapping.fields.items()}
        by_index |= {index: name for name, index in mapping.extra.items()}
        written: set[str] = set()
        for index, header in sorted(mapping.headers.items()):
            key = normalise(header)
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
        return f"{_key(header)} = {_key(target)}  # {note}"
    if index in mapping.duplicates:
        return f'# {_key(header)} = ""  # not read: a second column for a target already read'
    found = guesses(header, kind)
    if not found:
        return f'# {_key(header)} = ""  # not read; no close target: name one from the list'
    options = ", ".join(f"{g} ({described[g]})" for g in found)
    return f"# {_key(header)} = {_key(found[0])}  # not read; best guesses: {options}"


def write_mapping(
    path: Path,
    file_name: str,
    mappings: dict[RecordKind, ColumnMapping],
    sheets: dict[RecordKind, str],
    read_as: dict[RecordKind, dict[int, str]] | None = None,
) -> None:
    """Write the mapping file for one return's headers to `path`."""
    path.write_text(mapping_text(file_name, mappings, sheets, read_as), encoding="utf-8")
