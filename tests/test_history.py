"""Quarter on quarter: periods, kept history, the estate as it stood, changes, trend and a
system's history, on a two-department estate over three quarters built so the answers are
known.

2026-Q1: DBP-1 runs RHEL 6 (out of support: L1 6) and is red-rated; DBP-2 on RHEL 8 depends on
DBP-1; DBP-4 is listed. 2026-Q2: DBP-1 is upgraded to RHEL 8 and leaves the red-rated, its run
cost goes down; DBP-2's plan is funded and it now depends on DBP-3 (new) instead of DBP-1;
DBP-4 is dropped with --replace. RCA returns once, in 2026-Q1, and carries forward.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from estate import db
from estate.enums import ComponentKind, Criticality, DependencyKind
from estate.errors import InputError
from estate.history.trend import figures_of_periods
from estate.periods import as_of_for, parse_period, period_end, quarter_of
from tests.conftest import Run
from tests.returns import small_return, system

Q1, Q2, Q3 = "2026-Q1", "2026-Q2", "2026-Q3"
BIG = {
    "criticality": Criticality.CRITICAL,
    "users": 2_000_000,
    "contract_end": dt.date(2030, 3, 31),
}


def _os(reference: str, version: str, department: str = "DBP") -> dict[str, Any]:
    return {
        "department": department,
        "reference": reference,
        "kind": ComponentKind.OS,
        "product": "Red Hat Enterprise Linux",
        "version": version,
    }


def _depends(reference: str, on: str) -> dict[str, Any]:
    return {
        "department": "DBP",
        "reference": reference,
        "to_reference": on,
        "kind": DependencyKind.API,
    }


def _q1(path: Path) -> Path:
    return small_return(
        path,
        [
            system("DBP-1", annual_run_cost=30_000_000, **BIG),
            system("DBP-2", contract_end=dt.date(2030, 3, 31)),
            system("DBP-4", contract_end=dt.date(2030, 3, 31)),
        ],
        components=[_os("DBP-1", "6"), _os("DBP-2", "8")],
        dependencies=[_depends("DBP-2", "DBP-1")],
    )


def _q2(path: Path, cost: int = 20_000_000) -> Path:
    return small_return(
        path,
        [
            system("DBP-1", annual_run_cost=cost, **BIG),
            system(
                "DBP-2",
                contract_end=dt.date(2030, 3, 31),
                remediation_plan="Move to public cloud",
                plan_funded=True,
            ),
            system("DBP-3", contract_end=dt.date(2030, 3, 31)),
        ],
        components=[_os("DBP-1", "8"), _os("DBP-2", "8")],
        dependencies=[_depends("DBP-2", "DBP-3")],
    )


def _rca(path: Path) -> Path:
    rows = [system("RCA-1", department="RCA", contract_end=dt.date(2030, 3, 31))]
    from importers.layout import RecordKind
    from importers.template import write_return

    write_return(
        path,
        cover={"Department code": "RCA", "Department name": "Rural Courts Agency"},
        records={RecordKind.SYSTEMS: rows},
    )
    return path


@pytest.fixture
def estate(tmp_path: Path, run: Run) -> Path:
    """The estate over two quarters, imported through the command line."""
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    for args in (
        ("--period", Q1, _q1(tmp_path / "dbp-q1.xlsx")),
        ("--period", Q1, _rca(tmp_path / "rca-q1.xlsx")),
        ("--period", Q2, "--replace", _q2(tmp_path / "dbp-q2.xlsx")),
    ):
        result = run("--db", path, "import", *args)
        assert result.exit_code == 0, result.stdout + result.stderr
    return path


def _json(run: Run, *args: str | Path) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def _rank(run: Run, path: Path, *args: str) -> dict[str, dict[str, str]]:
    result = run("--db", path, "rank", "--csv", *args)
    assert result.exit_code == 0, result.stderr
    return {row["key"]: row for row in csv.DictReader(io.StringIO(result.stdout))}


def _count(path: Path, table: str) -> int:
    with closing(sqlite3.connect(path)) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


HISTORY_TABLES = (
    "system_history",
    "component_history",
    "dependency_history",
    "security_assessment_history",
)


# Periods ---------------------------------------------------------------------------------


def test_periods_are_read_in_their_canonical_form_and_anything_else_is_refused() -> None:
    assert parse_period("2026-Q3") == "2026-Q3"
    assert parse_period("2026q3") == parse_period(" 2026 Q3 ") == "2026-Q3"
    assert parse_period("Q3 2026") == parse_period("Jul-Sep 2026") == "2026-Q3"
    for wrong in ("2026-Q5", "2026-03", "26-Q1", ""):
        with pytest.raises(InputError, match="write it as 2026-Q3, Q3 2026, 2026 Q3 or Jul-Sep"):
            parse_period(wrong)
    assert quarter_of(dt.date(2026, 7, 1)) == quarter_of(dt.date(2026, 9, 30)) == "2026-Q3"
    assert period_end("2026-Q1") == dt.date(2026, 3, 31)
    assert period_end("2026-Q4") == dt.date(2026, 12, 31)
    assert as_of_for("2026-Q2", today=dt.date(2026, 5, 1)) == dt.date(2026, 5, 1)
    assert as_of_for("2026-Q2", today=dt.date(2027, 1, 1)) == dt.date(2026, 6, 30)


def test_an_import_without_a_period_is_for_the_quarter_of_its_date(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    result = run("--db", path, "import", "--json", small_return(tmp_path / "r.xlsx"))
    assert json.loads(result.stdout)[0]["period"] == quarter_of(dt.date.today())


def test_the_returns_own_period_stands_unless_period_is_given(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importers
    from importers.parse import parse_return

    def with_period(*args: Any, **kwargs: Any) -> Any:
        parsed = parse_return(*args, **kwargs)
        parsed.period = "2026-q2"
        return parsed

    monkeypatch.setattr(importers, "parse_return", with_period)
    path = tmp_path / "e.db"
    run("--db", path, "init")
    first = _json(run, "--db", path, "import", "--json", small_return(tmp_path / "r.xlsx"))
    assert first[0]["period"] == Q2
    second = _json(run, "--db", path, "import", "--json", "--period", Q3, tmp_path / "r.xlsx")
    assert second[0]["period"] == Q3


def test_a_malformed_period_is_a_usage_error_naming_the_form(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    result = run("--db", path, "import", "--period", "2026-Q5", small_return(tmp_path / "r.xlsx"))
    assert result.exit_code == 2
    assert "'2026-Q5' is not a quarter (a year has Q1 to Q4); write it as 2026-Q3, Q3 2026" in (
        " ".join(result.stderr.split())
    )
    assert "Invalid value for '--period'" in result.stderr
    assert _count(path, "import_batch") == 0
    since = run("--db", path, "changes", "--since", "Q5 2026")
    assert since.exit_code == 2 and "Invalid value for '--since'" in since.stderr


def test_a_period_on_the_command_line_is_read_as_a_cover_sheet_writes_it(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    for written, period in (("Q1 2026", Q1), ("Apr-Jun 2026", Q2)):
        result = run(
            "--db", path, "import", "--json", "--period", written, _q1(tmp_path / "r.xlsx")
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)[0]["period"] == period
    financial = run("--db", path, "rank", "--period", "Q1 2026/27")
    assert financial.exit_code == 2
    assert "financial-year quarter; write the calendar quarter it means, 2026-Q2" in (
        " ".join(financial.stderr.split())
    )


def test_a_return_for_a_period_before_the_latest_is_refused_and_stores_nothing(
    estate: Path, tmp_path: Path, run: Run
) -> None:
    batches = _count(estate, "import_batch")
    result = run("--db", estate, "import", "--period", Q1, _q1(tmp_path / "late.xlsx"))
    assert result.exit_code == 1
    assert (
        "late.xlsx: this return is for 2026-Q1, but DBP's return for 2026-Q2 is already "
        "imported; import a department's returns in period order" in result.stderr
    )
    assert _count(estate, "import_batch") == batches


# History kept compactly --------------------------------------------------------------------


def test_an_unchanged_re_import_keeps_no_history(estate: Path, tmp_path: Path, run: Run) -> None:
    before = {table: _count(estate, table) for table in HISTORY_TABLES}
    for period in (Q2, Q3):
        result = run("--db", estate, "import", "--period", period, tmp_path / "dbp-q2.xlsx")
        assert result.exit_code == 0, result.stderr
    assert {table: _count(estate, table) for table in HISTORY_TABLES} == before


def test_what_an_import_replaced_or_deleted_is_kept_with_its_periods(estate: Path) -> None:
    with closing(sqlite3.connect(estate)) as connection:
        systems = connection.execute(
            "SELECT reference, annual_run_cost, valid_from, valid_to FROM system_history "
            "ORDER BY reference"
        ).fetchall()
        components = connection.execute(
            "SELECT reference, version, valid_from, valid_to FROM component_history"
        ).fetchall()
        dependencies = connection.execute(
            "SELECT reference, to_reference FROM dependency_history"
        ).fetchall()
    assert systems == [
        ("DBP-1", 30_000_000.0, Q1, Q2),
        ("DBP-2", 250_000.0, Q1, Q2),
        ("DBP-4", 250_000.0, Q1, Q2),
    ]
    assert components == [("DBP-1", "6", Q1, Q2)]
    assert dependencies == [("DBP-2", "DBP-1")]


def test_a_re_import_for_the_same_period_replaces_that_periods_state(
    estate: Path, tmp_path: Path, run: Run
) -> None:
    result = run("--db", estate, "import", "--period", Q2, _q2(tmp_path / "again.xlsx", 15_000_000))
    assert result.exit_code == 0, result.stderr
    with closing(sqlite3.connect(estate)) as connection:
        kept = connection.execute(
            "SELECT annual_run_cost FROM system_history WHERE reference = 'DBP-1'"
        ).fetchall()
    assert kept == [(30_000_000.0,)], "the first Q2 value is replaced, not kept"
    history = _json(run, "--db", estate, "history", "DBP/DBP-1", "--json")
    q2 = next(p for p in history["periods"] if p["period"] == Q2)
    cost = next(c for c in q2["changes"] if c["field"] == "annual_run_cost")
    assert (cost["old"], cost["new"]) == (30_000_000.0, 15_000_000.0)
    assert cost["source"]["file"] == "again.xlsx"


# The estate as it stood --------------------------------------------------------------------


def test_rank_period_shows_the_estate_as_it_stood(estate: Path, run: Run) -> None:
    now = _rank(run, estate)
    then = _rank(run, estate, "--period", Q1)
    assert then["DBP/DBP-1"]["legacy_band"] == "Red-rated"
    assert now["DBP/DBP-1"]["legacy_band"] != "Red-rated"
    assert set(then) == {"DBP/DBP-1", "DBP/DBP-2", "DBP/DBP-4", "RCA/RCA-1"}
    assert set(now) == {"DBP/DBP-1", "DBP/DBP-2", "DBP/DBP-3", "RCA/RCA-1"}
    assert then["DBP/DBP-1"]["annual_run_cost"] == "30000000"


def test_show_and_stats_take_a_period_and_say_which(estate: Path, run: Run) -> None:
    shown = _json(run, "--db", estate, "show", "DBP/DBP-1", "--json", "--period", Q1)
    assert [c["version"] for c in shown["components"]] == ["6"]
    assert shown["scores"]["legacy"]["band"] == "Red-rated"
    result = run("--db", estate, "stats", "--json", "--period", Q1)
    assert json.loads(result.stdout)["systems"] == 4
    assert "as it stood at the end of 2026-Q1" in result.stderr
    with closing(sqlite3.connect(estate)) as connection:
        assert connection.execute("SELECT count(*) FROM system").fetchone()[0] == 4


def test_a_period_before_the_first_return_is_refused(estate: Path, run: Run) -> None:
    result = run("--db", estate, "rank", "--period", "2025-Q4")
    assert result.exit_code == 1
    assert "2025-Q4 is before the estate's first return (2026-Q1)" in result.stderr


def test_a_period_still_to_come_is_refused(estate: Path, run: Run) -> None:
    current = quarter_of(dt.date.today())
    for command in (("rank",), ("stats",), ("show", "DBP/DBP-1")):
        result = run("--db", estate, *command, "--period", "2099-Q4")
        assert result.exit_code == 1, command
        assert (
            f"--period 2099-Q4 is still to come: this is {current}, and the latest return is for "
            f"{Q2}; periods with returns: {Q1}, {Q2}."
        ) in " ".join(result.stderr.split())
        assert "as it stood" not in result.stderr
    assert run("--db", estate, "stats", "--period", current).exit_code == 0


def test_waves_and_export_take_a_period(estate: Path, run: Run, tmp_path: Path) -> None:
    waves = _json(run, "--db", estate, "waves", "--json", "--period", Q1)
    assert "DBP/DBP-4" in {key for wave in waves for key in wave["systems"]}
    out = tmp_path / "q1.json"
    result = run("--db", estate, "export", out, "--period", Q1)
    assert result.exit_code == 0, result.stderr
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert "DBP/DBP-4" in json.dumps(exported)


def _missing(run: Run, path: Path, *period: str) -> int:
    return int(_json(run, "--db", path, "stats", "--json", *period)["missing_from_latest_return"])


def test_a_system_left_out_of_a_return_was_not_missing_before_it(
    estate: Path, run: Run, tmp_path: Path
) -> None:
    without_2 = small_return(
        tmp_path / "dbp-q3.xlsx",
        [
            system("DBP-1", annual_run_cost=20_000_000, **BIG),
            system("DBP-3", contract_end=dt.date(2030, 3, 31)),
        ],
        components=[_os("DBP-1", "8")],
        dependencies=[],
    )
    for period in (Q3, "2026-Q4"):  # left out twice: missing since Q3, kept once
        assert run("--db", estate, "import", "--period", period, without_2).exit_code == 0
    assert _missing(run, estate) == 1 == _missing(run, estate, "--period", Q3)
    assert _missing(run, estate, "--period", Q2) == 0
    then = _json(run, "--db", estate, "show", "DBP/DBP-2", "--json", "--period", Q2)
    assert then["missing_from_latest_return"] is False
    shown = run("--db", estate, "show", "DBP/DBP-2", "--period", Q2)
    assert "Missing from the department's latest return" not in shown.stdout
    out = tmp_path / "q2.md"
    assert run("--db", estate, "export", out, "--period", Q2).exit_code == 0
    assert "- 0 systems were missing from their department's latest return." in out.read_text()
    history = _json(run, "--db", estate, "history", "DBP/DBP-2", "--json")
    assert [p["status"] for p in history["periods"]][-2:] == ["missing", "missing"]
    shown = run("--db", estate, "history", "DBP/DBP-2")
    assert "2026-Q4: left out of the department's return, kept as it was" in shown.stdout
    assert _count(estate, "system_history") == 4, "DBP-2 as it stood until it went missing"

    back = _q2(tmp_path / "dbp-2027.xlsx")
    assert run("--db", estate, "import", "--period", "2027-Q1", back).exit_code == 0
    assert _missing(run, estate) == 0
    assert _missing(run, estate, "--period", "2026-Q4") == 1
    assert _missing(run, estate, "--period", Q2) == 0
    history = _json(run, "--db", estate, "history", "DBP/DBP-2", "--json")
    assert [p["status"] for p in history["periods"]][-1] == "unchanged"


# Changes -----------------------------------------------------------------------------------


def test_changes_since_q1_lists_what_moved_and_why(estate: Path, run: Run) -> None:
    found = _json(run, "--db", estate, "changes", "--since", Q1, "--json")
    assert (found["since"], found["until"]) == (Q1, Q2)
    assert "today's policy and lifecycle catalogue" in found["note"]
    said = {(c["change"], c["key"], c["before"], c["after"]) for c in found["changes"]}
    bands = {"Low", "Medium", "High", "Red-rated", "Unknown"}
    new = next(c for c in found["changes"] if c["change"] == "new system")
    assert new["key"] == "DBP/DBP-3" and new["before"] is None and new["after"] in bands
    gone = next(c for c in found["changes"] if c["change"] == "removed system")
    assert gone["key"] == "DBP/DBP-4" and gone["before"] in bands and gone["after"] is None
    assert (
        "component upgraded",
        "DBP/DBP-1",
        "Red Hat Enterprise Linux 6",
        "Red Hat Enterprise Linux 8",
    ) in said
    assert ("plan newly funded", "DBP/DBP-2", None, "Move to public cloud") in said
    assert ("dependency added", "DBP/DBP-2", None, "DBP/DBP-3 (API)") in said
    assert ("dependency removed", "DBP/DBP-2", "DBP/DBP-1 (API)", None) in said
    moved = next(c for c in found["changes"] if c["change"] == "band moved")
    assert moved["key"] == "DBP/DBP-1" and moved["before"] == "Red-rated"
    assert moved["criteria"][0].startswith("L1 6 -> ")
    assert not any(c["key"].startswith("RCA/") for c in found["changes"])


def test_changes_default_to_the_period_before_and_filter_by_department(
    estate: Path, run: Run
) -> None:
    default = _json(run, "--db", estate, "changes", "--json")
    assert default["since"] == Q1
    rca = _json(run, "--db", estate, "changes", "--json", "--department", "rca")
    assert rca["changes"] == []
    result = run("--db", estate, "changes", "--csv")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert {r["change"] for r in rows} >= {"band moved", "new system", "removed system"}
    assert next(r for r in rows if r["change"] == "band moved")["criteria"].startswith("L1 6 -> ")


def test_a_system_left_out_of_a_second_return_for_its_period_keeps_where_its_values_came_from(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    both = [system("DBP-1"), system("DBP-2")]
    for period, name, rows in (
        (Q1, "first.xlsx", both),
        (Q2, "costed.xlsx", [system("DBP-1"), system("DBP-2", annual_run_cost=90_000)]),
        (Q2, "without.xlsx", [system("DBP-1")]),
    ):
        written = small_return(tmp_path / name, rows, dependencies=[])
        assert run("--db", path, "import", "--period", period, written).exit_code == 0
    history = _json(run, "--db", path, "history", "DBP/DBP-2", "--json")
    q2 = history["periods"][-1]
    assert (q2["period"], q2["status"]) == (Q2, "changed")
    cost = next(c for c in q2["changes"] if c["field"] == "annual_run_cost")
    assert (cost["new"], cost["source"]["file"]) == (90_000, "costed.xlsx")
    assert _missing(run, path) == 1 and _missing(run, path, "--period", Q1) == 0


def test_changes_for_a_department_the_estate_does_not_hold_is_an_error(
    estate: Path, run: Run
) -> None:
    result = run("--db", estate, "changes", "--since", Q1, "--department", "DPB")
    assert result.exit_code == 1 and result.stdout == ""
    assert "No department 'DPB'. Known departments: DBP, RCA." in result.stderr
    lower = _json(run, "--db", estate, "changes", "--since", Q1, "--department", "dbp", "--json")
    assert lower["changes"] and {c["department"] for c in lower["changes"]} == {"DBP"}


def test_changes_in_a_one_period_estate_say_there_is_nothing_to_compare(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    run("--db", path, "import", "--period", Q1, _q1(tmp_path / "q1.xlsx"))
    result = run("--db", path, "changes")
    assert result.exit_code == 1
    assert "returns for one period only (2026-Q1)" in result.stderr


# Trend -------------------------------------------------------------------------------------


def test_a_departments_trend_starts_at_its_first_return(tmp_path: Path, run: Run) -> None:
    """Before a department's first return nothing is known of its systems: its trend starts
    there, rather than showing no systems and no cost; added to another department's, each
    period adds up what was known then."""
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    for args in (
        ("--period", Q1, _q1(tmp_path / "dbp-q1.xlsx")),
        ("--period", Q2, "--replace", _q2(tmp_path / "dbp-q2.xlsx")),
        ("--period", Q2, _rca(tmp_path / "rca-q2.xlsx")),
    ):
        result = run("--db", path, "import", *args)
        assert result.exit_code == 0, result.stdout + result.stderr
    whole = _json(run, "--db", path, "trend", "--json")["periods"]
    assert [(p["period"], p["systems"]) for p in whole] == [(Q1, 3), (Q2, 4)]
    rca = _json(run, "--db", path, "trend", "--json", "--department", "RCA")["periods"]
    assert [(p["period"], p["systems"]) for p in rca] == [(Q2, 1)]
    out = tmp_path / "both.json"
    result = run("--db", path, "export", out, "--department", "DBP", "--department", "RCA")
    assert result.exit_code == 0, result.output
    both = json.loads(out.read_text())["trend"]["periods"]
    assert [(p["period"], p["systems"]) for p in both] == [(Q1, 3), (Q2, 4)]


def test_trend_per_period_scored_with_todays_policy_at_each_periods_end(
    estate: Path, run: Run
) -> None:
    found = _json(run, "--db", estate, "trend", "--json")
    assert "a change of policy never looks like progress" in found["note"]
    q1, q2 = found["periods"]
    assert (q1["period"], q1["as_of"], q2["period"]) == (Q1, "2026-03-31", Q2)
    assert (q1["systems"], q1["red_rated"]) == (4, 1)
    assert (q2["systems"], q2["red_rated"]) == (4, 0)
    assert q1["legacy_run_cost"] >= 30_000_000
    dbp = _json(run, "--db", estate, "trend", "--json", "--department", "DBP")
    assert [p["systems"] for p in dbp["periods"]] == [3, 3]
    rca = _json(run, "--db", estate, "trend", "--json", "--department", "RCA")
    assert [p["systems"] for p in rca["periods"]] == [1, 1], "RCA's return carries forward"


def test_trend_says_which_periods_it_scored_afresh(estate: Path, run: Run, tmp_path: Path) -> None:
    first = run("--db", estate, "trend")
    assert first.exit_code == 0
    assert " ".join(first.stderr.split()) == f"Scored afresh: {Q1}, {Q2}."
    again = run("--db", estate, "trend")
    assert "Scored afresh" not in again.stderr
    result = run("--db", estate, "import", "--period", Q3, _q2(tmp_path / "dbp-q3.xlsx"))
    assert result.exit_code == 0, result.stderr
    last = run("--db", estate, "trend")
    assert " ".join(last.stderr.split()) == f"Scored afresh: {Q3}; the rest as kept."


def test_trend_is_read_from_kept_figures_until_something_they_came_from_changes(
    estate: Path, run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _json(run, "--db", estate, "trend", "--json")
    scored: list[str] = []
    real = figures_of_periods

    def counting(connection: Any, periods: Any, *args: Any, **kwargs: Any) -> Any:
        scored.extend(periods)
        return real(connection, periods, *args, **kwargs)

    monkeypatch.setattr("estate.history.trend.figures_of_periods", counting)
    assert _json(run, "--db", estate, "trend", "--json") == first
    assert scored == []
    result = run("--db", estate, "import", "--period", Q2, _q2(tmp_path / "again.xlsx", 1))
    assert result.exit_code == 0
    _json(run, "--db", estate, "trend", "--json")
    assert scored == [Q2], "a re-import for Q2 leaves Q1's figures as kept"
    scored.clear()
    _json(run, "--db", estate, "trend", "--json", "--department", "DBP")
    assert scored == []


# A system's history ------------------------------------------------------------------------


def test_history_shows_values_period_by_period_with_file_sheet_and_cell(
    estate: Path, run: Run
) -> None:
    found = _json(run, "--db", estate, "history", "DBP/DBP-1", "--json")
    assert [p["period"] for p in found["periods"]] == [Q1, Q2]
    q1, q2 = found["periods"]
    assert q1["status"] == "new" and q1["values"]["annual_run_cost"] == 30_000_000
    assert q2["status"] == "changed"
    cost = next(c for c in q2["changes"] if c["field"] == "annual_run_cost")
    assert cost["old"] == 30_000_000 and cost["new"] == 20_000_000
    assert cost["source"]["file"] == "dbp-q2.xlsx" and cost["source"]["sheet"] == "Systems"
    assert cost["source"]["cell"].endswith("2") and cost["source"]["cell"][0].isalpha()
    related = {(r["kind"], r["change"], r["item"]) for r in q2["related"]}
    assert ("components", "added", "Operating system Red Hat Enterprise Linux 8") in related
    assert ("components", "removed", "Operating system Red Hat Enterprise Linux 6") in related
    any_case = _json(run, "--db", estate, "history", "dbp/dbp-1", "--json")
    assert any_case == found, "references that differ only in case are one system"


def test_history_names_each_field_by_the_return_s_column_header(
    estate: Path, run: Run, terminal: io.StringIO
) -> None:
    assert run("--db", estate, "history", "DBP/DBP-1").exit_code == 0
    shown = terminal.getvalue()
    for header in (
        "System name",
        "Business criticality",
        "Contract end date",
        "Annual run cost (£)",
    ):
        assert f"│ {header} " in shown
    assert "contract_end" not in shown and "annual_run_cost" not in shown
    q2_cost = next(line for line in shown.splitlines() if "20,000,000" in line)
    cells = [cell.strip() for cell in q2_cost.split("│")[1:4]]
    assert cells == ["Annual run cost (£)", "30,000,000", "20,000,000"]
    found = _json(run, "--db", estate, "history", "DBP/DBP-1", "--json")
    cost = next(c for c in found["periods"][1]["changes"] if c["field"] == "annual_run_cost")
    assert cost["header"] == "Annual run cost (£)"


def test_a_deleted_system_keeps_its_history(estate: Path, run: Run) -> None:
    found = _json(run, "--db", estate, "history", "DBP/DBP-4", "--json")
    assert [(p["period"], p["status"]) for p in found["periods"]] == [(Q1, "new"), (Q2, "removed")]
    result = run("--db", estate, "history", "DBP/DBP-4")
    assert result.exit_code == 0 and "removed from the estate" in result.stdout
    missing = run("--db", estate, "history", "DBP/NOPE")
    assert missing.exit_code == 1 and "No system 'DBP/NOPE'" in missing.stderr


def test_showing_a_deleted_system_says_when_it_went_and_where_its_past_is(
    estate: Path, run: Run
) -> None:
    result = run("--db", estate, "show", "dbp/DBP-4")
    assert result.exit_code == 1
    assert (
        f"DBP/DBP-4 was removed from the estate in {Q2}; `estate history DBP/DBP-4` shows its "
        f"past, and `--period {Q1}` the estate as it stood with it."
    ) in " ".join(result.stderr.split())
    then = _json(run, "--db", estate, "show", "DBP/DBP-4", "--period", Q1, "--json")
    assert then["key"] == "DBP/DBP-4"
    never = run("--db", estate, "show", "DBP/DBP-9")
    assert never.exit_code == 1 and "No system 'DBP/DBP-9'" in never.stderr


# Upgrade -----------------------------------------------------------------------------------


def test_upgrading_a_version_3_estate_starts_its_history_at_its_current_state(
    estate: Path, run: Run, tmp_path: Path
) -> None:
    with closing(sqlite3.connect(estate)) as raw, raw:  # the tables as version 3 had them
        for table in (*HISTORY_TABLES, "trend_figures"):
            raw.execute(f"DROP TABLE {table}")
        raw.execute("DROP INDEX ix_import_batch_period")
        raw.execute("ALTER TABLE import_batch DROP COLUMN period")
        raw.execute("UPDATE estate_version SET version_num = '3'")
    assert db.upgrade(estate) == (3, db.SCHEMA_VERSION)
    current = quarter_of(dt.date.today())
    with closing(sqlite3.connect(estate)) as connection:
        periods = {row[0] for row in connection.execute("SELECT period FROM import_batch")}
    assert periods == {current}
    assert set(_rank(run, estate, "--period", current)) == set(_rank(run, estate))
    result = run(
        "--db",
        estate,
        "import",
        "--allow-period",
        "--period",
        "2099-Q1",
        _q1(tmp_path / "later.xlsx"),
    )
    assert result.exit_code == 0, result.stderr
    assert _count(estate, "system_history") > 0
    assert "DBP/DBP-3" in _rank(run, estate, "--period", current)


def _contents(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every estate table's rows, by natural keys rather than ids, in a stable order."""
    queries = {
        "system": "SELECT o.code, s.* FROM system s JOIN organisation o ON o.id = "
        "s.organisation_id",
        "component": "SELECT s.reference, c.kind, c.product, c.version, c.source_batch_id, "
        "c.source_row FROM component c JOIN system s ON s.id = c.system_id",
        "dependency": "SELECT s.reference, d.to_org_code, d.to_reference, t.reference, d.kind "
        "FROM dependency d JOIN system s ON s.id = d.from_system_id "
        "LEFT JOIN system t ON t.id = d.to_system_id",
        "security": "SELECT s.reference, a.principle, a.outcome FROM security_assessment a "
        "JOIN system s ON s.id = a.system_id",
        "source": "SELECT s.reference, x.batch_id, x.row FROM system_source x "
        "JOIN system s ON s.id = x.system_id",
        "batch": "SELECT id, period, file_name FROM import_batch",
    }
    with engine.connect() as connection:
        found = {}
        for name, sql in queries.items():
            rows: list[tuple[Any, ...]] = [
                tuple(row) for row in connection.exec_driver_sql(sql).fetchall()
            ]
            if name == "system":  # drop the id, which the two copies number differently
                rows = [tuple(v for i, v in enumerate(row) if i != 1) for row in rows]
            found[name] = sorted((tuple(row) for row in rows), key=repr)
    return found


