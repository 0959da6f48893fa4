"""A mapping file names a sheet's shapes (category / value pairs, the application a row belongs
to) and wins over a tool export's profile; a written mapping names the profile it matched and
the shapes it read, and reads the file the same way again. Fixtures are the tools' published
formats under tests/exports (see tests/test_profiles.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from importers.headers import load_user_mapping
from importers.layout import RecordKind
from importers.parse import ParsedReturn, parse_return
from tests.conftest import Run

EXPORTS = Path(__file__).parent / "exports"


def _parse(path: Path, mapping: str | None = None, tmp_path: Path | None = None) -> ParsedReturn:
    user = None
    if mapping is not None:
        assert tmp_path is not None
        file = tmp_path / "mapping.toml"
        file.write_text(mapping, encoding="utf-8")
        user = load_user_mapping(file)
    return parse_return(path, department="DWP", user_mapping=user)


def _components(parsed: ParsedReturn) -> set[tuple[str, str, str]]:
    return {
        (str(r.values["reference"]), str(r.values["kind"]), str(r.values["product"]))
        for r in parsed.records.get(RecordKind.COMPONENTS, [])
    }


def _messages(parsed: ParsedReturn) -> list[str]:
    return [p.message for p in parsed.problems]


def test_mapped_pairs_read_as_the_profile_reads_them(tmp_path: Path) -> None:
    """Konveyor 2.x's tag pairs, named in a mapping file: each category with its value, not
    "read twice" and not paired by position."""
    path = EXPORTS / "konveyor-tackle2.csv"
    unmapped = _components(_parse(path))
    pairs = "".join(
        f'"Tag Category {n}" = "pair_category"\n"Tag {n}" = "pair_value"\n' for n in range(1, 5)
    )
    parsed = _parse(path, "[systems]\n" + pairs, tmp_path)
    assert _components(parsed) == unmapped
    assert ("Customers", "Database", "Oracle 19c") in unmapped
    assert not any("read twice" in m for m in _messages(parsed))


def test_a_mapped_category_without_a_value_is_not_read_and_said(tmp_path: Path) -> None:
    path = tmp_path / "apps.csv"
    path.write_text(
        "System reference,System name,Tag Type 1,Tag 1,Stack Category\n"
        "S1,Ledger,Operating System,RHEL 6,Database\n",
        encoding="utf-8",
    )
    mapping = (
        '[systems]\n"Tag Type 1" = "pair_category"\n"Tag 1" = "pair_value"\n'
        '"Stack Category" = "pair_category"\n'
    )
    parsed = _parse(path, mapping, tmp_path)
    assert _components(parsed) == {("S1", "Operating system", "RHEL 6")}
    assert any(m.startswith("1 column not imported: Stack Category") for m in _messages(parsed))


def _servicenow_servers(path: Path) -> Path:
    """A `cmdb_ci_server` list exported to Excel: the host in `name`, the application it serves
    in a custom `u_gbl_apm_application` reference column no profile knows."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Page 1"
    sheet.append(["name", "u_gbl_apm_application", "os", "os_version", "install_status"])
    sheet.append(["lonprd-app01", "Tax Platform", "Windows 2012 R2 Standard", "6.3", "Installed"])
    sheet.append(["lonprd-db01", "Tax Platform", "Linux Red Hat", "7.9", "In Maintenance"])
    sheet.append(["lonprd-app07", "Grants", "Windows 2019 Datacenter", "10.0", "Retired"])
    book.save(path)
    return path


def test_the_application_column_a_mapping_names_groups_the_servers(tmp_path: Path) -> None:
    path = _servicenow_servers(tmp_path / "cmdb_ci_server.xlsx")
    alone = _parse(path)
    assert list(alone.profiles.values()) == ["ServiceNow servers (cmdb_ci_server)"]
    assert len(alone.records[RecordKind.SYSTEMS]) == 3, "each server its own system"
    parsed = _parse(path, '[systems]\n"u_gbl_apm_application" = "application"\n', tmp_path)
    systems = {
        r.values["name"]: str(r.values["lifecycle_status"])
        for r in parsed.records[RecordKind.SYSTEMS]
    }
    assert systems == {"Tax Platform": "Live", "Grants": "Retired"}
    owners = sorted(reference for reference, kind, _ in _components(parsed))
    assert owners == ["Grants", "Tax Platform", "Tax Platform"]
    assert all(kind == "Operating system" for _, kind, _ in _components(parsed))
    assert not [p for p in parsed.problems if p.severity.value == "error"]


