"""Wording for the sentences estate writes for people: counts with the right noun form."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """A count and its noun, singular only for one: "1 system", "3 systems", "0 systems";
    `plural` for a noun that does not just add an s."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
