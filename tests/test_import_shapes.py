"""The general reading, without a profile: each shape tools export, in headers no profile
describes, read as a person reading the file would."""

from __future__ import annotations

from pathlib import Path

from importers.layout import RecordKind
from importers.parse import ParsedReturn, parse_return


def _parse(tmp_path: Path, text: str, name: str = "export.csv") -> ParsedReturn:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    parsed = parse_return(path, department="DWP")
    assert not parsed.profiles, "these headers belong to no profile"
    return parsed


def _values(parsed: ParsedReturn, kind: RecordKind, *fields: str) -> set[tuple[object, ...]]:
    return {tuple(str(r.values.get(f)) for f in fields) for r in parsed.records.get(kind, [])}


def _errors(parsed: ParsedReturn) -> list[str]:
    return [p.message for p in parsed.problems if p.severity.value == "error"]


def test_category_value_pairs_become_components(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "System reference,System name,Stack Type 1,Stack 1,Stack Type 2,Stack 2,"
        "Stack Type 3,Stack 3\n"
        "S1,Ledger,Operating System,RHEL 6,Database,Oracle 11g,Hosting site,Leeds\n",
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.COMPONENTS, "kind", "product") == {
        ("Operating system", "RHEL 6"),
        ("Database", "Oracle 11g"),
    }
    assert any("Hosting site" in p.message for p in parsed.problems)
    assert not any("unknown column" in p.message for p in parsed.problems)


def test_one_row_per_server_groups_by_application(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Server Name,Application,Operating System,OS Version\n"
        "ldn-app-01,Ledger,Windows Server 2012 R2,\n"
        "ldn-db-01,Ledger,Red Hat Enterprise Linux,7.9\n"
        "ldn-web-09,Claims,Windows Server 2016,\n",
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.SYSTEMS, "reference") == {("Ledger",), ("Claims",)}
    assert _values(parsed, RecordKind.COMPONENTS, "reference", "product", "version") == {
        ("Ledger", "Windows Server 2012 R2", ""),
        ("Ledger", "Red Hat Enterprise Linux", "7.9"),
        ("Claims", "Windows Server 2016", ""),
    }


def test_server_name_column_with_an_application_column(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Name,OS,u_business_application\n"
        "srv1,Windows Server 2016,Payroll\nsrv2,Ubuntu 18.04,Payroll\n",
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.SYSTEMS, "reference") == {("Payroll",)}
    assert len(parsed.records[RecordKind.COMPONENTS]) == 2


def test_class_and_version_columns(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "CI Name,Class,Version\nCLAIMSDB,Database MS SQL,15.0.4455.2\nWEB1,Tomcat,9.0.80\n",
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.COMPONENTS, "reference", "product", "version") == {
        ("CLAIMSDB", "Microsoft SQL Server", "15.0.4455.2"),
        ("WEB1", "Apache Tomcat", "9.0.80"),
    }


def test_mixed_record_type_sheet(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Record Type,Application,Dependency,Direction,Notes\n"
        "1,Portal,,,Front end\n1,Ledger,,,\n1,Identity,,,\n"
        "2,Portal,Ledger,upstream,\n2,Ledger,Identity,upstream,\n2,Identity,Portal,downstream,\n",
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.SYSTEMS, "reference") == {
        ("Portal",),
        ("Ledger",),
        ("Identity",),
    }
    assert _values(parsed, RecordKind.DEPENDENCIES, "reference", "to_reference") == {
        ("Portal", "Ledger"),
        ("Ledger", "Identity"),
        ("Portal", "Identity"),
    }


def test_unknown_record_type_is_reported(tmp_path: Path) -> None:
    parsed = _parse(tmp_path, "Record Type,Application,Dependency\n1,Portal,\n7,Portal,Ledger\n")
    (error,) = _errors(parsed)
    assert "record type '7'" in error


def test_relationship_file_ci1_relationship_ci2(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "CI 1,Relationship,CI 2,Comment\n"
        "Portal,Depends on,Ledger,\nIdentity,Used by,Portal,\n"
        "Portal,Authenticates with,Identity,\n",
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.DEPENDENCIES, "reference", "to_reference", "kind") == {
        ("Portal", "Ledger", "API"),
        ("Portal", "Identity", "API"),
        ("Portal", "Identity", "Identity"),
    }


def test_relationship_type_column_is_read_not_assumed(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Parent CI,Type,Child CI\nLedger,Reads from::Read by,Archive\n"
        "Portal,Authenticates with::Authenticates,Identity\n",
    )
    assert _values(parsed, RecordKind.DEPENDENCIES, "reference", "to_reference", "kind") == {
        ("Ledger", "Archive", "Shared database"),
        ("Portal", "Identity", "Identity"),
    }
    assert not any("no dependency type column" in p.message for p in parsed.problems)


def test_one_row_per_technology_extract_is_systems(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Business Application,Application Number,Owned By,Business Criticality,"
        "Technology Type,Technology,Version\n"
        "Ledger,APM001,Jo Bloggs,High,Database,Oracle Database,19c\n"
        "Ledger,APM001,Jo Bloggs,High,Operating System,Red Hat Enterprise Linux,8\n",
    )
    assert not _errors(parsed)
    assert RecordKind.SYSTEMS in parsed.mappings
    assert _values(parsed, RecordKind.SYSTEMS, "reference", "name") == {("APM001", "Ledger")}
    assert _values(parsed, RecordKind.COMPONENTS, "kind", "product", "version") == {
        ("Database", "Oracle Database", "19c"),
        ("Operating system", "Red Hat Enterprise Linux", "8"),
    }


def test_snake_case_intake_with_family_and_full_os_name(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "application_name,hostname,os_family,os_version\n"
        "Ledger,l1,windows,Windows Server 2012 R2\n"
        "Ledger,l2,linux,Red Hat Enterprise Linux 7\n",
    )
    assert _values(parsed, RecordKind.SYSTEMS, "reference") == {("Ledger",)}
    assert _values(parsed, RecordKind.COMPONENTS, "product", "version") == {
        ("Windows Server 2012 R2", ""),
        ("Red Hat Enterprise Linux 7", ""),
    }


def test_a_register_carrying_a_tools_headers_loses_none_of_its_own(tmp_path: Path) -> None:
    path = tmp_path / "register.csv"
    path.write_text(
        "Name,OS,OS Version,Business Owner,Criticality,Rack\nLedger,RHEL,8,Jo Bloggs,High,R12\n",
        encoding="utf-8",
    )
    parsed = parse_return(path, department="DWP")
    assert list(parsed.profiles.values()) == ["ServiceNow servers (cmdb_ci_server)"]
    (system,) = parsed.records[RecordKind.SYSTEMS]
    assert system.values["business_owner"] == "Jo Bloggs"
    assert str(system.values["criticality"]) == "High"
    assert any(
        p.message.startswith("1 column not imported: Rack (read as ServiceNow servers")
        for p in parsed.problems
    )


def test_a_server_no_application_claims_is_its_own_system(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "Server Name,Operating System,Application\n"
        "srv1,Windows Server 2016,Payroll\nsrv9,Ubuntu 18.04\n",  # the last cell left off
    )
    assert not _errors(parsed)
    assert _values(parsed, RecordKind.SYSTEMS, "reference") == {("Payroll",), ("srv9",)}
    assert ("srv9", "Ubuntu 18.04") in _values(
        parsed, RecordKind.COMPONENTS, "reference", "product"
    )
