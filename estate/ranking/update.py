"""Bringing the kept ranking up to date by scoring only the systems a change reaches.

The kept ranking keeps, for each system, a digest of what its scores were worked out from that
no date moves, and the as-of dates over which its scores hold (`estate.scoring.basis`). So:

- a new as-of date rescores only the systems with a support, contract or penetration test
  date between the kept date and the new one, reading only their facts;
- an import rescores the systems whose digest changed: their stored rows, components or
  assessments, or their blast radius, or whether what they depend on keeps them on premises
  or has been supplied. Which import batches the kept ranking has seen is found from its data
  digest (`last_seen_batch`); only the systems later batches record they wrote
  (`written_since`) are read, with what they depend on, and from those changed in what other
  systems read of them (whether they keep their dependents on premises, what they depend on,
  their criticality, or their being in service) the systems depending on them directly and
  everything they depend on, directly or not, now or before (`reached_from`, through the
  whole estate's graph, read only for such a change; a system out of service before and
  after reaches its direct dependents alone, found by a query). When the batches seen cannot
  be told, the whole estate's facts and graph are read and every system's digest compared;
- a change of policy, lifecycle data, catalogue or estate version rescores every system (the
  caller scores the estate afresh).

Only the rows of the systems rescored or gone are read whole (a new date finds them by their
indexed date windows); of the others only what orders the ranking is read. The systems not
rescored keep their rows and texts; every system takes its place again from the priorities
(a system that only moves has its place changed, nothing else), and the overview's figures are
counted again by the database and from running totals (`estate.ranking.tally`). The result is
byte for byte what scoring the whole estate gives."""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
import operator
from collections.abc import Collection, Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from estate.catalogue import Catalogue
from estate.catalogue.endoflife import load_catalogue
from estate.db import as_date, insert_rows, is_permission_denied, move_places, plain_rows
from estate.graph import (
    DEPENDENCY,
    BlastRadius,
    EstateGraph,
    depending_on,
    depends_on_of,
    load_graph,
    placeholder_statuses,
)
from estate.models import ImportBatch, SystemSource, system_key, table_of
from estate.perf import collector_paused
from estate.ranking.explanations import ExplanationWriter
from estate.ranking.fragments import Fragments
from estate.ranking.packing import WORDS, Packer, read_texts
from estate.ranking.snapshot import (
    COLUMNS,
    DECODE_KEPT,
    ROWS,
    SNAPSHOT,
    SNAPSHOT_ROWS,
    STORED_FIELDS,
    Basis,
    KeptFacts,
    KeptSystem,
    RankedRow,
    basis_code,
    current_basis,
    day_number,
    day_of,
    kept_system,
    kept_unpacker,
    packed_systems,
    ranked_row,
    stored_row,
)
from estate.ranking.tally import Tally, counted_figures
from estate.scoring import EstateScores, score_facts
from estate.scoring.basis import date_free_digest
from estate.scoring.facts import (
    ASSESSMENT,
    COMPONENT,
    ORG,
    SYSTEM,
    SystemFacts,
    load_facts,
    read_facts,
)
from estate.scoring.policy import Policy
from estate.scoring.readiness import blocks_move
from estate.scoring.results import SystemScore
from estate.stages import gone_names, in_service

SOURCE = table_of(SystemSource)

_RANK = COLUMNS.index("rank")
_PRIORITY = COLUMNS.index("priority")
_LEGACY = COLUMNS.index("legacy")
_DEPARTMENT = COLUMNS.index("department")
_KEY = COLUMNS.index("key")
_BAND = COLUMNS.index("band")

Rescored = list[tuple[SystemScore, SystemFacts, frozenset[str]]]
"""Systems scored again: each its scores, facts and the systems that keep theirs on premises."""
Place = tuple[str, int, float, float | None, str]
"""What orders one kept system: its key, place, priority, legacy score and department."""
Windows = dict[str, tuple[int | None, dt.date, dt.date | None]]
"""Each kept system's date-free digest and the as-of dates its scores hold over."""


