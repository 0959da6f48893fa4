"""Confusable skeletons (Unicode Technical Standard #39, section 4): two strings that look the
same have the same skeleton. `DBP`, and `DBP` with a Cyrillic Ve for its B, differ as text and
share one.

The skeleton is worked out as the standard defines it: the text in NFD, each character replaced
by its prototype from Unicode's confusables data (`confusables.txt` beside this module, the
mappings of the standard's data file, version in its header), then NFD again.
"""

from __future__ import annotations

import unicodedata
from functools import cache, lru_cache
from importlib import resources


@cache
def prototypes() -> dict[int, str]:
    """Each confusable character's prototype, by code point, from Unicode's confusables
    data (as `str.translate` takes it)."""
    table: dict[int, str] = {}
    text = resources.files(__package__).joinpath("confusables.txt").read_text("utf-8")
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        source, target = line.split(";")
        table[int(source, 16)] = "".join(chr(int(p, 16)) for p in target.split())
    return table


@lru_cache(maxsize=65536)
def skeleton(text: str) -> str:
    """`text`'s confusable skeleton: equal for strings a reader cannot tell apart."""
    mapped = unicodedata.normalize("NFD", text).translate(prototypes())
    return mapped if mapped.isascii() else unicodedata.normalize("NFD", mapped)


def bare(text: str) -> str:
    """`text`'s skeleton without its combining marks: `SYS-001` with an accent on its last
    digit, or `CAFÉ-1` beside `CAFE-1`, reads as the same key at a glance."""
    return "".join(c for c in skeleton(text) if not unicodedata.combining(c))


def skeletons(text: str) -> set[str]:
    """The skeletons of `text` as written, in capitals and in small letters, each also without
    its combining marks: keys that differ only in case are one key, so a look-alike of any
    casing is caught."""
    forms = {text, text.upper(), text.lower()}
    found = {skeleton(form) for form in forms}
    return found if text.isascii() else found | {bare(form) for form in forms}
