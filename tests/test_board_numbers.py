"""Numbers a board can trust: a system a return retires (or cancels) by its status alone leaves
the counts, the money and the ranking and stays in the history; `changes` lists every field a
return changed, one outside cause many systems share on one line; a selection's pack puts the
whole estate beside it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from textual.widgets import Static

from estate import db
from estate.enums import ComponentKind, LifecycleStatus
from estate.generate import _SAAS_PRODUCTS, build_estate
from estate.history.changes import Change, ChangeKind, grouped
from estate.portfolio import release_line
from estate.stages import gone_systems
from estate.words import supplier_key, supplier_name
from importers.layout import RecordKind
from importers.template import write_return
from tests.conftest import Run
from tests.returns import small_return, system
from tests.test_tui_history import _loaded, _text
from tui.app import make_app
from tui.screens.detail import DetailScreen

COMPONENTS = [
    {
        "department": "DBP",
        "reference": reference,
        "kind": ComponentKind.OS,
        "product": "Windows Server",
        "version": "2012 R2",
    }
    for reference in ("DBP-1", "DBP-2", "DBP-3")
]


def _json(run: Run, *args: str | Path) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture
def retired_db(tmp_path: Path, run: Run) -> Path:
    """DBP's three systems in 2026-Q2; in 2026-Q3 its return gives DBP-3 the status Retired
    (every other sheet unchanged) and raises DBP-1's run cost."""
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    before = [system("DBP-1"), system("DBP-2"), system("DBP-3", annual_run_cost=1_000_000)]
    after = [
        system("DBP-1", annual_run_cost=300_000),
        system("DBP-2"),
        system("DBP-3", annual_run_cost=1_000_000, lifecycle_status=LifecycleStatus.RETIRED),
    ]
    for period, rows in (("2026-Q2", before), ("2026-Q3", after)):
        file = small_return(tmp_path / f"{period}.xlsx", rows, components=COMPONENTS)
        imported = run("--db", path, "import", file, "--period", period)
        assert imported.exit_code == 0, imported.output
    return path


def test_a_system_retired_by_its_status_leaves_the_ranking_and_the_money(
    run: Run, retired_db: Path, tmp_path: Path
) -> None:
    ranked = _json(run, "--db", retired_db, "rank", "--json")["systems"]
    assert [s["key"] for s in ranked] and "DBP/DBP-3" not in {s["key"] for s in ranked}
    out = tmp_path / "board.json"
    assert run("--db", retired_db, "export", out).exit_code == 0
    pack = json.loads(out.read_text())
    assert pack["summary"]["systems"] == 2
    assert pack["costs"]["total"]["annual_run_cost"] == 550_000
    assert "DBP/DBP-3" not in {s["key"] for s in pack["systems"]}
    portfolio = _json(run, "--db", retired_db, "portfolio", "--json")
    assert max(p["systems"] for p in portfolio["products"]) == 2
    suppliers = _json(run, "--db", retired_db, "contracts", "--json")["suppliers"]
    assert sum(s["systems"] for s in suppliers) == 2


def test_the_trend_counts_a_retired_system_until_it_left(run: Run, retired_db: Path) -> None:
    trend = _json(run, "--db", retired_db, "trend", "--json")["periods"]
    assert [(p["period"], p["systems"]) for p in trend] == [("2026-Q2", 3), ("2026-Q3", 2)]


def test_a_retired_system_is_kept_in_history_with_the_period_it_left(
    run: Run, retired_db: Path
) -> None:
    history = _json(run, "--db", retired_db, "history", "DBP/DBP-3", "--json")
    assert [p["period"] for p in history["periods"]] == ["2026-Q2", "2026-Q3"]
    status = next(c for c in history["periods"][1]["changes"] if c["field"] == "lifecycle_status")
    assert status["new"] == "Retired"
    engine = db.open_engine(retired_db)
    try:
        with engine.connect() as connection:
            (gone,) = gone_systems(connection)
    finally:
        engine.dispose()
    assert (gone.key, gone.status, gone.left_in) == ("DBP/DBP-3", "Retired", "2026-Q3")
    stats = _json(run, "--db", retired_db, "stats", "--json")
    assert (stats["systems"], stats["retired_or_cancelled"]) == (2, 1)
    assert stats["retired_or_cancelled_systems"] == [
        {"key": "DBP/DBP-3", "name": "System DBP-3", "status": "Retired", "left_in": "2026-Q3"}
    ]
    shown = run("--db", retired_db, "show", "DBP/DBP-3")
    assert shown.exit_code == 0, shown.output
    assert "not ranked: retired or cancelled" in " ".join(shown.stdout.split())


