"""Suggested dispositions in words a board will not misread.

Scoring suggests one of the 7 Rs with its reason. A bare "Retain" beside a red-rated system
reads as "do nothing", so every report prints the disposition through `disposition_words`,
which says what the R asks for (the words are `estate.words.DISPOSITIONS`), and prints the
reason, which names the facts it came from, beside it. The words never repeat the reason.
"""

from __future__ import annotations

from estate.enums import Disposition
from estate.words import DISPOSITIONS, NO_SUGGESTION

WORDS: dict[Disposition, str] = {Disposition(value): said for value, said in DISPOSITIONS.items()}
"""Each disposition as a board reads it."""


def disposition_words(disposition: str | None, reason: str = "") -> str:
    """The suggested disposition (a `Disposition` or its value) in words that say what it asks
    for: "Retain and modernise in place" rather than "Retain". `reason` is printed beside the
    words, never inside them."""
    if not disposition:
        return NO_SUGGESTION
    return WORDS[Disposition(disposition)]
