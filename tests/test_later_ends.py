"""A relationship export whose ends are not in the estate yet, through the command line: kept
as written, told in one line, and resolved when a later return supplies the systems."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from estate import db
from tests.conftest import Run

EXPORTS = Path(__file__).parent / "exports"
RELATIONSHIPS = EXPORTS / "servicenow-rel-ci.csv"
APPLICATIONS = EXPORTS / "servicenow-business-app.csv"
HEADER = (
    '"number","name","short_description","owned_by","it_application_owner",'
    '"business_criticality","life_cycle_stage","application_type","install_type","sys_id"\n'
)
# The business application export, a quarter later: the two systems the first did not list.
LATER_APPLICATIONS = HEADER + (
    '"APM0001004","General Ledger","Ledger","Ann Lee","Finance Systems",'
    '"2 - somewhat critical","Operational","COTS","On-Premise","3a1b"\n'
    '"APM0001005","Payments Gateway","Payments","Ann Lee","Finance Systems",'
    '"1 - most critical","Operational","Custom","Cloud","4a1b"\n'
)


def _estate(run: Run, tmp_path: Path) -> Path:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    return path


def _import(run: Run, path: Path, file: Path, *more: str) -> dict[str, Any]:
    """Import strictly, as a person would; the JSON report."""
    result = run("--db", path, "import", file, "-d", "DWP", "--json", *more)
    assert result.exit_code == 0, result.output + result.stderr
    reports: list[dict[str, Any]] = json.loads(result.stdout)
    return reports[0]


def _edges(path: Path) -> set[tuple[str, str, str]]:
    """Each stored dependency as (depending end, end depended on, type); an end that is a
    system as its reference, else as written after a "?"."""
    return _edges_at(str(path))


def _stats(run: Run, path: Path) -> dict[str, Any]:
    result = run("--db", path, "stats", "--json")
    assert result.exit_code == 0, result.output
    stats: dict[str, Any] = json.loads(result.stdout)
    return stats


def test_a_relationship_export_before_its_systems_is_kept_and_said_in_one_line(
    run: Run, tmp_path: Path
) -> None:
    path = _estate(run, tmp_path)
    report = _import(run, path, RELATIONSHIPS)
    assert report["stored"] and report["summary"]["rejected"] == 0
    assert report["summary"]["unresolved_dependencies"] == 3
    warnings = [p["message"] for p in report["problems"]]
    assert warnings == [
        "3 dependencies name 4 systems not in the estate yet (Benefit Claims, General Ledger, "
        "Identity Hub, Payments Gateway): kept unresolved, and resolved when a return supplies "
        "them (rows 2-4)"
    ]
    # Depends on::Used by: the parent depends; Authenticates / Sends data to: the child does
    assert _edges(path) == {
        ("?Benefit Claims", "?General Ledger", "API"),
        ("?Benefit Claims", "?Identity Hub", "Identity"),
        ("?Payments Gateway", "?General Ledger", "API"),
    }
    assert _stats(run, path)["unresolved_dependencies"] == 3
    # the same export again replaces what it kept, rather than keeping it twice
    _import(run, path, RELATIONSHIPS)
    assert len(_edges(path)) == 3


def test_a_relationship_export_alone_is_summed_up_by_its_dependencies(
    run: Run, tmp_path: Path
) -> None:
    path = _estate(run, tmp_path)
    said = run("--db", path, "import", RELATIONSHIPS, "-d", "DWP")
    assert said.exit_code == 0, said.output + said.stderr
    line = " ".join(said.stdout.split())
    assert f"{RELATIONSHIPS.name} (DWP): 3 dependencies read, 0 rejected; stored as import" in line
    assert "0 new" not in line


def test_later_returns_supplying_the_systems_resolve_both_ends(run: Run, tmp_path: Path) -> None:
    path = _estate(run, tmp_path)
    _import(run, path, RELATIONSHIPS)
    _import(run, path, APPLICATIONS)  # Benefit Claims is APM0001001
    assert _edges(path) == {
        ("APM0001001", "?General Ledger", "API"),
        ("APM0001001", "?Identity Hub", "Identity"),
        ("?Payments Gateway", "?General Ledger", "API"),
    }
    later = tmp_path / "applications-later.csv"
    later.write_text(LATER_APPLICATIONS)
    _import(run, path, later)
    assert _edges(path) == {
        ("APM0001001", "APM0001004", "API"),
        ("APM0001001", "?Identity Hub", "Identity"),
        ("APM0001005", "APM0001004", "API"),
    }
    assert _stats(run, path)["unresolved_dependencies"] == 1


def test_the_graph_and_ranking_read_an_estate_holding_dependencies_kept_as_written(
    run: Run, tmp_path: Path
) -> None:
    """Until its depending end resolves, such a dependency is in no system's graph."""
    path = _estate(run, tmp_path)
    _import(run, path, RELATIONSHIPS)
    _import(run, path, APPLICATIONS)
    shown = run("--db", path, "graph", "show", "APM0001001")
    assert shown.exit_code == 0, shown.output
    assert "0 systems depend on it" in " ".join(shown.output.split())
    for command in (["graph", "orphans"], ["graph", "clusters"], ["rank", "--json"]):
        result = run("--db", path, *command)
        assert result.exit_code == 0, (command, result.output)


