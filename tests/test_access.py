"""The department boundary enforced by PostgreSQL itself: a department's role changes only its
own organisation's rows, whether through estate or with its own SQL; the central role, which
owns the estate, administers everything."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.conftest import LATEST_SAMPLES, SAMPLE_DIR, Run
from tests.postgres import as_role

pytestmark = pytest.mark.postgres

_roles = itertools.count(1)


def _department_role(run: Run, central: str, department: str, *options: str) -> str:
    role = f"{department.lower()}_analyst_{next(_roles)}"
    granted = run("--db", central, "access", "grant", department, "--role", role, *options)
    assert granted.exit_code == 0, granted.output
    assert f"may now change {department}'s data only" in " ".join(granted.stderr.split())
    return as_role(central, role)


def _systems(run: Run, url: str, department: str | None = None) -> list[dict[str, object]]:
    args = ["--department", department] if department else []
    result = run("--db", url, "systems", "--json", *args)
    assert result.exit_code == 0, result.output
    listed: list[dict[str, object]] = json.loads(result.stdout)
    return listed


def test_a_department_role_imports_its_own_return_and_cannot_store_another_departments(
    run: Run, central: str
) -> None:
    moj = _department_role(run, central, "MOJ")
    own = run("--db", moj, "import", "--skip-invalid", LATEST_SAMPLES / "moj-2026-Q3-return.xlsx")
    assert own.exit_code == 0, own.output
    rca_before = _systems(run, central, "RCA")
    batches = json.loads(run("--db", central, "stats", "--json").stdout)["import_batches"]

    other = run("--db", moj, "import", "--skip-invalid", LATEST_SAMPLES / "rca-2026-Q3-return.xlsx")
    assert other.exit_code == 1
    lines = other.stderr.strip().splitlines()
    assert len(lines) == 1, other.stderr
    assert "row-level security" in lines[0] and "nothing was stored" in lines[0]
    assert _systems(run, central, "RCA") == rca_before
    after = json.loads(run("--db", central, "stats", "--json").stdout)["import_batches"]
    assert after == batches
    assert len(_systems(run, moj)) == len(_systems(run, central)), "it reads the whole estate"


def test_the_database_refuses_a_department_roles_own_sql_on_another_departments_rows(
    run: Run, central: str
) -> None:
    moj = sa.create_engine(_department_role(run, central, "MOJ"))
    rca_before = _systems(run, central, "RCA")
    try:
        with moj.begin() as connection:
            rca = connection.exec_driver_sql(
                "SELECT id FROM organisation WHERE code = 'RCA'"
            ).scalar_one()
            changed = connection.exec_driver_sql(
                f"UPDATE system SET name = 'Taken over' WHERE organisation_id = {rca}"
            )
            deleted = connection.exec_driver_sql(
                f"DELETE FROM component WHERE system_id IN "
                f"(SELECT id FROM system WHERE organisation_id = {rca})"
            )
            assert changed.rowcount == deleted.rowcount == 0
            own = connection.exec_driver_sql(
                "UPDATE system SET name = name WHERE organisation_id = "
                "(SELECT id FROM organisation WHERE code = 'MOJ')"
            )
            assert own.rowcount > 0
        for statement in (
            "INSERT INTO system (organisation_id, reference, name, missing_from_latest_return) "
            f"VALUES ({rca}, 'NEW-1', 'Planted', false)",
            "UPDATE dependency SET criticality = NULL",
            f"DELETE FROM organisation WHERE id = {rca}",
            f"UPDATE organisation SET name = 'Renamed' WHERE id = {rca}",
            "UPDATE organisation SET name = name",  # not even its own
        ):
            refused = pytest.raises(sa.exc.ProgrammingError, match=r"security|permission denied")
            with refused, moj.begin() as connection:
                connection.exec_driver_sql(statement)
    finally:
        moj.dispose()
    assert _systems(run, central, "RCA") == rca_before


def test_a_role_granted_own_only_reads_only_its_department(run: Run, central: str) -> None:
    dle = _department_role(run, central, "DLE", "--own-only")
    seen = _systems(run, dle)
    assert seen and {str(s["key"]).split("/")[0] for s in seen} == {"DLE"}
    ranked = run("--db", dle, "rank", "--json")
    assert ranked.exit_code == 0, ranked.output
    keys = {row["key"].split("/")[0] for row in json.loads(ranked.stdout)["systems"]}
    assert keys == {"DLE"}


def test_an_own_only_roles_pack_says_it_covers_its_department_not_the_estate(
    run: Run, central: str, tmp_path: Path
) -> None:
    dle = _department_role(run, central, "DLE", "--own-only")
    whole = run("--db", dle, "export", tmp_path / "all.json")
    assert whole.exit_code == 0, whole.output
    said = " ".join(whole.stderr.split())
    count = len(_systems(run, dle))
    assert f"covers DLE's own systems, all this role may read: {count} systems" in said
    assert "whole estate" not in said
    scope = json.loads((tmp_path / "all.json").read_text())["scope"]
    assert scope["reads_only"] == "DLE" and scope["estate"]["systems"] == count
    top = run("--db", dle, "export", tmp_path / "top.xlsx", "--top", "2")
    assert top.exit_code == 0, top.output
    said = " ".join(top.stderr.split())
    assert f"2 of DLE's {count} systems (this role may read DLE's systems only)" in said
    summary = load_workbook(tmp_path / "top.xlsx")["Summary"]
    rows = {row[0]: row[1:3] for row in summary.iter_rows(values_only=True) if row[0]}
    assert rows["Systems"] == (2, f"All of DLE (what this role may read): {count}")
    past = run("--db", dle, "export", tmp_path / "past.json", "--period", "2026-Q2")
    assert past.exit_code == 0, past.output
    assert "covers DLE's own systems, all this role may read" in " ".join(past.stderr.split())
    assert json.loads((tmp_path / "past.json").read_text())["scope"]["reads_only"] == "DLE"
    reads_all = _department_role(run, central, "MOJ")
    for url in (central, reads_all):
        estate = run("--db", url, "export", tmp_path / "estate.json")
        assert "covers the whole estate" in " ".join(estate.stderr.split())
        assert json.loads((tmp_path / "estate.json").read_text())["scope"]["reads_only"] is None


def test_a_grant_waits_out_a_lock_the_servers_vacuuming_holds_for_a_moment(
    run: Run, central: str
) -> None:
    """The server's own vacuuming takes a table's SHARE UPDATE EXCLUSIVE lock and gives way
    after a second; a grant, whose policies need each table's strongest lock, waits it out
    rather than failing on the half second estate's readers wait."""
    holder = sa.create_engine(central)
    held = threading.Event()

    def hold() -> None:
        with holder.begin() as connection:
            connection.exec_driver_sql("LOCK TABLE system IN SHARE UPDATE EXCLUSIVE MODE")
            held.set()
            time.sleep(1.5)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        role = f"moj_analyst_{next(_roles)}"
        granted = run("--db", central, "access", "grant", "MOJ", "--role", role)
        assert granted.exit_code == 0, granted.output
    finally:
        thread.join()
        holder.dispose()


