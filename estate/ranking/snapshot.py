"""The last ranking, kept in the database so that a reopened estate shows its ranked systems
and overview at once (scoring 50,000 systems takes seconds) while it is scored afresh.

A snapshot carries a fingerprint of what it was scored from: the estate's imports, the
lifecycle data, the policy, the as-of date and the version of estate. A snapshot whose
fingerprint differs from the database's current one is out of date, and says so."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, NamedTuple

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import estate
from estate import models
from estate.catalogue import builtin_version
from estate.db import insert_rows, is_permission_denied, unless_locked
from estate.graph import BlastRadius, placeholder_statuses
from estate.perf import collector_paused
from estate.ranking import READINESS_ORDER, RankBy, chosen_departments, security_weight
from estate.ranking.csv_format import csv_lines
from estate.ranking.explanations import ExplanationWriter, compact_lead
from estate.ranking.figures import EstateFigures, estate_figures
from estate.ranking.fragments import Fragments
from estate.ranking.packing import (
    WORDS,
    Packer,
    explanation_of,
    read_texts,
    samples_of,
    texts_of,
    train,
    words_of,
)
from estate.ranking.tally import tally_of
from estate.scoring import EstateScores
from estate.scoring.basis import date_free_digest, valid_dates
from estate.scoring.facts import SystemFacts
from estate.scoring.policy import Policy
from estate.scoring.results import Band, Severity, Source, SystemScore

SNAPSHOT = models.table_of(models.RankingSnapshot)
SNAPSHOT_ROWS = models.table_of(models.RankingSnapshotRow)


class RankedRow(NamedTuple):
    """One system as a ranked table lists it."""

    rank: int
    key: str
    name: str
    department: str
    priority: float
    legacy: float | None
    band: str | None
    readiness: str
    gaps: int
    criticality: str | None
    hosting: str | None
    business_owner: str | None
    headline: str
    is_legacy: bool | None
    cloud_score: int | None
    disposition: str | None
    """The suggested disposition (a `Disposition` value), or None."""
    disposition_reason: str
    high_gaps: int
    dependents: int
    top_reason: str
    run_cost: float | None
    """The annual run cost the return gave, or None when it gave none."""
    sign_in: str | None
    """How users sign in (a `SignIn` value), or None when the return did not say."""
    internet_facing: bool | None
    security_weight: int
    """Its security gaps' summed severity, for ordering by security."""


FIELDS = RankedRow._fields
COLUMNS = tuple(name for name in FIELDS if name not in WORDS)
"""The ranked row's fields kept as columns of their own: what the database chooses, sorts and
counts by; the others (`WORDS`) are kept inside the row's compressed texts."""
_COLUMN_VALUES = operator.itemgetter(*(FIELDS.index(name) for name in COLUMNS))
_WORD_VALUES = operator.itemgetter(*(FIELDS.index(name) for name in WORDS))
_IN_FIELD_ORDER = operator.itemgetter(*((*COLUMNS, *WORDS).index(name) for name in FIELDS))


def column_values(row: RankedRow) -> tuple[Any, ...]:
    """The values of a ranked row's `COLUMNS`, in order."""
    values: tuple[Any, ...] = _COLUMN_VALUES(row)
    return values


def word_values(row: RankedRow) -> tuple[Any, ...]:
    """The values of a ranked row's `WORDS`, in order."""
    values: tuple[Any, ...] = _WORD_VALUES(row)
    return values


def row_of(columns: Sequence[Any], words: Sequence[Any]) -> RankedRow:
    """A ranked row from the values of its `COLUMNS` and its `WORDS`."""
    return RankedRow._make(_IN_FIELD_ORDER((*columns, *words)))


