"""Bringing the kept ranking up to date by scoring only the systems a change reaches.

The kept ranking keeps, for each system, a digest of what its scores were worked out from that
no date moves, and the as-of dates over which its scores hold (`estate.scoring.basis`). So:

- a new as-of date rescores only the systems with a support, contract or penetration test
  date between the kept date and the new one, reading only their facts;
- an import rescores the systems whose digest changed: their stored rows, components or
  assessments, or their blast radius, or whether what they depend on keeps them on premises
  or has been supplied, all of which the estate's facts and graph give at once;
- a change of policy, lifecycle data, catalogue or estate version rescores every system (the
  caller scores the estate afresh).

The systems not rescored keep their ranked rows and texts; every system takes its place again
from the priorities, and the overview's figures are counted again from the kept rows. The
result is byte for byte what scoring the whole estate gives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from estate.catalogue.endoflife import load_catalogue
from estate.db import as_date, insert_rows, is_permission_denied
from estate.graph import BlastRadius, placeholder_statuses
from estate.perf import collector_paused
from estate.ranking.figures import RISKIEST, KeptCounts, Riskiest, kept_figures
from estate.ranking.packing import Packer
from estate.ranking.snapshot import (
    DECODE_KEPT,
    FIELDS,
    KEPT_FIELDS,
    ROWS,
    SNAPSHOT,
    SNAPSHOT_ROWS,
    Basis,
    KeptFacts,
    KeptSystem,
    current_basis,
    kept_system,
    ranked_row,
)
from estate.scoring import score_facts
from estate.scoring.basis import date_free_digest
from estate.scoring.facts import SystemFacts, load_facts, read_facts
from estate.scoring.policy import Policy
from estate.scoring.readiness import blocks_move
from estate.scoring.results import Band, SystemScore
from estate.stages import gone_names

_RANK = FIELDS.index("rank")
_PRIORITY = FIELDS.index("priority")
_LEGACY = FIELDS.index("legacy")
_DEPARTMENT = FIELDS.index("department")
_KEY = FIELDS.index("key")
_BAND = FIELDS.index("band")
_IS_LEGACY = FIELDS.index("is_legacy")
_READINESS = FIELDS.index("readiness")
_NAME = FIELDS.index("name")
_HEADLINE = FIELDS.index("headline")


class _Kept:
    """One system as the kept ranking holds it, read for bringing it up to date."""

    __slots__ = ("basis", "facts", "row", "valid_from", "valid_until")

    def __init__(self, row: tuple[Any, ...], basis: str, start: Any, until: Any, kept: bytes):
        self.row = row
        self.basis = basis
        self.valid_from: dt.date = as_date(start) or dt.date.min
        self.valid_until: dt.date | None = as_date(until)
        self.facts: KeptFacts = DECODE_KEPT(kept)

    def holds_on(self, as_of: dt.date) -> bool:
        """Whether its kept scores hold on `as_of`."""
        return self.valid_from <= as_of and (self.valid_until is None or as_of < self.valid_until)


def _order(row: Sequence[Any]) -> tuple[float, float, str, str]:
    """`score_estate`'s order of systems, from a ranked row."""
    key: str = row[_KEY]
    return (-row[_PRIORITY], -(row[_LEGACY] or 0.0), row[_DEPARTMENT], key.split("/", 1)[1])


def _read_kept(connection: Connection) -> dict[str, _Kept] | None:
    """Every kept system by key, or None when a row was kept without what updating needs."""
    columns = [ROWS[name] for name in FIELDS]
    query = sa.select(*columns, ROWS.basis, ROWS.valid_from, ROWS.valid_until, ROWS.kept)
    found: dict[str, _Kept] = {}
    width = len(FIELDS)
    for row in connection.execute(query):
        basis, start, until, kept = row[width:]
        if basis is None or kept is None:
            return None
        found[row[_KEY]] = _Kept(tuple(row[:width]), basis, start, until, kept)
    return found


def _blast(kept: KeptFacts) -> BlastRadius | None:
    return None if kept.blast is None else BlastRadius(*kept.blast)


