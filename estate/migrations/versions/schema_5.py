"""Schema 5: the kept ranking's `rank --csv` lines, and its explanations laid out as printed."""

from estate.migrations import run_step

revision = "5"
down_revision = "4"


def upgrade() -> None:
    """Version 4 to 5."""
    run_step(4)
