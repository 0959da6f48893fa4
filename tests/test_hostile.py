"""Hostile input and hostile places to write: every fault is one line and exit code 1, or a
correct result; never a traceback, a changed database or a changed foreign file. Each test
builds its own files."""

from __future__ import annotations

import csv
import io
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from estate import db
from estate.files import TEMP_SUFFIX
from importers.parse import parse_return
from tests.conftest import Run

AS_OF = ("--as-of", "2025-06-30")
FORMULA = '=HYPERLINK("http://x","y")'


def _one_line_failure(result: object, *names: str) -> str:
    """The error a command printed, checked to be one line, exit code 1, no traceback."""
    exit_code = result.exit_code  # type: ignore[attr-defined]
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert exit_code == 1, (exit_code, stderr)
    assert isinstance(result.exception, SystemExit), result.exception  # type: ignore[attr-defined]
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    for name in names:
        assert name in lines[0]
    return lines[0]


def _writers(out: Path) -> list[list[str]]:
    """Every command that writes a file a user names, writing to `out`."""
    return [
        ["export", str(out), "--format", "csv", *AS_OF],
        ["export", str(out), "--format", "xlsx", *AS_OF],
        ["template", str(out)],
        ["template", str(out), "--department", "DBP"],
        ["graph", "export", str(out), "--format", "json"],
        ["validate", "SAMPLE", "--report", str(out)],
    ]


def _writer_args(args: list[str], sample: Path) -> list[str]:
    return [str(sample) if a == "SAMPLE" else a for a in args]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/full", "/dev/stdout"])
@pytest.mark.parametrize("command", range(6))
def test_no_writer_replaces_a_device(
    run: Run, demo_db: Path, tmp_path: Path, device: str, command: int
) -> None:
    before = os.lstat(device)
    sample = sorted((Path(__file__).parent.parent / "sample_data").glob("*.csv"))[0]
    args = _writer_args(_writers(Path(device))[command], sample)
    result = run("--db", demo_db, *args)
    if result.exit_code == 2:  # a usage error about the name (a template must be .xlsx)
        return
    _one_line_failure(result, device)
    after = os.lstat(device)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode,
        before.st_ino,
        before.st_rdev,
    )


def test_writers_refuse_pipes_folders_links_and_read_only_files(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    sample = sorted((Path(__file__).parent.parent / "sample_data").glob("*.csv"))[0]
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    real = tmp_path / "real.xlsx"
    real.write_bytes(b"mine")
    link = tmp_path / "link.xlsx"
    link.symlink_to(real)
    locked = tmp_path / "locked.xlsx"
    locked.write_bytes(b"mine")
    locked.chmod(0o444)
    for target, words in (
        (pipe, "not a regular file"),
        (folder, "folder"),
        (link, "symbolic link"),
        (locked, "read-only"),
    ):
        for args in _writers(target):
            result = run("--db", demo_db, *_writer_args(args, sample))
            if result.exit_code == 2:
                continue
            assert words in _one_line_failure(result, str(target))
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and folder.is_dir() and link.is_symlink()
    assert real.read_bytes() == b"mine" and locked.read_bytes() == b"mine"
    assert stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_a_missing_folder_is_one_line(run: Run, demo_db: Path, tmp_path: Path) -> None:
    result = run("--db", demo_db, "export", tmp_path / "no" / "such.csv", *AS_OF)
    _one_line_failure(result, "does not exist")


def _full_disk_child(db_path: str, out: str, limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from click.testing import CliRunner

    from estate.cli import cli

    result = CliRunner().invoke(cli, ["--db", db_path, "export", out, *AS_OF])
    sys.stderr.write(result.stderr)
    sys.exit(result.exit_code)


def test_a_full_disk_during_export_leaves_the_old_file(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    first = run("--db", demo_db, "export", tmp_path / "first.xlsx", *AS_OF)  # keeps the ranking
    assert first.exit_code == 0, first.output
    out.write_bytes(b"last quarter's board paper")
    code = (
        "import sys; from tests.test_hostile import _full_disk_child; "
        f"_full_disk_child({str(demo_db)!r}, {str(out)!r}, 65_536)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "board.xlsx: not written (File too large)" in done.stderr
    assert out.read_bytes() == b"last quarter's board paper"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_leftovers_of_a_killed_export_are_cleaned_up(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.csv"
    dead = subprocess.Popen(["true"])
    dead.wait()
    leftover = tmp_path / f".board.csv.{dead.pid}.abc123{TEMP_SUFFIX}"
    leftover.write_bytes(b"")
    alive = tmp_path / f".board.csv.{os.getpid()}.abc123{TEMP_SUFFIX}"
    alive.write_bytes(b"")
    result = run("--db", demo_db, "export", out, "--format", "csv", *AS_OF)
    assert result.exit_code == 0, result.output
    assert not leftover.exists(), "a dead process's temporary file is removed"
    assert alive.exists(), "a running process's temporary file is left alone"


def test_the_prefilled_template_writes_no_live_formula(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    engine = db.open_engine(demo_db)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE system SET name = ? WHERE reference = (SELECT min(reference) FROM system "
            "WHERE organisation_id = (SELECT id FROM organisation WHERE code = 'DBP'))",
            (FORMULA,),
        )
    engine.dispose()
    out = tmp_path / "dbp.xlsx"
    result = run("--db", demo_db, "template", out, "--department", "DBP")
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    (found,) = [c for c in cells if c.value == FORMULA]
    assert found.data_type == "s" and found.quotePrefix
    parsed = parse_return(out)
    names = {r.values["name"] for rs in parsed.records.values() for r in rs if "name" in r.values}
    assert FORMULA in names, "the text imports back exactly as it was stored"


def test_waves_csv_is_neutralised(run: Run, demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE system SET name = '-2+3' WHERE id = (SELECT min(id) FROM system)"
        )
    engine.dispose()
    result = run("--db", demo_db, "waves", "--csv", *AS_OF)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert "'-2+3" in [row[2] for row in rows]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
