"""Per-table row hashes of an estate, to show a refused operation changed nothing."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa
from sqlmodel import SQLModel

import estate.models  # noqa: F401  (the tables' definitions)


def row_hashes(url: str, *extra: str) -> dict[str, str]:
    """Each estate table's rows (and those of the `extra` tables), as one digest per table:
    the rows' text sorted, so the order the database returns them in does not matter."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            names = [t.name for t in SQLModel.metadata.sorted_tables]
            names += [name for name in extra if sa.inspect(connection).has_table(name)]
            found: dict[str, str] = {}
            for name in names:
                rows = connection.exec_driver_sql(f"SELECT * FROM {name}").all()
                lines = sorted(repr(tuple(row)) for row in rows)
                found[name] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
            return found
    finally:
        engine.dispose()
