"""The PostgreSQL boundary under pressure, from inside a department and from a careless central
team: every grant means what it says or is refused in one line, a department's role cannot
create organisations nor stall the estate's readers, and every refused operation leaves the
estate byte-for-byte as it was."""

from __future__ import annotations

import contextlib
import itertools
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from estate import access
from tests.conftest import LATEST_SAMPLES, Run
from tests.estate_hashes import row_hashes
from tests.postgres import Server, as_role

pytestmark = pytest.mark.postgres

_roles = itertools.count(1)
ESTATE = Path(sys.executable).parent / "estate"


def _one_line(result: object, *words: str) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 1, (result.exit_code, stderr)  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _department(run: Run, central: str, department: str, *options: str) -> str:
    role = f"{department.lower()}_hostile_{next(_roles)}"
    granted = run("--db", central, "access", "grant", department, "--role", role, *options)
    assert granted.exit_code == 0, granted.output
    return as_role(central, role)


def _unbound_roles(pg_server: Server, central: str) -> list[str]:
    admin = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in (
            "CREATE ROLE hostile_bypass LOGIN BYPASSRLS",
            "CREATE ROLE hostile_creator LOGIN CREATEROLE",
            "CREATE ROLE hostile_reader LOGIN IN ROLE pg_read_all_data",
            f"CREATE ROLE hostile_owner_member LOGIN IN ROLE "
            f"{sa.engine.make_url(central).username}",
        ):
            with contextlib.suppress(sa.exc.ProgrammingError):  # made by an earlier test
                connection.exec_driver_sql(statement)
    admin.dispose()
    return ["hostile_bypass", "hostile_creator", "hostile_reader", "hostile_owner_member"]


def test_grants_that_row_level_security_cannot_keep_are_refused_in_one_line(
    run: Run, central: str, pg_server: Server
) -> None:
    owner = str(sa.engine.make_url(central).username)
    before = row_hashes(central, "estate_access")
    refused = {
        "postgres": "superuser",
        owner: "owns the estate's tables",
        "pg_read_all_data": "predefined",
        "pg_monitor": "predefined",
        access.DEPARTMENTS: "group role",
        "public": "reserved",
        "none": "reserved",
        "current_user": "reserved",
        "session_user": "reserved",
        "a" * 64: "PostgreSQL keeps only the first 63",
        "é" * 32: "64 bytes",
        "moj\nanalyst": "control character",
        "moj\u202eanalyst": "bidirectional",
        'moj"analyst': "quotes",
        "moj\u200banalyst": "invisible",
    }
    for role in _unbound_roles(pg_server, central):
        refused[role] = "row-level security does not bind"
    for role, words in refused.items():
        result = run("--db", central, "access", "grant", "MOJ", "--role", role)
        line = _one_line(result, words)
        assert "\u202e" not in line and "may now change" not in line
    for department, words in {
        "MO'J": "quotes",
        "MOJ\x07": "control character",
        "M" * 40: "at most 32",
        "": "empty",
    }.items():
        result = run("--db", central, "access", "grant", department, "--role", "moj_fine")
        _one_line(result, words)
    revoked = run("--db", central, "access", "revoke", "MOJ", "--role", owner)
    _one_line(revoked, "has no access granted")
    assert row_hashes(central, "estate_access") == before
    shown = run("--db", central, "access", "show", "--json")
    assert json.loads(shown.stdout) == []


def test_access_show_escapes_what_it_prints(run: Run, central: str) -> None:
    engine = sa.create_engine(central)
    with engine.begin() as connection:  # as an older version may have stored it
        access.install(connection)
        connection.exec_driver_sql(
            "INSERT INTO estate_access VALUES ('evil\u202eroot', 'MO\x1bJ', true)"
        )
    engine.dispose()
    shown = run("--db", central, "access", "show")
    assert shown.exit_code == 0, shown.output
    assert "\u202e" not in shown.stdout and "\x1b" not in shown.stdout
    assert "\\u202e" in shown.stdout


