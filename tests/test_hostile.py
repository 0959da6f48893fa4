"""Hostile input and hostile places to write: every fault is one line and exit code 1, or a
correct result; never a traceback, a changed database or a changed foreign file. Each test
builds its own files."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine

from estate import db
from estate.enums import DependencyKind
from estate.errors import EstateError
from estate.files import TEMP_SUFFIX
from importers.layout import RecordKind
from importers.parse import parse_return
from tests.conftest import LATEST_SAMPLES, Run

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
    sample = sorted(LATEST_SAMPLES.glob("*.csv"))[0]
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
    sample = sorted(LATEST_SAMPLES.glob("*.csv"))[0]
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


# --- Hostile returns -------------------------------------------------------------------------

HEADER = ["Department", "System reference", "System name", "Notes", "Annual run cost (£)"]
QUOTED = [
    ["DBP", "DBP-1", 'Replaces the "Old Slow" tracker', "a, b; c\tand\na new line", "£1,200"],
    ["DBP", "DBP-2", '"quoted" start', 'ends "quoted"', "350k"],
    ["DBP", "DBP-3", "plain", "'", "1.2m"],
]


@pytest.mark.parametrize("dialect", csv.list_dialects())
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_csv_written_by_csv_writer_reads_back_exactly(
    tmp_path: Path, dialect: str, encoding: str
) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, dialect=dialect).writerows([HEADER, *QUOTED])
    path = tmp_path / "dbp.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    parsed = parse_return(path)
    assert not parsed.has_errors, [p.message for p in parsed.problems]
    records = parsed.records[next(iter(parsed.records))]
    assert [(r.values["name"], r.values["notes"]) for r in records] == [
        (row[2], row[3]) for row in QUOTED
    ]
    assert [r.values["annual_run_cost"] for r in records] == [1200.0, 350_000.0, 1_200_000.0]


def _csv_file(path: Path, rows: list[list[str]]) -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *rows])
    path.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    return path


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_control_characters_never_enter_stored_keys_or_text(
    run: Run, demo_db: Path, tmp_path: Path, character: str
) -> None:
    rows = [["DBP", f"DBP-{n}", f"System {n}", "", "1"] for n in range(1, 400)]
    rows.append(["DBP", f"XCTS{character}-00151", "Lookalike", "", "1"])
    rows.append(["DBP", "DBP-900", f"Name{character}with a control", "", "1"])
    path = _csv_file(tmp_path / "dbp.csv", rows)
    parsed = parse_return(path)
    errors = [p for p in parsed.problems if "control character" in p.message]
    assert [(p.row, p.column) for p in errors] == [(401, "B"), (402, "C")]
    before = demo_db.read_bytes()
    result = run("--db", demo_db, "import", path)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert demo_db.read_bytes() == before
    result = run("--db", demo_db, "import", path, "--skip-invalid")
    assert result.exit_code == 0, result.output
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        texts = connection.exec_driver_sql("SELECT reference || name FROM system").scalars()
        assert not [t for t in texts if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in t)]
    engine.dispose()


def test_references_differing_only_in_case_are_caught(
    run: Run, empty_engine: object, tmp_path: Path
) -> None:
    path = _csv_file(
        tmp_path / "dbp.csv", [["DBP", "ABC-1", "A", "", ""], ["DBP", "abc-1", "B", "", ""]]
    )
    parsed = parse_return(path)
    (problem,) = [p for p in parsed.problems if "duplicate" in p.message]
    assert problem.row == 3 and "in any case" in problem.message
    database = tmp_path / "estate.db"
    assert run("--db", database, "init").exit_code == 0
    first = _csv_file(tmp_path / "first.csv", [["DBP", "ABC-1", "A", "", ""]])
    assert run("--db", database, "import", first).exit_code == 0
    second = _csv_file(tmp_path / "second.csv", [["DBP", "abc-1", "B", "", ""]])
    result = run("--db", database, "import", second, "--skip-invalid", "--json")
    assert "differs only in case from the stored system 'ABC-1'" in result.output
    listed = run("--db", database, "systems", "--json")
    assert [s["key"] for s in __import__("json").loads(listed.stdout)] == ["DBP/ABC-1"]


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("Contract end date", "31/12/9999", "outside the plausible range"),
        ("Contract end date", "0001-01-01", "outside the plausible range"),
        ("Annual run cost (£)", "1e28", "not an amount"),
        ("Annual run cost (£)", "10000000000000000000000000000", "not a plausible amount"),
        ("Users", "99999999999999999999999", "not a plausible count"),
    ],
)
def test_implausible_values_are_reported(
    tmp_path: Path, column: str, value: str, words: str
) -> None:
    path = tmp_path / "dbp.csv"
    path.write_text(f"Department,System reference,System name,{column}\nDBP,DBP-1,A,{value}\n")
    parsed = parse_return(path)
    (problem,) = [p for p in parsed.problems if p.row == 2]
    assert words in problem.message and problem.column == "D"


def test_implausible_values_in_a_workbook_are_reported(tmp_path: Path) -> None:
    import datetime as dt

    from tests.returns import small_return, system

    path = small_return(
        tmp_path / "r.xlsx",
        systems=[
            system("DBP-1", annual_run_cost=1e28),
            system("DBP-2", users=10**15),
            system("DBP-3", last_pen_test=dt.date(9999, 12, 31)),
        ],
    )
    messages = [p.message for p in parse_return(path).problems if p.severity.value == "error"]
    assert any("not a plausible amount" in m for m in messages)
    assert any("not a plausible count" in m for m in messages)
    assert any("31/12/9999 is outside the plausible range" in m for m in messages)


@pytest.mark.parametrize("kind", ["pipe", "zero", "missing", "folder"])
def test_returns_that_are_not_files_are_one_line(
    run: Run, demo_db: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "return.csv"
    if kind == "pipe":
        os.mkfifo(path)
    elif kind == "zero":
        path.symlink_to("/dev/zero")
    elif kind == "folder":
        path.mkdir()
    before = demo_db.read_bytes()
    for command in ("import", "validate"):
        result = run("--db", demo_db, command, path)
        if result.exit_code == 2:  # the command line refuses a folder itself
            assert kind == "folder"
            continue
        _one_line_failure(result, str(path))
    assert demo_db.read_bytes() == before


# --- Databases that are not what --db expects -------------------------------------------------


def test_demo_force_never_replaces_a_file_that_is_not_an_estate(run: Run, tmp_path: Path) -> None:
    document = tmp_path / "report.docx"
    document.write_bytes(b"PK\x03\x04 the board's report")
    result = run("--db", document, "demo", "--force")
    _one_line_failure(result, "report.docx is not replaced")
    assert document.read_bytes() == b"PK\x03\x04 the board's report"
    folder = tmp_path / "folder.db"
    folder.mkdir()
    for command in (["demo", "--force"], ["stats"], ["init"]):
        _one_line_failure(run("--db", folder, *command), "is a folder")
    assert folder.is_dir() and not list(folder.iterdir())


def test_a_schema_version_that_is_not_a_number_is_one_line(run: Run, demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE estate_version SET version_num = 'abc'")
    engine.dispose()
    before = demo_db.read_bytes()
    for command in (["stats"], ["upgrade"], ["rank"], ["demo", "--force"]):
        line = _one_line_failure(run("--db", demo_db, *command), str(demo_db))
        assert "schema version 'abc'" in line
    assert demo_db.read_bytes() == before


def test_a_database_estate_may_not_write_is_read(
    run: Run, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database in a read-only folder: reading needs no write access; writing is one line.
    (The test may run as root, who can write anywhere, so the check estate makes is denied.)"""
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode)
    )
    before = demo_db.read_bytes()
    assert run("--db", demo_db, "stats", "--json").exit_code == 0
    ranked = run("--db", demo_db, "rank", "--top", "3", "--csv", *AS_OF)
    assert ranked.exit_code == 0, ranked.output
    assert len(ranked.stdout.strip().splitlines()) == 4
    assert run("--db", demo_db, "show", "DBP/DBP-00002", "--json", *AS_OF).exit_code == 0
    sample = sorted(LATEST_SAMPLES.glob("*.csv"))[0]
    line = _one_line_failure(run("--db", demo_db, "import", sample, "--skip-invalid"))
    assert "readonly" in line and "nothing was stored" in line
    assert demo_db.read_bytes() == before
    assert sorted(p.name for p in demo_db.parent.iterdir()) == ["estate.db"]


