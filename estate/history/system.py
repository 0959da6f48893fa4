"""One system's past: its values at the end of each period with returns, and each change
with the file, sheet and cell it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.dates import shown_date
from estate.errors import NotFound
from estate.history.stored import stored_periods
from estate.history.tables import RELATED, SYSTEM_HISTORY, SYSTEM_KEPT
from importers.layout import SYSTEMS as SYSTEMS_SHEET

SYSTEM = models.table_of(models.System)
ORG = models.table_of(models.Organisation)
BATCH = models.table_of(models.ImportBatch)

_NOT_VALUES = {"missing_from_latest_return", "source_batch_id", "source_row"}
_RELATED_LABELS = {
    "components": ("kind", "product", "version"),
    "dependencies": ("to_org_code", "to_reference", "kind"),
    "security": ("principle", "outcome"),
}


@dataclass(frozen=True)
class Source:
    """Where a value came from: the file, its sheet and the cell (or row)."""

    file: str
    sheet: str | None
    cell: str | None
    period: str


@dataclass(frozen=True)
class FieldChange:
    """One field's value changing from one period to the next."""

    field: str
    old: Any
    new: Any
    source: Source | None

    @property
    def header(self) -> str:
        """The field as the return's template heads its column ("Business owner"), the name a
        department knows it by."""
        return SYSTEMS_SHEET.column(self.field).header


@dataclass(frozen=True)
class RelatedChange:
    """A component, dependency or assessment that came or went."""

    kind: str
    """"components", "dependencies" or "security"."""
    change: str
    """"added" or "removed"."""
    item: str
    source: Source | None
    """Where an added row came from (None for a removed one)."""


@dataclass
class PeriodState:
    """The system at the end of one period, and what changed in it since the period before."""

    period: str
    status: str
    """"new", "changed", "unchanged", "missing" (left out of its department's return, so kept
    as it was), "removed" or "absent" (not in the estate then)."""
    values: dict[str, Any] = field(default_factory=dict)
    fields: list[FieldChange] = field(default_factory=list)
    related: list[RelatedChange] = field(default_factory=list)


@dataclass
class SystemHistory:
    """A system's periods, oldest first, from its first return."""

    key: str
    name: str
    periods: list[PeriodState]


@dataclass(frozen=True)
class _Version:
    valid_from: str
    valid_to: str | None
    values: dict[str, Any]

    def stood(self, period: str) -> bool:
        return self.valid_from <= period and (self.valid_to is None or period < self.valid_to)


STATUS_WORDS = {
    "new": "first return",
    "changed": "changed",
    "unchanged": "no change",
    "missing": "left out of the department's return, kept as it was",
    "removed": "removed from the estate",
    "absent": "not in the estate",
}
"""What each period's status means, in the words the command line and the TUI show."""