def _rescore_dates(
    connection: Connection, policy: Policy, kept: dict[str, _Kept], keys: list[str]
) -> list[tuple[SystemScore, SystemFacts, frozenset[str]]]:
    """The systems of `keys`, whose stored data has not changed, scored as at the new date:
    their facts are read alone, and their place in the graph is the kept one."""
    if not keys:
        return []
    catalogue = load_catalogue(connection)
    found = []
    for facts in read_facts(connection, catalogue, keys).values():
        old = kept[facts.key].facts
        facts.blast = _blast(old)
        facts.depends_on = list(old.depends_on)
        anchored = frozenset(old.stuck) | ({facts.key} if old.blocks else frozenset())
        found.append((score_facts(facts, policy, set(anchored)), facts, anchored))
    return found


def _rescore_changed(
    connection: Connection, policy: Policy, kept: dict[str, _Kept]
) -> tuple[list[tuple[SystemScore, SystemFacts, frozenset[str]]], set[str], dict[str, str]]:
    """After an import: the systems whose date-free digest changed, or whose kept scores do
    not hold on the new date, scored afresh; the keys of every system standing; and the
    placeholders (systems depended on that no return has supplied)."""
    catalogue = load_catalogue(connection)
    facts, graph = load_facts(connection, catalogue)
    anchored = frozenset(f.key for f in facts if blocks_move(f, policy))
    placeholders = placeholder_statuses(graph)
    as_of = policy.as_of
    found = []
    for fact in facts:
        old = kept.get(fact.key)
        if (
            old is None
            or not old.holds_on(as_of)
            or old.basis != date_free_digest(fact, anchored, placeholders)
        ):
            found.append((score_facts(fact, policy, set(anchored)), fact, anchored))
    return found, {f.key for f in facts}, placeholders


def update_kept_ranking(engine: Engine, policy: Policy) -> bool:
    """Bring the kept ranking up to date for `policy` and what the database now holds, scoring
    only the systems the change reaches; return whether the kept ranking is now fresh. False
    when there is none, it was kept before version 6, the policy, lifecycle data, catalogue
    or estate version changed, or the database cannot take the update (busy, read-only, or a
    role that only reads the kept ranking): then the caller scores the estate afresh."""
    with engine.connect() as connection:
        head = connection.execute(
            sa.select(
                SNAPSHOT.c.fingerprint, SNAPSHOT.c.basis, SNAPSHOT.c.figures, SNAPSHOT.c.dictionary
            )
        ).first()
        if head is None or not isinstance(head.basis, dict) or not isinstance(head.figures, dict):
            return False
        catalogue = head.figures.get("catalogue")
        if not isinstance(catalogue, str):
            return False
        stored = Basis(**head.basis)
        current = current_basis(connection, policy)
        if head.fingerprint == current.fingerprint:
            return True
        if stored.rules != current.rules or head.fingerprint != stored.fingerprint:
            return False
        kept = _read_kept(connection)
        if kept is None:
            return False
        with collector_paused():
            if stored.data == current.data:
                as_of = policy.as_of
                moved = sorted(k for k, v in kept.items() if not v.holds_on(as_of))
                rescored = _rescore_dates(connection, policy, kept, moved)
                standing = set(kept)
                gone = {key: status for key, (_name, status) in gone_names(connection).items()}
                placeholders = {
                    key: gone.get(key, "")
                    for _score, facts, _anchored in rescored
                    for key in facts.depends_on
                    if key not in kept  # a new date: nothing stored changed, so none supplied
                }
            else:
                rescored, standing, placeholders = _rescore_changed(connection, policy, kept)
    return _write(
        engine,
        policy,
        (head.fingerprint, current, catalogue),
        Packer(head.dictionary),
        kept,
        rescored,
        standing,
        placeholders,
    )