def ranked_row(s: SystemScore) -> RankedRow:
    """One scored system as a ranked table lists it."""
    return RankedRow(
        s.rank,
        s.key,
        s.name,
        s.department,
        s.priority,
        s.legacy.overall,
        s.legacy.band.value if s.legacy.band else None,
        s.readiness.category.value,
        len(s.gaps),
        s.criticality,
        s.hosting,
        s.business_owner,
        s.headline,
        s.legacy.is_legacy,
        s.readiness.score,
        s.readiness.disposition.value if s.readiness.disposition else None,
        s.readiness.disposition_reason,
        sum(1 for g in s.gaps if g.severity is Severity.HIGH),
        s.blast.total if s.blast else 0,
        s.reasons[0] if s.reasons else "",
        s.record.annual_run_cost,
        s.sign_in,
        s.internet_facing,
        security_weight(s),
    )


def ranked_rows(scores: EstateScores) -> list[RankedRow]:
    """The scored estate's systems in priority order, one line each."""
    return [ranked_row(s) for s in scores.systems]


def lay_out(texts: Iterable[tuple[int, bytes, Sequence[int]]], fragments: Fragments) -> bytes:
    """Systems' explanations, each a rank, its kept compact text with `fragments` marked and
    their numbers, laid out as they stand one after another in `rank --json`'s document
    (UTF-8, separated by a comma and a newline).

    The fragments are put back in the whole list at once, and msgspec's formatter lays it out
    in one pass in C that copies strings and numbers as they stand: exactly what
    `json.dumps(..., indent=2)` gives, some times faster than the standard library's
    indenting encoder. The list is laid out as the value of an object's key, so that its
    items stand as deep as the document's (`_LIST_OPENING`) with no pass of their own."""
    numbers: list[int] = []
    marked = []
    for rank, text, their in texts:
        marked.append(compact_lead(rank) + text)
        numbers += their
    if not marked:
        return b""
    listed = fragments.join(b'{"":[' + b",".join(marked) + b"]}", numbers)
    laid_out: bytes = msgspec.json.format(listed, indent=2)
    return laid_out[len(_LIST_OPENING) : -len(_LIST_CLOSING)]


_LIST_OPENING = b'{\n  "": [\n'
_LIST_CLOSING = b"\n  ]\n}"
"""What encloses the systems' explanations that `lay_out` lays out: each stands as an item of
`rank --json`'s `systems` list does, an item of a list that is a key's value in the top-level
object, indented by two levels of two spaces."""


class Basis(NamedTuple):
    """What a kept ranking was worked out from, in the five parts that change apart."""

    rules: str
    """A digest of the estate's version, the built-in catalogue and the policy's scoring
    values (`scoring_values`): a change rescores every system."""
    data: str
    """A digest of what the estate's imports have stored: a change rescores the systems whose
    stored rows, dependents or dependencies changed."""
    as_of: str
    """The as-of date (ISO): a change rescores the systems one of whose dates lies between."""
    lifecycle: str = ""
    """A digest of the lifecycle data imported: a change rescores the systems whose
    components the catalogue now reads otherwise. Empty in a ranking kept before it was
    kept apart (whose fingerprint then differs from its basis's: it is scored afresh)."""
    policy: str = ""
    """The policy as the ranking names it (`Policy.name`): a change of name, version or file
    alone rescores nothing, and only the overview's figures are written again. Empty in a
    ranking kept before it was kept apart (scored afresh, as above)."""

    @property
    def fingerprint(self) -> str:
        """The parts as one digest."""
        text = json.dumps(list(self))
        return hashlib.sha256(text.encode()).hexdigest()


class KeptSystem(NamedTuple):
    """What is kept of one system beside its ranked row's `COLUMNS`."""

    explanation: bytes
    """Its row's `WORDS`, its `explanation` (the ranking's fragments marked) and its kept
    facts, compressed together (`estate.ranking.packing.texts_of`)."""
    basis: int
    """`basis_code` of `estate.scoring.basis.date_free_digest` of what it was scored from."""
    valid_from: int
    valid_until: int | None
    """The as-of dates over which its scores hold (`estate.scoring.basis.valid_dates`), as
    day numbers (`day_number`)."""
    facts: KeptFacts
    """Its kept facts, as compressed with its texts."""


def basis_code(digest: str) -> int:
    """A system's date-free digest (hexadecimal) as kept: its first 64 bits, as a signed
    integer (eight bytes in a row, where the text takes 32)."""
    return int.from_bytes(bytes.fromhex(digest)[:8], "big", signed=True)


