"""The ranked systems: sort by any column, filter by department, band, readiness and hosting,
and search as you type; the filter state is always shown."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, LoadingIndicator, Select, Static

from estate.scoring.results import SystemScore
from tui.data import ALL, COLUMNS, Filters, RankedData
from tui.widgets.ranked_table import Layout, RankedTable, header_text

FILTER_FIELDS = ("department", "band", "readiness", "hosting")
PROMPTS = {"department": "Dept", "band": "Band", "readiness": "Cloud", "hosting": "Hosting"}
SORT_KEYS = "1234567890-"
"""The keys that sort by each column, in the columns' order (`minus` is the last)."""


class ColumnHeader(Static):
    """The headings of the columns the table shows; clicking one sorts by it."""

    columns: Layout = []

    def show(self, layout: Layout, sort: str, descending: bool) -> None:
        """Head these columns, marking the one sorted by."""
        self.columns = layout
        self.update(header_text(layout, sort, descending))

    def on_click(self, event: events.Click) -> None:
        x, start = event.x, 0
        for index, width in self.columns:
            if start <= x < start + width + 1:
                self.screen.sort_by(COLUMNS[index].title)  # type: ignore[attr-defined]
                return
            start += width + 1


class RankingScreen(Screen[None]):
    """Every system in priority order (or any other), narrowed as the user types."""

    BINDINGS = [
        Binding("slash", "focus_search", "Search"),
        *(
            Binding("minus" if key == "-" else key, f"sort({i})", COLUMNS[i].title, show=False)
            for i, key in enumerate(SORT_KEYS)
        ),
        Binding("delete", "clear", "Clear filters"),
        Binding("w", "waves", "Waves"),
        Binding("escape", "app.go_back", "Back"),
        Binding("o", "app.overview", "Overview", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filters = Filters()
        self.data: RankedData | None = None
        self.progress = ""

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="filters"):
            yield Input(placeholder="Search systems, names, owners  ( / )", id="search")
            for field in FILTER_FIELDS:
                yield Select[str]([], prompt=PROMPTS[field], id=f"filter-{field}", allow_blank=True)
        yield Static("", id="status")
        yield ColumnHeader(id="column-header")
        yield LoadingIndicator(id="loading")
        yield RankedTable(id="ranked")
        yield Footer()

    def on_mount(self) -> None:
        self.watch(self.app, "loading_status", self.show_progress, init=True)
        self.watch(self.app, "data", self.show, init=True)

    def show_progress(self, status: str) -> None:
        """Say how far the load has got, until the fresh scores arrive."""
        self.progress = status
        if self.data is None:
            self.query_one("#status", Static).update(status)
        elif self.data.scores is None:
            self.show_status()

    def show(self, data: RankedData | None) -> None:
        """Use freshly loaded data, keeping the filters the user has set and where the focus
        is (fresh scores replace kept ones while the user may be typing)."""
        if data is None:
            return
        first = self.data is None
        self.data = data
        self.query_one("#loading").display = False
        for field in FILTER_FIELDS:
            select = self.query_one(f"#filter-{field}", Select)
            choices = data.choices(field)
            chosen = getattr(self.filters, field)
            with select.prevent(Select.Changed):
                select.set_options((data.label(field, value), value) for value in choices)
                if chosen in choices:
                    select.value = chosen
            if chosen and chosen not in choices:  # gone from the estate: stop filtering on it
                cleared: dict[str, Any] = {field: ALL}
                self.filters = replace(self.filters, **cleared)
        self.refilter()
        if first:
            self.query_one(RankedTable).focus()

    def refilter(self) -> None:
        """Apply the current filters: one pass over prepared rows, no table rebuild."""
        if self.data is None:
            return
        rows = self.data.apply(self.filters)
        table = self.query_one(RankedTable)
        table.show(self.data, rows)
        self.show_heading(table.shown)
        self.show_status()

    def show_heading(self, layout: Layout) -> None:
        """Head the columns the table shows, the sorted one marked."""
        header = self.query_one(ColumnHeader)
        header.show(layout, self.filters.sort, self.filters.descending)

    @on(RankedTable.LaidOut)
    def laid_out(self, event: RankedTable.LaidOut) -> None:
        self.show_heading(event.layout)

    def show_status(self) -> None:
        """How many systems are shown, how they are filtered and sorted, and, while the
        rows come from the last session's snapshot, that fresh scores are on their way."""
        if self.data is None:
            return
        shown, total = len(self.query_one(RankedTable).rows), len(self.data.rows)
        status = f"Showing {shown:,} of {total:,} · {self.filters.describe()}"
        if self.data.scores is None:
            status += f"\n{self.data.note}" + (f" ({self.progress})" if self.progress else "")
        self.query_one("#status", Static).update(status)

    @on(Input.Changed, "#search")
    def search(self, event: Input.Changed) -> None:
        self.filters = replace(self.filters, text=event.value)
        self.refilter()

    @on(Input.Submitted, "#search")
    def done_searching(self) -> None:
        self.query_one(RankedTable).focus()

    @on(Select.Changed)
    def filter_changed(self, event: Select.Changed) -> None:
        field = (event.select.id or "").removeprefix("filter-")
        if field in FILTER_FIELDS:
            value: Any = event.value
            changes: dict[str, Any] = {field: ALL if value is Select.NULL else str(value)}
            self.filters = replace(self.filters, **changes)
            self.refilter()

    def sort_by(self, title: str) -> None:
        """Sort by a column; again to reverse."""
        self.filters = self.filters.sorted_by(title)
        self.refilter()

    def action_sort(self, index: int) -> None:
        self.sort_by(COLUMNS[index].title)

    def action_focus_search(self) -> None:
        self.query_one("#search", Input).focus()

    def narrow(self, field: str, value: str) -> None:
        """Show only the systems whose `field` (a filter: department, band, ...) is `value`;
        the filter's drop-down shows it too."""
        select = self.query_one(f"#filter-{field}", Select)
        with select.prevent(Select.Changed):
            select.value = value
        changes: dict[str, Any] = {field: value}
        self.filters = replace(self.filters, **changes)
        self.refilter()
        self.query_one(RankedTable).focus()

    def current_key(self) -> str | None:
        """The system under the table's cursor, if any."""
        return self.query_one(RankedTable).current_key

    def action_clear(self) -> None:
        self.filters = Filters()
        self.query_one("#search", Input).value = ""
        for field in FILTER_FIELDS:
            self.query_one(f"#filter-{field}", Select).clear()
        self.refilter()
        self.query_one(RankedTable).focus()

    def selection(self) -> list[SystemScore]:
        """The scored systems the table shows now, in its order (none until scored)."""
        if self.data is None:
            return []
        return self.data.scored(self.query_one(RankedTable).rows)

    def action_waves(self) -> None:
        from tui.screens.waves import WavesScreen

        graph = self.app.graph  # type: ignore[attr-defined]
        if self.data is None or graph is None:
            waiting = "scored" if self.data is None else "read"
            self.notify(f"The estate is still being {waiting}; the waves follow in a moment.")
            return
        shown = [self.data.rows[i] for i in self.query_one(RankedTable).rows]
        waves = WavesScreen(shown, graph, self.filters.describe())
        self.app.open_waves(waves)  # type: ignore[attr-defined]

    @on(RankedTable.Opened)
    def open_system(self, event: RankedTable.Opened) -> None:

        self.app.open_system(event.key)  # type: ignore[attr-defined]
