"""Schema 6: the kept ranking carries what each system's scores were worked out from."""

from estate.migrations import run_step

revision = "6"
down_revision = "5"


def upgrade() -> None:
    """Version 5 to 6."""
    run_step(5)
