"""A long table printed without colours (piped to a file or another program) laid out as rich
lays it out, at a small fraction of rich's cost: rich measures and renders every cell through
its general machinery (about a millisecond a row), so a table of 25,000 contracts took half a
minute to pipe.

Only the tables the commands draw are taken this way: cells of plain text and style tags, left-
or right-justified columns of natural width, a title, heavy-headed boxes. Anything else (a cell
whose text rich would read differently: escapes, emoji codes, tabs, characters not one cell
wide; or a layout option these tables do not use) is left to rich, so what is printed is always
what rich prints. rich's own line divider, width collapsing and box characters are used, and a
test compares the two byte for byte."""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from rich._ratio import ratio_reduce
from rich._wrap import divide_line
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
"""A markup tag, as rich's markup reader finds them (`rich.markup.RE_TAGS`)."""
EMOJI = re.compile(r":\S*?:")
"""Text that rich might read as an emoji code (`:smile:`)."""
PADDING = (0, 1, 0, 1)
"""The cell padding the commands' tables use, rich's default: one space either side."""


def print_plain_table(console: Console, table: Table) -> bool:
    """Write `table` to `console` as rich would and return True, when the console draws no
    colours and the table is one this module lays out alike; else write nothing and return
    False (the caller prints it through rich)."""
    if console.is_terminal or console.color_system is not None or not _plain_layout(table):
        return False
    texts: dict[str, str | None] = {}  # many cells repeat (bands, dispositions, suppliers)

    def plain(markup: str) -> str | None:
        if markup not in texts:
            texts[markup] = _plain_text(markup)
        return texts[markup]

    title = plain(str(table.title or ""))
    headers = [plain(str(column.header)) for column in table.columns]
    columns = [[plain(str(cell)) for cell in column.cells] for column in table.columns]
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
    laid_out: dict[tuple[str, int, str], tuple[str, ...]] = {}

    def lay_out(text: str, width: int, justify: str) -> tuple[str, ...]:
        found = laid_out.get((text, width, justify))
        if found is None:
            found = laid_out[text, width, justify] = _cell(text, width, justify)
        return found

    lines: list[str] = []
    if title:
        lines.extend(_wrapped(title, table_width, "left"))
    lines.append(box.get_top(widths))
    rows = list(zip(*body, strict=True))
    ends = [row.end_section for row in table.rows]
    for index, cells in enumerate([tuple(heads), *rows]):
        first, last = index == 0, index == len(rows)
        if first:
            left, divider, right = box.head_left, box.head_vertical, box.head_right
        elif last:
            left, divider, right = box.foot_left, box.foot_vertical, box.foot_right
        else:
            left, divider, right = box.mid_left, box.mid_vertical, box.mid_right
        rendered = [
            list(lay_out(text, width, way))
            for text, width, way in zip(cells, widths, justify, strict=True)
        ]
        height = max(len(cell) for cell in rendered)
        for cell, width in zip(rendered, widths, strict=True):
            blank = [" " * width] * (height - len(cell))
            if first:  # the header sits on the line under it, the rows' cells at their top
                cell[:0] = blank
            else:
                cell.extend(blank)
        lines.extend(
            left + divider.join(cell[line] for cell in rendered) + right for line in range(height)
        )
        if first:
            lines.append(box.get_row(widths, "head"))
        elif ends[index - 1] and not last:
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
        and column.width is None
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
    for a table that does not expand; None when a column is too narrow for its padding."""
    available = console_width - (len(headers) + 1)
    longest = [
        max((len(line) for text in (header, *column) for line in text.split("\n")), default=0)
        for header, column in zip(headers, cells, strict=True)
    ]

    def measured(longest_line: int, width: int) -> int:
        if width - 2 < 1:
            return width
        inner = min(longest_line, width - 2)
        return min((inner if inner >= 1 else 0) + 2, width)

    widths = [measured(n, available) or 1 for n in longest]
    if sum(widths) > available:
        widths = Table._collapse_widths(widths, [True] * len(widths), available)
        if sum(widths) > available:
            excess = sum(widths) - available
            widths = ratio_reduce(excess, [1] * len(widths), widths, widths)
        widths = [measured(n, width) for n, width in zip(longest, widths, strict=True)]
    if any(width < 3 for width in widths):
        return None
    for column, width, n in zip(table.columns, widths, longest, strict=True):
        if column.overflow != "fold" and n > width - 2:
            return None  # a word rich would crop with an ellipsis
    return widths


def _cell(text: str, width: int, justify: str) -> tuple[str, ...]:
    """A cell's lines at its column's width, one space of padding either side."""
    return tuple(f" {line} " for line in _wrapped(text, width - 2, justify))


def _wrapped(text: str, width: int, justify: str) -> list[str]:
    """`text` folded into lines of `width` as `rich.text.Text.wrap` folds it, each line
    justified to the width."""
    found: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            pieces = [line]
        else:
            offsets = [0, *divide_line(line, width, fold=True), len(line)]
            pieces = [line[start:end] for start, end in pairwise(offsets)]
        if justify == "right":
            found.extend(piece.rstrip()[:width].rjust(width) for piece in pieces)
        else:
            found.extend(piece[:width].ljust(width) for piece in pieces)
    return found
