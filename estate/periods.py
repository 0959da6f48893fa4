"""Reporting periods: the quarter a return is for, written `2026-Q3`.

Periods are compared as text: the form is fixed (four-digit year, `-Q`, one digit), so text
order is time order, in Python and in any database. People write a quarter several ways; each
is read here as the one canonical form, whether it comes from a cover sheet, a period column or
the command line."""

from __future__ import annotations

import datetime as dt
import re

from estate.errors import InputError

ACCEPTED = "2026-Q3, Q3 2026, 2026 Q3 or Jul-Sep 2026"
"""The ways of writing a quarter a return may use, as messages and guidance quote them."""

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


class NotAQuarter(ValueError):
    """Text that is not a calendar quarter; the message says what to write instead."""


def read_quarter(written: str) -> str:
    """A quarter however people write it ("2026-Q3", "Q3 2026", "2026 Q3", "Jul-Sep 2026") in
    the canonical form; `NotAQuarter`, saying what to write, for anything else (a
    financial-year quarter such as "Q2 2026/27" is named as such, with the calendar quarter
    it means)."""
    text = " ".join(written.split())
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
            raise NotAQuarter(
                f"{text!r} reads as a financial-year quarter; write the calendar quarter it "
                f"means, {calendar}"
            )
    months = _MONTH_RANGE.match(text)
    if months:
        first, last = _month(months["first"]), _month(months["last"])
        if first is not None and last == first + 2 and first % 3 == 0:
            return _checked(int(months["year"]), first // 3 + 1, text)
        if first is not None and last is not None:
            raise NotAQuarter(
                f"{text!r} is not a calendar quarter (Jan-Mar, Apr-Jun, Jul-Sep or Oct-Dec)"
            )
    raise NotAQuarter(f"{text!r} is not a quarter; write it as {ACCEPTED}")


def _checked(year: int, quarter: int, text: str) -> str:
    if not 1 <= quarter <= 4:
        raise NotAQuarter(
            f"{text!r} is not a quarter (a year has Q1 to Q4); write it as {ACCEPTED}"
        )
    if not 1900 <= year <= 2100:
        raise NotAQuarter(f"{text!r}: the year must be from 1900 to 2100")
    return f"{year}-Q{quarter}"


def _month(word: str) -> int | None:
    """A month's index from 0 (January), from its full name or its first three letters."""
    word = word.lower()
    for index, name in enumerate(_MONTHS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index
    return None


def parse_period(text: str, *, what: str = "--period") -> str:
    """`text` as a period in its canonical form (`2026-Q3`), written in any of the ways a
    return's cover sheet may write it, or InputError in one line naming what gave it (`what`,
    if anything) and what to write instead."""
    try:
        return read_quarter(text)
    except NotAQuarter as exc:
        said = f"{what} " if what else ""
        raise InputError(f"{said}{exc}.") from None


WINDOW = (-8, 4)
"""The reporting periods a return may be for without `--allow-period`: from eight quarters
before the current one to four after it, as the template's cover sheet offers them. A period
far off (2100-Q4, a slip for 2026-Q4) would otherwise be stored, and every real quarter after
it refused as earlier."""


def window(today: dt.date | None = None) -> tuple[str, str]:
    """The first and last period of the window around the quarter `today` is in."""
    current = quarter_of(today or dt.date.today())
    return shift(current, WINDOW[0]), shift(current, WINDOW[1])


def check_window(period: str, *, what: str = "--period", today: dt.date | None = None) -> None:
    """Refuse, in one line, a period outside the window (see WINDOW), saying how to mean it."""
    first, last = window(today)
    if not first <= period <= last:
        said = f"{what} " if what else ""
        raise InputError(
            f"{said}{period} is outside the reporting periods a return is for ({first} to "
            f"{last}, eight quarters back to four ahead); check it, or give --allow-period "
            "to import it for that period all the same."
        )


def quarter_of(day: dt.date) -> str:
    """The calendar quarter `day` falls in (`2026-Q3` for 1 July to 30 September 2026)."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def period_end(period: str) -> dt.date:
    """The last day of a period (30/09/2026 for `2026-Q3`)."""
    year, quarter = int(period[:4]), int(period[-1])
    if quarter == 4:
        return dt.date(year, 12, 31)
    return dt.date(year, quarter * 3 + 1, 1) - dt.timedelta(days=1)


def as_of_for(period: str, today: dt.date | None = None) -> dt.date:
    """The date a period is scored at: its last day, or today for a period not yet over, so
    the estate as it stood then is judged by the support dates that had passed by then."""
    today = today or dt.date.today()
    return min(period_end(period), today)
