"""What a register's cells say beyond its columns' names: technology written in a hosting column
("Platform: Windows Server 2012 R2") and the reporting period written on every row. Each return
is imported through the command line, as a CSV and as a workbook."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Run
from tests.test_own_layouts import workbook

HEADER = ["Application", "Owner", "Platform", "DB Engine", "Annual spend", "Reporting Period"]
TITLE = ["Department for Widget Exports: asset register"]


def register(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    """A one-sheet register as departments send it: a title row, the header, the rows; a CSV or
    a workbook (sheet 'Assets') by the file's suffix."""
    data = [TITLE, header, *rows]
    if path.suffix == ".csv":
        with path.open("w", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerows(data)
        return path
    return workbook(path, {"Assets": data})


def _sheet(path: Path) -> str:
    return path.stem if path.suffix == ".csv" else "Assets"


def _db(tmp_path: Path, run: Run) -> Path:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    return path


def _import(run: Run, db: Path, path: Path, *extra: str) -> dict[str, Any]:
    result = run("--db", db, "import", path, "-d", "DWX", "--json", *extra)
    summaries = json.loads(result.stdout)
    assert len(summaries) == 1, result.output
    summary: dict[str, Any] = summaries[0]
    return summary


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return [tuple(row) for row in connection.execute(sql)]


def _components(db: Path) -> list[tuple[Any, ...]]:
    return _rows(
        db,
        "SELECT s.reference, c.kind, c.product FROM component c JOIN system s "
        "ON s.id = c.system_id ORDER BY 1, 2, 3",
    )


FORMATS = pytest.mark.parametrize("suffix", [".csv", ".xlsx"])


@FORMATS
def test_technology_in_a_hosting_column_is_kept_as_components_with_a_warning_naming_the_cell(
    tmp_path: Path, run: Run, suffix: str
) -> None:
    path = register(
        tmp_path / f"dwx-register{suffix}",
        [
            ["Ledger", "J. Smith", "Windows Server 2012 R2", "SQL Server 2014", "£450k", None],
            ["Claims", "A. Jones", "Azure / Windows Server 2019", None, "£1.2m", None],
            ["Benefits Engine", "B. Brown", "IBM z15", "Db2 12", "3m", None],
            ["Payments", "C. Green", "Oracle 19c on OCI", None, None, None],
            ["Portal", "D. White", "On-premises", None, None, None],
        ],
    )
    db = _db(tmp_path, run)
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert summary["summary"]["new"] == 5 and summary["summary"]["rejected"] == 0
    assert _components(db) == [
        ("Benefits Engine", "Database", "Db2 12"),
        ("Benefits Engine", "Hardware", "IBM z15"),
        ("Claims", "Operating system", "Windows Server 2019"),
        ("Ledger", "Database", "SQL Server 2014"),
        ("Ledger", "Operating system", "Windows Server 2012 R2"),
        ("Payments", "Database", "Oracle 19c"),
    ]
    assert _rows(db, "SELECT reference, hosting, cloud_provider FROM system ORDER BY 1") == [
        ("Benefits Engine", None, None),
        ("Claims", "Public cloud IaaS", "Microsoft Azure"),
        ("Ledger", None, None),
        ("Payments", "Public cloud IaaS", "Oracle Cloud"),
        ("Portal", "On-premises data centre", None),
    ]
    technology = [p for p in summary["problems"] if p["column"] == "C"]
    assert all(p["severity"] == "warning" for p in technology)
    assert [(p["file"], p["sheet"], p["row"], p["value"]) for p in technology] == [
        (path.name, _sheet(path), 3, "Windows Server 2012 R2"),
        (path.name, _sheet(path), 4, "Azure / Windows Server 2019"),
        (path.name, _sheet(path), 5, "IBM z15"),
        (path.name, _sheet(path), 6, "Oracle 19c on OCI"),
    ]
    ledger, claims, engine, _payments = (p["message"] for p in technology)
    assert "'Windows Server 2012 R2' stored as a 'Operating system' component" in ledger
    assert "the hosting is left unknown" in ledger
    assert "hosting taken as Public cloud IaaS (cloud provider Microsoft Azure)" in claims
    assert "'Windows Server 2019' stored as a 'Operating system' component" in claims
    assert "'IBM z15' stored as a 'Hardware' component" in engine


def test_a_system_running_an_unsupported_os_named_only_under_platform_is_scored_on_it(
    tmp_path: Path, run: Run
) -> None:
    path = register(tmp_path / "r.csv", [["Ledger", "J. Smith", "Windows Server 2008 R2"]])
    db = _db(tmp_path, run)
    assert _import(run, db, path)["stored"]
    shown = run("--db", db, "show", "DWX/Ledger", "--as-of", "2026-11-01")
    assert shown.exit_code == 0, shown.output
    assert "Windows Server 2008 R2" in shown.stdout


def test_a_product_named_in_both_its_column_and_the_platform_is_one_component(
    tmp_path: Path, run: Run
) -> None:
    header = ["Application", "Operating System", "Platform"]
    path = register(
        tmp_path / "r.xlsx",
        [["Claims", "Windows Server 2019", "Azure / Windows Server 2019"]],
        header,
    )
    db = _db(tmp_path, run)
    assert _import(run, db, path)["stored"]
    assert _components(db) == [("Claims", "Operating system", "Windows Server 2019")]


@FORMATS
@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("Linux box", "Hosting: not a recognised hosting"),
        (
            "VMware / Windows Server 2019",
            "'VMware' is neither a hosting model nor a product the lifecycle catalogue knows",
        ),
        ("Azure / On-premises / RHEL 7", "names more than one hosting model"),
    ],
)
def test_a_hosting_cell_that_is_neither_hosting_nor_known_technology_is_an_error_naming_the_cell(
    tmp_path: Path, run: Run, suffix: str, cell: str, said: str
) -> None:
    path = register(
        tmp_path / f"r{suffix}",
        [["Ledger", "J. Smith", "On-premises"], ["Claims", "A. Jones", cell]],
    )
    db = _db(tmp_path, run)
    summary = _import(run, db, path)
    assert not summary["stored"]
    (error,) = [p for p in summary["problems"] if p["severity"] == "error"]
    assert (error["file"], error["sheet"], error["row"], error["column"]) == (
        path.name,
        _sheet(path),
        4,
        "C",
    )
    assert said in error["message"] and error["value"] == cell
    assert error["expected"].startswith("one of On-premises data centre")
    assert _rows(db, "SELECT count(*) FROM system") == [(0,)]


