"""A long table printed without colours (piped to a file or another program) laid out as rich
lays it out, at a small fraction of rich's cost: rich measures and renders every cell through
its general machinery (about a millisecond a row), so a table of 25,000 contracts took half a
minute to pipe.

Only the tables the commands draw are taken this way: cells of plain text and style tags, left-
or right-justified columns of natural or fixed width, a title, heavy-headed boxes. Anything
else (a cell whose text rich would read differently: escapes, emoji codes, tabs, characters not
one cell wide; or a layout option these tables do not use) is left to rich, so what is printed
is always what rich prints. rich's own line divider, width collapsing and box characters are
used, and a test compares the two byte for byte."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

try:  # rich's own helpers for sharing out widths and breaking lines, so the layout is its own
    from rich._ratio import ratio_reduce
    from rich._wrap import divide_line
except ImportError:  # a rich that has moved them lays every table out itself
    RICH_HELPERS = False
else:
    RICH_HELPERS = True

TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
"""A markup tag, as rich's markup reader finds them (`rich.markup.RE_TAGS`)."""
EMOJI = re.compile(r":\S*?:")
"""Text that rich might read as an emoji code (`:smile:`)."""
SPACE = re.compile(r"\s")
PADDING = (0, 1, 0, 1)
"""The cell padding the commands' tables use, rich's default: one space either side."""


def print_plain_table(console: Console, table: Table) -> bool:
    """Write `table` to `console` as rich would and return True, when the console draws no
    colours and the table is one this module lays out alike; else write nothing and return
    False (the caller prints it through rich)."""
    if not RICH_HELPERS or console.is_terminal or console.color_system is not None:
        return False
    if not _plain_layout(table):
        return False
    texts: dict[str, str | None] = {}  # many cells repeat (bands, dispositions, suppliers)

    def plain(markup: object) -> str | None:
        """The text of a cell given as markup; None for anything else (a `Text` carries its
        own justification and wrapping), which is left to rich."""
        if not isinstance(markup, str):
            return None
        if markup not in texts:
            texts[markup] = _plain_text(markup)
        return texts[markup]

    title = plain(table.title or "")
    headers = [plain(column.header) for column in table.columns]
    columns = [[plain(cell) for cell in column.cells] for column in table.columns]
    if title is None or None in headers or any(None in cells for cells in columns):
        return False
    body: list[list[str]] = [[c for c in cells if c is not None] for cells in columns]
    heads = [h for h in headers if h is not None]
    widths = _widths(table, console.options.max_width, heads, body)
    if widths is None:
        return False
    box = table.box
    assert box is not None
    box = box.substitute(
        console.options, safe=console.safe_box if table.safe_box is None else table.safe_box
    )
    justify = [str(column.justify) for column in table.columns]
    table_width = sum(widths) + len(widths) + 1
    laid_out = [  # each column's header and cells, each distinct text laid out once
        _laid_out([head, *cells], width, way)
        for head, cells, width, way in zip(heads, body, widths, justify, strict=True)
    ]
    lines: list[str] = []
    if title:
        for line in title.split("\n"):
            lines.extend(_wrapped(line, table_width, "left"))
    lines.append(box.get_top(widths))
    rows = list(zip(*laid_out, strict=True))
    ends = [False, *(row.end_section for row in table.rows)]
    blanks = [" " * width for width in widths]
    last = len(rows) - 1
    for index, cells in enumerate(rows):
        if index == 0:
            left, divider, right = box.head_left, box.head_vertical, box.head_right
        elif index == last:
            left, divider, right = box.foot_left, box.foot_vertical, box.foot_right
        else:
            left, divider, right = box.mid_left, box.mid_vertical, box.mid_right
        height = max(map(len, cells))
        if any(len(cell) < height for cell in cells):
            # the header sits on the line under it, the rows' cells at their top
            cells = tuple(
                (blank,) * (height - len(cell)) + cell
                if index == 0
                else cell + (blank,) * (height - len(cell))
                for cell, blank in zip(cells, blanks, strict=True)
            )
        lines.extend(left + divider.join(parts) + right for parts in zip(*cells, strict=True))
        if index == 0:
            lines.append(box.get_row(widths, "head"))
        elif ends[index] and index != last:
            lines.append(box.get_row(widths, "row"))
    lines.append(box.get_bottom(widths))
    lines.append("")
    console.file.write("\n".join(lines))
    console.file.flush()
    return True