def test_a_dry_run_keeps_nothing(run: Run, tmp_path: Path) -> None:
    path = _estate(run, tmp_path)
    report = _import(run, path, RELATIONSHIPS, "--dry-run")
    assert report["summary"]["unresolved_dependencies"] == 3
    assert _edges(path) == set()


def test_one_end_written_two_ways_is_stored_once_when_it_resolves(run: Run, tmp_path: Path) -> None:
    path = _estate(run, tmp_path)
    by_number = tmp_path / "relationships-by-number.csv"
    by_number.write_text(
        '"parent","type","child","sys_id"\n'
        '"APM0001001","Depends on::Used by","General Ledger","4f1c"\n'
    )
    _import(run, path, RELATIONSHIPS)
    _import(run, path, by_number)
    assert ("?APM0001001", "?General Ledger", "API") in _edges(path)
    _import(run, path, APPLICATIONS)
    # "Benefit Claims" and "APM0001001" are the same system: one dependency on the ledger
    assert sorted(e for e in _edges(path) if e[0] == "APM0001001") == [
        ("APM0001001", "?General Ledger", "API"),
        ("APM0001001", "?Identity Hub", "Identity"),
    ]


def test_a_name_two_systems_share_is_left_unresolved(run: Run, tmp_path: Path) -> None:
    path = _estate(run, tmp_path)
    _import(run, path, RELATIONSHIPS)
    twins = tmp_path / "twins.csv"
    twins.write_text(
        HEADER + '"APM0001006","Payments Gateway","Card payments","Ann Lee","Finance Systems",'
        '"1 - most critical","Operational","Custom","Cloud","5a1b"\n'
        '"APM0001007","payments  gateway","Direct debits","Ann Lee","Finance Systems",'
        '"1 - most critical","Operational","Custom","Cloud","6a1b"\n'
    )
    _import(run, path, twins)
    assert ("?Payments Gateway", "?General Ledger", "API") in _edges(path)


LEDGER = (
    '"APM0001004","General Ledger","Ledger","Ann Lee","Finance Systems",'
    '"2 - somewhat critical","Operational","COTS","On-Premise","3a1b"\n'
)


def _blast_radius(run: Run, path: Path, key: str) -> tuple[str, dict[str, int]]:
    """`rank --json` as printed, and the blast radius it gives `key`."""
    result = run("--db", path, "rank", "--json", "--as-of", "2026-07-01")
    assert result.exit_code == 0, result.output + result.stderr
    [system] = [s for s in json.loads(result.stdout)["systems"] if s["key"] == key]
    return result.stdout, system["blast_radius"]


