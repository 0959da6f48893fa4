"""The tables that keep what imports replaced, one per kind of stored record.

A live row (in `system`, `component`, `dependency`, `security_assessment`) holds the current
state, valid from the period of the batch that wrote it. When an import of a later period
changes or deletes it, the row is copied here first with the periods it was valid for,
`[valid_from, valid_to)`; an unchanged row is never copied, so an unchanged re-import adds
nothing. A row written and replaced within one period is not kept: the later return for a
period replaces that period's state. Rows are keyed by (organisation, reference), not by the
system's id, so a system deleted by `--replace` keeps its past.

Plain portable Core: enumerations are kept as their canonical text (the live tables checked
them), periods as `2026-Q3` text, whose order is time order."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

from estate import models

PERIOD_TYPE = sa.String(7)


def _plain(column: sa.Column[Any]) -> sa.types.TypeEngine[Any]:
    if isinstance(column.type, sa.Enum):
        return sa.String(column.type.length)
    return column.type


def _history_of(name: str, live: sa.Table, kept: tuple[str, ...]) -> sa.Table:
    return sa.Table(
        name,
        SQLModel.metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "organisation_id",
            sa.Integer,
            sa.ForeignKey("organisation.id", ondelete="RESTRICT"),
            nullable=False,
        ),
        sa.Column("reference", sa.String(64), nullable=False),
        *[sa.Column(n, _plain(live.c[n]), nullable=live.c[n].nullable) for n in kept],
        sa.Column("valid_from", PERIOD_TYPE, nullable=False),
        sa.Column("valid_to", PERIOD_TYPE, nullable=False),
        sa.Index(f"ix_{name}_key", "organisation_id", "reference"),
    )


_SOURCE = ("source_batch_id", "source_row")

SYSTEM_KEPT = (*models.SYSTEM_FIELDS, "missing_from_latest_return", *_SOURCE)
COMPONENT_KEPT = ("kind", "product", "version", "vendor", "end_of_support", *_SOURCE)
DEPENDENCY_KEPT = ("to_org_code", "to_reference", "kind", "criticality", "description", *_SOURCE)
ASSESSMENT_KEPT = ("principle", "outcome", "assessed_on", "notes", *_SOURCE)

SYSTEM_HISTORY = _history_of("system_history", models.table_of(models.System), SYSTEM_KEPT)
COMPONENT_HISTORY = _history_of(
    "component_history", models.table_of(models.Component), COMPONENT_KEPT
)
DEPENDENCY_HISTORY = _history_of(
    "dependency_history", models.table_of(models.Dependency), DEPENDENCY_KEPT
)
ASSESSMENT_HISTORY = _history_of(
    "security_assessment_history", models.table_of(models.SecurityAssessment), ASSESSMENT_KEPT
)

TREND_FIGURES = sa.Table(
    "trend_figures",
    SQLModel.metadata,
    sa.Column("period", PERIOD_TYPE, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("figures", sa.JSON, nullable=False),
)
"""Each period's trend figures as last worked out, and the fingerprint of what they were worked
out from: a cache, recomputed when that changes."""

RELATED = {
    "components": (models.table_of(models.Component), "system_id", COMPONENT_HISTORY),
    "dependencies": (models.table_of(models.Dependency), "from_system_id", DEPENDENCY_HISTORY),
    "security": (
        models.table_of(models.SecurityAssessment),
        "system_id",
        ASSESSMENT_HISTORY,
    ),
}
"""Per kind of related record: its live table, the column naming its system, its history."""

TABLES_IN_VERSION_4 = (
    SYSTEM_HISTORY,
    COMPONENT_HISTORY,
    DEPENDENCY_HISTORY,
    ASSESSMENT_HISTORY,
    TREND_FIGURES,
)
