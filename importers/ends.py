"""Which systems a dependency's two ends are.

Interface lists and CMDB extracts name systems as their authors know them: by reference, by
name, or by another identifier such as an application number. Each end is matched, in that
order, against the return's own systems and then the estate's; an end that matches nothing is
left as written (an unknown consumer is an error, an unknown provider is kept as unresolved).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.models import Organisation, System, table_of
from importers.layout import RecordKind
from importers.parse import ParsedReturn, Record, where
from importers.problems import Severity

SYSTEM = table_of(System)
ORG = table_of(Organisation)
_SEVERAL = ""
"""Marks a name or identifier that more than one system has."""


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class _Department:
    """One department's systems, found by reference, other identifier or name."""

    def __init__(self) -> None:
        self.references: set[str] = set()
        self.identifiers: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.several: dict[str, set[str]] = {}

    def add(self, reference: str, name: str | None, also: tuple[str, ...] = ()) -> None:
        self.references.add(reference)
        for text in also:
            self._add(self.identifiers, text, reference)
        if name:
            self._add(self.names, name, reference)

    def _add(self, table: dict[str, str], text: str, reference: str) -> None:
        key = _fold(text)
        found = table.get(key)
        if found is None:
            table[key] = reference
        elif found != reference:
            self.several.setdefault(key, {found}).add(reference)
            table[key] = _SEVERAL

    def find(self, text: str) -> str | None:
        """The reference `text` names, `_SEVERAL` if it names more than one, else None."""
        if text in self.references:
            return text
        key = _fold(text)
        return self.identifiers.get(key) or self.names.get(key)


def resolve_ends(
    connection: Connection,
    parsed: ParsedReturn,
    department: str,
    stored: dict[str, dict[str, Any]],
) -> None:
    """Rewrite each dependency's ends as references where they name a system some other way,
    then drop rows that turn out to repeat another (reported)."""
    records = parsed.records.get(RecordKind.DEPENDENCIES)
    if not records:
        return
    own = _Department()
    for record in parsed.records.get(RecordKind.SYSTEMS, []):
        own.add(record.values["reference"], record.values.get("name"), record.also)
    for reference, row in stored.items():
        own.add(reference, row.get("name"))
    others = _other_departments(connection, records, department)
    records[:] = [
        one for record in records for one in _each_named(parsed, record, own, others, department)
    ]
    for record in records:
        values = record.values
        for end, systems in _ends(record, own, others, department):
            text = values[end]
            found = systems.find(text)
            if found is None and end == "to_reference" and values["to_org_code"] == department:
                continue  # perhaps another department's: `_across_estate` looks
            if found == _SEVERAL:
                named = ", ".join(sorted(systems.several[_fold(text)]))
                sheet, column = where(parsed, record, end)
                parsed.problem(
                    Severity.WARNING,
                    f"{text!r} names more than one system ({named}); give the reference",
                    sheet=sheet,
                    row=record.row,
                    column=column,
                    value=text,
                )
            elif found is not None:
                values[end] = found
    _across_estate(connection, parsed, records, own, department)
    _drop_repeats(parsed, records, department)


_QUALIFIED = re.compile(r"^\s*(?P<code>[A-Za-z][A-Za-z0-9&\-]{0,19})\s*/\s*(?P<rest>\S.*?)\s*$")
"""An end written with its department: `DBP/DBP-00037`, `HMRC / Tax Platform`."""
_CHUNK = 500
"""Values per IN list, well under every database's parameter limit."""


def _across_estate(
    connection: Connection,
    parsed: ParsedReturn,
    records: list[Record],
    own: _Department,
    department: str,
) -> None:
    """Targets the return's own department does not have, found in the rest of the estate: a
    `DEPT/REF` (or `DEPT/name`), another department's reference, or a name only one system
    in the estate has. An end several systems answer to is reported with the candidates; one
    nothing answers to is left as written (reported as unresolved when stored)."""
    pending = [
        r
        for r in records
        if r.values["to_org_code"] == department and own.find(r.values["to_reference"]) is None
    ]
    if not pending:
        return
    texts = {r.values["to_reference"] for r in pending}
    qualified = {t: m for t in texts if (m := _QUALIFIED.match(t)) is not None}
    wanted = texts | {m["rest"] for m in qualified.values()}
    estate = _estate_systems(connection, wanted, department)
    for record in pending:
        text = record.values["to_reference"]
        match = qualified.get(text)
        candidates: set[tuple[str, str]] = set()
        if match is not None:
            code, rest = match["code"].upper(), match["rest"]
            if code == department:
                found = own.find(rest)
                if found is not None and found != _SEVERAL:
                    record.values["to_reference"] = found
                    continue
            candidates = {c for c in estate.find(rest) if c[0] == code}
        if not candidates:
            candidates = estate.find(text)
        if len(candidates) == 1:
            record.values["to_org_code"], record.values["to_reference"] = candidates.pop()
        elif candidates:
            named = ", ".join(f"{code}/{ref}" for code, ref in sorted(candidates))
            sheet, column = where(parsed, record, "to_reference")
            parsed.problem(
                Severity.WARNING,
                f"{text!r} names {len(candidates)} systems in the estate ({named}); give the "
                "department and reference (DEPT/REF)",
                sheet=sheet,
                row=record.row,
                column=column,
                value=text,
            )


