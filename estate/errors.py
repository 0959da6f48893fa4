"""The domain's exceptions. Each carries a message a person can act on; the CLI and the TUI turn
them into an exit code or a dialog, never a traceback."""

from __future__ import annotations


class EstateError(Exception):
    """Base of every error the user can do something about."""

    title = "Error"


class DatabaseError(EstateError):
    """The database cannot be opened or used as an estate database."""

    title = "Database problem"


class DatabaseMissing(DatabaseError):
    """No database exists where one was expected."""


class NotAnEstateDatabase(DatabaseError):
    """The file is not an SQLite database, or is one that estate did not make."""


class SchemaTooNew(DatabaseError):
    """The database was made by a newer version of estate than this one."""


class SchemaTooOld(DatabaseError):
    """The database needs an explicit `estate upgrade` before this version can use it."""


class NotFound(EstateError):
    """A named organisation or system does not exist."""

    title = "Not found"


class InputError(EstateError):
    """Input the user supplied cannot be used (a bad file, value or option)."""

    title = "Bad input"


class OutputError(EstateError):
    """An output file cannot be written where the user asked (a device, a folder, a read-only
    file, a full disk)."""

    title = "Cannot write"
