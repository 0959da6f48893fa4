"""Schema 8: the kept ranking kept compactly (shared fragments of explanations kept once, each
system's facts compressed with its texts, digests and dates as integers)."""

from estate.migrations import run_step

revision = "8"
down_revision = "7"


def upgrade() -> None:
    """Version 7 to 8."""
    run_step(7)
