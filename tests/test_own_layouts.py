"""Returns as departments keep them: flat registers, CMDB extracts, interface lists and
relationship files, built here the way departments lay them out (not the template renamed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy.engine import Engine

from estate import db
from estate.enums import Hosting
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from importers import ImportOptions, ImportResult, import_return, load_user_mapping
from importers.layout import RecordKind
from importers.parse import parse_return
from tests.conftest import SAMPLE_DIR, Run

AS_OF = dt.date(2026, 11, 1)
REGISTER_HEADER = [
    "App Ref",
    "Application",
    "Business Owner",
    "Criticality",
    "Hosting",
    "Operating System",
    "Database",
    "Middleware",
    "Supplier",
    "Contract End Date",
    "Annual Cost",
    "Users",
]


def workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """Write a workbook with these sheets, rows as given (None is an empty cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def register(path: Path, *rows: list[Any], footnote: bool = True) -> Path:
    """A one-sheet asset register: title rows, the header, the rows, a blank row, a source."""
    data: list[list[Any]] = [
        ["Department for Benefits and Pensions: Application Register"],
        ["As at 30 September 2026"],
        [],
        REGISTER_HEADER,
        *rows,
    ]
    if footnote:
        data += [[], ["Source: DBP CMDB export, September 2026"]]
    return workbook(path, {"Register": data})


def app(
    ref: str, name: str, os: str | None, db: str | None = None, mw: str | None = None
) -> list[Any]:
    """One register row."""
    return [
        ref,
        name,
        "J. Smith",
        "High",
        "On-premises",
        os,
        db,
        mw,
        "Acme",
        "31/03/2028",
        "£1.2m",
        400,
    ]


def _scores(engine: Engine) -> dict[str, Any]:
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=AS_OF))
    return {s.key: s for s in scores.systems}


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


def _clean(result: ImportResult) -> None:
    assert result.stored, [str(p) for p in result.errors]
    assert not result.errors


