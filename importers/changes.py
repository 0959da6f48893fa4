"""A change set told in the return's own words: column headers as the return writes them,
values as a department writes them (`£1.2m -> £1.5m`, `31/03/2027`, Yes/No), and components,
dependencies and assessments by what they are (`RHEL 6 -> RHEL 8`), not as counts. The command
line, its JSON and the TUI's import dialog all say a change this one way."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any

from importers.layout import RecordKind
from importers.store import RELATED_FIELDS, SystemChange

_MILLION = 1_000_000


def written(field: str, value: Any) -> str:
    """A stored value as a return writes it: money as `£1.2m` or `£350k` (where that is
    exact), dates day first, yes/no as Yes/No, nothing as `blank`."""
    if value is None or value == "":
        return "blank"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if field == "annual_run_cost" and isinstance(value, int | float):
        return _money(value)
    return str(value)


def _money(value: float) -> str:
    if value >= _MILLION and round(value / _MILLION, 3) * _MILLION == value:
        return f"£{value / _MILLION:.3f}".rstrip("0").rstrip(".") + "m"
    if value >= 1000 and value % 1000 == 0:
        return f"£{value / 1000:g}k"
    return f"£{value:,.2f}".removesuffix(".00")


_KINDS = {kind.value: kind for kind in RecordKind}
_IDENTITY = {
    RecordKind.COMPONENTS: ("kind", "product"),
    RecordKind.DEPENDENCIES: ("to_org_code", "to_reference"),
    RecordKind.SECURITY: ("principle",),
}
"""The fields that make a removed row and an added row one thing changed, rather than two."""


def _label(kind: RecordKind, row: dict[str, Any]) -> str:
    if kind is RecordKind.COMPONENTS:
        return f"{row['product']} {row.get('version') or ''}".strip()
    if kind is RecordKind.DEPENDENCIES:
        return f"{row['to_org_code']}/{row['to_reference']} ({written('kind', row['kind'])})"
    return f"{written('principle', row['principle'])} {written('outcome', row['outcome'])}"


def _identity(kind: RecordKind, row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row.get(name) or "").casefold() for name in _IDENTITY[kind])


def related_changes(
    kind_name: str, added: list[tuple[Any, ...]], removed: list[tuple[Any, ...]]
) -> list[str]:
    """Lines such as `RHEL 6 -> RHEL 8`, `added Oracle Database 19c`, `removed IE 11`: a row
    removed and a row added for the same thing (the same product of the same kind, the same
    target, the same principle) read as one change."""
    kind = _KINDS[kind_name]
    fields = RELATED_FIELDS[kind]
    new = [dict(zip(fields, row, strict=True)) for row in added]
    old = [dict(zip(fields, row, strict=True)) for row in removed]
    lines: list[str] = []
    for before in old:
        match = next((a for a in new if _identity(kind, a) == _identity(kind, before)), None)
        if match is None:
            lines.append(f"removed {_label(kind, before)}")
            continue
        new.remove(match)
        was, now = _label(kind, before), _label(kind, match)
        lines.append(f"{was} -> {now}" if was != now else f"{now}: details changed")
    lines.extend(f"added {_label(kind, after)}" for after in new)
    return lines


def describe_change(change: SystemChange) -> list[str]:
    """What the return changes about one system, a line each, in the return's own words."""
    lines = [
        f"{f.column or f.field}: {written(f.field, f.old)} -> {written(f.field, f.new)}"
        for f in change.fields
    ]
    for kind_name, counts in change.related.items():
        items = change.items.get(kind_name)
        if items is None:
            added = counts["added"]
            lines.append(f"{kind_name}: {added:,} added" if added else f"{kind_name}: changed")
            continue
        for line in related_changes(kind_name, items["added"], items["removed"]):
            lines.append(f"{kind_name}: {line}")
    return lines
