"""Schema migrations with Alembic: every schema estate has shipped upgrades in place, on SQLite
(from each release's own DDL, in tests/schemas/) and on PostgreSQL, to exactly the schema a new
database gets; a failed upgrade changes nothing."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from estate import db, migrations, models
from estate.enums import LifecycleStatus
from estate.errors import SchemaTooOld
from importers.layout import SYSTEMS
from tests.conftest import LATEST_SAMPLES, Run
from tests.returns import small_return, system

SCHEMAS = Path(__file__).parent / "schemas"
SHIPPED = sorted(int(p.stem.split("_")[1]) for p in SCHEMAS.glob("schema_*.sql"))


def _shape(engine: sa.Engine) -> dict[str, Any]:
    """What a schema is made of: each table's columns (name, nullability), indexes and unique
    keys, leaving out the version record."""
    with engine.connect() as connection:
        inspector = sa.inspect(connection)
        return {
            table: (
                sorted((c["name"], c["nullable"]) for c in inspector.get_columns(table)),
                sorted(str(i["name"]) for i in inspector.get_indexes(table)),
                sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
            )
            for table in sorted(inspector.get_table_names())
            if table != migrations.VERSION_TABLE
        }


def _new_shape(url: str) -> dict[str, Any]:
    engine = db.open_engine(url, create=True)
    try:
        return _shape(engine)
    finally:
        engine.dispose()


def _old_sqlite(path: Path, version: int) -> None:
    """An estate database as release `version` created it, holding one department's system."""
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.executescript((SCHEMAS / f"schema_{version}.sql").read_text())
        raw.execute(
            "INSERT INTO organisation (id, code, name, kind) VALUES (1, 'HMT', 'Treasury', "
            "'Department')"
        )
        raw.execute(
            "INSERT INTO system (organisation_id, reference, name, missing_from_latest_return) "
            "VALUES (1, 'PAY-1', 'Payroll', 0)"
        )


def test_the_revisions_are_the_upgrade_steps_and_end_at_this_schema_version() -> None:
    revisions = {s.revision: s.down_revision for s in migrations.scripts().walk_revisions()}
    versions = range(1, db.SCHEMA_VERSION + 1)
    assert revisions == {str(n): (str(n - 1) if n > 1 else None) for n in versions}
    assert migrations.head() == str(db.SCHEMA_VERSION)
    assert set(db.MIGRATIONS) == set(range(1, db.SCHEMA_VERSION))
    earlier = set(range(1, db.SCHEMA_VERSION))
    assert earlier <= set(SHIPPED), "each earlier schema's DDL is kept in tests/schemas/"