def test_a_flat_register_imports_whole_and_scores_from_its_technology(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = register(
        tmp_path / "register.xlsx",
        app("APP-1", "Benefits Ledger", "Windows Server 2008 R2"),
        app("APP-2", "Claims", "RHEL 7", "Oracle 12c", "WebLogic 12.2"),
        app("APP-3", "Portal", "Windows Server 2016; SQL Server 2016"),
    )
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    assert result.changes is not None and result.changes.summary()["new"] == 3
    components = _rows(
        empty_engine,
        "SELECT s.reference, c.kind, c.product FROM component c JOIN system s "
        "ON s.id = c.system_id ORDER BY s.reference, c.product",
    )
    assert components == [
        ("APP-1", "Operating system", "Windows Server 2008 R2"),
        ("APP-2", "Database", "Oracle 12c"),
        ("APP-2", "Operating system", "RHEL 7"),
        ("APP-2", "Middleware", "WebLogic 12.2"),
        ("APP-3", "Database", "SQL Server 2016"),
        ("APP-3", "Operating system", "Windows Server 2016"),
    ]
    note = next(p for p in result.warnings if p.row == 9)
    assert note.message.startswith("a note, source or total") and note.value
    assert note.value.startswith("Source:")
    scores = _scores(empty_engine)
    ledger = scores["DBP/APP-1"].legacy.likelihood[0]
    assert ledger.value == 6 and "Windows Server 2008" in ledger.evidence
    claims = scores["DBP/APP-2"].legacy
    assert claims.likelihood[0].value is not None and claims.is_legacy


def test_the_department_column_is_not_needed_when_the_cover_sheet_says(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        {
            "Return": [["Department code", "DBP"], ["Department name", "Benefits"]],
            "Applications": [["Application ID", "Application Name"], ["A-1", "Ledger"]],
        },
    )
    result = import_return(empty_engine, path)
    _clean(result)
    assert _rows(empty_engine, "SELECT reference, name FROM system") == [("A-1", "Ledger")]


@pytest.mark.parametrize(
    "header", ["App Ref", "Application ID", "Application Number", "Asset ID", "CI ID"]
)
def test_reference_columns_as_departments_head_them(
    empty_engine: Engine, tmp_path: Path, header: str
) -> None:
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": [[header, "Application"], ["X-9", "Ledger"]]})
    _clean(import_return(empty_engine, path, ImportOptions(department="DBP")))
    assert _rows(empty_engine, "SELECT reference FROM system") == [("X-9",)]


def test_a_database_engine_and_annual_spend_as_registers_head_them(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows = [
        ["App Ref", "Application", "DB Engine", "Annual spend"],
        ["X-9", "Ledger", "SQL Server 2014", "£450k"],
    ]
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": rows})
    _clean(import_return(empty_engine, path, ImportOptions(department="DBP")))
    assert _rows(empty_engine, "SELECT kind, product FROM component") == [
        ("Database", "SQL Server 2014")
    ]
    assert _rows(empty_engine, "SELECT annual_run_cost FROM system") == [(450_000.0,)]


def test_without_a_reference_column_the_name_is_the_key_with_one_warning(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows = [["Application", "Hosting"], ["Ledger", "SaaS"], ["Claims", "SaaS"]]
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": rows})
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    (warning,) = [p for p in result.warnings if "key" in p.message]
    assert "no system reference column" in warning.message and warning.column == "A"
    assert _rows(empty_engine, "SELECT reference FROM system ORDER BY 1") == [
        ("Claims",),
        ("Ledger",),
    ]


def test_one_row_per_technology_is_one_system_with_several_components(
    empty_engine: Engine, tmp_path: Path
) -> None:
    header = [
        "Application ID",
        "Application Name",
        "Criticality",
        "Technology Type",
        "Technology",
        "Version",
    ]
    rows: list[list[Any]] = [
        header,
        ["CI-1", "Ledger", "High", "Operating System", "Red Hat Enterprise Linux", "7"],
        ["CI-1", "Ledger", "Medium", "Database", "Oracle Database", "12c"],
        ["CI-1", "Ledger", None, "Middleware", "WebLogic", "12.2"],
        ["CI-2", "Portal", "Low", "OS", "Windows Server", "2019"],
    ]
    path = workbook(tmp_path / "cmdb.xlsx", {"CMDB extract": rows})
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    assert _rows(empty_engine, "SELECT reference, criticality FROM system ORDER BY 1") == [
        ("CI-1", "High"),
        ("CI-2", "Low"),
    ]
    assert _rows(
        empty_engine,
        "SELECT kind, product, version FROM component WHERE system_id = "
        "(SELECT id FROM system WHERE reference = 'CI-1') ORDER BY kind",
    ) == [
        ("Database", "Oracle Database", "12c"),
        ("Middleware", "WebLogic", "12.2"),
        ("Operating system", "Red Hat Enterprise Linux", "7"),
    ]
    (clash,) = [p for p in result.warnings if "a system with a different" in p.message]
    assert (clash.row, clash.column) == (3, "C")
    assert clash.message.startswith("1 row repeats a system with a different Business criticality")
    assert "'High' on row 2, 'Medium' on row 3" in clash.message
    assert "the value of the system's first row was stored" in clash.message
    assert _scores(empty_engine)["DBP/CI-1"].legacy.likelihood[0].value is not None


def test_a_cmdb_extract_naming_the_system_only_on_its_first_row_imports_every_technology(
    tmp_path: Path, run: Run
) -> None:
    """ServiceNow heads its columns "CI ID" and "CI Name" and leaves the system's fields blank
    on the rows after the first, as a merged cell reads: every row's technology is stored."""
    rows: list[list[Any]] = [
        ["CI ID", "CI Name", "Criticality", "Technology Type", "Technology", "Version"],
        ["CI-1", "Ledger", "High", "Operating System", "Red Hat Enterprise Linux", "7"],
        ["CI-1", None, None, "Database", "Oracle Database", "12c"],
        ["CI-2", "Portal", "Low", "OS", "Windows Server", "2019"],
    ]
    path = workbook(tmp_path / "cmdb.xlsx", {"CMDB extract": rows})
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    result = run("--db", target, "import", path, "--department", "DBP", "--period", "2026-Q3")
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 new" in result.output and "0 rejected" in result.output
    engine = db.open_engine(target)
    try:
        assert _rows(engine, "SELECT reference, name, criticality FROM system ORDER BY 1") == [
            ("CI-1", "Ledger", "High"),
            ("CI-2", "Portal", "Low"),
        ]
        assert _rows(
            engine,
            "SELECT product FROM component WHERE system_id = "
            "(SELECT id FROM system WHERE reference = 'CI-1') ORDER BY product",
        ) == [("Oracle Database",), ("Red Hat Enterprise Linux",)]
    finally:
        engine.dispose()


def test_a_system_first_given_without_its_name_is_still_rejected(tmp_path: Path, run: Run) -> None:
    rows: list[list[Any]] = [
        ["CI ID", "CI Name", "Technology Type", "Technology", "Version"],
        ["CI-1", None, "Operating System", "Red Hat Enterprise Linux", "7"],
        ["CI-1", "Ledger", "Database", "Oracle Database", "12c"],
    ]
    path = workbook(tmp_path / "cmdb.xlsx", {"CMDB extract": rows})
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    result = run("--db", target, "validate", path, "--department", "DBP", "--json")
    assert result.exit_code == 1
    assert "System name is required" in result.output
    assert '"row": 2' in result.output


def test_a_product_column_beside_a_version_column_is_joined(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows = [["App Ref", "Application", "Database", "Version"], ["A-1", "Ledger", "Oracle", "11g"]]
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": rows})
    _clean(import_return(empty_engine, path, ImportOptions(department="DBP")))
    assert _rows(empty_engine, "SELECT kind, product, version FROM component") == [
        ("Database", "Oracle", "11g")
    ]


def test_a_template_return_with_a_repeated_reference_is_still_an_error(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows = [["App Ref", "Application"], ["A-1", "Ledger"], ["A-1", "Ledger again"]]
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": rows})
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    assert not result.stored
    (error,) = result.errors
    assert error.row == 3 and "duplicate of row 2" in error.message


def test_notes_and_totals_after_the_data_are_warnings_never_errors(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [
        ["App Ref", "Application", "Annual Cost"],
        ["A-1", "Ledger", 1000],
        ["A-2", "Claims", 2000],
        ["Total", None, 3000],
        [],
        ["Figures exclude VAT"],
        ["* Claims is being replaced"],
    ]
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": rows})
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    assert sorted(p.row or 0 for p in result.warnings if "not a record" in p.message) == [4, 6, 7]
    assert _rows(empty_engine, "SELECT count(*) FROM system") == [(2,)]


def test_a_formula_with_no_saved_value_is_reported_as_exactly_that(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows = [["App Ref", "Application", "Hosting"], ["A-1", '=CONCAT("Led","ger")', "SaaS"]]
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": rows})
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    (error,) = result.errors
    assert (error.row, error.column) == (2, "B")
    assert "formula with no saved value" in error.message
    assert "open and save the file in Excel" in error.message


def test_with_skip_invalid_a_bad_optional_cell_rejects_the_cell_not_the_system(
    empty_engine: Engine, tmp_path: Path
) -> None:
    first = register(tmp_path / "first.xlsx", app("A-1", "Ledger", "RHEL 7"))
    _clean(import_return(empty_engine, first, ImportOptions(department="DBP")))
    bad = app("A-1", "Ledger", "RHEL 8")
    bad[9] = "31/02/2029"  # contract end: no such date
    fresh = app("A-2", "Claims", "RHEL 8")
    fresh[3] = "Vital-ish"  # criticality: no such value
    path = register(tmp_path / "second.xlsx", bad, fresh)

    strict = import_return(empty_engine, path, ImportOptions(department="DBP"))
    assert not strict.stored and len(strict.errors) == 2
    assert _rows(empty_engine, "SELECT count(*) FROM system") == [(1,)]

    result = import_return(empty_engine, path, ImportOptions(department="DBP", skip_invalid=True))
    assert result.stored
    assert {(p.row, p.column) for p in result.errors} == {(5, "J"), (6, "D")}
    assert all("this cell was not imported" in p.message for p in result.errors)
    assert _rows(
        empty_engine, "SELECT reference, criticality, contract_end FROM system ORDER BY 1"
    ) == [("A-1", "High", "2028-03-31"), ("A-2", None, "2028-03-31")]
    assert ("A-1", "RHEL 8") in _rows(
        empty_engine,
        "SELECT s.reference, c.product FROM component c JOIN system s ON s.id = c.system_id",
    )


def _edges(engine: Engine) -> list[tuple[Any, ...]]:
    return _rows(
        engine,
        "SELECT s.reference, d.to_org_code, d.to_reference, d.kind, d.to_system_id IS NOT NULL "
        "FROM dependency d JOIN system s ON s.id = d.from_system_id ORDER BY 1, 3",
    )


def test_an_interfaces_sheet_by_consumer_and_provider_names_systems_by_name(
    empty_engine: Engine, tmp_path: Path
) -> None:
    interfaces: list[list[Any]] = [
        ["Interface", "Consumer", "Provider", "Interface Type"],
        ["Claims feed", "Claims", "Benefits Ledger", "SFTP"],
        ["Sign-in", "APP-3", "APP-1", "SSO"],
        ["Tax check", "Portal", "HMRC Gateway", "API"],
    ]
    path = register(
        tmp_path / "register.xlsx",
        app("APP-1", "Benefits Ledger", "RHEL 8"),
        app("APP-2", "Claims", "RHEL 8"),
        app("APP-3", "Portal", "RHEL 8"),
    )
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("Interfaces")
    for row in interfaces:
        sheet.append(row)
    book.save(path)
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    assert _edges(empty_engine) == [
        ("APP-2", "DBP", "APP-1", "File transfer", 1),
        ("APP-3", "DBP", "APP-1", "Identity", 1),
        ("APP-3", "DBP", "HMRC Gateway", "API", 0),
    ]
    (unresolved,) = [p for p in result.warnings if "not in the estate yet" in p.message]
    assert (unresolved.sheet, unresolved.row, unresolved.column) == ("Interfaces", 4, "C")


def test_from_and_to_are_read_as_from_depends_on_to_with_a_warning_and_a_mapping_flips_them(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        {
            "Systems": [["App Ref", "Application"], ["A-1", "Ledger"], ["A-2", "Claims"]],
            "Interfaces": [["From System", "To System"], ["Claims", "Ledger"]],
        },
    )
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    assert _edges(empty_engine) == [("A-2", "DBP", "A-1", "API", 1)]
    guessed = [p for p in result.warnings if "this is a guess" in p.message]
    assert [(p.sheet, p.row) for p in guessed] == [("Interfaces", 1)]
    assert any("stored as 'API'" in p.message for p in result.warnings)

    flipped = {"dependencies": {"From System": "to_reference", "To System": "reference"}}
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        "\n".join(
            ["[dependencies]", *(f'"{h}" = "{t}"' for h, t in flipped["dependencies"].items())]
        )
    )
    options = ImportOptions(department="DBP", mapping=load_user_mapping(mapping))
    result = import_return(empty_engine, path, options)
    _clean(result)
    assert _edges(empty_engine) == [("A-1", "DBP", "A-2", "API", 1)]
    assert not [p for p in result.warnings if "this is a guess" in p.message]


def test_ends_may_name_a_system_by_another_identifier_column(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        {
            "Register": [
                ["App Ref", "Application Number", "Application"],
                ["A-1", "1001", "Ledger"],
                ["A-2", "1002", "Claims"],
            ],
            "Integrations": [["Downstream system", "Upstream system"], ["1002", "1001"]],
        },
    )
    _clean(import_return(empty_engine, path, ImportOptions(department="DBP")))
    assert _edges(empty_engine) == [("A-2", "DBP", "A-1", "API", 1)]


def test_a_cmdb_relationship_file_arriving_on_its_own_after_the_systems(
    empty_engine: Engine, tmp_path: Path
) -> None:
    systems = register(
        tmp_path / "register.xlsx",
        app("APP-1", "Benefits Ledger", "RHEL 8"),
        app("APP-2", "Claims", "RHEL 8"),
        app("APP-3", "Portal", "RHEL 8"),
    )
    _clean(import_return(empty_engine, systems, ImportOptions(department="DBP")))
    relationships = workbook(
        tmp_path / "cmdb_rel_ci.xlsx",
        {
            "Page 1": [
                ["Parent", "Type", "Child"],
                ["Claims", "Depends on::Used by", "Benefits Ledger"],
                ["Benefits Ledger", "Sends data to::Receives data from", "Portal"],
                ["Portal", "Runs on::Runs", "lonprdweb01"],
                ["Benefits Ledger", "Used by::Uses", "Portal"],
            ]
        },
    )
    result = import_return(empty_engine, relationships, ImportOptions(department="DBP"))
    _clean(result)
    assert _edges(empty_engine) == [
        ("APP-2", "DBP", "APP-1", "API", 1),
        ("APP-3", "DBP", "APP-1", "API", 1),
        ("APP-3", "DBP", "lonprdweb01", "API", 0),
    ]
    assert any("the same dependency as row 3" in p.message for p in result.warnings)
    assert _rows(empty_engine, "SELECT count(*) FROM system") == [(3,)]


def test_an_unknown_relationship_type_is_an_error_naming_the_cell(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = workbook(
        tmp_path / "r.xlsx",
        {
            "Systems": [["App Ref", "Application"], ["A-1", "Ledger"], ["A-2", "Claims"]],
            "Relationships": [
                ["Parent", "Type", "Child"],
                ["Claims", "Befriends::Befriended by", "Ledger"],
            ],
        },
    )
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    assert not result.stored
    (error,) = result.errors
    assert (error.sheet, error.row, error.column) == ("Relationships", 2, "B")
    assert error.expected and "Depends on::Used by" in error.expected


def test_validate_writes_a_mapping_to_edit_once_and_reuse(tmp_path: Path, run: Run) -> None:
    rows: list[list[Any]] = [
        ["App Ref", "Application", "Server OS Build", "Go-live year", "Feeds"],
        ["A-1", "Ledger", "Windows Server 2008 R2", 2009, None],
        ["A-2", "Claims", "RHEL 7", 2015, "Ledger"],
    ]
    path = workbook(tmp_path / "register.xlsx", {"Register": rows})
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    mapping = tmp_path / "dbp.toml"
    result = run(
        "--db", db_path, "validate", path, "--department", "DBP", "--write-mapping", mapping
    )
    assert result.exit_code == 0, result.output
    text = mapping.read_text()
    assert '"App Ref" = "reference"  # System reference' in text
    assert '# "Server OS Build" = "os"  # not read; best guesses: os (Operating system)' in text
    assert '# "Go-live year" = ""  # not read; no close target' in text
    assert "[systems]" in text and "# Sheet 'Register', header row 1." in text

    edited = text.replace('# "Server OS Build" = "os"', '"Server OS Build" = "Operating system"')
    edited = edited.replace('# "Feeds" = ""', '"Feeds" = "used_by"')
    mapping.write_text(edited)
    imported = run("--db", db_path, "import", path, "-d", "DBP", "--mapping", mapping, "--json")
    assert imported.exit_code == 0, imported.output
    engine = db.open_engine(db_path)
    try:
        assert _rows(engine, "SELECT kind, product FROM component ORDER BY product") == [
            ("Operating system", "RHEL 7"),
            ("Operating system", "Windows Server 2008 R2"),
        ]
        assert _edges(engine) == [("A-1", "DBP", "A-2", "API", 1)]
    finally:
        engine.dispose()


def test_write_mapping_takes_one_file(tmp_path: Path, run: Run) -> None:
    path = workbook(tmp_path / "r.xlsx", {"Sheet1": [["App Ref", "Application"], ["A", "B"]]})
    result = run("validate", path, path, "--write-mapping", tmp_path / "m.toml")
    assert result.exit_code == 2 and "one FILE" in result.output


def test_a_depends_on_column_on_the_systems_sheet_gives_dependencies(
    empty_engine: Engine, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [
        ["App Ref", "Application", "Depends on", "Used by"],
        ["A-1", "Ledger", None, "Claims; Portal"],
        ["A-2", "Claims", "Ledger", None],
        ["A-3", "Portal", "A-2, HMRC Gateway", None],
    ]
    path = workbook(tmp_path / "r.xlsx", {"Register": rows})
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    _clean(result)
    assert _edges(empty_engine) == [
        ("A-2", "DBP", "A-1", "API", 1),
        ("A-3", "DBP", "A-1", "API", 1),
        ("A-3", "DBP", "A-2", "API", 1),
        ("A-3", "DBP", "HMRC Gateway", "API", 0),
    ]
    (unresolved,) = [p for p in result.warnings if "not in the estate yet" in p.message]
    assert (unresolved.sheet, unresolved.row, unresolved.column) == ("Register", 4, "C")


def test_the_own_layout_samples_import_strictly_and_resolve(empty_engine: Engine) -> None:
    for name, department in (  # the first quarter's: 20 systems each
        ("dtr-2025-Q4-register.xlsx", "DTR"),
        ("dfe-2025-Q4-cmdb-extract.xlsx", "DFE"),
        ("dfe-2025-Q4-cmdb-relationships.csv", "DFE"),
    ):
        result = import_return(
            empty_engine, SAMPLE_DIR / "2025-Q4" / name, ImportOptions(department=department)
        )
        _clean(result)
        assert not [p for p in result.warnings if " not imported: " in p.message]
    counts = dict(
        _rows(
            empty_engine,
            "SELECT o.code, count(*) FROM system s JOIN organisation o "
            "ON o.id = s.organisation_id GROUP BY o.code",
        )
    )
    assert counts == {"DFE": 20, "DTR": 20}
    per_department = _rows(
        empty_engine,
        "SELECT o.code, count(DISTINCT c.id), count(DISTINCT d.id), "
        "sum(d.id IS NOT NULL AND d.to_system_id IS NULL) FROM system s "
        "JOIN organisation o ON o.id = s.organisation_id "
        "LEFT JOIN component c ON c.system_id = s.id "
        "LEFT JOIN dependency d ON d.from_system_id = s.id GROUP BY o.code ORDER BY 1",
    )
    for _code, components, dependencies, unresolved in per_department:
        assert components >= 30 and dependencies >= 30 and not unresolved
    legacy = [s for s in _scores(empty_engine).values() if s.legacy.likelihood[0].value]
    assert len(legacy) >= 30


def test_a_hosted_in_column_is_read_as_hosting(tmp_path: Path) -> None:
    register = tmp_path / "hmx.csv"
    register.write_text(
        "Application Name,Hosted In\nPayroll Hub,Azure\nCase Files,On-premises\n", encoding="utf-8"
    )
    parsed = parse_return(register, department="HMX")
    hosting = {
        r.values["reference"]: r.values["hosting"] for r in parsed.records[RecordKind.SYSTEMS]
    }
    assert hosting == {"Payroll Hub": Hosting.PUBLIC_IAAS, "Case Files": Hosting.ON_PREMISES}


def test_an_end_listing_several_known_systems_gives_a_dependency_on_each(
    empty_engine: Engine, tmp_path: Path
) -> None:
    """ "Registry; Mainframe" under Provider names two systems: two dependencies, with a
    warning on the cell. A list with a part no system has is kept as written, guessing
    nothing."""
    interfaces: list[list[Any]] = [
        ["Consumer", "Provider"],
        ["Ledger", "Registry; Mainframe"],
        ["Registry\nMainframe", "Ledger"],
        ["Ledger", "Registry; Somewhere Else"],
    ]
    path = register(
        tmp_path / "register.xlsx",
        app("APP-1", "Ledger", "RHEL 8"),
        app("APP-2", "Registry", "RHEL 8"),
        app("APP-3", "Mainframe", "RHEL 8"),
    )
    book = openpyxl.load_workbook(path)
    sheet = book.create_sheet("Interfaces")
    for row in interfaces:
        sheet.append(row)
    book.save(path)
    result = import_return(empty_engine, path, ImportOptions(department="DBP"))
    assert [edge[:3] for edge in _edges(empty_engine)] == [
        ("APP-1", "DBP", "APP-2"),
        ("APP-1", "DBP", "APP-3"),
        ("APP-1", "DBP", "Registry; Somewhere Else"),
        ("APP-2", "DBP", "APP-1"),
        ("APP-3", "DBP", "APP-1"),
    ]
    listed = [p for p in result.warnings if "stored as a dependency on each" in p.message]
    assert [(p.sheet, p.row, p.column) for p in listed] == [
        ("Interfaces", 2, "B"),
        ("Interfaces", 3, "A"),
    ]