class _Kept:
    """One system as the kept ranking holds it, read whole for bringing it up to date."""

    __slots__ = ("facts", "row")

    def __init__(self, row: tuple[Any, ...], facts: KeptFacts):
        self.row = row
        self.facts = facts


def _holds(start: Any, until: Any, as_of: dt.date) -> bool:
    """Whether scores kept for the as-of dates from `start` until `until` hold on `as_of`."""
    first = as_date(start) or dt.date.min
    last = as_date(until)
    return first <= as_of and (last is None or as_of < last)


def _order(priority: float, legacy: float | None, department: str, key: str) -> tuple[Any, ...]:
    """`score_estate`'s order of systems."""
    return (-priority, -(legacy or 0.0), department, key.split("/", 1)[1])


def _places(connection: Connection) -> list[Place]:
    """What orders every kept system, in the kept order: read as stored and put in order
    here, which costs less than the database's ordering (on PostgreSQL the place is not
    indexed, and a sort of 50,000 rows took it twice as long as reading them)."""
    query = sa.select(ROWS.key, ROWS.rank, ROWS.priority, ROWS.legacy, ROWS.department)
    found = plain_rows(connection, query)
    found.sort(key=operator.itemgetter(_PLACE_RANK))
    return found


_PLACE_RANK = 1
"""Where a `Place` holds its kept place."""


def _read_rows(connection: Connection, keys: Iterable[str]) -> dict[str, _Kept] | None:
    """The kept systems of `keys` read whole, or None when one was kept without what updating
    needs."""
    wanted = sorted(keys)
    columns = [ROWS[name] for name in COLUMNS]
    found: dict[str, _Kept] = {}
    width = len(COLUMNS)
    unpack = kept_unpacker(connection)
    for start in range(0, len(wanted), 500):
        query = sa.select(*columns, ROWS.explanation).where(
            ROWS.key.in_(wanted[start : start + 500])
        )
        for row in connection.execute(query):
            kept = read_texts(unpack(row[width])).kept
            if kept is None:
                return None
            found[row[_KEY]] = _Kept(tuple(row[:width]), DECODE_KEPT(kept))
    return found


def _moved(connection: Connection, was: dt.date, as_of: dt.date) -> list[str]:
    """The kept systems whose scores do not hold on `as_of`, kept as at `was`: going on, those
    whose window ends by then (indexed); going back, those whose window starts after it."""
    day = day_number(as_of)
    where = ROWS.valid_until <= day if as_of >= was else ROWS.valid_from > day
    return sorted(connection.execute(sa.select(ROWS.key).where(where)).scalars())


def _windows(connection: Connection, keys: Iterable[str] | None = None) -> Windows:
    """Every kept system's date-free digest and date window, or those of `keys`."""
    query = sa.select(ROWS.key, ROWS.basis, ROWS.valid_from, ROWS.valid_until)
    if keys is None:
        rows: Iterable[Any] = connection.execute(query)
    else:
        wanted = sorted(keys)
        rows = [
            row
            for start in range(0, len(wanted), 500)
            for row in connection.execute(query.where(ROWS.key.in_(wanted[start : start + 500])))
        ]
    return {
        key: (basis, day_of(start) or dt.date.min, day_of(until))
        for key, basis, start, until in rows
    }


def _blast(kept: KeptFacts) -> BlastRadius | None:
    return None if kept.blast is None else BlastRadius(*kept.blast)


def _rescore_dates(
    connection: Connection, policy: Policy, kept: dict[str, _Kept], keys: list[str]
) -> Rescored:
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
        found.append((score_facts(facts, policy, anchored), facts, anchored))
    return found


def _rescore_changed(
    connection: Connection, policy: Policy, windows: Windows
) -> tuple[Rescored, set[str], dict[str, str], str]:
    """After lifecycle data is imported, or an import when which batches the kept ranking has
    seen cannot be told: the systems whose date-free digest changed, or whose kept scores do
    not hold on the new date, scored afresh from the whole estate's facts and graph; the keys
    of every system standing; the placeholders (systems depended on that no return has
    supplied); and the catalogue's version."""
    catalogue = load_catalogue(connection)
    facts, graph = load_facts(connection, catalogue)
    anchored = frozenset(f.key for f in facts if blocks_move(f, policy))
    placeholders = placeholder_statuses(graph)
    found = [
        (score_facts(fact, policy, anchored), fact, anchored)
        for fact in facts
        if _differs(windows.get(fact.key), fact, anchored, placeholders, policy.as_of)
    ]
    return found, {f.key for f in facts}, placeholders, catalogue.version


