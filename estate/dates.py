"""Dates as people read them: the UK form, day first (31/03/2027), everywhere a person reads a
date (terminal tables, the terminal UI, the workbook, markdown); ISO 8601 only where programs
read them (json, csv)."""

from __future__ import annotations

import datetime as dt

UK_FORMAT = "%d/%m/%Y"
"""The strftime form of `uk_date`, for libraries that take a pattern."""


def uk_date(date: dt.date) -> str:
    """A date day first (31/03/2025); faster than strftime, which scoring would otherwise call
    for hundreds of thousands of dates."""
    return f"{date.day:02d}/{date.month:02d}/{date.year}"


def shown_date(value: dt.date | str | None, missing: str = "") -> str:
    """A date for people, from a date or the ISO text that stored and JSON data carry (a
    timestamp keeps its time, as hh:mm); `missing` when there is none; other text unchanged."""
    if value is None or value == "":
        return missing
    if isinstance(value, dt.datetime):
        return f"{uk_date(value)} {value:%H:%M}" if value.time() != dt.time() else uk_date(value)
    if isinstance(value, dt.date):
        return uk_date(value)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return value
    return shown_date(parsed if len(value) > 10 else parsed.date(), missing)
