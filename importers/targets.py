"""What a header can be read as: per sheet kind, the layout's fields and the columns beyond
them (technology, dependency ends, the reporting period). The header matcher, a mapping file and
the mapping file writer all name columns by these targets."""

from __future__ import annotations

from importers import period_column
from importers.layout import LAYOUT_BY_KIND, RecordKind
from importers.relationships import DEPENDENCY_COLUMNS, SYSTEM_LINK_COLUMNS
from importers.technology import TECH_COLUMNS

EXTRA_COLUMNS: dict[RecordKind, dict[str, str]] = {
    kind: {period_column.PERIOD: period_column.HEADER} for kind in RecordKind
}
EXTRA_COLUMNS[RecordKind.SYSTEMS] |= {c.target: c.header for c in TECH_COLUMNS} | {
    c.target: c.header for c in SYSTEM_LINK_COLUMNS
}
EXTRA_COLUMNS[RecordKind.DEPENDENCIES] |= {c.target: c.header for c in DEPENDENCY_COLUMNS}

APPLICATION = "application"
"""A systems sheet's column naming the application each row (a server, an instance) belongs
to: the rows of one application are one system, each row's technology a component of it."""
PAIR_CATEGORY = "pair_category"
"""A category / value pair's category column ("Tag Type 1"): the kind of technology its value
column, the next such column to its right, names."""
PAIR_VALUE = "pair_value"
"""A category / value pair's value column ("Tag 1")."""
SEVERAL = frozenset({PAIR_CATEGORY, PAIR_VALUE})
"""Targets a sheet may give several columns (one per pair)."""
EXTRA_COLUMNS[RecordKind.SYSTEMS] |= {
    APPLICATION: "Application the row belongs to",
    PAIR_CATEGORY: "Category of a category / value pair",
    PAIR_VALUE: "Value of a category / value pair",
}
"""Per sheet kind, the columns beyond its layout's fields a header (or a mapping) can name:
target -> description. Any sheet may say the return's reporting period in a column."""


def targets(kind: RecordKind) -> dict[str, str]:
    """Every name a header of this sheet kind can be mapped to, with what it means."""
    return {c.field: c.header for c in LAYOUT_BY_KIND[kind].columns} | EXTRA_COLUMNS.get(kind, {})
