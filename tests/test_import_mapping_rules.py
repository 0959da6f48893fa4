"""Exports as tools write them, read through the command line as a user would: their headers
(`*` marks, a byte-order mark, snake_case, `;` delimiters), a mapping file that always wins,
guesses that never corrupt, tools' lifecycle words, dependency ends across the estate and one
line per kind of problem.

The headers are the tools' published ones: AWS Cloud Migration Factory's intake form (its own
test data), Azure Migrate's import CSV template (its documented columns, `*` for the required
ones), ]project-open['s configuration item import (its documented column names)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from estate.enums import LifecycleStatus
from importers.headers import guesses
from importers.layout import RecordKind
from importers.money_headers import header_scale
from importers.readers import csv_delimiter
from tests.conftest import Run

CMF_HEADER = (
    "server_name,server_os_family,server_os_version,server_fqdn,r_type,app_name,aws_accountid,"
    "aws_region,wave_name"
)
"""AWS Cloud Migration Factory's intake form, as its own tests upload it."""
AZURE_MIGRATE_HEADER = (
    "*Server name,IP addresses,*Cores,*Memory (In MB),*OS name,OS version,OS architecture,"
    "Server type,Hypervisor,CPU utilization percentage,Memory utilization percentage,"
    "Network adapters,Network In throughput,Network Out throughput,Boot type,Number of disks,"
    "Storage in use (In GB),Disk 1 size (In GB),Disk 1 read throughput (MB per second),"
    "Disk 1 write throughput (MB per second),Disk 1 read ops (operations per second),"
    "Disk 1 write ops (operations per second)"
)
"""Azure Migrate's import CSV template: `*` marks the required columns."""
PROJECT_OPEN_HEADER = [
    "Conf Item Parent Nrs",
    "Conf Item Name",
    "Conf Item Code",
    "Conf Item Nr",
    "Conf Item Status",
    "Conf Item Type",
    "IP Address",
    "Conf Item Owner",
    "Conf Item Cost Center",
    "Description",
    "Note",
]
"""]project-open['s configuration item import, in the order its import page lists them."""


def _db(run: Run, tmp_path: Path) -> Path:
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    return target


def _rows(target: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(target) as connection:
        return connection.execute(sql).fetchall()


def _csv(path: Path, lines: list[str], bom: bool = False, encoding: str = "utf-8") -> Path:
    text = "\r\n".join(lines) + "\r\n"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))
    return path


def _import(run: Run, target: Path, path: Path, *args: str | Path) -> Any:
    result = run(
        "--db", target, "import", path, "--department", "DBP", "--period", "2026-Q3", *args
    )
    return result


# Headers as tools write them ------------------------------------------------------------------


def test_an_aws_migration_factory_intake_gives_one_system_per_application(
    tmp_path: Path, run: Run
) -> None:
    path = _csv(
        tmp_path / "intake.csv",
        [
            CMF_HEADER,
            "ledger-db01,windows,Microsoft Windows Server 2012 R2 Standard,"
            "ledger-db01.corp.example,Rehost,Ledger,123456789012,eu-west-2,Wave 1",
            "ledger-app01,linux,Red Hat Enterprise Linux 7.9,ledger-app01.corp.example,Rehost,"
            "Ledger,123456789012,eu-west-2,Wave 1",
            "pay-app02,linux,Ubuntu 18.04,pay-app02.corp.example,Replatform,Payments,123456789012,"
            "eu-west-2,Wave 2",
        ],
    )
    target = _db(run, tmp_path)
    result = _import(run, target, path)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(target, "SELECT reference FROM system ORDER BY 1") == [("Ledger",), ("Payments",)]
    products = _rows(
        target,
        "SELECT s.reference, c.kind FROM component c JOIN system s ON s.id = c.system_id "
        "ORDER BY 1, c.product",
    )
    assert products == [
        ("Ledger", "Operating system"),
        ("Ledger", "Operating system"),
        ("Payments", "Operating system"),
    ]


