"""`rank --csv`: one line per system, the same from a fresh scoring and from the kept ranking.

Each line is laid out from the system's ranked row (`csv_lines`), whether the row was scored
just now or read from the kept ranking (chosen and ordered by the database, a batch at a time
as it hands them over): the kept ranking keeps no lines of its own, since they hold nothing
the row does not."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, BinaryIO

from estate.advice.dispositions import disposition_words
from estate.files import neutralise
from estate.render.list_columns import plain_value

if TYPE_CHECKING:  # the snapshot module lays out its rows with it
    from estate.ranking.snapshot import RankedRow

CSV_COLUMNS = (
    "rank",
    "key",
    "name",
    "department",
    "criticality",
    "priority",
    "legacy_overall",
    "legacy_band",
    "is_legacy",
    "cloud_readiness",
    "cloud_score",
    "suggested_disposition",
    "security_gaps",
    "high_gaps",
    "dependents",
    "top_reason",
    "suggested_disposition_words",
    "disposition_reason",
    "annual_run_cost",
)


def csv_values(r: RankedRow) -> list[object]:
    """A ranked system's values in `CSV_COLUMNS` order, formula-like text neutralised."""
    values = [
        r.rank,
        r.key,
        r.name,
        r.department,
        r.criticality or "",
        r.priority,
        "" if r.legacy is None else round(r.legacy, 2),
        r.band or "",
        "" if r.is_legacy is None else r.is_legacy,
        r.readiness,
        "" if r.cloud_score is None else r.cloud_score,
        r.disposition or "",
        r.gaps,
        r.high_gaps,
        r.dependents,
        r.top_reason,
        disposition_words(r.disposition, r.disposition_reason),
        r.disposition_reason,
        plain_value(r.run_cost, "money"),
    ]
    return [neutralise(v) for v in values]


def csv_lines(rows: Iterable[RankedRow]) -> list[bytes]:
    """Each row's `rank --csv` line (UTF-8, ending in a newline)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    lines: list[bytes] = []
    for row in rows:
        writer.writerow(csv_values(row))
        lines.append(buffer.getvalue().encode())
        buffer.seek(0)
        buffer.truncate()
    return lines


def write_csv(out: BinaryIO, batches: Iterable[Sequence[bytes]]) -> None:
    """Write `rank --csv` to `out`: the column names, then the systems' lines batch by batch."""
    heading = io.StringIO()
    csv.writer(heading, lineterminator="\n").writerow(CSV_COLUMNS)
    out.write(heading.getvalue().encode())
    for batch in batches:
        out.write(b"".join(batch))
    out.flush()
