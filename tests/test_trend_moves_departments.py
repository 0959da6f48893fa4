"""A department that sends a return for both periods is never said to join or leave the
estate: when its return retires every one of its systems, the trend tells the fall as systems
retired, as `estate changes` does, not as a department leaving; and the commands that count
only systems still in service, asked for that department, say it has none counted rather than
that there is no such department (or that the estate is empty)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from estate.enums import LifecycleStatus
from importers.layout import RecordKind
from importers.template import write_return
from tests.conftest import Run
from tests.returns import small_return, system


def _moj_return(path: Path, status: LifecycleStatus) -> Path:
    """MOJ's return: its one system, with the given lifecycle status."""
    rows = {
        RecordKind.SYSTEMS: [
            system(
                "MOJ-1",
                department="MOJ",
                contract_end=dt.date(2030, 1, 1),
                lifecycle_status=status,
            )
        ],
    }
    write_return(path, cover={"Department code": "MOJ", "Department name": "Justice"}, records=rows)
    return path


@pytest.fixture
def emptied_db(run: Run, tmp_path: Path) -> Path:
    """DBP's two systems and MOJ's one in 2026-Q2; in 2026-Q3 MOJ's return retires its one."""
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    dbp = small_return(tmp_path / "dbp.xlsx")
    live = _moj_return(tmp_path / "moj-q2.xlsx", LifecycleStatus.LIVE)
    retired = _moj_return(tmp_path / "moj-q3.xlsx", LifecycleStatus.RETIRED)
    for period, files in (("2026-Q2", (dbp, live)), ("2026-Q3", (dbp, retired))):
        for file in files:
            imported = run("--db", path, "import", file, "--period", period)
            assert imported.exit_code == 0, imported.output
    return path


def test_a_department_retiring_all_its_systems_is_not_said_to_leave(
    run: Run, emptied_db: Path
) -> None:
    path = emptied_db
    trend = run("--db", path, "trend", "--json")
    assert trend.exit_code == 0, trend.output
    first, second = json.loads(trend.stdout)["periods"]
    assert (first["systems"], second["systems"]) == (3, 2)
    assert second["moved"]["systems"] == {
        "like_for_like": 0,
        "calendar": 0,
        "new_or_retired": -1,
        "departments": 0,
    }
    changes = json.loads(run("--db", path, "changes", "--json").stdout)
    assert changes["counts"]["retired or cancelled"] == 1
    printed = " ".join(run("--db", path, "trend").stdout.split())
    assert "systems -1: -1 systems new, retired or removed" in printed
    assert "departments joining or leaving" not in printed
    moj = json.loads(run("--db", path, "trend", "--json", "--department", "MOJ").stdout)
    assert moj["periods"][1]["moved"]["systems"]["new_or_retired"] == -1


@pytest.mark.parametrize(
    "command",
    [("rank",), ("waves",), ("contracts",), ("carbon",), ("export", "pack.json")],
)
def test_a_department_with_every_system_retired_is_said_to_have_none_counted(
    run: Run, emptied_db: Path, tmp_path: Path, command: tuple[str, ...]
) -> None:
    args = [a if a != "pack.json" else str(tmp_path / a) for a in command]
    result = run("--db", emptied_db, *args, "--department", "MOJ")
    assert result.exit_code == 1, result.output
    said = " ".join(result.stderr.split())
    assert "No department 'MOJ' with systems counted" in said
    assert "retired, cancelled and removed systems are out of the counts" in said
    assert "Departments with systems: DBP." in said