def shown_value(value: Any) -> str:
    """A stored value as a person reads it: unknown, Yes/No, a number with thousands
    separators (a whole amount without decimals), a date day first, an enumeration by its
    spelling."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return f"{value:,}"
    if hasattr(value, "isoformat") and not isinstance(value, str):
        return shown_date(value)
    return str(getattr(value, "value", value))


def source_words(source: Source | None) -> str:
    """Where a value came from: its file, sheet and cell, as far as they are known."""
    if source is None:
        return ""
    return ", ".join(part for part in (source.file, source.sheet, source.cell) if part)


def system_history(connection: Connection, text: str) -> SystemHistory:
    """The history of the system `text` names (DEPT/REFERENCE), including one since deleted."""
    org_id, code, reference = _find(connection, text)
    batches = {
        row.id: row
        for row in connection.execute(
            sa.select(BATCH.c.id, BATCH.c.file_name, BATCH.c.period, BATCH.c.column_map).where(
                BATCH.c.organisation_id == org_id
            )
        )
    }
    versions = _system_versions(connection, org_id, reference, batches)
    related = {
        kind: _related_versions(connection, kind, org_id, reference, batches) for kind in RELATED
    }
    first = min(v.valid_from for v in versions)
    periods = [p for p in stored_periods(connection) if p >= first]
    states: list[PeriodState] = []
    previous: _Version | None = None
    previous_items: dict[str, dict[tuple[Any, ...], _Version]] = {k: {} for k in RELATED}
    for period in periods:
        now = next((v for v in versions if v.stood(period)), None)
        items = {
            kind: {_label(kind, v.values): v for v in found if v.stood(period)}
            for kind, found in related.items()
        }
        states.append(_state(period, previous, now, previous_items, items, batches))
        previous, previous_items = now, items
    name = versions[-1].values["name"]
    return SystemHistory(models.system_key(code, reference), name, states)


def removed_in(connection: Connection, text: str) -> tuple[str, str] | None:
    """The key of `text` (DEPT/REFERENCE) and the period a return removed it from the estate
    in, for a system the estate no longer holds (the caller has looked) whose past is kept;
    None for one the estate never held."""
    if "/" not in text:
        return None
    code, reference = (part.strip() for part in text.split("/", 1))
    found = connection.execute(
        sa.select(ORG.c.code, sa.func.max(SYSTEM_HISTORY.c.valid_to))
        .join(ORG, ORG.c.id == SYSTEM_HISTORY.c.organisation_id)
        .where(sa.func.upper(ORG.c.code) == code.upper(), SYSTEM_HISTORY.c.reference == reference)
        .group_by(ORG.c.code)
    ).first()
    return None if found is None else (models.system_key(found[0], reference), found[1])


def removed_words(connection: Connection, text: str) -> str | None:
    """What to tell someone who asks for `text` (DEPT/REFERENCE) when the estate no longer
    holds it but its past is kept: the period a return removed it in, and how to see it then;
    None for a system the estate never held."""
    removed = removed_in(connection, text)
    if removed is None:
        return None
    key, period = removed
    before = [p for p in stored_periods(connection) if p < period]
    then = f", and `--period {before[-1]}` the estate as it stood with it" if before else ""
    past = f"`estate history {key}` shows its past{then}"
    return f"{key} was removed from the estate in {period}; {past}."


def _find(connection: Connection, text: str) -> tuple[int, str, str]:
    if "/" not in text:
        raise NotFound(f"Name the system as DEPT/REFERENCE, not {text!r}.")
    code, reference = (part.strip() for part in text.split("/", 1))
    org = connection.execute(
        sa.select(ORG.c.id, ORG.c.code).where(sa.func.upper(ORG.c.code) == code.upper())
    ).first()
    if org is not None:
        stored = _stored_reference(connection, org.id, reference)
        if stored is not None:
            return org.id, org.code, stored
    raise NotFound(f"No system {text!r}, now or in the past. Use DEPT/REFERENCE.")


def _stored_reference(connection: Connection, org_id: int, reference: str) -> str | None:
    """The reference as stored, now or in the past, of a department's system named
    `reference`: as written, else in any case (references that differ only in case are one
    system)."""
    for same in (
        lambda column: column == reference,
        lambda column: sa.func.upper(column) == reference.upper(),
    ):
        for table in (SYSTEM, SYSTEM_HISTORY):
            found = connection.execute(
                sa.select(table.c.reference)
                .where(table.c.organisation_id == org_id, same(table.c.reference))
                .limit(1)
            ).scalar()
            if found is not None:
                return str(found)
    return None


def _period_of(batches: dict[int, Any], batch_id: int | None) -> str:
    batch = batches.get(batch_id) if batch_id is not None else None
    return batch.period if batch is not None else ""


def _system_versions(
    connection: Connection, org_id: int, reference: str, batches: dict[int, Any]
) -> list[_Version]:
    found = [
        _Version(row.valid_from, row.valid_to, {n: row._mapping[n] for n in SYSTEM_KEPT})
        for row in connection.execute(
            sa.select(SYSTEM_HISTORY).where(
                SYSTEM_HISTORY.c.organisation_id == org_id, SYSTEM_HISTORY.c.reference == reference
            )
        )
    ]
    live = connection.execute(
        sa.select(SYSTEM).where(SYSTEM.c.organisation_id == org_id, SYSTEM.c.reference == reference)
    ).first()
    if live is not None:
        values = {n: live._mapping[n] for n in SYSTEM_KEPT}
        found.append(_Version(_period_of(batches, live.source_batch_id), None, values))
    return sorted(found, key=lambda v: v.valid_from)


def _related_versions(
    connection: Connection, kind: str, org_id: int, reference: str, batches: dict[int, Any]
) -> list[_Version]:
    live, owner, history = RELATED[kind]
    kept = [c.name for c in history.c if c.name in live.c and c.name != "id"]
    found = [
        _Version(row.valid_from, row.valid_to, {n: row._mapping[n] for n in kept})
        for row in connection.execute(
            sa.select(history).where(
                history.c.organisation_id == org_id, history.c.reference == reference
            )
        )
    ]
    rows = connection.execute(
        sa.select(*[live.c[n] for n in kept])
        .join(SYSTEM, live.c[owner] == SYSTEM.c.id)
        .where(SYSTEM.c.organisation_id == org_id, SYSTEM.c.reference == reference)
    )
    for row in rows:
        values = dict(row._mapping)
        found.append(_Version(_period_of(batches, values["source_batch_id"]), None, values))
    return found


def _label(kind: str, values: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(str(values[n]) if values[n] is not None else "" for n in _RELATED_LABELS[kind])


def _source(
    batches: dict[int, Any], values: dict[str, Any], kind: str, field: str | None
) -> Source | None:
    batch = batches.get(values.get("source_batch_id") or 0)
    if batch is None:
        return None
    read = (batch.column_map or {}).get(kind, {})
    row = values.get("source_row")
    letter = read.get("columns", {}).get(field) if field else None
    cell: str | None = f"{letter}{row}" if letter and row else f"row {row}" if row else None
    return Source(batch.file_name, read.get("sheet"), cell, batch.period)


def _state(
    period: str,
    before: _Version | None,
    now: _Version | None,
    before_items: dict[str, dict[tuple[Any, ...], _Version]],
    items: dict[str, dict[tuple[Any, ...], _Version]],
    batches: dict[int, Any],
) -> PeriodState:
    if now is None:
        return PeriodState(period, "removed" if before is not None else "absent")
    values = {k: v for k, v in now.values.items() if k not in _NOT_VALUES}
    state = PeriodState(period, "new" if before is None else "unchanged", values)
    old_values = before.values if before is not None else dict.fromkeys(values)
    state.fields = [
        FieldChange(name, old_values[name], value, _source(batches, now.values, "systems", name))
        for name, value in values.items()
        if old_values[name] != value
    ]
    for kind, found in items.items():
        old = before_items[kind]
        for label in sorted(set(found) - set(old), key=str):
            where = _source(batches, found[label].values, kind, None)
            state.related.append(RelatedChange(kind, "added", " ".join(label).strip(), where))
        for label in sorted(set(old) - set(found), key=str):
            state.related.append(RelatedChange(kind, "removed", " ".join(label).strip(), None))
    if before is not None and (state.fields or state.related):
        state.status = "changed"
    elif state.status == "unchanged" and now.values["missing_from_latest_return"]:
        state.status = "missing"
    return state
