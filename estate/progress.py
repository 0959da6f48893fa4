"""Reporting how far a long job has got, for a progress bar or a status line."""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[str, int, int], None]
"""Told (what is happening, how much is done, out of how much) as a long job goes; a step with
nothing to count is told as (step, 0, 1)."""
