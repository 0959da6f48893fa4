"""What one system's scores were worked out from, split into what a date moves and what it does
not, so that a kept ranking is brought up to date by scoring only the systems a change reaches.

The as-of date reaches a system's scores only by comparison with its own dates: a component's
security and paid support ends (out of support, on paid extended support, support ending
within a band's months: L1, the out-of-support gaps and readiness), its contract's end (L2)
and its last penetration test (SbD 9). Each comparison changes its answer at one date, so the
scores hold from the last of those dates on or before the as-of date until the next one after
it (`valid_dates`). Everything else they read (the stored row, components, assessments,
dependents and what the system depends on) is summed up in one digest (`date_free_digest`)."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import operator
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from typing import Any

import msgspec

from estate.scoring.facts import SystemFacts
from estate.scoring.legacy import add_months
from estate.scoring.policy import Policy
from estate.scoring.security import PEN_TEST_DAYS_PER_MONTH

DAY = dt.timedelta(days=1)

NOT_SCORED = frozenset({"id", "source_batch_id", "source_row"})
"""Stored fields that no score, explanation or kept line reads: where the row came from, and
its number, which a replacing import may change for an unchanged system."""


def _after(date: dt.date) -> dt.date | None:
    """The first as-of date on which `date < as_of` holds (None past the calendar's end)."""
    return None if date == dt.date.max else date + DAY


def _within(end: dt.date, months: int) -> dt.date | None:
    """The first as-of date on which `end <= add_months(as_of, months)` holds: `add_months`
    never goes back as the date goes on, so the answer changes once. None where that date is
    before the calendar's start (the answer is the same for every as-of date)."""
    try:
        first = add_months(end, -months)
    except (ValueError, OverflowError):
        return None
    while first > dt.date.min and add_months(first - DAY, months) >= end:
        first -= DAY
    while add_months(first, months) < end:
        first += DAY
    return first


class _Boundaries:
    """The dates on which a policy's comparisons of one date change their answer, worked out
    once per distinct date and kept with the policy: an estate's components share a few
    hundred support positions, and each takes a search by months."""

    __slots__ = ("_carbon", "_contract", "_contracts", "_l1_months", "_pen_test", "_supports")

    def __init__(self, policy: Policy) -> None:
        self._l1_months = [
            int(months) for months, _score in policy.bands("legacy", "l1", "ends_within_months")
        ]
        self._contract = [
            int(months) for months, _score in policy.bands("legacy", "l2", "ends_within_months")
        ]
        months = int(policy.section("security")["pen_test_within_months"])
        self._pen_test = dt.timedelta(days=round(months * PEN_TEST_DAYS_PER_MONTH))
        self._carbon: tuple[dt.date, ...] = ()
        if float(policy.section("priority")["carbon_weight"]) > 0:
            # The carbon part of a priority reads the as-of date's year (its conversion factors).
            year = policy.as_of.year
            self._carbon = (dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
        self._supports: dict[tuple[Any, ...], tuple[dt.date | None, ...]] = {}
        self._contracts: dict[dt.date, tuple[dt.date | None, ...]] = {}

    def of_support(self, support: tuple[Any, ...]) -> tuple[dt.date | None, ...]:
        """A component's (`ComponentFact.support`): its security and paid support's ends, and
        each L1 band's months before its security end."""
        found = self._supports.get(support)
        if found is None:
            security_end, paid_end, _source = support
            found = ()
            if security_end is not None:
                found = (
                    _after(security_end),
                    *(() if paid_end is None else (_after(paid_end),)),
                    *(_within(security_end, months) for months in self._l1_months),
                )
            self._supports[support] = found
        return found

    def of_contract(self, end: dt.date) -> tuple[dt.date | None, ...]:
        """A contract's end (L2): the end, and each L2 band's months before it."""
        found = self._contracts.get(end)
        if found is None:
            found = self._contracts[end] = (
                _after(end),
                *(_within(end, months) for months in self._contract),
            )
        return found

    def of_system(self, facts: SystemFacts) -> Iterator[dt.date | None]:
        """Every as-of date on which one of the system's date comparisons changes its answer."""
        for component in facts.components:
            yield from self.of_support(component.support)
        row = facts.row
        if row.contract_end is not None:
            yield from self.of_contract(row.contract_end)
        if row.internet_facing and row.last_pen_test is not None:
            yield _after(row.last_pen_test + self._pen_test)
        yield from self._carbon


def boundaries(facts: SystemFacts, policy: Policy) -> Iterable[dt.date | None]:
    """Every as-of date on which one of the system's date comparisons changes its answer."""
    return policy.memo("boundaries", _Boundaries).of_system(facts)


def valid_dates(facts: SystemFacts, policy: Policy) -> tuple[dt.date, dt.date | None]:
    """The as-of dates over which the system's scores are those at `policy.as_of`: from the
    first (inclusive) to the second (exclusive; None when no later date changes them)."""
    as_of = policy.as_of
    start, end = dt.date.min, None
    for date in boundaries(facts, policy):
        if date is None:
            continue
        if date <= as_of:
            start = max(start, date)
        elif end is None or date < end:
            end = date
    return start, end


def date_free_digest(
    facts: SystemFacts, anchored: Collection[str], placeholders: Mapping[str, str]
) -> str:
    """A digest of everything the system's scores, explanation and overview counts read that
    no date moves: its stored row (less `NOT_SCORED`), department, components (with what the
    lifecycle catalogue made of each, so that lifecycle data imported changes the digests of
    the systems whose components it reaches, and no others), assessments,
    blast radius, and each system it depends on with whether that one keeps it on premises
    (`anchored`) and whether any return has supplied it (`placeholders` have not: each maps to
    "" or, for a system retired or cancelled, its status), and the latest period whose return
    changed its technology (which dates its self-assessments)."""
    row = facts.row
    data = _ENCODE(
        (
            _scored(row._fields)(row),
            facts.department_name,
            [
                (c.kind, c.product, c.version, c.end_of_support, c.match and c.match.packed)
                for c in facts.components
            ],
            facts.assessments,
            facts.blast,
            [(key, key in anchored, placeholders.get(key)) for key in facts.depends_on],
            facts.technology_changed,
        )
    )
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@functools.cache
def _scored(fields: tuple[str, ...]) -> Callable[[tuple[Any, ...]], tuple[Any, ...]]:
    """What picks a stored row's scored fields (all but `NOT_SCORED`), in order."""
    return operator.itemgetter(*(at for at, name in enumerate(fields) if name not in NOT_SCORED))


_ENCODE = msgspec.msgpack.Encoder(decimal_format="string").encode
"""The digest's input as bytes: msgspec's C encoder (enumerations by value, dates as text)."""