def day_number(day: dt.date) -> int:
    """An as-of date as the kept ranking keeps it: its day number (`date.toordinal`), a small
    integer that sorts and compares as the dates do."""
    return day.toordinal()


def day_of(number: int | None) -> dt.date | None:
    """The date of a kept `day_number` (None for None)."""
    return None if number is None else dt.date.fromordinal(number)


class KeptFacts(msgspec.Struct, array_like=True, omit_defaults=False):
    """What bringing a kept ranking up to date reads of a system besides its ranked row: to
    score it again for another date without reading the graph, and to count it in the
    overview's figures without its scores."""

    blast: tuple[int, int, int, int, int] | None
    """Its blast radius (direct, total, critical, departments, other departments)."""
    depends_on: list[str]
    stuck: list[str]
    """Those of `depends_on` that keep it on premises."""
    blocks: bool
    """Whether it keeps its own dependents on premises."""
    gaps: list[str]
    """Its security gaps' principles, most severe first."""
    unknown: bool
    """Whether any criterion is left unknown."""
    unmatched: int
    """Its components the catalogue could not place."""
    unresolved: int
    """Systems it depends on that no return has supplied."""
    missing: bool
    """Whether it is missing from its department's latest return."""
    plan: int
    """0 with no remediation plan, 1 with a plan not funded, 2 with a funded plan."""


_SOURCE = operator.attrgetter("source")
ENCODE_KEPT = msgspec.msgpack.Encoder().encode
DECODE_KEPT = msgspec.msgpack.Decoder(KeptFacts).decode


def kept_facts(
    score: SystemScore,
    facts: SystemFacts,
    scores_anchored: AbstractSet[str],
    placeholders: Mapping[str, str],
) -> KeptFacts:
    """`KeptFacts` of a scored system."""
    blast = score.blast
    record = score.record
    return KeptFacts(
        None
        if blast is None
        else (
            blast.direct,
            blast.total,
            blast.critical,
            blast.departments,
            blast.other_departments,
        ),
        list(facts.depends_on),
        [key for key in facts.depends_on if key in scores_anchored],
        score.key in scores_anchored,
        [gap.principle.value for gap in score.gaps],
        Source.UNKNOWN in map(_SOURCE, score.legacy.likelihood)
        or Source.UNKNOWN in map(_SOURCE, score.legacy.impact),
        len(score.unmatched_components),
        sum(1 for key in facts.depends_on if placeholders.get(key) == ""),
        bool(record.missing_from_latest_return),
        (2 if record.plan_funded else 1) if record.remediation_plan else 0,
    )


def kept_system(
    score: SystemScore,
    row: RankedRow,
    facts: SystemFacts,
    policy: Policy,
    anchored: AbstractSet[str],
    placeholders: Mapping[str, str],
    marked: tuple[bytes, list[int]],
) -> KeptSystem:
    """What is kept of one scored system (its ranked row `row`) beside that row's `COLUMNS`,
    its texts not yet compressed (`packed_systems`); `marked` is its `explanation` with the
    ranking's fragments marked (`estate.ranking.fragments.Fragments.mark`)."""
    start, until = valid_dates(facts, policy)
    kept = kept_facts(score, facts, anchored, placeholders)
    return KeptSystem(
        texts_of(word_values(row), marked, ENCODE_KEPT(kept)),
        basis_code(date_free_digest(facts, anchored, placeholders)),
        day_number(start),
        None if until is None else day_number(until),
        kept,
    )


def packed_systems(systems: Sequence[KeptSystem], packer: Packer) -> list[KeptSystem]:
    """`systems` with their texts compressed by `packer`, together (`Packer.pack_many`)."""
    texts = packer.pack_many([system.explanation for system in systems])
    return [system._replace(explanation=t) for system, t in zip(systems, texts, strict=True)]


PACKED_AT_ONCE = 8192
"""How many systems' texts are compressed together (on every core): some fifteen megabytes
held at 50,000 systems."""