@pytest.mark.parametrize("version", SHIPPED)
def test_every_shipped_sqlite_schema_upgrades_in_place_to_a_new_estates_schema(
    version: int, tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "old.db"
    _old_sqlite(path, version)
    result = run("--db", path, "upgrade")
    assert result.exit_code == 0, result.output
    if version < db.SCHEMA_VERSION:
        said = " ".join(result.stderr.split())
        assert f"from schema version {version} to {db.SCHEMA_VERSION}" in said
    engine = db.open_engine(path)
    try:
        assert _shape(engine) == _new_shape(str(tmp_path / "new.db"))
        with engine.connect() as connection:
            assert db.read_schema_version(connection) == db.SCHEMA_VERSION
            assert not sa.inspect(connection).has_table(migrations.LEGACY_VERSION_TABLE)
            assert connection.exec_driver_sql("SELECT name FROM system").scalars().all() == [
                "Payroll"
            ]
    finally:
        engine.dispose()
    again = run("--db", path, "upgrade")
    assert f"already at schema version {db.SCHEMA_VERSION}" in " ".join(again.stderr.split())


def test_an_older_estate_is_refused_until_upgraded_and_then_imports(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "old.db"
    _old_sqlite(path, 2)
    refused = run("--db", path, "stats")
    assert refused.exit_code == 1 and "run `estate upgrade`" in " ".join(refused.stderr.split())
    assert run("--db", path, "upgrade").exit_code == 0
    imported = run(
        "--db", path, "import", "--skip-invalid", LATEST_SAMPLES / "dbp-2026-Q3-return.xlsx"
    )
    assert imported.exit_code == 0, imported.output
    assert run("--db", path, "rank", "--json").exit_code == 0


def _as_schema_2_kept_it(path: Path, current: Path, imported_at: str) -> None:
    """An estate as schema 2 kept it, holding what the estate at `current` holds now: the
    rows of every table schema 2 had, in that release's own DDL, each import made at
    `imported_at`. Schema 2 kept no periods and no history."""
    with closing(sqlite3.connect(path)) as raw:
        raw.executescript((SCHEMAS / "schema_2.sql").read_text())
        raw.execute("ATTACH DATABASE ? AS current", (str(current),))
        tables = raw.execute(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name != 'estate_schema'"
        ).fetchall()
        with raw:
            for (table,) in tables:
                names = ", ".join(f'"{r[1]}"' for r in raw.execute(f"PRAGMA table_info({table})"))
                raw.execute(
                    f"INSERT INTO main.{table} ({names}) SELECT {names} FROM current.{table}"
                )
            raw.execute("UPDATE main.import_batch SET imported_at = ?", (imported_at,))
        raw.execute("DETACH DATABASE current")


def _rank(run: Run, path: Path, *args: str) -> dict[str, dict[str, str]]:
    result = run("--db", path, "rank", "--csv", *args)
    assert result.exit_code == 0, result.output
    return {row["key"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


def _json(run: Run, *args: str | Path) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_schema_2_estate_upgrades_with_its_history_starting_at_its_current_state(
    demo_db: Path, tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "old.db"
    _as_schema_2_kept_it(path, demo_db, "2026-05-10 09:30:00")
    before = _rank(run, demo_db, "--as-of", "2026-06-30")
    result = run("--db", path, "upgrade")
    assert result.exit_code == 0, result.output
    assert "from schema version 2 to" in " ".join(result.stderr.split())

    # Every import belongs to the quarter of the latest, and the estate then is the estate now.
    with closing(sqlite3.connect(path)) as connection:
        periods = connection.execute("SELECT DISTINCT period FROM import_batch").fetchall()
    assert periods == [("2026-Q2",)]
    now = _rank(run, path, "--as-of", "2026-06-30")  # a past period is scored at its end
    assert _rank(run, path, "--period", "2026-Q2") == now
    assert now == before
    refused = run("--db", path, "rank", "--period", "2026-Q1")
    assert refused.exit_code == 1 and "before the estate's first return (2026-Q2)" in (
        refused.stderr
    )
    trend = _json(run, "--db", path, "trend", "--json")
    assert [(p["period"], p["systems"]) for p in trend["periods"]] == [("2026-Q2", len(now))]

    # The next quarter's return builds on it, and what it replaced is kept from 2026-Q2.
    workbook = load_workbook(LATEST_SAMPLES / "dbp-2026-Q3-return.xlsx")
    sheet = workbook[SYSTEMS.title]
    headers = [cell.value for cell in sheet[1]]
    cost = headers.index(SYSTEMS.column("annual_run_cost").header)
    first, dropped = sheet[2][1].value, sheet[3][1].value
    sheet[2][cost].value = 123_456
    sheet.delete_rows(3)
    workbook.save(tmp_path / "dbp-next.xlsx")
    imported = run(
        "--db", path, "import", "--skip-invalid", "--replace", "--period", "2026-Q3",
        tmp_path / "dbp-next.xlsx",
    )  # fmt: skip
    assert imported.exit_code == 0, imported.output
    then, later = _rank(run, path, "--period", "2026-Q2"), _rank(run, path, "--period", "2026-Q3")
    assert then == now
    assert f"DBP/{dropped}" in then and f"DBP/{dropped}" not in later
    assert later[f"DBP/{first}"]["annual_run_cost"] == "123456"
    history = _json(run, "--db", path, "history", f"DBP/{first}", "--json")
    assert [(p["period"], p["status"]) for p in history["periods"]] == [
        ("2026-Q2", "new"),
        ("2026-Q3", "changed"),
    ]
    changed = next(c for c in history["periods"][1]["changes"] if c["field"] == "annual_run_cost")
    assert changed["new"] == 123_456 and changed["old"] == float(
        then[f"DBP/{first}"]["annual_run_cost"]
    )
    found = _json(run, "--db", path, "changes", "--since", "2026-Q2", "--json")
    assert ("removed system", f"DBP/{dropped}") in {
        (c["change"], c["key"]) for c in found["changes"]
    }
    trend = _json(run, "--db", path, "trend", "--json")
    assert [p["period"] for p in trend["periods"]] == ["2026-Q2", "2026-Q3"]


def test_a_failed_upgrade_step_leaves_the_old_estate_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    _old_sqlite(path, 1)
    before = path.read_bytes()

    def broken(connection: sa.Connection) -> None:
        connection.exec_driver_sql("CREATE TABLE half_done (x INTEGER)")
        raise sa.exc.OperationalError("ALTER TABLE", {}, Exception("disk I/O error"))

    monkeypatch.setitem(db.MIGRATIONS, 2, broken)
    with pytest.raises(Exception, match="disk I/O error"):
        db.upgrade(path)
    assert path.read_bytes() == before
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("SELECT version FROM estate_schema").fetchone() == (1,)


def test_a_schema_without_an_upgrade_path_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _old_sqlite(path, 1)
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("UPDATE estate_schema SET version = 0")
    with pytest.raises(SchemaTooOld, match="no upgrade from version 0"):
        db.upgrade(path)


def _rewind(url: str, version: int, *, legacy: bool) -> None:
    """Turn a new estate into one at an earlier schema `version`, as that release left it:
    without the tables and columns later versions added, and with its redundant indexes;
    its version kept in the old table (`legacy`) or in Alembic's."""
    engine = db.open_engine(url, create=True)
    snapshot = models.table_of(models.RankingSnapshotRow)
    with engine.begin() as connection:
        if version == 1:
            connection.execute(sa.schema.DropTable(snapshot))
            connection.execute(sa.schema.DropTable(models.table_of(models.RankingSnapshot)))
            owners = {"system": "organisation_id", "component": "system_id"}
            owners |= {"dependency": "from_system_id", "security_assessment": "system_id"}
            for table, column in owners.items():
                connection.exec_driver_sql(
                    f"CREATE INDEX ix_{table}_{column} ON {table} ({column})"
                )
        elif version == 2:
            for name in models.SNAPSHOT_ROW_COLUMNS_IN_VERSION_3:
                if name in snapshot.c:  # version 7 keeps the others in the compressed texts
                    connection.exec_driver_sql(f"ALTER TABLE {snapshot.name} DROP COLUMN {name}")
        if version < 9:  # a batch recorded the systems it wrote from schema 9
            connection.exec_driver_sql("ALTER TABLE import_batch DROP COLUMN systems_written")
        if version < 6:  # a system could not be Cancelled before schema 6
            connection.exec_driver_sql("ALTER TABLE system DROP CONSTRAINT ck_lifecycle_status")
            connection.exec_driver_sql(
                "ALTER TABLE system ADD CONSTRAINT ck_lifecycle_status CHECK (lifecycle_status "
                "IN ('Planned', 'In development', 'Live', 'Being decommissioned', 'Retired'))"
            )
        connection.exec_driver_sql(f"DROP TABLE {migrations.VERSION_TABLE}")
        if legacy:
            connection.exec_driver_sql(
                "CREATE TABLE estate_schema (id INTEGER PRIMARY KEY, application VARCHAR NOT "
                "NULL, version INTEGER NOT NULL, upgraded_at TIMESTAMP NOT NULL)"
            )
            connection.exec_driver_sql(
                f"INSERT INTO estate_schema VALUES (1, 'estate', {version}, '2026-01-01')"
            )
        else:
            migrations.stamp(connection, str(version))
    engine.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("version", "legacy"), [(1, True), (2, True), (2, False), (3, True), (4, False), (5, False)]
)
def test_every_earlier_schema_upgrades_in_place_on_postgresql(
    pg_url: str, pg_database: Callable[[], str], run: Run, version: int, legacy: bool
) -> None:
    _rewind(pg_url, version, legacy=legacy)
    _cancelled_is_refused_until_upgraded(pg_url)
    if version < db.SCHEMA_VERSION:
        assert "estate upgrade" in " ".join(run("--db", pg_url, "stats").stderr.split())
    result = run("--db", pg_url, "upgrade")
    assert result.exit_code == 0, result.output
    engine = db.open_engine(pg_url)
    try:
        upgraded = _shape(engine)
        with engine.connect() as connection:
            assert db.read_schema_version(connection) == db.SCHEMA_VERSION
    finally:
        engine.dispose()
    assert upgraded == _new_shape(pg_database())
    _cancelled_is_stored(pg_url)


_CANCEL = "UPDATE system SET lifecycle_status = 'Cancelled'"


def _cancelled_is_refused_until_upgraded(url: str) -> None:
    engine = sa.create_engine(db.database_url(url))
    try:
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO organisation (code, name, kind) VALUES ('HMT', 'T', 'Department')"
            )
            connection.exec_driver_sql(
                "INSERT INTO system (organisation_id, reference, name, lifecycle_status, "
                "missing_from_latest_return) SELECT id, 'PAY-1', 'Payroll', 'Cancelled', "
                "false FROM organisation"
            )
    finally:
        engine.dispose()


def _cancelled_is_stored(url: str) -> None:
    """After the upgrade a system may be Cancelled, and its components are all still there
    (widening the check touched nothing stored)."""
    engine = db.open_engine(url)
    try:
        with engine.begin() as connection:
            before = connection.exec_driver_sql("SELECT count(*) FROM component").scalar_one()
            connection.exec_driver_sql(_CANCEL)
            after = connection.exec_driver_sql("SELECT count(*) FROM component").scalar_one()
            assert before == after
            assert (
                connection.exec_driver_sql(
                    "SELECT count(*) FROM system WHERE lifecycle_status = 'Cancelled'"
                ).scalar_one()
                == connection.exec_driver_sql("SELECT count(*) FROM system").scalar_one()
            )
    finally:
        engine.dispose()


def test_a_schema_5_estate_upgrades_to_allow_a_cancelled_system(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "old.db"
    _old_sqlite(path, 5)
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("PRAGMA foreign_keys = ON")
        raw.execute(
            "INSERT INTO component (system_id, kind, product, version) SELECT id, "
            "'Operating system', 'Windows Server', '2012 R2' FROM system"
        )
        with pytest.raises(sqlite3.IntegrityError):
            raw.execute(_CANCEL)
    result = run("--db", path, "upgrade")
    assert result.exit_code == 0, result.output + result.stderr
    _cancelled_is_stored(str(path))


def test_opening_an_estate_does_not_load_alembic(demo_db: Path) -> None:
    """Every command opens the estate; Alembic is loaded only to create or upgrade one, so it
    adds nothing to a command's start-up."""
    code = (
        "import sys; from estate import db; "
        f"db.open_engine({str(demo_db)!r}).dispose(); print('alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_schema_5_estate_upgraded_takes_a_cancelled_system(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "old.db"
    _old_sqlite(path, 5)
    assert run("--db", path, "upgrade").exit_code == 0
    rows = [system("DBP-1"), system("DBP-2", lifecycle_status=LifecycleStatus.CANCELLED)]
    imported = run("--db", path, "import", small_return(tmp_path / "r.xlsx", rows))
    assert imported.exit_code == 0, imported.output
    with closing(sqlite3.connect(path)) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = raw.execute(
            "SELECT reference, lifecycle_status FROM system WHERE reference LIKE 'DBP-%' ORDER BY 1"
        ).fetchall()
    assert stored == [("DBP-1", None), ("DBP-2", "Cancelled")]