def test_azure_migrates_import_csv_with_its_marks_and_byte_order_mark_is_read(
    tmp_path: Path, run: Run
) -> None:
    blanks = "," * (AZURE_MIGRATE_HEADER.count(",") - 6)
    path = _csv(
        tmp_path / "AzureMigrateimporttemplate.csv",
        [
            AZURE_MIGRATE_HEADER,
            f"hmrc-tax01.corp.example,10.0.0.4,4,8192,Windows Server 2008 R2,6.1,x64{blanks}",
            f"hmrc-tax02.corp.example,10.0.0.5,2,4096,Red Hat Enterprise Linux 6,6.10,x64{blanks}",
        ],
        bom=True,
    )
    target = _db(run, tmp_path)
    result = _import(run, target, path, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(target, "SELECT name, annual_run_cost FROM system ORDER BY 1") == [
        ("hmrc-tax01.corp.example", None),
        ("hmrc-tax02.corp.example", None),
    ]
    assert _rows(target, "SELECT product FROM component ORDER BY 1") == [
        ("Red Hat Enterprise Linux 6",),
        ("Windows Server 2008 R2",),
    ]
    problems = json.loads(result.output)[0]["problems"]
    unread = [p["message"] for p in problems if " not imported: " in p["message"]]
    assert len(unread) == 1, "one line for every column not imported, not one per column"
    # read as Azure Migrate's import: the columns it knows and leaves aside are not listed
    assert unread[0].startswith("7 columns not imported: Network In throughput, ")
    assert unread[0].endswith("(read as Azure Migrate server import, which does not read them)")


@pytest.mark.parametrize("excel_hint", [False, True])
def test_a_semicolon_ci_register_is_read_and_its_statuses_arrive(
    tmp_path: Path, run: Run, excel_hint: bool
) -> None:
    """A ]project-open[ configuration item list saved by Excel with a `;` list separator (and
    its `sep=;` first line, when Excel is asked to write one); an owner written "Smith, J"."""
    lines = [
        ";".join(PROJECT_OPEN_HEADER),
        ";Payroll;payroll;ci_0001;Active;Software Application;10.1.1.1;Smith, J;CC01;Pays staff;",
        ";Ledger;ledger;ci_0002;Disposed;Software Application;10.1.1.2;Jones, K;CC02;Old ledger;",
        ";Grants;grants;ci_0003;Cancelled;Software Application;;Patel, A;CC03;Never built;",
    ]
    path = _csv(tmp_path / "conf_items.csv", (["sep=;"] if excel_hint else []) + lines)
    target = _db(run, tmp_path)
    result = _import(run, target, path)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(
        target, "SELECT reference, name, lifecycle_status, business_owner FROM system ORDER BY 1"
    ) == [
        ("ci_0001", "Payroll", "Live", "Smith, J"),
        ("ci_0002", "Ledger", "Retired", "Jones, K"),
        ("ci_0003", "Grants", "Cancelled", "Patel, A"),
    ]


def test_the_delimiter_is_the_one_that_splits_every_line_alike() -> None:
    sample = "Name;Owner;Cost\nPayroll;Smith, J;10\nLedger;Jones, K;20\nGrants;Patel, A;30\n"
    assert csv_delimiter(sample) == ";"
    assert csv_delimiter("sep=,\nA;B\n") == ","


# The user's mapping always wins -----------------------------------------------------------


def _servicenow_servers(path: Path) -> Path:
    """A `cmdb_ci_server` list exported to Excel: the host in `name`, the application it serves
    in the `u_gbl_apm_application` reference column."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Page 1"
    sheet.append(["name", "u_gbl_apm_application", "os", "os_version", "install_status"])
    sheet.append(["lonprd-app01", "Tax Platform", "Windows 2012 R2 Standard", "6.3", "Installed"])
    sheet.append(["lonprd-db01", "Tax Platform", "Linux Red Hat", "7.9", "In Maintenance"])
    sheet.append(["lonprd-app07", "Grants", "Windows 2019 Datacenter", "10.0", "Retired"])
    book.save(path)
    return path


def test_an_explicit_mapping_beats_the_detected_column(tmp_path: Path, run: Run) -> None:
    path = _servicenow_servers(tmp_path / "cmdb_ci_server.xlsx")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[systems]\n"u_gbl_apm_application" = "name"\n', encoding="utf-8")
    target = _db(run, tmp_path)
    result = _import(run, target, path, "--mapping", mapping, "--json")
    assert result.exit_code == 0, result.output + result.stderr
    assert "read twice" not in result.output
    assert _rows(target, "SELECT name, lifecycle_status FROM system ORDER BY 1") == [
        ("Grants", "Retired"),
        ("Tax Platform", "Live"),
    ]
    problems = json.loads(result.output)[0]["problems"]
    (dropped,) = [p for p in problems if "another column" in p["message"]]
    assert dropped["message"].startswith("1 column not imported: name ")
    assert dropped["column"] == "A"


def test_a_mapping_file_says_which_sheet_is_what(tmp_path: Path, run: Run) -> None:
    """A register on a sheet named like an interface list is read as systems when the mapping
    file's [systems] table names its headers, or its [sheets] table names the sheet."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Interfaces"
    sheet.append(["Interface Owner", "Interface Name", "Service Owner"])
    sheet.append(["APP-1", "Payments hub", "A. Shah"])
    book.save(tmp_path / "register.xlsx")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[systems]\n"Interface Owner" = "reference"\n"Interface Name" = "name"\n',
        encoding="utf-8",
    )
    target = _db(run, tmp_path)
    result = _import(run, target, tmp_path / "register.xlsx", "--mapping", mapping)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(target, "SELECT reference, name, business_owner, technical_owner FROM system") == [
        ("APP-1", "Payments hub", "A. Shah", None)
    ]
    sheets = tmp_path / "sheets.toml"
    sheets.write_text('[sheets]\n"Interfaces" = "skip"\n', encoding="utf-8")
    refused = run(
        "--db", target, "validate", tmp_path / "register.xlsx", "-d", "DBP", "--mapping", sheets
    )
    assert refused.exit_code == 1
    assert "no sheet has a recognisable header row" in refused.stderr


