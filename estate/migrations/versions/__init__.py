"""One Alembic revision per estate schema version (see `estate.migrations`)."""
