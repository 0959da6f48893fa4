"""What moved since an earlier reporting period: new and removed systems, band moves and the
criteria that moved them, components upgraded or gone out of support, plans funded,
dependencies added or removed (`estate changes`, on screen). `s` looks further back."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, LoadingIndicator, Static

from estate import db
from estate.errors import EstateError
from estate.history.changes import (
    ChangeKind,
    ChangeLine,
    EstateChanges,
    estate_changes,
    grouped,
)
from estate.history.stored import stored_periods
from estate.words import counted
from tui.widgets.trend_chart import SCORED_NOTE

CONSOLE = Console(width=200)
"""For measuring how text wraps, never printed to."""
KIND_STYLE = {
    ChangeKind.NEW_SYSTEM: "cyan",
    ChangeKind.REMOVED_SYSTEM: "dim",
    ChangeKind.OUT_OF_SUPPORT: "red",
    ChangeKind.ENTERED_EXTENDED: "dark_orange",
    ChangeKind.RETIRED: "dim",
    ChangeKind.PLAN_FUNDED: "green",
    ChangeKind.COMPONENT_UPGRADED: "green",
}


SCROLLBAR = 2
PADDING = 1
"""A table cell's padding either side."""
NAME_AT_LEAST = 10
"""The narrowest the name column is shown; narrower, it is left out (the key names it)."""


def _after(change: Any) -> str:
    after: str = change.after
    return f"{after} ({', '.join(change.criteria)})" if change.criteria else after


def _system(line: ChangeLine) -> str:
    """The System cell: the key of the one system a line is about, else how many it covers
    (they are named in the Name column)."""
    return line.keys[0] if line.count == 1 else counted(line.count, "system")


def _name(line: ChangeLine) -> str:
    """The Name cell: the system's name, or the department and systems of a grouped line."""
    change = line.change
    if line.count == 1:
        return change.name
    return f"{change.name} ({change.department}): {line.systems(3)}"


def _lines(text: str, width: int) -> int:
    """How many lines `text` takes wrapped at its spaces in `width` columns."""
    return max(1, len(Text(text).wrap(CONSOLE, width)))


class ChangesScreen(Screen[None]):
    """The changes from the end of one period to the latest, one row each."""

    BINDINGS = [
        Binding("escape,backspace", "app.go_back", "Back"),
        Binding("s", "earlier", "Since earlier"),
    ]

    def __init__(self, since: str | None = None) -> None:
        super().__init__()
        self.since = since
        """The period the changes are counted from (None: the one before the latest)."""
        self.periods: list[str] = []
        self.keys: list[str] = []
        self.found: EstateChanges | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="changes-title")
        yield LoadingIndicator(id="loading")
        yield DataTable(id="changes", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = "changes since a period"
        self.load()

    @work(thread=True, exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Compare the two periods in a worker: each is scored as at its own end (the latest
        taken from the app's scores when they are as at that day)."""
        engine = db.open_engine(self.app.db_path)  # type: ignore[attr-defined]
        try:
            with engine.connect() as connection:
                periods = stored_periods(connection)
            try:
                # The app's scores (from the kept ranking) stand for the latest period when
                # it is scored as at the same day, so only the earlier one is scored.
                data = self.app.data  # type: ignore[attr-defined]
                scored = data.scores if data is not None else None
                found = estate_changes(
                    engine,
                    self.app.policy,  # type: ignore[attr-defined]
                    since=self.since,
                    scored=scored,
                )
            except EstateError as exc:
                self.app.call_from_thread(self.show_error, periods, str(exc))
                return
            self.app.call_from_thread(self.show, periods, found)
        finally:
            engine.dispose()

    def _shown(self, periods: list[str]) -> None:
        self.periods = periods
        self.query_one("#loading").display = False

    def show_error(self, periods: list[str], message: str) -> None:
        """Say why there is nothing to compare (one period only, say)."""
        self._shown(periods)
        self.query_one("#changes-title", Static).update(Text(message, style="yellow"))

    def show(self, periods: list[str], found: EstateChanges) -> None:
        """List the changes, the commonest kinds counted in the title."""
        self._shown(periods)
        self.since = found.since
        counts = ", ".join(f"{kind}: {n:,}" for kind, n in found.counts().items() if n)
        title = Text.assemble(
            (f"Since {found.since}", "bold"),
            f" (to {found.until}): {counted(len(found.changes), 'change')}",
            f" · {counts}" if counts else "",
        )
        title.append(f"\n{SCORED_NOTE} ", style="dim")
        title.append("s: since an earlier period · enter: open the system", style="dim")
        self.query_one("#changes-title", Static).update(title)
        self.found = found
        self.lay_out()
        self.query_one("#changes", DataTable).focus()

    def on_resize(self) -> None:
        if self.is_mounted and self.found is not None:
            self.lay_out()

    def lay_out(self) -> None:
        """Fill the table to fit the screen's width: the key whole, the kind of change whole
        (wrapped at its spaces where a value's longest word needs the room),
        what it was and is now wrapped over as many lines as they need (versions and dates
        whole), the name last, cut short or left out when there is no room for it."""
        found = self.found
        if found is None:
            return
        table = self.query_one("#changes", DataTable)
        row = table.cursor_row
        table.clear(columns=True)
        lines = grouped(found.changes)
        changes = [line.change for line in lines]
        kinds = [c.kind.value for c in changes]
        kind = max((len(k) for k in kinds), default=6)
        key = max((len(_system(line)) for line in lines), default=6)
        width = max(self.size.width, 40) - SCROLLBAR - 2 * PADDING * 5 - key
        values = [(c.before, _after(c)) for c in changes]
        natural = max((len(v) for pair in values for v in pair), default=3)
        longest = max((len(w) for pair in values for v in pair for w in v.split()), default=3)
        if (width - kind) // 2 < max(longest, 12):  # the kind wraps, so no value's word is cut
            kind = max((len(w) for k in kinds for w in k.split()), default=6)
        room = width - kind
        side = max(min(natural, room // 2), 12)
        name = room - 2 * side
        widths = {"Change": kind, "System": key, "Was": side, "Now": side}
        if name >= NAME_AT_LEAST:
            widths["Name"] = name
        for heading, width in widths.items():
            table.add_column(heading, key=heading, width=width)
        self.keys = []
        for line, (before, after) in zip(lines, values, strict=True):
            change = line.change
            cells = [
                Text(change.kind.value, style=KIND_STYLE.get(change.kind, "")),
                Text(_system(line)),
                Text(before),
                Text(after),
            ]
            if "Name" in widths:
                cells.append(Text(_name(line), no_wrap=True, overflow="ellipsis"))
            height = max(_lines(before, side), _lines(after, side), _lines(change.kind.value, kind))
            table.add_row(*cells, height=height)
            self.keys.append(line.keys[0])
        if lines:
            table.move_cursor(row=min(row, len(lines) - 1))

    def action_earlier(self) -> None:
        """Count the changes from the period before the one shown (round to the latest but
        one after the first)."""
        if len(self.periods) < 2 or self.since is None:
            return
        place = self.periods.index(self.since) if self.since in self.periods else 0
        self.since = self.periods[place - 1] if place > 0 else self.periods[-2]
        self.query_one("#loading").display = True
        self.load()

    @on(DataTable.RowSelected, "#changes")
    def open_system(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self.keys):
            self.app.open_system(self.keys[event.cursor_row])  # type: ignore[attr-defined]
