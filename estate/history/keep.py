"""Keeping what an import replaces: the stored rows it is about to change, delete or mark missing
are copied into the history tables, valid until the new return's period, in the import's
transaction.

One INSERT ... SELECT per slice of systems, so nothing passes through Python; rows written in
the same period as the new return are not kept, as that return replaces them."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.db import in_batches
from estate.history.tables import RELATED, SYSTEM_HISTORY, SYSTEM_KEPT

SYSTEM = models.table_of(models.System)
BATCH = models.table_of(models.ImportBatch)


def _valid_from(source_batch: sa.ColumnElement[int]) -> sa.ColumnElement[str]:
    """The period of the batch that wrote a row ('' for a row no batch wrote)."""
    return sa.func.coalesce(
        sa.select(BATCH.c.period).where(BATCH.c.id == source_batch).scalar_subquery(), ""
    )


def keep_systems(connection: Connection, system_ids: Sequence[int], period: str) -> None:
    """Keep the stored rows of these systems as they stand, valid until `period`."""
    valid_from = _valid_from(SYSTEM.c.source_batch_id)
    for batch in in_batches(system_ids):
        select = sa.select(
            SYSTEM.c.organisation_id,
            SYSTEM.c.reference,
            *[SYSTEM.c[name] for name in SYSTEM_KEPT],
            valid_from,
            sa.literal(period),
        ).where(SYSTEM.c.id.in_(batch), valid_from < period)
        columns = ["organisation_id", "reference", *SYSTEM_KEPT, "valid_from", "valid_to"]
        connection.execute(SYSTEM_HISTORY.insert().from_select(columns, select))


def keep_related(connection: Connection, kind: str, system_ids: Sequence[int], period: str) -> None:
    """Keep the stored components, dependencies or assessments (`kind`, a key of RELATED) of
    these systems as they stand, valid until `period`."""
    live, owner, history = RELATED[kind]
    kept = [c.name for c in history.c if c.name in live.c and c.name != "id"]
    valid_from = _valid_from(live.c.source_batch_id)
    for batch in in_batches(system_ids):
        select = (
            sa.select(
                SYSTEM.c.organisation_id,
                SYSTEM.c.reference,
                *[live.c[name] for name in kept],
                valid_from,
                sa.literal(period),
            )
            .join(SYSTEM, live.c[owner] == SYSTEM.c.id)
            .where(live.c[owner].in_(batch), valid_from < period)
        )
        columns = ["organisation_id", "reference", *kept, "valid_from", "valid_to"]
        connection.execute(history.insert().from_select(columns, select))


def keep_deleted(connection: Connection, system_ids: Sequence[int], period: str) -> None:
    """Keep everything about systems about to be deleted (`--replace`): deletions are history
    too."""
    keep_systems(connection, system_ids, period)
    for kind in RELATED:
        keep_related(connection, kind, system_ids, period)


def mark_missing(
    connection: Connection, system_ids: Sequence[int], batch_id: int, period: str
) -> None:
    """Mark these systems missing from their department's latest return (batch `batch_id`,
    for `period`). Going missing is a change like any other, so the estate as it stood before
    still shows them supplied: a system written for an earlier period and not yet missing is
    kept as it stood, valid until `period`, and its row is then the new batch's (with no row in
    that file of its own). One already missing stays missing since the period it went; one
    written for this same period keeps where its values came from."""
    for batch in in_batches(system_ids):
        earlier = [
            system_id
            for (system_id,) in connection.execute(
                sa.select(SYSTEM.c.id).where(
                    SYSTEM.c.id.in_(batch),
                    SYSTEM.c.missing_from_latest_return.is_(False),
                    _valid_from(SYSTEM.c.source_batch_id) < period,
                )
            )
        ]
        if earlier:
            keep_systems(connection, earlier, period)
            connection.execute(
                SYSTEM.update()
                .where(SYSTEM.c.id.in_(earlier))
                .values(source_batch_id=batch_id, source_row=None)
            )
        connection.execute(
            SYSTEM.update().where(SYSTEM.c.id.in_(batch)).values(missing_from_latest_return=True)
        )
