"""Dependencies whose depending end a later return supplies.

A relationship export (a CMDB's parent / type / child rows) often arrives before the return
that lists its systems, or names systems its department has not returned at all yet. Such a
dependency is kept as the dependency on an unknown target is: by the end's natural key, the
department and the text as written (`from_org_code`, `from_reference`), with no system, and
reported once per return. When a later return supplies the system, by reference or by a name
no other system of the department has, the dependency is pointed at it, as is a target in the
same department written the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.db import in_batches, insert_rows
from estate.models import Dependency, Organisation, System, table_of
from estate.words import counted
from importers.layout import LAYOUT_BY_KIND, RecordKind
from importers.parse import ParsedReturn, Record
from importers.problems import Severity

DEPENDENCY = table_of(Dependency)
SYSTEM = table_of(System)
ORG = table_of(Organisation)
FIELDS = tuple(
    c.field
    for c in LAYOUT_BY_KIND[RecordKind.DEPENDENCIES].columns
    if c.field not in ("department", "reference")
)
"""A dependency's fields besides its depending end, as the layout reads them."""
_SHOWN = 5
"""How many of the systems not in the estate the one line names."""


def plan_waiting(
    connection: Connection, department: str, waiting: list[Record]
) -> dict[str, list[Record]]:
    """The return's dependencies whose depending end is not in the estate, by that end as
    written, keeping only the ends whose stored set the return changes."""
    wanted: dict[str, list[Record]] = defaultdict(list)
    for record in waiting:
        wanted[record.values["reference"]].append(record)
    stored: dict[str, set[tuple[Any, ...]]] = defaultdict(set)
    for batch in in_batches(sorted(wanted)):
        statement = sa.select(
            DEPENDENCY.c.from_reference, *[DEPENDENCY.c[name] for name in FIELDS]
        ).where(
            DEPENDENCY.c.from_system_id.is_(None),
            DEPENDENCY.c.from_org_code == department,
            DEPENDENCY.c.from_reference.in_(batch),
        )
        for row in connection.execute(statement):
            stored[row[0]].add(tuple(row[1:]))
    return {
        end: rows
        for end, rows in wanted.items()
        if stored.get(end) != {tuple(r.values.get(name) for name in FIELDS) for r in rows}
    }


def report_waiting(
    parsed: ParsedReturn, department: str, waiting: list[Record], unknown_targets: set[str]
) -> None:
    """One line for every dependency kept with a depending end not in the estate: how many,
    and which systems they name that the estate does not hold."""
    if not waiting:
        return
    names: list[str] = []
    for record in waiting:
        names.append(record.values["reference"])
        target = (record.values["to_org_code"], record.values["to_reference"])
        if f"{target[0]}/{target[1]}" in unknown_targets:
            names.append(target[1] if target[0] == department else f"{target[0]}/{target[1]}")
    unique = list(dict.fromkeys(names))
    shown = ", ".join(unique[:_SHOWN]) + (", ..." if len(unique) > _SHOWN else "")
    rows = sorted(record.row for record in waiting)
    verb = "names" if len(waiting) == 1 else "name"
    parsed.problem(
        Severity.WARNING,
        f"{counted(len(waiting), 'dependency', 'dependencies')} {verb} "
        f"{counted(len(unique), 'system')} not in the estate yet ({shown}): kept unresolved, "
        "and resolved when a return supplies "
        + ("it" if len(unique) == 1 else "them")
        + f" ({'row' if len(rows) == 1 else 'rows'} {_spans(rows)})",
        sheet=parsed.sheet_names.get(RecordKind.DEPENDENCIES),
    )


def _spans(rows: list[int]) -> str:
    """Row numbers as runs: "2-5, 9"."""
    runs: list[list[int]] = []
    for row in rows:
        if runs and row <= runs[-1][1] + 1:
            runs[-1][1] = row
        else:
            runs.append([row, row])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