def test_a_mapping_table_no_sheet_used_is_reported(tmp_path: Path, run: Run) -> None:
    path = _servicenow_servers(tmp_path / "cmdb_ci_server.xlsx")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[systems]\n"u_gbl_apm_application" = "name"\n"Application Number" = "reference"\n'
        '[dependencies]\n"Parent" = "parent"\n"Child" = "child"\n',
        encoding="utf-8",
    )
    target = _db(run, tmp_path)
    result = _import(run, target, path, "--mapping", mapping, "--json")
    messages = [p["message"] for p in json.loads(result.output)[0]["problems"]]
    assert "the mapping file's [dependencies] table was not used" in " ".join(messages)
    assert any(
        m.startswith("1 of the mapping file's [systems] headers are not on sheet 'Page 1'")
        and "Application Number" in m
        for m in messages
    )


def test_a_mapping_declares_a_money_unit_and_a_status_vocabulary(tmp_path: Path, run: Run) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["App Ref", "Application", "Annual Cost", "State"])
    sheet.append(["A-1", "Ledger", 1100, "BAU"])
    sheet.append(["A-2", "Payroll", "2.5m", "Sunset 2027"])
    book.save(tmp_path / "r.xlsx")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[systems]\n"Annual Cost" = { target = "annual_run_cost", unit = "£k" }\n'
        '"State" = "lifecycle_status"\n'
        '[statuses]\n"BAU" = "Live"\n"Sunset 2027" = "Being decommissioned"\n',
        encoding="utf-8",
    )
    target = _db(run, tmp_path)
    result = _import(run, target, tmp_path / "r.xlsx", "--mapping", mapping)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(
        target, "SELECT reference, annual_run_cost, lifecycle_status FROM system ORDER BY 1"
    ) == [("A-1", 1_100_000.0, "Live"), ("A-2", 2_500_000.0, "Being decommissioned")]


def test_a_mapping_gives_any_fixed_list_field_its_own_words(tmp_path: Path, run: Run) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["App Ref", "Application", "Service Tier"])
    sheet.append(["A-1", "Ledger", "Gold+"])
    book.save(tmp_path / "r.xlsx")
    mapping = tmp_path / "mapping.toml"
    mapping.write_text(
        '[systems]\n"Service Tier" = "criticality"\n[values.criticality]\n"Gold+" = "Critical"\n',
        encoding="utf-8",
    )
    target = _db(run, tmp_path)
    result = _import(run, target, tmp_path / "r.xlsx", "--mapping", mapping)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(target, "SELECT criticality FROM system") == [("Critical",)]
    mapping.write_text('[values.criticality]\n"Gold+" = "Urgent"\n', encoding="utf-8")
    refused = _import(run, target, tmp_path / "r.xlsx", "--mapping", mapping)
    assert refused.exit_code == 1
    assert "'Urgent', which is not one of Critical, High, Medium, Low" in refused.stderr


