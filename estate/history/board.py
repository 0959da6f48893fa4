"""The trend and the changes since the last period as plain rows, for every face that prints
them (the `trend` and `changes` commands and the board pack), worked out once per export."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Engine

from estate.errors import NotFound
from estate.history.changes import (
    Change,
    EstateChanges,
    estate_changes,
    grouped,
    no_earlier_period,
)
from estate.history.stored import stored_periods
from estate.history.trend import (
    COUNTED,
    RankedOutcomes,
    Trend,
    TrendFigures,
    TrendPoint,
    estate_trend,
)
from estate.history.trend_moves import PART_WORDS, summed
from estate.progress import Progress
from estate.scoring import EstateScores
from estate.scoring.policy import Policy

TREND_COLUMNS = (
    "period",
    "as_of",
    "systems",
    "legacy",
    "red_rated",
    "legacy_run_cost",
    "legacy_costs_not_known",
    "red_rated_funded",
    "red_rated_funded_share",
    "ready_for_cloud",
    "ready_share",
    "open_gaps",
    "kg_co2e",
    "carbon_not_estimated",
)
CHANGE_COLUMNS = ("change", "department", "key", "name", "before", "after", "criteria")


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def trend_values(figures: TrendFigures) -> dict[str, Any]:
    """One period's figures as the trend's json and csv give them."""
    return {
        "systems": figures.systems,
        "legacy": figures.legacy,
        "red_rated": figures.red_rated,
        "legacy_run_cost": round(figures.legacy_run_cost, 2),
        "legacy_costs_not_known": figures.legacy_costs_not_known,
        "red_rated_funded": figures.red_rated_funded,
        "red_rated_funded_share": _share(figures.red_rated_funded_share),
        "ready_for_cloud": figures.ready_for_cloud,
        "ready_share": _share(figures.ready_share),
        "open_gaps": figures.open_gaps,
        "kg_co2e": round(figures.kg_co2e, 1),
        "carbon_not_estimated": figures.carbon_not_estimated,
    }


def trend_rows(trend: Trend) -> list[dict[str, Any]]:
    """One row a period, oldest first, with its as-of date."""
    return [{"period": p.period, "as_of": p.as_of, **trend_values(p.figures)} for p in trend.points]


def moves_dict(figures: TrendFigures) -> dict[str, dict[str, float]] | None:
    """How a period's figures moved from the period before, part by part; None for the
    first."""
    if not figures.moved:
        return None
    return {
        figure: {part: round(value, 2) for part, value in parts.items()}
        for figure, parts in figures.moved.items()
    }


def trend_dict(trend: Trend) -> dict[str, Any]:
    """The trend as `estate trend --json` prints it."""
    return {
        "department": trend.department,
        "policy": trend.policy,
        "note": trend.note,
        "periods": [
            {**row, "moved": moves_dict(point.figures)}
            for row, point in zip(trend_rows(trend), trend.points, strict=True)
        ],
        "parts": PART_WORDS,
    }


def change_dict(c: Change) -> dict[str, Any]:
    """One change as the json outputs give it."""
    return {
        "change": c.kind.value,
        "department": c.department,
        "key": c.key,
        "name": c.name,
        "before": c.before or None,
        "after": c.after or None,
        "criteria": list(c.criteria),
    }


def change_row(c: Change) -> tuple[str, ...]:
    """One change as the csv outputs give it, in CHANGE_COLUMNS order."""
    return (c.kind.value, c.department, c.key, c.name, c.before, c.after, "; ".join(c.criteria))


def changes_dict(found: EstateChanges) -> dict[str, Any]:
    """The changes as `estate changes --json` prints them."""
    return {
        "since": found.since,
        "until": found.until,
        "since_as_of": found.since_as_of,
        "until_as_of": found.until_as_of,
        "policy": found.policy,
        "note": found.note,
        "counts": found.counts(),
        "changes": [change_dict(c) for c in found.changes],
        "lines": [
            {**change_dict(line.change), "systems": line.count, "keys": list(line.keys)}
            for line in grouped(found.changes)
        ],
    }


@dataclass
class BoardHistory:
    """What the board pack says of the past: the trend up to the period exported, and the
    changes into it from the period before (None, with `no_changes` saying why, when there is
    no earlier period)."""

    trend: Trend
    changes: EstateChanges | None
    no_changes: str = ""


def _summed(points: Sequence[TrendPoint]) -> TrendFigures:
    total: dict[str, Any] = {
        name: sum(getattr(p.figures, name) for p in points) for name in COUNTED
    }
    moves = [p.figures.moved for p in points if p.figures.moved]
    return TrendFigures(**total, moved=summed(moves) if moves else {})


def _departments_trend(
    engine: Engine,
    policy: Policy,
    codes: Sequence[str],
    until: str | None,
    ranked: RankedOutcomes | None = None,
    as_stored: EstateScores | None = None,
) -> Trend:
    """The trend of several departments, their figures added up period by period, each from
    its own first return; those with no return by `until` are left out (NotFound when all
    are)."""
    trends = []
    for code in codes:
        with suppress(NotFound):
            trends.append(
                estate_trend(
                    engine, policy, department=code, until=until, ranked=ranked, as_stored=as_stored
                )
            )
    if not trends:
        raise NotFound(f"None of {', '.join(codes)} has sent a return by then.")
    by_period: dict[str, list[TrendPoint]] = {}
    for found in trends:
        for point in found.points:
            by_period.setdefault(point.period, []).append(point)
    trend = trends[0]
    trend.department = ", ".join(t.department or "" for t in trends)
    trend.points = [
        TrendPoint(period, points[0].as_of, _summed(points))
        for period, points in sorted(by_period.items())
    ]
    return trend


def board_history(
    engine: Engine,
    policy: Policy,
    *,
    departments: Sequence[str] = (),
    until: str | None = None,
    progress: Progress | None = None,
    scored: EstateScores | None = None,
    ranked: RankedOutcomes | None = None,
    as_stored: EstateScores | None = None,
) -> BoardHistory | None:
    """The trend of the estate (or of `departments`, their figures added up) up to `until`
    (default: the latest period), and what changed into that period from the one before.
    Each period's figures are read from those kept by `estate trend` while still fresh, so
    an export scores a period at most once (and none when the trend has been worked out);
    `scored`, the export's own scores, are the changes' later state when scored alike;
    `ranked` reads the latest period's outcomes from the kept ranking (`estate_trend`), and
    `as_stored`, those scores when they are still the estate as stored, lends that count
    their systems. None when the estate holds no returns for any period."""
    with engine.connect() as connection:
        if not stored_periods(connection):
            return None
    codes = sorted({d.upper() for d in departments})
    try:
        if len(codes) <= 1:
            trend = estate_trend(
                engine,
                policy,
                department=codes[0] if codes else None,
                until=until,
                progress=progress,
                ranked=ranked,
                as_stored=as_stored,
            )
        else:
            trend = _departments_trend(engine, policy, codes, until, ranked, as_stored)
    except NotFound:
        return None  # none of the departments has sent a return by then
    latest = trend.points[-1].period
    with engine.connect() as connection:
        earlier = [p for p in stored_periods(connection) if p < latest]
    if not earlier:
        with engine.connect() as connection:
            first = len(stored_periods(connection)) > 1
        return BoardHistory(trend, None, no_earlier_period(latest, first=first))
    try:
        found = estate_changes(
            engine, policy, since=earlier[-1], until=latest, progress=progress, scored=scored
        )
    except NotFound as exc:
        return BoardHistory(trend, None, str(exc))
    if codes:
        found.changes = [c for c in found.changes if c.department.upper() in codes]
    return BoardHistory(trend, found)
