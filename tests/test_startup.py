"""What the command line loads before it does anything: each command only the libraries it
needs. `estate --help` loads none of estate's heavy libraries, and an import never loads
scoring, the graph, the exports or a spreadsheet library for a format it is not reading.

Each case runs the real entry point (`estate.cli.main`) in a fresh Python process, as the
console script does, and reads back which modules were loaded."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.returns import small_return, system

RUNNER = """
import json, sys
from estate.cli.main import main

report = sys.argv.pop(1)
code = 0
try:
    main()
except SystemExit as exc:
    code = exc.code
with open(report, "w", encoding="utf-8") as handle:
    json.dump({"code": code, "modules": sorted(sys.modules)}, handle)
"""

NEVER_ON_IMPORT = (
    "networkx",
    "xlsxwriter",
    "openpyxl",
    "textual",
    "tui",
    "estate.scoring",
    "estate.graph",
    "estate.exports",
    "estate.ranking.snapshot",
    "estate.render.system",
)
"""What importing or validating a return never needs."""

NEVER_AT_HELP = (
    *NEVER_ON_IMPORT,
    "sqlalchemy",
    "sqlmodel",
    "pydantic",
    "rich",
    "rapidfuzz",
    "python_calamine",
    "estate.db",
    "importers",
)


def _loaded(tmp_path: Path, *args: str | Path) -> tuple[int, set[str], str]:
    """Run `estate ARGS` in a fresh process: its exit code, the modules it loaded, its output."""
    report = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(report), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    result: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return result["code"], set(result["modules"]), done.stdout + done.stderr


def _among(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    """The modules that are one of `packages` or inside one."""
    return sorted(
        m for m in modules if m in packages or m.startswith(tuple(f"{p}." for p in packages))
    )


def _csv_return(path: Path) -> Path:
    path.write_text(
        "Department,Reference,System name,Criticality,Hosting,Annual run cost (£)\n"
        "DBP,DBP-1,Benefit payments,High,On premises,approx 1.2m\n"
        "DBP,DBP-2,Pension records,Medium,Public cloud,250000\n",
        encoding="utf-8",
    )
    return path


def test_help_loads_no_library_of_estate(tmp_path: Path) -> None:
    code, modules, shown = _loaded(tmp_path, "--help")
    assert code == 0
    assert "import" in shown and "Import departmental returns" in shown
    assert _among(modules, NEVER_AT_HELP) == []


def test_a_commands_own_help_loads_only_that_command(tmp_path: Path) -> None:
    code, modules, shown = _loaded(tmp_path, "import", "--help")
    assert code == 0 and "--skip-invalid" in shown
    assert _among(modules, NEVER_ON_IMPORT) == []


@pytest.mark.parametrize("command", [("import", "--skip-invalid"), ("validate",)])
def test_a_csv_return_loads_no_spreadsheet_library(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    database = tmp_path / "estate.db"
    _loaded(tmp_path, "--db", database, "init")
    source = _csv_return(tmp_path / "dbp.csv")
    code, modules, shown = _loaded(tmp_path, "--db", database, command[0], source, *command[1:])
    assert code == 0, shown
    assert "2 new" in shown and "approximate" in shown
    assert _among(modules, (*NEVER_ON_IMPORT, "python_calamine", "defusedxml")) == []


def test_a_workbook_return_loads_the_workbook_reader_only(tmp_path: Path) -> None:
    database = tmp_path / "estate.db"
    _loaded(tmp_path, "--db", database, "init")
    source = small_return(tmp_path / "dbp.xlsx", [system("DBP-1"), system("DBP-2")])
    code, modules, shown = _loaded(tmp_path, "--db", database, "import", source)
    assert code == 0, shown
    assert "python_calamine" in modules
    assert _among(modules, NEVER_ON_IMPORT) == []


def test_a_report_in_xlsx_loads_openpyxl_to_write_it(tmp_path: Path) -> None:
    """The workbook writer is loaded for what needs it, not left out by accident."""
    database = tmp_path / "estate.db"
    _loaded(tmp_path, "--db", database, "init")
    report = tmp_path / "problems.xlsx"
    code, modules, shown = _loaded(
        tmp_path,
        "--db",
        database,
        "validate",
        _csv_return(tmp_path / "dbp.csv"),
        "--report",
        report,
    )
    assert code == 0, shown
    assert report.exists() and "openpyxl" in modules


NEVER_FROM_KEPT = ("importers", "estate.exports", "openpyxl", "xlsxwriter", "python_calamine")
"""What a command answered from the kept ranking never needs: every such command loads these
for nothing (a fifth of a second at every start)."""


@pytest.mark.parametrize(
    "command",
    [("rank", "--top", "3"), ("contracts", "--json"), ("waves", "--csv"), ("rank", "--json")],
    ids=" ".join,
)
def test_a_command_answered_from_the_kept_ranking_loads_no_importer_or_writer(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    database = tmp_path / "estate.db"
    _loaded(tmp_path, "--db", database, "init")
    _loaded(tmp_path, "--db", database, "import", _csv_return(tmp_path / "dbp.csv"))
    _loaded(tmp_path, "--db", database, "rank")  # kept
    code, modules, shown = _loaded(tmp_path, "--db", database, *command)
    assert code == 0, shown
    assert "estate.ranking.snapshot" in modules  # the kept ranking was read
    assert _among(modules, NEVER_FROM_KEPT) == []
