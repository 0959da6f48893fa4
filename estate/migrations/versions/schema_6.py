"""Schema 6: a system's lifecycle status may be Cancelled; a dependency's depending end kept
as written until a return supplies it."""

from estate.migrations import run_step

revision = "6"
down_revision = "5"


def upgrade() -> None:
    """Version 5 to 6."""
    run_step(5)
