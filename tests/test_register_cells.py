"""What a register's cells say beyond its columns' names: technology written in a hosting column
("Platform: Windows Server 2012 R2") and the reporting period written on every row. Each return
is imported through the command line, as a CSV and as a workbook."""

from __future__ import annotations

import csv
import json
import sqlite3
from contextlib import closing
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
    assert "'Windows Server 2012 R2' stored as the system's 'Operating system' component" in ledger
    assert "the hosting is left unknown" in ledger
    assert "hosting taken as Public cloud IaaS (cloud provider Microsoft Azure)" in claims
    assert "'Windows Server 2019' stored as the system's 'Operating system' component" in claims
    assert "'IBM z15' stored as the system's 'Hardware' component" in engine


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
        ("Linux box", "Platform (read as Hosting): not a recognised hosting"),
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


def _dated(*periods: Any) -> list[list[Any]]:
    names = ["Ledger", "Claims", "Portal", "Payroll", "Grants", "Loans"]
    return [
        [name, "J. Smith", "On-premises", None, None, period]
        for name, period in zip(names, periods, strict=False)
    ]


@FORMATS
@pytest.mark.parametrize("header", ["Reporting Period", "Period", "Quarter", "Reporting quarter"])
def test_a_period_column_gives_the_return_its_period(
    tmp_path: Path, run: Run, suffix: str, header: str
) -> None:
    path = register(
        tmp_path / f"r{suffix}",
        _dated("2026-Q2", "Q2 2026", "Apr-Jun 2026", None, "TBC"),
        [*HEADER[:-1], header],
    )
    db = _db(tmp_path, run)
    summary = _import(run, db, path)
    assert summary["stored"] and summary["period"] == "2026-Q2"
    assert not [p for p in summary["problems"] if p["column"] == "F"]
    assert _rows(db, "SELECT period FROM import_batch") == [("2026-Q2",)]


def test_period_wins_over_a_period_column_and_the_report_says_so(tmp_path: Path, run: Run) -> None:
    path = register(tmp_path / "r.csv", _dated("2026-Q2", "2026-Q2"))
    db = _db(tmp_path, run)
    same = _import(run, db, path, "--period", "2026-Q2", "--dry-run")
    assert same["period"] == "2026-Q2"
    assert not [p for p in same["problems"] if "--period" in p["message"]]
    summary = _import(run, db, path, "--period", "2026-Q3")
    assert summary["stored"] and summary["period"] == "2026-Q3"
    (said,) = [p for p in summary["problems"] if "--period" in p["message"]]
    assert (said["severity"], said["sheet"], said["column"], said["value"]) == (
        "warning",
        "r",
        "F",
        "2026-Q2",
    )
    assert (
        "the return says it is for 2026-Q2 in sheet 'r', column F (Reporting Period)"
        in (said["message"])
    )
    assert "it is imported for 2026-Q3" in said["message"]
    report = tmp_path / "report.json"
    again = run("--db", db, "import", path, "-d", "DWX", "--period", "2026-Q3", "--report", report)
    assert again.exit_code == 0, again.output
    assert "--period 2026-Q3 was given" in report.read_text()


@FORMATS
def test_period_cells_that_disagree_refuse_the_file_naming_the_rows_of_each(
    tmp_path: Path, run: Run, suffix: str
) -> None:
    path = register(
        tmp_path / f"dwx{suffix}",
        _dated("2026-Q2", "2026-Q2", "Q3 2026", "2026-Q2", None, "2026-Q3"),
    )
    db = _db(tmp_path, run)
    result = run("--db", db, "import", path, "-d", "DWX")
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"{path.name}: sheet '{_sheet(path)}', column F (Reporting Period) gives more" in message
    assert "2026-Q2 in rows 3-4 and 6, 2026-Q3 in rows 5 and 8" in message
    assert "nothing was imported" in message
    asked = run("--db", db, "import", path, "-d", "DWX", "--period", "2026-Q3")
    assert asked.exit_code == 1 and asked.stderr.strip() == message
    assert _rows(db, "SELECT count(*) FROM system") == [(0,)]


@FORMATS
@pytest.mark.parametrize(
    ("cell", "said"),
    [
        ("2026-Q5", "'2026-Q5' is not a quarter"),
        ("Q2 2026/27", "reads as a financial-year quarter; write the calendar quarter it means"),
    ],
)
def test_a_period_cell_that_is_not_a_quarter_refuses_the_file_naming_the_cell(
    tmp_path: Path, run: Run, suffix: str, cell: str, said: str
) -> None:
    path = register(tmp_path / f"dwx{suffix}", _dated("2026-Q2", cell, "2026-Q2", cell, "Q9"))
    db = _db(tmp_path, run)
    result = run("--db", db, "import", path, "-d", "DWX", "--skip-invalid")
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1
    assert f"{path.name}: sheet '{_sheet(path)}', cell F4 (Reporting Period): " in message
    assert said in message and message.endswith("Also not a quarter: F6, F7.")
    assert _rows(db, "SELECT count(*) FROM system") == [(0,)]


