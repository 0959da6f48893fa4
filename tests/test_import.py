"""Import semantics: all-or-nothing, dry runs, re-imports, the department boundary, provenance."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from estate import db
from estate.enums import ComponentKind
from estate.generate import build_estate, write_estate
from importers import ImportOptions, import_return
from importers.layout import RecordKind
from importers.prefill import department_records
from tests.conftest import Run
from tests.returns import small_return, system


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())


def _db_bytes(path: Path) -> bytes:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.read_bytes()


def test_a_clean_return_is_stored_with_everything(empty_engine: Engine, tmp_path: Path) -> None:
    result = import_return(empty_engine, small_return(tmp_path / "r.xlsx"))
    assert result.stored and not result.errors
    assert result.changes is not None and result.changes.summary()["new"] == 2
    assert _count(empty_engine, "system") == 2
    assert _count(empty_engine, "component") == 1
    assert _count(empty_engine, "dependency") == 1
    assert _count(empty_engine, "security_assessment") == 1
    with empty_engine.connect() as connection:
        name = connection.exec_driver_sql("SELECT name FROM organisation").scalar_one()
        resolved = connection.exec_driver_sql(
            "SELECT to_system_id IS NOT NULL FROM dependency"
        ).scalar_one()
    assert name == "Department for Benefits and Pensions"
    assert resolved == 1


def test_an_error_on_the_last_row_stores_nothing(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    assert run("--db", path, "import", small_return(tmp_path / "first.xlsx")).exit_code == 0
    before = _db_bytes(path)
    rows = [
        system("DBP-1", name="Renamed"),
        system("DBP-2"),
        system("DBP-3", contract_end="31/02/2027"),
    ]
    result = run("--db", path, "import", small_return(tmp_path / "bad.xlsx", rows))
    assert result.exit_code == 1
    assert "NOT stored" in result.stdout
    assert "Q4 '31/02/2027'" in result.stdout
    assert _db_bytes(path) == before


def test_skip_invalid_stores_the_valid_rows_and_reports_the_rest(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows = [system("DBP-1"), system("DBP-2", name=None)]
    result = import_return(
        empty_engine, small_return(tmp_path / "r.xlsx", rows), ImportOptions(skip_invalid=True)
    )
    assert result.stored
    assert next((p.sheet, p.row, p.column) for p in result.errors) == ("Systems", 3, "C")
    assert _count(empty_engine, "system") == 1
    # DBP-2's dependency row goes with it, reported under its cause, not silently dropped
    assert any(
        p.sheet == "Systems" and "was rejected" in p.message and "1 on Dependencies" in p.message
        for p in result.errors
    )


def test_dry_run_writes_nothing_and_shows_the_change_set(
    demo_db: Path, tmp_path: Path, run: Run
) -> None:
    template = tmp_path / "dbp.xlsx"
    assert run("--db", demo_db, "template", template, "--department", "DBP").exit_code == 0
    from openpyxl import load_workbook

    workbook = load_workbook(template)
    workbook["Systems"]["C2"] = "A new name"
    workbook.save(template)
    before = _db_bytes(demo_db)
    result = run("--db", demo_db, "validate", template, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)[0]
    assert report["stored"] is False
    assert report["summary"]["changed"] == 1 and report["summary"]["new"] == 0
    change = report["systems"][0]
    old_name = change["fields"][0]["old"]
    assert change["fields"] == [
        {
            "field": "name",
            "column": "System name",
            "old": old_name,
            "new": "A new name",
            "shown": f"{old_name} -> A new name",
        }
    ]
    assert change["changes"] == [f"System name: {old_name} -> A new name"]
    assert _db_bytes(demo_db) == before
    assert run("--db", demo_db, "import", template, "--dry-run").exit_code == 0
    assert _db_bytes(demo_db) == before


def test_reimporting_the_same_return_changes_nothing(empty_engine: Engine, tmp_path: Path) -> None:
    path = small_return(tmp_path / "r.xlsx")
    import_return(empty_engine, path)
    sources = _count(empty_engine, "system_source")
    second = import_return(empty_engine, path)
    assert second.changes is not None
    assert second.changes.summary() | {"unchanged": 0} == {
        "new": 0,
        "changed": 0,
        "unchanged": 0,
        "rejected": 0,
        "missing": 0,
        "unresolved_dependencies": 0,
    }
    assert second.changes.summary()["unchanged"] == 2
    assert _count(empty_engine, "system") == 2
    assert _count(empty_engine, "component") == 1
    assert _count(empty_engine, "system_source") == sources


def test_prefilled_template_round_trips_unchanged(demo_db: Path, tmp_path: Path, run: Run) -> None:
    for department in ("DBP", "MOJ", "CTS"):
        out = tmp_path / f"{department}.xlsx"
        assert run("--db", demo_db, "template", out, "--department", department).exit_code == 0
        result = run("--db", demo_db, "validate", out, "--json")
        summary = json.loads(result.stdout)[0]["summary"]
        assert (
            summary["new"] == summary["changed"] == summary["missing"] == summary["rejected"] == 0
        ), department
        assert summary["unchanged"] > 0


def test_a_row_for_another_department_is_rejected(empty_engine: Engine, tmp_path: Path) -> None:
    rows = [system("DBP-1"), system("RCA-9", department="RCA")]
    result = import_return(empty_engine, small_return(tmp_path / "r.xlsx", rows, dependencies=[]))
    assert not result.stored
    (error,) = result.errors
    assert (error.sheet, error.row, error.column, error.value) == ("Systems", 3, "A", "RCA")
    assert "this return is for DBP" in error.message
    assert _count(empty_engine, "system") == 0


def test_department_option_overrides_the_return(empty_engine: Engine, tmp_path: Path) -> None:
    result = import_return(
        empty_engine, small_return(tmp_path / "r.xlsx"), ImportOptions(department="RCA")
    )
    assert not result.stored
    assert {p.value for p in result.errors if p.sheet == "Systems"} == {"DBP"}


def test_a_cover_sheet_after_the_data_still_says_whose_return_it_is(
    empty_engine: Engine, tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    path = small_return(tmp_path / "r.xlsx", name="Benefits and Pensions")
    book = load_workbook(path)
    book.move_sheet("Return", offset=len(book.sheetnames) - 1)
    book.save(path)
    assert book.sheetnames[-1] == "Return"
    result = import_return(empty_engine, path)
    assert result.stored and not result.errors
    assert _count(empty_engine, "system") == 2 and _count(empty_engine, "component") == 1
    with empty_engine.connect() as connection:
        name = connection.exec_driver_sql("SELECT code, name FROM organisation").one()
    assert tuple(name) == ("DBP", "Benefits and Pensions")


def test_missing_systems_are_flagged_then_deleted_only_with_replace(
    empty_engine: Engine, tmp_path: Path
) -> None:
    import_return(empty_engine, small_return(tmp_path / "r1.xlsx"))
    later = small_return(tmp_path / "r2.xlsx", [system("DBP-1")], dependencies=[])
    result = import_return(empty_engine, later)
    assert result.changes is not None and result.changes.missing == [("DBP-2", "System DBP-2")]
    with empty_engine.connect() as connection:
        flagged = (
            connection.exec_driver_sql(
                "SELECT reference FROM system WHERE missing_from_latest_return"
            )
            .scalars()
            .all()
        )
    assert flagged == ["DBP-2"]
    import_return(empty_engine, later, ImportOptions(replace=True))
    assert _count(empty_engine, "system") == 1


def test_a_dependency_on_a_system_replace_deletes_is_kept_unresolved(
    empty_engine: Engine, tmp_path: Path
) -> None:
    import_return(empty_engine, small_return(tmp_path / "r1.xlsx"))
    on_deleted = [  # a changed row, so that the import writes it afresh
        {
            "department": "DBP",
            "reference": "DBP-2",
            "to_reference": "DBP-1",
            "kind": "API",
            "description": "Nightly payments file",
        }
    ]
    later = small_return(
        tmp_path / "r2.xlsx",
        [system("DBP-2")],
        components=[],
        dependencies=on_deleted,
        security=[],
    )
    result = import_return(empty_engine, later, ImportOptions(replace=True))
    assert result.stored and _count(empty_engine, "system") == 1
    with empty_engine.connect() as connection:
        target = connection.exec_driver_sql(
            "SELECT to_reference, to_system_id FROM dependency"
        ).one()
    assert tuple(target) == ("DBP-1", None)


def test_dependencies_on_unknown_systems_are_kept_and_resolve_later(
    empty_engine: Engine, tmp_path: Path
) -> None:
    deps = [
        {
            "department": "DBP",
            "reference": "DBP-1",
            "to_org_code": "RCA",
            "to_reference": "RCA-7",
            "kind": "API",
        }
    ]
    result = import_return(empty_engine, small_return(tmp_path / "dbp.xlsx", dependencies=deps))
    assert result.stored
    assert any("RCA/RCA-7" in p.message and "unresolved" in p.message for p in result.warnings)
    with empty_engine.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT to_system_id FROM dependency").scalar_one() is None
        )
    rca = [system("RCA-7", department="RCA")]
    from importers.layout import RecordKind
    from importers.template import write_return

    write_return(
        tmp_path / "rca.xlsx", cover={"Department code": "RCA"}, records={RecordKind.SYSTEMS: rca}
    )
    import_return(empty_engine, tmp_path / "rca.xlsx")
    with empty_engine.connect() as connection:
        assert (
            connection.exec_driver_sql("SELECT to_system_id FROM dependency").scalar_one()
            is not None
        )


def test_related_rows_for_unknown_systems_are_errors(empty_engine: Engine, tmp_path: Path) -> None:
    components = [
        {"department": "DBP", "reference": "DBP-99", "kind": "Database", "product": "Oracle"}
    ]
    result = import_return(empty_engine, small_return(tmp_path / "r.xlsx", components=components))
    assert not result.stored
    (error,) = result.errors
    assert (error.sheet, error.row, error.value) == ("Components", 2, "DBP-99")


def test_duplicate_references_in_one_return_are_errors(
    empty_engine: Engine, tmp_path: Path
) -> None:
    twice = [system("DBP-1"), system("DBP-1")]
    result = import_return(empty_engine, small_return(tmp_path / "r.xlsx", twice, dependencies=[]))
    (error,) = result.errors
    assert error.row == 3 and "duplicate of row 2" in error.message


def test_provenance_survives_a_return_that_leaves_a_column_out(
    empty_engine: Engine, tmp_path: Path
) -> None:
    import csv

    from sqlmodel import Session

    from estate.queries import describe_system

    import_return(empty_engine, small_return(tmp_path / "full.xlsx"))
    slim = tmp_path / "slim.csv"
    with slim.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Department", "System reference", "System name"])
        writer.writerow(["DBP", "DBP-1", "Ledger renamed"])
        writer.writerow(["DBP", "DBP-2", "System DBP-2"])
    import_return(empty_engine, slim)
    with Session(empty_engine) as session:
        provenance = describe_system(session, "DBP/DBP-1")["provenance"]
    assert (
        provenance["name"]["file"],
        provenance["name"]["row"],
        provenance["name"]["column"],
    ) == ("slim.csv", 2, "C")
    assert (provenance["hosting"]["file"], provenance["hosting"]["sheet"]) == (
        "full.xlsx",
        "Systems",
    )


def test_report_files(tmp_path: Path, run: Run, demo_db: Path) -> None:
    from openpyxl import load_workbook

    rows = [system("DBP-1", hosting="Clowd", notes="=cmd|' /C calc'!A0")]
    source = small_return(tmp_path / "r.xlsx", rows, components=[], dependencies=[], security=[])
    assert (
        run("--db", demo_db, "validate", source, "--report", tmp_path / "report.json").exit_code
        == 1
    )
    problems = json.loads((tmp_path / "report.json").read_text())[0]["problems"]
    assert {(p["severity"], p["column"]) for p in problems} >= {("error", "J")}
    run("--db", demo_db, "validate", source, "--report", tmp_path / "report.xlsx")
    sheet = load_workbook(tmp_path / "report.xlsx")["Problems"]
    header = [c.value for c in sheet[1]]
    assert header == ["Severity", "File", "Sheet", "Row", "Column", "Value", "Expected", "Message"]
    values = [c.value for row in sheet.iter_rows(min_row=2) for c in row]
    assert "Clowd" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    assert sheet.freeze_panes == "A2"


def test_nothing_is_imported_into_a_database_it_cannot_open(tmp_path: Path, run: Run) -> None:
    bad = tmp_path / "bad.db"
    bad.write_text("not a database")
    result = run("--db", bad, "import", small_return(tmp_path / "r.xlsx"))
    assert result.exit_code == 1 and "not an SQLite database" in result.stderr
    assert bad.read_text() == "not a database"


def test_import_counts_are_recorded_on_the_batch(empty_engine: Engine, tmp_path: Path) -> None:
    path = small_return(tmp_path / "r.xlsx")
    import_return(empty_engine, path)
    with empty_engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT file_name, rows_new, file_sha256 FROM import_batch")
        ).one()
    import hashlib

    assert row == ("r.xlsx", 2, hashlib.sha256(path.read_bytes()).hexdigest())


def test_schema_check_applies_to_imports(tmp_path: Path) -> None:
    with pytest.raises(Exception, match="No estate database"):
        db.open_engine(tmp_path / "none.db")


def test_progress_is_reported_stage_by_stage(empty_engine: Engine, tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    import_return(
        empty_engine,
        small_return(tmp_path / "r.xlsx"),
        progress=lambda stage, done, total: seen.append((stage, done, total)),
    )
    stages = [stage for stage, _, _ in seen]
    assert stages[0] == "Reading r.xlsx"
    assert "Checking Systems" in stages and "Checking Components" in stages
    assert stages[-1] == "Storing"


def test_no_progress_bar_off_a_terminal_or_when_quiet(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    for extra in ((), ("--quiet",)):
        result = run("--db", path, "validate", small_return(tmp_path / "r.xlsx"), *extra)
        assert result.exit_code == 0
        assert "Reading" not in result.stderr and "Checking" not in result.stderr


def test_a_new_name_on_the_cover_sheet_renames_the_department(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    assert run("--db", path, "import", small_return(tmp_path / "first.xlsx")).exit_code == 0
    renamed = small_return(tmp_path / "second.xlsx", name="Department for Pensions")
    before = _db_bytes(path)
    dry = run("--db", path, "import", renamed, "--dry-run", "--json")
    assert json.loads(dry.stdout)[0]["department_renamed"] == {
        "old": "Department for Benefits and Pensions",
        "new": "Department for Pensions",
    }
    assert _db_bytes(path) == before
    shown = run("--db", path, "validate", renamed)
    assert "renamed" in shown.stdout and "Department for Pensions" in shown.stdout
    assert run("--db", path, "import", renamed).exit_code == 0
    with closing(sqlite3.connect(path)) as connection:
        (name,) = connection.execute("SELECT name FROM organisation").fetchone()
    assert name == "Department for Pensions"


def test_returns_larger_than_a_statements_parameter_limit_import_and_update(
    tmp_path: Path,
) -> None:
    """Some SQLite builds allow only 999 bound parameters in one statement (PostgreSQL 65,535):
    importing, updating and pre-filling a department of more systems than that must still work."""
    first = write_estate(build_estate(1100, 1, seed=3), tmp_path / "first")[0]
    second = write_estate(build_estate(1050, 1, seed=4), tmp_path / "second")[0]
    engine = db.open_engine(tmp_path / "e.db", create=True)
    engine.dispose()

    @sa.event.listens_for(engine, "connect")
    def small_limit(connection: sqlite3.Connection, _record: object) -> None:
        connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)

    assert import_return(engine, first, ImportOptions(skip_invalid=True)).stored
    assert import_return(engine, first, ImportOptions(skip_invalid=True)).stored
    update = import_return(engine, second, ImportOptions(skip_invalid=True, replace=True))
    assert update.changes is not None and update.changes.summary()["changed"] > 999
    with engine.connect() as connection:
        _cover, records = department_records(connection, update.department or "")
    assert len(records[RecordKind.SYSTEMS]) == _count(engine, "system") > 999
    assert len(records[RecordKind.COMPONENTS]) == _count(engine, "component") > 999


def test_replace_never_deletes_a_system_whose_row_was_rejected(
    empty_engine: Engine, tmp_path: Path
) -> None:
    import_return(empty_engine, small_return(tmp_path / "first.xlsx"))
    rows = [system("DBP-1"), system("DBP-2", contract_end="31/02/2027")]
    second = small_return(tmp_path / "second.xlsx", rows)
    result = import_return(empty_engine, second, ImportOptions(skip_invalid=True, replace=True))
    assert result.stored and result.changes is not None
    assert result.changes.missing == []
    assert _count(empty_engine, "system") == 2


def test_related_rows_must_belong_to_a_system_on_the_systems_sheet(
    empty_engine: Engine, tmp_path: Path
) -> None:
    import_return(empty_engine, small_return(tmp_path / "first.xlsx"))
    component = {
        "department": "DBP",
        "reference": "DBP-2",
        "kind": ComponentKind.DATABASE,
        "product": "Oracle Database",
        "version": "11g",
    }
    only_one = small_return(
        tmp_path / "second.xlsx", [system("DBP-1")], components=[component], dependencies=[]
    )
    result = import_return(empty_engine, only_one, ImportOptions(skip_invalid=True, replace=True))
    assert any(
        "'DBP-2' is not on this return's Systems sheet" in p.message for p in result.problems
    )
    assert result.stored and _count(empty_engine, "system") == 1


def test_a_database_locked_by_another_writer_is_a_clear_error(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    monkeypatch.setattr("estate.db.BUSY_TIMEOUT_MS", 200)
    with closing(sqlite3.connect(path, isolation_level=None)) as other_writer:
        other_writer.execute("BEGIN EXCLUSIVE")
        result = run("--db", path, "import", small_return(tmp_path / "r.xlsx"))
        other_writer.execute("ROLLBACK")
    assert result.exit_code == 1
    assert "database is locked" in result.stderr and "try again" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _count(db.open_engine(path), "system") == 0


def test_a_department_code_one_slip_from_a_known_one_is_warned_of(tmp_path: Path, run: Run) -> None:
    """A code mistyped on the command line (DPB for DBP) would start a department of its own:
    the import says so, naming the department meant; a code far from every known one, one a
    letter away (real codes differ so), or a department already known, draws no such
    warning."""
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    register = tmp_path / "register.csv"
    register.write_text("System reference,System name\nA-1,Ledger\n")
    first = run("--db", path, "import", register, "--department", "DBP")
    assert first.exit_code == 0 and "slip" not in first.output
    for typed in ("DPB", "DB", "DBPX", "BDP"):
        result = run("--db", path, "import", register, "-d", typed, "--dry-run", "--json")
        assert result.exit_code == 0, result.output
        said = [p["message"] for p in json.loads(result.stdout)[0]["problems"]]
        assert said == [
            f"{typed} is new to the estate, one slip from DBP: this return starts a department "
            "of its own; if it is DBP's, import it with --department DBP"
        ], said
    for other in ("DBP", "MOJ", "DBQ"):
        result = run("--db", path, "import", register, "-d", other, "--dry-run", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["problems"] == []