def _differs(
    old: tuple[int | None, dt.date, dt.date | None] | None,
    fact: SystemFacts,
    anchored: frozenset[str],
    placeholders: Mapping[str, str],
    as_of: dt.date,
) -> bool:
    """Whether a system must be scored again: not kept, its kept scores not holding on
    `as_of`, or its date-free digest changed."""
    return (
        old is None
        or not _holds(old[1], old[2], as_of)
        or old[0] != basis_code(date_free_digest(fact, anchored, placeholders))
    )


def _rescore_imported(
    connection: Connection, policy: Policy, since: tuple[int, set[str]], kept_keys: set[str]
) -> tuple[Rescored, set[str], dict[str, str]]:
    """After imports of batches later than `seen` (the last the kept ranking was scored
    with, the first of `since`): the systems those batches may have changed
    (`written_since`) have their facts read; of those, the ones changed in what other
    systems' digests read of them (`spreading`: gone, new, or `_spreads`) reach further
    (`reached_from`, through the whole estate's graph, read only then), and the systems
    reached are read too, with those whose kept scores do not hold on the new date (`dated`,
    the second of `since`: an import seen on another day than the ranking was kept for).
    Those whose digest changed, or whose kept scores do not hold on the new date, are scored
    again; as `_rescore_changed` gives them. A system no change reached keeps its kept blast
    radius."""
    seen, dated = since
    written, whole = written_since(connection, seen)
    standing = in_service_keys(connection)
    # a kept system gone since (retired, or deleted by a replacing return) was written too,
    # but a batch that records no list names its department's remaining systems alone
    candidates = written | (kept_keys - standing)
    catalogue = load_catalogue(connection)
    facts = _facts_by_key(connection, catalogue, candidates & standing)
    kept = _kept_facts(connection, candidates & kept_keys)
    successors = _successors(connection, facts)
    spreading = {
        key
        for key in candidates
        if key not in facts
        or key not in kept
        or _spreads(facts[key], kept[key], successors[key], policy)
    }
    if whole:
        # A system of a department some batch wrote whole that no return supplies, or that
        # its return retired: whether it is supplied, retired or neither may have changed with
        # no row left to say so (a retired system deleted by a replacing return), and what
        # depends on it, in any department, reads that. A batch that records what it wrote
        # names such a system (missing from its return) among them.
        spreading |= placeholders_of(connection, whole, standing)
    below: set[str] = set()
    graph: EstateGraph | None = None
    more = (dated & standing) - facts.keys()
    if spreading and not (spreading & (standing | kept_keys)):
        # Out of service before and after (a retired system renamed, say): what depends on
        # one directly reads whether it is supplied and its status; nothing else reads it.
        more |= (depending_on(connection, spreading) & standing) - facts.keys()
    elif spreading:
        graph = load_graph(connection)
        reached, below = reached_from(graph, spreading, {k: kept[k][0].depends_on for k in kept})
        more |= (reached & standing) - facts.keys()
    added = _facts_by_key(connection, catalogue, more)
    facts |= added
    kept |= _kept_facts(connection, more & kept_keys)
    successors |= _successors(connection, added)
    depended = {key for fact in facts.values() for key in successors[fact.key]}
    others = _kept_facts(connection, (depended & standing) - facts.keys())
    if len(others) != len((depended & standing) - facts.keys()):
        raise _NotKept
    anchored = frozenset(
        [key for key, fact in facts.items() if blocks_move(fact, policy)]
        + [key for key, (kept_one, _criticality) in others.items() if kept_one.blocks]
    )
    gone = {key: status for key, (_name, status) in gone_names(connection).items()}
    placeholders = {key: gone.get(key, "") for key in depended if key not in standing}
    windows = _windows(connection, facts)
    found = []
    for key, fact in facts.items():
        old = kept.get(key)
        if old is None or key in below:
            assert graph is not None  # a system not kept, or reached below a change, spreads
            fact.blast = graph.blast_radius_of(key)
        else:
            fact.blast = _blast(old[0])
        fact.depends_on = sorted(successors[key])
        if _differs(windows.get(key), fact, anchored, placeholders, policy.as_of):
            found.append((score_facts(fact, policy, anchored), fact, anchored))
    return found, standing, placeholders


