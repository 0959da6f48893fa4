"""Finding a system by key or name as the command palette's user types: the key or reference
itself first, then keys and names that start with what is typed, then any part of them, then
close misspellings, so "MBI-00026", "records sch" and "paymnts gatway" all find theirs. Plain
Python and rapidfuzz, no UI: the palette calls it off the event loop."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from estate.ranking.snapshot import RankedRow

FUZZY_CUTOFF = 75
"""The least rapidfuzz partial ratio (0-100) a misspelt query must reach to be offered."""
FEW = 5
"""Misspellings are looked for when plain matching finds fewer systems than this."""


class SystemFinder:
    """The systems of a ranking, indexed once for searching by key or name; results keep the
    ranking's order among equals, so the highest priority comes first."""

    def __init__(self, rows: Sequence[RankedRow]) -> None:
        self.texts = [f"{row.key} {row.name}".casefold() for row in rows]
        keys = [row.key.casefold() for row in rows]
        references = [key.partition("/")[2] for key in keys]
        names = [row.name.casefold() for row in rows]
        self.starts = list(zip(keys, references, names, strict=True))
        self.names = names
        self.distinct_names = list(dict.fromkeys(names))
        # Keys are unique; a reference two departments share finds the first exactly (the
        # other still starts with it).
        self.exact = dict(zip(reversed(references), range(len(rows) - 1, -1, -1), strict=True))
        self.exact.update(zip(keys, range(len(rows)), strict=True))

    def find(self, query: str, limit: int = 20) -> list[tuple[float, int]]:
        """Up to `limit` (score, row index) pairs for `query`, best first, scores 0-1: the
        key itself or its reference 1.0, a key, reference or name that starts with it 0.9,
        any part of key or name 0.8; when those are few, misspellings below 0.75."""
        needle = " ".join(query.casefold().split())
        if not needle:
            return []
        exact = [self.exact[needle]] if needle in self.exact else []
        starting: list[int] = []
        within: list[int] = []
        starts = self.starts
        for index, text in enumerate(self.texts):
            if needle in text:
                if any(word.startswith(needle) for word in starts[index]):
                    starting.append(index)
                    if len(starting) > limit:
                        break
                elif len(within) < limit:
                    within.append(index)
        seen = set(exact)
        found = [(1.0, i) for i in exact]
        found += [(0.9, i) for i in starting if i not in seen]
        found += [(0.8, i) for i in within if i not in seen]
        found = found[:limit]
        if len(found) < FEW and len(needle) >= 3:
            found += self._misspelt(needle, {i for _, i in found}, limit - len(found))
        return found

    def _misspelt(self, needle: str, seen: set[int], room: int) -> list[tuple[float, int]]:
        """Systems whose name is close to `needle` (a partial ratio of at least
        `FUZZY_CUTOFF`), best first: each distinct name is compared once."""
        close = process.extract(
            needle,
            self.distinct_names,
            scorer=fuzz.partial_ratio,
            processor=None,
            limit=room,
            score_cutoff=FUZZY_CUTOFF,
        )
        ratios = {name: ratio for name, ratio, _ in close}
        hits = [
            (-ratios[name], index)
            for index, name in enumerate(self.names)
            if name in ratios and index not in seen
        ]
        return [(-0.75 * ratio / 100, index) for ratio, index in sorted(hits)[:room]]
