"""Schema 3: the kept ranking's rows carry what a board's outputs need."""

from estate.migrations import run_step

revision = "3"
down_revision = "2"


def upgrade() -> None:
    """Version 2 to 3."""
    run_step(2)