def _successors(connection: Connection, facts: Mapping[str, SystemFacts]) -> dict[str, list[str]]:
    """What each system of `facts` depends on (`depends_on_of`)."""
    return depends_on_of(connection, {fact.row.id: key for key, fact in facts.items()})


def _spreads(
    fact: SystemFacts, kept: tuple[KeptFacts, str | None], depends_on: list[str], policy: Policy
) -> bool:
    """Whether a system changed in what other systems' digests read of it: whether it keeps
    its dependents on premises, what it depends on (its dependents' blast radius), or its
    criticality (counted in the blast radius of what it depends on)."""
    old, criticality = kept
    row = fact.row
    return (
        old.blocks != blocks_move(fact, policy)
        or old.depends_on != sorted(depends_on)
        or criticality != (row.criticality.value if row.criticality else None)
    )


def _facts_by_key(
    connection: Connection, catalogue: Catalogue, keys: Collection[str]
) -> dict[str, SystemFacts]:
    """The facts of the systems of `keys`, by key."""
    if not keys:
        return {}
    return {fact.key: fact for fact in read_facts(connection, catalogue, sorted(keys)).values()}


class _NotKept(Exception):
    """A kept system was kept without what bringing it up to date reads."""


def written_since(connection: Connection, seen: int) -> tuple[set[str], set[str]]:
    """The keys of every system that an import batch later than `seen` may have changed, and
    the codes of the departments some such batch wrote whole. The systems each batch records
    it wrote (`ImportBatch.systems_written`), or, for a batch that records none (one that
    wrote every system of its return, renamed its department, or was imported before version
    9), every system of its organisation; and every system whose row, components,
    dependencies or assessments such a batch wrote."""
    batch = table_of(ImportBatch)
    later = connection.execute(
        sa.select(ORG.c.code, batch.c.organisation_id, batch.c.systems_written)
        .join(ORG, batch.c.organisation_id == ORG.c.id)
        .where(batch.c.id > seen)
    ).all()
    found = {
        system_key(code, reference)
        for code, _organisation, written in later
        for reference in written or ()
    }
    whole = {(code, organisation) for code, organisation, written in later if written is None}
    ids = sa.union(
        sa.select(SYSTEM.c.id).where(SYSTEM.c.organisation_id.in_(sorted(o for _c, o in whole))),
        sa.select(SYSTEM.c.id).where(SYSTEM.c.source_batch_id > seen),
        sa.select(SOURCE.c.system_id).where(SOURCE.c.batch_id > seen),
        sa.select(COMPONENT.c.system_id).where(COMPONENT.c.source_batch_id > seen),
        sa.select(ASSESSMENT.c.system_id).where(ASSESSMENT.c.source_batch_id > seen),
        sa.select(DEPENDENCY.c.from_system_id).where(DEPENDENCY.c.source_batch_id > seen),
    ).subquery()
    query = (
        sa.select(ORG.c.code, SYSTEM.c.reference)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(SYSTEM.c.id.in_(sa.select(ids.c[0])))
    )
    found.update(system_key(code, reference) for code, reference in plain_rows(connection, query))
    return found, {code for code, _organisation in whole}


def in_service_keys(connection: Connection) -> set[str]:
    """The keys of every system in service: the estate graph's own nodes, read alone."""
    query = (
        sa.select(ORG.c.code, SYSTEM.c.reference)
        .join(ORG, SYSTEM.c.organisation_id == ORG.c.id)
        .where(in_service(SYSTEM))
    )
    return {system_key(code, reference) for code, reference in plain_rows(connection, query)}


