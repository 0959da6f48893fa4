"""Finding a system by key or name as the command palette's user types: whole words and parts
of keys first, then close misspellings, so "MBI-00026", "records sch" and "paymnts gatway" all
find theirs. Plain Python and rapidfuzz, no UI: the palette calls it off the event loop."""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process

from estate.snapshot import RankedRow

FUZZY_CUTOFF = 75
"""The least rapidfuzz partial ratio (0-100) a misspelt query must reach to be offered."""


class SystemFinder:
    """The systems of a ranking, indexed once for searching by key or name; results keep the
    ranking's order among equals, so the highest priority comes first."""

    def __init__(self, rows: Sequence[RankedRow]) -> None:
        self.keys = [row.key.casefold() for row in rows]
        self.texts = [f"{row.key} {row.name}".casefold() for row in rows]

    def find(self, query: str, limit: int = 20) -> list[tuple[float, int]]:
        """Up to `limit` (score, row index) pairs for `query`, best first, scores 0-1: the
        key itself or its reference 1.0, a key or name that starts with it 0.9, any part of
        key or name 0.8; when those are too few, misspellings below 0.75."""
        needle = " ".join(query.casefold().split())
        if not needle:
            return []
        exact: list[int] = []
        starts: list[int] = []
        within: list[int] = []
        keys = self.keys
        for index, text in enumerate(self.texts):
            if needle in text:
                key = keys[index]
                reference = key.partition("/")[2]
                if needle in (key, reference):
                    exact.append(index)
                elif (
                    key.startswith(needle)
                    or reference.startswith(needle)
                    or text.startswith(needle, len(key) + 1)
                ):
                    starts.append(index)
                else:
                    within.append(index)
        found = [
            *((1.0, i) for i in exact),
            *((0.9, i) for i in starts),
            *((0.8, i) for i in within),
        ][:limit]
        if len(found) < limit and len(needle) >= 3:
            seen = {i for _, i in found}
            misspelt = process.extract(
                needle,
                self.texts,
                scorer=fuzz.partial_ratio,
                processor=None,
                limit=limit,
                score_cutoff=FUZZY_CUTOFF,
            )
            extra = sorted((-ratio, i) for _, ratio, i in misspelt if i not in seen)
            found += [(-0.75 * ratio / 100, i) for ratio, i in extra][: limit - len(found)]
        return found
