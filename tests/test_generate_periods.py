"""`estate generate --periods N`: quarters of returns in which the estate changes as real ones
do."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from estate.generate.periods import Quarter, build_quarters, period_as_of
from importers.parse import parse_return
from tests.conftest import Run


@pytest.fixture(scope="module")
def quarters() -> list[Quarter]:
    return build_quarters(300, 5, seed=2025, periods=4)


def _systems(quarter: Quarter) -> dict[str, dict[str, Any]]:
    return {s["reference"]: s for d in quarter.departments for s in d.systems}


def _stacks(quarter: Quarter) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for dept in quarter.departments:
        for c in dept.components:
            found.setdefault(c["reference"], set()).add((c["product"], c["version"]))
    return found


def _pairs(quarters: list[Quarter]) -> list[tuple[Quarter, Quarter]]:
    return list(itertools.pairwise(quarters))


def test_the_quarters_run_in_order_up_to_2026_q3(quarters: list[Quarter]) -> None:
    assert [q.period for q in quarters] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    assert quarters[-1].as_of == dt.date(2026, 10, 1) == period_as_of("2026-Q3")


def test_legacy_systems_are_upgraded_onto_supported_releases(quarters: list[Quarter]) -> None:
    upgrades: list[tuple[set[tuple[str, str]], set[tuple[str, str]]]] = []
    for before, after in _pairs(quarters):
        old, new, systems = _stacks(before), _stacks(after), _systems(after)
        for reference in old.keys() & new.keys():
            if old[reference] != new[reference]:
                upgrades.append((old[reference], new[reference]))
                assert systems[reference].get("remediation_plan") is None  # the plan is done
    rhel = [
        (o, n)
        for o, n in upgrades
        if any(p in ("RHEL", "Red Hat Enterprise Linux") and v.startswith("6") for p, v in o)
    ]
    assert rhel and all(("Red Hat Enterprise Linux", "8") in n for _o, n in rhel)
    windows = [(o, n) for o, n in upgrades if ("SQL Server", "2008 R2") in o]
    assert windows and all(("Windows Server", "2019") in n for _o, n in windows)
    assert len(upgrades) >= 8


def test_systems_retire_after_being_decommissioned_and_new_ones_arrive(
    quarters: list[Quarter],
) -> None:
    for before, after in _pairs(quarters):
        old, new = _systems(before), _systems(after)
        gone, arrived = old.keys() - new.keys(), new.keys() - old.keys()
        assert gone and arrived, after.period
        statuses = {old[r]["lifecycle_status"].value for r in gone}
        assert statuses <= {"Being decommissioned", "Retired"}, statuses
        for reference in arrived:  # numbered after the department's last system
            code, number = reference.rsplit("-", 1)
            assert int(number) > max(int(r.rsplit("-", 1)[1]) for r in old if r.startswith(code))
        edges = {
            (e["to_org_code"] or d.code, e["to_reference"])
            for d in after.departments
            for e in d.dependencies
        }
        assert not {ref for _code, ref in edges} & gone  # nobody depends on a retired system


def test_contracts_are_renewed_or_lapse_and_plans_get_funded(quarters: list[Quarter]) -> None:
    renewed = lapsed = funded = 0
    for before, after in _pairs(quarters):
        new = _systems(after)
        for reference, system in _systems(before).items():
            later = new.get(reference)
            if later is None:
                continue
            end, next_end = system.get("contract_end"), later.get("contract_end")
            if isinstance(end, dt.date) and isinstance(next_end, dt.date):
                renewed += next_end > end
                lapsed += next_end == end and before.as_of <= end < after.as_of
            funded += system.get("plan_funded") is False and later.get("plan_funded") is True
    assert renewed >= 5 and lapsed >= 5 and funded >= 5


def test_the_mistakes_are_repeated_every_quarter(quarters: list[Quarter]) -> None:
    for quarter in quarters:
        values = [v for s in _systems(quarter).values() for v in s.values()]
        assert "Clowd" in values or "Critcal" in values or "two million" in values
        foreign = [s for d in quarter.departments for s in d.systems if s["department"] != d.code]
        unresolved = [
            e for d in quarter.departments for e in d.dependencies if e["to_org_code"] == "XGOV"
        ]
        assert foreign and unresolved, quarter.period


def test_generated_quarters_name_their_period_and_one_department_gets_worse(
    run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "returns"
    args = ("generate", "--systems", "160", "--departments", "4", "--seed", "11")
    result = run(*args, "--periods", "3", "--own-layouts", "0", "--csv-departments", "0", out)
    assert result.exit_code == 0, result.stderr
    assert "over 3 quarters (2026-Q1 to 2026-Q3)" in result.stderr
    periods = ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert sorted(p.name for p in out.iterdir()) == periods
    red: list[Counter[str]] = []
    for period in periods:
        files = sorted((out / period).iterdir())
        assert [f.name for f in files] == [
            f"{code}-{period}-return.xlsx" for code in ("dbp", "dle", "mbi", "rca")
        ]
        assert {parse_return(f).period for f in files} == {period}
        db = tmp_path / f"{period}.db"
        assert run("--db", db, "demo", "--sample-dir", out / period).exit_code == 0
        as_of = period_as_of(period).isoformat()
        ranked = json.loads(run("--db", db, "rank", "--json", "--as-of", as_of).stdout)
        red.append(
            Counter(
                s["department"] for s in ranked["systems"] if s["legacy"]["band"] == "Red-rated"
            )
        )
    worse = [count["RCA"] for count in red]
    assert worse == sorted(set(worse)), worse  # rises every quarter
    others = [sum(n for code, n in count.items() if code != "RCA") for count in red]
    assert others[-1] < others[0], others


def test_own_layout_quarters_are_named_by_period_and_evolve(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "returns"
    args = ("--systems", "30", "--departments", "2", "--own-layouts", "40", "--periods", "2")
    assert run("generate", *args, out).exit_code == 0
    assert sorted(p.name for p in (out / "2026-Q2").iterdir()) == [
        "dbp-2026-Q2-return.xlsx",
        "dfe-2026-Q2-cmdb-extract.xlsx",
        "dfe-2026-Q2-cmdb-relationships.csv",
        "dtr-2026-Q2-register.xlsx",
        "rca-2026-Q2-systems.csv",
    ]
    from python_calamine import CalamineWorkbook

    registers = [
        CalamineWorkbook.from_path(str(out / q / f"dtr-{q}-register.xlsx"))
        .get_sheet_by_name("Application Register")
        .to_python()
        for q in ("2026-Q2", "2026-Q3")
    ]
    assert str(registers[0][1][0]).startswith("Figures as at 30 June 2026")
    assert str(registers[1][1][0]).startswith("Figures as at 30 September 2026")
    assert registers[0][4:] != registers[1][4:]  # the department's systems moved on


def test_generating_quarters_is_deterministic(run: Run, tmp_path: Path) -> None:
    args = ("generate", "--systems", "60", "--departments", "3", "--periods", "2")
    for name in ("one", "two"):
        assert run(*args, "--own-layouts", "5", tmp_path / name).exit_code == 0
    for path in (tmp_path / "one").rglob("*.csv"):
        assert (tmp_path / "two" / path.relative_to(tmp_path / "one")).read_bytes() == (
            path.read_bytes()
        )