def placeholders_of(
    connection: Connection, departments: Collection[str], standing: Collection[str]
) -> set[str]:
    """The keys of the systems of `departments` that a system in service depends on and that
    are not in service themselves (not `standing`): never supplied, retired or cancelled."""
    query = (
        sa.select(DEPENDENCY.c.to_org_code, DEPENDENCY.c.to_reference)
        .join(SYSTEM, DEPENDENCY.c.from_system_id == SYSTEM.c.id)
        .where(DEPENDENCY.c.to_org_code.in_(sorted(departments)), in_service(SYSTEM))
        .distinct()
    )
    keys = {system_key(code, reference) for code, reference in plain_rows(connection, query)}
    return {key for key in keys if key not in standing}


def reached_from(
    graph: EstateGraph, changed: set[str], depended_before: Mapping[str, Iterable[str]]
) -> tuple[set[str], set[str]]:
    """The systems whose date-free digest a change to `changed` can reach, and of those the
    ones whose blast radius it can change: those systems themselves, every system depending
    on one directly (what it depends on is part of its digest, with whether that keeps it on
    premises and whether it is supplied), and every system one depends on, directly or
    through others, now or (`depended_before`, as kept) before the change (their blast
    radius counts it, its criticality and department)."""
    above: set[str] = set()
    roots = set(changed)
    for key in changed:
        if key in graph.nodes:
            above.update(graph.predecessors_of(key))
        roots.update(depended_before.get(key, ()))
    below = graph.downstream_of(roots)
    return changed | above | below, below


def _kept_facts(
    connection: Connection, keys: Iterable[str]
) -> dict[str, tuple[KeptFacts, str | None]]:
    """The kept facts and criticality of the kept systems of `keys` (the criticality is one of
    the words kept inside the row's compressed texts)."""
    wanted = sorted(keys)
    found: dict[str, tuple[KeptFacts, str | None]] = {}
    unpack = kept_unpacker(connection)
    at = WORDS.index("criticality")
    for start in range(0, len(wanted), 500):
        query = sa.select(ROWS.key, ROWS.explanation).where(
            ROWS.key.in_(wanted[start : start + 500])
        )
        for key, packed in connection.execute(query):
            texts = read_texts(unpack(packed))
            if texts.kept is None:
                raise _NotKept
            found[key] = (DECODE_KEPT(texts.kept), texts.words[at])
    return found


def last_seen_batch(connection: Connection, data: str) -> int | None:
    """The newest import batch a ranking kept with the data digest `data` (`current_basis`)
    was scored with, found by working that digest out again as it stood after each batch,
    newest first; None when none gives it (a batch deleted, or one committed out of order),
    so that nothing the kept ranking has not seen is taken as seen."""
    batch = table_of(ImportBatch)
    systems = connection.execute(sa.select(sa.func.count()).select_from(SYSTEM)).scalar_one()
    later = connection.execute(
        sa.select(batch.c.id, batch.c.rows_new, batch.c.rows_missing).order_by(batch.c.id.desc())
    ).all()
    added, removed = 0, 0
    for at in range(len(later) + 1):
        bound = later[at][0] if at < len(later) else 0
        head = [
            *connection.execute(
                sa.select(
                    sa.func.count(), sa.func.max(batch.c.id), sa.func.max(batch.c.imported_at)
                ).where(batch.c.id <= bound)
            ).one()
        ]
        for count in _around(systems, added, removed):
            if hashlib.sha256(json.dumps([*head, count], default=str).encode()).hexdigest() == data:
                return bound
        if at < len(later):
            added += later[at][1] or 0
            removed += later[at][2] or 0
    return None


def _around(systems: int, added: int, removed: int) -> Iterable[int]:
    """The estate's possible system counts before batches that added up to `added` systems
    and marked up to `removed` missing (a replacing import deletes those), nearest first."""
    low, high = max(0, systems - added), systems + removed
    yield systems if low <= systems <= high else low
    for step in range(1, high - low + 1):
        for count in (systems - step, systems + step):
            if low <= count <= high:
                yield count


