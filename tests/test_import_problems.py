"""Problems a person can act on: causes before their consequences, problems grouped by kind on
the terminal, change sets in the return's own words, and what --replace deletes."""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import fields
from pathlib import Path

from sqlalchemy.engine import Engine

from estate.enums import ComponentKind, DependencyKind
from importers import import_return
from importers.changes import related_changes, written
from importers.problems import Problem, Severity, group_problems
from tests.conftest import Run
from tests.returns import small_return, system


def _component(reference: str, product: str, version: str) -> dict[str, object]:
    return {
        "department": "DBP",
        "reference": reference,
        "kind": ComponentKind.OS,
        "product": product,
        "version": version,
    }


def test_rows_that_follow_a_rejected_system_are_one_problem_under_it(
    empty_engine: Engine, tmp_path: Path
) -> None:
    components = [_component("DBP-2", "RHEL", "7"), _component("DBP-2", "Oracle Database", "12c")]
    dependencies = [
        {"department": "DBP", "reference": "DBP-2", "to_reference": "DBP-1", "kind": "API"},
        {"department": "DBP", "reference": "DBP-1", "to_reference": "DBP-2", "kind": "API"},
    ]
    path = small_return(
        tmp_path / "r.xlsx",
        [system("DBP-1"), system("DBP-2", hosting="Clowd")],
        components=components,
        dependencies=dependencies,
    )
    result = import_return(empty_engine, path)
    assert not result.stored
    follow_on = [p for p in result.problems if "DBP-2" in p.message]
    assert [str(p) for p in follow_on] == [
        "r.xlsx, sheet 'Systems', column B: error: system 'DBP-2' was rejected on the Systems "
        "sheet, so the 3 rows that depend on it were not imported (2 on Components, "
        "1 on Dependencies) and 1 dependency on it is kept unresolved; fix the system's row "
        "first (found 'DBP-2')"
    ]
    assert result.changes is not None and result.changes.summary()["rejected"] == 4


def test_an_independent_problem_on_a_follower_row_is_reported_in_the_same_pass(
    empty_engine: Engine, tmp_path: Path
) -> None:
    dependencies = [
        {"department": "DBP", "reference": "DBP-2", "to_reference": "DBP-1", "kind": "Pigeon"}
    ]
    path = small_return(
        tmp_path / "r.xlsx",
        [system("DBP-1"), system("DBP-2", hosting="Clowd")],
        dependencies=dependencies,
    )
    result = import_return(empty_engine, path)
    where = {(p.sheet, p.row, p.column, p.value) for p in result.errors}
    assert ("Systems", 3, "J", "Clowd") in where
    assert ("Dependencies", 2, "E", "Pigeon") in where


def _problem(message: str, row: int, value: str, severity: Severity = Severity.WARNING) -> Problem:
    return Problem(severity, "r.xlsx", message, "Systems", row, "R", value)


def test_problems_group_by_kind_whatever_value_they_name() -> None:
    problems = [
        _problem(f"an approximate amount: stored as £{n},000", n, f"approx {n}k")
        for n in range(2, 12)
    ]
    problems.append(_problem("Hosting: not a recognised hosting", 5, "Clowd", Severity.ERROR))
    error, warning = group_problems(problems, examples=3)
    assert (error.severity, error.count, [p.cell for p in error.examples]) == (
        Severity.ERROR,
        1,
        ["R5"],
    )
    assert warning.count == 10
    assert [p.cell for p in warning.examples] == ["R2", "R3", "R4"]


def test_the_terminal_gets_problems_by_kind_and_the_report_every_one(
    run: Run, tmp_path: Path, terminal: io.StringIO
) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    rows = [system(f"DBP-{n}", annual_run_cost=f"approx {n}m") for n in range(1, 21)]
    source = small_return(tmp_path / "r.xlsx", rows)
    report = tmp_path / "problems.json"
    result = run("--db", path, "import", source, "--report", report)
    assert result.exit_code == 0, result.output
    shown = terminal.getvalue()
    assert "20 problems of 1 kind" in shown
    assert "R2 'approx 1m'" in shown and "R4 'approx 3m'" in shown
    assert "and 17 more" in shown
    assert "R5 'approx 4m'" not in shown
    assert f"Every problem, one per line: in {report}" in shown
    written_out = json.loads(report.read_text())
    assert len(written_out[0]["problems"]) == 20