def test_access_show_and_revoke(run: Run, central: str) -> None:
    moj = _department_role(run, central, "MOJ")
    role = str(sa.engine.make_url(moj).username)
    shown = json.loads(run("--db", central, "access", "show", "--json").stdout)
    assert shown == [{"role": role, "department": "MOJ", "reads_all": True}]
    revoked = run("--db", central, "access", "revoke", "MOJ", "--role", role)
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(run("--db", central, "access", "show", "--json").stdout) == []
    refused = run("--db", moj, "stats")
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "permission denied" in refused.stderr


@pytest.mark.parametrize("command", [["show"], ["grant", "MOJ", "--role", "moj"]])
def test_on_sqlite_access_control_says_it_needs_postgresql(
    run: Run, demo_db: Path, command: list[str]
) -> None:
    result = run("--db", demo_db, "access", *command)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: Access control needs a PostgreSQL estate: an SQLite file has no roles, and "
        "whoever can open it can change every department's data (see README, Shared "
        "deployment)."
    ]


def test_tables_an_upgrade_adds_get_the_departments_rules(run: Run, pg_url: str) -> None:
    from estate import db, migrations, models

    assert run("--db", pg_url, "init").exit_code == 0
    role = f"moj_analyst_{next(_roles)}"
    assert run("--db", pg_url, "access", "grant", "MOJ", "--role", role).exit_code == 0
    engine = db.open_engine(pg_url)
    with engine.begin() as connection:  # back to schema 1, which had no kept ranking
        connection.execute(sa.schema.DropTable(models.table_of(models.RankingSnapshotRow)))
        connection.execute(sa.schema.DropTable(models.table_of(models.RankingSnapshot)))
        connection.exec_driver_sql(f"DELETE FROM {migrations.VERSION_TABLE}")
        migrations.stamp(connection, "1")
    assert run("--db", pg_url, "upgrade").exit_code == 0
    with engine.connect() as connection:
        readable = connection.exec_driver_sql(
            f"SELECT has_table_privilege('{role}', 'ranking_snapshot_row', 'SELECT'), "
            "relrowsecurity FROM pg_class WHERE relname = 'ranking_snapshot_row'"
        ).one()
    engine.dispose()
    assert tuple(readable) == (True, True)


def _history_rows(central: str) -> dict[str, int]:
    engine = sa.create_engine(central)
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql(
                "SELECT o.code, count(*) FROM system_history h "
                "JOIN organisation o ON o.id = h.organisation_id GROUP BY o.code"
            )
            return {code: count for code, count in rows}
    finally:
        engine.dispose()


def test_a_department_roles_import_keeps_its_own_history_and_no_one_elses(
    run: Run, central: str
) -> None:
    moj = _department_role(run, central, "MOJ")
    before = _history_rows(central)
    earlier = SAMPLE_DIR / "2026-Q2" / "moj-2026-Q2-return.xlsx"  # differs from MOJ's 2026-Q3
    imported = run("--db", moj, "import", "--skip-invalid", "--period", "2026-Q4", earlier)
    assert imported.exit_code == 0, imported.output
    after = _history_rows(central)
    assert after.get("MOJ", 0) > before.get("MOJ", 0), "what the import replaced is kept"
    assert {k: v for k, v in after.items() if k != "MOJ"} == {
        k: v for k, v in before.items() if k != "MOJ"
    }
    engine = sa.create_engine(moj)
    try:
        with engine.begin() as connection:
            rca = connection.exec_driver_sql(
                "SELECT id FROM organisation WHERE code = 'RCA'"
            ).scalar_one()
            erased = connection.exec_driver_sql(
                f"DELETE FROM system_history WHERE organisation_id = {rca}"
            )
            assert erased.rowcount == 0
    finally:
        engine.dispose()
    assert _history_rows(central) == after
    for command in (("trend", "--json"), ("changes", "--since", "2026-Q3", "--json")):
        result = run("--db", moj, *command)  # the trend's kept figures are the central role's
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)
