"""Schema 4: the kept ranking's explanations, and reporting periods with their history."""

from estate.migrations import run_step

revision = "4"
down_revision = "3"


def upgrade() -> None:
    """Version 3 to 4."""
    run_step(3)