def test_with_skip_invalid_an_unreadable_hosting_cell_keeps_the_system(
    tmp_path: Path, run: Run
) -> None:
    path = register(tmp_path / "r.csv", [["Ledger", "J. Smith", "VMware / RHEL 7"]])
    db = _db(tmp_path, run)
    summary = _import(run, db, path, "--skip-invalid")
    assert summary["stored"]
    assert _rows(db, "SELECT reference, hosting FROM system") == [("Ledger", None)]
    assert _components(db) == []
    (error,) = [p for p in summary["problems"] if p["severity"] == "error"]
    assert "this cell was not imported" in error["message"]


def test_the_template_s_hosting_column_keeps_technology_too(tmp_path: Path, run: Run) -> None:
    path = workbook(
        tmp_path / "dwx.xlsx",
        {
            "Systems": [
                ["Department", "System reference", "System name", "Hosting"],
                ["DWX", "DWX-1", "Ledger", "Solaris 10"],
            ]
        },
    )
    db = _db(tmp_path, run)
    summary = _import(run, db, path)
    assert summary["stored"], summary["problems"]
    assert _components(db) == [("DWX-1", "Operating system", "Solaris 10")]
    (warning,) = [p for p in summary["problems"] if p["column"] == "D"]
    assert (warning["sheet"], warning["row"]) == ("Systems", 2)