def test_a_department_role_cannot_make_a_second_organisation_nor_rename_one(
    run: Run, central: str
) -> None:
    dbp = sa.create_engine(_department(run, central, "DBP"))
    before = row_hashes(central)
    try:
        for statement in (
            "INSERT INTO organisation (code, name, kind) VALUES ('dbp', 'Shadow', 'Department')",
            "UPDATE organisation SET name = 'Renamed'",
            "LOCK TABLE organisation IN ACCESS EXCLUSIVE MODE",
        ):
            refused = pytest.raises(sa.exc.ProgrammingError, match="permission denied")
            with refused, dbp.begin() as connection:
                connection.exec_driver_sql(statement)
    finally:
        dbp.dispose()
    assert row_hashes(central) == before
    own = as_role(central, str(dbp.url.username))
    imported = run(
        "--db", own, "import", "--skip-invalid", LATEST_SAMPLES / "dbp-2026-Q3-return.xlsx"
    )
    assert imported.exit_code == 0, imported.output


def test_the_policies_functions_are_not_callable_by_every_role(
    run: Run, central: str, pg_server: Server
) -> None:
    _department(run, central, "MOJ")
    admin = sa.create_engine(pg_server.url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql("DROP ROLE IF EXISTS hostile_stranger")
        connection.exec_driver_sql("CREATE ROLE hostile_stranger LOGIN")
    admin.dispose()
    stranger = sa.create_engine(as_role(central, "hostile_stranger"))
    try:
        for function in ("estate_department_of", "estate_organisation_of", "estate_reads_all"):
            refused = pytest.raises(sa.exc.ProgrammingError, match="permission denied")
            with refused, stranger.connect() as connection:
                connection.exec_driver_sql(f"SELECT {function}('postgres')")
    finally:
        stranger.dispose()


def test_an_organisation_twice_in_different_case_does_not_break_imports(
    run: Run, central: str
) -> None:
    engine = sa.create_engine(central)
    with engine.begin() as connection:  # as a role could make one before this version
        connection.exec_driver_sql(
            "INSERT INTO organisation (code, name, kind) VALUES ('dbp', 'Shadow', 'Department')"
        )
    engine.dispose()
    department = _department(run, central, "DBP")
    for url in (central, department):
        for args in (["validate"], ["import", "--skip-invalid"]):
            result = run("--db", url, *args, LATEST_SAMPLES / "dbp-2026-Q3-return.xlsx")
            assert result.exit_code == 0, result.output
            assert "MultipleResultsFound" not in result.output


def _hold(url: str, statements: list[str], seconds: float, ready: threading.Event) -> None:
    """Run `statements` in one transaction as a department's own session would, then keep the
    transaction open for `seconds` (or until the server ends it)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            for statement in statements:
                connection.exec_driver_sql(statement)
            ready.set()
            time.sleep(seconds)
    except sa.exc.DBAPIError:
        pass  # the server ended the session
    finally:
        ready.set()
        engine.dispose()


@pytest.mark.parametrize(
    "statements",
    [
        ["LOCK TABLE system IN ACCESS EXCLUSIVE MODE"],
        ["LOCK TABLE import_batch IN ACCESS EXCLUSIVE MODE"],
        ["SELECT pg_advisory_xact_lock(x'657374617465'::bigint)"],
    ],
    ids=["system", "import_batch", "write-lock"],
)
def test_readers_answer_while_a_department_holds_a_lock(
    run: Run, central: str, statements: list[str]
) -> None:
    rank = run("--db", central, "rank", "--json")  # keeps the ranking
    assert rank.exit_code == 0, rank.output
    expected = json.loads(rank.stdout)["systems"]
    department = _department(run, central, "DBP")
    ready = threading.Event()
    csv = run("--db", central, "rank", "--csv").stdout
    holder = threading.Thread(target=_hold, args=(department, statements, 12.0, ready))
    holder.start()
    answers = []
    try:
        assert ready.wait(30)
        for args in (["--json"], ["--csv"], ["--top", "5"]):
            started = time.monotonic()
            answers.append((run("--db", central, "rank", *args), time.monotonic() - started))
    finally:
        holder.join()
    for done, took in answers:
        assert done.exit_code == 0, done.stderr
        assert took < 2.0, took
    assert json.loads(answers[0][0].stdout)["systems"] == expected
    assert answers[1][0].stdout == csv


@pytest.mark.parametrize("level", ["xact", "session"])
def test_a_department_session_idle_with_the_write_lock_is_ended(
    run: Run, central: str, monkeypatch: pytest.MonkeyPatch, level: str
) -> None:
    monkeypatch.setitem(access.ROLE_SETTINGS, "idle_in_transaction_session_timeout", "1s")
    monkeypatch.setitem(access.ROLE_SETTINGS, "idle_session_timeout", "1s")
    department = _department(run, central, "DBP")
    engine = sa.create_engine(department)
    try:
        connection = engine.connect()
        if level == "session":  # out of any transaction
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        function = "pg_advisory_lock" if level == "session" else "pg_advisory_xact_lock"
        connection.exec_driver_sql(f"SELECT {function}(x'657374617465'::bigint)")
        time.sleep(2.5)
        with pytest.raises(sa.exc.DBAPIError):
            connection.exec_driver_sql("SELECT 1")
        connection.invalidate()
    finally:
        engine.dispose()
    started = time.monotonic()
    imported = run(
        "--db", central, "import", "--skip-invalid", LATEST_SAMPLES / "moj-2026-Q3-return.xlsx"
    )
    assert imported.exit_code == 0, imported.output
    assert time.monotonic() - started < 60


def test_a_department_role_gets_bounding_settings(run: Run, central: str) -> None:
    department = _department(run, central, "DBP")
    engine = sa.create_engine(department)
    try:
        with engine.connect() as connection:
            for setting in access.ROLE_SETTINGS:
                shown = connection.exec_driver_sql(f"SHOW {setting}").scalar_one()
                assert shown not in ("0", ""), (setting, shown)
    finally:
        engine.dispose()


def test_a_department_roles_upgrade_and_own_only_copy_are_one_line(
    run: Run, central: str, tmp_path: Path
) -> None:
    department = _department(run, central, "DLE", "--own-only")
    before = row_hashes(central)
    _one_line(run("--db", department, "upgrade"))
    copied = run("copy", department, tmp_path / "copy.db")
    line = _one_line(copied)
    assert "another import" not in line and "whole estate" in line
    assert row_hashes(central) == before


def test_a_copy_whose_server_session_ends_mid_copy_is_one_line(
    run: Run, pg_url: str, pg_server: Server, demo_db: Path
) -> None:
    assert run("--db", pg_url, "init").exit_code == 0
    admin = sa.create_engine(pg_server.url(sa.engine.make_url(pg_url).database or ""))
    with admin.connect() as holder, holder.begin():
        holder.exec_driver_sql("LOCK TABLE system IN SHARE MODE")  # reads pass, COPY waits
        copying = subprocess.Popen(
            [str(ESTATE), "copy", str(demo_db), pg_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 120
        pid = None
        while pid is None and time.monotonic() < deadline:
            with admin.connect() as watcher:
                pid = watcher.exec_driver_sql(
                    "SELECT pid FROM pg_stat_activity WHERE starts_with(query, 'COPY ') "
                    "AND wait_event_type = 'Lock'"
                ).scalar()
            time.sleep(0.1)
        assert pid is not None, "the copy never came to wait"
        with admin.connect() as killer:
            killer.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        _, err = copying.communicate(timeout=120)
    admin.dispose()
    assert copying.returncode == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert "nothing" in lines[0].lower() or "refused" in lines[0], lines[0]
    stats = json.loads(run("--db", pg_url, "stats", "--json").stdout)
    assert stats["systems"] == 0


def test_limits_are_the_same_on_postgresql(run: Run, pg_url: str, tmp_path: Path) -> None:
    assert run("--db", pg_url, "init").exit_code == 0
    path = tmp_path / "long.csv"
    path.write_text(
        "Department,System reference,System name\n" + f"DBP,{'R' * 65},Long\n", encoding="utf-8"
    )
    result = run("--db", pg_url, "import", path, "--json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (problem,) = json.loads(result.stdout)[0]["problems"]
    assert "65 characters" in problem["message"] and problem["column"] == "B"
    code = run("--db", pg_url, "import", path, "--department", "D" * 40)
    assert code.exit_code == 2 and "at most 32" in code.stderr
    assert json.loads(run("--db", pg_url, "stats", "--json").stdout)["systems"] == 0


@pytest.mark.parametrize("written", [" 4", "04", "+4"])
def test_a_version_record_written_oddly_is_one_line_on_postgresql(
    run: Run, pg_url: str, written: str
) -> None:
    from estate import migrations

    assert run("--db", pg_url, "init").exit_code == 0
    engine = sa.create_engine(pg_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE {migrations.VERSION_TABLE} SET version_num = %(v)s", {"v": written}
        )
    engine.dispose()
    before = row_hashes(pg_url, migrations.VERSION_TABLE)
    for command in (["upgrade"], ["stats"]):
        _one_line(run("--db", pg_url, *command), "not a version number")
    assert row_hashes(pg_url, migrations.VERSION_TABLE) == before