def update_kept_ranking(engine: Engine, policy: Policy) -> bool:
    """Bring the kept ranking up to date for `policy` and what the database now holds, scoring
    only the systems the change reaches; return whether the kept ranking is now fresh. False
    when there is none, it was kept before version 6, the policy's scoring values, the
    built-in catalogue or the estate version changed, or the database cannot take the update
    (busy, read-only, or a role that only reads the kept ranking): then the caller scores the
    estate afresh."""
    with engine.connect() as connection:
        head = connection.execute(
            sa.select(
                SNAPSHOT.c.fingerprint,
                SNAPSHOT.c.basis,
                SNAPSHOT.c.figures,
                SNAPSHOT.c.dictionary,
                SNAPSHOT.c.fragments,
                SNAPSHOT.c.tally,
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
        with collector_paused():
            places = _places(connection)
            if places and places[-1][1] != len(places):
                return False  # not places 1 to n, as every ranking is kept: score afresh
            kept_keys = {place[0] for place in places}
            if stored.data == current.data and stored.lifecycle == current.lifecycle:
                moved = _moved(connection, dt.date.fromisoformat(stored.as_of), policy.as_of)
                touched = _read_rows(connection, moved)
                if touched is None:
                    return False
                rescored = _rescore_dates(connection, policy, touched, moved)
                standing = kept_keys
                gone = {key: status for key, (_name, status) in gone_names(connection).items()}
                placeholders = {
                    key: gone.get(key, "")
                    for _score, facts, _anchored in rescored
                    for key in facts.depends_on
                    if key not in kept_keys  # a new date: nothing stored changed, so none supplied
                }
            else:
                # Lifecycle data reaches systems through their components, which only each
                # system's digest tells: then every system's facts are read, as they are when
                # which batches the kept ranking has seen cannot be told.
                seen = (
                    last_seen_batch(connection, stored.data)
                    if stored.lifecycle == current.lifecycle
                    else None
                )
                if seen is None:
                    rescored, standing, placeholders, catalogue = _rescore_changed(
                        connection, policy, _windows(connection)
                    )
                else:
                    was = dt.date.fromisoformat(stored.as_of)
                    dated = (
                        set(_moved(connection, was, policy.as_of)) if was != policy.as_of else set()
                    )
                    try:
                        rescored, standing, placeholders = _rescore_imported(
                            connection, policy, (seen, dated), kept_keys
                        )
                    except _NotKept:
                        return False
                changed = {score.key for score, _facts, _anchored in rescored}
                found = _read_rows(connection, kept_keys - (standing - changed))
                if found is None:
                    return False
                touched = found
        tally = Tally.from_json(head.tally)  # None: kept without its systems' facts
        if tally is None:
            return False
    with collector_paused():
        return _write(
            engine,
            policy,
            (head.fingerprint, current, catalogue),
            (Packer(head.dictionary), Fragments.from_bytes(head.fragments)),
            places,
            touched,
            tally,
            rescored,
            placeholders,
        )


def kept_values_as_at(
    connection: Connection,
    policy: Policy,
    fields: Collection[str],
    scored: EstateScores | None = None,
) -> list[tuple[Any, ...]] | None:
    """The `fields` (of the kept ranking's own columns, `COLUMNS`) of every kept system as
    a fresh scoring would give them as at `policy`'s date, without writing anything: the
    kept values of the systems whose scores hold on that date, the others scored again from
    their kept facts, as `update_kept_ranking` would score them. For a figure as at another
    day than the one the ranking is kept for (a trend's period already over), which must not
    move the ranking every command reads. `scored`, the estate's scores on the day the
    ranking is kept for (an export's own), lends the systems to score again their facts, so
    they are not read twice. In no particular order; None when the ranking was not kept from
    what the database holds now under the same rules (only the date may differ)."""
    if any(name not in COLUMNS for name in fields):
        raise ValueError(f"not a column of the kept ranking: {sorted(set(fields) - set(COLUMNS))}")
    head = connection.execute(sa.select(SNAPSHOT.c.fingerprint, SNAPSHOT.c.basis)).first()
    if head is None or not isinstance(head.basis, dict):
        return None
    stored = Basis(**head.basis)
    current = current_basis(connection, policy)
    if head.fingerprint != stored.fingerprint or stored.rules != current.rules:
        return None
    if stored.data != current.data or stored.lifecycle != current.lifecycle:
        return None
    pick = [ROWS[name] for name in fields]
    was = dt.date.fromisoformat(stored.as_of)
    fresh = head.fingerprint == current.fingerprint
    moved = set() if fresh else set(_moved(connection, was, policy.as_of))
    rows = [
        tuple(row[1:])
        for row in connection.execute(sa.select(ROWS.key, *pick)).all()
        if row[0] not in moved
    ]
    if not moved:
        return rows
    with collector_paused():
        if _lends_facts(scored, (policy, current.data), was, moved):
            assert scored is not None
            anchored = scored.anchored
            again = [score_facts(scored.facts[key], policy, anchored) for key in sorted(moved)]
        else:
            touched = _read_rows(connection, moved)
            if touched is None:
                return None
            again = [s for s, _f, _a in _rescore_dates(connection, policy, touched, sorted(moved))]
        for score in again:
            ranked = ranked_row(score)
            rows.append(tuple(getattr(ranked, name) for name in fields))
    return rows


def _lends_facts(
    scored: EstateScores | None,
    now: tuple[Policy, str],
    was: dt.date,
    moved: Collection[str],
) -> bool:
    """Whether `scored` holds the facts a fresh scoring as at the date of `now`'s policy
    would read for `moved`: read from what is stored now (`now`'s data digest), scored under
    the same policy values on the day the ranking is kept for, with every one of those
    systems (then each has its kept blast radius and dependencies)."""
    policy, data = now
    return (
        scored is not None
        and scored.data == data
        and scored.policy.as_of == was
        and scored.policy.data == policy.data
        and all(key in scored.facts for key in moved)
    )


def _write(
    engine: Engine,
    policy: Policy,
    heads: tuple[str, Basis, str],
    packing: tuple[Packer, Fragments],
    places: list[Place],
    touched: dict[str, _Kept],
    tally: Tally,
    rescored: Rescored,
    placeholders: Mapping[str, str],
) -> bool:
    """Rank every standing system again, keep the rescored ones' rows and texts, move the
    others to their new places and count the figures again, in one transaction that gives up
    if another scoring replaced the kept ranking meanwhile. `heads` holds the fingerprint
    read, what the database holds now and the catalogue's version; `packing` compresses the
    rescored systems' texts with the kept ranking's dictionary and marks its fragments;
    `places` orders every kept system, `touched` holds the rows of those rescored or gone and
    `tally` the running totals as kept."""
    was, current, catalogue = heads
    packer, fragments = packing
    fresh = {score.key: score for score, _facts, _anchored in rescored}
    new_rows = {key: ranked_row(score) for key, score in fresh.items()}
    place_of, shifts = _placed(places, sorted(t.row[_RANK] for t in touched.values()), new_rows)
    gone = sorted(touched)
    for old in touched.values():
        tally.count(old.row[_BAND], old.facts, -1)
    rows: list[RankedRow] = []
    systems: list[KeptSystem] = []
    writer = ExplanationWriter()
    for score, facts, anchored in rescored:
        score.rank = place_of[score.key]
        row = new_rows[score.key]._replace(rank=score.rank)
        marked = fragments.mark(writer.cut(score))
        system = kept_system(score, row, facts, policy, anchored, placeholders, marked)
        tally.count(row.band, system.facts)
        rows.append(row)
        systems.append(system)
    inserts = list(map(stored_row, rows, packed_systems(systems, packer)))
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
            # only the place changes: a row and its texts stay where they are stored
            move_places(connection, SNAPSHOT_ROWS.c.rank, shifts)
            if inserts:
                insert_rows(connection, SNAPSHOT_ROWS, STORED_FIELDS, inserts)
            figures = counted_figures(
                connection,
                SNAPSHOT_ROWS,
                tally,
                _gap_order(connection, tally, len(places) - len(touched) + len(inserts)),
                (policy.as_of, policy.name, catalogue),
            )
            connection.execute(
                SNAPSHOT.update().values(
                    fingerprint=current.fingerprint,
                    scored_at=dt.datetime.now(dt.UTC),
                    figures=figures.to_json(),
                    basis=current._asdict(),
                    tally=tally.to_json(),
                )
            )
    except sa.exc.OperationalError:
        return False
    except sa.exc.ProgrammingError as exc:  # a department's role, which only reads it
        if not is_permission_denied(exc):
            raise
        return False
    return True


def _placed(
    places: list[Place], emptied: list[int], new_rows: Mapping[str, RankedRow]
) -> tuple[dict[str, int], list[dict[str, int]]]:
    """The places of the rescored systems' `new_rows` in the ranking, and the runs of kept
    places whose systems stay and move, each its first and last kept place and the number of
    places it moves by. `places` orders every kept system (kept places 1 to n), `emptied`
    lists, in order, the kept places of the systems rescored or gone, whose rows are taken
    out first (a run may span them). Each new row is found among the kept ones by halving
    (its order worked out for a few of them), and a run's move changes only where a new row
    goes in or a kept one comes out: a new day at 50,000 systems rescores a few hundred, and
    no kept system is looked at one by one."""
    ordered = sorted(
        (_order(r.priority, r.legacy, r.department, key), key) for key, r in new_rows.items()
    )
    # the kept place before which each new row goes (those after it move down past it)
    before = [
        bisect.bisect_left(places, order, key=lambda p: _order(p[2], p[3], p[4], p[0])) + 1
        for order, _key in ordered
    ]
    # the j-th new row has j new rows before it, and the kept places before its own but for
    # those emptied
    place_of = {
        key: at - bisect.bisect_left(emptied, at) + j
        for j, ((_order_key, key), at) in enumerate(zip(ordered, before, strict=True))
    }
    # A kept place p moves by the new rows going in at or before it less the places emptied
    # before it: the same from one of these changes to the next.
    changes = sorted({1, *before, *(place + 1 for place in emptied)})
    last_place = len(places)
    shifts: list[dict[str, int]] = []
    for low, following in zip(changes, [*changes[1:], last_place + 1], strict=True):
        if low > last_place:
            break
        by = bisect.bisect_right(before, low) - bisect.bisect_left(emptied, low)
        high = min(following, last_place + 1) - 1
        if by == 0:
            continue
        if shifts and shifts[-1]["by"] == by and shifts[-1]["high"] == low - 1:
            shifts[-1]["high"] = high
        else:
            shifts.append({"low": low, "high": high, "by": by})
    return place_of, shifts


def _gap_order(connection: Connection, tally: Tally, last: int) -> list[str]:
    """The security gaps of `tally` in order of first appearance in the kept ranking of
    places 1 to `last` (by place, then each system's own order), read from the top until every
    one has appeared."""
    wanted = set(tally.gaps)
    order: list[str] = []
    if not wanted:
        return order
    unpack = kept_unpacker(connection)
    # Read a page of places at a time, each twice the last: the gaps nearly always all appear
    # among the first few hundred systems, and a driver that fetches a whole result at once
    # (psycopg) would otherwise carry every explanation of the estate over to be read.
    low, size = 1, GAP_PAGE
    while wanted and low <= last:
        page = connection.execute(
            sa.select(ROWS.explanation)
            .where(ROWS.rank >= low, ROWS.rank < low + size)
            .order_by(ROWS.rank)
        ).all()
        for (packed,) in page:
            kept = read_texts(unpack(packed)).kept
            for code in DECODE_KEPT(kept).gaps if kept is not None else ():
                if code in wanted:
                    wanted.discard(code)
                    order.append(code)
            if not wanted:
                return order
        low, size = low + size, size * 2
    return order


GAP_PAGE = 256
"""Places read in the first page of `_gap_order`; each later page is twice the one before."""