@dataclass
class KeptSystems:
    """What is kept of every system beside its ranked row, the dictionary its texts are
    compressed with and the fragments its explanations share."""

    systems: list[KeptSystem]
    dictionary: bytes | None
    fragments: Fragments


def kept_systems(scores: EstateScores, rows: Sequence[RankedRow]) -> KeptSystems:
    """What is kept of every scored system beside its ranked row, in the rows' order: the
    items of explanations that two or more systems share kept once as the ranking's
    fragments, each system's texts compressed with a dictionary trained on a sample of
    them.

    The dictionary is trained, and each batch of texts compressed with it, in a thread of its
    own while the next batch is written: Zstandard lets go of the interpreter while it works,
    so on a machine of two cores or more its second of CPU time and more for the whole estate
    is spent beside the writing rather than after it."""
    placeholders = placeholder_statuses(scores.graph)
    writer = ExplanationWriter()  # each shared item held once until packed
    cuts = [writer.cut(score) for score in scores.systems]
    del writer
    fragments = Fragments.shared(cuts)

    sampled = []
    for place in samples_of(len(rows)):
        score = scores.systems[place]
        facts = kept_facts(score, scores.facts[score.key], scores.anchored, placeholders)
        sampled.append(
            texts_of(word_values(rows[place]), fragments.mark(cuts[place]), ENCODE_KEPT(facts))
        )
    with ThreadPoolExecutor(max_workers=1) as background:  # its jobs run in turn
        trained = background.submit(lambda: Packer(train(sampled)))

        def packed(batch: list[KeptSystem]) -> list[KeptSystem]:
            return packed_systems(batch, trained.result())  # trained: the first job

        batches: list[Future[list[KeptSystem]]] = []
        batch: list[KeptSystem] = []
        for place, (score, row) in enumerate(zip(scores.systems, rows, strict=True)):
            explained = fragments.mark(cuts[place])
            cuts[place] = (b"", [])  # what is packed is let go
            system = scores.facts[score.key]
            batch.append(
                kept_system(
                    score, row, system, scores.policy, scores.anchored, placeholders, explained
                )
            )
            if len(batch) == PACKED_AT_ONCE or place == len(rows) - 1:
                batches.append(background.submit(packed, batch))
                batch = []
        systems = [system for done in batches for system in done.result()]
        packer = trained.result()
    return KeptSystems(systems, packer.dictionary, fragments)


@dataclass
class Snapshot:
    """A ranking as it was last worked out."""

    rows: list[RankedRow]
    figures: EstateFigures
    fingerprint: str
    scored_at: dt.datetime
    kept: KeptSystems | None = None
    """What is kept of each row's system, in the rows' order, when the snapshot is to be kept
    with it; None as read back."""
    basis: Basis | None = None
    """What it was worked out from, when it is to be kept with that."""


NOT_SCORING = frozenset({"name", "version", "as_of"})
"""The policy's values that no score reads: what it is called, and the as-of date, which the
basis keeps as a part of its own (a change of date rescores only the systems it reaches)."""


def scoring_values(policy: Policy) -> dict[str, Any]:
    """The policy's values that scores read: all but `NOT_SCORING`."""
    return {key: value for key, value in policy.data.items() if key not in NOT_SCORING}


def current_basis(connection: Connection, policy: Policy) -> Basis:
    """What a ranking of this database under `policy` depends on, in its five parts: the
    rules change with the estate version, the built-in catalogue version and the policy's
    scoring values; the data with every import (stored or replacing); the date with the as-of
    date; the lifecycle with every lifecycle data import; the policy's name with its name,
    version or file."""
    batch = models.table_of(models.ImportBatch)
    cycle = models.table_of(models.LifecycleCycle)
    system = models.table_of(models.System)
    lifecycle = [
        *connection.execute(sa.select(sa.func.count(), sa.func.max(cycle.c.imported_at))).one()
    ]
    data = [
        *connection.execute(
            sa.select(sa.func.count(), sa.func.max(batch.c.id), sa.func.max(batch.c.imported_at))
        ).one(),
        connection.execute(sa.select(sa.func.count()).select_from(system)).scalar_one(),
    ]
    rules = json.dumps(
        [estate.__version__, builtin_version(), scoring_values(policy)], sort_keys=True, default=str
    )
    return Basis(
        hashlib.sha256(rules.encode()).hexdigest(),
        hashlib.sha256(json.dumps(data, default=str).encode()).hexdigest(),
        policy.as_of.isoformat(),
        hashlib.sha256(json.dumps(lifecycle, default=str).encode()).hexdigest(),
        policy.name,
    )


