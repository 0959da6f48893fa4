"""The estate terminal app: loads and scores the estate in a worker, then offers the overview,
the ranking, system details, the dependency explorer, waves, import and export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

from rich.console import RenderableType
from sqlalchemy.engine import Engine
from textual import work
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from estate import db
from estate.errors import NotFound
from estate.graph import EstateGraph
from estate.history.from_ranking import ranked_outcomes
from estate.history.trend import estate_trend
from estate.ranking.figures import estate_figures
from estate.ranking.kept_scores import kept_scores
from estate.ranking.snapshot import (
    Snapshot,
    current_basis,
    fingerprint,
    keep_snapshot,
    kept_systems,
    load_snapshot,
)
from estate.ranking.update import update_kept_ranking
from estate.scoring import EstateScores, score_estate
from estate.scoring.policy import load_policy
from estate.sustainability.render import carbon_line
from estate.sustainability.stored import stored_totals
from tui.commands import EstateCommands, SystemCommands
from tui.data import RankedData, department_names
from tui.screens.overview import OverviewScreen, overview
from tui.screens.ranking import RankingScreen
from tui.screens.waves import WavesScreen
from tui.widgets.trend_chart import trend_chart


class EstateApp(App[None]):
    """Browse, rank, explain and explore the estate."""

    TITLE = "estate"
    SUB_TITLE = "legacy technology: what to fix first"
    CSS_PATH = "app.tcss"
    COMMANDS = App.COMMANDS | {EstateCommands, SystemCommands}
    data: reactive[RankedData | None] = reactive(None)
    """The scored estate; screens watch it and redraw when a load finishes."""
    graph: reactive[EstateGraph | None] = reactive(None, always_update=True)
    """The dependency graph, read before the estate is scored; the dependency explorer and
    the waves need only this. (Set whatever it was: comparing two graphs would take seconds.)"""
    overview_body: reactive[RenderableType | None] = reactive(None)
    """The overview's summary of the scored estate, which follows the data by a moment."""
    loading_status: reactive[str] = reactive("Reading the estate...")
    """How far the load has got, for screens to show until the data arrives."""
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    """Screens lay themselves out for terminals narrower than 120 columns (80 x 24 is
    common, and usual over SSH) and for wider ones."""
    BINDINGS = [  # the footer shows only what fits 80 columns; help (?) lists every key
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("g", "go_to_system", "Go to", show=False),
        Binding("o", "overview", "Overview", show=False),
        Binding("r", "ranking", "Ranking", show=False),
        Binding("i", "import_return", "Import", show=False),
        Binding("x", "export", "Export", show=False),
        Binding("f5", "refresh", "Refresh", show=False),
        Binding("p", "portfolio", "Portfolio", show=False),
        Binding("c", "changes", "Changes", show=False),
        Binding("escape,backspace", "go_back", "Back", show=False),
    ]
    MAX_PLACES = 20
    """How many screens the way back remembers; older ones are forgotten (never the overview
    or the ranking, which keep their state for the whole session)."""
    WATCH_SECONDS = 3.0
    """How often the app looks whether another process has changed the estate: a stat of the
    database files, and only when they changed, the fingerprint's few aggregate queries."""

    def __init__(
        self, db_path: str | Path, policy_path: Path | None = None, as_of: dt.date | None = None
    ) -> None:
        super().__init__()
        self.db_path = str(db_path)
        self.policy = load_policy(policy_path, as_of=as_of)
        self.loaded_fingerprint: str | None = None
        """The fingerprint of what the screens show (None until a load has read it)."""
        self._files_seen: tuple[tuple[int, int], ...] | None = None
        self._announced: str | None = None
        self.overview_screen = OverviewScreen()
        self.ranking_screen = RankingScreen()
        self.places: list[Screen[Any]] = []
        """Where the user has been, like a browser's history: the screen shown last, each
        screen once (going to one again brings it forward); `escape` steps back."""
        self._named = 0

    @property
    def scores(self) -> EstateScores | None:
        """The scored estate, once loaded."""
        return self.data.scores if self.data else None

    def on_mount(self) -> None:
        self.install_screen(self.overview_screen, "overview")
        self.install_screen(self.ranking_screen, "ranking")
        self.go(self.overview_screen)
        self.load(from_snapshot=True)
        self.set_interval(self.WATCH_SECONDS, self.watch_estate)

    def _file_state(self) -> tuple[tuple[int, int], ...]:
        """Modification time and size of the database and its write-ahead log: a change in
        them is the cheap sign that someone may have written to the estate."""
        state = []
        for suffix in ("", "-wal"):
            try:
                info = Path(f"{self.db_path}{suffix}").stat()
            except OSError:
                state.append((0, 0))
                continue
            state.append((info.st_mtime_ns, info.st_size))
        return tuple(state)

    def watch_estate(self) -> None:
        """Notice another process's import: when the database files have changed since last
        looked at, compare the estate's fingerprint with the one the screens were loaded from
        (in a worker; a few aggregate queries)."""
        if "://" in self.db_path or self.loaded_fingerprint is None:
            return
        state = self._file_state()
        if state == self._files_seen:
            return
        self._files_seen = state
        self.compare_fingerprint()

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def compare_fingerprint(self) -> None:
        """Post `EstateChanged` when the stored estate is no longer what the screens show."""
        engine = db.open_engine(self.db_path)
        try:
            with engine.connect() as connection:
                current = fingerprint(connection, self.policy)
        finally:
            engine.dispose()
        if self.loaded_fingerprint is not None and current != self.loaded_fingerprint:
            self.post_message(self.EstateChanged(current))

    class EstateChanged(Message):
        """Another process has changed the estate since the screens were loaded."""

        def __init__(self, fingerprint: str) -> None:
            super().__init__()
            self.fingerprint = fingerprint

    def on_estate_app_estate_changed(self, message: EstateChanged) -> None:
        if message.fingerprint == self._announced:
            return
        self._announced = message.fingerprint
        self.notify(
            "The estate has changed since it was loaded (another import). Press F5 to refresh.",
            title="Estate changed",
            timeout=30,
        )

    def action_refresh(self) -> None:
        """Read and score the estate afresh, as it is stored now."""
        self.load()

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load(self, from_snapshot: bool = False) -> None:
        """Read and score the whole estate off the event loop, saying how far it has got.

        The kept ranking is first brought up to date (a new day or an import rescores only
        what moved); while it is then fresh, it ranks the estate and only each system's
        explanation is worked out (`kept_scores`). Else the whole estate is scored.

        With `from_snapshot`, the last ranking stored with the estate is shown first, so the
        screens fill at once while the explanations are worked out. The ranking gets the
        scores as soon as they are ready, the overview a moment later; scores worked out afresh
        are then kept as the snapshot for the next start (which may wait for another writer to
        finish)."""
        worker = get_current_worker()

        def report(stage: str, done: int, total: int) -> None:
            # post_message is thread-safe and does not wait for the event loop, as
            # call_from_thread would: scoring carries straight on.
            if not worker.is_cancelled:
                text = f"{stage}: {done:,} of {total:,}" if total > 1 else f"{stage}..."
                self.post_message(self.LoadProgress(text))

        def graph_read(graph: EstateGraph) -> None:
            if not worker.is_cancelled:
                self.post_message(self.GraphRead(graph))

        engine = db.open_engine(self.db_path)
        try:
            update_kept_ranking(engine, self.policy)  # a new day or an import: only what moved
            with engine.connect() as connection:
                basis = current_basis(connection, self.policy)
                current = basis.fingerprint
                self.loaded_fingerprint = current
                snapshot = load_snapshot(connection)
                if from_snapshot and snapshot is not None:
                    early = RankedData.from_snapshot(snapshot, current)
                    early.department_names = department_names(connection)
                    self.post_message(self.Scored(early))
                    early_body = overview(snapshot.figures, early.note, trend_chart(None))
                    self.post_message(self.Summarised(early_body))  # at once; then with carbon
                found = stored_totals(connection, self.policy.as_of.year)  # the stored rows
                carbon = carbon_line(found.total, found.grid_year)
                if from_snapshot and snapshot is not None:
                    early_body = overview(
                        snapshot.figures, early.note, trend_chart(None), carbon=carbon
                    )
                    self.post_message(self.Summarised(early_body))
                # The kept ranking brought up to date ranks the estate: only the
                # explanations are worked out; else the estate is scored and then kept.
                kept = (
                    kept_scores(connection, self.policy, report, graph_read)
                    if snapshot is not None and snapshot.fingerprint == current
                    else None
                )
                scores = kept or score_estate(connection, self.policy, report, graph_read)
            data = RankedData.from_scores(scores)
            self.post_message(self.Scored(data))
            report("Summarising the estate", 0, 1)
            if kept is not None and snapshot is not None:
                figures = snapshot.figures
            else:
                figures = estate_figures(scores)
            self.post_message(
                self.Summarised(overview(figures, trend=trend_chart(None), carbon=carbon))
            )
            if kept is None:
                now = dt.datetime.now(dt.UTC)
                fresh = Snapshot(
                    data.rows, figures, current, now, kept_systems(scores, data.rows), basis
                )
                keep_snapshot(engine, fresh, snapshot.fingerprint if snapshot else None)
            data.finder  # noqa: B018  the palette's system index, ready before it is opened
            scores.graph.graph  # noqa: B018  networkx's, built here for the screens that walk it
            trend = self._trend(engine)
            if not worker.is_cancelled:
                self.post_message(self.Summarised(overview(figures, trend=trend, carbon=carbon)))
        finally:
            engine.dispose()

    def _trend(self, engine: Engine) -> RenderableType | None:
        """The overview's trend chart, each period scored as at its end (kept figures are
        read back); None for an estate with no returns yet."""
        try:
            return trend_chart(estate_trend(engine, self.policy, ranked=ranked_outcomes))
        except NotFound:
            return None

    class GraphRead(Message):
        """The estate's dependency graph, from the loading worker before the scores."""

        def __init__(self, graph: EstateGraph) -> None:
            super().__init__()
            self.graph = graph

    def on_estate_app_graph_read(self, message: GraphRead) -> None:
        self.graph = message.graph

    class Scored(Message):
        """The scored estate, ready for the screens, from the loading worker."""

        def __init__(self, data: RankedData) -> None:
            super().__init__()
            self.data = data

    def on_estate_app_scored(self, message: Scored) -> None:
        self.data = message.data

    class Summarised(Message):
        """The overview, of the kept snapshot or of fresh scores, from the loading worker."""

        def __init__(self, body: RenderableType) -> None:
            super().__init__()
            self.body = body

    def on_estate_app_summarised(self, message: Summarised) -> None:
        self.overview_body = message.body

    class LoadProgress(Message):
        """How far loading the estate has got, from the loading worker."""

        def __init__(self, status: str) -> None:
            super().__init__()
            self.status = status

    def on_estate_app_load_progress(self, message: LoadProgress) -> None:
        self.loading_status = message.status

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "load" and event.state is WorkerState.ERROR:
            self.notify(
                str(event.worker.error),
                title="Cannot load the estate",
                severity="error",
                timeout=30,
            )

    def action_help(self) -> None:
        from tui.dialogs.help import HelpDialog

        self.push_screen(HelpDialog())

    def action_import_return(self) -> None:
        from tui.dialogs.import_return import ImportDialog

        def after(stored: bool | None) -> None:
            if stored:
                self.load()

        self.push_screen(ImportDialog(), after)

    def action_export(self) -> None:
        from tui.dialogs.export_ranking import ExportDialog

        if self.data is None or self.data.scores is None:
            self.notify("The estate is still being scored; export in a moment.")
            return
        screen = self.screen
        departments: list[str] = []
        if isinstance(screen, RankingScreen) and screen.data is not None:
            selection, description = screen.selection(), screen.filters.describe()
            departments = [screen.filters.department] if screen.filters.department else []
        else:
            selection, description = list(self.data.scores.systems), "all systems"
        self.push_screen(ExportDialog(selection, description, departments))

    def go(self, place: Screen[Any]) -> Awaitable[Any]:
        """Show `place` and remember it as where the user is now: a screen already visited
        is brought forward as it was left (filters, cursor and all), not opened again.
        Awaiting the result waits until it is mounted."""
        if place in self.places:
            self.places.remove(place)
        elif not self.is_screen_installed(place):
            self._named += 1
            self.install_screen(place, f"place-{self._named}")
        self.places.append(place)
        while len(self.places) > self.MAX_PLACES:
            old = next(p for p in self.places if p not in self._kept())
            self.places.remove(old)
            self._forget(old)
        return self._show(place)

    def revisit(
        self, kind: type[Screen[Any]], make: Callable[[], Screen[Any]], **same: Any
    ) -> None:
        """Go to the screen of `kind` visited before whose attributes equal `same` (a
        system's key), or to a new one `make` builds."""
        for place in reversed(self.places):
            if isinstance(place, kind) and all(getattr(place, k) == v for k, v in same.items()):
                self.go(place)
                return
        self.go(make())

    def _kept(self) -> tuple[Screen[Any], ...]:
        return (self.overview_screen, self.ranking_screen)

    def _show(self, place: Screen[Any]) -> Awaitable[Any]:
        """Make `place` the screen shown, closing any dialog or palette over the last one."""
        while len(self.screen_stack) > 2:
            self.pop_screen()
        if self.screen is place:
            return AwaitComplete()
        if len(self.screen_stack) < 2:
            return self.push_screen(place)
        return self.switch_screen(place)

    def _forget(self, place: Screen[Any]) -> None:
        """Let a screen no longer on the way back be removed (unless it is one kept for the
        session); Textual removes it once it is off the screen stack."""
        if place in self._kept():
            return
        self.uninstall_screen(place)
        if place not in self.screen_stack:
            place.remove()

    def action_go_back(self) -> None:
        """Step back to the screen shown before this one, as it was left."""
        if len(self.places) < 2:
            self.notify("This is where you started: q quits.", timeout=3)
            return
        left = self.places.pop()
        self._show(self.places[-1])
        self._forget(left)

    def action_overview(self) -> None:
        """The estate at a glance, from anywhere."""
        self.go(self.overview_screen)

    def action_ranking(self) -> None:
        """The ranking, from anywhere, with the filters it was left with."""
        self.go(self.ranking_screen)

    def action_changes(self) -> None:
        """What moved since the period before the latest (`s` on the screen looks further)."""
        from tui.screens.changes import ChangesScreen

        self.revisit(ChangesScreen, ChangesScreen)

    def action_portfolio(self) -> None:
        """The technology portfolio, as it was left if it was open before."""
        from tui.screens.portfolio import PortfolioScreen

        self.revisit(PortfolioScreen, PortfolioScreen)

    def action_go_to_system(self) -> None:
        """The command palette offering systems alone: type part of a key or name."""
        if not isinstance(self.screen, CommandPalette):
            self.push_screen(
                CommandPalette(
                    providers=[SystemCommands], placeholder="Go to system: its key or name…"
                )
            )

    def open_system(self, key: str) -> None:
        """Open a system's explanation (as it was left, if it was opened before); escape
        comes back."""
        from tui.screens.detail import DetailScreen

        self.revisit(DetailScreen, lambda: DetailScreen(key), key=key)

    def open_explorer(self, key: str) -> None:
        """Open the dependency explorer of a system."""
        from tui.screens.explorer import ExplorerScreen

        self.revisit(ExplorerScreen, lambda: ExplorerScreen(key), key=key)

    def open_waves(self, waves: Screen[Any]) -> None:
        """Show freshly planned waves in place of any shown before."""
        for old in [p for p in self.places if isinstance(p, WavesScreen)]:
            self.places.remove(old)
            self._forget(old)
        self.go(waves)

    async def filter_ranking(self, field: str, value: str) -> None:
        """Show the ranking narrowed to one value of a filter (department, band)."""
        await self.go(self.ranking_screen)
        self.ranking_screen.narrow(field, value)

    async def action_clear_filters(self) -> None:
        await self.go(self.ranking_screen)
        self.ranking_screen.action_clear()

    async def action_waves(self) -> None:
        """The waves of the systems the ranking shows, from any screen."""
        if isinstance(self.screen, WavesScreen):
            return
        if not self.ranking_screen.is_mounted:  # never opened: its table holds every system
            await self.go(self.ranking_screen)
        self.ranking_screen.action_waves()

    def action_explore(self) -> None:
        """The dependency explorer of the system shown or under the ranking's cursor."""
        from tui.screens.detail import DetailScreen
        from tui.screens.explorer import ExplorerScreen

        screen = self.screen
        if isinstance(screen, DetailScreen):
            screen.action_explore()
        elif isinstance(screen, RankingScreen) and screen.current_key() is not None:
            self.open_explorer(cast(str, screen.current_key()))
        elif not isinstance(screen, ExplorerScreen):
            self.notify("Open a system first (g finds one); its dependencies follow.")

    def action_toggle_dark(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"


def make_app(
    db_path: str | Path, policy_path: Path | None = None, as_of: dt.date | None = None
) -> EstateApp:
    """The app factory the CLI and the tests share; refuses a database it cannot open."""
    db.open_engine(db_path).dispose()
    return EstateApp(db_path, policy_path, as_of)
