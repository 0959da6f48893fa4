"""Getting about the terminal UI at 80 x 24 without dead ends: `r` reaches the ranking from
anywhere with its filters as they were left, `escape` steps back through where the user has
been, one screen at a time, and going to a screen again brings it forward rather than opening
another copy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual.command import CommandPalette
from textual.coordinate import Coordinate
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from estate.history.changes import grouped
from tui.app import EstateApp, make_app
from tui.screens.changes import ChangesScreen
from tui.screens.detail import DetailScreen
from tui.screens.overview import OverviewScreen
from tui.screens.portfolio import PortfolioScreen
from tui.screens.ranking import RankingScreen
from tui.widgets.ranked_table import RankedTable

AS_OF = dt.date(2026, 11, 1)
SIZE = (80, 24)


async def _loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def _go_to(pilot: Pilot[Any], key: str) -> None:
    """`g`, type the system's key, and open the first hit."""
    await pilot.press("g")
    assert isinstance(pilot.app.screen, CommandPalette)
    await pilot.press(*key)
    await _loaded(pilot)
    await pilot.press("enter")
    await _loaded(pilot)


def _department(app: EstateApp) -> set[str]:
    """The departments of the systems the ranking shows."""
    assert app.data is not None
    table = app.ranking_screen.query_one(RankedTable)
    return {app.data.rows[i].department for i in table.rows}


async def test_r_from_a_system_reached_through_g_p_and_c_keeps_the_rankings_filters(
    demo_db: Path,
) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        assert app.data is not None
        await pilot.press("r")
        ranking = app.screen
        assert isinstance(ranking, RankingScreen)
        select = ranking.query_one("#filter-department", Select)
        select.value = "DBP"
        await pilot.pause()
        assert _department(app) == {"DBP"}
        shown = str(select.query_one("SelectCurrent #label").render())
        assert shown.startswith("DBP Department for"), "the drop-down names the department"
        key = next(r.key for r in app.data.rows if r.department == "MBI")
        await pilot.press("p")
        assert isinstance(app.screen, PortfolioScreen)
        await pilot.press("c")
        assert isinstance(app.screen, ChangesScreen)
        await _go_to(pilot, key)
        assert isinstance(app.screen, DetailScreen) and app.screen.key == key
        await pilot.press("r")
        await pilot.pause()
        assert app.screen is ranking, "r lands on the ranking itself"
        assert ranking.filters.department == "DBP" and _department(app) == {"DBP"}
        assert "dept=DBP" in str(ranking.query_one("#status").render())
        # Escape steps back through where the user has been, one screen at a time.
        walked = []
        for _ in range(4):
            await pilot.press("escape")
            await pilot.pause()
            walked.append(type(app.screen))
        assert walked == [DetailScreen, ChangesScreen, PortfolioScreen, OverviewScreen]
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen), "the start is as far back as it goes"
        await pilot.press("r")
        assert app.screen is ranking and _department(app) == {"DBP"}, "filters kept throughout"


async def test_escape_on_the_ranking_steps_back_and_a_key_of_its_own_clears(
    demo_db: Path,
) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        ranking = app.screen
        assert isinstance(ranking, RankingScreen)
        ranking.query_one("#filter-department", Select).value = "DBP"
        await pilot.pause()
        ranking.query_one(RankedTable).focus()
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("r")
        assert ranking.filters.department == "DBP", "backing out kept the filter"
        footer = " ".join(
            b.binding.description for b in app.active_bindings.values() if b.binding.show
        )
        assert "Clear filters" in footer and "Back" in footer
        await pilot.press("delete")
        await pilot.pause()
        assert ranking.filters.department is None or ranking.filters.department == ""
        assert ranking.query_one("#filter-department", Select).is_blank()