def fingerprint(connection: Connection, policy: Policy) -> str:
    """What a ranking of this database under `policy` depends on, as one digest: it changes
    with every import (stored or replacing), lifecycle data import, policy value or name,
    as-of date, estate version and built-in catalogue version."""
    return current_basis(connection, policy).fingerprint


def take_snapshot(scores: EstateScores, basis: Basis) -> Snapshot:
    """The scored estate's ranking, overview figures and what each system was scored from, to
    keep under `basis`, taken before scoring (an import landing meanwhile then makes it out
    of date). The collector is paused meanwhile: it would walk the hundreds of thousands of
    objects made, again and again, for a quarter of the time."""
    with collector_paused():
        rows = ranked_rows(scores)
        return Snapshot(
            rows,
            estate_figures(scores),
            basis.fingerprint,
            dt.datetime.now(dt.UTC),
            kept_systems(scores, rows),
            basis,
        )


def stored_fingerprint(connection: Connection) -> str | None:
    """The fingerprint of the stored snapshot, or None when there is none: a cheap check
    before reading its rows."""
    return connection.execute(sa.select(SNAPSHOT.c.fingerprint)).scalar()


def is_fresh(connection: Connection, policy: Policy) -> bool:
    """Whether the stored snapshot was scored from exactly what the database holds now under
    `policy`; taken as so while a department's transaction locks what the fingerprint reads
    (the kept ranking is served rather than waiting for it)."""
    stored = stored_fingerprint(connection)
    if stored is None:
        return False
    current = unless_locked(connection, lambda: fingerprint(connection, policy))
    return current is None or stored == current


def fresh_snapshot(connection: Connection, policy: Policy) -> Snapshot | None:
    """The stored snapshot while it is fresh, else None."""
    return load_snapshot(connection) if is_fresh(connection, policy) else None


def kept_rows(
    connection: Connection,
    policy: Policy,
    fields: Sequence[str],
    departments: Iterable[str] = (),
) -> list[tuple[Any, ...]] | None:
    """Only the `fields` (of `FIELDS`) of the kept ranking's systems in `departments` (every
    one when none is asked for), in priority order, while the kept ranking is fresh; else
    None. A command that needs a few of the ranked rows' columns reads no more: turning
    50,000 rows of every column into Python objects is most of reading the whole ranking. An
    empty estate gives no rows; a department no system belongs to is refused."""
    if not is_fresh(connection, policy):
        return None
    own = [name for name in fields if name in COLUMNS]
    worded = len(own) < len(fields)
    texts = [ROWS.explanation] if worded else []
    if connection.execute(sa.select(ROWS.rank).limit(1)).first() is None:
        return []
    query = _chosen(
        connection,
        sa.select(*(ROWS[name] for name in own), *texts),
        RankBy.PRIORITY,
        departments,
        (),
        None,
    )
    result = connection.execute(query).all()  # fetched at once, not a row at a time
    if not worded:
        return [tuple(row) for row in result]
    unpack = kept_unpacker(connection)
    pick = operator.itemgetter(*((*own, *WORDS).index(name) for name in fields))
    found = []
    for row in result:
        values = (*row[:-1], *words_of(unpack(row[-1])))
        found.append(tuple(pick(values)) if len(fields) > 1 else (pick(values),))
    return found


def kept_unpacker(connection: Connection) -> Callable[[bytes], bytes]:
    """What unpacks the kept ranking's texts (`Packer.unpack` with the ranking's dictionary)."""
    return Packer(connection.execute(sa.select(SNAPSHOT.c.dictionary)).scalar()).unpack


