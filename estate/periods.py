"""Reporting periods: the quarter a return is for, written `2026-Q3`.

Periods are compared as text: the form is fixed (four-digit year, `-Q`, one digit), so text
order is time order, in Python and in any database."""

from __future__ import annotations

import datetime as dt
import re

from estate.errors import InputError

_PERIOD = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)

FORM = "a year and quarter such as 2026-Q3"


def parse_period(text: str, *, what: str = "--period") -> str:
    """`text` as a period in its canonical form (`2026-Q3`; `2026q3` and `2026 Q3` are read
    too), or InputError in one line naming what gave it (`what`, if anything)."""
    found = _PERIOD.match(text)
    if found is None:
        said = f"{what} " if what else ""
        raise InputError(f"{said}{text!r} is not a reporting period; write {FORM}.")
    return f"{found.group(1)}-Q{found.group(2)}"


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
