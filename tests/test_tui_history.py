"""Quarter on quarter in the terminal UI: the overview's trend, a system's history and the
"changes since" screen, on the four quarters of the sample estate."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from estate import db
from estate.history.changes import estate_changes, grouped
from estate.history.trend import estate_trend
from estate.scoring.policy import load_policy
from tui.app import make_app
from tui.dialogs.export_ranking import ExportDialog
from tui.dialogs.help import HelpDialog
from tui.screens.changes import ChangesScreen
from tui.screens.detail import DetailScreen

AS_OF = dt.date(2026, 11, 1)
SIZE = (130, 42)
SNAPSHOT = (80, 24)


async def _loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _text(static: Static) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def _cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(row)] for row in range(table.row_count)]


async def test_the_overview_charts_red_rated_and_legacy_systems_by_period(demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    expected = estate_trend(engine, load_policy(as_of=AS_OF))
    engine.dispose()
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        shown = _text(app.screen.query_one("#overview-body", Static))
    first, last = expected.points[0].figures, expected.points[-1].figures
    assert f"since 2025-Q4: red-rated down {first.red_rated - last.red_rated}" in shown
    assert "Each period scored as at its end with today's policy." in shown
    assert "2026-Q3 is as at 30/09/2026; the figures above are as at the day they name" in (
        " ".join(shown.split())
    )
    lines = [line.split() for line in shown.splitlines() if line.strip()[:4] in ("2025", "2026")]
    assert [(w[0], int(w[2]), int(w[4])) for w in lines] == [
        (p.period, p.figures.red_rated, p.figures.legacy) for p in expected.points
    ]


async def test_a_system_s_detail_shows_what_changed_each_period(demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    found = estate_changes(engine, load_policy(as_of=AS_OF), since="2025-Q4")
    engine.dispose()
    upgraded = next(c for c in found.changes if c.kind.value == "component upgraded")
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        app.open_system(upgraded.key)
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen)
        shown = _text(app.screen.query_one("#history", Static))
    assert shown.startswith("History")
    code = upgraded.key.split("/")[0].lower()
    assert "2025-Q4  first return" in shown and f"{code}-2025-Q4-" in shown
    assert "components added" in shown and "components removed" in shown
    assert upgraded.after.split()[0] in shown
    changed = [line for line in shown.splitlines() if " -> " in line]
    assert changed and all(line.split(":")[0].strip()[0].isupper() for line in changed), (
        "each changed field is named as the return's template heads its column"
    )


async def test_a_system_removed_periods_ago_says_when_and_shows_its_history(
    demo_db: Path,
) -> None:
    engine = db.open_engine(demo_db)
    found = estate_changes(engine, load_policy(as_of=AS_OF), since="2025-Q4", until="2026-Q1")
    engine.dispose()
    removed = next(c for c in found.changes if c.kind.value == "removed system")
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        app.open_system(removed.key)
        await _loaded(pilot)
        facts = _text(app.screen.query_one("#facts", Static))
        shown = _text(app.screen.query_one("#history", Static))
    assert f"{removed.key} was removed from the estate in 2026-Q1; its history is below." in facts
    assert "2026-Q1  removed from the estate" in shown


async def test_the_changes_screen_lists_what_moved_and_looks_further_back(
    demo_db: Path,
) -> None:
    engine = db.open_engine(demo_db)
    policy = load_policy(as_of=AS_OF)
    latest = estate_changes(engine, policy)
    longer = estate_changes(engine, policy, since="2026-Q1")
    engine.dispose()
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("c")
        await _loaded(pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        title = _text(screen.query_one("#changes-title", Static))
        assert f"Since 2026-Q2 (to 2026-Q3): {len(latest.changes)} changes" in title
        table = screen.query_one("#changes", DataTable)
        rows = _cells(table)  # a change many systems share is one line, counting them
        lines = grouped(latest.changes)
        assert any(x.count > 1 for x in lines)
        assert [(r[0], r[1]) for r in rows] == [
            (x.change.kind.value, x.keys[0] if x.count == 1 else f"{x.count:,} systems")
            for x in lines
        ]
        await pilot.press("s")
        await _loaded(pilot)
        title = _text(screen.query_one("#changes-title", Static))
        assert f"Since 2026-Q1 (to 2026-Q3): {len(longer.changes)} changes" in title
        further = grouped(longer.changes)
        assert table.row_count == len(further)
        await pilot.press("enter")
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.key == further[0].keys[0]
        await pilot.press("escape", "escape")
        assert not isinstance(app.screen, ChangesScreen)


async def test_an_export_of_one_department_carries_that_department_s_trend_and_changes(
    demo_db: Path, tmp_path: Path
) -> None:
    engine = db.open_engine(demo_db)
    policy = load_policy(as_of=AS_OF)
    expected = estate_trend(engine, policy, department="MOJ")
    whole = estate_trend(engine, policy)
    latest = estate_changes(engine, policy)
    engine.dispose()
    out = tmp_path / "moj.json"
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await _loaded(pilot)
        app.screen.query_one("#filter-department", Select).value = "MOJ"
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#format", Select).value = "json"
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(out)
        await pilot.click("#export")
        await _loaded(pilot)
    exported = json.loads(out.read_text(encoding="utf-8"))
    assert {s["department"] for s in exported["systems"]} == {"MOJ"}
    trend = exported["trend"]
    assert trend["department"] == "MOJ"
    assert [p["systems"] for p in trend["periods"]] == [p.figures.systems for p in expected.points]
    assert trend["periods"][-1]["systems"] < whole.points[-1].figures.systems
    changes = exported["changes"]["changes"]
    assert changes and {c["department"] for c in changes} == {"MOJ"}
    assert len(changes) == sum(c.department == "MOJ" for c in latest.changes)


async def test_changes_are_in_the_palette_and_the_help(demo_db: Path) -> None:
    from tui.commands import COMMANDS
    from tui.dialogs.help import HELP

    assert any(action == "app.changes" for _n, _h, action in COMMANDS)
    assert "| `c` | anywhere | Changes since the last period" in HELP
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)


async def test_an_estate_of_one_period_says_there_is_nothing_to_compare(
    empty_engine: Any, tmp_path: Path
) -> None:
    from importers import ImportOptions, import_return
    from tests.returns import small_return

    import_return(empty_engine, small_return(tmp_path / "r.xlsx"), ImportOptions(period="2026-Q2"))
    path = Path(str(empty_engine.url.database))
    app = make_app(path, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        assert "one period so far" in _text(app.screen.query_one("#overview-body", Static))
        await pilot.press("c")
        await _loaded(pilot)
        title = _text(app.screen.query_one("#changes-title", Static))
        assert "one period only (2026-Q2)" in title


class TestSnapshots:
    """The screens quarter on quarter adds, at 80 x 24."""

    def test_overview_with_its_trend(self, snap_compare: Any, demo_db: Path) -> None:
        assert snap_compare(
            make_app(demo_db, as_of=AS_OF), terminal_size=SNAPSHOT, run_before=_loaded
        )

    def test_changes_since_last_period(self, snap_compare: Any, demo_db: Path) -> None:
        async def changes(pilot: Pilot[Any]) -> None:
            await _loaded(pilot)
            await pilot.press("c")
            await _loaded(pilot)

        assert snap_compare(
            make_app(demo_db, as_of=AS_OF), terminal_size=SNAPSHOT, run_before=changes
        )


async def test_the_changes_screen_counts_one_change_and_shows_names_as_written(
    tmp_path: Path, run: Any
) -> None:
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    header = "System reference,System name\n"
    for period, rows in (("2026-Q2", "A-1,Ledger\n"), ("2026-Q3", "A-1,Ledger\nA-2,[b]Claims\n")):
        ret = tmp_path / f"{period}.csv"
        ret.write_text(header + rows)
        assert run("--db", path, "import", ret, "-d", "XYZ", "--period", period).exit_code == 0
    app = make_app(path, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("c")
        await _loaded(pilot)
        assert isinstance(app.screen, ChangesScreen)
        title = _text(app.screen.query_one("#changes-title", Static))
        table = app.screen.query_one("#changes", DataTable)
        lines = [table.render_line(y).text for y in range(table.row_count + 1)]
    assert "(to 2026-Q3): 1 change ·" in title
    assert any("XYZ/A-2" in line and "[b]Claims" in line for line in lines), lines
