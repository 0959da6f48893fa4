"""Wording for the sentences estate writes for people: counts with the right noun form."""

from __future__ import annotations


def counted(count: int, noun: str) -> str:
    """A count and its noun, singular only for one: "1 system", "3 systems", "0 systems"."""
    return f"{count:,} {noun if count == 1 else noun + 's'}"