@pytest.mark.parametrize("period", [Q1, Q2])
def test_the_set_based_copy_of_the_past_matches_the_portable_one(
    estate: Path, period: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from estate.history import reconstruct

    engine = db.open_engine(estate)
    try:
        with monkeypatch.context() as patch:
            patch.setattr(reconstruct, "_copy_through", None)  # must not be needed
            fast = reconstruct.estate_at(engine, period)
        with monkeypatch.context() as patch:
            patch.setattr(db, "sqlite_file", lambda _engine: None)
            portable = reconstruct.estate_at(engine, period)
        assert _contents(fast) == _contents(portable)
        assert len(_contents(fast)["system"]) == 4
        fast.dispose()
        portable.dispose()
    finally:
        engine.dispose()


def test_a_component_whose_support_ends_between_two_periods_is_reported(
    tmp_path: Path, run: Run
) -> None:
    path = tmp_path / "e.db"
    run("--db", path, "init")
    rhel7 = small_return(
        tmp_path / "rhel7.xlsx",
        [system("DBP-1", contract_end=dt.date(2030, 3, 31))],
        components=[_os("DBP-1", "7")],
        dependencies=[],
    )
    for period in ("2024-Q1", "2024-Q3"):  # RHEL 7's security support ended on 30/06/2024
        assert (
            run("--db", path, "import", "--allow-period", "--period", period, rhel7).exit_code == 0
        )
    found = _json(run, "--db", path, "changes", "--json")
    # Security support ended; paid extended support runs to 2029: said as the portfolio says it.
    lapsed = [c for c in found["changes"] if c["change"] == "entered paid extended support"]
    assert [(c["key"], c["after"]) for c in lapsed] == [("DBP/DBP-1", "Red Hat Enterprise Linux 7")]
    assert found["counts"]["gone out of support"] == 0
    assert (found["since_as_of"], found["until_as_of"]) == ("2024-03-31", "2024-09-30")


def test_a_new_version_of_the_same_product_is_an_upgrade_however_the_return_spells_it() -> None:
    # The catalogue says when two spellings are one product: "Oracle 11gR2" to "Oracle
    # Database 19c" is an upgrade; CentOS to Red Hat Enterprise Linux is a replacement.
    from types import SimpleNamespace
    from typing import cast

    from estate.catalogue import builtin
    from estate.history.changes import _component_changes
    from estate.scoring.results import SystemScore

    score = cast(SystemScore, SimpleNamespace(key="DBP/DBP-1", name="Ledger", department="DBP"))
    old = {("Database", "Oracle", "11gR2"), ("Operating system", "CentOS", "7")}
    new = {("Database", "Oracle Database", "19c"), ("Operating system", "RHEL", "9")}
    said = {
        (c.kind.value, c.before, c.after) for c in _component_changes(score, old, new, builtin())
    }
    assert said == {
        ("component upgraded", "Oracle 11gR2", "Oracle Database 19c"),
        ("component replaced", "CentOS 7", "RHEL 9"),
    }


def test_a_system_first_returned_already_retired_is_a_change(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    first, second = tmp_path / "xyz-q1.csv", tmp_path / "xyz-q2.csv"
    first.write_text("System reference,System name,Lifecycle status\nA-1,Ledger,Live\n")
    second.write_text(
        "System reference,System name,Lifecycle status\nA-1,Ledger,Live\nA-2,Old Claims,Retired\n"
    )
    for file, period in ((first, "2026-Q2"), (second, "2026-Q3")):
        imported = run("--db", target, "import", file, "-d", "XYZ", "--period", period)
        assert imported.exit_code == 0, imported.output
    found = _json(run, "--db", target, "changes", "--since", "2026-Q2", "--json")
    said = [(c["change"], c["key"], c["name"], c["after"]) for c in found["changes"]]
    assert (
        "retired or cancelled",
        "XYZ/A-2",
        "Old Claims",
        "Retired when first returned, by the end of 2026-Q3",
    ) in said
    own = _json(run, "--db", target, "changes", "--since", "2026-Q2", "--json", "-d", "xyz")
    assert [c["key"] for c in own["changes"]] == ["XYZ/A-2"]
