"""Values as JSON carries them, for every --json output and report."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Any


def jsonable(value: Any) -> Any:
    """A value as JSON can carry it: enums by their canonical spelling, dates as ISO 8601."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value
