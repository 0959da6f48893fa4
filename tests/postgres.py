"""A throwaway PostgreSQL server for the tests marked `postgres`, run from the installed binaries.

The server lives in a temporary folder for one test session (one per pytest-xdist worker, each
with its own folder, port and databases), listens on a free local port and trusts local
connections. PostgreSQL refuses to run as root, so under root (as in CI) it runs as
the `postgres` user that Debian's package creates. Where no binaries (or no driver) exist the
tests skip with one line saying how to install them; under CI=true that skip fails the run.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

INSTALL_HINT = (
    "PostgreSQL tests need the server binaries and the driver: `apt-get install postgresql` "
    "(Debian) and `pip install -e '.[postgres]'`"
)


def missing(reason: str) -> None:
    """Skip the test saying why and how to install what is missing; fail it under CI=true,
    where the PostgreSQL tests must run."""
    message = f"{reason}; {INSTALL_HINT}."
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def server_binaries() -> Path | None:
    """The folder holding `initdb`, `pg_ctl` and `postgres`, or None when none is installed."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb", path=str(Path(found).resolve().parent)):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    return Path(versions[0]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running throwaway server: `url(database)` names one of its databases."""

    folder: Path
    bin: Path
    port: int
    as_postgres: bool

    def command(self, *args: str) -> list[str]:
        """A command line run as the server's owner."""
        if self.as_postgres:
            return ["runuser", "-u", "postgres", "--", *args]
        return list(args)

    def run(self, *args: str) -> None:
        """Run one of the server's programs as its owner; a failure says what it printed."""
        result = subprocess.run(self.command(*args), capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed: {result.stderr or result.stdout}")

    def url(self, database: str = "postgres", user: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` on this server, connecting as `user`."""
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server at once and delete its files."""
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop"
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> Server:
    """Create a cluster in a new temporary folder and start it on a free port."""
    binaries = server_binaries()
    if binaries is None:
        missing("no PostgreSQL server binaries (initdb, pg_ctl) found")
    assert binaries is not None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        missing("the PostgreSQL driver psycopg is not installed")
    as_postgres = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="estate-pg-"))
    if as_postgres:
        if shutil.which("runuser") is None:
            missing("running as root needs `runuser` to start PostgreSQL as the postgres user")
        shutil.chown(folder, "postgres", "postgres")
    server = Server(folder, binaries, _free_port(), as_postgres)
    data = folder / "data"
    server.run(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--locale=C",
        "--no-sync",
    )
    # Under pytest-xdist each worker starts its own server: a port found free here may be
    # taken by another worker's server before this one binds it, so a refused start tries
    # another port.
    for attempt in range(PORT_ATTEMPTS):
        try:
            _start(server, data)
            break
        except RuntimeError:
            if attempt == PORT_ATTEMPTS - 1:
                raise
            server.port = _free_port()
    return server


PORT_ATTEMPTS = 5


def _start(server: Server, data: Path) -> None:
    """Start the cluster in `data` on the server's port, its socket in its own folder."""
    folder = server.folder
    options = (
        f"-p {server.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    )
    server.run(
        str(server.bin / "pg_ctl"),
        "-D",
        str(data),
        "-o",
        options,
        "-l",
        str(folder / "log"),
        "-w",
        "start",
    )


def as_role(url: str, role: str) -> str:
    """The same database's URL, logging in as another role."""
    import sqlalchemy as sa

    return sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)
