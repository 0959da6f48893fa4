"""Opening databases: schema versions, explicit upgrades, and files that are not estates."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa

from estate import db
from estate.errors import DatabaseMissing, NotAnEstateDatabase, SchemaTooNew, SchemaTooOld


def _set_version(path: Path, version: int) -> None:
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE estate_version SET version_num = ?", (str(version),))


def test_new_database_records_its_schema_version_and_uses_wal(tmp_path: Path) -> None:
    engine = db.open_engine(tmp_path / "e.db", create=True)
    with engine.connect() as connection:
        assert db.read_schema_version(connection) == db.SCHEMA_VERSION
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.BUSY_TIMEOUT_MS
    engine.dispose()


def test_missing_database_is_not_created_unless_asked(tmp_path: Path) -> None:
    with pytest.raises(DatabaseMissing, match="estate init"):
        db.open_engine(tmp_path / "nope.db")
    assert not (tmp_path / "nope.db").exists()


def test_newer_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    db.open_engine(path, create=True).dispose()
    _set_version(path, db.SCHEMA_VERSION + 1)
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="newer estate"):
        db.open_engine(path)
    assert path.read_bytes() == before


def test_older_schema_asks_for_an_explicit_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    db.open_engine(path, create=True).dispose()
    _set_version(path, db.SCHEMA_VERSION - 1)
    with pytest.raises(SchemaTooOld, match="estate upgrade"):
        db.open_engine(path)


def test_upgrade_runs_each_step_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "e.db"
    db.open_engine(path, create=True).dispose()
    _set_version(path, db.SCHEMA_VERSION - 1)
    ran: list[int] = []

    def step(connection: sa.Connection) -> None:
        connection.exec_driver_sql("CREATE TABLE upgraded_marker (x INTEGER)")
        ran.append(db.SCHEMA_VERSION - 1)

    monkeypatch.setitem(db.MIGRATIONS, db.SCHEMA_VERSION - 1, step)
    assert db.upgrade(path) == (db.SCHEMA_VERSION - 1, db.SCHEMA_VERSION)
    assert ran == [db.SCHEMA_VERSION - 1]
    engine = db.open_engine(path)
    with engine.connect() as connection:
        assert sa.inspect(connection).has_table("upgraded_marker")
    engine.dispose()


def test_upgrade_without_a_path_fails_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    db.open_engine(path, create=True).dispose()
    _set_version(path, 0)
    with pytest.raises(SchemaTooOld, match="no upgrade from version 0"):
        db.upgrade(path)
    with closing(sqlite3.connect(path)) as connection:
        assert connection.execute("SELECT version_num FROM estate_version").fetchone() == ("0",)


def test_foreign_sqlite_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("CREATE TABLE customers (id INTEGER)")
    with pytest.raises(NotAnEstateDatabase, match="not one made by estate"):
        db.open_engine(path, create=True)


@pytest.mark.parametrize(
    "content",
    [b"this is a text file, not a database\n", b"SQLite format 3\x00" + b"\xff" * 200],
)
def test_damaged_or_foreign_file_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    with pytest.raises(NotAnEstateDatabase):
        db.open_engine(path)
    assert path.read_bytes() == content


@pytest.mark.parametrize("sqlite_version", [sqlite3.sqlite_version_info, (3, 32, 0)])
def test_moving_the_kept_rankings_places_moves_each_row_once_by_its_runs_old_place(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, sqlite_version: tuple[int, ...]
) -> None:
    """Runs of places moved together (in one statement, or on an SQLite without `UPDATE ...
    FROM` in two) land where each run's own `by` takes them from where they stood before any
    move, whether a run moves onto places another run leaves or another run has yet to leave."""
    from estate.ranking.snapshot import (
        SNAPSHOT_ROWS,
        current_basis,
        keep_snapshot,
        take_snapshot,
    )
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy

    monkeypatch.setattr(sqlite3, "sqlite_version_info", sqlite_version)
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy()
        with engine.connect() as connection:
            basis = current_basis(connection, policy)
            scores = score_estate(connection, policy)
        assert keep_snapshot(engine, take_snapshot(scores, basis), None)
        rank = SNAPSHOT_ROWS.c.rank
        placed = sa.select(SNAPSHOT_ROWS.c.key, rank)
        with engine.connect() as connection:
            before = dict(connection.execute(placed).all())
        places, last = dict(before), max(before.values())
        assert last > 100
        for shifts in (
            [{"low": 2, "high": last, "by": 3}],
            [{"low": 5, "high": last + 3, "by": -2}, {"low": 1, "high": 1, "by": 1}],
            [{"low": 1, "high": 10, "by": 5}, {"low": 11, "high": 15, "by": -10}],
            [{"low": 1, "high": 5, "by": 10}, {"low": 6, "high": 15, "by": -5}],
            [{"low": 2, "high": 2, "by": -1}, {"low": 3, "high": last + 1, "by": -1}],
        ):
            with engine.begin() as connection:
                db.move_places(connection, rank, shifts)
            for key, place in places.items():
                for run in shifts:
                    if run["low"] <= place <= run["high"]:
                        places[key] = place + run["by"]
            with engine.connect() as connection:
                assert dict(connection.execute(placed).all()) == places
        assert places == before
    finally:
        engine.dispose()


LOADING_THE_DRIVER = """
import gc, sys
import estate.cli.scored, estate.cli.scoring_commands  # what a command has loaded by then
from estate import db
full = []
gc.callbacks.append(lambda phase, info: full.append(phase) if info["generation"] == 2 else None)
frozen = gc.get_freeze_count()
db.make_engine("postgresql://estate@127.0.0.1:1/estate").dispose()  # makes no connection
print(len(full), gc.get_freeze_count() - frozen, "psycopg" in sys.modules)
"""


def test_the_postgresql_driver_is_loaded_out_of_the_collectors_sight() -> None:
    """psycopg and its SQLAlchemy dialect (some 17,000 objects that live as long as the
    process) are loaded with the cyclic collector paused and then frozen: loaded on top of a
    command's own modules, they set off a full collection of everything, and every later one
    walked them again."""
    import subprocess
    import sys

    pytest.importorskip("psycopg")
    found = subprocess.run(
        [sys.executable, "-c", LOADING_THE_DRIVER], capture_output=True, text=True, check=True
    )
    collections, frozen, loaded = found.stdout.split()
    assert loaded == "True"
    assert collections == "0"
    assert int(frozen) > 10_000