def _plain_layout(table: Table) -> bool:
    """Whether `table` uses only what this module lays out as rich does."""
    shape = (
        table.box is not None
        and table.show_header
        and table.show_edge
        and table.pad_edge
        and not table.show_footer
        and not table.show_lines
        and not table.leading
        and not table.expand
        and not table.collapse_padding
        and not table.caption
        and table.width is None
        and table.min_width is None
        and table.padding == PADDING
        and table.title_justify == "left"
        and not table.row_styles
        and not any(row.style for row in table.rows)
    )
    return shape and all(
        column.justify in ("left", "right")
        and column.vertical == "top"
        and not column.no_wrap
        and column.min_width is None
        and column.max_width is None
        for column in table.columns
    )


def _plain_text(markup: str) -> str | None:
    """The text rich shows for `markup` once its style tags are read, or None when rich might
    read it otherwise (escapes, emoji codes, tabs and other control characters, characters that
    are not one cell wide)."""
    if "\\" in markup:
        return None
    text = TAG.sub("", markup)
    if "[" in text and TAG.search(text) is not None:  # a tag made by taking one out
        return None
    if EMOJI.search(text) is not None:
        return None
    for line in text.split("\n"):
        if not line.isprintable() or (not line.isascii() and any(cell_len(c) != 1 for c in line)):
            return None
    return text


def _widths(
    table: Table, console_width: int, headers: Sequence[str], cells: Sequence[Sequence[str]]
) -> list[int] | None:
    """Each column's width with its padding, as `Table._calculate_column_widths` works it out
    for a table that does not expand (a fixed-width column kept, the others narrowed first);
    None when a column is too narrow for its padding."""
    available = console_width - (len(headers) + 1)
    longest = [
        max((len(line) for text in (header, *column) for line in text.split("\n")), default=0)
        for header, column in zip(headers, cells, strict=True)
    ]
    fixed = [column.width for column in table.columns]

    def measured(longest_line: int, width: int, fixed_width: int | None) -> int:
        if fixed_width is not None:
            return min(fixed_width + 2, width)
        if width - 2 < 1:
            return width
        inner = min(longest_line, width - 2)
        return min((inner if inner >= 1 else 0) + 2, width)

    widths = [measured(n, available, f) or 1 for n, f in zip(longest, fixed, strict=True)]
    if sum(widths) > available:
        wrapable = [f is None for f in fixed]
        widths = Table._collapse_widths(widths, wrapable, available)
        if sum(widths) > available:
            excess = sum(widths) - available
            widths = ratio_reduce(excess, [1] * len(widths), widths, widths)
        widths = [measured(n, width, f) for n, width, f in zip(longest, widths, fixed, strict=True)]
    if any(width < 3 for width in widths):
        return None
    for column, width, n in zip(table.columns, widths, longest, strict=True):
        if column.overflow != "fold" and n > width - 2:
            return None  # a word rich would crop with an ellipsis
    return widths


def _laid_out(texts: list[str], width: int, justify: str) -> list[tuple[str, ...]]:
    """A column's texts laid out at its width, each distinct text and line once: bands,
    dispositions, suppliers and dates repeat down a long table."""
    cells: dict[str, tuple[str, ...]] = {}
    lines: dict[str, tuple[str, ...]] = {}
    found: list[tuple[str, ...]] = []
    for text in texts:
        cell = cells.get(text)
        if cell is None:
            cell = ()
            for line in text.split("\n"):
                done = lines.get(line)
                if done is None:
                    done = lines[line] = _cell_line(line, width, justify)
                cell += done
            cells[text] = cell
        found.append(cell)
    return found


def _cell_line(line: str, width: int, justify: str) -> tuple[str, ...]:
    """One line of a cell's text at its column's width, one space of padding either side."""
    return tuple(f" {piece} " for piece in _wrapped(line, width - 2, justify))


def _wrapped(line: str, width: int, justify: str) -> list[str]:
    """A line of text folded into lines of `width` as `rich.text.Text.wrap` folds it, each
    justified to the width."""
    if len(line) <= width:
        pieces = [line]
    elif SPACE.search(line) is None:  # one word, folded every `width` characters
        pieces = [line[start : start + width] for start in range(0, len(line), width)]
    else:
        offsets = [0, *divide_line(line, width, fold=True), len(line)]
        pieces = [line[start:end] for start, end in pairwise(offsets)]
    if justify == "right":
        return [piece.rstrip()[:width].rjust(width) for piece in pieces]
    return [piece[:width].ljust(width) for piece in pieces]