def test_a_mapping_with_a_unit_on_a_field_that_is_not_money_is_refused(
    tmp_path: Path, run: Run
) -> None:
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[systems]\n"Users" = { target = "users", unit = "£k" }\n')
    path = _servicenow_servers(tmp_path / "s.xlsx")
    result = run("--db", _db(run, tmp_path), "validate", path, "--mapping", mapping)
    assert result.exit_code == 1
    assert "only a money column" in result.stderr


def test_write_mapping_always_writes_and_json_always_prints(tmp_path: Path, run: Run) -> None:
    path = _csv(tmp_path / "colours.csv", ["Colour,Shape", "red,round", "blue,square"])
    target = _db(run, tmp_path)
    written = tmp_path / "map.toml"
    result = run("--db", target, "validate", path, "-d", "DBP", "--write-mapping", written)
    assert result.exit_code == 1
    assert "no sheet has a recognisable header row" in result.stderr
    text = written.read_text(encoding="utf-8")
    assert "It could not be read" in text
    assert '# "Colour" = ' in text and '# "Shape" = ' in text
    report = tmp_path / "report.json"
    as_json = run("--db", target, "validate", path, "-d", "DBP", "--json", "--report", report)
    assert as_json.exit_code == 1
    (summary,) = json.loads(as_json.output)
    assert summary["stored"] is False
    assert "no sheet has a recognisable header row" in summary["refused"]
    assert json.loads(report.read_text(encoding="utf-8")) == [summary]


def test_a_written_mapping_reads_the_file_the_same_way_again(tmp_path: Path, run: Run) -> None:
    path = _csv(
        tmp_path / "ci.csv", [";".join(PROJECT_OPEN_HEADER), ";Payroll;pay;ci_1;Active;;;;;;"]
    )
    target = _db(run, tmp_path)
    written = tmp_path / "map.toml"
    first = run("--db", target, "validate", path, "-d", "DBP", "--write-mapping", written)
    assert first.exit_code == 0, first.output + first.stderr
    text = written.read_text(encoding="utf-8")
    assert '"Conf Item Nr" = "reference"' in text and '"Conf Item Name" = "name"' in text
    # guessed by "Type", not by the "Conf Item" every header starts with; never applied
    assert '# "Conf Item Type" = "technology_type"' in text
    again = run("--db", target, "validate", path, "-d", "DBP", "--mapping", written, "--json")
    assert again.exit_code == 0, again.output + again.stderr
    assert "read twice" not in again.output
    assert json.loads(again.output)[0]["summary"]["new"] == 1


# Guesses are safe -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "never"),
    [
        ("*Cores", {"annual_run_cost"}),
        ("Hypervisor", {"period"}),
        ("Number of disks", {"reference", "name"}),
        ("emergency_tier", {"reference", "name"}),
        ("Owner", {"reference"}),
        ("operational_status", {f"c{i}" for i in range(1, 7)} | {f"l{i}" for i in range(1, 8)}),
    ],
)
def test_a_guess_never_sends_a_column_where_its_header_does_not_say(
    header: str, never: set[str]
) -> None:
    for kind in RecordKind:
        assert not never & set(guesses(header, kind)), kind


def test_write_mapping_offers_no_unsafe_guess_for_azure_migrates_columns(
    tmp_path: Path, run: Run
) -> None:
    path = _csv(
        tmp_path / "az.csv",
        [AZURE_MIGRATE_HEADER, "srv01,10.0.0.4,4,8192,Windows Server 2016,10.0,x64" + "," * 15],
        bom=True,
    )
    written = tmp_path / "map.toml"
    result = run(
        "--db", _db(run, tmp_path), "validate", path, "-d", "DBP", "--write-mapping", written
    )
    assert result.exit_code == 0, result.output + result.stderr
    for line in written.read_text(encoding="utf-8").splitlines():
        if line.startswith(('# "*Cores"', '# "Hypervisor"', '# "Number of disks"')):
            assert not any(
                f'= "{t}"' in line for t in ("annual_run_cost", "period", "reference", "name")
            ), line
    assert '"*Server name" = "name"' in written.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("header", "base", "scale"),
    [
        ("Annual Cost (£k)", "Annual Cost", 1e3),
        ("Run cost £000s", "Run cost", 1e3),
        ("Annual run cost (£m)", "Annual run cost", 1e6),
        ("Cost £m", "Cost", 1e6),
        ("Annual cost (GBP 000)", "Annual cost", 1e3),
        ("Annual run cost (£)", "Annual run cost (£)", 1.0),
    ],
)
def test_a_money_headers_multiplier(header: str, base: str, scale: float) -> None:
    assert header_scale(header) == (base, scale)


