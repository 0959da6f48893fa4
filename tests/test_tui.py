"""The terminal UI driven as a user would: keys and clicks, asserting on what is shown and
what is stored."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import io
import json
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, OptionList, Select, Static, Tree

from estate import db
from estate.exports import export_ranking
from estate.periods import quarter_of
from estate.ranking.kept_scores import kept_scores
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from estate.scoring.serialise import score_dict
from importers import import_return
from tests.conftest import Run
from tui.app import EstateApp, make_app
from tui.dialogs.export_ranking import ExportDialog
from tui.dialogs.help import HelpDialog
from tui.dialogs.import_return import ImportDialog
from tui.screens.detail import DetailScreen
from tui.screens.explorer import ExplorerScreen
from tui.screens.overview import OverviewScreen
from tui.screens.ranking import RankingScreen
from tui.screens.waves import WavesScreen
from tui.widgets.ranked_table import RankedTable

AS_OF = dt.date(2026, 11, 1)
SIZE = (130, 42)


def _app(db_path: Path) -> EstateApp:
    return make_app(db_path, as_of=AS_OF)


async def _loaded(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _text(static: Static) -> str:
    """What a Static shows, as plain text."""
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(static.content)
    return console.export_text()


def _status(app: EstateApp) -> str:
    return str(app.screen.query_one("#status", Static).content)


async def _until(pilot: Pilot[Any], condition: Callable[[], object]) -> None:
    """Let the app run until `condition` holds, for up to 10 s, while a worker the test does
    not wait for (the held scoring) is still busy."""
    for _ in range(200):
        if condition():
            return
        await pilot.pause(0.05)


def _table(app: EstateApp) -> RankedTable:
    return app.screen.query_one(RankedTable)


class Midway:
    """Holds a worker thread at one point so that a test can look at the screen meanwhile."""

    def __init__(self) -> None:
        self._reached = threading.Event()
        self._released = threading.Event()

    def hold(self) -> None:
        """Called in the worker: stop here until the test releases it."""
        self._reached.set()
        self._released.wait(timeout=30)

    @asynccontextmanager
    async def holding(self, pilot: Pilot[Any]) -> AsyncIterator[None]:
        """Wait until the worker is held and the screen has caught up; the body looks at the
        screen, and on leaving it (failing or not) the worker carries on."""
        try:
            await asyncio.to_thread(self._reached.wait, 30)
            await pilot.pause()
            yield
        finally:
            self._released.set()


async def test_says_how_far_loading_has_got_until_the_scores_arrive(
    demo_db: Path, monkeypatch: Any
) -> None:
    midway = Midway()

    def slow_score_estate(
        connection: Any, policy: Any, progress: Any = None, graph_read: Any = None
    ) -> Any:
        progress("Scoring systems", 150, 300)
        midway.hold()
        return score_estate(connection, policy, progress, graph_read)

    monkeypatch.setattr("tui.app.score_estate", slow_score_estate)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        async with midway.holding(pilot):
            status = app.screen.query_one("#loading-status", Static)
            assert "Scoring systems: 150 of 300" in _text(status)
            await pilot.press("r")
            assert _status(app) == "Scoring systems: 150 of 300"
        await _loaded(pilot)
        assert _status(app).startswith("Showing ")
        await pilot.press("o")
        assert not app.screen.query_one("#loading-status", Static).display


def _held_scoring(midway: Midway, monkeypatch: Any) -> None:
    """Make the app's scoring (of the whole estate, or of the explanations beside a fresh
    kept ranking) wait, once it has read the dependency graph, until the test releases it."""

    def holding(graph_read: Any) -> Any:
        def then_hold(graph: Any) -> None:
            graph_read(graph)
            midway.hold()

        return then_hold

    def held_score_estate(
        connection: Any, policy: Any, progress: Any = None, graph_read: Any = None
    ) -> Any:
        return score_estate(connection, policy, progress, holding(graph_read))

    def held_kept_scores(
        connection: Any, policy: Any, progress: Any = None, graph_read: Any = None
    ) -> Any:
        return kept_scores(connection, policy, progress, holding(graph_read))

    monkeypatch.setattr("tui.app.score_estate", held_score_estate)
    monkeypatch.setattr("tui.app.kept_scores", held_kept_scores)


async def _open_once(db_path: Path, as_of: dt.date = AS_OF, policy: Path | None = None) -> str:
    """Open the app, let it score the estate (which keeps the snapshot), and close it;
    returns what the overview showed."""
    app = make_app(db_path, policy, as_of=as_of)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        return _text(app.screen.query_one("#overview-body", Static))


def _other_policy(folder: Path) -> Path:
    """A policy other than the default: a ranking kept under it is out of date under the
    default, and is scored afresh (a new date or an import is brought into it instead)."""
    path = folder / "policy.toml"
    path.write_text("[priority.weights]\nlegacy = 9\n", encoding="utf-8")
    return path


def _without_trend(overview: str) -> str:
    """The overview without its trend chart (worked out after the scores)."""
    lines = overview.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Trend"))
    end = lines.index("", start)
    return "\n".join(lines[:start] + lines[end:])


async def test_a_reopened_estate_shows_its_last_ranking_while_it_is_scored(
    demo_db: Path, monkeypatch: Any
) -> None:
    scored_overview = await _open_once(demo_db)
    midway = Midway()
    _held_scoring(midway, monkeypatch)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        async with midway.holding(pilot):
            assert app.data is not None and app.data.scores is None
            shown = _text(app.screen.query_one("#overview-body", Static))
            assert "nothing has changed since" in shown
            note = next(line for line in shown.splitlines() if "As scored on" in line)
            assert "Trend by period: being worked out" in shown  # it follows the scores
            assert _without_trend(shown.replace(note + "\n", "")) == _without_trend(
                scored_overview
            ), "the same figures"
            await pilot.press("r")
            await pilot.pause()
            assert len(_table(app).rows) == len(app.data.rows) > 0
            assert "As scored on" in _status(app)
            await pilot.press("slash", "d", "b", "p", "enter")
            await pilot.pause()
            assert 'search="dbp"' in _status(app)
            searched = len(_table(app).rows)
            await pilot.press("x")
            assert not isinstance(app.screen, ExportDialog), "export waits for the scores"
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DetailScreen)
            # Nothing has changed since the kept ranking: the system is scored alone meanwhile.
            box = app.screen.query_one("#scores", Static)
            await _until(pilot, lambda: "Legacy risk" in _text(box))
            assert "Legacy risk" in _text(box) and app.data.scores is None
            detail = app.screen
            # Nor do the dependencies: the graph is read before the estate is scored.
            await pilot.press("e")
            assert isinstance(app.screen, ExplorerScreen)
            blast = app.screen.query_one("#blast", Static)
            await _until(pilot, lambda: "Reading" not in _text(blast))
            assert "systems depend on it" in _text(blast) and app.data.scores is None
            assert app.screen.query_one(Tree).root.children, "both directions are shown"
            await pilot.press("escape")
            assert app.screen is detail
        await _loaded(pilot)
        assert app.data is not None and app.data.scores is not None
        explanation = _text(app.screen.query_one("#scores", Static))
        assert "Legacy risk" in explanation
        await pilot.press("escape")
        assert isinstance(app.screen, RankingScreen)
        assert len(_table(app).rows) == searched, "the search still applies to fresh scores"
        assert "As scored on" not in _status(app)


async def test_fresh_scores_keep_the_filters_and_the_focus(demo_db: Path, monkeypatch: Any) -> None:
    await _open_once(demo_db)
    midway = Midway()
    _held_scoring(midway, monkeypatch)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        async with midway.holding(pilot):
            await pilot.press("r")
            await pilot.pause()
            app.screen.query_one("#filter-department", Select).value = "DBP"
            await pilot.pause()
            await pilot.press("slash", "p")
            await pilot.pause()
            narrowed = len(_table(app).rows)
        await _loaded(pilot)
        assert app.data is not None and app.data.scores is not None
        assert app.screen.query_one("#filter-department", Select).value == "DBP"
        assert "dept=DBP" in _status(app) and 'search="p"' in _status(app)
        assert len(_table(app).rows) == narrowed
        search = app.screen.query_one("#search", Input)
        assert app.focused is search, "typing carries on where it was"
        await pilot.press("a")
        assert search.value == "pa"


async def test_a_database_busy_with_another_writer_delays_only_the_kept_snapshot(
    demo_db: Path, monkeypatch: Any, tmp_path: Path
) -> None:
    await _open_once(demo_db, policy=_other_policy(tmp_path))

    def kept() -> str:
        with closing(sqlite3.connect(demo_db)) as reader:
            return str(reader.execute("SELECT fingerprint FROM ranking_snapshot").fetchone()[0])

    before = kept()
    monkeypatch.setattr("estate.db.BUSY_TIMEOUT_MS", 5000)
    app = _app(demo_db)
    with closing(sqlite3.connect(demo_db, isolation_level=None)) as other_writer:
        other_writer.execute("BEGIN IMMEDIATE")  # another process in the middle of an import
        async with app.run_test(size=SIZE) as pilot:
            shown = ""
            for _ in range(200):  # up to 10 s
                if app.data and app.data.scores and shown and "As scored on" not in shown:
                    break
                await pilot.pause(0.05)
                shown = _text(app.screen.query_one("#overview-body", Static))
            loading = [w for w in app.workers if w.group == "load" and w.is_running]
            assert loading, "fresh scores and overview shown while the snapshot waits its turn"
            other_writer.execute("ROLLBACK")
            await _loaded(pilot)
    assert kept() != before, "kept once the other writer finished"


async def test_a_snapshot_from_before_a_change_says_so(
    demo_db: Path, monkeypatch: Any, tmp_path: Path
) -> None:
    await _open_once(demo_db, policy=_other_policy(tmp_path))
    midway = Midway()
    _held_scoring(midway, monkeypatch)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        async with midway.holding(pilot):
            shown = _text(app.screen.query_one("#overview-body", Static))
            assert "before a change to the estate, policy or date; scoring afresh" in shown
            await pilot.press("r")
            await pilot.pause()
            assert "before a change to the estate" in _status(app)
            await pilot.press("enter")
            await pilot.pause(0.3)
            assert isinstance(app.screen, DetailScreen)
            waiting = _text(app.screen.query_one("#scores", Static))
            assert "Scoring the estate" in waiting, "an out-of-date ranking gives no place"
            await pilot.press("escape")
        await _loaded(pilot)
        assert "before a change" not in _text(app.screen.query_one("#status", Static))


async def test_a_system_deleted_since_the_kept_ranking_is_said_to_be_gone(
    demo_db: Path, tmp_path: Path, run: Run, monkeypatch: Any
) -> None:
    await _open_once(demo_db, policy=_other_policy(tmp_path))  # kept, and then out of date
    template = tmp_path / "dbp.xlsx"
    assert run("--db", demo_db, "template", template, "--department", "DBP").exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(template)
    gone = book["Systems"]["B2"].value
    for sheet in book.worksheets:  # the system and every row about it
        for row in range(sheet.max_row, 1, -1):
            if sheet.title != "Return" and gone in (c.value for c in sheet[row]):
                sheet.delete_rows(row)
    book.save(template)
    replaced = run("--db", demo_db, "import", template, "--replace", "--quiet")
    assert replaced.exit_code == 0, replaced.output
    midway = Midway()
    _held_scoring(midway, monkeypatch)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        async with midway.holding(pilot):
            await pilot.press("r", "slash", *gone.lower(), "enter")
            await pilot.pause()
            assert len(_table(app).rows) == 1, "the kept ranking still lists it"
            await pilot.press("w")
            assert isinstance(app.screen, WavesScreen) and app.screen.selection == []
            await pilot.press("escape", "enter")
            assert isinstance(app.screen, DetailScreen)
            facts = app.screen.query_one("#facts", Static)
            await _until(pilot, lambda: "removed from the estate" in _text(facts))
            now = quarter_of(dt.date.today())  # the import's period, none being given
            assert f"was removed from the estate in {now}; its history is below" in _text(facts)
            await pilot.press("e")
            assert isinstance(app.screen, ExplorerScreen)
            blast = app.screen.query_one("#blast", Static)
            await _until(pilot, lambda: "Reading" not in _text(blast))
            heading = _text(blast)
            assert "no longer in the estate, and" in heading and " on it (" in heading
        await _loaded(pilot)


async def test_an_empty_estate_says_how_to_fill_it(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "empty.db"
    assert run("--db", path, "init").exit_code == 0
    app = _app(path)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        body = _text(app.screen.query_one("#overview-body", Static))
        assert "The estate is empty" in body and "Press i to import" in body
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)


async def test_opens_on_the_overview_with_the_riskiest_systems(demo_db: Path, run: Run) -> None:
    ranking = json.loads(run("--db", demo_db, "rank", "--json", "--as-of", "2026-11-01").stdout)[
        "systems"
    ]
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        assert isinstance(app.screen, OverviewScreen)
        text = _text(app.screen.query_one("#overview-body", Static))
        assert f"{len(ranking)} systems" in text
        assert ranking[0]["key"] in text  # the riskiest red-rated system is named
        assert "Data quality" in text and "Cloud readiness" in text


async def test_ranking_sorts_filters_and_searches(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        assert isinstance(app.screen, RankingScreen)
        table = _table(app)
        total = len(table.rows)
        assert table.current_key == app.scores.systems[0].key  # type: ignore[union-attr]
        await pilot.press("5")  # Priority: descending first
        assert "sorted by Priority descending" in _status(app)
        priorities = [app.data.rows[i].priority for i in table.rows]  # type: ignore[union-attr]
        assert priorities == sorted(priorities, reverse=True)
        await pilot.press("5")
        assert "sorted by Priority ascending" in _status(app)
        await pilot.press("slash", "p", "o", "r", "t")
        await pilot.pause()
        assert 0 < len(table.rows) < total
        assert all("port" in app.data.haystack[i] for i in table.rows)  # type: ignore[union-attr]
        assert 'search="port"' in _status(app)
        select = app.screen.query_one("#filter-department", Select)
        select.value = "DBP"
        await pilot.pause()
        assert {app.data.rows[i].department for i in table.rows} <= {"DBP"}  # type: ignore[union-attr]
        assert "dept=DBP" in _status(app)
        table.focus()
        await pilot.press("delete")  # clearing has its own key; escape steps back
        await pilot.pause()
        assert len(table.rows) == total and "search" not in _status(app)


async def test_clicking_a_heading_sorts_by_it(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        await pilot.click("#column-header", offset=(26, 0))  # the Name column
        assert "sorted by Name ascending" in _status(app)


async def test_open_a_system_follow_a_neighbour_and_come_back(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        first = _table(app).current_key
        await pilot.press("enter")
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.key == first
        explanation = _text(app.screen.query_one("#scores", Static))
        assert "Legacy risk" in explanation and "Cloud readiness" in explanation
        neighbours = app.screen.query_one("#neighbours", OptionList)
        targets = [neighbours.get_option_at_index(i) for i in range(neighbours.option_count)]
        enabled = [o for o in targets if not o.disabled]
        assert enabled, "the top system has neighbours"
        await pilot.press("n")
        neighbours.highlighted = targets.index(enabled[0])
        await pilot.press("enter")
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.key == enabled[0].id
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen) and app.screen.key == first
        await pilot.press("escape")
        assert isinstance(app.screen, RankingScreen)


async def test_dependency_explorer_shows_both_directions_and_blast_radius(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r", "enter")
        await _loaded(pilot)
        key = app.screen.key  # type: ignore[attr-defined]
        await pilot.press("e")
        await _loaded(pilot)
        assert isinstance(app.screen, ExplorerScreen)
        tree = app.screen.query_one(Tree)
        down, up = tree.root.children
        graph = app.scores.graph.graph  # type: ignore[union-attr]
        assert len(down.children) == graph.out_degree(key) and len(up.children) == graph.in_degree(
            key
        )
        assert "systems depend on it" in _text(app.screen.query_one("#blast", Static))
        expandable = next((c for c in up.children if c.allow_expand), None)
        if expandable is not None:
            expandable.expand()
            await pilot.pause()
            assert expandable.children


async def test_waves_of_the_selection(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r", "slash", "d", "b", "p", "enter", "w")
        await _loaded(pilot)
        assert isinstance(app.screen, WavesScreen)
        assert app.screen.query_one("#waves", DataTable).row_count == len(app.screen.selection) > 0


async def test_a_reopened_estate_plans_waves_from_its_kept_ranking(
    demo_db: Path, monkeypatch: Any
) -> None:
    await _open_once(demo_db)
    midway = Midway()
    _held_scoring(midway, monkeypatch)
    app = _app(demo_db)

    def shown() -> list[list[Any]]:
        table = app.screen.query_one("#waves", DataTable)
        return [list(table.get_row_at(i)) for i in range(table.row_count)]

    async with app.run_test(size=SIZE) as pilot:
        async with midway.holding(pilot):
            await pilot.press("r", "slash", "d", "b", "p", "enter", "w")
            assert isinstance(app.screen, WavesScreen)
            await _until(pilot, shown)
            assert app.data is not None and app.data.scores is None
            kept = shown()
            await pilot.press("escape")
        await _loaded(pilot)
        assert app.data is not None and app.data.scores is not None
        await pilot.press("w")
        await _loaded(pilot)
        assert isinstance(app.screen, WavesScreen)
        assert kept == shown() and kept, "the same waves as from the fresh scores"


async def test_a_new_day_takes_the_scores_from_the_kept_ranking_brought_up_to_date(
    demo_db: Path, monkeypatch: Any
) -> None:
    overview_before = await _open_once(demo_db)  # scores the estate and keeps the ranking
    later = AS_OF + dt.timedelta(days=200)  # support ends pass: systems move in the ranking

    def no_scoring(*args: object, **kwargs: object) -> None:
        raise AssertionError("the terminal UI scored the whole estate again")

    monkeypatch.setattr("tui.app.score_estate", no_scoring)
    app = make_app(demo_db, as_of=later)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        assert app.data is not None and app.data.scores is not None
        shown = app.data.scores
        overview_after = _text(app.screen.query_one("#overview-body", Static))
    monkeypatch.undo()
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            fresh = score_estate(connection, load_policy(as_of=later))
            before = score_estate(connection, load_policy(as_of=AS_OF))
    finally:
        engine.dispose()
    assert [score_dict(s) for s in shown.systems] == [score_dict(s) for s in fresh.systems]
    assert [score_dict(s) for s in before.systems] != [score_dict(s) for s in fresh.systems]
    assert _without_trend(overview_after) != _without_trend(overview_before)


async def test_import_a_return_checking_first(demo_db: Path, tmp_path: Path, run: Run) -> None:
    template = tmp_path / "dbp.xlsx"
    assert run("--db", demo_db, "template", template, "--department", "DBP").exit_code == 0
    from openpyxl import load_workbook

    book = load_workbook(template)
    reference = book["Systems"]["B2"].value
    book["Systems"]["C2"] = "Renamed in the UI"
    book.save(template)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("i")
        await pilot.pause()
        assert isinstance(app.screen, ImportDialog)
        app.screen.query_one("#path", Input).value = str(template)
        await pilot.click("#check")
        await _loaded(pilot)
        assert "1 changed" in _text(app.screen.query_one("#report", Static))
        detail = json.loads(run("--db", demo_db, "show", f"DBP/{reference}", "--json").stdout)
        assert detail["name"] != "Renamed in the UI", "a check writes nothing"
        await pilot.click("#import")
        await _loaded(pilot)
        assert not isinstance(app.screen, ImportDialog)
    detail = json.loads(run("--db", demo_db, "show", f"DBP/{reference}", "--json").stdout)
    assert detail["name"] == "Renamed in the UI"


async def test_an_import_says_how_far_it_has_got(
    demo_db: Path, tmp_path: Path, run: Run, monkeypatch: Any
) -> None:
    template = tmp_path / "dbp.xlsx"
    assert run("--db", demo_db, "template", template, "--department", "DBP").exit_code == 0
    midway = Midway()

    def slow_import(engine: Any, path: Path, options: Any, progress: Any) -> Any:
        progress("Checking Systems", 20, 49)
        midway.hold()
        return import_return(engine, path, options, progress)

    monkeypatch.setattr("tui.dialogs.import_return.import_return", slow_import)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("i")
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(template)
        await pilot.click("#check")
        async with midway.holding(pilot):
            shown = _text(app.screen.query_one("#report", Static))
            assert "Checking Systems: 20 of 49 rows..." in shown
        await _loaded(pilot)
        assert "unchanged" in _text(app.screen.query_one("#report", Static))


async def test_export_what_the_table_shows(demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "red.csv"
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("r")
        await pilot.pause()
        app.screen.query_one("#filter-band", Select).value = "Red-rated"
        await pilot.pause()
        shown = [app.data.rows[i].key for i in _table(app).rows]  # type: ignore[union-attr]
        _table(app).focus()
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#format", Select).value = "csv"
        await pilot.pause()
        app.screen.query_one("#path", Input).value = str(out)
        await pilot.click("#export")
        await _loaded(pilot)
    with out.open(encoding="utf-8", newline="") as handle:
        exported = [row["System"] for row in csv.DictReader(handle)]
    assert exported == shown  # the table's order is priority order here


async def test_a_workbook_export_says_which_step_it_is_on(
    demo_db: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    midway = Midway()

    def slow_export(*args: Any, progress: Any = None, **kwargs: Any) -> Any:
        def report(step: str, done: int, total: int) -> None:
            progress(step, done, total)
            if step == "Writing the priority list":
                midway.hold()

        return export_ranking(*args, progress=report, **kwargs)

    monkeypatch.setattr("tui.dialogs.export_ranking.export_ranking", slow_export)
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        app.screen.query_one("#path", Input).value = str(tmp_path / "board.xlsx")
        await pilot.click("#export")
        async with midway.holding(pilot):
            shown = _text(app.screen.query_one("#result", Static))
            assert "Exporting: Writing the priority list..." in shown
        await _loaded(pilot)
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "board.xlsx", read_only=True)
    periods = [r[0] for r in book["Trend"].iter_rows(min_row=2, max_row=5, values_only=True)]
    assert periods == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]  # the estate's trend
    assert "Changes since last period" in book.sheetnames


async def test_help_palette_and_quit(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpDialog)
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"ranking", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RankingScreen)
        await pilot.press("q")
    assert app.return_code == 0


# --- snapshots of the main screens on the sample data ---------------------------------------


class TestSnapshots:
    @staticmethod
    async def _ready(pilot: Pilot[Any]) -> None:
        await _loaded(pilot)

    def test_overview(self, snap_compare: Any, demo_db: Path) -> None:
        assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=self._ready)

    def test_ranking(self, snap_compare: Any, demo_db: Path) -> None:
        async def ranking(pilot: Pilot[Any]) -> None:
            await _loaded(pilot)
            await pilot.press("r")
            await pilot.pause()

        assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=ranking)

    def test_detail(self, snap_compare: Any, demo_db: Path) -> None:
        async def detail(pilot: Pilot[Any]) -> None:
            await _loaded(pilot)
            await pilot.press("r", "enter")
            await _loaded(pilot)

        assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=detail)

    def test_explorer(self, snap_compare: Any, demo_db: Path) -> None:
        async def explorer(pilot: Pilot[Any]) -> None:
            await _loaded(pilot)
            await pilot.press("r", "enter")
            await _loaded(pilot)
            await pilot.press("e")
            await _loaded(pilot)

        assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=explorer)

    def test_portfolio(self, snap_compare: Any, demo_db: Path) -> None:
        async def portfolio(pilot: Pilot[Any]) -> None:
            await _loaded(pilot)
            await pilot.press("p")
            await _loaded(pilot)

        assert snap_compare(_app(demo_db), terminal_size=SIZE, run_before=portfolio)


async def test_the_portfolio_goes_from_a_product_or_release_to_the_systems_that_run_it(
    demo_db: Path,
) -> None:
    from estate import db
    from estate.portfolio import read_portfolio
    from tui.screens.portfolio import PortfolioScreen

    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        expected = read_portfolio(connection, AS_OF)
    engine.dispose()
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("p")
        await _loaded(pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        table = screen.query_one("#portfolio", DataTable)
        rows = sum(1 + len(p.releases) for p in expected.products)
        assert table.row_count == rows
        first = expected.products[0]
        assert str(table.get_row_at(0)[0]) == first.product
        listing = screen.query_one("#portfolio-systems", OptionList)
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == (
            first.systems
        )
        await pilot.press("down")  # the product's first release
        await pilot.pause()
        release = first.releases[0]
        assert [listing.get_option_at_index(i).id for i in range(listing.option_count)] == (
            release.systems
        )
        await pilot.press("enter")  # to the systems that run it
        await pilot.pause()
        assert listing.has_focus and listing.highlighted == 0
        await pilot.press("enter")  # and to the first of them
        await _loaded(pilot)
        assert isinstance(app.screen, DetailScreen) and app.screen.key == release.systems[0]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, PortfolioScreen)


def test_the_overviews_department_table_puts_every_system_in_a_column(demo_db: Path) -> None:
    # A system whose legacy band is not known for want of facts is counted under "Unknown",
    # so each department's columns add up to its systems.
    import re

    from rich.console import Console

    from estate import db
    from estate.ranking.figures import estate_figures
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy
    from tui.screens.overview import overview

    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=AS_OF))
    engine.dispose()
    figures = estate_figures(scores)
    assert any(c.get("Unknown") for c in figures.bands_by_department.values())
    console = Console(width=200, record=True)
    console.print(overview(figures))
    text = console.export_text()
    assert re.search(r"Dept\s*┃\s*Systems.*Low\s*┃\s*Unknown", text)
    rows = re.findall(r"^│\s*([A-Z]{3})\s*│([\d,\s│]+)│?$", text, re.MULTILINE)
    assert rows
    for _department, cells in rows:
        count, *bands = (int(c.replace(",", "")) for c in cells.split("│") if c.strip())
        assert count == sum(bands), (_department, cells)


def test_the_overview_counts_one_department_in_the_singular(demo_db: Path) -> None:
    """An estate of one department's returns (a single RVTools export, say) is "in 1
    department", not "1 departments"."""
    import dataclasses

    from rich.console import Console

    from estate import db
    from estate.ranking.figures import estate_figures
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy
    from tui.screens.overview import overview

    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=AS_OF))
    engine.dispose()
    one = [s for s in scores.systems if s.department == "DBP"]
    console = Console(width=200, record=True)
    console.print(overview(estate_figures(dataclasses.replace(scores, systems=one))))
    text = " ".join(console.export_text().split())
    assert f"{len(one)} systems in 1 department ·" in text
