"""Wording for the sentences estate writes for people: counts with the right noun form."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 system", "3 systems", "0 systems"; `plural` for nouns that do not just take an s."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"