def kept_order_and_blasts(
    connection: Connection, policy: Policy
) -> tuple[list[str], dict[str, BlastRadius | None]] | None:
    """The keys of the kept ranking's systems in priority order, and each one's blast radius
    as kept with it, while the kept ranking is fresh; None while it is out of date or was
    kept without its systems' facts. Working every blast radius out again from the graph
    took a fifth of explaining every system of a 50,000-system estate."""
    if not is_fresh(connection, policy):
        return None
    unpack = kept_unpacker(connection)
    placed: list[tuple[int, str]] = []
    blasts: dict[str, BlastRadius | None] = {}
    for rank, key, packed in connection.execute(sa.select(ROWS.rank, ROWS.key, ROWS.explanation)):
        kept = None if packed is None else read_texts(unpack(packed)).kept
        if kept is None:
            return None
        blast = DECODE_KEPT(kept).blast
        blasts[key] = None if blast is None else BlastRadius(*blast)
        placed.append((rank, key))
    placed.sort()
    return [key for _rank, key in placed], blasts


def kept_rank(connection: Connection, policy: Policy, key: str) -> int | None:
    """`key`'s place in the kept ranking while that ranking is fresh, else None."""
    if not is_fresh(connection, policy):
        return None
    found: int | None = connection.execute(
        sa.select(SNAPSHOT_ROWS.c.rank).where(SNAPSHOT_ROWS.c.key == key)
    ).scalar()
    return found


def load_snapshot(connection: Connection) -> Snapshot | None:
    """The stored snapshot, or None when the estate has never been ranked or the snapshot
    cannot be read (it is only a cache: the caller scores afresh)."""
    head = connection.execute(sa.select(SNAPSHOT)).first()
    if head is None:
        return None
    try:
        figures = EstateFigures.from_json(head.figures)
    except (KeyError, TypeError, ValueError):
        return None
    columns = [ROWS[name] for name in COLUMNS]
    result = connection.execute(sa.select(*columns, ROWS.explanation).order_by(ROWS.rank))
    rows = list(ranked_rows_of(result, Packer(head.dictionary)))
    return Snapshot(rows, figures, head.fingerprint, head.scored_at)


def ranked_rows_of(stored: Iterable[Sequence[Any]], packer: Packer) -> Iterator[RankedRow]:
    """Ranked rows from stored ones, each the values of its `COLUMNS` then its texts
    (`explanation`) as `packer` compressed them."""
    unpack = packer.unpack
    width = len(COLUMNS)
    for row in stored:
        yield row_of(row[:width], words_of(unpack(row[width])))


KEPT_FIELDS = ("explanation", "basis", "valid_from", "valid_until")
"""The columns of `KeptSystem`, in order (its facts are kept inside its texts)."""
STORED_FIELDS = (*COLUMNS, *KEPT_FIELDS)
"""Every column of a kept system's row, in the order of `stored_row`."""


def stored_row(row: RankedRow, system: KeptSystem) -> tuple[Any, ...]:
    """A kept system's row as stored (`STORED_FIELDS`): its ranked row's `COLUMNS`, then what
    is kept beside them."""
    return (*column_values(row), *system[: len(KEPT_FIELDS)])


def save_snapshot(connection: Connection, snapshot: Snapshot) -> None:
    """Replace the stored snapshot with this one, in the caller's transaction."""
    connection.execute(SNAPSHOT_ROWS.delete())
    connection.execute(SNAPSHOT.delete())
    connection.execute(
        SNAPSHOT.insert().values(
            id=1,
            fingerprint=snapshot.fingerprint,
            scored_at=snapshot.scored_at,
            figures=snapshot.figures.to_json(),
            basis=None if snapshot.basis is None else snapshot.basis._asdict(),
            dictionary=None if snapshot.kept is None else snapshot.kept.dictionary,
            fragments=None if snapshot.kept is None else snapshot.kept.fragments.to_bytes(),
            tally=None
            if snapshot.kept is None
            else tally_of(
                (row.band, system.facts)
                for row, system in zip(snapshot.rows, snapshot.kept.systems, strict=True)
            ).to_json(),
        )
    )
    kept = snapshot.kept
    if kept is None:  # the words alone, with no explanation
        packer = Packer(None)
        insert_rows(
            connection,
            SNAPSHOT_ROWS,
            (*COLUMNS, "explanation"),
            [
                (*column_values(row), packer.pack(texts_of(word_values(row))))
                for row in snapshot.rows
            ],
        )
        return
    insert_rows(
        connection,
        SNAPSHOT_ROWS,
        STORED_FIELDS,
        [stored_row(row, system) for row, system in zip(snapshot.rows, kept.systems, strict=True)],
    )