# --- Two imports of one department at once -----------------------------------------------------


def test_two_imports_of_one_department_at_once_both_land(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first holds its change open for a while; the second waits, then applies its change
    to what the first stored: no IntegrityError, no duplicate, the second's values last."""
    import threading
    import time

    import importers
    import importers.store
    from importers import ImportOptions, import_return

    database = tmp_path / "estate.db"
    db.open_engine(database, create=True).dispose()
    first = _csv_file(tmp_path / "first.csv", [["DBP", "DBP-9", "First name", "", "1"]])
    second = _csv_file(tmp_path / "second.csv", [["DBP", "DBP-9", "Second name", "", "2"]])
    real_plan = importers.store.plan

    def slow_plan(connection: object, parsed: object) -> object:
        changes = real_plan(connection, parsed)  # type: ignore[arg-type]
        if threading.current_thread().name == "first":
            time.sleep(1.5)
        return changes

    monkeypatch.setattr(importers, "plan", slow_plan)
    outcomes: dict[str, object] = {}

    def run_import(name: str, path: Path) -> None:
        engine = db.open_engine(database)
        try:
            outcomes[name] = import_return(engine, path, ImportOptions()).stored
        except Exception as exc:  # the test reports what failed
            outcomes[name] = exc
        finally:
            engine.dispose()

    threads = [
        threading.Thread(target=run_import, args=("first", first), name="first"),
        threading.Thread(target=run_import, args=("second", second), name="second"),
    ]
    threads[0].start()
    time.sleep(0.5)
    threads[1].start()
    for thread in threads:
        thread.join(60)
    assert outcomes == {"first": True, "second": True}
    engine = db.open_engine(database)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT reference, name FROM system").all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("DBP-9", "Second name")]


# --- Small workbooks whose cells reach far ------------------------------------------------------


def _workbook_with_sheet_xml(path: Path, sheet_data: str, dimension: str | None) -> Path:
    """A real workbook whose Systems sheet's XML is replaced by `sheet_data` (its rows)."""
    from tests.returns import small_return

    source = small_return(path.with_name("source.xlsx"))
    import zipfile

    head = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    )
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    xml = f"{head}<sheetData>{sheet_data}</sheetData></worksheet>".encode()
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = xml
            zout.writestr(item, data)
    return path


