"""The terminal UI at 80 x 24 (many terminals' size, and usual over SSH) and at 200 x 55: the
ranking chooses its columns by width, labels never wrap, the explanation reads whole, every
column sorts from the keyboard, and empty branches say so."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape
from pathlib import Path
from typing import Any

import networkx as nx
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Select, Static, Tree

from estate.scoring.serialise import score_dict
from tests.conftest import Run
from tui.app import EstateApp, make_app
from tui.data import COLUMNS
from tui.screens.detail import DetailScreen
from tui.screens.explorer import ExplorerScreen
from tui.screens.ranking import SORT_KEYS, RankingScreen
from tui.widgets.ranked_table import RankedTable

AS_OF = dt.date(2026, 11, 1)
SMALL, LARGE = (80, 24), (200, 55)


def _app(db_path: Path) -> EstateApp:
    return make_app(db_path, as_of=AS_OF)


async def _loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _rendered(static: Static, width: int) -> str:
    """What a Static shows at `width` columns, as plain text."""
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def _screen(app: EstateApp) -> list[str]:
    """The lines of text on the terminal now, each character in its column, read from the
    app's own screenshot."""
    width = app.size.width
    rows: dict[float, list[str]] = {}
    svg = app.export_screenshot()
    pattern = r'<text [^>]*x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>'
    for x, y, length, raw in re.findall(pattern, svg):
        text = unescape(raw).replace("\xa0", " ")
        cell = float(length) / max(len(text), 1)
        row = rows.setdefault(float(y), [" "] * width)
        start = round(float(x) / cell)
        row[start : start + len(text)] = text
    return ["".join(rows[y])[:width] for y in sorted(rows)]


def _heading(app: EstateApp) -> list[str]:
    return str(app.screen.query_one("#column-header", Static).content).replace("▲", "").split()


async def test_the_ranking_shows_what_fits_at_80_columns_and_everything_at_200(
    demo_db: Path,
) -> None:
    for size, expected in (
        (SMALL, ["#", "System", "Name", "Priority", "Legacy", "Band"]),
        (LARGE, [c.title for c in COLUMNS]),
    ):
        app = _app(demo_db)
        async with app.run_test(size=size) as pilot:
            await _loaded(pilot)
            await pilot.press("r")
            await pilot.pause()
            table = app.screen.query_one(RankedTable)
            assert _heading(app) == expected, size
            assert table.virtual_size.width <= table.scrollable_content_region.width, (
                "nothing is off to the side"
            )
            assert "Red-rated" in table.render_line(0).text


async def test_a_legacy_score_not_known_is_shown_as_unknown(tmp_path: Path, run: Run) -> None:
    """A system a return says too little about to score shows "?" and "unknown", as `estate
    rank` does, never the number it is sorted by."""
    path = tmp_path / "estate.db"
    assert run("--db", path, "init").exit_code == 0
    first = tmp_path / "xyz-return.csv"
    first.write_text("System reference,System name\nA-1,Ledger\n")
    assert run("--db", path, "import", first, "-d", "XYZ", "--period", "2026-Q3").exit_code == 0
    app = _app(path)
    async with app.run_test(size=SMALL) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        line = app.screen.query_one(RankedTable).render_line(0).text
        assert "XYZ/A-1" in line and "unknown" in line
        assert line.split()[4:6] == ["?", "unknown"], line


async def test_filter_labels_never_wrap_at_80_columns(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        for select in app.screen.query(Select):
            label = select.query_one("SelectCurrent #label", Static)
            assert label.size.height == 1
            shown = label.render_line(0).text.strip()
            assert shown == str(select.prompt), (shown, select.prompt)


async def test_every_column_sorts_from_the_keyboard(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RankingScreen) and app.data is not None
        table = screen.query_one(RankedTable)
        assert len(SORT_KEYS) == len(COLUMNS)
        for key, column in zip(SORT_KEYS, COLUMNS, strict=True):
            await pilot.press("minus" if key == "-" else key)
            status = str(screen.query_one("#status", Static).content)
            assert f"sorted by {column.title} " in status, (key, status)
            values = [column.value(app.data.rows[i]) for i in table.rows]
            descending = status.endswith("descending")
            assert values == sorted(values, reverse=descending), column.title
            assert len(set(values)) > 1, f"{column.title} has more than one value"
            assert f"{column.title}{'▼' if descending else '▲'}" in str(
                screen.query_one("#column-header", Static).content
            ) or column.title not in _heading(app), "the heading marks the sorted column"


async def test_a_criterions_evidence_reads_whole_at_80_columns(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await _loaded(pilot)
        await pilot.press("r", "enter")
        await _loaded(pilot)
        screen = app.screen
        assert isinstance(screen, DetailScreen) and app.data is not None
        score = app.data.score(screen.key)
        assert score is not None
        criteria = [
            *score_dict(score)["legacy"]["likelihood"],
            *score_dict(score)["legacy"]["impact"],
        ]
        box = screen.query_one("#scores", Static)
        text = _rendered(box, box.content_region.width)
        flowing = " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())
        for criterion in criteria:
            assert f"{criterion['code']} {criterion['name']}" in flowing
            assert f"Evidence: {criterion['evidence']}" in flowing, criterion["code"]
        # The evidence is there to read on the screen itself, scrolled to.
        first = criteria[0]
        lines = text.splitlines()
        row = next(i for i, line in enumerate(lines) if f"{first['code']} {first['name']}" in line)
        scroller = screen.query_one("#explanation")
        scroller.scroll_to(y=row, animate=False)
        await pilot.pause()
        left, right = scroller.scrollable_content_region.x, scroller.scrollable_content_region.right
        visible = " ".join(
            " ".join(line[left:right].replace("│", " ").split()) for line in _screen(app)
        )
        assert f"Evidence: {first['evidence']}" in visible, visible


async def test_an_empty_branch_of_the_explorer_says_none(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SMALL) as pilot:
        await _loaded(pilot)
        assert app.graph is not None and app.data is not None
        graph = app.graph.graph
        key = next(
            row.key
            for row in app.data.rows
            if graph.out_degree(row.key) == 0 and graph.in_degree(row.key) > 0
        )
        assert not nx.descendants(graph, key)
        app.push_screen(ExplorerScreen(key))
        await _loaded(pilot)
        tree = app.screen.query_one(Tree)
        down, up = tree.root.children
        assert [str(child.label) for child in down.children] == [
            "none: it depends on no other system"
        ]
        assert up.children and "none" not in str(up.children[0].label)
