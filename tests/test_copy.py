"""`estate copy`: an SQLite estate moved onto PostgreSQL and back, with the same results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import LATEST_SAMPLES, Run

pytestmark = pytest.mark.postgres

COMPARED = (["rank", "--json"], ["waves", "--json"], ["stats", "--json"], ["systems", "--json"])


def _outputs(run: Run, where: str | Path) -> list[str]:
    found = []
    for command in COMPARED:
        result = run("--db", where, *command)
        assert result.exit_code == 0, result.output
        found.append(result.stdout)
    return found


def test_an_sqlite_estate_copies_to_postgresql_and_back_unchanged(
    run: Run, demo_db: Path, pg_url: str, tmp_path: Path
) -> None:
    before = _outputs(run, demo_db)
    there = run("copy", demo_db, pg_url)
    assert there.exit_code == 0, there.output
    stats = json.loads(before[2])
    systems = stats["systems"] + stats["retired_or_cancelled"]  # every stored system is copied
    assert f"Copied {systems:,} systems" in " ".join(there.stderr.split())
    assert _outputs(run, pg_url) == before
    back = tmp_path / "back.db"
    assert run("copy", pg_url, back).exit_code == 0
    assert _outputs(run, back) == before
    show = ["show", json.loads(before[3])[0]["key"], "--json"]
    shown = run("--db", demo_db, *show)
    assert shown.exit_code == 0 and "provenance" in shown.stdout, "provenance comes across"
    assert run("--db", back, *show).stdout == shown.stdout


def test_the_copy_takes_further_imports(run: Run, demo_db: Path, pg_url: str) -> None:
    assert run("copy", demo_db, pg_url).exit_code == 0
    imported = run(
        "--db", pg_url, "import", "--skip-invalid", LATEST_SAMPLES / "cts-2026-Q3-systems.csv"
    )
    assert imported.exit_code == 0, imported.output
    batches = json.loads(run("--db", pg_url, "stats", "--json").stdout)["import_batches"]
    assert (
        batches == json.loads(run("--db", demo_db, "stats", "--json").stdout)["import_batches"] + 1
    )


def test_a_copy_into_an_estate_that_holds_data_is_refused(
    run: Run, demo_db: Path, pg_url: str
) -> None:
    assert run("copy", demo_db, pg_url).exit_code == 0
    again = run("copy", demo_db, pg_url)
    assert again.exit_code == 1
    assert again.stderr.strip().splitlines() == [
        f"Error: {pg_url} already holds an estate (organisation has rows); copy into a new, "
        "empty database."
    ]
