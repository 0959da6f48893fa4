"""The reporting period a return's cover sheet names, however it is written; kept as `2026-Q3`
(`estate.periods`).

A return's cover sheet names the quarter it describes. People write a quarter several ways
("2026-Q3", "Q3 2026", "2026 Q3", "Jul-Sep 2026"); each is read as the one canonical form, and
anything else is refused with what to write instead (a financial-year quarter such as
"Q2 2026/27" is named as such, with the calendar quarter it means).
"""

from __future__ import annotations

import re
from typing import Any

from importers.problems import CellError

ACCEPTED = "2026-Q3, Q3 2026, 2026 Q3 or Jul-Sep 2026"
"""The ways of writing a quarter a return may use, as messages and guidance quote them."""
_EXPECTED = f"a calendar quarter: {ACCEPTED}"

_YEAR_FIRST = re.compile(r"^(?P<year>\d{4})\s*[-/ ]?\s*Q(?P<quarter>\d)$", re.IGNORECASE)
_QUARTER_FIRST = re.compile(r"^Q(?P<quarter>\d)\s*[-/ ]?\s*(?P<year>\d{4})$", re.IGNORECASE)
_FINANCIAL = re.compile(
    r"^(?:Q(?P<q1>\d)\s*(?:FY\s*)?(?P<y1>\d{4})\s*[-/]\s*(?:\d{2}|\d{4})"
    r"|(?:FY\s*)?(?P<y2>\d{4})\s*[-/]\s*(?:\d{2}|\d{4})\s*Q(?P<q2>\d))$",
    re.IGNORECASE,
)
"""A UK financial-year quarter: "Q2 2026/27", "2026-27 Q2", "Q2 FY2026/27"."""
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH_RANGE = re.compile(
    r"^(?P<first>[a-z]+)\.?\s*(?:-|\u2013|\u2014|to)\s*(?P<last>[a-z]+)\.?\s*(?P<year>\d{4})$",
    re.IGNORECASE,
)


def shift(period: str, quarters: int) -> str:
    """The period `quarters` after `period` (before it when negative)."""
    year, quarter = _split(period)
    index = year * 4 + quarter - 1 + quarters
    return f"{index // 4}-Q{index % 4 + 1}"


def _split(period: str) -> tuple[int, int]:
    year, quarter = period.split("-Q")
    return int(year), int(quarter)


def read_period(raw: Any) -> str | None:
    """A cell's reporting period in the canonical form, or None when it is blank. Raises
    `CellError`, saying what to write, for anything that is not a calendar quarter."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = " ".join(str(raw).split())
    for pattern in (_YEAR_FIRST, _QUARTER_FIRST):
        found = pattern.match(text)
        if found:
            return _checked(int(found["year"]), int(found["quarter"]), text)
    financial = _FINANCIAL.match(text)
    if financial:
        year = int(financial["y1"] or financial["y2"])
        quarter = int(financial["q1"] or financial["q2"])
        if 1 <= quarter <= 4:
            calendar = shift(f"{year}-Q2", quarter - 1)
            raise CellError(
                f"{text!r} reads as a financial-year quarter; write the calendar quarter it "
                f"means, {calendar}",
                expected=_EXPECTED,
            )
    months = _MONTH_RANGE.match(text)
    if months:
        first, last = _month(months["first"]), _month(months["last"])
        if first is not None and last == first + 2 and first % 3 == 0:
            return _checked(int(months["year"]), first // 3 + 1, text)
        if first is not None and last is not None:
            raise CellError(
                f"{text!r} is not a calendar quarter (Jan-Mar, Apr-Jun, Jul-Sep or Oct-Dec)",
                expected=_EXPECTED,
            )
    raise CellError(f"{text!r} is not a quarter; write it as {ACCEPTED}", expected=_EXPECTED)


def _checked(year: int, quarter: int, text: str) -> str:
    if not 1 <= quarter <= 4:
        raise CellError(
            f"{text!r} is not a quarter (a year has Q1 to Q4); write it as {ACCEPTED}",
            expected=_EXPECTED,
        )
    if not 1900 <= year <= 2100:
        raise CellError(f"{text!r}: the year must be from 1900 to 2100", expected=_EXPECTED)
    return f"{year}-Q{quarter}"


def _month(word: str) -> int | None:
    """A month's index from 0 (January), from its full name or its first three letters."""
    word = word.lower()
    for index, name in enumerate(_MONTHS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index
    return None