def test_a_period_column_and_the_cover_sheet_must_agree(tmp_path: Path, run: Run) -> None:
    def return_for(cover: str, rows: str) -> Path:
        return workbook(
            tmp_path / f"dwx-{cover}-{rows}.xlsx",
            {
                "Return": [["Department code", "DWX"], ["Reporting period", cover]],
                "Register": [
                    ["App Ref", "Application", "Quarter"],
                    ["A-1", "Ledger", rows],
                    ["A-2", "Claims", rows],
                ],
            },
        )

    db = _db(tmp_path, run)
    agreed = _import(run, db, return_for("2026-Q2", "Q2 2026"))
    assert agreed["stored"] and agreed["period"] == "2026-Q2"
    result = run("--db", db, "import", return_for("2026-Q3", "2026-Q4"))
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert "sheet 'Return', cell B2 (Reporting period) says the return is for 2026-Q3" in message
    assert "but sheet 'Register', column C (Quarter) gives 2026-Q4" in message
    assert _rows(db, "SELECT period FROM import_batch") == [("2026-Q2",)]


def test_period_columns_on_two_sheets_must_agree(tmp_path: Path, run: Run) -> None:
    path = workbook(
        tmp_path / "dwx.xlsx",
        {
            "Systems": [["App Ref", "Application", "Period"], ["A-1", "Ledger", "2026-Q2"]],
            "Interfaces": [
                ["Consumer", "Provider", "Period"],
                ["A-1", "HMRC Gateway", "2026-Q1"],
            ],
        },
    )
    db = _db(tmp_path, run)
    result = run("--db", db, "import", path, "-d", "DWX")
    assert result.exit_code == 1
    message = result.stderr.strip()
    assert "2026-Q1 in sheet 'Interfaces', column C (Period), row 2" in message
    assert "2026-Q2 in sheet 'Systems', column C (Period), row 2" in message


def test_a_written_mapping_reads_the_period_column(tmp_path: Path, run: Run) -> None:
    path = register(tmp_path / "r.csv", _dated("2026-Q2"))
    mapping = tmp_path / "map.toml"
    result = run(
        "--db", _db(tmp_path, run), "validate", path, "-d", "DWX", "--write-mapping", mapping
    )
    assert result.exit_code == 0, result.output
    assert '"Reporting Period" = "period"  # Reporting period' in mapping.read_text()


def test_a_money_header_naming_its_unit_and_common_register_headers_are_read(
    run: Run, tmp_path: Path
) -> None:
    """ "Annual Cost (GBP)" is the annual run cost, in pounds as the template's "(£)" is;
    "Hosting Platform" the hosting and "Business Unit Owner" the business owner. A multiplier
    ("£k") is read as one: 250 under "Annual cost (£k)" is £250,000."""
    database = tmp_path / "e.db"
    assert run("--db", database, "init").exit_code == 0
    for header, cost in (("Annual Cost (GBP)", 250_000), ("Run cost in pounds per annum", 9)):
        register = tmp_path / "apps.csv"
        register.write_text(
            f"App ID,App Name,Business Unit Owner,Hosting Platform,{header}\n"
            f"FA-1,Grants,Jane Smith,SaaS,{cost}\n",
            encoding="utf-8",
        )
        result = run("--db", database, "import", register, "-d", "DFA", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["problems"] == []
        with closing(sqlite3.connect(database)) as connection:
            stored = connection.execute(
                "SELECT business_owner, hosting, annual_run_cost FROM system"
            ).fetchall()
        assert stored == [("Jane Smith", "SaaS", cost)], stored
    register.write_text("App ID,App Name,Annual cost (£k)\nFA-1,Grants,250\n", encoding="utf-8")
    result = run("--db", database, "import", register, "-d", "DFA", "--json")
    assert json.loads(result.stdout)[0]["problems"] == []
    with closing(sqlite3.connect(database)) as connection:
        assert connection.execute("SELECT annual_run_cost FROM system").fetchall() == [(250_000,)]


def test_a_version_column_with_no_product_beside_it_keeps_what_it_names(
    run: Run, tmp_path: Path
) -> None:
    """ "OS Version" holding "z/OS 2.3" with no operating system column is that operating
    system, stored with a warning; a bare "2.3" names nothing to store, and the import says
    so rather than dropping it unseen."""
    database = tmp_path / "e.db"
    assert run("--db", database, "init").exit_code == 0
    register = tmp_path / "apps.csv"
    register.write_text(
        "App ID,App Name,OS Version\nFA-1,Cases,z/OS 2.3\nFA-2,Grants,2.3\n", encoding="utf-8"
    )
    result = run("--db", database, "import", register, "-d", "DFA", "--json")
    assert result.exit_code == 0, result.output
    said = [(p["row"], p["message"]) for p in json.loads(result.stdout)[0]["problems"]]
    assert said == [
        (
            2,
            "Operating system version 'z/OS 2.3' has no product beside it: stored as the "
            "component it names",
        ),
        (3, "Operating system version '2.3' has no product beside it and names none; not stored"),
    ]
    with closing(sqlite3.connect(database)) as connection:
        stored = connection.execute(
            "SELECT s.reference, c.kind, c.product FROM component c JOIN system s"
            " ON s.id = c.system_id"
        ).fetchall()
    assert stored == [("FA-1", "Operating system", "z/OS 2.3")]
