"""Schema 9: each import batch records the systems it changed."""

from estate.migrations import run_step

revision = "9"
down_revision = "8"


def upgrade() -> None:
    """Version 8 to 9."""
    run_step(8)