class _Estate:
    """The estate's systems (outside the return's department) an end may name, by reference
    and by name."""

    def __init__(self) -> None:
        self.references: dict[str, set[tuple[str, str]]] = {}
        self.names: dict[str, set[tuple[str, str]]] = {}

    def add(self, code: str, reference: str, name: str | None) -> None:
        self.references.setdefault(reference, set()).add((code, reference))
        if name:
            self.names.setdefault(_fold(name), set()).add((code, reference))

    def find(self, text: str) -> set[tuple[str, str]]:
        """(department, reference) of each system `text` names: by reference first, else by
        name."""
        found = self.references.get(text.strip())
        if found:
            return set(found)
        return set(self.names.get(_fold(text), set()))


def _estate_systems(connection: Connection, texts: set[str], department: str) -> _Estate:
    """The other departments' systems whose reference or name (in any case) is one of `texts`."""
    estate = _Estate()
    values = sorted({t.strip() for t in texts})
    folded = sorted({_fold(t) for t in texts})
    statement = sa.select(ORG.c.code, SYSTEM.c.reference, SYSTEM.c.name).join(
        ORG, SYSTEM.c.organisation_id == ORG.c.id
    )
    for start in range(0, max(len(values), len(folded)), _CHUNK):
        condition = sa.or_(
            SYSTEM.c.reference.in_(values[start : start + _CHUNK]),
            sa.func.lower(SYSTEM.c.name).in_(folded[start : start + _CHUNK]),
        )
        for code, reference, name in connection.execute(
            statement.where(condition, ORG.c.code != department)
        ):
            estate.add(code, reference, name)
    return estate


def _ends(
    record: Record, own: _Department, others: dict[str, _Department], department: str
) -> Iterator[tuple[str, _Department]]:
    """A dependency's two ends, each with the department whose systems it may name: the
    return's own, or the one its target is in (left out when that one holds no systems)."""
    yield "reference", own
    target_org = record.values["to_org_code"]
    systems = own if target_org == department else others.get(target_org)
    if systems is not None:
        yield "to_reference", systems


_LIST = re.compile(r"\s*(?:;|\n)\s*")
"""Between systems an end names together: "Ledger; Registry", one a line."""


def _each_named(
    parsed: ParsedReturn,
    record: Record,
    own: _Department,
    others: dict[str, _Department],
    department: str,
) -> list[Record]:
    """The dependency as one row per system an end names, where an end lists several systems
    ("Ledger; Registry", one a line) that are each known, and names none as a whole; else the
    row as it is. A list whose parts are not all known systems is left as written, so nothing
    is guessed."""
    split: dict[str, list[str]] = {}
    for end, systems in _ends(record, own, others, department):
        text = record.values[end]
        parts = [part for part in _LIST.split(text) if part]
        if len(parts) < 2 or systems.find(text) is not None:
            continue
        found = [systems.find(part) for part in parts]
        if all(f is not None and f != _SEVERAL for f in found):
            split[end] = [f for f in found if f is not None]
            sheet, column = where(parsed, record, end)
            parsed.problem(
                Severity.WARNING,
                f"names {len(parts)} systems; stored as a dependency on each",
                sheet=sheet,
                row=record.row,
                column=column,
                value=text,
            )
    if not split:
        return [record]
    return [
        replace(record, values={**record.values, "reference": source, "to_reference": target})
        for source in split.get("reference", [record.values["reference"]])
        for target in split.get("to_reference", [record.values["to_reference"]])
    ]


def _other_departments(
    connection: Connection, records: list[Record], department: str
) -> dict[str, _Department]:
    codes = {r.values["to_org_code"] for r in records} - {department}
    found: dict[str, _Department] = {code: _Department() for code in codes}
    if not codes:
        return found
    statement = (
        sa.select(ORG.c.code, SYSTEM.c.reference, SYSTEM.c.name)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(ORG.c.code.in_(codes))
    )
    for code, reference, name in connection.execute(statement):
        found[code].add(reference, name)
    return found


def _drop_repeats(parsed: ParsedReturn, records: list[Record], department: str) -> None:
    """Two rows naming the same dependency in different words store it once."""
    seen: dict[tuple[Any, ...], int] = {}
    kept: list[Record] = []
    for record in records:
        v = record.values
        sheet, column = where(parsed, record, "to_reference")
        if v["to_org_code"] == department and v["to_reference"] == v["reference"]:
            parsed.problem(
                Severity.ERROR,
                "a system cannot depend on itself",
                sheet=sheet,
                row=record.row,
                column=column,
                value=v["reference"],
            )
            parsed.rejected[RecordKind.DEPENDENCIES] += 1
            continue
        key = (v["reference"], v["to_org_code"], v["to_reference"], v["kind"])
        if key in seen:
            parsed.problem(
                Severity.WARNING,
                f"the same dependency as row {seen[key]}; stored once",
                sheet=sheet,
                row=record.row,
            )
            continue
        seen[key] = record.row
        kept.append(record)
    records[:] = kept
