"""A table that draws only the rows on screen, over a list of row indices: replacing that list
(filtering, sorting) costs nothing, whatever the estate's size."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from estate.render.system import BAND_STYLE
from tui.data import COLUMNS, RankedData, fit_columns

BAND_STYLES = {band: Style.parse(style) for band, style in BAND_STYLE.items()}
BAND_COLUMN = [c.title for c in COLUMNS].index("Band")

Layout = list[tuple[int, int]]
"""(column index, width) of each column shown, as `fit_columns` chooses them."""


def header_text(layout: Layout, sort: str = "", descending: bool = False) -> str:
    """The headings of the columns shown, aligned with the rows, an arrow on the sorted one."""
    cells = []
    for index, width in layout:
        column = COLUMNS[index]
        title = column.title + (("▼" if descending else "▲") if column.title == sort else "")
        cells.append(title.rjust(width) if column.right else title.ljust(width))
    return " ".join(cells)


class RankedTable(ScrollView, can_focus=True):
    """The ranked systems, one line each, with a cursor."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move(-20)", "Page up", show=False),
        Binding("pagedown", "move(20)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "open", "Open system", show=False),
    ]
    DEFAULT_CSS = """
    RankedTable { height: 1fr; }
    RankedTable > .ranked-table--cursor { background: $accent 40%; }
    """
    COMPONENT_CLASSES = {"ranked-table--cursor"}

    cursor = reactive(0)

    class LaidOut(Message):
        """The table has chosen which columns to show for its width."""

        def __init__(self, layout: Layout) -> None:
            super().__init__()
            self.layout = layout

    class Opened(Message):
        """The user asked to open the system under the cursor."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: RankedData | None = None
        self.rows: list[int] = []
        self.shown: Layout = fit_columns(0)

    def on_resize(self) -> None:
        """Choose the columns that fit the new width, and say so for the headings."""
        layout = fit_columns(self.scrollable_content_region.width)
        if layout != self.shown:
            self.shown = layout
            self.virtual_size = Size(sum(w + 1 for _, w in layout), len(self.rows))
            self.refresh()
        self.post_message(self.LaidOut(layout))

    def show(self, data: RankedData, rows: list[int]) -> None:
        """Display these rows of `data`, keeping the cursor in range."""
        self.data, self.rows = data, rows
        self.virtual_size = Size(sum(w + 1 for _, w in self.shown), len(rows))
        self.cursor = min(self.cursor, max(len(rows) - 1, 0))
        self.refresh()

    @property
    def current_key(self) -> str | None:
        """The key of the system under the cursor."""
        if self.data is None or not self.rows:
            return None
        return self.data.rows[self.rows[self.cursor]].key

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        base = self.rich_style
        if self.data is None or row >= len(self.rows):
            return Strip.blank(width, base)
        cells = self.data.cells[self.rows[row]]
        row_style = base
        if row == self.cursor:
            row_style = base + self.get_component_rich_style("ranked-table--cursor")
        segments: list[Segment] = []
        for index, room in self.shown:
            text = cells[index]
            shown = text if len(text) <= room else text[: room - 1] + "…"
            shown = shown.rjust(room) if COLUMNS[index].right else shown.ljust(room)
            band = BAND_STYLES.get(text) if index == BAND_COLUMN else None
            segments.append(Segment(shown + " ", row_style + band if band else row_style))
        return Strip(segments).crop_extend(scroll_x, scroll_x + width, row_style)

    def watch_cursor(self, old: int, new: int) -> None:
        self.scroll_to(y=max(0, new - self.size.height // 2), animate=False)
        self.refresh()

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))

    def action_jump(self, where: int) -> None:
        if self.rows:
            self.cursor = where % len(self.rows)

    def action_open(self) -> None:
        key = self.current_key
        if key is not None:
            self.post_message(self.Opened(key))

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if 0 <= row < len(self.rows):
            if row == self.cursor and event.chain > 1:
                self.action_open()
            self.cursor = row