ROWS = SNAPSHOT_ROWS.c
ORDERS: dict[RankBy, tuple[sa.ColumnElement[Any], ...]] = {
    RankBy.PRIORITY: (ROWS.rank,),
    # As `ROW_SORT_KEYS`: no legacy score (or a score of 0) comes after every score.
    RankBy.LEGACY: (
        sa.case((sa.or_(ROWS.legacy.is_(None), ROWS.legacy == 0), -1), else_=ROWS.legacy).desc(),
        ROWS.rank,
    ),
    RankBy.CLOUD: (
        # compared column by column, so each value is bound as the column stores it
        sa.case(*((ROWS.readiness == r.value, order) for r, order in READINESS_ORDER.items())),
        sa.func.coalesce(ROWS.cloud_score, 0).desc(),
        ROWS.rank,
    ),
    RankBy.SECURITY: (ROWS.security_weight.desc(), ROWS.rank),
}
"""`estate.ranking.ROW_SORT_KEYS` in the database's terms, so that it sorts the kept rows."""

BATCH = 1000
"""Kept texts fetched and written at a time: the whole estate's `rank --json` is some 300 MB
at 50,000 systems, never held at once."""


@dataclass
class KeptSelection:
    """The chosen systems' kept texts, from a fresh kept ranking."""

    catalogue: str
    """The version of the lifecycle catalogue the ranking was scored with."""
    empty: bool
    """Whether the kept ranking has no systems at all (the estate is empty)."""
    batches: Iterator[Sequence[bytes]]
    """The texts, in the order asked for, a batch at a time as the database hands them over
    (the explanations of a batch laid out as one text, ready to print)."""


def kept_selection(
    connection: Connection,
    policy: Policy,
    kept: str,
    *,
    by: RankBy,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
) -> KeptSelection | None:
    """The `kept` texts (`explanation`: `rank --json`'s, or `csv_line`: `rank --csv`'s lines,
    laid out from the rows) of the kept ranking's systems that pass
    the filters of `estate.ranking.select_rows`, in the same order, chosen and sorted by the
    database; None while the kept ranking is out of date or was kept without those texts, so
    the caller scores afresh. A department no system belongs to is refused."""
    head = connection.execute(
        sa.select(
            SNAPSHOT.c.fingerprint,
            SNAPSHOT.c.figures,
            SNAPSHOT.c.dictionary,
            SNAPSHOT.c.fragments,
            SNAPSHOT.c.tally,
        )
    ).first()
    if head is None:
        return None
    # A department's transaction locking the tables the fingerprint reads: the kept
    # ranking is served as it is rather than waiting for it.
    current = unless_locked(connection, lambda: fingerprint(connection, policy))
    if current is not None and head.fingerprint != current:
        return None
    catalogue = head.figures.get("catalogue") if isinstance(head.figures, dict) else None
    explained = kept == "explanation"
    # A ranking kept without explanations keeps no facts, and so no running totals, either.
    if not isinstance(catalogue, str) or (explained and head.tally is None):
        return None
    columns = [ROWS.rank] if explained else [ROWS[name] for name in COLUMNS]
    query = _chosen(connection, sa.select(*columns, ROWS.explanation), by, departments, bands, top)
    empty = connection.execute(sa.select(ROWS.rank).limit(1)).first() is None
    packer = Packer(head.dictionary)
    unpack = packer.unpack
    batches: Iterator[Sequence[bytes]]
    if explained:
        fragments = Fragments.from_bytes(head.fragments)
        batches = (
            [lay_out(((row[0], *explanation_of(unpack(row[1]))) for row in batch), fragments)]
            for batch in connection.execute(query).partitions(BATCH)
        )
    else:
        batches = (
            csv_lines(ranked_rows_of(batch, packer))
            for batch in connection.execute(query).partitions(BATCH)
        )
    return KeptSelection(catalogue, empty, batches)


