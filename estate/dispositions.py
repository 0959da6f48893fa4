"""Suggested dispositions in words a board will not misread.

Scoring suggests one of the 7 Rs with its reason. A bare "Retain" beside a red-rated system
reads as "do nothing", so every report prints the disposition through `disposition_words`,
which says what the R asks for, and prints the reason beside it. Only the words change: the
disposition and its reason are scoring's.
"""

from __future__ import annotations

from estate.enums import Disposition

WORDS: dict[Disposition, str] = {
    Disposition.RETIRE: "Retire: switch it off",
    Disposition.RETAIN: "Retain and modernise in place",
    Disposition.REHOST: "Move to cloud as it is (rehost)",
    Disposition.RELOCATE: "Move its hosting as it is (relocate)",
    Disposition.REPLATFORM: "Move onto supported technology (replatform)",
    Disposition.REPURCHASE: "Replace with a bought service (repurchase)",
    Disposition.REFACTOR: "Re-architect it (refactor)",
}
"""Each disposition as a board reads it, when its reason says nothing more particular."""

_RETAIN_BECAUSE: tuple[tuple[str, str], ...] = (
    ("accredited hosting", "Retain: needs accredited hosting"),
    ("already a saas", "Retain: already a SaaS service"),
    ("already in public cloud", "Retain: already in public cloud"),
    ("until a replacement", "Retain until a replacement is planned"),
)
"""Words in a Retain's reason, and what the Retain then means."""

NO_SUGGESTION = "No suggestion yet: too little data"


def disposition_words(disposition: str | None, reason: str = "") -> str:
    """The suggested disposition (a `Disposition` or its value) in words that say what it asks
    for: "Retain: needs accredited hosting" rather than "Retain"."""
    if not disposition:
        return NO_SUGGESTION
    chosen = Disposition(disposition)
    if chosen is Disposition.RETAIN:
        said = reason.lower()
        for words, meaning in _RETAIN_BECAUSE:
            if words in said:
                return meaning
    return WORDS[chosen]
