"""`rank --json` printed from the kept ranking: each system's explanation was serialised once,
when the estate was scored, so a ranking of 50,000 systems is printed without scoring again.

The document is byte for byte what a fresh scoring prints (`json.dumps` with an indent of 2):
the kept texts are joined into one compact document and indented by msgspec's formatter,
which copies every string and number as it stands and only lays out the whitespace."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
from sqlalchemy.engine import Connection

from estate.jsonable import jsonable
from estate.ranking import RankBy, select_rows
from estate.scoring.policy import Policy
from estate.scoring.results import Band
from estate.scoring.serialise import SCHEMA_VERSION
from estate.snapshot import fresh_snapshot, kept_explanations


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


def ranking_document(head: dict[str, Any], systems: Sequence[str]) -> str:
    """The `rank --json` document from its head and its systems' compact JSON texts, indented
    as `json.dumps(..., indent=2, ensure_ascii=False)` indents it."""
    opening = json.dumps(
        {**head, "systems": []}, ensure_ascii=False, separators=(",", ":"), default=jsonable
    )
    compact = f"{opening[:-2]}{','.join(systems)}]}}"
    formatted: str = msgspec.json.format(compact, indent=2)
    return formatted


def kept_ranking_json(
    connection: Connection,
    policy: Policy,
    *,
    by: RankBy,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
) -> str | None:
    """`rank --json`'s document for this selection, from the kept ranking while nothing it was
    scored from has changed; None when it has (or the ranking was kept without explanations),
    so the caller scores afresh. A department no system belongs to is refused."""
    kept = fresh_snapshot(connection, policy)
    if kept is None:
        return None
    chosen = select_rows(kept.rows, by=by, departments=departments, bands=bands, top=top)
    texts = kept_explanations(connection, [row.rank for row in chosen])
    if texts is None:
        return None
    return ranking_document(ranking_head(policy, kept.figures.catalogue, by.value), texts)
