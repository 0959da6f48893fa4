"""Readers, header detection and column mapping, and files that are broken or hostile."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from sqlalchemy.engine import Engine

from estate.errors import InputError
from importers import ImportOptions, import_return, load_user_mapping, safety
from importers.cells import column_letter, column_number
from importers.layout import LAYOUTS
from importers.parse import parse_return
from importers.readers import RawSheet, iter_sheets
from tests.returns import small_return

OWN_LAYOUT_HEADER = [
    "Dept",
    "App ID",
    "Application",
    "Hosting Model",
    "Criticality",
    "Sytem owner",
    "Annual cost",
    "Contract expiry",
    "Favourite colour",
]


def _read(path: Path) -> list[RawSheet]:
    return list(iter_sheets(path))


def _own_layout_workbook(path: Path) -> Path:
    """A department's own register: title rows, a merged banner, blank rows and a footnote."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Application Register"
    sheet["A1"] = "Department for Benefits and Pensions - application register Q3"
    sheet.merge_cells("A1:I1")
    sheet["A2"] = "OFFICIAL-SENSITIVE"
    sheet.append([])
    sheet.append(OWN_LAYOUT_HEADER)
    sheet.append(
        [
            "DBP",
            "APP-1",
            "Payments Ledger",
            "On Prem",
            "Tier 1",
            "J. Okafor",
            "£1.2m",
            dt.datetime(2026, 3, 31),
            "blue",
        ]
    )
    sheet.append([])
    sheet.append(
        ["DBP", "APP-2", "Claims Portal", "SaaS", "med", "A. Patel", "TBC", "31/12/2027", "green"]
    )
    sheet.append(["dbp", 1003, "Grant Calculator", "iaas", "Low", None, 45000, 46000, None])
    sheet.append([])
    sheet.append(["Figures as at 30 September; costs exclude VAT."])
    hidden = workbook.create_sheet("lookups")
    hidden.append(["Hosting", "Criticality"])
    hidden.sheet_state = "hidden"
    workbook.save(path)
    return path


def test_a_departments_own_layout_imports_with_its_problems_reported(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = _own_layout_workbook(tmp_path / "register.xlsx")
    result = import_return(empty_engine, path)
    assert result.stored, [str(p) for p in result.errors]
    assert result.changes is not None and result.changes.summary()["new"] == 3
    messages = {(p.column, p.message.split(";")[0]) for p in result.warnings}
    assert ("F", "header taken as 'Business owner'") in messages
    assert (
        "I",
        "1 column not imported: Favourite colour (add it to a --mapping file to import it)",
    ) in messages
    note = next(p for p in result.warnings if p.row == 10)
    assert (
        note.message.startswith("a note, source or total")
        and note.value
        and note.value.startswith("Figures")
    )
    with empty_engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT reference, hosting, criticality, annual_run_cost, contract_end, business_owner"
            " FROM system ORDER BY reference"
        ).all()
    assert rows == [
        ("1003", "Public cloud IaaS", "Low", 45000.0, "2025-12-09", None),
        ("APP-1", "On-premises data centre", "Critical", 1_200_000.0, "2026-03-31", "J. Okafor"),
        ("APP-2", "SaaS", "Medium", None, "2027-12-31", "A. Patel"),
    ]


def test_a_user_mapping_file_maps_what_aliases_cannot(empty_engine: Engine, tmp_path: Path) -> None:
    path = _own_layout_workbook(tmp_path / "register.xlsx")
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text(
        '[systems]\n"Favourite colour" = "notes"\n"Sytem owner" = "technical_owner"\n'
    )
    result = import_return(
        empty_engine, path, ImportOptions(mapping=load_user_mapping(mapping_file))
    )
    assert result.stored
    assert not [p for p in result.warnings if p.column in ("F", "I")]
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT notes, technical_owner FROM system WHERE reference='APP-1'"
        ).one() == ("blue", "J. Okafor")


def test_a_bad_mapping_file_names_the_problem(tmp_path: Path) -> None:
    mapping_file = tmp_path / "mapping.toml"
    mapping_file.write_text('[systems]\n"Colour" = "favourite_colour"\n')
    with pytest.raises(InputError, match="not a field"):
        load_user_mapping(mapping_file)


@pytest.mark.parametrize(
    ("encoding", "delimiter", "bom"),
    [("utf-8", ",", False), ("utf-8", ";", True), ("cp1252", ",", False), ("cp1252", ";", False)],
)
def test_csv_encodings_and_delimiters(
    tmp_path: Path, encoding: str, delimiter: str, bom: bool
) -> None:
    text = (
        delimiter.join(["Department", "System reference", "System name", "Annual run cost (£)"])
        + "\r\n"
    )
    text += delimiter.join(["DBP", "DBP-1", "Café Ledger", "£1,200"]) + "\r\n"
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    parsed = parse_return(path)
    (record,) = parsed.records[next(iter(parsed.records))]
    assert record.values["name"] == "Café Ledger"
    assert record.values["annual_run_cost"] == 1200.0 if delimiter == ";" else True
    notes = [p.message for p in parsed.problems]
    assert ("not UTF-8; read as Windows-1252" in notes) == (encoding == "cp1252")


