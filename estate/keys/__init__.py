"""One identity for one key: system references, department codes and role names, as the
importer, the command line and access control all read them.

A key is read in its normal form: Unicode NFKC (`DBP` in fullwidth letters is `DBP`, a
no-break space a space), invisible characters (zero-width spaces, joiners, byte-order marks,
soft hyphens, variation selectors) removed and surrounding space trimmed (a line break inside
stays: a dependency's end may list several systems, one a line).
Characters that change how text is displayed without being seen (bidirectional controls such
as U+202E) and control characters are refused, as are quotes in a department code. A new key
that looks like a key already known, by its confusable skeleton (UTS #39), is a look-alike:
`KeyIndex.imitated` names the key it imitates, so the caller refuses it rather than storing a
second system or department that no reader can tell from the first.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from estate import limits
from estate.errors import InputError
from estate.keys.skeleton import skeleton, skeletons

__all__ = [
    "KeyIndex",
    "KeyRefused",
    "department_code",
    "normalise",
    "printable",
    "reference",
    "shown",
    "skeleton",
]

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Characters that reorder how text is displayed (UAX #9's explicit formatting characters and
marks): a reference holding one can read as another."""

_IGNORABLE = re.compile(
    "[\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180b-\u180f\u3164\ufe00-\ufe0f\uffa0"
    "\U000e0100-\U000e01ef]"
)
"""Default-ignorable characters that are not format characters (category Cf, also removed):
fillers and variation selectors, drawn as nothing."""

QUOTES = frozenset("'\"`\u00b4\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u201f\u2032\u2033\\")
"""Characters a department code never holds: quotes and the backslash, which other programs
(SQL, shells, CSV) read as delimiters or escapes."""


class KeyRefused(InputError):
    """A key that cannot be read as one: the message says why, for the caller to place."""


def _char(c: str) -> str:
    return f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}"


def normalise(text: str, what: str = "key") -> str:
    """`text` as a key in its normal form (NFKC, invisible characters removed, space
    trimmed); `KeyRefused` for a bidirectional control or a control character."""
    bidi = next((c for c in text if c in BIDI_CONTROLS), None)
    if bidi is not None:
        raise KeyRefused(
            f"{what} holds {_char(bidi)}, a bidirectional control that makes text display in "
            "another order than it is stored; remove it"
        )
    folded = unicodedata.normalize("NFKC", text)
    if not folded.isascii():
        folded = "".join(c for c in _IGNORABLE.sub("", folded) if unicodedata.category(c) != "Cf")
        folded = unicodedata.normalize("NFKC", folded)
    control = next((c for c in folded if unicodedata.category(c) == "Cc" and not c.isspace()), None)
    if control is not None:
        raise KeyRefused(f"{what} holds the control character U+{ord(control):04X}; remove it")
    return folded.strip()


def department_code(text: str, what: str = "department code") -> str:
    """A department's code in its one form (normalised, in capitals): `' dbp '` is `DBP`.
    `KeyRefused` for an empty code, one with quotes, or one longer than the schema holds."""
    code = normalise(text, what).upper()
    if not code:
        raise KeyRefused(f"{what} is empty; give the department's code, such as DBP")
    quote = next((c for c in code if c in QUOTES), None)
    if quote is not None:
        raise KeyRefused(f"{what} {shown(code)} holds {_char(quote)}; a code has no quotes")
    if len(code) > limits.CODE:
        raise KeyRefused(
            f"{what} is {len(code)} characters; a department code has at most {limits.CODE}"
        )
    return code


def reference(text: str, what: str = "reference") -> str:
    """A system reference in its normal form; `KeyRefused` for one the schema cannot hold."""
    found = normalise(text, what)
    if len(found) > limits.REFERENCE:
        raise KeyRefused(
            f"{what} is {len(found)} characters; a reference has at most {limits.REFERENCE}"
        )
    return found


def shown(text: str) -> str:
    """`text` quoted for a message, its invisible characters escaped (see `printable`)."""
    return "'" + printable(text) + "'"


def printable(text: str) -> str:
    """`text` with every control, format or bidirectional character written as an escape, so
    a name can never rearrange or hide the line it is printed in."""
    out = []
    for c in text:
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or c in BIDI_CONTROLS:
            out.append(f"\\u{ord(c):04x}" if ord(c) <= 0xFFFF else f"\\U{ord(c):08x}")
        else:
            out.append(c)
    return "".join(out)


class KeyIndex:
    """Known keys by their confusable skeletons, to find the one a new key imitates."""

    def __init__(self, keys: Iterable[str] = ()) -> None:
        self._by_skeleton: dict[str, str] = {}
        for key in keys:
            self.add(key)

    def add(self, key: str) -> None:
        """Know `key` (the first of several look-alikes stays the one they imitate)."""
        for found in skeletons(key):
            self._by_skeleton.setdefault(found, key)

    def imitated(self, key: str) -> str | None:
        """The known key that `key` looks like without being it (keys that differ only in
        case are the same key), or None."""
        for found in skeletons(key):
            known = self._by_skeleton.get(found)
            if known is not None and known.casefold() != key.casefold():
                return known
        return None