def write_waiting(
    connection: Connection,
    department: str,
    by_end: dict[str, list[Record]],
    ids: dict[str, int],
    batch_id: int,
) -> None:
    """Replace the stored dependencies of each depending end the return names as written with
    the return's rows for it (`ids`: the department's systems, for a target among them)."""
    if not by_end:
        return
    for batch in in_batches(sorted(by_end)):
        connection.execute(
            DEPENDENCY.delete().where(
                DEPENDENCY.c.from_system_id.is_(None),
                DEPENDENCY.c.from_org_code == department,
                DEPENDENCY.c.from_reference.in_(batch),
            )
        )
    columns = ["from_org_code", "from_reference", *FIELDS, "to_system_id", "source_batch_id"]
    columns.append("source_row")
    rows = [
        (
            department,
            end,
            *[record.values.get(name) for name in FIELDS],
            ids.get(record.values["to_reference"])
            if record.values["to_org_code"] == department
            else None,
            batch_id,
            record.row,
        )
        for end, records in by_end.items()
        for record in records
    ]
    insert_rows(connection, DEPENDENCY, columns, rows)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def resolve_written_ends(connection: Connection, department: str) -> set[int]:
    """Point the department's dependencies at the systems their ends name as written, where a
    system of the department now has that reference, or that name and no other system has it:
    a depending end kept as written, and a target in the department written as a name. A
    dependency that then repeats one its system already has is dropped. A depending end, or a
    target written as a name, is resolved by writing the dependency anew, naming the target by
    its reference, as the graph reads it (a department may point only a target at a system in
    place: the boundary on PostgreSQL, `estate.access`); a target written as its reference is
    pointed at in place. Returns the ids of the systems that depend on a system they did not
    before: those a depending end resolved to, and those whose target written as a name
    resolved."""
    own = SYSTEM.c.organisation_id.in_(
        sa.select(ORG.c.id).where(ORG.c.code == department).scalar_subquery()
    )
    waiting = list(
        connection.execute(
            sa.select(DEPENDENCY).where(
                sa.or_(
                    sa.and_(
                        DEPENDENCY.c.from_system_id.is_(None),
                        DEPENDENCY.c.from_org_code == department,
                    ),
                    sa.and_(
                        DEPENDENCY.c.to_system_id.is_(None),
                        DEPENDENCY.c.to_org_code == department,
                        DEPENDENCY.c.from_system_id.in_(sa.select(SYSTEM.c.id).where(own)),
                    ),
                )
            )
        )
    )
    if not waiting:
        return set()
    find, reference_of = _finder(connection, own)
    sources = {row.from_system_id or find(row.from_reference) for row in waiting}
    edges = _edges(connection, sources - {None})
    resolved: set[int] = set()
    for row in waiting:
        values: dict[str, Any] = {}
        source = row.from_system_id
        if source is None and (found := find(row.from_reference)) is not None:
            source = values["from_system_id"] = found
            values |= {"from_org_code": None, "from_reference": None}
        own_target = row.to_system_id is None and row.to_org_code == department
        if own_target and (target := find(row.to_reference)) is not None:
            values["to_system_id"] = target
            if reference_of[target] != row.to_reference:  # written as its name
                values["to_reference"] = reference_of[target]
        if not values.keys() - {"to_system_id"}:
            if values:
                update = DEPENDENCY.update().where(DEPENDENCY.c.id == row.id).values(values)
                connection.execute(update)
            continue
        connection.execute(DEPENDENCY.delete().where(DEPENDENCY.c.id == row.id))
        if source is not None:
            to_reference = values.get("to_reference", row.to_reference)
            edge = (source, row.to_org_code, to_reference, row.kind)
            if edge in edges:  # the system already has it: keep that one
                continue
            edges.add(edge)
            resolved.add(source)
        anew = dict(row._mapping) | values
        del anew["id"]
        connection.execute(DEPENDENCY.insert().values(anew))
    return resolved


def _finder(
    connection: Connection, own: sa.ColumnElement[bool]
) -> tuple[Callable[[str | None], int | None], dict[int, str]]:
    """A lookup from an end as written to the department's system it names: the system with
    that reference, else the one system with that name (folded as `importers.ends` folds it);
    None if none or several. And each of the department's systems' reference, by id."""
    references: dict[str, int] = {}
    names: dict[str, set[int]] = defaultdict(set)
    statement = sa.select(SYSTEM.c.id, SYSTEM.c.reference, SYSTEM.c.name).where(own)
    for system_id, reference, name in connection.execute(statement):
        references[reference] = int(system_id)
        names[_fold(name)].add(int(system_id))

    def find(text: str | None) -> int | None:
        if text is None:
            return None
        if text in references:
            return references[text]
        found = names.get(_fold(text), set())
        return next(iter(found)) if len(found) == 1 else None

    return find, {system_id: reference for reference, system_id in references.items()}


def _edges(connection: Connection, systems: Iterable[int | None]) -> set[tuple[Any, ...]]:
    """The dependencies these systems have, each as its unique key."""
    ids = sorted(s for s in systems if s is not None)
    edges: set[tuple[Any, ...]] = set()
    for batch in in_batches(ids):
        statement = sa.select(
            DEPENDENCY.c.from_system_id,
            DEPENDENCY.c.to_org_code,
            DEPENDENCY.c.to_reference,
            DEPENDENCY.c.kind,
        ).where(DEPENDENCY.c.from_system_id.in_(batch))
        edges |= {tuple(row) for row in connection.execute(statement)}
    return edges
