"""The parts of the kept explanations that many systems share, kept once with the ranking.

An explanation (`rank --json`'s compact JSON of one system) is mostly lists of the same items
over and over: each criterion with its value, evidence and what would change it, each security
gap, each reason the cloud readiness gives. When the whole estate is scored, every item of
those lists that two or more systems share becomes a fragment of the ranking's table
(`Fragments`), and each system's explanation keeps, in place of each shared item, a mark
(`MARK`) and the fragment's number. Laying an explanation out again is putting the fragments
back: byte for byte the text cut (`Fragments.join`). The explanations are written already cut
(`estate.ranking.explanations.ExplanationWriter`), as `cut` would cut them.

A system scored again when the ranking is brought up to date is cut with the same table: what
the table does not hold stays in its own text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from operator import attrgetter

import msgspec
import zstandard

MARK = b"\0"
"""Where a fragment stood in a cut explanation: compact JSON never holds a NUL byte (the encoder
writes it escaped), and an explanation that somehow does is kept whole."""

_LEVEL = 9
"""Zstandard's level for the table, compressed once as a whole."""


class _Legacy(msgspec.Struct):
    likelihood: list[msgspec.Raw] = []
    impact: list[msgspec.Raw] = []
    contradictions: list[msgspec.Raw] = []


class _Cloud(msgspec.Struct):
    reasons: list[msgspec.Raw] = []


class _Lists(msgspec.Struct):
    """The lists of an explanation whose items are cut out, as the JSON schema names them."""

    reasons: list[msgspec.Raw] = []
    legacy: _Legacy = msgspec.field(default_factory=_Legacy)
    cloud: _Cloud = msgspec.field(default_factory=_Cloud)
    security_gaps: list[msgspec.Raw] = []
    unmatched_components: list[msgspec.Raw] = []


_READ_LISTS = msgspec.json.Decoder(_Lists).decode
_ORDER = (
    (b'"reasons":[', attrgetter("reasons")),
    (b'"likelihood":[', attrgetter("legacy.likelihood")),
    (b'"impact":[', attrgetter("legacy.impact")),
    (b'"contradictions":[', attrgetter("legacy.contradictions")),
    (b'"reasons":[', attrgetter("cloud.reasons")),
    (b'"security_gaps":[', attrgetter("security_gaps")),
    (b'"unmatched_components":[', attrgetter("unmatched_components")),
)
"""Each list's key as it opens in the text, in the order the text holds them."""
_LEAD = b'{"rank":0,'
"""Put before a kept explanation (which begins after its rank) to read it as JSON."""

Cut = tuple[bytes, list[bytes]]
"""An explanation cut around the items of its lists: its text with a `MARK` in place of each
item, and the items in order."""


def cut(text: bytes) -> Cut:
    """`text` (a kept explanation) cut around the items of its lists; whole, with no items, when
    it cannot be (not the JSON schema's shape, or holding a `MARK`)."""
    whole: Cut = (text, [])
    if MARK in text:
        return whole
    try:
        lists = _READ_LISTS(_LEAD + text)
    except msgspec.DecodeError:
        return whole
    parts: list[bytes] = []
    items: list[bytes] = []
    at = seek = 0  # the end of what is cut, and where the next list is looked for
    for opening, of in _ORDER:
        found = text.find(opening, seek)
        if found < 0:
            return whole
        start = found + len(opening)
        for raw in of(lists):
            item = bytes(raw)
            if not text.startswith(item, start):
                return whole
            parts.append(text[at:start])
            items.append(item)
            at = start = start + len(item)
            if text[start : start + 1] == b",":
                start += 1
        seek = start
    parts.append(text[at:])
    return MARK.join(parts), items


class Fragments:
    """The items shared by the explanations of a kept ranking, each kept once."""

    def __init__(self, items: Sequence[bytes] = ()) -> None:
        self.items = list(items)
        self._numbers = {item: number for number, item in enumerate(self.items)}

    @classmethod
    def shared(cls, cuts: Iterable[Cut]) -> Fragments:
        """The items that two or more of the cut explanations hold, the commonest first (so
        that they take the smallest numbers)."""
        counts = Counter(item for _parts, items in cuts for item in items)
        return cls([item for item, count in counts.most_common() if count > 1])

    def mark(self, pieces: Cut) -> tuple[bytes, list[int]]:
        """A cut explanation with the items this table holds replaced by a `MARK` each, and
        their numbers in order."""
        marked, items = pieces
        if not items:
            return marked, []
        found = list(map(self._numbers.get, items))
        if None not in found:  # the usual case: every item is shared, the text stays as cut
            return marked, found  # type: ignore[return-value]  # no None among them
        parts = marked.split(MARK)
        numbers: list[int] = []
        out = [parts[0]]
        for item, part in zip(items, parts[1:], strict=True):
            number = self._numbers.get(item)
            if number is None:
                out.append(item)
            else:
                out.append(MARK)
                numbers.append(number)
            out.append(part)
        return b"".join(out), numbers

    def join(self, marked: bytes, numbers: Sequence[int]) -> bytes:
        """The explanation `mark` marked, its items put back."""
        if not numbers:
            return marked
        # one pass in C: the marks become the places of a %-format, the fragments its values
        pattern = marked.replace(b"%", b"%%").replace(MARK, b"%s")
        try:
            return pattern % tuple(map(self.items.__getitem__, numbers))
        except TypeError as exc:
            raise ValueError("a kept explanation's marks do not match its fragments") from exc

    def to_bytes(self) -> bytes | None:
        """The table as kept with the ranking (compressed), or None when it is empty."""
        if not self.items:
            return None
        packed: bytes = zstandard.ZstdCompressor(level=_LEVEL).compress(
            msgspec.msgpack.encode(self.items)
        )
        return packed

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Fragments:
        """The table `to_bytes` kept (empty for None)."""
        if not data:
            return cls()
        items = msgspec.msgpack.decode(
            zstandard.ZstdDecompressor().decompress(data), type=list[bytes]
        )
        return cls(items)
