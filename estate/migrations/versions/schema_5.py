"""Schema 5: the kept ranking's explanations laid out as `rank --json` prints them."""

from estate.migrations import run_step

revision = "5"
down_revision = "4"


def upgrade() -> None:
    """Version 4 to 5."""
    run_step(4)
