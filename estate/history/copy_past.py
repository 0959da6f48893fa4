"""Copying the estate as it stood at the end of a period in set-based statements: the source
SQLite file is attached to the new database's connection and every table is filled by one
INSERT ... SELECT, so hundreds of thousands of rows never pass through Python. The statements
are SQLAlchemy Core over the source's tables under the attached schema; only the attaching is
SQLite's own (`estate.db.attach_sqlite`)."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.history.tables import RELATED, SYSTEM_HISTORY, SYSTEM_KEPT

SOURCE_SCHEMA = "past_source"

_LIVE = {
    "organisation": models.table_of(models.Organisation),
    "import_batch": models.table_of(models.ImportBatch),
    "lifecycle_cycle": models.table_of(models.LifecycleCycle),
    "system": models.table_of(models.System),
    "system_source": models.table_of(models.SystemSource),
}


@cache
def _sources() -> dict[str, sa.Table]:
    """The source's tables under the attached schema, made once: a trend rebuilds a past
    estate for each period, and copying the tables' definitions costs more than a small
    estate's rows."""
    metadata = sa.MetaData()
    tables = [*_LIVE.values(), SYSTEM_HISTORY, *(t for r in RELATED.values() for t in (r[0], r[2]))]
    return {t.name: t.to_metadata(metadata, schema=SOURCE_SCHEMA) for t in tables}


def copy_attached(out: Connection, period: str) -> None:
    """Fill `out`'s estate tables with the attached source's estate as it stood at the end of
    `period`."""
    src = _sources()
    batch = src["import_batch"]

    later = sa.select(batch.c.id).where(batch.c.period > period)

    def stood_live(column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
        """A live row stood unless the batch that wrote it is for a later period: one
        uncorrelated list of batches, not a look-up per row."""
        return sa.or_(column.is_(None), column.not_in(later))

    def stood(history: sa.Table) -> sa.ColumnElement[bool]:
        return sa.and_(history.c.valid_from <= period, history.c.valid_to > period)

    def copy(name: str, select: sa.Select[Any]) -> None:
        table = _LIVE[name]
        out.execute(table.insert().from_select([c.name for c in table.c], select))

    copy("organisation", sa.select(*src["organisation"].c))
    copy("import_batch", sa.select(*batch.c).where(batch.c.period <= period))
    copy("lifecycle_cycle", sa.select(*src["lifecycle_cycle"].c))
    system, history = src["system"], src["system_history"]
    copy("system", sa.select(*system.c).where(stood_live(system.c.source_batch_id)))
    offset = out.execute(sa.select(sa.func.coalesce(sa.func.max(system.c.id), 0))).scalar_one()
    live_system = _LIVE["system"]
    columns = ["id", "organisation_id", "reference", *SYSTEM_KEPT]
    out.execute(
        live_system.insert().from_select(
            columns,
            sa.select(
                history.c.id + offset,
                history.c.organisation_id,
                history.c.reference,
                *[history.c[n] for n in SYSTEM_KEPT],
            ).where(stood(history)),
        )
    )
    now = live_system  # the rebuilt systems, found by key

    def by_key(org: sa.ColumnElement[Any], reference: sa.ColumnElement[Any]) -> Any:
        return sa.and_(now.c.organisation_id == org, now.c.reference == reference)

    source = src["system_source"]
    out.execute(
        _LIVE["system_source"]
        .insert()
        .from_select(
            ["system_id", "batch_id", "row"],
            sa.select(now.c.id, source.c.batch_id, source.c.row)
            .join(system, source.c.system_id == system.c.id)
            .join(now, by_key(system.c.organisation_id, system.c.reference))
            .join(batch, source.c.batch_id == batch.c.id)
            .where(batch.c.period <= period)
            .order_by(source.c.id),
        )
    )
    deleted = ~sa.exists().where(
        system.c.organisation_id == history.c.organisation_id,
        system.c.reference == history.c.reference,
    )
    out.execute(
        _LIVE["system_source"]
        .insert()
        .from_select(
            ["system_id", "batch_id", "row"],
            sa.select(history.c.id + offset, history.c.source_batch_id, history.c.source_row).where(
                stood(history),
                deleted,
                history.c.source_batch_id.is_not(None),
                history.c.source_row.is_not(None),
            ),
        )
    )
    for live, owner, kept_table in RELATED.values():
        from_live, from_past = src[live.name], src[kept_table.name]
        kept = [c.name for c in kept_table.c if c.name in live.c and c.name != "id"]
        target = [owner, *kept]
        out.execute(
            live.insert().from_select(
                target,
                sa.select(now.c.id, *[from_live.c[n] for n in kept])
                .join(system, from_live.c[owner] == system.c.id)
                .join(now, by_key(system.c.organisation_id, system.c.reference))
                .where(stood_live(from_live.c.source_batch_id)),
            )
        )
        out.execute(
            live.insert().from_select(
                target,
                sa.select(now.c.id, *[from_past.c[n] for n in kept])
                .join(now, by_key(from_past.c.organisation_id, from_past.c.reference))
                .where(stood(from_past)),
            )
        )
    _resolve(out)


def _resolve(out: Connection) -> None:
    """Point each rebuilt dependency at its target as it stood."""
    dependency = models.table_of(models.Dependency)
    system, org = _LIVE["system"], _LIVE["organisation"]
    target = (
        sa.select(system.c.id)
        .join(org, system.c.organisation_id == org.c.id)
        .where(
            org.c.code == dependency.c.to_org_code, system.c.reference == dependency.c.to_reference
        )
        .scalar_subquery()
    )
    out.execute(dependency.update().values(to_system_id=target))
