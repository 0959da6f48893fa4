"""The overview's figures of a kept ranking counted again after an update without reading every
kept system: what the database's columns give (departments, bands, legacy, readiness, the
riskiest systems, their words unpacked from their kept texts) is counted by the database, and
what only each system's kept facts give (security gaps, data-quality warnings, red systems'
plans) is kept as running totals, the systems rescored or gone taken off and the rescored
added.

The figures are exactly `estate.ranking.figures.kept_figures`'s, order and all: a count that
lists in order of first appearance in the ranking (departments, their bands, security gaps
tied on their count) is put in that order by each one's first place."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from typing import Any, Protocol

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.enums import Principle
from estate.ranking.figures import (
    QUALITY_WARNINGS,
    RISKIEST,
    TOP_GAPS,
    EstateFigures,
    GapCount,
    Riskiest,
)
from estate.ranking.packing import WORDS, Packer, read_texts
from estate.ranking.summary import BAND_ORDER, READINESS_ORDER, Summary
from estate.scoring.results import Band, Readiness

RED = Band.RED.value


class Counted(Protocol):
    """What the totals count of one system (`estate.ranking.snapshot.KeptFacts` has it)."""

    @property
    def gaps(self) -> list[str]: ...
    @property
    def unknown(self) -> bool: ...
    @property
    def unmatched(self) -> int: ...
    @property
    def unresolved(self) -> int: ...
    @property
    def missing(self) -> bool: ...
    @property
    def plan(self) -> int: ...


class Tally(msgspec.Struct):
    """The running totals of what only the kept systems' facts give."""

    gaps: dict[str, int] = msgspec.field(default_factory=dict)
    """Security gap principle -> systems falling short of it."""
    unknown: int = 0
    unmatched: int = 0
    unresolved: int = 0
    missing: int = 0
    red_plans: list[int] = msgspec.field(default_factory=lambda: [0, 0, 0])
    """Red-rated systems with no plan, with a plan not funded, with a funded plan."""

    def count(self, band: str | None, facts: Counted, sign: int = 1) -> None:
        """Count in one system, of band `band` and kept facts `facts`; with a `sign` of -1,
        take it off."""
        for code in facts.gaps:
            left = self.gaps.get(code, 0) + sign
            if left:
                self.gaps[code] = left
            else:
                del self.gaps[code]
        self.unknown += sign * facts.unknown
        self.unmatched += sign * facts.unmatched
        self.unresolved += sign * facts.unresolved
        self.missing += sign * facts.missing
        if band == RED:
            self.red_plans[facts.plan] += sign

    def to_json(self) -> dict[str, Any]:
        """The totals as JSON-ready values, kept with the ranking."""
        found: dict[str, Any] = msgspec.to_builtins(self)
        return found

    @classmethod
    def from_json(cls, data: Any) -> Tally | None:
        """The totals `to_json` kept, or None when there are none (a ranking kept before
        them) or they cannot be read."""
        if not isinstance(data, dict):
            return None
        try:
            return msgspec.convert(data, cls)
        except msgspec.ValidationError:
            return None


def tally_of(systems: Iterable[tuple[str | None, Counted]]) -> Tally:
    """The running totals of every system, each its band and kept facts."""
    tally = Tally()
    for band, facts in systems:
        tally.count(band, facts)
    return tally


def counted_figures(
    connection: Connection,
    rows: sa.TableClause | sa.Table,
    tally: Tally,
    gap_order: list[str],
    head: tuple[dt.date, str, str],
) -> EstateFigures:
    """The overview's figures of the kept ranking in `rows` as it stands now in the database,
    with `tally`'s totals; `gap_order` lists the security gaps in order of first appearance in
    the ranking (at least those of `tally`); `head` holds the as-of date, policy and catalogue."""
    c = rows.c
    groups = connection.execute(
        sa.select(
            c.department, c.band, c.is_legacy, c.readiness, sa.func.count(), sa.func.min(c.rank)
        ).group_by(c.department, c.band, c.is_legacy, c.readiness)
    ).all()
    firsts: dict[str, int] = {}
    band_firsts: dict[tuple[str, str], int] = {}
    band_counts: Counter[tuple[str, str]] = Counter()
    per_department: dict[str, list[int]] = {}
    bands: Counter[str | None] = Counter()
    readiness: Counter[str] = Counter()
    systems = legacy = 0
    for department, band, is_legacy, ready, count, first in groups:
        firsts[department] = min(firsts.get(department, first), first)
        named = (department, band or "Unknown")
        band_firsts[named] = min(band_firsts.get(named, first), first)
        band_counts[named] += count
        counts = per_department.setdefault(department, [0, 0, 0])
        counts[0] += count
        if band == RED:
            counts[1] += count
        if is_legacy:
            counts[2] += count
            legacy += count
        bands[band] += count
        readiness[ready] += count
        systems += count
    per_band: dict[str, dict[str, int]] = {d: {} for d in sorted(firsts, key=firsts.__getitem__)}
    for department, band in sorted(band_firsts, key=band_firsts.__getitem__):
        per_band[department][band] = band_counts[department, band]
    summary = Summary(
        systems=systems,
        legacy=legacy,
        by_band={
            **{b.value: bands.get(b.value, 0) for b in BAND_ORDER},
            "Unknown": bands.get(None, 0),
        },
        by_readiness={r.value: readiness.get(r.value, 0) for r in READINESS_ORDER},
        by_department=sorted(
            ((department, n[0], n[1], n[2]) for department, n in per_department.items()),
            key=lambda row: (-row[2], -row[1], row[0]),
        ),
        red_funded=tally.red_plans[2],
        red_unfunded_plan=tally.red_plans[1],
        red_no_plan=tally.red_plans[0],
    )
    found = {
        "unknown_criteria": tally.unknown,
        "unmatched": tally.unmatched,
        "unresolved": tally.unresolved,
        "missing_from_return": tally.missing,
        "readiness_unknown": readiness.get(Readiness.UNKNOWN.value, 0),
    }
    gaps = Counter({code: tally.gaps[code] for code in gap_order if code in tally.gaps})
    riskiest = connection.execute(
        sa.select(c.rank, c.key, c.explanation)
        .where(c.band == RED)
        .order_by(c.rank)
        .limit(RISKIEST)
    ).all()
    dictionary = connection.execute(
        sa.select(models.table_of(models.RankingSnapshot).c.dictionary)
    ).scalar()
    unpack = Packer(dictionary).unpack
    name, headline = WORDS.index("name"), WORDS.index("headline")
    as_of, policy, catalogue = head
    return EstateFigures(
        as_of=as_of,
        policy=policy,
        catalogue=catalogue,
        summary=summary,
        bands_by_department=per_band,
        top_gaps=[
            GapCount(code, Principle(code).label, count)
            for code, count in gaps.most_common(TOP_GAPS)
        ],
        quality={name: found[name] for name in QUALITY_WARNINGS},
        riskiest=[
            Riskiest(rank, key, words[name], words[headline])
            for rank, key, texts in riskiest
            for words in (read_texts(unpack(texts)).words,)
        ],
    )