_HEADER_ROW = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>Department</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>System reference</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>System name</t></is></c></row>'
)


@pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the peak memory from /proc"
)
@pytest.mark.parametrize(
    ("case", "sheet_data", "dimension"),
    [
        ("far corner", _HEADER_ROW + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', None),
        ("lying dimension", _HEADER_ROW + '<row r="2"><c r="XFD2"><v>1</v></c></row>', "A1:C2"),
        (
            "far cell in a near row",
            _HEADER_ROW + '<row r="2"><c r="ZZZ900000"><v>1</v></c></row>',
            "A1:C2",
        ),
        ("far row", _HEADER_ROW + '<row r="900000"><c r="AZ900000"><v>1</v></c></row>', "A1:C2"),
        (
            "implicit positions",
            _HEADER_ROW
            + '<row r="1000000"><c r="A1000000"><v>1</v></c>'
            + "<c><v>1</v></c>" * 30
            + "</row>",
            "A1:C2",
        ),
        (
            "single quotes",
            _HEADER_ROW + "<row r='2'><c r='XFD500000'><v>1</v></c></row>",
            "A1:C2",
        ),
        (
            "prefixed elements",
            _HEADER_ROW.replace("<c ", "<x:c ").replace("</c>", "</x:c>")
            + '<row r="2"><x:c r="XFD800000"><v>1</v></x:c></row>',
            "A1:C2",
        ),
    ],
)
def test_a_sheet_reaching_far_is_refused_before_it_is_loaded(
    tmp_path: Path, case: str, sheet_data: str, dimension: str | None
) -> None:
    path = _workbook_with_sheet_xml(tmp_path / "far.xlsx", sheet_data, dimension)
    if case == "prefixed elements":
        import zipfile

        with zipfile.ZipFile(path) as archive:
            parts = {i.filename: archive.read(i.filename) for i in archive.infolist()}
        parts["xl/worksheets/sheet2.xml"] = parts["xl/worksheets/sheet2.xml"].replace(
            b"<worksheet ",
            b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
        )
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in parts.items():
                archive.writestr(name, data)
    assert path.stat().st_size < 20_000
    code = (
        "import sys; from pathlib import Path; "
        "from importers.parse import parse_return; from estate.errors import InputError\n"
        "try:\n    parse_return(Path(sys.argv[1]))\n"
        "except InputError as exc:\n    print(exc)\n"
        # The peak of this process alone: ru_maxrss would carry over the forking test run's.
        "print(next(line.split()[1] for line in open('/proc/self/status') "
        "if line.startswith('VmHWM')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    message, peak_kb = done.stdout.strip().splitlines()
    assert "far.xlsx, sheet 'Systems': its cells reach" in message and "beyond the limit" in message
    assert int(peak_kb) < 400_000, "refused before the sheet was loaded"


def test_a_workbook_within_bounds_reads_whatever_its_layout(tmp_path: Path) -> None:
    rows = _HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>DBP</t></is></c>'
    rows += '<c t="inlineStr"><is><t>DBP-1</t></is></c><c t="inlineStr"><is><t>Ledger</t></is></c>'
    rows += "</row>"
    path = _workbook_with_sheet_xml(tmp_path / "near.xlsx", rows, None)
    parsed = parse_return(path)
    (record,) = parsed.records[next(iter(parsed.records))]
    assert (record.values["reference"], record.values["name"]) == ("DBP-1", "Ledger")


# --- The command line over the whole hostile suite ----------------------------------------------


def _hostile_suite(folder: Path) -> list[Path]:
    """One file (or path) for each kind of hostile return above, built here."""
    suite: list[Path] = []

    def add(name: str, data: bytes) -> None:
        path = folder / name
        path.write_bytes(data)
        suite.append(path)

    buffer = io.StringIO()
    csv.writer(buffer).writerows([HEADER, *QUOTED])
    add("quoted.csv", buffer.getvalue().encode())
    add("utf16.csv", buffer.getvalue().replace(",", "\t").encode("utf-16"))
    add("nul.csv", ("Department,System reference,System name\n" * 1 + "DBP,\x00X-1,A\n").encode())
    add("controls.csv", b"Department,System reference,System name\nDBP,X\x1b-1,A\x07\n")
    add("binary.csv", b"\x00\x01\x02" * 2000)
    add("bad-utf8-bom.csv", b"\xef\xbb\xbfDepartment,System reference\n\xff\xfe\xfa\n")
    add(
        "huge-field.csv",
        b'Department,System reference,System name\nDBP,X-1,"' + b"a" * 200_000 + b'"\n',
    )
    add(
        "dates.csv",
        b"Department,System reference,System name,Last penetration test,Contract end date,"
        b"Annual run cost\nDBP,X-1,A,31/12/9999,0001-01-01,1e28\n",
    )
    add("case.csv", b"Department,System reference,System name\nDBP,ABC-1,A\nDBP,abc-1,B\n")
    add("empty.csv", b"")
    add("truncated.xlsx", b"PK\x03\x04" + b"\x00" * 100)
    add("old.xls", bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 600)
    suite.append(
        _workbook_with_sheet_xml(
            folder / "far.xlsx",
            _HEADER_ROW + '<row r="2"><c r="XFD1048576"><v>1</v></c></row>',
            None,
        )
    )
    pipe = folder / "pipe.csv"
    os.mkfifo(pipe)
    zero = folder / "zero.csv"
    zero.symlink_to("/dev/zero")
    suite += [pipe, zero, folder / "missing.csv"]
    return suite


def test_the_command_line_over_the_hostile_suite_never_shows_a_traceback(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    suite = _hostile_suite(tmp_path)
    report = tmp_path / "report.json"
    for path in suite:
        for args in (
            ["validate", path],
            ["validate", path, "--report", "/dev/null"],
            ["import", path],
            ["import", path, "--dry-run", "--json"],
            ["import", path, "--department", "DBP", "--report", report],
        ):
            before = demo_db.read_bytes()
            result = run("--db", demo_db, *args)
            where = f"{' '.join(map(str, args))}: {result.output[-300:]}"
            if result.exit_code == 1:
                assert demo_db.read_bytes() == before, f"a refused command changed it: {where}"
            assert result.exit_code in (0, 1), where
            assert result.exception is None or isinstance(result.exception, SystemExit), (
                where,
                result.exception,
            )
            assert "Traceback" not in result.output, where
            if result.exit_code == 1 and "problem" not in result.stdout:
                lines = result.stderr.strip().splitlines()
                named = (path.name, "/dev/null", report.name)
                assert len(lines) == 1 and any(n in lines[0] for n in named), where


def test_a_csv_beyond_the_size_cap_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from estate.errors import InputError
    from importers import safety

    monkeypatch.setattr(safety, "MAX_CSV_BYTES", 1000)
    path = _csv_file(tmp_path / "dbp.csv", [["DBP", f"DBP-{n}", "A", "", ""] for n in range(100)])
    with pytest.raises(InputError, match=r"dbp\.csv: .* larger than the 0 MB a CSV return may be"):
        parse_return(path)


@pytest.mark.parametrize("stem", ["return", "notes", "Read me", "guidance"])
def test_a_csv_named_like_a_cover_or_notes_sheet_is_read_as_data(tmp_path: Path, stem: str) -> None:
    path = _csv_file(tmp_path / f"{stem}.csv", [["DBP", "DBP-1", "Ledger", "", ""]])
    parsed = parse_return(path)
    (record,) = parsed.records[RecordKind.SYSTEMS]
    assert parsed.department == "DBP" and record.values["reference"] == "DBP-1"


# --- One identity for one key, one limit everywhere, bounded input --------------------------------

LOOK_ALIKES = {
    "zero-width space": "ABC-\u200b1",
    "right-to-left override": "ABC-1\u202e",
    "Arabic-Indic digit": "ABC-\u0661",
    "Cyrillic letter": "\u0410BC-1",
    "no-break space": "ABC-1\u00a0",
    "byte-order mark": "\ufeffABC-1",
    "fullwidth letters": "\uff21\uff22\uff23-1",
    "combining accent": "ABC-1\u0301",
}
"""Ways to write a reference that reads as ABC-1 and is not, byte for byte."""


def _estate_with_abc(run: Run, tmp_path: Path) -> Path:
    database = tmp_path / "estate.db"
    assert run("--db", database, "init").exit_code == 0
    first = _csv_file(tmp_path / "first.csv", [["DBP", "ABC-1", "A", "", ""]])
    assert run("--db", database, "import", first).exit_code == 0
    return database


def _hashes(database: Path) -> dict[str, str]:
    from tests.estate_hashes import row_hashes

    return row_hashes(f"sqlite:///{database}")


@pytest.mark.parametrize("kind", LOOK_ALIKES)
def test_a_look_alike_reference_is_the_same_system_or_refused(
    run: Run, tmp_path: Path, kind: str
) -> None:
    database = _estate_with_abc(run, tmp_path)
    before = _hashes(database)
    path = _csv_file(tmp_path / "second.csv", [["DBP", LOOK_ALIKES[kind], "B", "", ""]])
    result = run("--db", database, "import", path, "--json")
    summary = json.loads(result.stdout)[0]
    problems = summary["problems"]
    if result.exit_code == 0:  # read as ABC-1 itself: one system, renamed
        assert not problems and summary["summary"]["new"] == 0, summary
        listed = json.loads(run("--db", database, "systems", "--json").stdout)
        assert [(s["key"], s["name"]) for s in listed] == [("DBP/ABC-1", "B")]
        return
    assert result.exit_code == 1
    (problem,) = problems
    assert (problem["file"], problem["sheet"], problem["row"], problem["column"]) == (
        "second.csv",
        "second",
        2,
        "B",
    ), problem
    assert "ABC-1" in problem["message"] or "bidirectional" in problem["message"]
    assert "Traceback" not in result.output
    assert _hashes(database) == before


def test_two_look_alike_references_in_one_return_are_caught(tmp_path: Path) -> None:
    from importers import ImportOptions, import_return

    path = _csv_file(
        tmp_path / "dbp.csv", [["DBP", "ABC-1", "A", "", ""], ["DBP", "\u0410BC-1", "B", "", ""]]
    )
    engine = db.open_engine(tmp_path / "estate.db", create=True)
    result = import_return(engine, path, ImportOptions())
    engine.dispose()
    (problem,) = result.errors
    assert problem.row == 3 and "looks like 'ABC-1'" in problem.message
    assert not result.stored


@pytest.mark.parametrize(
    ("given", "outcome"),
    [(" DBP ", "DBP"), ("\uff24\uff22\uff30", "DBP"), ("dbp", "DBP"), ("D\u0412P", "looks like")],
)
def test_department_codes_are_read_as_one_key(
    run: Run, tmp_path: Path, given: str, outcome: str
) -> None:
    database = _estate_with_abc(run, tmp_path)
    before = _hashes(database)
    path = _csv_file(tmp_path / "other.csv", [["", "ABC-1", "A", "", ""]])
    result = run("--db", database, "import", path, "--department", given)
    if outcome == "looks like":
        assert "'DBP'" in _one_line_failure(result, "looks like", "other.csv")
        assert _hashes(database) == before
        return
    assert result.exit_code == 0, result.output
    listed = json.loads(run("--db", database, "systems", "--json").stdout)
    assert [s["key"] for s in listed] == ["DBP/ABC-1"]
    shown = run("--db", database, "show", "DBP/ABC-1")
    assert shown.exit_code == 0, shown.output


@pytest.mark.parametrize(
    "department",
    ["DB'P", 'D"BP', "DB\u202eP", "D" * 40, "   "],
    ids=["quote", "dq", "bidi", "40", "blank"],
)
def test_a_department_code_that_is_no_key_is_a_usage_error(
    run: Run, tmp_path: Path, department: str
) -> None:
    database = _estate_with_abc(run, tmp_path)
    before = _hashes(database)
    path = _csv_file(tmp_path / "other.csv", [["", "XYZ-1", "A", "", ""]])
    result = run("--db", database, "import", path, "--department", department)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "--department" in result.stderr
    assert _hashes(database) == before


@pytest.mark.parametrize("period", ["2100-Q4", "1900-Q1", "2031-Q1"])
def test_a_period_far_away_is_refused_unless_allowed(run: Run, tmp_path: Path, period: str) -> None:
    database = _estate_with_abc(run, tmp_path)
    before = _hashes(database)
    path = _csv_file(tmp_path / "second.csv", [["DBP", "ABC-2", "B", "", ""]])
    refused = run("--db", database, "import", path, "--period", period)
    assert "--allow-period" in _one_line_failure(refused, period, "eight quarters back")
    assert _hashes(database) == before
    allowed = run("--db", database, "import", path, "--period", period, "--allow-period")
    if period < "2026":  # taken as meant, then refused as earlier than the stored return
        _one_line_failure(allowed, "period order")
    else:
        assert allowed.exit_code == 0, allowed.output


def test_the_period_window_follows_today() -> None:
    import datetime as dt

    from estate.periods import check_window, window

    assert window(dt.date(2026, 12, 7)) == ("2024-Q4", "2027-Q4")
    check_window("2024-Q4", today=dt.date(2026, 12, 7))
    with pytest.raises(EstateError, match="2024-Q3 is outside"):
        check_window("2024-Q3", today=dt.date(2026, 12, 7))


@pytest.mark.parametrize(
    ("column", "length", "limit"),
    [(1, 65, 64), (2, 201, 200), (3, 4001, 4000)],
    ids=["reference", "name", "notes"],
)
def test_texts_over_their_limit_are_refused_before_the_database(
    run: Run, tmp_path: Path, column: int, length: int, limit: int
) -> None:
    database = _estate_with_abc(run, tmp_path)
    before = _hashes(database)
    row = ["DBP", "ABC-9", "Long", "", ""]
    row[column] = "x" * length
    path = _csv_file(tmp_path / "long.csv", [row])
    result = run("--db", database, "import", path, "--json")
    assert result.exit_code == 1 and "Traceback" not in result.output
    (problem,) = json.loads(result.stdout)[0]["problems"]
    assert problem["row"] == 2 and problem["column"] == "ABCDE"[column]
    assert f"{length} characters" in problem["message"] and f"at most {limit}" in problem["message"]
    assert _hashes(database) == before


def test_copy_refuses_a_text_the_target_could_not_hold(run: Run, tmp_path: Path) -> None:
    database = _estate_with_abc(run, tmp_path)
    engine = db.open_engine(database)
    with engine.begin() as connection:  # as an older version stored it
        connection.exec_driver_sql("UPDATE system SET reference = ?", ("R" * 65,))
    engine.dispose()
    target = tmp_path / "copy.db"
    result = run("copy", database, target)
    _one_line_failure(result, "reference is 65 characters", "Nothing was copied")
    assert not target.exists()


def test_every_column_the_limits_name_exists() -> None:
    from sqlmodel import SQLModel

    from estate import limits

    columns = {
        c.name
        for t in SQLModel.metadata.sorted_tables
        if t.name in limits.CHECKED_TABLES
        for c in t.c
    }
    assert set(limits.TEXT_LIMITS) <= columns
    for table in SQLModel.metadata.sorted_tables:  # where the schema has a length, it agrees
        for column in table.c:
            length = getattr(column.type, "length", None)
            if table.name in limits.CHECKED_TABLES and length and column.name in limits.TEXT_LIMITS:
                assert limits.TEXT_LIMITS[column.name] == length, column


@pytest.mark.parametrize("kind", ["zero", "fifo", "nested", "large", "folder"])
@pytest.mark.parametrize("option", ["--mapping", "--policy"])
def test_settings_files_are_bounded(
    run: Run, demo_db: Path, tmp_path: Path, kind: str, option: str
) -> None:
    path = tmp_path / "settings.toml"
    if kind == "zero":
        path = Path("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "nested":
        path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n")
    elif kind == "large":
        path.write_text("# " + "x" * (2 << 20) + "\n")
    else:
        path.mkdir()
    sample = sorted(LATEST_SAMPLES.glob("*.csv"))[0]
    if option == "--mapping":
        args = ["validate", str(sample), "--mapping", str(path)]
    else:
        args = ["rank", "--policy", str(path)]
    result = run("--db", demo_db, *args)
    if kind == "folder" and result.exit_code == 2:  # click refuses a folder itself
        return
    _one_line_failure(result, str(path))


def test_the_mapping_is_written_through_the_safe_writer(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    sample = sorted(LATEST_SAMPLES.glob("*.csv"))[0]
    real = tmp_path / "real.toml"
    real.write_text("mine")
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)
    for target, words in ((link, "symbolic link"), (pipe, "not a regular file")):
        result = run("--db", demo_db, "validate", sample, "--write-mapping", target)
        assert words in _one_line_failure(result, str(target))
    assert real.read_text() == "mine" and stat.S_ISFIFO(pipe.lstat().st_mode)


def _full_disk_mapping_child(db_path: str, sample: str, out: str) -> None:
    """Write a mapping larger than the file size limit the disk allows (as a full disk)."""
    from click.testing import CliRunner

    from estate.cli import cli
    from importers import mapping_file

    assert CliRunner().invoke(cli, ["--db", db_path, "init"]).exit_code == 0
    real = mapping_file.mapping_text
    padding = "#" * (2 << 20) + "\n"
    mapping_file.mapping_text = lambda *args: real(*args) + padding
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    args = ["--db", db_path, "validate", sample, "--write-mapping", out]
    result = CliRunner().invoke(cli, args)
    sys.stderr.write(result.stderr)
    sys.exit(result.exit_code)


def test_a_full_disk_leaves_the_old_mapping_file(tmp_path: Path) -> None:
    sample = sorted(LATEST_SAMPLES.glob("*.xlsx"))[0]
    out = tmp_path / "mapping.toml"
    out.write_text("# last quarter's mapping\n")
    database = tmp_path / "estate.db"
    code = (
        "import sys; from tests.test_hostile import _full_disk_mapping_child; "
        f"_full_disk_mapping_child({str(database)!r}, {str(sample)!r}, {str(out)!r})"
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
    assert "mapping.toml: not written (File too large)" in done.stderr
    assert out.read_text() == "# last quarter's mapping\n"
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(TEMP_SUFFIX)]


def test_a_library_wrapping_a_disk_error_is_one_line(tmp_path: Path) -> None:
    import errno

    from xlsxwriter.exceptions import FileCreateError

    from estate.errors import OutputError
    from estate.files import atomic_write

    out = tmp_path / "board.xlsx"
    out.write_bytes(b"old")

    def write(_target: Path) -> None:
        raise FileCreateError(OSError(errno.ENOSPC, "No space left on device"))

    with pytest.raises(OutputError, match="No space left on device"):
        atomic_write(out, write)
    assert out.read_bytes() == b"old"


def test_a_marking_is_refused_when_no_page_could_carry_it(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    from estate.exports.workbook import marking_limit

    limit = marking_limit()
    assert limit == 255 - len("&LAs at 07/12/2026&C&RPage &P of &N")
    out = tmp_path / "board.xlsx"
    for marking in ("x" * 10_000, "x" * 250, "&" * (limit // 2 + 1), "", "  "):
        result = run("--db", demo_db, "export", out, "--marking", marking, *AS_OF)
        line = _one_line_failure(result, "--marking")
        assert str(limit) in line or "empty" in line
        assert not out.exists()
    fits = "O" * limit
    result = run("--db", demo_db, "export", out, "--marking", fits, *AS_OF)
    assert result.exit_code == 0, result.output
    assert "Warning" not in result.output and "warn(" not in result.output
    sheet = load_workbook(out).worksheets[0]
    assert fits in sheet.oddHeader.center.text and "Page" in sheet.oddFooter.right.text


@pytest.mark.parametrize("written", [" 4", "04", "+4", "4 ", "\u0664"])
def test_a_version_record_written_oddly_is_one_line(run: Run, demo_db: Path, written: str) -> None:
    from estate import migrations

    engine = db.open_engine(demo_db)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            f"UPDATE {migrations.VERSION_TABLE} SET version_num = ?", (written,)
        )
    engine.dispose()
    before = _hashes(demo_db)
    for command in (["upgrade"], ["stats"]):
        _one_line_failure(run("--db", demo_db, *command), "not a version number")
    assert _hashes(demo_db) == before


def test_every_confusable_reads_as_its_prototype() -> None:
    """UTS #39: the skeleton of a character that NFD leaves alone is its prototype in
    Unicode's confusables data (in NFD), whichever of the data's 6,565 mappings it is."""
    import unicodedata

    from estate.keys.skeleton import prototypes, skeleton

    table = prototypes()
    assert len(table) == 6565  # confusables.txt 17.0.0's mappings
    checked = 0
    for source, target in table.items():
        if unicodedata.normalize("NFD", chr(source)) == chr(source):
            assert skeleton(chr(source)) == unicodedata.normalize("NFD", target), hex(source)
            checked += 1
    assert checked > 5000
    assert skeleton("p\u0430yp\u0430l") == skeleton("paypal")
    assert skeleton("DBP") != skeleton("DFP")


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("\ufeffABC-1", "ABC-1"),
        ("ABC\u00ad-1", "ABC-1"),
        ("ABC-1\ufe0f", "ABC-1"),
        ("\uff21\uff22\uff23-\uff11", "ABC-1"),
        ("  ABC-1\u3000", "ABC-1"),
        ("Registry\nMainframe", "Registry\nMainframe"),
    ],
)
def test_keys_are_read_in_one_form(written: str, read: str) -> None:
    from estate import keys

    assert keys.normalise(written) == read


@pytest.mark.parametrize("control", ["\u202e", "\u2066", "\u200f", "\u061c"])
def test_bidirectional_controls_are_refused_in_keys(control: str) -> None:
    from estate import keys

    with pytest.raises(keys.KeyRefused, match="bidirectional"):
        keys.normalise(f"ABC{control}-1")


def test_a_dependency_on_a_look_alike_of_a_stored_system_is_refused(
    empty_engine: Engine, tmp_path: Path
) -> None:
    from importers import ImportOptions, import_return
    from tests.returns import small_return, system

    assert import_return(empty_engine, small_return(tmp_path / "first.xlsx")).stored
    before = _hashes(Path(str(empty_engine.url.database)))
    ends = [
        ("DBP-2", "DBP-1\u200b"),  # an invisible character: DBP-1 itself
        ("DBP-1", "DBP-3"),
        ("DBP-3", "DBP-\u0406"),  # a Cyrillic I: looks like DBP-1
    ]
    path = small_return(
        tmp_path / "second.xlsx",
        [system("DBP-1"), system("DBP-2"), system("DBP-3")],
        dependencies=[
            {"department": "DBP", "reference": a, "to_reference": b, "kind": DependencyKind.API}
            for a, b in ends
        ],
    )
    result = import_return(empty_engine, path, ImportOptions())
    (problem,) = result.errors
    assert "looks like DBP/DBP-1" in problem.message and problem.sheet == "Dependencies"
    assert not result.stored
    assert _hashes(Path(str(empty_engine.url.database))) == before
