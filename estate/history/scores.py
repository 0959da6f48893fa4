"""Scoring the estate as it stood at the end of a period: today's policy and lifecycle
catalogue, the period's own as-of date, so that a change of policy never looks like
progress."""

from __future__ import annotations

from estate.periods import as_of_for
from estate.scoring.policy import Policy

METHOD_NOTE = (
    "Every period is scored with today's policy and lifecycle catalogue, as at the period's "
    "last day (today for the current period), so a change of policy never looks like progress."
)


def policy_at(policy: Policy, period: str) -> Policy:
    """`policy`'s values as at the period's last day (today for a period not yet over)."""
    return Policy(policy.data, policy.source, as_of_for(period))
