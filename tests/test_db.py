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
