"""The scores, ranking and graph the commands that rank, explain and plan print: from the
ranking kept at the last scoring while nothing it was scored from has changed, else scored
afresh (and kept)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa

from estate.cli import console
from estate.cli.base import PERIOD_KEY
from estate.cli.database import open_engine
from estate.db import is_lock_timeout
from estate.graph import EstateGraph, dependencies_among, load_graph
from estate.periods import as_of_for
from estate.ranking import PLAN_FIELDS, PlanRow
from estate.ranking.kept_scores import kept_scores
from estate.ranking.snapshot import (
    RankedRow,
    current_basis,
    fresh_snapshot,
    keep_snapshot,
    kept_rank,
    kept_rows,
    ranked_rows,
    stored_fingerprint,
    take_snapshot,
)
from estate.ranking.update import update_kept_ranking
from estate.scoring import EstateScores, score_estate, score_system
from estate.scoring.policy import Policy, load_policy
from estate.scoring.results import SystemScore

if TYPE_CHECKING:  # imported where a graph is built: the kept ranking needs none
    import networkx as nx

EMPTY_ESTATE = (
    "The estate is empty: import a return with `estate import FILE`, or build the sample "
    "estate with `estate demo`."
)


def load_scores(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> EstateScores:
    """Every system's scores under the chosen policy and date (`scores_for`)."""
    return scores_for(ctx, policy_of(policy_path, as_of))


def scores_for(ctx: click.Context, policy: Policy) -> EstateScores:
    """Every system's scores under `policy`, for the commands that need each system's whole
    explanation (`export`, `changes`): ranked by the kept ranking brought up to date
    (`bring_up_to_date`), each explanation worked out from the system's facts. Only when there is
    no kept ranking to bring up to date (a new estate, another policy or version of estate) is
    the whole estate scored, and the ranking kept, so that the next command finds it. A
    progress bar on a terminal: it takes seconds at tens of thousands of systems."""
    return _scored_and_kept(ctx, policy)[0]


def _scored_and_kept(
    ctx: click.Context, policy: Policy
) -> tuple[EstateScores, list[RankedRow] | None]:
    """`scores_for`'s scores, and the ranked rows of the ranking it kept when it scored the
    whole estate and kept it (None otherwise)."""
    bring_up_to_date(ctx, policy)
    with open_engine(ctx) as engine:
        with (
            engine.connect() as connection,
            console.progress_bar("Scoring", console.err.is_terminal) as progress,
        ):
            kept = kept_scores(connection, policy, progress)
            if kept is not None:
                return kept, None
            current = current_basis(connection, policy)
            stored = stored_fingerprint(connection)
            scores = score_estate(connection, policy, progress)
        if stored == current.fingerprint:
            return scores, None
        snapshot = take_snapshot(scores, current)
        keep_snapshot(engine, snapshot, stored)
    return scores, snapshot.rows


