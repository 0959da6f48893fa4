"""Schema 2: the tables that keep the last ranking for a quick reopen; no redundant indexes."""

from estate.migrations import run_step

revision = "2"
down_revision = "1"


def upgrade() -> None:
    """Version 1 to 2."""
    run_step(1)
