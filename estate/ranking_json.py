"""`rank --json` printed from the kept ranking: each system's explanation was laid out once,
when the estate was scored, as it stands in the indented document, so a ranking of 50,000
systems is printed without scoring or laying out anything again.

The document is byte for byte what a fresh scoring prints (`json.dumps` with an indent of 2):
the head is laid out here, and the chosen systems' kept texts, chosen and ordered by the
database, are written one after another as the database hands them over, as bytes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, BinaryIO

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.jsonable import jsonable
from estate.ranking import READINESS_ORDER, RankBy, chosen_departments
from estate.scoring.policy import Policy
from estate.scoring.results import Band
from estate.scoring.serialise import SCHEMA_VERSION
from estate.snapshot import SNAPSHOT, SNAPSHOT_ROWS, fingerprint

ROWS = SNAPSHOT_ROWS.c
ORDERS: dict[RankBy, tuple[sa.ColumnElement[Any], ...]] = {
    RankBy.PRIORITY: (ROWS.rank,),
    # As `ROW_SORT_KEYS`: no legacy score (or a score of 0) comes after every score.
    RankBy.LEGACY: (
        sa.case((sa.or_(ROWS.legacy.is_(None), ROWS.legacy == 0), -1), else_=ROWS.legacy).desc(),
        ROWS.rank,
    ),
    RankBy.CLOUD: (
        sa.case({r.value: order for r, order in READINESS_ORDER.items()}, value=ROWS.readiness),
        sa.func.coalesce(ROWS.cloud_score, 0).desc(),
        ROWS.rank,
    ),
    RankBy.SECURITY: (ROWS.security_weight.desc(), ROWS.rank),
}
"""`estate.ranking.ROW_SORT_KEYS` in the database's terms, so that it sorts the kept rows."""

SEPARATOR = b",\n"
"""Between two systems of the document."""
BATCH = 1000
"""Systems fetched and written at a time: the whole estate's document is some 300 MB at
50,000 systems, never held at once."""


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
    head = connection.execute(sa.select(SNAPSHOT.c.fingerprint, SNAPSHOT.c.figures)).first()
    if head is None or head.fingerprint != fingerprint(connection, policy):
        return False
    catalogue = head.figures.get("catalogue") if isinstance(head.figures, dict) else None
    missing = sa.select(ROWS.rank).where(ROWS.explanation.is_(None)).limit(1)
    if not isinstance(catalogue, str) or connection.execute(missing).first() is not None:
        return False
    query = sa.select(ROWS.explanation).order_by(*ORDERS[by])
    asked = list(departments)
    if asked:
        known = set(connection.execute(sa.select(ROWS.department).distinct()).scalars())
        query = query.where(ROWS.department.in_(sorted(chosen_departments(asked, known))))
    wanted_bands = sorted({b.value for b in bands})
    if wanted_bands:
        query = query.where(ROWS.band.in_(wanted_bands))
    if top is not None:
        query = query.limit(top)
    opening, closing, empty = document_ends(ranking_head(policy, catalogue, by.value))
    written = False
    for batch in connection.execute(query).scalars().partitions(BATCH):
        out.write(SEPARATOR if written else opening)
        out.write(SEPARATOR.join(batch))
        written = True
    out.write(closing if written else empty)
    out.flush()
    return True
