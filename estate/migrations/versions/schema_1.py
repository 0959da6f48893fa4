"""Schema 1: the first estate schema, the base every later revision builds on.

Nothing runs here: a database is never migrated to version 1, since every estate release makes
a new database whole at its own version."""

revision = "1"
down_revision = None


def upgrade() -> None:
    """Nothing to do: a version 1 database was created with these tables."""
