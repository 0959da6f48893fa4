"""Spreadsheet column letters, as problems name cells (`C12`) and as a workbook's XML
addresses them: column 1 is A, 26 is Z, 27 is AA, up to XFD (16,384), Excel's last.

The importer needs only this from a spreadsheet library, and reading a CSV return should not
load one for it."""

from __future__ import annotations

from functools import cache

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@cache
def column_letter(number: int) -> str:
    """The letters of column `number` (1-based): 1 -> A, 28 -> AB."""
    if number < 1:
        raise ValueError(f"column {number}: columns are numbered from 1")
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = _LETTERS[remainder] + letters
    return letters


def column_number(letters: str) -> int:
    """The 1-based number of the column named by `letters` (A -> 1, AB -> 28); any case."""
    if not letters or not letters.isascii() or not letters.isalpha():
        raise ValueError(f"{letters!r} is not a column's letters")
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
