"""`rank --json` printed from the kept ranking: each system's explanation was kept as compact
JSON, compressed, when the estate was scored, so a ranking of 50,000 systems is printed
without scoring anything again.

The document is byte for byte what a fresh scoring prints (`json.dumps` with an indent of 2):
the head is laid out here, and the chosen systems' kept texts, chosen and ordered by the
database, are unpacked and laid out a batch at a time as the database hands them over
(`estate.ranking.snapshot.lay_out`) and written as bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

from sqlalchemy.engine import Connection

from estate.jsonable import jsonable
from estate.ranking import RankBy
from estate.ranking.snapshot import kept_selection
from estate.scoring.policy import Policy
from estate.scoring.results import Band
from estate.scoring.serialise import SCHEMA_VERSION

SEPARATOR = b",\n"
"""Between two systems of the document."""


def ranking_head(policy: Policy, catalogue: str, by: str) -> dict[str, Any]:
    """What `rank --json` says before its systems: the schema, date, policy, catalogue and
    order."""
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": policy.as_of.isoformat(),
        "policy": policy.name,
        "catalogue": catalogue,
        "ranked_by": by,
    }


def document_ends(head: dict[str, Any]) -> tuple[bytes, bytes, bytes]:
    """The `rank --json` document around its systems, as `json.dumps(..., indent=2,
    ensure_ascii=False)` lays it out and `click.echo` ends it: what comes before the first
    system, what comes after the last, and the whole document when there is none."""
    empty = json.dumps({**head, "systems": []}, indent=2, ensure_ascii=False, default=jsonable)
    assert empty.endswith("[]\n}")
    opening = empty[: -len("]\n}")] + "\n"
    return opening.encode(), b"\n  ]\n}\n", f"{empty}\n".encode()


def print_kept_ranking_json(
    connection: Connection,
    policy: Policy,
    out: BinaryIO,
    *,
    by: RankBy,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
) -> bool:
    """Write `rank --json`'s document for this selection to `out` from the kept ranking, while
    nothing it was scored from has changed, and say so; write nothing and return False when it
    has (or the ranking was kept without explanations), so the caller scores afresh. A
    department no system belongs to is refused."""
    kept = kept_selection(
        connection,
        policy,
        "explanation",
        by=by,
        departments=departments,
        bands=bands,
        top=top,
    )
    if kept is None:
        return False
    opening, closing, empty = document_ends(ranking_head(policy, kept.catalogue, by.value))
    written = False
    for batch in kept.batches:
        out.write(SEPARATOR if written else opening)
        out.write(SEPARATOR.join(batch))
        written = True
    out.write(closing if written else empty)
    out.flush()
    return True
