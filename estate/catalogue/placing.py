"""What to say of technology the catalogue cannot place: why, and the products closest to it.

An import or validation names each such cell (importers.unplaced), so that a department learns
which of its technology has no known end of support before it is scored, not after.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

from estate.catalogue import Catalogue, Match
from estate.catalogue.recognise import read

_VERSION_START = re.compile(r"\s\d.*$")
_KNOWN = re.compile(r" \(known: .*\)$")


@lru_cache(maxsize=4096)
def closest_products(catalogue: Catalogue, text: str, count: int = 3) -> tuple[str, ...]:
    """The titles of the products whose names are nearest `text`'s words before its version,
    nearest first ("Amazon Linx 2023" -> Amazon Linux, ...); none when nothing is near."""
    words = _VERSION_START.sub("", read(text)[0]).strip() or read(text)[0]
    names: dict[str, str] = {}
    for product in catalogue.products.values():
        names.setdefault(read(product.title)[0], product.title)
        names.setdefault(product.key.replace("-", " "), product.title)
    found = difflib.get_close_matches(words, list(names), n=count * 2, cutoff=0.6)
    titles = list(dict.fromkeys(names[name] for name in found))
    return tuple(titles[:count])


def why_unplaced(match: Match) -> str:
    """Why a match found no release, in a few words: the catalogue's note without the list of
    every release it knows."""
    note = match.note or "product not in the catalogue"
    return _KNOWN.sub("", note)


def releases_of(match: Match, count: int = 5) -> tuple[str, ...]:
    """The newest releases of a matched product, to name beside a version it does not know."""
    if match.product is None:
        return ()
    cycles = sorted(
        match.product.cycles, key=lambda c: (c.release is not None, c.release), reverse=True
    )
    return tuple(c.label for c in cycles[:count])