def _write(
    engine: Engine,
    policy: Policy,
    heads: tuple[str, Basis, str],
    packer: Packer,
    kept: dict[str, _Kept],
    rescored: list[tuple[SystemScore, SystemFacts, frozenset[str]]],
    standing: set[str],
    placeholders: Mapping[str, str],
) -> bool:
    """Rank every standing system again, keep the rescored ones' rows and texts, move the
    others to their new places and count the figures again, in one transaction that gives up
    if another scoring replaced the kept ranking meanwhile. `heads` holds the fingerprint
    read, what the database holds now and the catalogue's version; `packer` compresses the
    rescored systems' texts with the kept ranking's dictionary."""
    was, current, catalogue = heads
    fresh = {score.key: score for score, _facts, _anchored in rescored}
    entries: list[tuple[Any, ...]] = []
    for key, old in kept.items():
        if key in standing and key not in fresh:
            entries.append(old.row)
    new_rows = {key: ranked_row(score) for key, score in fresh.items()}
    entries.extend(new_rows.values())
    entries.sort(key=_order)
    places = {row[_KEY]: rank for rank, row in enumerate(entries, start=1)}
    moves = [
        {"rank": places[key], "moved": key}
        for key, old in kept.items()
        if key in places and key not in fresh and places[key] != old.row[_RANK]
    ]
    gone = [key for key in kept if key not in places or key in fresh]
    inserts: list[tuple[Any, ...]] = []
    counted: dict[str, KeptFacts] = {}
    for score, facts, anchored in rescored:
        score.rank = places[score.key]
        row = new_rows[score.key]._replace(rank=score.rank)
        new_rows[score.key] = row
        system: KeptSystem = kept_system(score, row, facts, policy, anchored, placeholders, packer)
        counted[score.key] = DECODE_KEPT(system.kept)
        inserts.append((*row, *system))
    ordered = [new_rows.get(row[_KEY]) or row for row in entries]
    figures = _figures(ordered, places, kept, counted, policy, catalogue)
    try:
        with engine.begin() as connection:
            found = connection.execute(sa.select(SNAPSHOT.c.fingerprint)).scalar()
            if found != was:
                return found == current.fingerprint
            by_key = SNAPSHOT_ROWS.c.key
            for start in range(0, len(gone), 500):
                connection.execute(
                    SNAPSHOT_ROWS.delete().where(by_key.in_(gone[start : start + 500]))
                )
            if moves:  # only the place changes: a row and its texts stay where they are stored
                connection.execute(
                    SNAPSHOT_ROWS.update().where(by_key == sa.bindparam("moved")), moves
                )
            if inserts:
                insert_rows(connection, SNAPSHOT_ROWS, (*FIELDS, *KEPT_FIELDS), inserts)
            connection.execute(
                SNAPSHOT.update().values(
                    fingerprint=current.fingerprint,
                    scored_at=dt.datetime.now(dt.UTC),
                    figures=figures,
                    basis=current._asdict(),
                )
            )
    except sa.exc.OperationalError:
        return False
    except sa.exc.ProgrammingError as exc:  # a department's role, which only reads it
        if not is_permission_denied(exc):
            raise
        return False
    return True


def _figures(
    ordered: list[Any],
    places: dict[str, int],
    kept: dict[str, _Kept],
    counted: dict[str, KeptFacts],
    policy: Policy,
    catalogue: str,
) -> dict[str, Any]:
    """The overview's figures of the updated ranking, as JSON-ready values; `catalogue` is
    the lifecycle catalogue's version, which the kept figures give (it changes only with the
    rules, which rescore everything)."""
    counts: list[KeptCounts] = []
    riskiest: list[Riskiest] = []
    red = Band.RED.value
    pick = itemgetter(_KEY, _DEPARTMENT, _BAND, _IS_LEGACY, _READINESS)
    for row in ordered:
        key, department, band, is_legacy, readiness = pick(row)
        facts = counted.get(key) or kept[key].facts
        counts.append(
            KeptCounts(
                department,
                band,
                is_legacy,
                readiness,
                facts.gaps,
                facts.unknown,
                facts.unmatched,
                facts.unresolved,
                facts.missing,
                facts.plan,
            )
        )
        if band == red and len(riskiest) < RISKIEST:
            riskiest.append(Riskiest(places[key], key, row[_NAME], row[_HEADLINE]))
    figures = kept_figures(counts, riskiest, policy.as_of, policy.name, catalogue)
    return figures.to_json()