def test_a_dry_run_speaks_in_the_returns_own_words(
    empty_engine: Engine, run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    first = small_return(
        tmp_path / "q1.xlsx",
        [system("DBP-1", annual_run_cost=1_200_000), system("DBP-2")],
        components=[_component("DBP-1", "RHEL", "6")],
    )
    assert run("--db", path, "import", first).exit_code == 0
    later = small_return(
        tmp_path / "q2.xlsx",
        [
            system("DBP-1", annual_run_cost="£1.5m", contract_end=dt.date(2028, 3, 31)),
            system("DBP-2"),
        ],
        components=[_component("DBP-1", "RHEL", "8")],
    )
    shown = run("--db", path, "validate", later)
    assert shown.exit_code == 0, shown.output
    for line in (
        "Annual run cost (£): £1.2m -> £1.5m",
        "Contract end date: 31/03/2027 -> 31/03/2028",
        "components: RHEL 6 -> RHEL 8",
    ):
        assert line in shown.stdout
    assert "annual_run_cost" not in shown.stdout and "+1 -1" not in shown.stdout


def _said(result_text: str) -> str:
    return " ".join(result_text.split())


def test_replace_says_what_it_deletes(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    assert run("--db", path, "import", small_return(tmp_path / "q1.xlsx")).exit_code == 0
    later = small_return(tmp_path / "q2.xlsx", [system("DBP-1")], dependencies=[])
    flagged = _said(run("--db", path, "validate", later).stdout)
    assert "1 missing from this return (kept and flagged)" in flagged
    dry = _said(run("--db", path, "import", later, "--replace", "--dry-run").stdout)
    assert "1 will be deleted (not in this return)" in dry
    assert "will be deleted" in dry.split("Change set")[1]
    as_json = json.loads(
        run("--db", path, "import", later, "--replace", "--dry-run", "--json").stdout
    )
    assert as_json[0]["missing"] == [
        {"reference": "DBP-2", "name": "System DBP-2", "action": "will be deleted"}
    ]
    done = run("--db", path, "import", later, "--replace")
    assert done.exit_code == 0
    assert "1 deleted (not in this return)" in _said(done.stdout)
    assert "Deleted 1 system not in this return: DBP-2 System DBP-2." in _said(done.stdout)


def test_values_are_written_as_a_return_writes_them() -> None:
    assert [written("annual_run_cost", v) for v in (1_200_000.0, 350_000.0, 1_234_567.0)] == [
        "£1.2m",
        "£350k",
        "£1,234,567",
    ]
    assert written("contract_end", dt.date(2027, 3, 31)) == "31/03/2027"
    assert written("personal_data", True) == "Yes"
    assert written("kind", DependencyKind.API) == "API"
    assert written("supplier", None) == "blank"


def test_related_rows_are_told_by_what_they_are() -> None:
    old = (ComponentKind.OS, "Windows Server", "2008 R2", None, None)
    new = (ComponentKind.OS, "Windows Server", "2019", None, None)
    database = (ComponentKind.DATABASE, "Oracle Database", "19c", None, None)
    assert related_changes("components", [new, database], [old]) == [
        "Windows Server 2008 R2 -> Windows Server 2019",
        "added Oracle Database 19c",
    ]


def test_a_problem_as_data_has_every_field() -> None:
    problem = Problem(Severity.ERROR, "r.xlsx", "bad", "Systems", 3, "J", "Clowd", "a hosting")
    data = problem.as_dict()
    assert set(data) == {f.name for f in fields(Problem)}
    assert data["severity"] == "error" and data["value"] == "Clowd"