def test_changes_list_the_retirement_and_the_cost_change(run: Run, retired_db: Path) -> None:
    found = _json(run, "--db", retired_db, "changes", "--json")
    said = {(c["change"], c["key"]): c for c in found["changes"]}
    retired = said["retired or cancelled", "DBP/DBP-3"]
    assert retired["after"] == "Retired by the end of 2026-Q3"
    cost = said["run cost changed", "DBP/DBP-1"]
    assert (cost["before"], cost["after"]) == (
        "Annual run cost (£): £250,000",
        "Annual run cost (£): £300,000",
    )
    assert found["counts"]["retired or cancelled"] == 1
    printed = run("--db", retired_db, "changes")
    assert "retired or" in printed.stdout and "£300,000" in printed.stdout


def test_a_cancelled_system_leaves_the_counts_too(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    rows = [system("DBP-1"), system("DBP-2", lifecycle_status=LifecycleStatus.CANCELLED)]
    imported = run("--db", path, "import", small_return(tmp_path / "r.xlsx", rows))
    assert imported.exit_code == 0, imported.output
    ranked = _json(run, "--db", path, "rank", "--json")["systems"]
    assert [s["key"] for s in ranked] == ["DBP/DBP-1"]


def test_a_system_being_retired_gives_its_retirement_date(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    rows = [
        system(
            "DBP-1",
            lifecycle_status=LifecycleStatus.SUNSETTING,
            target_date=dt.date(2027, 3, 31),
        ),
        system("DBP-2"),
    ]
    assert run("--db", path, "import", small_return(tmp_path / "r.xlsx", rows)).exit_code == 0
    ranked = {s["key"]: s for s in _json(run, "--db", path, "rank", "--json")["systems"]}
    reason = ranked["DBP/DBP-1"]["cloud"]["disposition_reason"]
    assert "Being decommissioned" in reason and "to be retired by 31/03/2027" in reason


def test_a_selection_states_what_it_covers_beside_the_whole_estate(
    run: Run, retired_db: Path, tmp_path: Path
) -> None:
    for name in ("top.json", "top.md", "top.xlsx", "top.csv"):
        result = run("--db", retired_db, "export", tmp_path / name, "--top", "1")
        assert result.exit_code == 0, result.output
        said = " ".join(result.stderr.split())
        assert "covers top 1 by priority: 1 of the estate's 2 systems" in said
    pack = json.loads((tmp_path / "top.json").read_text())
    scope = pack["scope"]
    assert scope["whole_estate"] is False and scope["covers"] == "top 1 by priority"
    assert (scope["selection"]["systems"], scope["estate"]["systems"]) == (1, 2)
    assert scope["estate"]["annual_run_cost"] == 550_000
    markdown = (tmp_path / "top.md").read_text()
    assert "| Systems | 1 | 2 |" in markdown and "| Annual run cost (known) | £300k | £550k |" in (
        markdown
    )
    summary = load_workbook(tmp_path / "top.xlsx")["Summary"]
    rows = {row[0]: row[1:3] for row in summary.iter_rows(values_only=True) if row[0]}
    assert rows["Systems"] == (1, "Whole estate: 2")
    assert rows["Annual run cost (known)"] == (300_000, "Whole estate: £550k")
    whole = run("--db", retired_db, "export", tmp_path / "all.json")
    assert "covers the whole estate: 2 systems" in " ".join(whole.stderr.split())
    assert json.loads((tmp_path / "all.json").read_text())["scope"]["whole_estate"] is True


def test_one_cause_moving_many_systems_is_one_line_with_its_count() -> None:
    java = [
        Change(ChangeKind.OUT_OF_SUPPORT, f"DBP/S-{n}", f"S {n}", "DBP", after="Java 17")
        for n in range(4)
    ]
    own = Change(ChangeKind.COST_CHANGED, "DBP/S-9", "S 9", "DBP", "£1", "£2")
    moved = [
        Change(ChangeKind.BAND_MOVED, key, "x", dept, "High", "Red-rated", ("L1 4 -> 5",))
        for key, dept in (("DBP/S-1", "DBP"), ("MOJ/M-1", "MOJ"))
    ]
    lines = grouped([*java, own, *moved])
    assert [(line.change.kind, line.count) for line in lines] == [
        (ChangeKind.COST_CHANGED, 1),
        (ChangeKind.BAND_MOVED, 2),
        (ChangeKind.OUT_OF_SUPPORT, 4),
    ]
    band = lines[1]
    assert band.change.name == "2 systems" and band.change.department == "DBP, MOJ"
    assert lines[2].systems(2) == "DBP/S-0, DBP/S-1 and 2 more"


def _moj_return(path: Path) -> Path:
    """A department joining: MOJ's first return, one system on Windows Server 2008 R2."""
    rows = {
        RecordKind.SYSTEMS: [system("MOJ-1", department="MOJ", contract_end=dt.date(2030, 1, 1))],
        RecordKind.COMPONENTS: [
            {
                "department": "MOJ",
                "reference": "MOJ-1",
                "kind": ComponentKind.OS,
                "product": "Windows Server",
                "version": "2008 R2",
            }
        ],
    }
    write_return(path, cover={"Department code": "MOJ", "Department name": "Justice"}, records=rows)
    return path


def test_the_trend_separates_a_joining_department_and_the_calendar_from_like_for_like(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    far = dt.date(2030, 1, 1)
    rows = [system("DBP-1", contract_end=far), system("DBP-2", contract_end=far)]
    # Support ends 2027-08-15: more than a year after 2026-Q2 ends (L1 2), less than a year
    # after 2026-Q3 ends (L1 3, legacy) with nothing in the return changed.
    ending = [
        {
            "department": "DBP",
            "reference": "DBP-1",
            "kind": ComponentKind.RUNTIME,
            "product": "Acme Runtime",
            "version": "4",
            "end_of_support": dt.date(2027, 8, 15),
        }
    ]
    dbp = small_return(tmp_path / "dbp.xlsx", rows, components=ending, dependencies=[])
    for period in ("2026-Q2", "2026-Q3"):
        assert run("--db", path, "import", dbp, "--period", period).exit_code == 0
    joined = run("--db", path, "import", _moj_return(tmp_path / "moj.xlsx"), "--period", "2026-Q3")
    assert joined.exit_code == 0, joined.output
    trend = _json(run, "--db", path, "trend", "--json")
    first, second = trend["periods"]
    assert (first["legacy"], second["legacy"]) == (0, 2)
    assert first["moved"] is None
    assert second["moved"]["legacy"] == {
        "like_for_like": 0,
        "calendar": 1,
        "new_or_retired": 0,
        "departments": 1,
    }
    assert second["moved"]["systems"]["departments"] == 1
    printed = " ".join(run("--db", path, "trend").stdout.split())
    assert "legacy +2: +1 same systems and returns, moved by the calendar" in printed
    assert "+1 departments joining or leaving" in printed
    dbp_only = _json(run, "--db", path, "trend", "--json", "--department", "DBP")["periods"]
    assert dbp_only[1]["moved"]["legacy"]["calendar"] == 1
    assert dbp_only[1]["moved"]["legacy"]["departments"] == 0


def test_an_assessment_made_before_an_upgrade_is_said_to_predate_it(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    assessed = {"l1": 5, "assessed_on": dt.date(2026, 5, 1), "assessed_by": "DBP architecture"}
    rows = [system("DBP-1", **assessed), system("DBP-2")]
    for period, version in (("2026-Q2", "2008 R2"), ("2026-Q3", "2022")):
        os = [
            {
                "department": "DBP",
                "reference": "DBP-1",
                "kind": ComponentKind.OS,
                "product": "Windows Server",
                "version": version,
            }
        ]
        file = small_return(tmp_path / f"{period}.xlsx", rows, components=os)
        assert run("--db", path, "import", file, "--period", period).exit_code == 0
    ranked = {s["key"]: s for s in _json(run, "--db", path, "rank", "--json")["systems"]}
    legacy = ranked["DBP/DBP-1"]["legacy"]
    l1 = next(c for c in legacy["likelihood"] if c["code"] == "L1")
    assert l1["value"] == 5, "the department's own score still stands"
    (note,) = [c for c in legacy["contradictions"] if "predates" in c]
    assert "01/05/2026" in note and "2026-Q3" in note and "review" in note
    out = tmp_path / "board.json"
    assert run("--db", path, "export", out).exit_code == 0
    quality = json.loads(out.read_text())["data_quality"]
    assert any(
        r["issue"] == "Self-assessment predates a change" and r["system"] == "DBP/DBP-1"
        for r in quality
    )
    shown = " ".join(run("--db", path, "show", "DBP/DBP-1").stdout.split())
    assert "predates the 2026-Q3 return's change to its technology" in shown


def test_the_generator_gives_each_product_only_its_own_releases() -> None:
    own = {product: version for product, _vendor, version in _SAAS_PRODUCTS}
    seen: dict[str, set[str]] = {}
    for department in build_estate(600, 6, seed=7):
        for row in department.components:
            if row["kind"] is ComponentKind.APPLICATION:
                seen.setdefault(row["product"], set()).add(row["version"])
    assert len(seen) >= 4, "every SaaS product appears"
    assert all(versions == {own[product]} for product, versions in seen.items()), seen


@pytest.mark.parametrize(
    ("written", "counted_as"),
    [("In house", "In-house"), ("in-house", "In-house"), ("Inhouse", "In-house")],
)
def test_suppliers_are_counted_as_one_however_written(written: str, counted_as: str) -> None:
    assert supplier_name(written) == counted_as
    assert supplier_key("Capgemini UK plc") == supplier_key("CapGemini  UK PLC")
    assert supplier_key("Capgemini") != supplier_key("Accenture")


def test_a_service_pack_counts_as_a_release_of_its_line() -> None:
    assert release_line("Windows Server 2008 R2 SP1") == "Windows Server 2008 R2"
    assert release_line("SQL Server 2012 SP4") == "SQL Server 2012"
    assert release_line("Windows Server 2008 R2") == "Windows Server 2008 R2"


def test_a_dependency_on_a_retired_system_is_a_data_quality_row(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    rows = [system("DBP-1", lifecycle_status=LifecycleStatus.RETIRED), system("DBP-2")]
    imported = run("--db", path, "import", small_return(tmp_path / "r.xlsx", rows))
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "board.json"
    assert run("--db", path, "export", out).exit_code == 0
    quality = json.loads(out.read_text())["data_quality"]
    (row,) = [r for r in quality if r["issue"] == "Depends on a retired system"]
    assert row["system"] == "DBP/DBP-2" and "DBP/DBP-1" in row["detail"]
    assert not [r for r in quality if r["issue"] == "Unresolved dependency"]


def test_a_return_s_business_capability_is_stored_and_is_the_evidence(
    run: Run, tmp_path: Path
) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    rows = [
        system("DBP-1", name="Workforce Exchange"),
        system("DBP-2", name="Zephyr", business_capability="Payroll"),
    ]
    windows = [
        {
            "department": "DBP",
            "reference": reference,
            "kind": ComponentKind.OS,
            "product": "Windows Server",
            "version": "2019",
        }
        for reference in ("DBP-1", "DBP-2")
    ]
    file = small_return(tmp_path / "r.xlsx", rows, components=windows, dependencies=[])
    assert run("--db", path, "import", file).exit_code == 0
    ranked = {s["key"]: s["cloud"] for s in _json(run, "--db", path, "rank", "--json")["systems"]}
    assert ranked["DBP/DBP-1"]["suggested_disposition"] != "Repurchase"
    assert ranked["DBP/DBP-2"]["suggested_disposition"] == "Repurchase"
    assert '"Payroll" is a commodity function' in ranked["DBP/DBP-2"]["disposition_reason"]
    history = _json(run, "--db", path, "history", "DBP/DBP-2", "--json")
    assert history["periods"][0]["values"]["business_capability"] == "Payroll"


def test_changes_to_one_other_field_across_many_systems_are_one_line() -> None:
    aged = [
        Change(
            ChangeKind.FIELD_CHANGED,
            f"DBP/S-{n}",
            f"S {n}",
            "DBP",
            f"Hardware age (years): {n}.0",
            f"Hardware age (years): {n}.25",
        )
        for n in range(5)
    ]
    dated = Change(ChangeKind.DATE_CHANGED, "DBP/S-1", "S 1", "DBP", "a", "b")
    lines = grouped([*aged, dated])
    assert [(line.change.kind, line.count) for line in lines] == [
        (ChangeKind.DATE_CHANGED, 1),
        (ChangeKind.FIELD_CHANGED, 5),
    ]
    assert lines[1].change.before == "Hardware age (years)"


async def test_the_terminal_ui_explains_a_retired_system_unranked(retired_db: Path) -> None:
    app = make_app(retired_db, as_of=dt.date(2026, 11, 1))
    async with app.run_test(size=(130, 42)) as pilot:
        await _loaded(pilot)
        app.open_system("DBP/DBP-3")
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen)
        shown = _text(app.screen.query_one("#scores", Static))
    assert "not ranked: retired or cancelled" in " ".join(shown.split())
