"""Schema 7: the kept ranking's texts compressed with a dictionary trained on the estate's own
texts."""

from estate.migrations import run_step

revision = "7"
down_revision = "6"


def upgrade() -> None:
    """Version 6 to 7."""
    run_step(6)
