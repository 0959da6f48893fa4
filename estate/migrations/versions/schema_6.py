"""Schema 6: each system's business capability and named SaaS alternative, its running facts
for its energy and carbon estimates, the lifecycle status Cancelled, dependencies whose
depending end is kept as written until a return supplies it, and the kept ranking's record of
what each system's scores were worked out from."""

from estate.migrations import run_step

revision = "6"
down_revision = "5"


def upgrade() -> None:
    """Version 5 to 6."""
    run_step(5)
