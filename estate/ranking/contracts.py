"""Support contracts ending soon, and how much of the estate each supplier holds.

Each renewal is the cheapest moment to replace a system, so the contracts ending in the next
6, 12 and 24 months (and those already ended) are listed with the system's band, run cost,
supplier and suggested disposition, the renewals that are a chance to replace a red-rated
system first. Supplier concentration says how much run cost and how many red-rated systems
each supplier holds.

Both are worked out from `Terms`: one system's contract and ranking facts, built from a
scored system (the board workbook) or from the kept ranking and the stored systems (the
`contracts` command, which so needs no scoring)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.advice.dispositions import disposition_words
from estate.db import as_date, plain
from estate.scoring.results import Band, SystemScore
from estate.words import CONTRACT_ENDED, contract_within, supplier_key, supplier_name

if TYPE_CHECKING:  # the snapshot module reaches the exports, which list contracts
    from estate.ranking.snapshot import RankedRow

WINDOWS = (6, 12, 24)
"""Months ahead a contract's end is grouped by."""
ENDED = CONTRACT_ENDED
NO_SUPPLIER = "No supplier given"


class Terms(NamedTuple):
    """One system's contract with what a board needs beside it."""

    rank: int
    key: str
    name: str
    department: str
    band: str | None
    run_cost: float | None
    supplier: str | None
    contract_end: dt.date | None
    disposition: str
    """The suggested disposition in words."""
    disposition_reason: str


def terms_of(system: SystemScore) -> Terms:
    """A scored system's contract terms."""
    record = system.record
    readiness = system.readiness
    return Terms(
        system.rank,
        system.key,
        system.name,
        system.department,
        system.legacy.band.value if system.legacy.band else None,
        record.annual_run_cost,
        record.supplier,
        record.contract_end,
        disposition_words(readiness.disposition, readiness.disposition_reason),
        readiness.disposition_reason,
    )


TERMS_FIELDS = (
    "rank",
    "key",
    "name",
    "department",
    "band",
    "run_cost",
    "disposition",
    "disposition_reason",
)
"""The kept ranking's columns the contract terms need, in the order `stored_terms` takes
them."""

Ranked = tuple[int, str, str, str, str | None, float | None, str | None, str]
"""A ranked system's `TERMS_FIELDS`."""


def ranked(row: RankedRow) -> Ranked:
    """A line of the ranking's `TERMS_FIELDS`."""
    return (
        row.rank,
        row.key,
        row.name,
        row.department,
        row.band,
        row.run_cost,
        row.disposition,
        row.disposition_reason,
    )


def stored_terms(connection: Connection, rows: Iterable[Ranked]) -> list[Terms]:
    """The contract terms of the kept ranking's `rows` (their `TERMS_FIELDS`), the supplier
    and contract end read from the stored systems (the kept ranking is fresh only while they
    are unchanged)."""
    system = models.table_of(models.System)
    organisation = models.table_of(models.Organisation)
    query = sa.select(
        organisation.c.code, system.c.reference, system.c.supplier, plain(system.c.contract_end)
    ).join(organisation, organisation.c.id == system.c.organisation_id)
    stored = {
        f"{code}/{reference}": (supplier, as_date(end))
        for code, reference, supplier, end in connection.execute(query).all()
    }
    words: dict[tuple[str | None, str], str] = {}  # a few dispositions and reasons, repeated
    found: list[Terms] = []
    for rank, key, name, department, band, run_cost, disposition, reason in rows:
        supplier, end = stored.get(key, (None, None))
        said = words.get((disposition, reason))
        if said is None:
            said = words[disposition, reason] = disposition_words(disposition, reason)
        found.append(
            Terms(rank, key, name, department, band, run_cost, supplier, end, said, reason)
        )
    return found


def months_between(start: dt.date, end: dt.date) -> int:
    """Whole months from `start` to `end` (negative when `end` is earlier), counting a month
    begun as whole: a contract ending in 5 months and 3 days is within 6 months."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months + (1 if end.day > start.day else 0)


class Contract(NamedTuple):
    """A contract ending within the window asked for."""

    terms: Terms
    window: str
    """"Already ended", or "Within N months"."""
    months_left: int


def _window(months: int) -> str | None:
    if months <= 0:
        return ENDED
    return next((contract_within(w) for w in WINDOWS if months <= w), None)


def ending_contracts(terms: Iterable[Terms], as_of: dt.date, within: int = 24) -> list[Contract]:
    """Contracts that have ended or end within `within` months of `as_of`: red-rated systems
    first (each renewal a chance to replace one), then by end date, then by priority."""
    found: list[Contract] = []
    for t in terms:
        if t.contract_end is None:
            continue
        months = months_between(as_of, t.contract_end)
        if months > within:
            continue
        window = _window(months) or contract_within(within)
        found.append(Contract(t, window, months))
    found.sort(key=lambda c: (c.terms.band != Band.RED.value, c.terms.contract_end, c.terms.rank))
    return found


@dataclass
class Supplier:
    """How much of the estate one supplier holds."""

    name: str
    systems: int = 0
    run_cost: float = 0.0
    """The sum of the known run costs."""
    costs_not_known: int = 0
    red_rated: int = 0
    departments: set[str] = field(default_factory=set)
    ending: int = 0
    """Contracts ended or ending within the window."""


def supplier_concentration(
    terms: Iterable[Terms], as_of: dt.date, within: int = 24
) -> list[Supplier]:
    """Per supplier: systems, known run cost (unknown costs counted apart), red-rated systems,
    departments and contracts ending within `within` months; the largest run cost first."""
    suppliers: dict[str, Supplier] = {}
    for t in terms:  # "In house" and "In-house", "ACME Ltd" and "Acme Ltd." are one supplier
        name = supplier_name(t.supplier) or NO_SUPPLIER
        held = suppliers.get(supplier_key(name))
        if held is None:
            held = suppliers[supplier_key(name)] = Supplier(name)
        held.systems += 1
        if t.run_cost is None:
            held.costs_not_known += 1
        else:
            held.run_cost += t.run_cost
        held.red_rated += t.band == Band.RED.value
        held.departments.add(t.department)
        if t.contract_end is not None and months_between(as_of, t.contract_end) <= within:
            held.ending += 1
    return sorted(suppliers.values(), key=lambda s: (-s.run_cost, -s.red_rated, s.name))
