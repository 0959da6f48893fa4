"""What a parsed return changes in the estate, and applying that change in one transaction.

`plan` compares the return with the department's stored data in a few bulk reads and produces
the change set (new / changed field by field / unchanged / missing). `apply` writes it with
bulk Core statements (executemany), never one ORM object per row, and resolves dependencies
that other departments' returns were waiting for.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rapidfuzz.distance import Levenshtein
from sqlalchemy.engine import Connection

from estate.access import may_rename_organisations
from estate.db import in_batches, insert_rows
from estate.enums import OrgKind
from estate.errors import InputError
from estate.history.keep import keep_deleted, keep_related, keep_systems, mark_missing
from estate.keys import KeyIndex
from estate.models import (
    Component,
    Dependency,
    ImportBatch,
    Organisation,
    SecurityAssessment,
    System,
    SystemSource,
    table_of,
)
from estate.words import counted
from importers.ends import resolve_ends
from importers.headers import ColumnMapping
from importers.later_ends import plan_waiting, report_waiting, resolve_written_ends, write_waiting
from importers.layout import LAYOUT_BY_KIND, RecordKind
from importers.parse import ParsedReturn, Record, where
from importers.problems import Severity

SYSTEM = table_of(System)
ORG = table_of(Organisation)
BATCH = table_of(ImportBatch)
SOURCE = table_of(SystemSource)

RELATED_TABLES = {
    RecordKind.COMPONENTS: table_of(Component),
    RecordKind.DEPENDENCIES: table_of(Dependency),
    RecordKind.SECURITY: table_of(SecurityAssessment),
}
RELATED_FIELDS = {
    kind: tuple(
        c.field for c in LAYOUT_BY_KIND[kind].columns if c.field not in ("department", "reference")
    )
    for kind in RELATED_TABLES
}


@dataclass
class FieldChange:
    """One field of one system that the return changes."""

    field: str
    old: Any
    new: Any
    column: str = ""
    """The field's column header as the return writes it."""


@dataclass
class SystemChange:
    """What the return does to one system."""

    reference: str
    name: str
    status: str
    """"new", "changed" or "unchanged"."""
    row: int
    fields: list[FieldChange] = field(default_factory=list)
    related: dict[str, dict[str, int]] = field(default_factory=dict)
    """kind -> {"added": n, "removed": n} for components, dependencies and assessments."""
    items: dict[str, dict[str, list[tuple[Any, ...]]]] = field(default_factory=dict)
    """kind -> {"added": rows, "removed": rows} (each row its `RELATED_FIELDS` values), for a
    stored system whose set changes, so the change can be told product by product."""


@dataclass
class ChangeSet:
    """Everything an import would change, for a dry run to show and for `apply` to write."""

    department: str
    systems: list[SystemChange] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    """(reference, name) of stored systems the return no longer lists."""
    rejected: int = 0
    unresolved: list[str] = field(default_factory=list)
    organisation_id: int | None = None
    existing_ids: dict[str, int] = field(default_factory=dict)
    related_rows: dict[RecordKind, dict[str, list[Record]]] = field(default_factory=dict)
    """kind -> reference -> the new full set of rows, for systems whose set changes."""
    renamed: tuple[str, str] | None = None
    """(stored name, new name) when the return's cover sheet names the department differently:
    the latest return is the authority on its own department's name."""

    rejected_systems: dict[str, dict[str, int]] = field(default_factory=dict)
    """Rejected system -> sheet -> how many of its rows on that sheet went with it."""
    waiting: list[Record] = field(default_factory=list)
    """Dependencies whose depending end is not in the estate yet, kept as written."""
    waiting_by_end: dict[str, list[Record]] = field(default_factory=dict)
    """Those of them whose end's stored set the return changes, by that end as written."""

    def count(self, status: str) -> int:
        """How many systems have this status."""
        return sum(1 for change in self.systems if change.status == status)

    def summary(self) -> dict[str, int]:
        """Counts a person reads first."""
        return {
            "new": self.count("new"),
            "changed": self.count("changed"),
            "unchanged": self.count("unchanged"),
            "rejected": self.rejected,
            "missing": len(self.missing),
            "unresolved_dependencies": len(self.unresolved),
        }


