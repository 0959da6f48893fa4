"""Scoring the estate as it stood at the end of a period: today's policy and lifecycle
catalogue, the period's own as-of date, so that a change of policy never looks like
progress."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from estate.history.reconstruct import estate_at
from estate.history.stored import stored_periods
from estate.periods import as_of_for
from estate.progress import Progress
from estate.scoring.outcomes import Outcome, ScoringMemo, score_outcomes
from estate.scoring.policy import Policy

METHOD_NOTE = (
    "Every period is scored with today's policy and lifecycle catalogue, as at the period's "
    "last day (today for the current period), so a change of policy never looks like progress."
)


def policy_at(policy: Policy, period: str) -> Policy:
    """`policy`'s values as at the period's last day (today for a period not yet over)."""
    return Policy(policy.data, policy.source, as_of_for(period))


def scores_at(
    engine: Engine,
    period: str,
    policy: Policy,
    memo: ScoringMemo,
    progress: Progress | None = None,
) -> list[Outcome]:
    """The estate as it stood at the end of `period`, scored under `policy` as at that
    period's end, as the outcomes a trend counts; `memo` carries the work shared with the
    trend's other periods. The latest period is the stored estate itself, read without
    rebuilding."""
    periods = stored_periods_of(engine)
    at = policy_at(policy, period)
    if periods and period >= periods[-1]:
        with engine.connect() as connection:
            return score_outcomes(connection, at, memo, progress)
    past = estate_at(engine, period)
    try:
        with past.connect() as connection:
            return score_outcomes(connection, at, memo, progress)
    finally:
        past.dispose()


def stored_periods_of(engine: Engine) -> list[str]:
    """The periods the estate holds returns for, oldest first."""
    with engine.connect() as connection:
        return stored_periods(connection)
