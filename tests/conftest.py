"""Shared fixtures: throwaway databases in tmp_path, built from the checked-in sample returns."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from rich.console import Console
from sqlalchemy.engine import Engine

from estate import db
from estate.cli import cli
from estate.cli import scored as cli_scored
from estate.demo import build_demo
from estate.scoring import EstateScores, score_estate
from estate.scoring.policy import load_policy
from tests.postgres import Server, as_role, start_server

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT / "sample_data"
LATEST_SAMPLES = SAMPLE_DIR / "2026-Q3"
IN_SERVICE = "(s.lifecycle_status IS NULL OR s.lifecycle_status NOT IN ('Retired', 'Cancelled'))"
"""SQL keeping the stored systems `s` still counted: retired and cancelled ones have left."""
"""The sample returns of the latest quarter: what the demo estate holds now."""
SHARED_REFERENCE = ROOT.parent / "shared" / "reference"
DEEP = os.environ.get("ESTATE_DEEP_TESTS") == "1"
"""`ESTATE_DEEP_TESTS=1` runs the tests that take a size or a number of examples at their
deeper setting (the printed board of a 10,000-system estate rather than a 2,500-system one,
eight times the hypothesis examples): what each checks is the same, at a scale that costs more
than every run should pay."""


def scored_estate(path: Path, as_of: dt.date) -> EstateScores:
    """The estate at `path` scored afresh as at `as_of` under the default policy."""
    engine = db.open_engine(path)
    try:
        with engine.connect() as connection:
            return score_estate(connection, load_policy(as_of=as_of))
    finally:
        engine.dispose()


def examples(count: int) -> int:
    """A hypothesis test's examples: `count` in every run, eight times as many in a deep one."""
    return count * 8 if DEEP else count


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample estate imported once per test session; tests copy it before changing it."""
    path = tmp_path_factory.mktemp("demo") / "estate.db"
    engine = db.open_engine(path, create=True)
    build_demo(engine, SAMPLE_DIR)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def demo_db(demo_db_master: Path, tmp_path: Path) -> Path:
    """A private copy of the sample estate."""
    target = tmp_path / "estate.db"
    shutil.copy(demo_db_master, target)
    return target


@pytest.fixture
def empty_engine(tmp_path: Path) -> Iterator[Engine]:
    """A new, empty estate database."""
    engine = db.open_engine(tmp_path / "empty.db", create=True)
    yield engine
    engine.dispose()


Run = Callable[..., Result]


@pytest.fixture
def run() -> Run:
    """Invoke the `estate` command group as the console script does, with separate stderr."""

    def invoke(*args: str | Path, input: str | None = None) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, [str(a) for a in args], input=input, prog_name="estate")

    return invoke


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """Command output as a terminal shows it (no colours); yields what was printed there."""
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, color_system=None, width=200)
    monkeypatch.setattr("estate.cli.console.out", console)
    yield screen


@pytest.fixture
def forbid_scoring(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Call it to make the command line's scoring of the whole estate fail the test from then
    on: what the commands print must come from the kept ranking. `monkeypatch.undo()` lifts it."""

    def no_scoring(*args: object, **kwargs: object) -> None:
        raise AssertionError("scored the whole estate again although nothing had changed")

    def forbid() -> None:
        monkeypatch.setattr(cli_scored, "score_estate", no_scoring)

    return forbid


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """A throwaway PostgreSQL server for the session (skips, or fails under CI=true, where
    PostgreSQL is not installed)."""
    server = start_server()
    yield server
    server.stop()


_databases = itertools.count(1)


@pytest.fixture
def pg_database(pg_server: Server) -> Iterator[Callable[[], str]]:
    """Call it for the URL of a new, empty PostgreSQL database; all are dropped after the test."""
    admin = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    made: list[str] = []

    def create() -> str:
        name = f"estate_test_{next(_databases)}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
        made.append(name)
        return pg_server.url(name)

    yield create
    with admin.connect() as connection:
        for name in made:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


@pytest.fixture
def pg_url(pg_database: Callable[[], str]) -> str:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    return pg_database()


_central_roles = itertools.count(1)


def central_role(pg_server: Server, url: str) -> str:
    """The URL of the database at `url`, logging in as a new central role that owns it and may
    create the departments' roles but is not a superuser (as the README sets one up)."""
    role = f"central_{next(_central_roles)}"
    admin = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN CREATEROLE")
        database = sa.engine.make_url(url).database
        connection.exec_driver_sql(f"ALTER DATABASE {database} OWNER TO {role}")
    admin.dispose()
    return as_role(url, role)


@pytest.fixture
def central(pg_url: str, pg_server: Server, run: Run, demo_db_master: Path) -> Iterator[str]:
    """The sample estate on PostgreSQL, owned and built by a central role that is not a
    superuser (`central_role`), copied there with `estate copy` as the README allows: every row
    as `estate demo` leaves it (`tests/test_central_role.py`), in a fraction of the time;
    yields its URL."""
    url = central_role(pg_server, pg_url)
    built = run("copy", demo_db_master, url)
    assert built.exit_code == 0, built.output
    yield url