def ranking_for(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> list[RankedRow]:
    """The estate's systems in priority order, one line each, as `load_scores` scores them:
    the rows of the ranking it kept when it scored the whole estate, not laid out twice."""
    scores, rows = _scored_and_kept(ctx, policy_of(policy_path, as_of))
    return ranked_rows(scores) if rows is None else rows


def load_ranking(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> tuple[Policy, list[RankedRow]]:
    """The estate's systems in priority order, one line each: the ranking kept from the last
    scoring when nothing it was scored from has changed (the same imports, lifecycle data,
    policy, date and version of estate), else scored afresh."""
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = fresh_snapshot(connection, policy)
    if kept is not None:
        return policy, kept.rows
    return policy, ranking_for(ctx, policy_path, as_of)


def load_system_score(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None, key: str
) -> SystemScore:
    """One system's scores: scored alone, with its place from the kept ranking, while that
    ranking is fresh; else the whole estate is scored (and the ranking kept). A system retired
    or cancelled has no place in the ranking: it is scored alone, with rank 0."""
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        rank = kept_rank(connection, policy, key)
        if rank is not None:
            return score_system(connection, policy, key, rank)
    found = load_scores(ctx, policy_path, as_of).by_key().get(key)
    if found is not None:
        return found
    with open_engine(ctx) as engine, engine.connect() as connection:
        return score_system(connection, policy, key, 0)


def load_ranked_graph(
    ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None
) -> tuple[list[PlanRow], EstateGraph]:
    """The ranking (as `PlanRow`s, without the words) and the dependency graph, for the
    commands that name systems with their band or plan by priority: from the kept ranking
    brought up to date only the columns planning needs are read, then the graph."""
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = kept_rows(connection, policy, PLAN_FIELDS)
        if kept is not None:
            return [PlanRow._make(row) for row in kept], load_graph(connection)
    scores = load_scores(ctx, policy_path, as_of)
    return _plan_rows(scores), scores.graph


def _plan_rows(scores: EstateScores) -> list[PlanRow]:
    return [PlanRow._make(getattr(r, f) for f in PLAN_FIELDS) for r in ranked_rows(scores)]


def load_plan(
    ctx: click.Context,
    policy_path: Path | None,
    as_of: dt.datetime | None,
    choose: Callable[[list[PlanRow]], list[PlanRow]],
) -> tuple[list[PlanRow], nx.DiGraph, dict[str, str]]:
    """The systems `choose` picks from the ranking (as `PlanRow`s), the dependencies among
    them and their names: what planning their migration waves reads. From the kept ranking
    brought up to date only the columns planning needs and the chosen systems' dependencies
    are read, never the whole estate's graph."""
    policy = kept_policy(ctx, policy_path, as_of)
    with open_engine(ctx) as engine, engine.connect() as connection:
        kept = kept_rows(connection, policy, PLAN_FIELDS)
        if kept is not None:
            chosen = choose([PlanRow._make(row) for row in kept])
            among, names = dependencies_among(connection, [row.key for row in chosen])
            return chosen, among, names
    scores = load_scores(ctx, policy_path, as_of)
    chosen = choose(
        [PlanRow._make(getattr(r, f) for f in PLAN_FIELDS) for r in ranked_rows(scores)]
    )
    import networkx as nx

    keys = [row.key for row in chosen]
    among = nx.DiGraph(scores.graph.graph.subgraph(keys))
    return chosen, among, {key: scores.graph.nodes[key].name for key in keys}


def kept_policy(ctx: click.Context, policy_path: Path | None, as_of: dt.datetime | None) -> Policy:
    """The policy the shared options choose (`policy_of`), with the kept ranking brought up to
    date for it where only some systems need scoring again (a new date, an import): the
    commands that read the kept ranking then find it fresh."""
    policy = policy_of(policy_path, as_of)
    bring_up_to_date(ctx, policy)
    return policy


def bring_up_to_date(ctx: click.Context, policy: Policy) -> None:
    """Bring the kept ranking up to date for `policy`, scoring only the systems a new date or
    an import reaches; left as it stands when another session holds its tables locked."""
    with open_engine(ctx) as engine:
        try:
            update_kept_ranking(engine, policy)
        except sa.exc.OperationalError as exc:
            # A table another session holds locked past the lock timeout: the kept ranking is
            # read as it stands, or the estate scored, as when it could not be updated.
            if not is_lock_timeout(exc):
                raise


def policy_of(policy_path: Path | None, as_of: dt.datetime | None) -> Policy:
    """The policy the shared `--policy` and `--as-of` options choose; with `--period` and no
    `--as-of`, as at the period's end."""
    if as_of is None:
        ctx = click.get_current_context(silent=True)
        period = ctx.meta.get(PERIOD_KEY) if ctx is not None else None
        if period is not None:
            return load_policy(policy_path, as_of=as_of_for(period))
    return load_policy(policy_path, as_of=as_of.date() if as_of else None)
