"""Every system's scores in the kept ranking's order, for the commands and screens that need
each system's whole explanation (the exports, the changes, the terminal UI's detail views)
rather than its ranked row.

The ranking itself (each system's place, the order, the overview's figures) is the kept one,
brought up to date beforehand (`estate.ranking.update.update_kept_ranking`): nothing is ranked,
laid out as text or kept again, and each system's blast radius is the one kept with it. Only
each system's explanation is worked out from its facts, by the same function the scoring of
the whole estate uses (`estate.scoring.score_facts`), so it is byte for byte what that scoring
would give."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Connection

from estate.catalogue.endoflife import load_catalogue
from estate.db import unless_locked
from estate.graph import EstateGraph
from estate.perf import collector_paused
from estate.progress import Progress
from estate.ranking.snapshot import current_basis, kept_order_and_blasts
from estate.scoring import PROGRESS_EVERY, EstateScores, score_facts
from estate.scoring.facts import load_facts
from estate.scoring.policy import Policy
from estate.scoring.readiness import blocks_move

EXPLAINING = "Explaining systems"
"""The stage `kept_scores` reports while it works out each system's explanation."""


def kept_scores(
    connection: Connection,
    policy: Policy,
    progress: Progress | None = None,
    graph_read: Callable[[EstateGraph], None] | None = None,
) -> EstateScores | None:
    """The estate's scores under `policy`, ranked as the kept ranking ranks them, while that
    ranking is fresh (bring it up to date first); None while it is out of date or there is
    none, or when the systems stored are not the ones it ranks (an import landed meanwhile):
    then the caller scores the estate afresh and keeps it. `progress` and `graph_read` hear
    what `score_estate` would tell them."""
    with collector_paused():
        kept = kept_order_and_blasts(connection, policy)
        if kept is None:
            return None
        order, blasts = kept
        # what is stored, read before the facts: an import landing after it leaves it stale
        data = unless_locked(connection, lambda: current_basis(connection, policy).data)
        if progress:
            progress("Reading the estate and its dependencies", 0, 1)
        catalogue = load_catalogue(connection)
        facts, graph = load_facts(connection, catalogue, graph_read, blasts)
        by_key = {f.key: f for f in facts}
        if len(by_key) != len(order) or any(key not in by_key for key in order):
            return None
        anchored = {f.key for f in facts if blocks_move(f, policy)}
        systems = []
        for rank, key in enumerate(order, start=1):
            if progress and rank % PROGRESS_EVERY == 1:
                progress(EXPLAINING, rank - 1, len(order))
            score = score_facts(by_key[key], policy, anchored)
            score.rank = rank
            systems.append(score)
        if progress:
            progress(EXPLAINING, len(order), len(order))
    return EstateScores(systems, policy, catalogue, graph, by_key, frozenset(anchored), data)