@pytest.mark.parametrize("mapped", [False, True])
def test_a_money_column_in_thousands_is_stored_in_pounds(
    tmp_path: Path, run: Run, mapped: bool
) -> None:
    """Read by its header, or mapped by a mapping file that names no unit: the header's unit."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["App Ref", "Application", "Annual Cost (£k)", "Service Owner"])
    sheet.append(["A-1", "Ledger", "1,100", "R. Singh"])
    sheet.append(["A-2", "Payroll", "350k", "M. Obi"])
    book.save(tmp_path / "r.xlsx")
    target = _db(run, tmp_path)
    options: list[Any] = []
    if mapped:
        mapping = tmp_path / "m.toml"
        mapping.write_text('[systems]\n"Annual Cost (£k)" = "annual_run_cost"\n', encoding="utf-8")
        options = ["--mapping", mapping]
    result = _import(run, target, tmp_path / "r.xlsx", *options)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(
        target, "SELECT reference, annual_run_cost, business_owner FROM system ORDER BY 1"
    ) == [("A-1", 1_100_000.0, "R. Singh"), ("A-2", 350_000.0, "M. Obi")]


# Lifecycle phases as tools record them ------------------------------------------------------


STATUS_WORDS = {
    # ServiceNow install_status / operational_status / CSDM life cycle stages
    "Installed": LifecycleStatus.LIVE,
    "In Maintenance": LifecycleStatus.LIVE,
    "Operational": LifecycleStatus.LIVE,
    "Pipeline": LifecycleStatus.PLANNED,
    "On Order": LifecycleStatus.PLANNED,
    "Pending Retirement": LifecycleStatus.SUNSETTING,
    "Retired": LifecycleStatus.RETIRED,
    "Cancelled": LifecycleStatus.CANCELLED,
    # LeanIX lifecycle phases
    "Plan": LifecycleStatus.PLANNED,
    "Phase In": LifecycleStatus.IN_DEVELOPMENT,
    "Active": LifecycleStatus.LIVE,
    "Phase Out": LifecycleStatus.SUNSETTING,
    "End of Life": LifecycleStatus.RETIRED,
    # iTop status values
    "production": LifecycleStatus.LIVE,
    "implementation": LifecycleStatus.IN_DEVELOPMENT,
    "obsolete": LifecycleStatus.RETIRED,
    "inactive": LifecycleStatus.RETIRED,
    # ITIL and asset registers
    "Deployed": LifecycleStatus.LIVE,
    "In Use": LifecycleStatus.LIVE,
    "In Review": LifecycleStatus.PLANNED,
    "Disposed": LifecycleStatus.RETIRED,
    "Decommissioned": LifecycleStatus.RETIRED,
    # the rest of ServiceNow's operational_status choices
    "Non-Operational": LifecycleStatus.LIVE,
    "Ready": LifecycleStatus.PLANNED,
    "DR Standby": LifecycleStatus.LIVE,
    "Repair in Progress": LifecycleStatus.LIVE,
}


def test_statuses_as_tools_write_them_import_strictly(tmp_path: Path, run: Run) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["App Ref", "Application", "Status"])
    for number, word in enumerate(STATUS_WORDS, start=1):
        sheet.append([f"A-{number:02}", f"System {number}", word])
    book.save(tmp_path / "r.xlsx")
    target = _db(run, tmp_path)
    result = _import(run, target, tmp_path / "r.xlsx", "--json")
    assert result.exit_code == 0, result.output + result.stderr
    (summary,) = json.loads(result.output)
    assert summary["summary"]["new"] == len(STATUS_WORDS) and summary["summary"]["rejected"] == 0
    stored = dict(_rows(target, "SELECT reference, lifecycle_status FROM system"))
    for number, (word, stage) in enumerate(STATUS_WORDS.items(), start=1):
        assert stored[f"A-{number:02}"] == stage.value, word
    said = {p["message"] for p in summary["problems"]}
    assert "6 systems are retired (rows 8, 14, 17-18, 22-23): stored as retired" in said
    assert "1 system is cancelled (row 9): stored as cancelled" in said


# Dependency ends across the estate -------------------------------------------------------------


def _register(path: Path, rows: list[list[str]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["System reference", "System name", "Depends on"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_an_end_naming_another_departments_system_resolves(tmp_path: Path, run: Run) -> None:
    target = _db(run, tmp_path)
    for code, rows in {
        "DBP": [["DBP-00037", "Tax Platform", ""], ["DBP-00040", "Case Manager", ""]],
        "MOJ": [["MOJ-1", "Case Manager", ""]],
        "DFE": [["DFE-9", "Case Manager", ""]],
    }.items():
        path = _register(tmp_path / f"{code}.xlsx", rows)
        done = run("--db", target, "import", path, "-d", code, "--period", "2026-Q3")
        assert done.exit_code == 0, done.output + done.stderr
    rows = [
        ["HO-1", "Visas", "DBP-00037"],
        ["HO-2", "Passports", "DBP/DBP-00037"],
        ["HO-3", "Borders", "Tax Platform"],
        ["HO-4", "Asylum", "Case Manager"],
        ["HO-5", "Police", "Nowhere System"],
    ]
    path = _register(tmp_path / "HO.xlsx", rows)
    result = run("--db", target, "import", path, "-d", "HO", "--period", "2026-Q3", "--json")
    assert result.exit_code == 0, result.output + result.stderr
    stored = _rows(
        target,
        "SELECT s.reference, d.to_org_code, d.to_reference FROM dependency d "
        "JOIN system s ON s.id = d.from_system_id ORDER BY 1",
    )
    assert stored[:3] == [
        ("HO-1", "DBP", "DBP-00037"),
        ("HO-2", "DBP", "DBP-00037"),
        ("HO-3", "DBP", "DBP-00037"),
    ]
    problems = json.loads(result.output)[0]["problems"]
    (ambiguous,) = [p for p in problems if "names 3 systems" in p["message"]]
    assert "DBP/DBP-00040, DFE/DFE-9, MOJ/MOJ-1" in ambiguous["message"]
    assert any(
        "HO/Nowhere System" in p["message"] and "not in the estate yet" in p["message"]
        for p in problems
    )


# One line per problem kind -----------------------------------------------------------------


def test_rows_repeating_a_system_with_another_name_are_one_line(tmp_path: Path, run: Run) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CI ID", "CI Name", "Technology Type", "Technology", "Version"])
    sheet.append(["CI-1", "Ledger", "Operating System", "Red Hat Enterprise Linux", "7"])
    for number in range(12):
        sheet.append(["CI-1", f"Ledger {number}", "Database", "Oracle Database", f"1{number}c"])
    book.save(tmp_path / "cmdb.xlsx")
    target = _db(run, tmp_path)
    result = _import(run, target, tmp_path / "cmdb.xlsx", "--json")
    assert result.exit_code == 0, result.output + result.stderr
    problems = json.loads(result.output)[0]["problems"]
    (line,) = [p for p in problems if "repeat a system" in p["message"]]
    assert line["message"].startswith(
        "12 rows repeat a system with a different System name (rows 3-14)"
    )


def test_a_technology_extract_of_business_applications_is_read_as_systems(
    tmp_path: Path, run: Run
) -> None:
    """One row per technology of each business application: not a components sheet missing
    its type, but systems with their technology."""
    path = _csv(
        tmp_path / "apm.csv",
        [
            "Business Application,Application Number,Owned By,Business Criticality,"
            "Technology Type,Technology,Version",
            "Tax Platform,APM0001001,Jane Smith,1 - most critical,Operating System,"
            "Windows Server,2012 R2",
            "Tax Platform,APM0001001,Jane Smith,1 - most critical,Database,Microsoft SQL Server,"
            "2014",
        ],
    )
    target = _db(run, tmp_path)
    result = _import(run, target, path)
    assert result.exit_code == 0, result.output + result.stderr
    assert _rows(target, "SELECT reference, name, business_owner, criticality FROM system") == [
        ("APM0001001", "Tax Platform", "Jane Smith", "Critical")
    ]
    assert _rows(target, "SELECT kind, product, version FROM component ORDER BY 1") == [
        ("Database", "Microsoft SQL Server", "2014"),
        ("Operating system", "Windows Server", "2012 R2"),
    ]
