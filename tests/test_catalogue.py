"""The lifecycle catalogue and matching free-text components to it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from estate.catalogue import builtin
from estate.catalogue.endoflife import load_catalogue, read_lifecycle, store_lifecycle
from estate.errors import InputError
from tests.conftest import SHARED_REFERENCE, Run

# (what departments write, product key, release cycle)
SPELLINGS = [
    ("Win 2008 R2", "windows-server", "2008-r2"),
    ("Windows Server 2008R2 SP1", "windows-server", "2008-r2"),
    ("Windows 2008", "windows-server", "2008"),
    ("Windows Server 2012 R2 Datacenter", "windows-server", "2012-r2"),
    ("Windows 2003", "windows-server", "2003"),
    ("Windows Server 2016 Standard x64", "windows-server", "2016"),
    ("Windows XP", "windows", "5"),
    ("Windows 7 SP1", "windows", "7"),
    ("Windows 10 22H2", "windows", "10"),
    ("Oracle 11gR2", "oracle-database", "11.2"),
    ("Oracle Database 11g R2", "oracle-database", "11.2"),
    ("Oracle 11.2.0.4", "oracle-database", "11.2"),
    ("Oracle 12c", "oracle-database", "12.1"),
    ("Oracle 12cR2", "oracle-database", "12.2"),
    ("Oracle Database 19c", "oracle-database", "19"),
    ("RHEL 6.10", "rhel", "6"),
    ("Red Hat Enterprise Linux 7.9", "rhel", "7"),
    ("RedHat 8", "rhel", "8"),
    ("CentOS 7", "centos", "7"),
    ("MS SQL 2012 SP4", "mssqlserver", "11.0"),
    ("SQL Server 2008 R2", "mssqlserver", "10.50"),
    ("Microsoft SQL Server 2014 SP3", "mssqlserver", "12.0"),
    ("SQL 2016", "mssqlserver", "13.0"),
    ("Java 1.8", "java", "8"),
    ("Java SE 8u202", "java", "8"),
    ("JDK 1.7.0_80", "java", "7"),
    ("Java 11", "java", "11"),
    (".NET Framework 3.5", "dotnetfx", "3.5"),
    (".NET Framework 4.6.1", "dotnetfx", "4.6.1"),
    (".NET 4.8", "dotnetfx", "4.8"),
    (".NET 6", "dotnet", "6"),
    ("Solaris 10", "solaris", "10"),
    ("Oracle Solaris 10 1/13", "solaris", "10"),
    ("SunOS 5.10", "solaris", "10"),
    ("AIX 7.1", "aix", "7.1"),
    ("HP-UX 11i v3", "hp-ux", "11.31"),
    ("z/OS 2.3", "zos", "2.3"),
    ("IBM Enterprise COBOL 4.2", "ibm-cobol", "4.2"),
    ("Db2 for z/OS 11", "db2", "11"),
    ("DB2 11.1", "db2", "11.1"),
    ("Sybase ASE 15.7", "sybase-ase", "15.7"),
    ("CICS Transaction Server 5.3", "cics", "5.3"),
    ("IE11", "internet-explorer", "11"),
    ("Internet Explorer 11", "internet-explorer", "11"),
    ("Exchange 2013", "msexchange", "2013"),
    ("SharePoint 2010", "sharepoint", "2010"),
    ("Apache Tomcat 7", "tomcat", "7"),
    ("Tomcat 8.5.100", "tomcat", "8.5"),
    ("Oracle WebLogic 11g", "weblogic", "10.3"),
    ("WebLogic Server 12cR2", "weblogic", "12.2"),
    ("JBoss EAP 6.4", "jboss-eap", "6"),
    ("IBM WebSphere 8.5.5", "websphere", "8.5"),
    ("IIS 7.5", "iis", "7.5"),
    ("VMware ESXi 6.7", "vmware-esxi", "6.7"),
    ("PHP 5.6", "php", "5.6"),
    ("Python 2.7", "python", "2.7"),
    ("MySQL 5.7", "mysql", "5.7"),
    ("PostgreSQL 15", "postgresql", "15"),
    ("VB6", "visual-basic", "6"),
    ("AS/400 V7R1", "ibm-i", "7.1"),
    ("Lotus Notes 8.5", "lotus-domino", "8.5"),
]


def test_the_catalogue_covers_at_least_fifty_product_lines() -> None:
    products = builtin().products
    assert len([p for p in products.values() if not p.evergreen]) >= 50


@pytest.mark.parametrize(("text", "product", "cycle"), SPELLINGS)
def test_real_world_spellings_resolve(text: str, product: str, cycle: str) -> None:
    match = builtin().match(text)
    assert match.product is not None and match.product.key == product, match.note
    assert match.cycle is not None and match.cycle.cycle == cycle, match.note


def test_there_are_at_least_forty_spellings() -> None:
    assert len(SPELLINGS) >= 40


def test_the_three_dates_are_kept_apart() -> None:
    cycle = builtin().match("Windows Server 2008 R2").cycle
    assert cycle is not None
    assert (cycle.support_end, cycle.security_end, cycle.extended_end) == (
        dt.date(2015, 1, 13),
        dt.date(2020, 1, 14),
        dt.date(2023, 1, 10),
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Foo Widget 1.2", "product not in the catalogue"),
        ("Windows Server", "no version given"),
        ("PHP 3.0", "'3 0' is not a known PHP release"),
    ],
)
def test_what_does_not_match_says_why(text: str, why: str) -> None:
    match = builtin().match(text)
    assert not match.matched
    assert match.note is not None and why in match.note


def test_an_ambiguous_version_takes_the_earliest_end_and_says_so() -> None:
    match = builtin().match("Tomcat 8")
    assert match.cycle is not None and match.cycle.cycle == "8.0"
    assert match.note is not None and "also 8.5" in match.note


def test_evergreen_services_match_without_a_release() -> None:
    match = builtin().match("ServiceNow Washington")
    assert match.matched and match.cycle is None


def test_a_per_product_file_in_the_api_shape_replaces_the_builtin_releases(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "tomcat.json"
    path.write_text(
        json.dumps(
            [
                {"cycle": "7", "eol": "2021-03-31", "support": True},
                {"cycle": "9", "eol": False},
                {"cycle": "6", "eol": True},
            ]
        )
    )
    cycles = read_lifecycle(path)
    with empty_engine.begin() as connection:
        assert store_lifecycle(connection, cycles, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == 3
        catalogue = load_catalogue(connection)
    tomcat = catalogue.products["tomcat"]
    assert [c.cycle for c in tomcat.cycles] == ["7", "9", "6"]
    six = catalogue.match("Apache Tomcat 6").cycle
    assert six is not None and six.security_ended and six.security_end is None
    assert catalogue.match("Tomcat 8.5").cycle is None, "imported releases replace the built-in"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"a": 1}', "expected a list of releases"),
        ('[{"eol": "2020-01-01"}]', "needs a 'cycle'"),
        ('[{"cycle": "1", "eol": "soon"}]', "is not a date"),
    ],
)
def test_bad_lifecycle_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_lifecycle(path)


REFERENCE = SHARED_REFERENCE / "endoflife.json"


@pytest.mark.skipif(not REFERENCE.exists(), reason="the endoflife.date reference copy is absent")
def test_the_real_endoflife_catalogue_loads_and_matches(run: Run, tmp_path: Path) -> None:
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    result = run("--db", db_path, "catalogue", "import", REFERENCE)
    assert result.exit_code == 0, result.output
    assert "Imported 8,321 releases of 464 products" in result.stderr
    shown = run("--db", db_path, "catalogue", "show", "mssqlserver", "--json")
    releases = {r["cycle"]: r for r in json.loads(shown.stdout)["releases"]}
    assert releases["11.0-sp4"]["security_end"] == "2022-07-12"
    matched = run("--db", db_path, "catalogue", "match", "MS SQL 2012 SP4")
    assert "11.0-sp4" in matched.stdout
    rhel = run("--db", db_path, "catalogue", "match", "RHEL 6.10")
    assert "Red Hat Enterprise Linux 6" in rhel.stdout
    # a product only the imported data knows is matched by its title
    assert (
        "Alpine Linux 3.20"
        in run("--db", db_path, "catalogue", "match", "Alpine Linux 3.20").stdout
    )


@pytest.mark.skipif(not REFERENCE.exists(), reason="the endoflife.date reference copy is absent")
def test_one_product_can_be_taken_from_the_whole_catalogue() -> None:
    cycles = read_lifecycle(REFERENCE, product="rhel")
    assert {c.cycle.product for c in cycles} == {"rhel"}
    six = next(c.cycle for c in cycles if c.cycle.cycle == "6")
    assert (six.security_end, six.extended_end) == (dt.date(2020, 11, 30), dt.date(2024, 6, 30))
