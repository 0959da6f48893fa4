"""Systems' explanations as the kept ranking keeps them: `rank --json`'s compact JSON of one
system after its rank, and the same written already cut around the items of its lists
(`estate.ranking.fragments.cut`) for a whole estate at once.

An estate's explanations repeat the same items (criteria, security gaps, reasons) thousands of
times over. Writing each explanation whole and cutting it again took most of keeping a new
ranking; `ExplanationWriter` encodes each distinct item once and writes each explanation around
stand-ins for its items, giving byte for byte what `cut(explanation(system))` gives."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec

from estate.jsonable import jsonable
from estate.ranking.fragments import MARK, Cut, cut
from estate.ranking.text_formats import system_dict
from estate.scoring.results import SystemScore

_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=jsonable).encode
"""Compact JSON as `rank --json` holds a system before it is laid out (the standard library's C
encoder)."""


def compact_lead(rank: int) -> bytes:
    """How a system's compact explanation begins, up to its rank: the kept text is what
    follows, so that a system that moves in the ranking keeps its text."""
    return b'{"rank":%d,' % rank


def explanation(system: SystemScore) -> bytes:
    """Everything concluded about one system as `rank --json` gives it, as compact JSON (UTF-8)
    after its `compact_lead`: kept, compressed, with its ranked row, so that `rank --json` lays
    out the kept texts without scoring anything again (`estate.ranking.snapshot.lay_out`)."""
    return _without_lead(_COMPACT(system_dict(system)).encode(), system.rank)


def _without_lead(compact: bytes, rank: int) -> bytes:
    lead = compact_lead(rank)
    assert compact.startswith(lead)
    return compact[len(lead) :]


_STAND_IN = "\0item\0"
"""What an item's place holds while its explanation is written: a text no item's JSON is."""
_STAND_IN_TEXT = _COMPACT(_STAND_IN).encode()
_ENCODE_QUICKLY = msgspec.json.encode
"""Compact JSON: the same bytes as the standard library's for text, integers, truth values and
null, some times faster. The two write some floats apart (`1e+16` against `1e16`): see
`_compact_text`."""


class ExplanationWriter:
    """Writes the explanations of many systems scored under one policy already cut: each
    distinct item encoded once, by what it shows (an estate holds a few hundred thousand
    distinct items among a million and more). Items are told apart by value alone: the kinds
    of item (criteria, security gaps, readiness reasons, reasons in words) never equal one
    another."""

    def __init__(self) -> None:
        self._encoded: dict[Any, bytes] = {}

    def cut(self, system: SystemScore) -> Cut:
        """What `cut(explanation(system))` gives: its explanation with a `MARK` in place of
        each item of its lists, and those items in order. Every item equal to another is the
        same bytes object."""
        items: list[bytes] = []
        noted = items.append
        encoded = self._encoded

        def stand_in(source: Any, plain: Callable[[Any], Any]) -> str:
            found = encoded.get(source)
            if found is None:
                found = encoded[source] = _compact_text(plain(source))
            noted(found)
            return _STAND_IN

        compact = _compact_text(system_dict(system, stand_in))
        parts = _without_lead(compact, system.rank).split(_STAND_IN_TEXT)
        if len(parts) != len(items) + 1:  # a text of the system's own reads as a stand-in
            return cut(explanation(system))
        return MARK.join(parts), items


def _compact_text(data: Any) -> bytes:
    """An item's or a system's compact JSON (around the stand-ins of its items), as
    `explanation` writes it: by msgspec, several times faster, where every float it holds is
    one the two encoders write alike (a system's priority, scores and run cost always are),
    else by the standard library."""
    if _floats_written_alike(data):
        return _ENCODE_QUICKLY(data)
    return _COMPACT(data).encode()


def _floats_written_alike(data: Any) -> bool:
    """Whether every float in `data` (dictionaries and lists, nested) is written the same by
    msgspec as by the standard library: zero, or from 1e-4 up to 1e16, where both write the
    shortest decimal that reads back as the float, without an exponent."""
    kind = type(data)
    values = data.values() if kind is dict else data if kind is list else (data,)
    for value in values:
        kind = type(value)
        if kind is float:
            if value != 0.0 and not 1e-4 <= abs(value) < 1e16:  # NaN too
                return False
        elif (kind is dict or kind is list) and not _floats_written_alike(value):
            return False
    return True
