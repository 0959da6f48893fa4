"""The reporting period a return names (on its cover sheet or in a period column), however it
is written; kept as `2026-Q3`. The ways of writing a quarter are `estate.periods`'s, which the
command line reads too."""

from __future__ import annotations

from typing import Any

from estate.periods import ACCEPTED, NotAQuarter, read_quarter
from importers.problems import CellError

_EXPECTED = f"a calendar quarter: {ACCEPTED}"


def read_period(raw: Any) -> str | None:
    """A cell's reporting period in the canonical form, or None when it is blank. Raises
    `CellError`, saying what to write, for anything that is not a calendar quarter."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        return read_quarter(str(raw))
    except NotAQuarter as exc:
        raise CellError(str(exc), expected=_EXPECTED) from None
