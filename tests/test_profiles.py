"""Each tool's export, in the format the tool publishes, imports whole through its profile.

Every fixture under tests/exports/ follows the published format named in its profile's
`source` (and below): the header row exactly as the tool writes it, rows in its vocabulary.
Each is imported strictly into an empty estate and checked against what a person reading the
file would expect: the systems, each component with the release the catalogue resolves, the
dependencies and which way they point, and the lifecycle stages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from estate.catalogue import builtin
from estate.errors import InputError
from importers import ImportOptions, import_return
from importers.profiles import load_profiles, parse_profile, recognise
from tests.conftest import Run

EXPORTS = Path(__file__).parent / "exports"


def _import(engine: Engine, name: str) -> Any:
    result = import_return(engine, EXPORTS / name, ImportOptions(department="DWP"))
    assert not result.errors, [p.message for p in result.errors]
    assert result.stored
    return result


def _systems(engine: Engine) -> dict[str, tuple[str, str | None, str | None]]:
    """reference -> (name, lifecycle status, criticality)."""
    with engine.connect() as c:
        rows = c.execute(
            sa.text("SELECT reference, name, lifecycle_status, criticality FROM system")
        )
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


def _components(engine: Engine) -> set[tuple[str, str, str]]:
    """(system reference, component kind, release the catalogue resolves)."""
    with engine.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT s.reference, c.kind, c.product, c.version FROM component c "
                "JOIN system s ON s.id = c.system_id"
            )
        )
        found = set()
        for reference, kind, product, version in rows:
            match = builtin().match(product, version)
            found.add((reference, kind, match.release if match.product else product))
        return found


def _dependencies(engine: Engine) -> set[tuple[str, str, str]]:
    """(depending system, system depended on, dependency type)."""
    with engine.connect() as c:
        rows = c.execute(
            sa.text(
                "SELECT s.reference, d.to_reference, d.kind FROM dependency d "
                "JOIN system s ON s.id = d.from_system_id"
            )
        )
        return {(r[0], r[1], r[2]) for r in rows}


def test_every_profile_loads_and_has_a_fixture() -> None:
    keys = {p.key for p in load_profiles()}
    assert len(keys) >= 17
    assert keys == {p.stem for p in EXPORTS.glob("*.csv")}


@pytest.mark.parametrize("profile", load_profiles(), ids=lambda p: p.key)
def test_each_fixture_is_recognised_as_its_profile(profile: Any) -> None:
    result = import_return_dry(EXPORTS / f"{profile.key}.csv")
    assert list(result.profiles.values()) == [profile.name]


def import_return_dry(path: Path) -> Any:
    from importers.parse import parse_return

    return parse_return(path, department="DWP")


def test_a_profile_with_an_unknown_target_is_refused() -> None:
    with pytest.raises(InputError, match="unknown target 'colour'"):
        parse_profile(
            "bad",
            {
                "name": "Bad",
                "tool": "T",
                "source": "S",
                "kind": "systems",
                "signature": ["A"],
                "columns": {"A": "colour"},
            },
        )


def test_a_header_row_of_no_tool_matches_no_profile() -> None:
    assert recognise(["System reference", "System name", "Operating system"]) is None


# ServiceNow cmdb_ci_business_app: ServiceNow product documentation, business application form
# (number, name, owned_by, it_application_owner, business_criticality "1 - most critical" ...,
# life_cycle_stage).
def test_servicenow_business_applications(empty_engine: Engine) -> None:
    _import(empty_engine, "servicenow-business-app.csv")
    assert _systems(empty_engine) == {
        "APM0001001": ("Benefit Claims", "Live", "Critical"),
        "APM0001002": ("Grants Register", "Retired", "Medium"),
        "APM0001003": ("Appeals Portal", "Planned", "High"),
    }


# ServiceNow cmdb_ci_appl: class (sys_class_name) names the product, version its release.
def test_servicenow_application_instances(empty_engine: Engine) -> None:
    result = _import(empty_engine, "servicenow-appl.csv")
    assert _components(empty_engine) == {
        ("CLAIMSDB01", "Database", "SQL Server 2019"),
        ("LEDGERORA", "Database", "Oracle Database 11.2"),
        ("PAYROLL-WEB", "Middleware", "Apache Tomcat 8.5"),
    }
    assert _systems(empty_engine)["PAYROLL-WEB"][1] == "Retired"
    assert any("Application" in p.message for p in result.warnings)


# ServiceNow cmdb_ci_server saved by Excel with a ";" list separator, with the application
# each server belongs to: one system per application, each server's OS a component.
def test_servicenow_servers_group_by_application(empty_engine: Engine) -> None:
    _import(empty_engine, "servicenow-server.csv")
    assert set(_systems(empty_engine)) == {"Benefit Claims", "General Ledger", "SPARE-01"}
    assert _components(empty_engine) == {
        ("Benefit Claims", "Operating system", "Windows Server 2012 R2"),
        ("Benefit Claims", "Operating system", "Windows Server 2016"),
        ("General Ledger", "Operating system", "Red Hat Enterprise Linux 6"),
        ("SPARE-01", "Operating system", "Red Hat Enterprise Linux 8"),
    }


# ServiceNow cmdb_rel_ci (parent, type, child): the type says the direction and, where it
# names one, the mechanism.
def test_servicenow_relationships(empty_engine: Engine) -> None:
    _import(empty_engine, "servicenow-business-app.csv")
    # ends written as the business applications' names resolve to their numbers; a row whose
    # depending end is in no estate yet is kept as written, until a return supplies it
    result = import_return(
        empty_engine, EXPORTS / "servicenow-rel-ci.csv", ImportOptions(department="DWP")
    )
    assert result.stored and not result.errors
    assert _dependencies(empty_engine) == {
        ("APM0001001", "General Ledger", "API"),
        ("APM0001001", "Identity Hub", "Identity"),
    }
    assert [p.message for p in result.problems if "systems not in the estate" in p.message] == [
        "1 dependency names 2 systems not in the estate yet (Payments Gateway, General "
        "Ledger): kept unresolved, and resolved when a return supplies them (row 4)"
    ]
    assert not any("no dependency type column" in p.message for p in result.problems)


# AWS Cloud Migration Factory intake form (0-intake-form.csv in the solution's repository).
def test_aws_cmf_intake(empty_engine: Engine) -> None:
    _import(empty_engine, "aws-cmf-intake.csv")
    assert set(_systems(empty_engine)) == {"app01-hr", "app02-sales", "app03-sales"}
    assert _components(empty_engine) == {
        ("app01-hr", "Operating system", "Windows Server 2012 R2"),
        ("app02-sales", "Operating system", "Windows Server 2016"),
        ("app03-sales", "Operating system", "Red Hat Enterprise Linux 7"),
    }


# AWS Migration Hub import template: "Applications" lists several; a server in none is a
# system of its own.
def test_aws_migration_hub(empty_engine: Engine) -> None:
    _import(empty_engine, "aws-migration-hub.csv")
    assert _components(empty_engine) == {
        ("Payments", "Operating system", "Red Hat Enterprise Linux 8"),
        ("Ledger", "Operating system", "Red Hat Enterprise Linux 8"),
        ("Payments", "Operating system", "Windows Server 2016"),
        ("tools01", "Operating system", "Ubuntu 18.04"),
    }


# Migration Hub's import fields take the operating system's name and version apart
# ("OS.Name" Windows, "OS.Version" the build, as the Discovery Agent reports a Windows
# server's version: 6.3.9600, 10.0.14393). A bare Windows NT build is desktop Windows or
# Windows Server alike: the catalogue takes the release whose support ends first, and the
# import names the cell, what it took and what else it could be, instead of saying nothing.
def test_a_build_several_releases_share_is_named_at_import(
    empty_engine: Engine, tmp_path: Path
) -> None:
    header = (EXPORTS / "aws-migration-hub.csv").read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "import_template.csv"
    path.write_text(
        f"{header}\n"
        "srv-1,,10.0.0.5,,win01,,,1,2,4,Windows,10.0.14393,,4096,,Casework,,\n"
        "srv-2,,10.0.0.6,,win02,,,1,2,4,Microsoft Windows Server 2016 Datacenter,10.0.14393,"
        ",4096,,Casework,,\n",
        encoding="utf-8",
    )
    result = import_return(empty_engine, path, ImportOptions(department="DWP"))
    assert result.stored and not result.errors
    (assumed,) = [w for w in result.warnings if "cannot tell which release" in w.message]
    assert (assumed.sheet, assumed.row, assumed.column) == ("import_template", 2, "K")
    assert assumed.value == "Windows 10.0.14393"
    assert "assumed Windows 10 1607 Home and Pro" in assumed.message
    assert "Windows Server 2016" in assumed.message


# Azure Migrate import CSV, with its byte-order mark and "*" marks on required columns.
def test_azure_migrate(empty_engine: Engine) -> None:
    result = _import(empty_engine, "azure-migrate.csv")
    assert _components(empty_engine) == {
        ("contoso-dc01", "Operating system", "Windows Server 2022"),
        ("contoso-web01", "Operating system", "Windows Server 2012 R2"),
        ("contoso-lnx01", "Operating system", "Ubuntu 18.04"),
    }
    (unread,) = [p for p in result.warnings if " not imported: " in p.message]
    assert "Disk 1 size (In GB) (read as Azure Migrate" in unread.message


# Azure Migrate's Azure VM assessment export, its All_Assessed_Machines sheet saved as CSV
# (the header row the portal writes, the order public deployment scripts read it in; memory in
# MB, storage in GB, a readiness issue with commas inside quotes, two IP addresses in one cell).
def test_azure_migrate_assessment(empty_engine: Engine) -> None:
    result = _import(empty_engine, "azure-migrate-assessment.csv")
    assert _components(empty_engine) == {
        ("FIN-APP01", "Operating system", "Windows Server 2012 R2"),
        ("FIN-DB01", "Operating system", "Windows Server 2008 R2"),
        ("fin-lnx01", "Operating system", "Red Hat Enterprise Linux 7"),
    }
    assert not [p for p in result.warnings if " not imported: " in p.message]
    with empty_engine.connect() as c:
        sizing = c.execute(
            sa.text(
                "SELECT vcpus, memory_gb, cpu_utilisation FROM system WHERE reference = 'FIN-DB01'"
            )
        ).one()
    assert tuple(sizing) == (8, 64.0, 40.0)


# Konveyor Tackle application import, both record types (tackle2-ui template files).
@pytest.mark.parametrize("name", ["konveyor-tackle1.csv", "konveyor-tackle2.csv"])
def test_konveyor_applications_and_dependencies(empty_engine: Engine, name: str) -> None:
    result = _import(empty_engine, name)
    assert set(_systems(empty_engine)) == {"Customers", "Inventory", "Gateway"}
    assert _dependencies(empty_engine) == {
        ("Gateway", "Inventory", "API"),
        ("Gateway", "Customers", "API"),
    }
    components = _components(empty_engine)
    assert ("Inventory", "Operating system", "Red Hat Enterprise Linux 8") in components
    assert ("Gateway", "Language/runtime", "Oracle Java SE") in components
    if name == "konveyor-tackle1.csv":
        assert ("Customers", "Operating system", "Red Hat Enterprise Linux 6") in components
        assert ("Inventory", "Database", "PostgreSQL 9.6") in components
        # "Application Type: Web" is a tag, not technology
        assert not any(release == "Web" for _s, _k, release in components)
        # Beyond the missing reference column, only the technology the catalogue cannot place
        # (the Konveyor sample's "Java" names no release) and the release it cannot tell
        # ("Oracle 11g" is 11.1 or 11.2, whose support ended years apart).
        (assumed,) = [w for w in result.warnings if "cannot tell which release" in w.message]
        assert assumed.value == "Oracle 11g" and "assumed 11.1 (also 11.2)" in assumed.message
        others = [
            w.message
            for w in result.warnings[1:]
            if not w.message.startswith("the lifecycle catalogue cannot place") and w is not assumed
        ]
        assert not others, others
    else:
        assert ("Customers", "Database", "Oracle Database 19") in components
        assert ("Customers", "Middleware", "Apache Tomcat 9.0") in components


# iTop CSV export: ApplicationSolution, Server and DBServer, with iTop's status words.
def test_itop(empty_engine: Engine) -> None:
    _import(empty_engine, "itop-application-solution.csv")
    systems = _systems(empty_engine)
    assert systems["Tax Credits"] == ("Tax Credits", "Live", "High")
    assert systems["Old Payroll"] == ("Old Payroll", "Retired", "Low")


def test_itop_servers_and_database_servers(empty_engine: Engine) -> None:
    _import(empty_engine, "itop-server.csv")
    _import(empty_engine, "itop-dbserver.csv")
    components = _components(empty_engine)
    assert ("Server1", "Operating system", "Windows Server 2012 R2") in components
    assert ("Server2", "Operating system", "Red Hat Enterprise Linux 6") in components
    assert ("DBServer1", "Database", "Oracle Database 11.2") in components
    assert ("DBServer2", "Database", "SQL Server 2014") in components
    assert _systems(empty_engine)["DBServer2"][1] == "In development"


# GLPI computers search export (";"-delimited, "Operating system - Name / - Version").
def test_glpi_computers(empty_engine: Engine) -> None:
    _import(empty_engine, "glpi-computers.csv")
    assert _components(empty_engine) == {
        ("PC-FIN-001", "Operating system", "Windows (desktop) 7"),
        ("SRV-CRM-01", "Operating system", "CentOS Linux 7"),
    }


# GLPI software list search export (";"-delimited, every cell quoted; options of the Versions
# group headed "Versions - ..."): each software a system, its version the release.
def test_glpi_software(empty_engine: Engine) -> None:
    result = _import(empty_engine, "glpi-software.csv")
    assert _components(empty_engine) == {
        ("Microsoft SQL Server 2014 (64-bit)", "Database", "SQL Server 2014"),
        ("Python 2.7.18", "Language/runtime", "Python 2.7"),
        ("PostgreSQL 9.6", "Database", "PostgreSQL 9.6"),
    }
    systems = _systems(empty_engine)
    assert set(systems) == {
        "Microsoft SQL Server 2014 (64-bit)",
        "Python 2.7.18",
        "PostgreSQL 9.6",
        "Adobe Acrobat Reader DC",
    }
    # software the catalogue does not know is said once, its version not guessed at
    said = [p.message for p in result.warnings]
    assert not any("21.001.20145" in message for message in said)
    assert any("Adobe Acrobat Reader DC" in message for message in said)


# ManageEngine "Import CI Relationships from XLS": Name of CI1, Relationship, Name of CI2.
def test_manageengine_relationships(empty_engine: Engine) -> None:
    from importers.parse import parse_return

    parsed = parse_return(EXPORTS / "manageengine-ci-relationships.csv", department="DWP")
    from importers.layout import RecordKind

    ends = {
        (r.values["reference"], r.values["to_reference"])
        for r in parsed.records[RecordKind.DEPENDENCIES]
    }
    assert ends == {("Server1", "Printer1"), ("Server1", "Router1"), ("MySql", "Server1")}


# ManageEngine CMDB configuration items, headed with the CI attributes' display names (CI Name,
# CI Type, Site, Business Impact, ...), the asset state the stage and the operating system a
# component.
def test_manageengine_configuration_items(empty_engine: Engine) -> None:
    _import(empty_engine, "manageengine-ci.csv")
    assert _systems(empty_engine) == {
        "BENEFITS-DB01": ("BENEFITS-DB01", "Live", "High"),
        "LEDGER-APP01": ("LEDGER-APP01", "Live", "Medium"),
        "GRANTS-WEB01": ("GRANTS-WEB01", "Retired", "Low"),
        "HR-WEB02": ("HR-WEB02", "Planned", "Medium"),
    }
    assert _components(empty_engine) == {
        ("BENEFITS-DB01", "Operating system", "Windows Server 2008 R2"),
        ("LEDGER-APP01", "Operating system", "Red Hat Enterprise Linux 6"),
        ("GRANTS-WEB01", "Operating system", "Windows Server 2003"),
        ("HR-WEB02", "Operating system", "Windows Server 2019"),
    }


# ]project-open[ configuration items (Conf Item Name; Conf Item Nr; ...).
def test_project_open(empty_engine: Engine) -> None:
    _import(empty_engine, "project-open-conf-items.csv")
    assert _systems(empty_engine) == {
        "ci_0001": ("Customer Portal", "Live", None),
        "ci_0002": ("Legacy Billing", "Retired", None),
    }


# LeanIX application export: technical keys, businessCriticality vocabulary.
def test_leanix(empty_engine: Engine) -> None:
    _import(empty_engine, "leanix-application.csv")
    systems = _systems(empty_engine)
    # the stage is that of the latest lifecycle phase begun
    assert systems["28fe4aa2-6e46-41a1-a131-0fa3a2e9d0d5"] == ("HR Online", "Live", "Critical")
    assert systems["4d121f64-116b-4ccd-a292-eb4b6f5d1a6e"] == (
        "Expenses",
        "Being decommissioned",
        "Low",
    )


# RVTools vInfo: each VM a system, the configured guest OS a component.
def test_rvtools(empty_engine: Engine) -> None:
    _import(empty_engine, "rvtools-vinfo.csv")
    components = _components(empty_engine)
    assert ("db-ora-01", "Operating system", "Oracle Linux 7") in components
    assert {r for r, _k, _p in components} == {"app-01", "db-ora-01"}


# RVTools' CSV export of the same tab names each column after the tab and its field, in
# camelCase ("vInfoVMName", "vInfoOS"): read as the sheet's own headers are.
def test_rvtools_csv_export(empty_engine: Engine) -> None:
    _import(empty_engine, "rvtools-vinfo-csv.csv")
    components = _components(empty_engine)
    assert ("db-ora-01", "Operating system", "Oracle Linux 7") in components
    assert {r for r, _k, _p in components} == {"app-01", "db-ora-01"}


def test_validate_lists_the_profiles(run: Any) -> None:
    result = run("validate", "--profiles")
    assert result.exit_code == 0
    for profile in load_profiles():
        assert f"{profile.key}: {profile.name}" in result.stdout


def test_validate_says_which_profile_it_recognised(run: Any, tmp_path: Path) -> None:
    db = tmp_path / "estate.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "validate", "-d", "DWP", EXPORTS / "azure-migrate.csv")
    assert result.exit_code == 0, result.output
    assert "Sheet 'azure-migrate' read as: Azure Migrate server import." in result.stdout
    summary = run("--db", db, "validate", "-d", "DWP", "--json", EXPORTS / "azure-migrate.csv")
    assert '"azure-migrate": "Azure Migrate server import"' in summary.stdout


# Tackle 1.x's application import service took the same file without the dependency columns
# (konveyor/tackle-application-import tests: "Record Type 1,Application Name,Description,
# Comments,Business Service,Tag Type 1,Tag 1").
def test_konveyor_1x_without_dependency_columns(tmp_path: Path) -> None:
    from importers.parse import parse_return

    path = tmp_path / "tackle1.csv"
    path.write_text(
        "Record Type 1,Application Name,Description,Comments,Business Service,Tag Type 1,Tag 1\n"
        "1,ForestAndTrees,Mainframe batch scheduling application,,,Database,Oracle 12c\n"
        "2,ForestAndTrees,,,,,\n",
        encoding="utf-8",
    )
    parsed = parse_return(path, department="DWP")
    assert list(parsed.profiles.values()) == ["Konveyor Tackle application import (Tag Type)"]
    from importers.layout import RecordKind

    (component,) = parsed.records[RecordKind.COMPONENTS]
    assert component.values["product"] == "Oracle 12c"
    (error,) = [p for p in parsed.problems if p.severity.value == "error"]
    assert error.row == 3 and "dependency row must name both" in error.message


def test_the_users_mapping_wins_over_the_profile() -> None:
    from importers.headers import UserMapping
    from importers.layout import RecordKind
    from importers.parse import parse_return

    mapping = UserMapping(
        columns={RecordKind.SYSTEMS: {"ip addresses": "description", "os name": "notes"}}
    )
    parsed = parse_return(EXPORTS / "azure-migrate.csv", department="DWP", user_mapping=mapping)
    first = parsed.records[RecordKind.SYSTEMS][0].values
    assert first["description"] == "192.168.10.10"  # a column the profile sets aside
    assert first["notes"] == "Windows Server 2022"  # a column the profile reads otherwise
    # The OS name went to notes, so no component is read from it; an OS version alone is a
    # component only where its NT build names a release by itself (18.04 names none).
    components = parsed.records.get(RecordKind.COMPONENTS, [])
    assert [c.values["product"] for c in components] == ["10.0.20348", "6.3.9600"]


# --write-mapping lists the columns a sheet's shape reads as what they are read as: Konveyor's
# record type, other end, direction and tag pairs (as the mapping targets they are), and a
# server list's server and application columns.
@pytest.mark.parametrize(
    ("export", "expected"),
    [
        (
            "konveyor-tackle2.csv",
            [
                '# "Record Type 1"  read as the record type: which rows are systems, which '
                "dependencies",
                '# "Dependency"  read as the other end of a dependency row',
                '# "Dependency Direction"  read as which way a dependency row points',
                '"Tag Category 1" = "pair_category"  # Category of a category / value pair',
                '"Tag 1" = "pair_value"  # Value of a category / value pair',
            ],
        ),
        (
            "servicenow-server.csv",
            [
                '# "name"  read as the row\'s server: rows group into systems by their application',
                '"u_application" = "application"  # Application the row belongs to',
            ],
        ),
    ],
)
def test_write_mapping_says_what_shaped_columns_are_read_as(
    run: Run, tmp_path: Path, export: str, expected: list[str]
) -> None:
    written = tmp_path / "mapping.toml"
    assert run("--db", tmp_path / "estate.db", "init").exit_code == 0
    result = run(
        "--db",
        tmp_path / "estate.db",
        "validate",
        EXPORTS / export,
        "-d",
        "DWP",
        "--write-mapping",
        written,
    )
    assert written.exists(), result.output
    lines = written.read_text().splitlines()
    for line in expected:
        assert line in lines
    shaped = {line.split('"')[1] for line in expected}
    assert not any("# not read" in line and line.split('"')[1] in shaped for line in lines)
