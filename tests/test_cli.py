"""The `estate` command line, driven through its entry point: output, JSON and exit codes."""

from __future__ import annotations

import importlib
import io
import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import click
import pytest

from estate.cli import cli
from estate.cli.base import COMMANDS
from tests.conftest import LATEST_SAMPLES, SAMPLE_DIR, Run

ESTATE = shutil.which("estate") or str(Path(sys.executable).parent / "estate")


def test_init_creates_an_empty_estate(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    result = run("--db", path, "init")
    assert result.exit_code == 0, result.output
    assert path.exists()
    stats = json.loads(run("--db", path, "stats", "--json").stdout)
    assert stats["systems"] == 0 and stats["organisations"] == 0
    assert run("--db", path, "init").exit_code == 0  # a second init leaves it be
    ranked = run("--db", path, "rank")
    assert ranked.exit_code == 0 and not ranked.stdout
    assert "The estate is empty: import a return with `estate import FILE`" in ranked.stderr


def test_db_can_come_from_the_environment(tmp_path: Path) -> None:
    from click.testing import CliRunner

    path = tmp_path / "env.db"
    result = CliRunner().invoke(cli, ["init"], env={"ESTATE_DB": str(path)})
    assert result.exit_code == 0
    assert path.exists()


def test_demo_builds_the_sample_estate(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    result = run("--db", path, "demo")
    assert result.exit_code == 0, result.output
    assert "Imported 44 sample returns" in result.stdout  # 40 returns, 4 tools' exports
    said = " ".join(result.stderr.split())
    assert "4 quarters, 2025-Q4 to 2026-Q3: see how the estate changed" in said
    assert "estate validate sample_data/2026-Q3/<file>" in said
    stats = json.loads(run("--db", path, "stats", "--json").stdout)
    assert stats["organisations"] == 12  # 9 with returns, 3 with tools' exports
    assert 330 <= stats["systems"] <= 370
    assert stats["import_batches"] == 44
    by_department = {row["department"]: row["systems"] for row in stats["systems_by_department"]}
    assert 15 <= by_department["DTR"] <= 25 and 15 <= by_department["DFE"] <= 25  # own layouts
    trend = json.loads(run("--db", path, "trend", "--json").stdout)
    periods = [row["period"] for row in trend["periods"]]
    assert periods == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]  # a trend at once
    assert stats["dependencies"] > stats["systems"]
    again = run("--db", path, "demo")
    assert again.exit_code == 1 and "--force" in again.stderr
    assert run("--db", path, "demo", "--force").exit_code == 0


def test_systems_json_lists_every_system_in_key_order(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "systems", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    keys = [(r["department"], r["reference"]) for r in rows]
    assert keys == sorted(keys)
    assert len(keys) == len(set(keys))
    first = rows[0]
    assert set(first) >= {"key", "department", "reference", "name", "criticality", "hosting"}


def test_systems_filters_by_department(run: Run, demo_db: Path) -> None:
    rows = json.loads(run("--db", demo_db, "systems", "--department", "dbp", "--json").stdout)
    assert rows and {r["department"] for r in rows} == {"DBP"}
    unknown = run("--db", demo_db, "systems", "--department", "NOPE")
    assert unknown.exit_code == 1
    assert "No department 'NOPE'" in unknown.stderr and "DBP" in unknown.stderr


def test_systems_on_a_terminal_shows_the_first_hundred(
    run: Run, demo_db: Path, terminal: io.StringIO
) -> None:
    result = run("--db", demo_db, "systems")
    total = len(json.loads(run("--db", demo_db, "systems", "--json").stdout))
    assert f"Showing the first 100 of {total}" in result.stderr
    assert len([line for line in terminal.getvalue().splitlines() if "/" in line]) == 100


def test_show_json_matches_the_sample_return(run: Run, demo_db: Path) -> None:
    from python_calamine import CalamineWorkbook

    sample = LATEST_SAMPLES / "dbp-2026-Q3-return.xlsx"
    sheet = CalamineWorkbook.from_path(str(sample)).get_sheet_by_name("Systems")
    header, *rows = sheet.to_python()
    row = dict(zip(header, rows[0], strict=False))
    result = run("--db", demo_db, "show", f"DBP/{row['System reference']}", "--json")
    assert result.exit_code == 0, result.output
    detail = json.loads(result.stdout)
    assert detail["name"] == row["System name"]
    assert detail["hosting"] == row["Hosting"]
    assert detail["users"] == row["Number of users"]
    assert detail["department_name"] == "Department for Benefits and Pensions"
    # The name has not changed since the first quarter: its provenance is that return's cell.
    first = CalamineWorkbook.from_path(str(SAMPLE_DIR / "2025-Q4" / "dbp-2025-Q4-return.xlsx"))
    references = [r[1] for r in first.get_sheet_by_name("Systems").to_python()]
    assert detail["provenance"]["name"] == {
        "file": "dbp-2025-Q4-return.xlsx",
        "sheet": "Systems",
        "row": references.index(row["System reference"]) + 1,
        "column": "C",
        "imported_at": detail["provenance"]["name"]["imported_at"],
    }
    assert detail["components"], "the sample gives every system some technology"


def test_show_accepts_a_bare_reference_and_renders_a_panel(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "show", "DBP-00002")
    assert result.exit_code == 0, result.output
    assert "DBP/DBP-00002" in result.stdout and "Components" in result.stdout


def test_show_gives_the_catalogues_support_dates_where_the_return_gave_none(
    run: Run, demo_db: Path
) -> None:
    from estate.catalogue import builtin

    with closing(sqlite3.connect(demo_db)) as connection:
        code, reference = connection.execute(
            "SELECT o.code, s.reference FROM component c JOIN system s ON s.id = c.system_id"
            " JOIN organisation o ON o.id = s.organisation_id WHERE c.version = '2012 R2'"
            " AND c.product LIKE 'Windows Server%' AND c.end_of_support IS NULL LIMIT 1"
        ).fetchone()
    key = f"{code}/{reference}"
    detail = json.loads(run("--db", demo_db, "show", key, "--json").stdout)
    undated = [c for c in detail["components"] if c["end_of_support"] is None]
    component = next(c for c in undated if c["version"] == "2012 R2")
    cycle = builtin().match("Windows Server 2012 R2").cycle
    assert cycle is not None and cycle.security_end is not None
    assert component["security_support_ends"] == cycle.security_end.isoformat()
    assert component["last_paid_support_ends"] == str(cycle.last_supported)
    assert component["support_dates_from"].startswith("catalogue: ")
    shown = run("--db", demo_db, "show", key).stdout
    assert cycle.security_end.strftime("%d/%m/%Y") in shown
    assert "(catalogue)" in shown and "paid to" in shown


def test_show_unknown_system_is_a_user_error(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "show", "DBP/NOPE")
    assert result.exit_code == 1
    assert "No system 'DBP/NOPE'" in result.stderr


def test_stats_counts_by_department(run: Run, demo_db: Path) -> None:
    stats = json.loads(run("--db", demo_db, "stats", "--json").stdout)
    by_department = {row["department"]: row["systems"] for row in stats["systems_by_department"]}
    assert sum(by_department.values()) == stats["systems"]
    assert stats["unresolved_dependencies"] > 0, "the sample depends on a system nobody returned"
    table = run("--db", demo_db, "stats")
    assert "Systems by department" in table.stdout


def test_missing_database_is_a_user_error(run: Run, tmp_path: Path) -> None:
    result = run("--db", tmp_path / "absent.db", "systems")
    assert result.exit_code == 1
    assert "No estate database" in result.stderr and "estate init" in result.stderr


def test_upgrade_on_a_current_database_says_so(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "upgrade")
    assert result.exit_code == 0 and "already at schema version" in result.stderr


def test_generate_is_deterministic(run: Run, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        assert run("generate", "--systems", "40", "--departments", "3", out).exit_code == 0
    names = sorted(p.name for p in first.iterdir())
    assert names == [
        "dbp-return.xlsx",
        "dfe-cmdb-extract.xlsx",
        "dfe-cmdb-relationships.csv",
        "dtr-register.xlsx",
        "mbi-systems.csv",
        "rca-return.xlsx",
    ]
    for text in ("mbi-systems.csv", "dfe-cmdb-relationships.csv"):
        assert (first / text).read_bytes() == (second / text).read_bytes()
    from python_calamine import CalamineWorkbook

    def rows(path: Path) -> list[list[Any]]:
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Systems").to_python()

    assert rows(first / "dbp-return.xlsx") == rows(second / "dbp-return.xlsx")


def test_sample_data_is_what_the_generator_makes(run: Run, tmp_path: Path) -> None:
    """sample_data/ must be rebuildable: `make sample-data` gives the same returns."""
    args = ("--systems", "300", "--departments", "7", "--seed", "2025", "--periods", "4")
    assert run("generate", *args, tmp_path).exit_code == 0
    ours = sorted(
        p.relative_to(SAMPLE_DIR)
        for p in SAMPLE_DIR.rglob("*")
        if p.is_file() and p.parent.name != "exports"  # tools' own exports, not generated
    )
    assert ours == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(ours) == 40
    for path in ours:
        if path.suffix == ".csv":
            assert (tmp_path / path).read_bytes() == (SAMPLE_DIR / path).read_bytes()
    from python_calamine import CalamineWorkbook

    for path in ours:
        if path.suffix != ".xlsx":
            continue
        kept = CalamineWorkbook.from_path(str(SAMPLE_DIR / path))
        fresh = CalamineWorkbook.from_path(str(tmp_path / path))
        for name in kept.sheet_names:
            assert (
                kept.get_sheet_by_name(name).to_python()
                == fresh.get_sheet_by_name(name).to_python()
            )


COMMAND_NAMES = cli.list_commands(click.Context(cli))


def _command(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None, f"{name} is listed but no module defines it"
    return command


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_every_command_has_help(run: Run, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert _command(command).help, f"{command} has no help text"


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_the_command_list_says_what_each_command_does(command: str) -> None:
    """`estate --help` lists the commands without loading them, from the summaries the group
    keeps: each must be the first sentence of the command's own help."""
    kept = click.Command(command, help=COMMANDS[command].summary)
    for limit in (45, 10_000):
        assert kept.get_short_help_str(limit) == _command(command).get_short_help_str(limit)


def test_every_command_module_is_listed() -> None:
    """A command defined in a module but missing from the group's list would never be found."""
    for name in {c.module for c in COMMANDS.values()}:
        importlib.import_module(name)
    assert sorted(cli.commands) == COMMAND_NAMES


def test_every_command_is_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in COMMAND_NAMES
        if f"estate {name}" not in readme and f"`{name}`" not in readme
    ]
    assert not missing, f"README does not mention: {missing}"


class TestRealEntryPoint:
    """The installed console script: exit codes and clean messages, never a traceback."""

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ESTATE, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
        )

    def test_usage_error_exits_2(self) -> None:
        result = self._run("systems", "--no-such-option")
        assert result.returncode == 2
        assert "No such option" in result.stderr

    def test_damaged_database_exits_1_without_traceback(self, tmp_path: Path) -> None:
        path = tmp_path / "damaged.db"
        path.write_bytes(b"SQLite format 3\x00" + b"\x00\xff" * 300)
        result = self._run("--db", path, "systems", "--json")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
        assert str(path) in result.stderr

    def test_foreign_file_exits_1(self, tmp_path: Path) -> None:
        path = tmp_path / "notes.txt"
        path.write_text("hello\n")
        result = self._run("--db", path, "stats")
        assert result.returncode == 1
        assert "not an SQLite database" in result.stderr

    def test_a_reader_that_stops_early_is_no_error(self, demo_db: Path) -> None:
        """`estate rank --csv | head -1`: the reader closes the pipe with most rows unread."""
        with subprocess.Popen(
            [ESTATE, "--db", demo_db, "rank", "--csv"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        ) as process:
            assert process.stdout is not None and process.stderr is not None
            assert process.stdout.readline().startswith("rank,key,")
            process.stdout.close()
            errors = process.stderr.read()
            assert process.wait(timeout=60) == 0
        assert errors == ""

    def test_success_exits_0(self, demo_db: Path) -> None:
        result = self._run("--db", demo_db, "systems", "--json")
        assert result.returncode == 0
        assert json.loads(result.stdout)


def test_text_from_a_return_is_shown_as_written(run: Run, tmp_path: Path) -> None:
    """Names, suppliers and owners are a department's text: brackets in them are printed as
    written, never read as terminal styling."""
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    header = "System reference,System name,Supplier,Business criticality,Contract end date\n"
    first, second = tmp_path / "q2.csv", tmp_path / "q3.csv"
    ledger = "A-1,Ledger [old],Acme [UK],High,2027-06-30\n"
    first.write_text(header + ledger)
    second.write_text(header + ledger + "A-2,[bold]Claims,[red]X,Low,\n")
    for path, period in ((first, "2026-Q2"), (second, "2026-Q3")):
        result = run("--db", target, "import", path, "-d", "XYZ", "--period", period)
        assert result.exit_code == 0, result.output
    for command, shown in (
        (("show", "XYZ/A-1"), ("Ledger [old]", "Acme [UK]")),
        (("history", "XYZ/A-2"), ("[bold]Claims", "[red]X")),
        (("changes",), ("[bold]Claims",)),
        (("systems",), ("Ledger [old]", "[bold]Claims")),
        (("rank",), ("Ledger [old]", "[bold]Claims")),
        (("contracts", "--as-of", "2026-12-01"), ("Ledger [old]", "Acme [UK]")),
    ):
        result = run("--db", target, *command)
        assert result.exit_code == 0, (command, result.output)
        for text in shown:
            assert text in result.output, (command, text, result.output)


def test_an_import_shows_the_cells_and_names_it_read_as_written(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    path = tmp_path / "r.csv"
    path.write_text("System reference,System name,Annual run cost\nB-1,[bold]Thing,[red]lots\n")
    result = run("--db", target, "import", path, "-d", "XYZ", "--dry-run", "--skip-invalid")
    assert result.exit_code == 0, result.output
    assert "C2 '[red]lots'" in result.output
    assert "B-1 [bold]Thing" in result.output


def test_an_import_refusing_one_file_says_what_the_files_before_it_stored(
    run: Run, tmp_path: Path
) -> None:
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    good, later = tmp_path / "xyz.csv", tmp_path / "xyz-more.csv"
    good.write_text("System reference,System name\nA-1,Ledger\n")
    later.write_text("System reference,System name\nA-2,Claims\n")
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    result = run("--db", target, "import", good, damaged, later, "-d", "XYZ", "--period", "2026-Q3")
    assert result.exit_code == 1
    assert "xyz.csv (XYZ): 1 new" in result.output and "stored as import 1" in result.output
    assert "damaged.xlsx" in result.stderr
    assert "Not imported, as damaged.xlsx was refused: xyz-more.csv." in result.stderr
    systems = json.loads(run("--db", target, "systems", "--json").stdout)
    assert [s["key"] for s in systems] == ["XYZ/A-1"]


def test_validate_refusing_one_file_says_which_were_not_checked(run: Run, tmp_path: Path) -> None:
    good, later = tmp_path / "xyz.csv", tmp_path / "xyz-more.csv"
    good.write_text("System reference,System name\nA-1,Ledger\n")
    later.write_text("System reference,System name\nA-2,Claims\n")
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    result = run(
        "--db", target, "validate", good, damaged, later, "-d", "XYZ", "--period", "2026-Q3"
    )
    assert result.exit_code == 1
    assert "Not checked, as damaged.xlsx was refused: xyz-more.csv." in result.stderr
    assert "imported" not in result.stderr.lower()


EXPORTS = Path(__file__).parent / "exports"


def test_a_refused_tool_export_names_the_profile_it_was_recognised_as(
    run: Run, tmp_path: Path
) -> None:
    """A ServiceNow server export says nothing of whose it is, so without --department it is
    refused; the JSON summary and the mapping written for it still say what it was taken for."""
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    export = EXPORTS / "servicenow-server.csv"
    result = run("--db", target, "import", export, "--json")
    assert result.exit_code == 1
    (summary,) = json.loads(result.stdout)
    assert "cannot tell which department" in summary["refused"]
    assert summary["profiles"] == {"servicenow-server": "ServiceNow servers (cmdb_ci_server)"}
    written = tmp_path / "mapping.toml"
    result = run("--db", target, "validate", export, "--write-mapping", written)
    assert result.exit_code == 1
    assert "Recognised as an export of ServiceNow servers (cmdb_ci_server)." in written.read_text()


def test_a_tool_export_refused_for_its_period_names_its_profile(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    export = EXPORTS / "manageengine-ci.csv"
    result = run("--db", target, "import", export, "-d", "DWP", "--period", "2001-Q1", "--json")
    assert result.exit_code == 1
    (summary,) = json.loads(result.stdout)
    assert summary["stored"] is False and "2001-Q1" in summary["refused"]
    assert summary["profiles"] == {"manageengine-ci": "ManageEngine CMDB configuration items"}


def test_a_refused_file_of_no_tool_names_no_profile(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    path = tmp_path / "r.csv"
    path.write_text("System reference,System name\nA-1,Ledger\n")
    result = run("--db", target, "import", path, "--json")
    assert result.exit_code == 1
    (summary,) = json.loads(result.stdout)
    assert "cannot tell which department" in summary["refused"]
    assert summary["profiles"] == {}


def test_a_folder_of_one_quarters_generated_returns_is_imported_for_that_quarter(
    run: Run, tmp_path: Path
) -> None:
    """`estate generate` writes one quarter's returns, some with no cover sheet to say it (a
    CSV, a register, a CMDB extract): `demo --sample-dir` imports those for the quarter the
    cover sheets give, not for the day they are imported, so the estate is one quarter."""
    out = tmp_path / "returns"
    assert run("generate", "--systems", "40", "--departments", "3", out).exit_code == 0
    result = run("--db", tmp_path / "e.db", "demo", "--sample-dir", out)
    assert result.exit_code == 0, result.output
    with closing(sqlite3.connect(tmp_path / "e.db")) as connection:
        periods = connection.execute("SELECT DISTINCT period FROM import_batch").fetchall()
    assert periods == [("2026-Q3",)]