def test_a_target_written_as_a_name_is_in_the_graph_once_its_system_is_supplied(
    run: Run, tmp_path: Path
) -> None:
    """A relationship export imported before the return listing its systems gives the same
    graph as one imported after it: the ledger that two systems depend on by name has them
    as its dependents, whichever came first."""
    for order in ("relationships first", "applications first"):
        path = tmp_path / f"{order}.db"
        assert run("--db", path, "init").exit_code == 0
        applications = tmp_path / "applications.csv"
        applications.write_text(LATER_APPLICATIONS)
        files = [RELATIONSHIPS, APPLICATIONS, applications]
        if order == "applications first":
            files = [APPLICATIONS, applications, RELATIONSHIPS]
        for file in files:
            _import(run, path, file)
        _printed, blast = _blast_radius(run, path, "DWP/APM0001004")
        assert (blast["direct"], blast["total"]) == (2, 2), order
        shown = run("--db", path, "graph", "DWP/APM0001004")
        assert "2 systems depend on it" in " ".join(shown.output.split()), order


def test_a_kept_ranking_sees_a_target_resolved_by_a_rename(run: Run, tmp_path: Path) -> None:
    """Two systems named "General Ledger" leave Benefit Claims' dependency on the ledger
    unresolved; a return renaming one, listing Benefit Claims and the other ledger unchanged,
    resolves it: the kept ranking brought up to date is what a fresh scoring gives, the ledger
    depended on by Benefit Claims."""
    path = _estate(run, tmp_path)
    original = APPLICATIONS.read_text()
    twins = tmp_path / "twins.csv"
    twins.write_text(
        original
        + LEDGER
        + LEDGER.replace("APM0001004", "APM0001008").replace(
            '"General Ledger"', '"general  ledger"'
        )
    )
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(twins.read_text().replace('"general  ledger"', '"Old Ledger"'))
    for file in (RELATIONSHIPS, APPLICATIONS, twins):
        _import(run, path, file)
    _printed, blast = _blast_radius(run, path, "DWP/APM0001004")  # the ranking kept
    assert blast["total"] == 0
    _import(run, path, renamed)
    kept, blast = _blast_radius(run, path, "DWP/APM0001004")
    assert (blast["direct"], blast["total"]) == (1, 1)
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("DELETE FROM ranking_snapshot_row")
        raw.execute("DELETE FROM ranking_snapshot")
    fresh, _blast = _blast_radius(run, path, "DWP/APM0001004")
    assert kept == fresh


TWINS = HEADER + (
    '"APM0001006","Payments Gateway","Card payments","Ann Lee","Finance Systems",'
    '"1 - most critical","Operational","Custom","Cloud","5a1b"\n'
    '"APM0001007","payments  gateway","Direct debits","Ann Lee","Finance Systems",'
    '"1 - most critical","Operational","Custom","Cloud","6a1b"\n'
)


def _resolved_by_a_rename(run: Run, url: str, tmp_path: Path) -> list[str] | None:
    """Import the relationship export as DWP's return, then two systems sharing the name
    "Payments Gateway" (so its dependency stays unresolved), then a return renaming one: the
    other, its own row unchanged, is the one system of that name, and takes the dependency.
    What the last batch records it wrote."""
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(TWINS.replace('"payments  gateway"', '"Direct Debits Gateway"'))
    twins = tmp_path / "twins.csv"
    twins.write_text(TWINS)
    for file in (RELATIONSHIPS, twins, renamed):
        imported = run("--db", url, "import", file, "-d", "DWP")
        assert imported.exit_code == 0, imported.output + imported.stderr
    assert ("APM0001006", "?General Ledger", "API") in _edges_at(url)
    engine = db.open_engine(url)
    try:
        with engine.connect() as connection:
            written: list[str] | None = (
                connection.exec_driver_sql(
                    "SELECT systems_written FROM import_batch ORDER BY id DESC"
                )
                .scalars()
                .first()
            )
    finally:
        engine.dispose()
    return json.loads(written) if isinstance(written, str) else written


