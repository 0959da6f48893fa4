"""Imports and readers at the same moment on a PostgreSQL estate, as separate processes: imports
take the estate's write lock in turn, so both land and the second sees what the first stored;
readers never wait for a writer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from estate import db
from tests.conftest import LATEST_SAMPLES, Run

pytestmark = pytest.mark.postgres

ESTATE = Path(sys.executable).parent / "estate"


def _start(url: str, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(ESTATE), *map(str, args)],
        env=os.environ | {"ESTATE_DB": url},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


@contextmanager
def _write_lock_held(url: str) -> Iterator[sa.Engine]:
    """The estate's write lock held by another writer until the block ends; yields an engine
    on which to watch who waits for it."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as holder, holder.begin():
            db.begin_write(holder)
            yield engine
    finally:
        engine.dispose()


def _wait_for_waiters(engine: sa.Engine, count: int) -> None:
    """Until `count` sessions wait for the write lock (each import has started and queued)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        with engine.connect() as watcher:
            waiting = watcher.exec_driver_sql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).scalar_one()
        if waiting >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"fewer than {count} imports came to wait for the write lock")


def _import(url: str, name: str) -> subprocess.Popen[str]:
    return _start(url, "import", "--skip-invalid", "--json", LATEST_SAMPLES / name)


def test_imports_of_two_departments_at_once_both_land(pg_url: str, run: Run) -> None:
    assert run("--db", pg_url, "init").exit_code == 0
    with _write_lock_held(pg_url) as engine:
        imports = [
            _import(pg_url, "moj-2026-Q3-return.xlsx"),
            _import(pg_url, "rca-2026-Q3-return.xlsx"),
        ]
        _wait_for_waiters(engine, 2)
    results = [_finish(p) for p in imports]
    assert [code for code, _, _ in results] == [0, 0], results
    stats = json.loads(run("--db", pg_url, "stats", "--json").stdout)
    by_department = {d["department"]: d["systems"] for d in stats["systems_by_department"]}
    for gone in stats["retired_or_cancelled_systems"]:  # stored, but out of the counts
        by_department[gone["key"].split("/")[0]] += 1
    stored = [json.loads(out)[0]["summary"]["new"] for _, out, _ in results]
    assert by_department == {"MOJ": stored[0], "RCA": stored[1]} and min(stored) > 0
    assert stats["import_batches"] == 2


def test_a_second_import_of_one_department_waits_then_applies_to_what_the_first_stored(
    pg_url: str, run: Run
) -> None:
    assert run("--db", pg_url, "init").exit_code == 0
    with _write_lock_held(pg_url) as engine:
        imports = [
            _import(pg_url, "moj-2026-Q3-return.xlsx"),
            _import(pg_url, "moj-2026-Q3-return.xlsx"),
        ]
        _wait_for_waiters(engine, 2)
    results = [_finish(p) for p in imports]
    assert [code for code, _, _ in results] == [0, 0], results
    summaries = sorted((json.loads(out)[0]["summary"] for _, out, _ in results), key=str)
    first, second = sorted(summaries, key=lambda s: -s["new"])
    assert first["new"] > 0 and first["unchanged"] == 0
    assert second["new"] == 0 and second["unchanged"] == first["new"]
    stats = json.loads(run("--db", pg_url, "stats", "--json").stdout)
    assert stats["systems"] == first["new"] and stats["import_batches"] == 2


def test_an_import_refused_after_waiting_too_long_stores_nothing(
    pg_url: str, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("--db", pg_url, "init").exit_code == 0
    monkeypatch.setattr(db, "WRITE_WAIT_S", 1)
    with _write_lock_held(pg_url):
        result = run(
            "--db", pg_url, "import", "--skip-invalid", LATEST_SAMPLES / "moj-2026-Q3-return.xlsx"
        )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nothing was stored" in lines[0], result.stderr
    assert json.loads(run("--db", pg_url, "stats", "--json").stdout)["systems"] == 0


def test_readers_never_block_a_writer_nor_wait_for_one(pg_url: str, run: Run) -> None:
    assert run("--db", pg_url, "demo").exit_code == 0
    reader = sa.create_engine(pg_url, isolation_level="REPEATABLE READ")
    try:
        with reader.connect() as reading, reading.begin():
            before = reading.exec_driver_sql("SELECT count(*) FROM import_batch").scalar_one()
            code, _, err = _finish(
                _import(pg_url, "moj-2026-Q3-return.xlsx")
            )  # while a read is open
            assert code == 0, err
            same = reading.exec_driver_sql("SELECT count(*) FROM import_batch").scalar_one()
            assert same == before, "the open read still sees the estate as it began"
    finally:
        reader.dispose()
    with _write_lock_held(pg_url):  # a writer mid-import: rank is answered meanwhile
        code, out, err = _finish(_start(pg_url, "rank", "--json"))
    assert code == 0, err
    assert json.loads(out)["systems"]