def test_xlsm_formulas_are_read_by_their_cached_values(tmp_path: Path) -> None:
    source = small_return(tmp_path / "r.xlsx")
    target = tmp_path / "r.xlsm"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                text, count = re.subn(r'(<c r="I2"[^>]*>)(<v>)', r"\1<f>SUM(1000,200)</f>\2", text)
                assert count == 1
                data = text.encode()
            zout.writestr(item, data)
    parsed = parse_return(target)
    users = [r.values["users"] for r in parsed.records[next(iter(parsed.records))]]
    assert users[0] == 1200


def test_every_template_sheet_is_found_by_name(tmp_path: Path) -> None:
    sheets = {s.name for s in _read(small_return(tmp_path / "r.xlsx"))}
    assert {layout.title for layout in LAYOUTS} <= sheets


# --- broken and hostile files: each one line, exit code 1, nothing stored -----------------


def _hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / "hostile.xlsx"
    if kind == "text":
        path.write_text("Department,System reference\nDBP,1\n")
    elif kind == "truncated":
        data = small_return(tmp_path / "ok.xlsx").read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif kind == "encrypted":
        path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 2048 + b"EncryptionInfo")
    elif kind == "xls":
        path = tmp_path / "old.xls"
        path.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 2048)
    elif kind == "entities":
        source = small_return(tmp_path / "ok.xlsx")
        bomb = (
            '<?xml version="1.0"?>'
            '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        )
        with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item.filename)
                if item.filename == "xl/worksheets/sheet2.xml":
                    body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                    data = bomb.encode() + body
                zout.writestr(item, data)
    elif kind == "zipbomb":
        source = small_return(tmp_path / "ok.xlsx")
        with (
            zipfile.ZipFile(source) as zin,
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout,
        ):
            for item in zin.infolist():
                zout.writestr(item, zin.read(item.filename))
            zout.writestr("xl/media/padding.bin", b"\x00" * 60_000_000)
    elif kind == "not-a-workbook":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hello.txt", "hi")
        path.write_bytes(buffer.getvalue())
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "pdf":
        path = tmp_path / "return.pdf"
        path.write_bytes(b"%PDF-1.4")
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("text", "not a spreadsheet"),
        ("truncated", "damaged or truncated"),
        ("encrypted", "password-protected"),
        ("xls", "Save it as .xlsx"),
        ("entities", "declares XML entities"),
        ("zipbomb", "zip bomb"),
        ("not-a-workbook", "not an Excel workbook"),
        ("empty", "the file is empty"),
        ("pdf", "unsupported file type .pdf"),
    ],
)
def test_hostile_files_get_one_line_and_exit_1(
    tmp_path: Path, demo_db: Path, run: object, kind: str, message: str
) -> None:
    path = _hostile(tmp_path, kind)
    before = demo_db.read_bytes()
    result = run("--db", demo_db, "import", path)  # type: ignore[operator]
    assert result.exit_code == 1
    assert message in result.stderr
    assert str(path.name) in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) <= 3
    assert demo_db.read_bytes() == before


def test_absurd_row_counts_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(safety, "MAX_ROWS", 3)
    with pytest.raises(InputError, match="beyond the limit"):
        _read(small_return(tmp_path / "r.xlsx"))
    csv_path = tmp_path / "r.csv"
    csv_path.write_text("a,b\n1,2\n3,4\n5,6\n7,8\n")
    with pytest.raises(InputError, match="more than 3 rows"):
        _read(csv_path)


def test_no_recognisable_header_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "shopping.csv"
    path.write_text("eggs,milk\nbread,jam\n")
    with pytest.raises(InputError, match="no sheet has a recognisable header row"):
        parse_return(path)


def test_missing_required_column_is_named(empty_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("Department,System reference,Hosting\nDBP,DBP-1,SaaS\n")
    result = import_return(empty_engine, path)
    assert not result.stored
    assert any("required column 'System name' is missing" in p.message for p in result.errors)


def test_column_letters_are_the_spreadsheets_own() -> None:
    """Cells are named as Excel and openpyxl name them, A to XFD, and read back the same."""
    for number in range(1, 16_385):
        letters = column_letter(number)
        assert letters == get_column_letter(number)
        assert column_number(letters) == column_number(letters.lower()) == number
    for bad in ("", "A1", "É", "-"):
        with pytest.raises(ValueError):
            column_number(bad)
    with pytest.raises(ValueError):
        column_letter(0)
