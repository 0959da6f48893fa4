"""The current period's outcomes from the kept ranking: a trend counts the latest period from
the ranking every command keeps (brought up to date for the day) rather than scoring it again.

Kept apart from the trend itself, which the renderings of the kept ranking import: only the
commands and screens that show a trend hand this reader to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from estate.db import is_lock_timeout, unless_locked
from estate.ranking.snapshot import current_basis, kept_rows
from estate.ranking.update import kept_values_as_at, update_kept_ranking
from estate.scoring import EstateScores
from estate.scoring.policy import Policy

RANKED = ("key", "band", "is_legacy", "readiness", "gaps")
"""What a trend takes of each system's row in the kept ranking, in this order."""


def ranked_outcomes(
    engine: Engine, at: Policy, scored: EstateScores | None = None
) -> Sequence[Sequence[Any]] | None:
    """Each ranked system's `RANKED` values, from the kept ranking as at `at`'s date, in
    priority order; None when there is no kept ranking fresh for it. For the current period
    (`at` as at today) the ranking is brought up to date first, as the commands that rank do,
    and a ranking whose tables another session holds locked is read as it stands; for a
    period already over it is read as at that period's end without being moved
    (`kept_values_as_at`: only the systems whose scores do not hold then are scored, from
    their kept facts, or from `scored`'s when it is the estate scored on the ranking's day),
    since moving it to a past day would move it back for the next command."""
    if at.as_of < dt.date.today():
        with engine.connect() as connection:
            return kept_values_as_at(connection, at, RANKED, scored)
    try:
        update_kept_ranking(engine, at)
    except sa.exc.OperationalError as exc:
        if not is_lock_timeout(exc):
            raise
    with engine.connect() as connection:
        return kept_rows(connection, at, RANKED)


def still_stored(engine: Engine, scored: EstateScores) -> EstateScores | None:
    """`scored` while what it was scored from is what the database stores now (no import
    has landed since its facts were read, as far as the kept ranking's digest of the
    imports tells), else None: a trend may then take the latest period's systems from it
    rather than read them again."""
    if scored.data is None:
        return None
    with engine.connect() as connection:
        now = unless_locked(connection, lambda: current_basis(connection, scored.policy).data)
    return scored if now == scored.data else None
