"""Table columns that never break: a key, a date or a figure split over two lines, or cut
short, is misread, so the columns holding them are fixed at their longest word and rich
narrows the columns of prose beside them instead, which wrap (or, for text that can best lose
its end, are cut short)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

LONGEST_WORD = 30
"""The widest a column is made for the words of the text wrapped in it: a longer word folds."""
SLACK = 8
"""How much wider than its longest whole word a column is made, when the text wrapped in it
is longer, so that a short name sits on one line beside its key."""


def keep_whole(table: Table, index: int, words: Iterable[str], wrapped: Iterable[str] = ()) -> None:
    """Fix column `index` at the width of the longest of `words` (the keys, dates or figures
    it holds), so that at any width rich narrows the other columns and never this one. The
    `wrapped` text in it too (a system's name under its key) wraps within it at its spaces:
    the column is as wide as its longest word (up to `LONGEST_WORD`), so no word of it breaks
    either, and up to `SLACK` wider than the whole words for its longest line. Never narrower
    than the header's longest word."""
    column = table.columns[index]
    header = column.header if isinstance(column.header, str) else ""
    whole = max((len(w) for w in (*words, *header.split())), default=0)
    texts = list(wrapped)
    word = max((len(w) for text in texts for w in text.split()), default=0)
    line = max((len(text) for text in texts), default=0)
    longest = max(whole, min(word, LONGEST_WORD), min(line, whole + SLACK))
    column.width = longest or None