async def test_going_back_and_forth_never_stacks_copies(demo_db: Path) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        assert app.data is not None
        key = app.data.rows[0].key
        for _ in range(5):
            await pilot.press("p", "c", "r")
            await _go_to(pilot, key)
        await pilot.pause()
        kinds = [type(p) for p in app.places]
        assert len(kinds) == len(set(kinds)) == 5, kinds
        assert len(app.screen_stack) == 2, "one screen shown over the base, never a pile"
        await pilot.press("enter")  # the first neighbour, or nothing
        for _ in range(30):
            await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        assert app.places == [app.overview_screen]


async def test_the_changes_screen_fits_80_columns_with_keys_and_versions_whole(
    demo_db: Path,
) -> None:
    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("c")
        await _loaded(pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen) and screen.found is not None
        table = screen.query_one("#changes", DataTable)
        columns = list(table.columns.values())
        assert sum(c.width + 2 for c in columns) <= SIZE[0] - 2, "no sideways scrolling"
        widths = {str(c.label): c.width for c in columns}
        shown = grouped(screen.found.changes)  # a cause moving many systems is one line
        changes = [line.change for line in shown]
        assert max(len(line.keys[0]) for line in shown if line.count == 1) <= widths["System"]
        assert max(len(w) for c in changes for w in c.kind.value.split()) <= widths["Change"]
        for index, change in enumerate(changes):
            height = table.rows[table.coordinate_to_cell_key(Coordinate(index, 0)).row_key].height
            now = change.after + (f" ({', '.join(change.criteria)})" if change.criteria else "")
            for text, width in ((change.before, widths["Was"]), (now, widths["Now"])):
                words = text.split()
                assert all(len(w) <= width for w in words), (text, width)
                lines = 1
                used = 0
                for word in words:  # greedy wrapping, as rich wraps at spaces
                    if used and used + 1 + len(word) > width:
                        lines, used = lines + 1, len(word)
                    else:
                        used += (1 if used else 0) + len(word)
                assert lines <= height, (text, width, height)


async def test_every_screens_footer_fits_80_columns(demo_db: Path) -> None:
    from textual.widgets._footer import FooterKey

    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        for keys in ((), ("r",), ("r", "enter"), ("e",), ("c",), ("p",), ("r", "w")):
            await pilot.press(*keys)
            await _loaded(pilot)
            shown = list(app.screen.query(FooterKey))
            assert shown, (keys, type(app.screen))
            palette = [k for k in shown if k.description == "palette"]
            edge = palette[0].region.x if palette else SIZE[0]
            cut = [
                str(k.description)
                for k in shown
                if k not in palette and (k.region.right > edge or k.region.width == 0)
            ]
            assert not cut, (type(app.screen).__name__, cut)  # whole, clear of the palette's


async def test_the_portfolio_at_80_columns_shows_every_figure_and_lists_systems_in_its_place(
    demo_db: Path,
) -> None:
    from textual.widgets import OptionList

    app = make_app(demo_db, as_of=AS_OF)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("p")
        await _loaded(pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        table = screen.query_one("#portfolio", DataTable)
        headings = [str(c.label) for c in table.ordered_columns]
        assert headings[-1] == "Security\nends"
        # Every column fits: no figure is off screen to the right.
        used = sum(c.get_render_width(table) for c in table.ordered_columns)
        assert used <= table.scrollable_content_region.width, (used, headings)
        # A release row gives the date its security support ends.
        release = next(i for i in range(table.row_count) if str(table.get_row_at(i)[0])[:1] in "├└")
        assert str(table.get_row_at(release)[-1]).count("/") == 2
        listing = screen.query_one("#portfolio-systems", OptionList)
        assert not listing.display or not listing.region.width
        await pilot.press("enter")  # the systems that run the first product, in the table's place
        await pilot.pause()
        assert listing.has_focus and listing.region.width >= SIZE[0] - 4
        assert not table.region.width
        await pilot.press("escape")  # back to the table, still on the portfolio
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen) and table.has_focus
        assert table.region.width >= SIZE[0] - 2
        await pilot.press("escape")  # and back where the user came from
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