def test_a_batch_records_a_system_it_left_unchanged_that_took_a_dependency(
    run: Run, tmp_path: Path
) -> None:
    """What bringing the kept ranking up to date reads first after an import: the renamed
    system, and the one whose row did not change but which now depends on the ledger."""
    path = _estate(run, tmp_path)
    assert _resolved_by_a_rename(run, str(path), tmp_path) == ["APM0001006", "APM0001007"]


def test_a_return_with_its_own_systems_still_refuses_a_dependency_of_a_system_not_on_it(
    run: Run, tmp_path: Path
) -> None:
    """A template return lists its systems: a depending end not among them is a slip in the
    return, not a system to come."""
    path = _estate(run, tmp_path)
    workbook = tmp_path / "return.xlsx"
    result = run("template", workbook)
    assert result.exit_code == 0, result.output
    book = load_workbook(workbook)
    book["Systems"].append(["DWP", "DWP-1", "Payroll"])
    book["Dependencies"].append(["DWP", "DWP-9", "DWP", "DWP-1", "API"])
    book.save(workbook)
    refused = run("--db", path, "import", workbook, "-d", "DWP", "--json")
    assert refused.exit_code != 0
    [report] = json.loads(refused.stdout)
    assert not report["stored"]
    assert [p["message"] for p in report["problems"]] == [
        "system 'DWP-9' is not on this return's Systems sheet"
    ]


def _as(url: str, role: str) -> str:
    return sa.engine.make_url(url).set(username=role).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_on_postgresql_a_department_keeps_and_resolves_its_own_and_no_other_can_touch_them(
    run: Run, pg_url: str
) -> None:
    assert run("--db", pg_url, "init").exit_code == 0
    for department in ("DWP", "MOJ"):
        role = f"{department.lower()}_later_ends"
        granted = run("--db", pg_url, "access", "grant", department, "--role", role)
        assert granted.exit_code == 0, granted.output
    dwp, moj = _as(pg_url, "dwp_later_ends"), _as(pg_url, "moj_later_ends")
    for file in (RELATIONSHIPS, APPLICATIONS):
        imported = run("--db", dwp, "import", file, "-d", "DWP")
        assert imported.exit_code == 0, imported.output + imported.stderr
    engine = sa.create_engine(moj)
    try:
        with engine.begin() as connection:  # another department's own SQL
            deleted = connection.exec_driver_sql("DELETE FROM dependency").rowcount
        claim = "UPDATE dependency SET from_org_code = 'MOJ' WHERE from_system_id IS NULL"
        with (
            pytest.raises(sa.exc.ProgrammingError, match="permission denied"),
            engine.begin() as connection,
        ):
            connection.exec_driver_sql(claim)
    finally:
        engine.dispose()
    assert deleted == 0
    edges = _edges_at(pg_url)
    assert edges == {
        ("APM0001001", "?General Ledger", "API"),
        ("APM0001001", "?Identity Hub", "Identity"),
        ("?Payments Gateway", "?General Ledger", "API"),
    }


@pytest.mark.postgres
def test_on_postgresql_a_department_records_a_system_that_took_a_dependency(
    run: Run, pg_url: str, tmp_path: Path
) -> None:
    """The department's own role adds to its own batch's record (`systems_written`)."""
    assert run("--db", pg_url, "init").exit_code == 0
    role = "dwp_written"
    granted = run("--db", pg_url, "access", "grant", "DWP", "--role", role)
    assert granted.exit_code == 0, granted.output
    written = _resolved_by_a_rename(run, _as(pg_url, role), tmp_path)
    assert written == ["APM0001006", "APM0001007"]


def _edges_at(url: str) -> set[tuple[str, str, str]]:
    engine = db.open_engine(url)
    try:
        with engine.connect() as c:
            rows = c.execute(
                sa.text(
                    "SELECT f.reference, d.from_reference, t.reference, d.to_reference, d.kind "
                    "FROM dependency d LEFT JOIN system f ON f.id = d.from_system_id "
                    "LEFT JOIN system t ON t.id = d.to_system_id"
                )
            )
            return {(r[0] or f"?{r[1]}", r[2] or f"?{r[3]}", r[4]) for r in rows}
    finally:
        engine.dispose()
