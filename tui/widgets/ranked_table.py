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

from estate.render import BAND_STYLE
from tui.data import COLUMNS, RankedData

BAND_STYLES = {band: Style.parse(style) for band, style in BAND_STYLE.items()}
BAND_COLUMN = [c.title for c in COLUMNS].index("Band")


def header_text() -> str:
    """The column headings, aligned with the rows."""
    return " ".join(c.title.rjust(c.width) if c.right else c.title.ljust(c.width) for c in COLUMNS)


class RankedTable(ScrollView, can_focus=True):
    """The ranked systems, one line each, with a cursor."""

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "move(-20)", "Page up", show=False),
        Binding("pagedown", "move(20)", "Page down", show=False),
        Binding("home", "jump(0)", "First", show=False),
        Binding("end", "jump(-1)", "Last", show=False),
        Binding("enter", "open", "Open system"),
    ]
    DEFAULT_CSS = """
    RankedTable { height: 1fr; }
    RankedTable > .ranked-table--cursor { background: $accent 40%; }
    """
    COMPONENT_CLASSES = {"ranked-table--cursor"}

    cursor = reactive(0)

    class Opened(Message):
        """The user asked to open the system under the cursor."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: RankedData | None = None
        self.rows: list[int] = []

    def show(self, data: RankedData, rows: list[int]) -> None:
        """Display these rows of `data`, keeping the cursor in range."""
        self.data, self.rows = data, rows
        width = sum(c.width + 1 for c in COLUMNS)
        self.virtual_size = Size(width, len(rows))
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
        for index, (column, text) in enumerate(zip(COLUMNS, cells, strict=True)):
            shown = text[: column.width]
            shown = shown.rjust(column.width) if column.right else shown.ljust(column.width)
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
