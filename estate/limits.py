"""The longest text estate stores in each column, in one table, the same on every backend.

SQLite stores text of any length; PostgreSQL refuses text longer than a `varchar(n)` column
allows, with a driver error. So every stored text has one maximum here, checked before the
database sees a value (by the importer, per cell, and by `estate copy`, per row), and the
columns that have a length in the schema take it from this table: the two backends then accept
and refuse the same values. A column of the same name has the same limit in every table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CODE = 32
"""A department's code (`DBP`), and a dependency's department."""
REFERENCE = 64
"""A system's reference, the department's own key for it."""
NAME = 200
"""A name or a person's name: a system, a department, an owner, a supplier, a product."""
SHORT = 100
"""A short label: a version, a cloud provider, a release cycle."""
LONG = 4000
"""Free text: a description, notes, a remediation plan."""

TEXT_LIMITS: dict[str, int] = {
    "code": CODE,
    "to_org_code": CODE,
    "reference": REFERENCE,
    "to_reference": REFERENCE,
    "name": NAME,
    "business_owner": NAME,
    "technical_owner": NAME,
    "supplier": NAME,
    "assessed_by": NAME,
    "product": NAME,
    "product_title": NAME,
    "vendor": NAME,
    "file_name": 255,
    "version": SHORT,
    "cycle": SHORT,
    "cloud_provider": SHORT,
    "period": 7,
    "file_sha256": 64,
    "services_supported": LONG,
    "description": LONG,
    "remediation_plan": LONG,
    "notes": LONG,
    "source": LONG,
}
"""The longest text (in characters) each column holds, by column name. The kept ranking's
tables are left out: they hold what was worked out from the columns above."""

CHECKED_TABLES = (
    "organisation",
    "import_batch",
    "system",
    "component",
    "dependency",
    "security_assessment",
    "lifecycle_cycle",
)
"""The tables whose text columns the limits apply to (what imports and copies write)."""


def limit_of(column: str) -> int | None:
    """The longest text `column` holds, or None for a column that holds no limited text."""
    return TEXT_LIMITS.get(column)


def too_long(column: str, value: Any) -> int | None:
    """The limit `value` is over when it is text longer than `column` holds; else None."""
    limit = TEXT_LIMITS.get(column)
    if limit is None or not isinstance(value, str) or len(value) <= limit:
        return None
    return limit


def over_limit(row: Mapping[str, Any], columns: Iterable[str] | None = None) -> list[str]:
    """Each of `row`'s values (or those of `columns`) longer than its column holds, said as
    "COLUMN is N characters (at most M)"."""
    found = []
    for column in row if columns is None else columns:
        value = row.get(column)
        limit = too_long(column, value)
        if limit is not None and isinstance(value, str):
            found.append(f"{column} is {len(value)} characters (at most {limit})")
    return found
