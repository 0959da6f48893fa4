"""Going anywhere from the command palette: any system by key or name (typed in part, or
misspelt), every screen and action, the ranking narrowed to a department or band; `g` opens
"go to system" from any screen."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.pilot import Pilot

from estate.ranking.snapshot import RankedRow
from tui.app import EstateApp, make_app
from tui.finder import SystemFinder
from tui.screens.detail import DetailScreen
from tui.screens.explorer import ExplorerScreen
from tui.screens.ranking import RankingScreen
from tui.screens.waves import WavesScreen
from tui.widgets.ranked_table import RankedTable

AS_OF = dt.date(2026, 11, 1)


def _row(rank: int, key: str, name: str) -> RankedRow:
    return RankedRow(
        rank,
        key,
        name,
        key.split("/")[0],
        50.0,
        None,
        None,
        "Unknown",
        0,
        None,
        None,
        None,
        "",
        None,
        None,
        None,
        "",
        0,
        0,
        "",
        None,
        None,
        None,
        0,
    )


ROWS = [
    _row(1, "CTS/CTS-00001", "Records Scheduler"),
    _row(2, "MBI/MBI-00026", "Payments Gateway"),
    _row(3, "MBI/MBI-00260", "Case Tracker"),
    _row(4, "DBP/DBP-00001", "Benefit Ledger"),
]


def test_a_key_is_found_whole_first_then_the_keys_it_starts_in_rank_order() -> None:
    finder = SystemFinder(ROWS)
    assert finder.find("mbi-00026")[0] == (1.0, 1)
    assert finder.find("MBI/MBI-00260")[0] == (1.0, 2)
    assert [index for _, index in finder.find("mbi-00")] == [1, 2]
    assert [index for _, index in finder.find("00001")] == [0, 3], "any part, in rank order"


def test_a_name_is_found_by_any_part_and_a_misspelling() -> None:
    finder = SystemFinder(ROWS)
    assert [i for _, i in finder.find("sched")] == [0]
    assert finder.find("paymnts gatway")[0][1] == 1
    assert finder.find("zzzz") == []
    assert finder.find("   ") == []


async def _loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _choose(pilot: Pilot[Any], typed: str) -> None:
    """Type into the open palette, wait for all its hits, and choose the first."""
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*typed)
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.press("enter")
    await pilot.pause()


def _app(db_path: Path) -> EstateApp:
    return make_app(db_path, as_of=AS_OF)


async def test_the_palette_opens_a_system_typed_by_part_of_its_name(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot)
        assert app.data is not None
        target = app.data.rows[7]
        part = target.name.split()[0][:5] + " " + target.name.split()[-1][:3]
        expected = next(app.data.rows[i].key for _, i in app.data.find(part))
        await pilot.press("ctrl+p")
        await _choose(pilot, part)
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert app.screen.key == expected
        assert target.name.split()[0] in app.data.rows[app.data.by_key[expected]].name


async def test_g_goes_to_a_system_by_key_from_any_screen(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot)
        assert app.data is not None
        key = app.data.rows[3].key
        await pilot.press("r", "enter")
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("g")
        assert isinstance(app.screen, CommandPalette)
        await _choose(pilot, key.split("/")[1])
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.key == key
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen) and app.screen.key != key, "escape comes back"


async def test_the_palette_narrows_the_ranking_and_opens_waves_and_explorer(
    demo_db: Path,
) -> None:
    app = _app(demo_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await _loaded(pilot)
        assert app.data is not None
        await pilot.press("ctrl+p")
        await _choose(pilot, "Ranking: department DBP")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RankingScreen)
        shown = [app.data.rows[i] for i in screen.query_one(RankedTable).rows]
        assert shown and {s.department for s in shown} == {"DBP"}
        await pilot.press("ctrl+p")
        await _choose(pilot, "Ranking: band Red-rated")
        shown = [app.data.rows[i] for i in screen.query_one(RankedTable).rows]
        assert shown and {(s.department, s.band) for s in shown} == {("DBP", "Red-rated")}
        await pilot.press("ctrl+p")
        await _choose(pilot, "Dependency explorer")
        assert isinstance(app.screen, ExplorerScreen) and app.screen.key == shown[0].key
        await pilot.press("escape", "o", "ctrl+p")
        await _choose(pilot, "Waves")
        await _loaded(pilot)
        assert isinstance(app.screen, WavesScreen)
        assert len(app.screen.selection) == len(shown), "the waves of the narrowed ranking"