def supplied_fields(mapping: ColumnMapping) -> list[str]:
    """The system fields a Systems sheet gives (and so replaces): its columns, those its shape
    gives (the number of virtual machines of a system whose rows are its servers), and the
    cloud provider where a hosting column without a provider column names one (`AWS`)."""
    supplied = [f for f in mapping.fields if f not in ("department", "reference")]
    supplied += sorted(mapping.derived - set(supplied))
    if "hosting" in mapping.fields and "cloud_provider" not in mapping.fields:
        supplied.append("cloud_provider")
    return supplied


def _find_org(connection: Connection, code: str) -> int | None:
    """The organisation `code` names, in any case; of several that differ only in case (left
    by an older version), the one spelt exactly so, else the first made."""
    found = connection.execute(
        sa.select(ORG.c.id)
        .where(sa.func.upper(ORG.c.code) == code)
        .order_by((ORG.c.code == code).desc(), ORG.c.id)
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def _warn_if_mistyped(connection: Connection, parsed: ParsedReturn, department: str) -> None:
    """Warn when a department new to the estate has a code one slip from a known one (`DPB`
    or `DB` beside `DBP`: two letters swapped, one missing or one added): its return starts a
    department of its own rather than updating that one's systems. A letter changed is no
    slip here: real codes differ so (DFE and DFT)."""
    known = list(connection.execute(sa.select(ORG.c.code)).scalars())
    near = sorted(code for code in known if _one_slip(code.upper(), department))
    if near:
        parsed.problem(
            Severity.WARNING,
            f"{department} is new to the estate, one slip from {' and '.join(near)}: this "
            f"return starts a department of its own; if it is {near[0]}'s, import it with "
            f"--department {near[0]}",
        )


def _refuse_look_alike_department(
    connection: Connection, parsed: ParsedReturn, department: str
) -> None:
    """Refuse a department new to the estate whose code looks like a known one's (`DBP` written
    with a Cyrillic Ve, beside `DBP`): it would start a second department no reader could tell
    from the first."""
    known = KeyIndex(connection.execute(sa.select(ORG.c.code)).scalars())
    imitated = known.imitated(department)
    if imitated is not None:
        raise InputError(
            f"{parsed.file}: department {department!r} looks like {imitated!r}, a department "
            f"already in the estate, but is not the same text (a look-alike character); "
            f"give --department {imitated} if the return is {imitated}'s"
        )


def _one_slip(known: str, typed: str) -> bool:
    """Whether `typed` is `known` with one letter missing or added, or two neighbours
    swapped."""
    if Levenshtein.distance(known, typed, weights=(1, 1, 3)) == 1:
        return True
    differ = [i for i, (a, b) in enumerate(zip(known, typed, strict=False)) if a != b]
    return (
        len(known) == len(typed)
        and len(differ) == 2
        and differ[1] == differ[0] + 1
        and known[differ[0]] == typed[differ[1]]
        and known[differ[1]] == typed[differ[0]]
    )


def plan(connection: Connection, parsed: ParsedReturn) -> ChangeSet:
    """Compare a parsed return with the stored estate; record row problems it reveals."""
    department = parsed.department
    assert department is not None
    org_id = _find_org(connection, department)
    if org_id is None:
        _refuse_look_alike_department(connection, parsed, department)
        _warn_if_mistyped(connection, parsed, department)
    changes = ChangeSet(department, organisation_id=org_id)
    changes.rejected = sum(parsed.rejected.values())
    if org_id is not None and parsed.cover.name:
        stored_name = connection.execute(
            sa.select(ORG.c.name).where(ORG.c.id == org_id)
        ).scalar_one()
        if stored_name != parsed.cover.name and may_rename_organisations(connection):
            changes.renamed = (stored_name, parsed.cover.name)
        elif stored_name != parsed.cover.name:
            parsed.problem(
                Severity.WARNING,
                f"the cover sheet names the department {parsed.cover.name!r}; it stays "
                f"{stored_name!r}, as only the estate's central team renames a department",
                sheet="Return",
            )
    stored: dict[str, dict[str, Any]] = {}
    if org_id is not None:
        for row in connection.execute(sa.select(SYSTEM).where(SYSTEM.c.organisation_id == org_id)):
            stored[row.reference] = dict(row._mapping)
    changes.existing_ids = {ref: int(row["id"]) for ref, row in stored.items()}

    systems = _refuse_case_variants(parsed, changes, stored)
    _keep_unread(systems, stored)
    resolve_ends(connection, parsed, department, stored)
    in_file = {record.values["reference"]: record for record in systems}
    mapping = parsed.mappings.get(RecordKind.SYSTEMS)
    supplied = supplied_fields(mapping) if mapping else []
    headers = _headers(mapping) if mapping else {}
    for record in systems:
        changes.systems.append(
            _system_change(record, stored.get(record.values["reference"]), supplied, headers)
        )
    has_systems_sheet = RecordKind.SYSTEMS in parsed.mappings
    rejected = parsed.rejected_refs.get(RecordKind.SYSTEMS, set())
    if has_systems_sheet:
        # A system whose row was rejected is in the return, only wrong: never "missing", so
        # --replace cannot delete it.
        changes.missing = sorted(
            (ref, row["name"])
            for ref, row in stored.items()
            if ref not in in_file and ref not in rejected
        )
    by_reference = {change.reference: change for change in changes.systems}
    # Related rows belong to the systems this return lists; a return without a Systems sheet
    # updates the stored systems' related rows.
    known = set(in_file) if has_systems_sheet else set(stored)
    for kind in RELATED_TABLES:
        if kind in parsed.records:
            _plan_related(connection, parsed, changes, kind, known, by_reference)
    unknown_targets = _check_targets(connection, parsed, changes, set(in_file))
    if changes.waiting:
        changes.waiting_by_end = plan_waiting(connection, department, changes.waiting)
        report_waiting(parsed, department, changes.waiting, unknown_targets)
    _report_rejected_systems(parsed, changes)
    for change in changes.systems:
        if change.status == "unchanged" and any(
            counts["added"] or counts["removed"] for counts in change.related.values()
        ):
            change.status = "changed"
    return changes


def _headers(mapping: ColumnMapping) -> dict[str, str]:
    """Each system field's column header as the return writes it (the template's header for a
    field the return gives only by implication, such as the cloud provider)."""
    layout = LAYOUT_BY_KIND[RecordKind.SYSTEMS]
    return {
        c.field: mapping.headers.get(mapping.fields[c.field], c.header)
        if c.field in mapping.fields
        else c.header
        for c in layout.columns
    }


def _refuse_case_variants(
    parsed: ParsedReturn, changes: ChangeSet, stored: dict[str, dict[str, Any]]
) -> list[Record]:
    """The return's systems, less those whose reference differs from a stored system's only in
    case (`abc-1` for `ABC-1`): that is the same system typed differently, so the row is
    rejected with the stored spelling rather than becoming a second system."""
    systems = parsed.records.get(RecordKind.SYSTEMS, [])
    folded = {reference.casefold(): reference for reference in stored}
    look_alikes = KeyIndex(stored)
    kept: list[Record] = []
    for record in systems:
        reference = record.values["reference"]
        twin = folded.get(reference.casefold())
        imitated = None if twin is not None else look_alikes.imitated(reference)
        if (twin is None and imitated is None) or reference in stored:
            look_alikes.add(reference)  # a later row may imitate this one
            kept.append(record)
            continue
        sheet, column = where(parsed, record, "reference")
        if imitated is not None:
            message = (
                f"reference looks like {imitated!r} but is not the same text (a look-alike "
                "or invisible character): it would be a second system no reader could tell "
                f"from it; write it as {imitated!r} or give it a reference of its own"
            )
        else:
            message = (
                f"reference differs only in case from the stored system {twin!r}, which it "
                f"would duplicate; write it as {twin!r}"
            )
        twin = twin or imitated
        parsed.problem(
            Severity.ERROR,
            message,
            sheet=sheet,
            row=record.row,
            column=column,
            value=reference,
            expected=twin,
        )
        changes.rejected += 1
        parsed.rejected_refs.setdefault(RecordKind.SYSTEMS, set()).add(reference)
    return kept


def _keep_unread(systems: list[Record], stored: dict[str, dict[str, Any]]) -> None:
    """A cell skipped as unreadable (--skip-invalid) leaves a stored system's field as it was."""
    for record in systems:
        if record.unread:
            before = stored.get(record.values["reference"])
            for name in record.unread:
                record.values[name] = before[name] if before else None


def _system_change(
    record: Record, stored: dict[str, Any] | None, supplied: list[str], headers: dict[str, str]
) -> SystemChange:
    values = record.values
    if stored is None:
        return SystemChange(values["reference"], values["name"], "new", record.row)
    diffs = [
        FieldChange(name, stored[name], values.get(name), headers.get(name, name))
        for name in supplied
        if stored[name] != values.get(name)
    ]
    status = "changed" if diffs or stored["missing_from_latest_return"] else "unchanged"
    return SystemChange(values["reference"], values["name"], status, record.row, diffs)


def _related_key(kind: RecordKind, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(name) for name in RELATED_FIELDS[kind])


def _plan_related(
    connection: Connection,
    parsed: ParsedReturn,
    changes: ChangeSet,
    kind: RecordKind,
    known: set[str],
    by_reference: dict[str, SystemChange],
) -> None:
    """Work out each covered system's new set of components / dependencies / assessments."""
    table = RELATED_TABLES[kind]
    owner = table.c.from_system_id if kind is RecordKind.DEPENDENCIES else table.c.system_id
    current: dict[int, set[tuple[Any, ...]]] = defaultdict(set)
    if changes.existing_ids:
        fields = [table.c[name] for name in RELATED_FIELDS[kind]]
        statement = (
            sa.select(owner, *fields)
            .join(SYSTEM, owner == SYSTEM.c.id)
            .where(SYSTEM.c.organisation_id == changes.organisation_id)
        )
        for row in connection.execute(statement):
            current[row[0]].add(tuple(row[1:]))
    wanted: dict[str, list[Record]] = defaultdict(list)
    rejected_systems = parsed.rejected_refs.get(RecordKind.SYSTEMS, set())
    for record in parsed.records[kind]:
        reference = record.values["reference"]
        waits = kind is RecordKind.DEPENDENCIES and RecordKind.SYSTEMS not in parsed.mappings
        if reference not in known and waits:  # kept as written until a return supplies it
            changes.waiting.append(record)
            continue
        if reference not in known:
            parsed.rejected[kind] += 1
            changes.rejected += 1
            sheet, column = where(parsed, record, "reference")
            if reference in rejected_systems:  # one problem per system, under its cause
                followers = changes.rejected_systems.setdefault(reference, {})
                named = sheet or parsed.sheet_names[kind]
                followers[named] = followers.get(named, 0) + 1
                continue
            if RecordKind.SYSTEMS in parsed.mappings:
                message = f"system {reference!r} is not on this return's Systems sheet"
            else:
                message = f"no system {reference!r} in the estate for {changes.department}"
            parsed.problem(
                Severity.ERROR,
                message,
                sheet=sheet,
                row=record.row,
                column=column,
                value=reference,
                expected="a system reference from the Systems sheet",
            )
            continue
        wanted[reference].append(record)
    covered = set(by_reference) | set(wanted)
    blocked = parsed.rejected_refs.get(kind, set())
    changes.related_rows[kind] = {}
    for reference in sorted(covered):
        if reference in blocked:
            continue  # some of its rows were rejected: leave its stored set as it is
        rows = wanted.get(reference, [])
        system_id = changes.existing_ids.get(reference)
        old = current.get(system_id, set()) if system_id is not None else set()
        items: dict[str, list[tuple[Any, ...]]] | None = None
        if old:
            new = {_related_key(kind, record.values) for record in rows}
            if old == new:
                continue
            items = {"added": sorted(new - old, key=str), "removed": sorted(old - new, key=str)}
            added, removed = len(items["added"]), len(items["removed"])
        elif rows:  # nothing stored yet (the usual first import): every row is new
            added, removed = len(rows), 0
        else:
            continue
        changes.related_rows[kind][reference] = rows
        change = by_reference.get(reference)
        if change is None:
            stored_name = reference
            change = SystemChange(reference, stored_name, "unchanged", 0)
            by_reference[reference] = change
            changes.systems.append(change)
        change.related[kind.value] = {"added": added, "removed": removed}
        if items is not None:
            change.items[kind.value] = items


def _report_rejected_systems(parsed: ParsedReturn, changes: ChangeSet) -> None:
    """One problem per rejected system that other rows name, under its cause: how many rows on
    which sheets went with it, and how many dependencies on it wait, unresolved."""
    sheet = parsed.sheet_names.get(RecordKind.SYSTEMS)
    if not changes.rejected_systems or sheet is None:
        return
    mapping = parsed.mappings[RecordKind.SYSTEMS]
    letter = mapping.letter("reference") if "reference" in mapping.fields else None
    for reference, followers in sorted(changes.rejected_systems.items()):
        lost = {name: n for name, n in followers.items() if name != _WAITING}
        said = []
        if lost:
            where = ", ".join(f"{n:,} on {name}" for name, n in lost.items())
            rows = counted(sum(lost.values()), "row")
            said.append(f"the {rows} that depend on it were not imported ({where})")
        if followers.get(_WAITING):
            count = followers[_WAITING]
            waiting = counted(count, "dependency", "dependencies")
            said.append(f"{waiting} on it {'is' if count == 1 else 'are'} kept unresolved")
        parsed.problem(
            Severity.ERROR if lost else Severity.WARNING,
            f"system {reference!r} was rejected on the {sheet} sheet, so "
            + " and ".join(said)
            + "; fix the system's row first",
            sheet=sheet,
            column=letter,
            value=reference,
        )


_WAITING = ""
"""The key under which `rejected_systems` counts dependencies on a rejected system."""


def _check_targets(
    connection: Connection, parsed: ParsedReturn, changes: ChangeSet, new_refs: set[str]
) -> set[str]:
    """Warn about dependencies on systems the estate does not hold (yet); they are still kept.
    Returns those systems' labels. A dependency whose depending end is not in the estate
    either is counted here and told with the others like it (`report_waiting`)."""
    records = parsed.records.get(RecordKind.DEPENDENCIES, [])
    if not records:
        return set()
    wanted = {(r.values["to_org_code"], r.values["to_reference"]) for r in records}
    existing: set[tuple[str, str]] = set()
    statement = sa.select(ORG.c.code, SYSTEM.c.reference).join(
        ORG, SYSTEM.c.organisation_id == ORG.c.id
    )
    codes = {code for code, _ in wanted}
    for code, reference in connection.execute(statement.where(ORG.c.code.in_(codes))):
        existing.add((code, reference))
    existing |= {(changes.department, ref) for ref in new_refs}
    rejected = parsed.rejected_refs.get(RecordKind.SYSTEMS, set())
    look_alikes: dict[str, KeyIndex] = {}
    waiting = {id(record) for record in changes.waiting}
    unknown: set[str] = set()
    for record in records:
        target = (record.values["to_org_code"], record.values["to_reference"])
        if target in existing:
            if id(record) in waiting:
                changes.unresolved.append(f"{changes.department}/{record.values['reference']}")
            continue
        label = f"{target[0]}/{target[1]}"
        if target[0] not in look_alikes:
            look_alikes[target[0]] = KeyIndex(ref for code, ref in existing if code == target[0])
        imitated = look_alikes[target[0]].imitated(target[1])
        if imitated is not None:
            sheet, column = where(parsed, record, "to_reference")
            parsed.problem(
                Severity.ERROR,
                f"depends on {label}, which looks like {target[0]}/{imitated} but is not the "
                f"same text (a look-alike or invisible character); write it as {imitated!r}",
                sheet=sheet,
                row=record.row,
                column=column,
                value=target[1],
                expected=imitated,
            )
            # as for any rejected row: the system's stored dependencies are left as they are
            changes.related_rows.get(RecordKind.DEPENDENCIES, {}).pop(
                record.values["reference"], None
            )
            kind = RecordKind.DEPENDENCIES
            parsed.rejected[kind] = parsed.rejected.get(kind, 0) + 1
            changes.rejected += 1
            continue
        changes.unresolved.append(label)
        unknown.add(label)
        if id(record) in waiting:
            continue
        if target[0] == changes.department and target[1] in rejected:  # said under its cause
            followers = changes.rejected_systems.setdefault(target[1], {})
            followers[_WAITING] = followers.get(_WAITING, 0) + 1
            continue
        sheet, column = where(parsed, record, "to_reference")
        parsed.problem(
            Severity.WARNING,
            f"depends on {label}, which is not in the estate yet; kept, and reported as "
            "unresolved until that system is imported",
            sheet=sheet,
            row=record.row,
            column=column,
            value=target[1],
        )
    return unknown


def apply(
    connection: Connection,
    parsed: ParsedReturn,
    changes: ChangeSet,
    *,
    replace: bool = False,
    now: dt.datetime | None = None,
    period: str,
) -> int:
    """Write the change set as the return for `period`; returns the new import batch's id.
    What it replaces or deletes is kept in the history tables first. The caller owns the
    transaction."""
    org_id = changes.organisation_id
    if org_id is None:
        org_id = _create_org(connection, parsed)
    elif changes.renamed:
        connection.execute(ORG.update().where(ORG.c.id == org_id).values(name=changes.renamed[1]))
    summary = changes.summary()
    written = _systems_written(changes)
    batch_id = _insert_one(
        connection,
        BATCH.insert().values(
            organisation_id=org_id,
            file_name=parsed.file,
            file_sha256=parsed.sha256,
            imported_at=now or dt.datetime.now(dt.UTC),
            period=period,
            column_map=parsed.column_map(),
            systems_written=written,
            rows_new=summary["new"],
            rows_changed=summary["changed"],
            rows_unchanged=summary["unchanged"],
            rows_rejected=summary["rejected"],
            rows_missing=summary["missing"],
        ),
    )
    ids = dict(changes.existing_ids)
    _write_systems(connection, parsed, changes, org_id, batch_id, ids, period)
    if changes.missing:
        missing_ids = [ids[ref] for ref, _name in changes.missing]
        if replace:
            keep_deleted(connection, missing_ids, period)
            for batch in in_batches(missing_ids):
                connection.execute(SYSTEM.delete().where(SYSTEM.c.id.in_(batch)))
        else:
            mark_missing(connection, missing_ids, batch_id, period)
    if replace:  # deleted above: nothing may point at them now
        for reference, _name in changes.missing:
            del ids[reference]
    for kind, by_reference in changes.related_rows.items():
        _replace_related(
            connection,
            kind,
            by_reference,
            ids,
            batch_id,
            changes.existing_ids,
            parsed.department,
            period,
        )
    write_waiting(connection, changes.department, changes.waiting_by_end, ids, batch_id)
    resolve_dependencies(connection)
    resolved = resolve_written_ends(connection, changes.department)
    _note_resolved(connection, batch_id, written, resolved)
    return batch_id


def _systems_written(changes: ChangeSet) -> list[str] | None:
    """The references of the systems the change set writes in any way (`apply`): new or
    changed, missing from the return, or with their components, dependencies or assessments
    replaced; a superset, never fewer. None, which counts every system of the department,
    when that is every system the return lists (a department's first return: nothing is
    gained by naming them all) or the department is renamed, which every one of its systems
    reads."""
    written = {change.reference for change in changes.systems if change.status != "unchanged"}
    written.update(reference for reference, _name in changes.missing)
    for by_reference in changes.related_rows.values():
        written.update(by_reference)
    if changes.renamed or written >= {change.reference for change in changes.systems}:
        return None
    return sorted(written)


def _note_resolved(
    connection: Connection, batch_id: int, written: list[str] | None, systems: set[int]
) -> None:
    """Add to the batch's `systems_written` (`written`, as recorded) the systems given a
    dependency by resolving its depending end after the batch was recorded
    (`resolve_written_ends`)."""
    if not systems or written is None:  # None: every system of the department counts already
        return
    references = {
        reference
        for batch in in_batches(sorted(systems))
        for reference in connection.execute(
            sa.select(SYSTEM.c.reference).where(SYSTEM.c.id.in_(batch))
        ).scalars()
    }
    now = sorted(references.union(written))
    if now != written:
        connection.execute(BATCH.update().where(BATCH.c.id == batch_id).values(systems_written=now))


def _create_org(connection: Connection, parsed: ParsedReturn) -> int:
    cover = parsed.cover
    assert parsed.department is not None
    parent_id = _find_org(connection, cover.parent) if cover.parent else None
    if cover.parent and parent_id is None:
        parsed.problem(
            Severity.WARNING,
            f"parent department {cover.parent} is not in the estate; recorded without a parent",
            sheet="Return",
        )
    return _insert_one(
        connection,
        ORG.insert().values(
            code=parsed.department,
            name=cover.name or parsed.department,
            kind=cover.kind or (OrgKind.ARMS_LENGTH_BODY if parent_id else OrgKind.DEPARTMENT),
            parent_id=parent_id,
        ),
    )


def _insert_one(connection: Connection, statement: sa.Insert) -> int:
    """Run a single-row INSERT and return the new row's id."""
    key = connection.execute(statement).inserted_primary_key
    assert key is not None
    return int(key[0])


def _write_systems(
    connection: Connection,
    parsed: ParsedReturn,
    changes: ChangeSet,
    org_id: int,
    batch_id: int,
    ids: dict[str, int],
    period: str,
) -> None:
    records = {r.values["reference"]: r for r in parsed.records.get(RecordKind.SYSTEMS, [])}
    mapping = parsed.mappings.get(RecordKind.SYSTEMS)
    if mapping is None:
        return
    supplied = supplied_fields(mapping)
    new = [c for c in changes.systems if c.status == "new"]
    changed = [
        c for c in changes.systems if c.status == "changed" and c.reference in records and c.row
    ]
    if new:
        columns = [
            *supplied,
            "organisation_id",
            "reference",
            "missing_from_latest_return",
            "source_batch_id",
            "source_row",
        ]
        rows = []
        for c in new:
            values = records[c.reference].values
            rows.append(
                (
                    *[values.get(name) for name in supplied],
                    org_id,
                    c.reference,
                    False,
                    batch_id,
                    c.row,
                )
            )
        insert_rows(connection, SYSTEM, columns, rows)
        found = connection.execute(
            sa.select(SYSTEM.c.reference, SYSTEM.c.id).where(SYSTEM.c.organisation_id == org_id)
        )
        ids.update({ref: int(system_id) for ref, system_id in found})
    if changed:
        keep_systems(connection, [ids[c.reference] for c in changed], period)
        statement = (
            SYSTEM.update()
            .where(SYSTEM.c.id == sa.bindparam("_id"))
            .values(
                {name: sa.bindparam(f"_{name}") for name in supplied}
                | {
                    "missing_from_latest_return": False,
                    "source_batch_id": batch_id,
                    "source_row": sa.bindparam("_row"),
                }
            )
        )
        connection.execute(
            statement,
            [
                {
                    "_id": ids[c.reference],
                    "_row": c.row,
                    **{f"_{name}": records[c.reference].values.get(name) for name in supplied},
                }
                for c in changed
            ],
        )
    written = [*new, *changed]
    if written:
        insert_rows(
            connection,
            SOURCE,
            ["system_id", "batch_id", "row"],
            [(ids[c.reference], batch_id, c.row) for c in written],
        )


def _replace_related(
    connection: Connection,
    kind: RecordKind,
    by_reference: dict[str, list[Record]],
    ids: dict[str, int],
    batch_id: int,
    existing: dict[str, int],
    department: str | None,
    period: str,
) -> None:
    if not by_reference:
        return
    table = RELATED_TABLES[kind]
    owner = "from_system_id" if kind is RecordKind.DEPENDENCIES else "system_id"
    stored_before = [existing[ref] for ref in by_reference if ref in existing]
    keep_related(connection, kind.value, stored_before, period)
    for batch in in_batches(stored_before):  # systems new in this import have no rows yet
        connection.execute(table.delete().where(table.c[owner].in_(batch)))
    fields = RELATED_FIELDS[kind]
    columns = [owner, *fields, "source_batch_id", "source_row"]
    resolving = kind is RecordKind.DEPENDENCIES
    if resolving:  # targets in this department are known here; `resolve_dependencies` does the rest
        columns.append("to_system_id")
    rows: list[tuple[Any, ...]] = []
    for reference, group in by_reference.items():
        for record in group:
            values = record.values
            row = (ids[reference], *[values.get(name) for name in fields], batch_id, record.row)
            if resolving:
                own = values["to_org_code"] == department
                row = (*row, ids.get(values["to_reference"]) if own else None)
            rows.append(row)
    insert_rows(connection, table, columns, rows)


def resolve_dependencies(connection: Connection) -> int:
    """Point every unresolved dependency at its target if the target now exists; returns how
    many resolved. Portable SQL: one correlated UPDATE."""
    dependency = table_of(Dependency)
    target = (
        sa.select(SYSTEM.c.id)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(
            ORG.c.code == dependency.c.to_org_code, SYSTEM.c.reference == dependency.c.to_reference
        )
    )
    result = connection.execute(
        dependency.update()
        .where(dependency.c.to_system_id.is_(None), target.exists())
        .values(to_system_id=target.scalar_subquery())
    )
    return int(result.rowcount or 0)