def test_a_mapping_saying_a_sheet_is_another_kind_wins_over_the_profile(tmp_path: Path) -> None:
    path = _servicenow_servers(tmp_path / "cmdb_ci_server.xlsx")
    mapping = (
        '[sheets]\n"Page 1" = "components"\n'
        '[components]\n"name" = "reference"\n"os" = "product"\n"os_version" = "version"\n'
    )
    parsed = _parse(path, mapping, tmp_path)
    assert not parsed.profiles
    assert RecordKind.SYSTEMS not in parsed.mappings
    read = parsed.mappings[RecordKind.COMPONENTS]
    assert read.fields == {"reference": 0, "product": 2, "version": 3}
    assert "required column 'Component type' is missing" in _messages(parsed)


def test_a_written_mapping_names_the_profile_and_its_shapes(tmp_path: Path, run: Run) -> None:
    written = tmp_path / "map.toml"
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    for name, lines in {
        "aws-cmf-intake.csv": [
            "# Recognised as an export of AWS Cloud Migration Factory intake form.",
            '"app_name" = "name"',
        ],
        "konveyor-tackle2.csv": [
            "# Recognised as an export of Konveyor Tackle application import (Tag Category",
            '"Tag Category 1" = "pair_category"',
            '"Tag 4" = "pair_value"',
        ],
    }.items():
        result = run(
            "--db", target, "validate", EXPORTS / name, "-d", "DWP", "--write-mapping", written
        )
        assert result.exit_code == 0, result.output + result.stderr
        text = written.read_text(encoding="utf-8")
        for line in lines:
            assert line in text, (name, line, text)
        again = _parse(EXPORTS / name, text, tmp_path)
        first = _parse(EXPORTS / name)
        assert _components(again) == _components(first)
        assert {r.values["name"] for r in again.records[RecordKind.SYSTEMS]} == {
            r.values["name"] for r in first.records[RecordKind.SYSTEMS]
        }


def test_a_written_mapping_names_the_application_column_it_was_given(
    tmp_path: Path, run: Run
) -> None:
    path = _servicenow_servers(tmp_path / "cmdb_ci_server.xlsx")
    given = tmp_path / "given.toml"
    given.write_text('[systems]\n"u_gbl_apm_application" = "application"\n', encoding="utf-8")
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    written = tmp_path / "map.toml"
    result = run(
        "--db",
        target,
        "validate",
        path,
        "-d",
        "DWP",
        "--mapping",
        given,
        "--write-mapping",
        written,
    )
    assert result.exit_code == 0, result.output + result.stderr
    text = written.read_text(encoding="utf-8")
    assert "# Recognised as an export of ServiceNow servers (cmdb_ci_server)." in text
    assert '"u_gbl_apm_application" = "application"' in text
    again = _parse(path, text, tmp_path)
    assert {r.values["name"] for r in again.records[RecordKind.SYSTEMS]} == {
        "Tax Platform",
        "Grants",
    }


def test_a_refused_exports_mapping_names_the_profile_it_matched(tmp_path: Path, run: Run) -> None:
    """A tool's export with no department anywhere is refused; the mapping written for it still
    says which tool's export it is."""
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    written = tmp_path / "map.toml"
    path = EXPORTS / "konveyor-tackle2.csv"
    result = run("--db", target, "validate", path, "--write-mapping", written)
    assert result.exit_code != 0
    assert "which department" in result.stderr
    text = written.read_text(encoding="utf-8")
    assert "# Recognised as an export of Konveyor Tackle application import" in text
    assert "# It could not be read: " in text


def test_a_mapping_files_statuses_win_over_the_profiles_words(tmp_path: Path) -> None:
    """ServiceNow's "Pipeline" is planned by the profile; a department whose pipeline is being
    built says so in [statuses], and that wins; the profile's other words still apply."""
    path = EXPORTS / "servicenow-business-app.csv"
    parsed = _parse(path, '[statuses]\n"Pipeline" = "In development"\n', tmp_path)
    assert list(parsed.profiles.values()) == [
        "ServiceNow business applications (cmdb_ci_business_app)"
    ]
    stages = {
        r.values["name"]: str(r.values["lifecycle_status"])
        for r in parsed.records[RecordKind.SYSTEMS]
    }
    assert stages == {
        "Benefit Claims": "Live",
        "Grants Register": "Retired",
        "Appeals Portal": "In development",
    }