def _chosen(
    connection: Connection,
    query: sa.Select[Any],
    by: RankBy,
    departments: Iterable[str],
    bands: Iterable[Band],
    top: int | None,
) -> sa.Select[Any]:
    """`query` of the kept rows cut to those that pass the filters of
    `estate.ranking.select_rows`, in the same order, at most `top` of them. A department no
    system belongs to is refused."""
    query = query.order_by(*ORDERS[by])
    asked = list(departments)
    if asked:
        known = set(connection.execute(sa.select(ROWS.department).distinct()).scalars())
        query = query.where(ROWS.department.in_(sorted(chosen_departments(asked, known))))
    wanted_bands = sorted({b.value for b in bands})
    if wanted_bands:
        query = query.where(ROWS.band.in_(wanted_bands))
    if top is not None:
        # The rows are chosen by their keys alone, then read whole: sorting every row with all
        # its columns to keep the first few took three times as long on PostgreSQL.
        chosen = query.with_only_columns(ROWS.key).limit(top).correlate(None)
        query = query.where(ROWS.key.in_(chosen))
    return query


class KeptRows(NamedTuple):
    """Ranked rows chosen from a fresh kept ranking."""

    empty: bool
    """Whether the kept ranking has no systems at all (the estate is empty)."""
    rows: list[RankedRow]
    """The chosen rows, in the order asked for."""


def kept_ranked_rows(
    connection: Connection,
    policy: Policy,
    *,
    by: RankBy,
    departments: Iterable[str] = (),
    bands: Iterable[Band] = (),
    top: int | None = None,
) -> KeptRows | None:
    """The ranked rows of the kept ranking's systems that pass the filters of
    `estate.ranking.select_rows`, in the same order, chosen, sorted and cut to `top` by the
    database; None while the kept ranking is out of date, so the caller scores afresh. The
    first five of 50,000 systems are five rows read, not the whole ranking. An empty estate
    gives no rows whatever is asked; a department no system belongs to is refused."""
    if not is_fresh(connection, policy):
        return None
    if connection.execute(sa.select(ROWS.rank).limit(1)).first() is None:
        return KeptRows(empty=True, rows=[])
    dictionary = connection.execute(sa.select(SNAPSHOT.c.dictionary)).scalar()
    columns = [ROWS[name] for name in COLUMNS]
    query = _chosen(connection, sa.select(*columns, ROWS.explanation), by, departments, bands, top)
    rows = list(ranked_rows_of(connection.execute(query), Packer(dictionary)))
    return KeptRows(empty=False, rows=rows)


def keep_snapshot(engine: Engine, snapshot: Snapshot, stored: str | None) -> bool:
    """Store `snapshot` for the next start unless the stored one, whose fingerprint is
    `stored`, was taken from the same data already. Returns whether the database now holds it:
    a database busy with another writer, or read-only, or a role that may not write the kept
    ranking, is left as it was (the snapshot is only a cache)."""
    if stored == snapshot.fingerprint:
        return True
    try:
        with engine.begin() as connection:
            save_snapshot(connection, snapshot)
    except sa.exc.OperationalError:
        return False
    except sa.exc.ProgrammingError as exc:  # a department's role, which only reads it
        if not is_permission_denied(exc):
            raise
        return False
    return True


def scored_when(snapshot: Snapshot) -> str:
    """When the snapshot was scored, in local time as people read it (25/11/2026 14:02)."""
    moment = snapshot.scored_at
    if moment.tzinfo is None:  # databases hand back the stored UTC time without its zone
        moment = moment.replace(tzinfo=dt.UTC)
    return f"{moment.astimezone():%d/%m/%Y %H:%M}"
