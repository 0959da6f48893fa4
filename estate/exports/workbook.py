"""The board workbook: summary with money, the ten highest risks and charts, priority list,
legacy register, improvement plan, migration waves, sign-in, method and data quality, every
sheet carrying its protective marking, page numbers and as-of date when printed (and the
Sustainability sheet, estate.exports.sustainability_sheet).

Written with XlsxWriter in constant-memory mode: rows stream to disk as they are written, so a
50,000-system list needs little memory, and it is the fastest well-kept xlsx writer for Python.
Every text is written as a string cell, so text that looks like a formula never runs.
"""

from __future__ import annotations

import datetime as dt
import types
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from estate.advice.identity import SignInGroup
from estate.costs import (
    CostFigures,
    CostLine,
    headline,
    red_unfunded_words,
    run_cost,
    wave_costs,
)
from estate.costs import money as money_words
from estate.enums import Principle
from estate.errors import InputError
from estate.exports.print_view import (
    CHART_FONT,
    CONTRACT_ROWS,
    EMPTY_AREA,
    LANDSCAPE_WIDTH,
    MIN_SCALE,
    PORTRAIT_WIDTH,
    PRINT_COLUMNS,
    PRINT_ROWS,
    PRINT_TOP,
    STAND_IN,
    SUPPLIER_ROWS,
    TITLE_FONT,
    PrintMode,
    first_of,
    policy_rows,
)
from estate.exports.sustainability_sheet import SustainabilitySheet, summary_facts
from estate.graph.waves import Wave
from estate.history.board import BoardHistory
from estate.history.changes import grouped
from estate.history.trend_moves import moves_lines
from estate.perf import collector_paused
from estate.portfolio import EXTENDED, NOT_KNOWN, OUT_OF_SUPPORT, SUPPORTED, Portfolio
from estate.progress import Progress
from estate.ranking.contracts import (
    Contract,
    Supplier,
    ending_contracts,
    supplier_concentration,
    terms_of,
)
from estate.ranking.scope import FIGURES, estate_label, scope_sentence
from estate.ranking.summary import DataQuality, Summary, quality_rows
from estate.render.list_columns import PRIORITY_COLUMNS, REGISTER_COLUMNS, ExportColumn, suggested
from estate.scoring.policy import Policy, default_text, load_policy
from estate.scoring.results import Severity, SystemScore
from estate.sustainability.summary import CarbonSummary

BAND_FILLS = {"Red-rated": "#F4C7C3", "High": "#FCE4CC", "Medium": "#FFF2CC", "Low": "#D9EAD3"}
"""Red / amber / yellow / green fills for rows by legacy band."""
READINESS_COLOURS = ("#00703C", "#FFDD00", "#D4351C", "#B1B4B6")
"""Ready, Ready with conditions, Not ready, Unknown."""
PLAN_HEADERS = (
    "Rank",
    "System",
    "Name",
    "Department",
    "Framework",
    "Principle",
    "Title",
    "Severity",
    "Source",
    "Evidence",
    "Planned action",
    "Action owner",
    "Target date",
)
PLAN_WIDTHS = (6, 16, 28, 11, 14, 9, 40, 9, 9, 56, 36, 18, 11)
PLAN_WRAPPED = ("Evidence", "Planned action")
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
"""The protective marking a board workbook carries unless told otherwise."""
CONTRACT_MONTHS = 24
"""How far ahead the contracts sheet looks."""
TOP_RISKS = 10
"""How many of the highest risks the summary names."""
LABEL_WIDTH = 28
"""The summary's first column, of labels and names."""
FIGURE_WIDTH = 12
"""The summary's seven columns of figures."""
BOARD_MONEY = '[>=999950]£#,##0.0,,"m";[>=10000]£#,##0,"k";£#,##0'
"""The board paper's totals (the summary's, each supplier's, each period's) as the pack's
sentences word them (`estate.costs.money`: £950, £350k, £12.4m), the cell keeping the exact
amount: an estate's run cost written out in full (£13,943,800,000) overflows a figure's
column and prints as ###."""
LINE_HEIGHT = 15.0
"""Points a line of text takes: the default row height for 11-point Calibri."""
MAX_ROW_HEIGHT = 409.0
TREND_HEADERS = (
    "Period",
    "As at",
    "Systems",
    "Legacy systems",
    "Red-rated",
    "Annual run cost on legacy",
    "Legacy costs not known",
    "Red-rated with a funded plan",
    "Share of red-rated funded",
    "Ready for cloud",
    "Share ready for cloud",
    "Open security gaps",
)
TREND_WIDTHS = (10, 10, 9, 9, 9, 12, 10, 10, 10, 9, 10, 10)
CHANGE_HEADERS = (
    "System",
    "Name",
    "Department",
    "Change",
    "Was",
    "Now",
    "Criteria that moved the band",
)
CHANGE_WIDTHS = (14, 16, 11, 13, 19, 19, 23)
"""One landscape page wide in 9-point type; the name and the last three columns wrap."""
CHANGE_WRAPPED = (1, 4, 5, 6)
"""The tallest row a spreadsheet allows, in points."""
METHOD = (
    "How estate scores each system",
    "",
    "Legacy risk follows the CDDO Legacy IT Risk Assessment Framework. Seven likelihood criteria "
    "(L1-L7, scored 1-6) and six impact criteria (C1-C6, scored 1-5). Each category total is the "
    "mean of its known criteria plus its highest, halved; the overall score is likelihood total "
    "times impact total, from 1 to 30. Bands: Low below 4, Medium from 4, High from 8, Red-rated "
    "from 16. A system is legacy when any likelihood criterion scores 3 or more.",
    "A department's self-assessed criterion is always used. Otherwise the criterion is derived "
    "from the inventory by the policy's rules: L1 from the support dates of the system's "
    "components (the department's own date first, then the lifecycle catalogue), L2 from the "
    "contract end date, L3 from the staff who can support it, L5 from hosting and hardware age, "
    "L6 from open critical vulnerabilities, L7 from incidents in the last year, C1 from the data "
    "classification, C2 and C5 from the number of users, C3 from the framework's financial bands "
    "applied to the annual run cost, C4 from business criticality and C6 from how many systems "
    "depend on it. What neither gives is unknown, left out of the totals, and listed under Data "
    "quality.",
    "Cloud readiness starts at 100 and loses points for each reason a move is harder: operating "
    "system out of support, mainframe or non-x86 platform, SECRET data, specialised hardware, "
    "licensing, dependencies on systems that cannot move. Any blocker makes a system Not ready; "
    "any condition makes it Ready with conditions; too little data makes it Unknown. A suggested "
    "disposition from the 7 Rs comes with its reason.",
    "Security gaps are CAF and Secure by Design principles assessed as not or partially achieved, "
    "and gaps the inventory shows: no named risk owner, out-of-support components, internet-"
    "facing without a recent penetration test, its own sign-in, open critical vulnerabilities, no "
    "evidence of monitoring.",
    "The remediation priority (0-100) is a weighted mean of legacy risk, security gaps, cloud "
    "readiness, business criticality and how many systems depend on it. Ties are broken by legacy "
    "score, then department and reference, so the order is the same every time.",
    "",
    "The values of the policy in force that matter most follow; the whole policy, exactly as "
    "estate read it, is in the Policy sheet.",
)


PAGE_TEXT_LIMIT = 255
"""The most a page header or footer holds in Excel, codes (`&C`, `&P`) included, counted in
UTF-16 code units; xlsxwriter drops a longer one, with a warning, leaving the page bare."""


def _page_texts(marking: str, as_of: dt.date | None) -> tuple[str, str]:
    """The page header and footer carrying `marking` (its "&" doubled: a header's "&" starts a
    code), the as-of date and the page numbers."""
    shown = marking.replace("&", "&&")
    dated = f"&LAs at {as_of:%d/%m/%Y}" if as_of else ""
    return f"&C{shown}", f"{dated}&C{shown}&RPage &P of &N"


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def marking_limit() -> int:
    """The longest marking every page's header and footer can carry (each "&" counting twice,
    and a character beyond the Basic Multilingual Plane twice)."""
    _header, footer = _page_texts("", dt.date(2000, 1, 1))
    return PAGE_TEXT_LIMIT - _utf16(footer)


def check_marking(marking: str) -> str:
    """`marking` as every page will carry it, or `InputError` in one line: an empty marking, one
    with a control character, or one too long for a page's header and footer is refused rather
    than printed without (xlsxwriter would drop the header and footer, and the page numbers and
    as-of date with them)."""
    text = marking.strip()
    if not text:
        raise InputError("--marking is empty; give the protective marking, such as OFFICIAL.")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise InputError("--marking holds a control or invisible character; remove it.")
    size = _utf16(text.replace("&", "&&"))
    if size > marking_limit():
        raise InputError(
            f"--marking is {size} characters as a page header counts them; a page's header and "
            f"footer carry at most {marking_limit()} (Excel's limit of {PAGE_TEXT_LIMIT}, less "
            "the as-of date and page numbers; each & counts twice)."
        )
    return text


class WorkbookWriter:
    """Writes the board workbook for a selection of scored systems."""

    def __init__(
        self,
        path: Path,
        marking: str = DEFAULT_MARKING,
        as_of: dt.date | None = None,
        print_mode: PrintMode = PrintMode.BOARD,
    ) -> None:
        self.marking = check_marking(marking)
        self.print_mode = print_mode
        self.page_header, self.page_footer = _page_texts(self.marking, as_of)
        self.book = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
                # Every cell, formatted or not, sits at the top of rows made tall for wrapped
                # text; set once here, since a format on each cell costs a quarter more time.
                "default_format_properties": {"valign": "top"},
            },
        )
        self.book.set_properties(
            {
                "title": "Legacy technology remediation priorities",
                "author": "estate",
                "created": dt.datetime(2000, 1, 1),
            }
        )
        add = self.book.add_format
        self.header = add(
            {
                "bold": True,
                "font_color": "#FFFFFF",
                "bg_color": "#1D3557",
                "text_wrap": True,
                "border": 1,
            }
        )
        self.title = add({"bold": True, "font_size": 16})
        self.bold = add({"bold": True})
        self.wrap = add({"text_wrap": True})
        self.bold_wrap = add({"bold": True, "text_wrap": True})
        self.formats: dict[str, Format | None] = {
            "text": None,
            "int": add({"num_format": "#,##0"}),
            "number": add({"num_format": "0.0"}),
            "money": add({"num_format": "£#,##0"}),
            "board money": add({"num_format": BOARD_MONEY}),
            "tenths": add({"num_format": "#,##0.0"}),
            "percent": add({"num_format": "0%"}),
            "date": add({"num_format": "dd/mm/yyyy"}),
            "bool": None,
            "wrapped": self.wrap,
        }
        self.band_formats = {band: add({"bg_color": colour}) for band, colour in BAND_FILLS.items()}

    def _for_print(
        self,
        sheet: Worksheet,
        repeat_header: bool = False,
        landscape: bool = True,
        *,
        data: bool = False,
        width: int = 0,
    ) -> None:
        """A4, landscape unless the sheet is narrow, the header row repeated on every page when
        asked; the sheet's name at the top left of every page, the protective marking at the
        top and foot, with the as-of date and "Page N of M". One page wide, unless its columns
        (`width`, in widths of the digit 0) are too wide to fit without shrinking the text
        below 9 points: such a sheet prints at that scale, across pages. A `data` sheet prints
        only in the full print: in the board print its print area is one empty cell."""
        self._name_pages(sheet, "")
        sheet.set_footer(self.page_footer)
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.set_paper(9)
        if width > (LANDSCAPE_WIDTH if landscape else PORTRAIT_WIDTH):
            sheet.set_print_scale(MIN_SCALE)
        else:
            sheet.fit_to_pages(1, 0)
        if repeat_header:
            sheet.repeat_rows(0)
        if data and self.print_mode is PrintMode.BOARD:
            sheet.print_area(*EMPTY_AREA)

    def _name_pages(self, sheet: Worksheet, part: str) -> None:
        """The page header: the sheet's name at the left, the protective marking in the
        centre and, for a sheet the paper carries in part, which rows print at the right."""
        named = sheet.name.replace("&", "&&")
        # Within Excel's limit, the marking always: a long one leaves out the part, then the name.
        for header in (
            f"&L{named}{self.page_header}" + (f"&R{part}" if part else ""),
            f"&L{named}{self.page_header}",
            self.page_header,
        ):
            if _utf16(header) <= PAGE_TEXT_LIMIT:
                break
        sheet.set_header(header)

    def _print_first(
        self, sheet: Worksheet, rows: int, last_col: int, shown: int, what: str
    ) -> None:
        """Print only the header and the first `shown` of a board sheet's `rows` rows, saying
        so at the top of each page: the paper stays a few pages at any estate size."""
        part = first_of(shown, rows, what)
        if part:
            sheet.print_area(0, 0, shown, last_col)
            self._name_pages(sheet, part)

    def _table(
        self,
        sheet: Worksheet,
        columns: Sequence[ExportColumn],
        systems: Iterable[SystemScore],
        band_column: int | None = None,
        data: bool = True,
    ) -> int:
        """Header, frozen; one row per system; autofilter; band fills. Returns rows written.
        A `data` sheet prints only in the full print."""
        width = sum(c.width for c in columns)
        self._for_print(sheet, repeat_header=True, data=data, width=width)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width, self.formats[column.kind])
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, [c.header for c in columns], self.header)
        sheet.freeze_panes(1, 2)
        row = 0
        getters = [c.value for c in columns]
        cells = [(self.formats[c.kind], c.kind == "date") for c in columns]
        # The printed view's rows are made tall enough for a stand-in font wider than Calibri.
        fit = 1.0 if data else STAND_IN
        wrapped = [
            (i, WrappedLines(int(c.width * fit)))
            for i, c in enumerate(columns)
            if c.kind == "wrapped"
        ]
        # Bound once: this loop writes every cell of the two longest sheets.
        text, number, date = _cell_writers(sheet)
        for row, system in enumerate(systems, start=1):
            values = [value_of(system) for value_of in getters]
            lines = max([lines_of(values[i]) for i, lines_of in wrapped], default=1)
            if lines > 1:
                sheet.set_row(row, _height(lines))
            for col, value in enumerate(values):
                if value is None:
                    continue
                fmt, dated = cells[col]
                if isinstance(value, str):
                    if value:
                        text(row, col, value, fmt)
                elif dated:
                    date(row, col, dt.datetime.combine(value, dt.time()), fmt)
                else:
                    number(row, col, value, fmt)
        last = max(row, 1)
        sheet.autofilter(0, 0, last, len(columns) - 1)
        if band_column is not None:
            self._band_fills(sheet, band_column, last, len(columns) - 1)
        return row

    @staticmethod
    def _write(
        sheet: Worksheet, row: int, col: int, value: Any, fmt: Format | None, kind: str
    ) -> None:
        if value is None or value == "":
            return
        if kind == "date":
            sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), fmt)
        elif isinstance(value, str):
            sheet.write_string(row, col, value, fmt)
        else:
            sheet.write_number(row, col, value, fmt)

    def _band_fills(self, sheet: Worksheet, band_column: int, last_row: int, last_col: int) -> None:
        letter = xlsxwriter.utility.xl_col_to_name(band_column)
        for band, fmt in self.band_formats.items():
            sheet.conditional_format(
                1,
                0,
                last_row,
                last_col,
                {"type": "formula", "criteria": f'=${letter}2="{band}"', "format": fmt},
            )

    def summary_sheet(
        self,
        summary: Summary,
        costs: CostFigures,
        context: dict[str, Any],
        top: Sequence[SystemScore],
        waves: Sequence[CostLine],
        carbon: CarbonSummary | None = None,
    ) -> None:
        """The first page of a board paper, read in a minute: headline figures and money, the
        ten highest risks with why and what to do, the charts, then the figures behind them,
        ending with each migration wave's run cost."""
        sheet = self.book.add_worksheet("Summary")
        self._for_print(sheet)
        sheet.set_column(0, 0, LABEL_WIDTH)
        sheet.set_column(1, 7, FIGURE_WIDTH)
        money, number = self.formats["board money"], self.formats["int"]
        sheet.write_string(0, 0, "Legacy technology remediation priorities", self.title)
        facts: list[tuple[str, Any, Format | None]] = [
            ("As at", dt.date.fromisoformat(context["as_of"]), self.formats["date"]),
            ("Policy", context["policy"], None),
            ("Lifecycle catalogue", context["catalogue"], None),
            ("Selection", context["selection"], None),
            ("Protective marking", self.marking, None),
            ("Systems", summary.systems, number),
            ("Legacy systems", summary.legacy, number),
            ("Red-rated systems", summary.by_band.get("Red-rated", 0), number),
            ("Red-rated with a funded plan", summary.red_funded, number),
            ("Red-rated with an unfunded plan", summary.red_unfunded_plan, number),
            ("Red-rated with no plan", summary.red_no_plan, number),
            ("Annual run cost (known)", costs.total.cost, money),
            ("Of it on legacy systems", costs.legacy.cost, money),
            ("Systems whose run cost is not known", costs.total.unknown, number),
            ("Run cost of red-rated, unfunded", costs.red_unfunded.cost, money),
            *([] if carbon is None else summary_facts(carbon, number, self.formats["tenths"])),
        ]
        found = context["scope"]
        beside = {} if found["whole_estate"] else dict(FIGURES)
        row = 2
        for label, value, fmt in facts:
            # A long label wraps in its column: cut short by the figure beside it, it would
            # print as "Systems whose carbon is not es".
            _fit_row(sheet, row, [(label, LABEL_WIDTH)])
            sheet.write_string(row, 0, label, self.bold_wrap)
            if isinstance(value, dt.date):
                self._write(sheet, row, 1, value, fmt, "date")
            elif isinstance(value, str):
                sheet.write_string(row, 1, value)
            else:
                sheet.write_number(row, 1, value, fmt)
            key = next((k for k, name in beside.items() if name == label), None)
            if key is not None:  # the whole estate's figure beside the selection's
                estate = found["estate"][key]
                said = money_words(estate) if fmt is money else f"{estate:,}"
                sheet.write_string(row, 2, f"{estate_label(found)}: {said}")
            row += 1
        row += 1
        for sentence in (scope_sentence(found), headline(costs), red_unfunded_words(costs)):
            _fit_row(sheet, row, [(sentence, LABEL_WIDTH + 7 * FIGURE_WIDTH)])
            sheet.merge_range(row, 0, row, 7, sentence, self.bold_wrap)
            row += 1
        row = self._top_risks(sheet, row + 1, top)
        row = self._cost_block(sheet, row + 1, "Legacy band", costs.by_band) + 2
        readiness_row = self._count_block(
            sheet, row, "Cloud readiness", list(summary.by_readiness.items())
        )
        row = readiness_row + len(summary.by_readiness) + 2
        row = self._cost_block(sheet, row, "Suggested disposition", costs.by_disposition) + 2
        department_row = row
        sheet.set_row(row, 30)
        sheet.write_row(
            row,
            0,
            ["Department", "Systems", "Red-rated", "Legacy", "Annual run cost", "Costs not known"],
            self.header,
        )
        spend = {line.label: line for line in costs.by_department}
        total = [0, 0, 0, 0.0, 0]
        for offset, (department, systems, red, legacy) in enumerate(summary.by_department, start=1):
            line = spend.get(department, CostLine(department))
            figures = (systems, red, legacy, line.cost, line.unknown)
            sheet.write_string(row + offset, 0, department)
            sheet.write_row(row + offset, 1, [systems, red, legacy], number)
            sheet.write_number(row + offset, 4, line.cost, money)
            sheet.write_number(row + offset, 5, line.unknown, number)
            total = [a + b for a, b in zip(total, figures, strict=True)]
        departments = len(summary.by_department)
        row += departments + 1
        sheet.write_string(row, 0, "Total", self.bold)
        sheet.write_row(row, 1, total[:3], number)
        sheet.write_number(row, 4, total[3], money)
        sheet.write_number(row, 5, total[4], number)
        # The charts last, on a page of their own, so that no page break splits one.
        chart_row = self._cost_block(sheet, row + 2, "Migration wave", waves) + 2
        sheet.set_h_pagebreaks([chart_row])
        if departments:  # an empty selection has no department to plot
            red_chart = self.book.add_chart({"type": "bar"})
            red_chart.add_series(
                {
                    "name": "Red-rated systems",
                    "categories": [
                        "Summary",
                        department_row + 1,
                        0,
                        department_row + departments,
                        0,
                    ],
                    "values": ["Summary", department_row + 1, 2, department_row + departments, 2],
                    "fill": {"color": "#D4351C"},
                }
            )
            red_chart.set_title(
                {"name": "Red-rated systems by department", "name_font": TITLE_FONT}
            )
            red_chart.set_legend({"none": True})
            red_chart.set_x_axis({"num_font": CHART_FONT})
            red_chart.set_y_axis({"reverse": True, "num_font": CHART_FONT})
            sheet.insert_chart(chart_row, 0, red_chart, {"x_scale": 0.95, "y_scale": 1.3})
        readiness_chart = self.book.add_chart({"type": "column"})
        readiness_chart.add_series(
            {
                "name": "Systems",
                "categories": ["Summary", readiness_row + 1, 0, readiness_row + 4, 0],
                "values": ["Summary", readiness_row + 1, 1, readiness_row + 4, 1],
                "points": [{"fill": {"color": c}} for c in READINESS_COLOURS],
            }
        )
        readiness_chart.set_title({"name": "Cloud readiness", "name_font": TITLE_FONT})
        readiness_chart.set_legend({"none": True})
        readiness_chart.set_x_axis({"num_font": CHART_FONT})
        readiness_chart.set_y_axis({"num_font": CHART_FONT})
        # Four columns wide, so the page's width stays that of the figures' eight.
        sheet.insert_chart(chart_row, 4, readiness_chart, {"x_scale": 0.75, "y_scale": 1.3})

    def _top_risks(self, sheet: Worksheet, row: int, top: Sequence[SystemScore]) -> int:
        """The highest-priority systems, one line each on why and what to do. Returns the row
        after them."""
        sheet.write_string(row, 0, f"The {TOP_RISKS} highest risks", self.bold)
        row += 1
        sheet.write_row(row, 0, ["System", "Legacy band"], self.header)
        sheet.merge_range(row, 2, row, 4, "Why", self.header)
        sheet.merge_range(row, 5, row, 7, "What to do", self.header)
        for system in top:
            row += 1
            name = f"{system.rank}. {system.key} {system.name}"
            why = system.headline or "; ".join(system.reasons) or "highest priority"
            do = f"{suggested(system)} ({system.readiness.disposition_reason})"
            _fit_row(
                sheet, row, [(name, LABEL_WIDTH), (why, 3 * FIGURE_WIDTH), (do, 3 * FIGURE_WIDTH)]
            )
            sheet.write_string(row, 0, name, self.wrap)
            sheet.write_string(row, 1, system.legacy.band.value if system.legacy.band else "")
            sheet.merge_range(row, 2, row, 4, why, self.wrap)
            sheet.merge_range(row, 5, row, 7, do, self.wrap)
        return row + 1

    def _cost_block(self, sheet: Worksheet, row: int, title: str, lines: Sequence[CostLine]) -> int:
        """A heading row, then per line its systems, known run cost and unknown costs, then
        the total. Returns the total's row."""
        sheet.set_row(row, 30)
        sheet.write_row(
            row, 0, [title, "Systems", "Annual run cost", "Costs not known"], self.header
        )
        total = CostLine("Total")
        for line in lines:
            row += 1
            _fit_row(sheet, row, [(line.label, LABEL_WIDTH)])
            sheet.write_string(row, 0, line.label, self.wrap)
            sheet.write_number(row, 1, line.systems, self.formats["int"])
            sheet.write_number(row, 2, line.cost, self.formats["board money"])
            sheet.write_number(row, 3, line.unknown, self.formats["int"])
            total.systems += line.systems
            total.cost += line.cost
            total.unknown += line.unknown
        row += 1
        sheet.write_string(row, 0, total.label, self.bold)
        sheet.write_number(row, 1, total.systems, self.formats["int"])
        sheet.write_number(row, 2, total.cost, self.formats["board money"])
        sheet.write_number(row, 3, total.unknown, self.formats["int"])
        return row

    def _count_block(
        self, sheet: Worksheet, row: int, title: str, counts: list[tuple[str, int]]
    ) -> int:
        sheet.write_row(row, 0, [title, "Systems"], self.header)
        for offset, (label, count) in enumerate(counts, start=1):
            sheet.write_string(row + offset, 0, label)
            sheet.write_number(row + offset, 1, count, self.formats["int"])
        return row

    def priority_sheet(self, selection: list[SystemScore]) -> None:
        """Every selected system in priority order with its scores, reasons and plan."""
        sheet = self.book.add_worksheet("Priority list")
        band = [c.header for c in PRIORITY_COLUMNS].index("Legacy band")
        self._table(sheet, PRIORITY_COLUMNS, selection, band_column=band)

    def print_view_sheet(self, selection: list[SystemScore]) -> None:
        """The highest priorities as the board paper prints them: the columns a board reads,
        one page wide in 9-point type or larger, for the first `PRINT_TOP` systems (the
        Priority list sheet holds them all, with every column)."""
        sheet = self.book.add_worksheet("Highest priorities")
        band = [c.header for c in PRINT_COLUMNS].index("Legacy band")
        self._table(sheet, PRINT_COLUMNS, selection[:PRINT_TOP], band_column=band, data=False)
        part = first_of(PRINT_TOP, len(selection), "systems by priority")
        if part:
            self._name_pages(sheet, part)

    def register_sheet(self, selection: list[SystemScore]) -> None:
        """The central legacy asset register's columns, for the legacy systems selected."""
        sheet = self.book.add_worksheet("Legacy register")
        legacy = [s for s in selection if s.legacy.is_legacy]
        self._table(sheet, REGISTER_COLUMNS, legacy)

    def improvement_sheet(self, selection: list[SystemScore]) -> None:
        """One row per security gap per system, in priority order (a Targeted Improvement Plan)."""
        sheet = self.book.add_worksheet("Improvement plan")
        self._for_print(sheet, repeat_header=True, data=True, width=sum(PLAN_WIDTHS))
        headers = PLAN_HEADERS
        for index, width in enumerate(PLAN_WIDTHS):
            wrapped = headers[index] in PLAN_WRAPPED
            dated = headers[index] == "Target date"
            fmt = self.wrap if wrapped else self.formats["date"] if dated else None
            sheet.set_column(index, index, width, fmt)
        evidence = headers.index("Evidence")
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 2)
        number = self.formats["int"]
        # Every cell but the rank is text: written as text, not through `write_row`, which
        # asks of each value what it is (a tenth of the sheet's time).
        text, write_number, _date = _cell_writers(sheet)
        # Each principle's framework, code and title and each severity's words, worked out
        # once, not once a gap: the cells of columns 4 to 7 for each principle and severity.
        labels = {
            (p, severity): _filled(4, (p.framework.value, p.value, p.label, severity.value))
            for p in Principle
            for severity in Severity
        }
        lines_of = WrappedLines(PLAN_WIDTHS[evidence])
        row = 0
        for system in selection:
            own = _filled(1, (system.key, system.name, system.department))  # on each gap's row
            rank = system.rank
            for principle, severity, source, said in system.gaps:
                row += 1
                lines = lines_of(said)
                if lines > 1:
                    sheet.set_row(row, _height(lines))
                write_number(row, 0, rank, number)
                for col, value in own:
                    text(row, col, value)
                for col, value in labels[principle, severity]:
                    text(row, col, value)
                if source:
                    text(row, 8, source)
                if said:  # the evidence takes its column's wrapping format
                    text(row, 9, said)
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def waves_sheet(self, selection: list[SystemScore], waves: list[Wave]) -> None:
        """The selection's migration waves, each system with its run cost."""
        sheet = self.book.add_worksheet("Waves")
        widths = (6, 16, 30, 11, 9, 12, 14)
        self._for_print(sheet, repeat_header=True, landscape=False, data=True, width=sum(widths))
        headers = (
            "Wave",
            "System",
            "Name",
            "Department",
            "Priority",
            "Annual run cost",
            "Moves with its cycle group",
        )
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        by_key = {s.key: s for s in selection}
        money, priority = self.formats["money"], self.formats["number"]
        text, number, _date = _cell_writers(sheet)
        row = 0
        for wave in waves:
            grouped = {key for cluster in wave.clusters for key in cluster}
            for key in wave.systems:
                row += 1
                system = by_key[key]
                number(row, 0, wave.number)
                _texts(text, row, 1, (key, system.name, system.department))
                number(row, 4, system.priority, priority)
                cost = run_cost(system)
                if cost is not None:
                    number(row, 5, cost, money)
                text(row, 6, "Yes" if key in grouped else "No")
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def contracts_sheet(self, contracts: list[Contract]) -> None:
        """Support contracts ended or ending within 24 months, red-rated systems first: each
        renewal is the cheapest moment to replace a system."""
        sheet = self.book.add_worksheet("Contracts")
        self._for_print(sheet, repeat_header=True)
        headers = (
            "When",
            "Contract ends",
            "System",
            "Name",
            "Department",
            "Legacy band",
            "Annual run cost",
            "Supplier",
            "Suggested disposition",
            "Why this disposition",
        )
        widths = (10, 10, 14, 14, 11, 8, 11, 11, 12, 14)  # one page wide, in 9-point type
        wrapped = (0, 3, 7, 8, 9)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width, self.wrap if index in wrapped else None)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 3)
        window, name, supplier, disposition, reason = (WrappedLines(widths[i]) for i in wrapped)
        text, write_number, write_date = _cell_writers(sheet)
        money, date = self.formats["money"], self.formats["date"]
        row = 0
        for row, contract in enumerate(contracts, start=1):
            t = contract.terms
            lines = max(
                window(contract.window),
                name(t.name),
                supplier(t.supplier or ""),
                disposition(t.disposition),
                reason(t.disposition_reason),
            )
            if lines > 1:
                sheet.set_row(row, _height(lines))
            text(row, 0, contract.window)
            if t.contract_end is not None:
                write_date(row, 1, dt.datetime.combine(t.contract_end, dt.time()), date)
            _texts(text, row, 2, (t.key, t.name, t.department, t.band or ""))
            if t.run_cost is not None:
                write_number(row, 6, t.run_cost, money)
            text(row, 7, t.supplier or "")
            text(row, 8, t.disposition, self.wrap)
            text(row, 9, t.disposition_reason, self.wrap)
        last = max(row, 1)
        sheet.autofilter(0, 0, last, len(headers) - 1)
        self._band_fills(sheet, 5, last, len(headers) - 1)
        self._print_first(sheet, row, len(headers) - 1, CONTRACT_ROWS, "contracts, red-rated first")

    def suppliers_sheet(self, suppliers: list[Supplier], within: int) -> None:
        """Run cost, red-rated systems and ending contracts per supplier."""
        sheet = self.book.add_worksheet("Suppliers")
        self._for_print(sheet, repeat_header=True, landscape=False)
        headers = (
            "Supplier",
            "Systems",
            "Annual run cost",
            "Costs not known",
            "Red-rated",
            "Departments",
            f"Contracts ending within {within} months",
        )
        widths = (16, 8, 12, 8, 8, 12, 12)  # one portrait page wide, in 9-point type
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width, self.wrap if index == 0 else None)
        sheet.set_row(0, 45)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 1)
        number = self.formats["int"]
        row = 0
        for row, supplier in enumerate(suppliers, start=1):
            _fit_row(sheet, row, [(supplier.name, widths[0])])
            sheet.write_string(row, 0, supplier.name)
            sheet.write_number(row, 1, supplier.systems, number)
            sheet.write_number(row, 2, supplier.run_cost, self.formats["board money"])
            sheet.write_number(row, 3, supplier.costs_not_known, number)
            sheet.write_number(row, 4, supplier.red_rated, number)
            sheet.write_number(row, 5, len(supplier.departments), number)
            sheet.write_number(row, 6, supplier.ending, number)
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)
        self._print_first(sheet, row, len(headers) - 1, SUPPLIER_ROWS, "suppliers by run cost")

    def portfolio_sheet(self, portfolio: Portfolio) -> None:
        """Each product line in use and its releases with how many systems and departments run
        them and how many are out of support or on paid extended support; then the candidates
        for consolidation."""
        sheet = self.book.add_worksheet("Portfolio")
        widths = (26, 16, 26, 9, 11, 9, 9, 9, 9, 11, 11)
        self._for_print(sheet, repeat_header=True, data=True, width=sum(widths))
        headers = (
            "Product",
            "Kind",
            "Release",
            "Systems",
            "Departments",
            OUT_OF_SUPPORT,
            EXTENDED,
            SUPPORTED,
            "Support not known",
            "Security support ends",
            "Extended support ends",
        )
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 45)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 1)
        number, date = self.formats["int"], self.formats["date"]
        row = 0
        for product in portfolio.products:
            for release in product.releases:
                row += 1
                sheet.write_row(row, 0, (product.product, product.kind, release.release))
                counts = (
                    len(release.systems),
                    len(release.departments),
                    release.systems_in(OUT_OF_SUPPORT),
                    release.systems_in(EXTENDED),
                    release.systems_in(SUPPORTED),
                    release.systems_in(NOT_KNOWN),
                )
                sheet.write_row(row, 3, counts, number)
                for col, day in ((9, release.security_end), (10, release.extended_end)):
                    if day is not None:
                        self._write(sheet, row, col, day, date, "date")
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def consolidation_sheet(self, portfolio: Portfolio) -> None:
        """The candidates for consolidation: one product line in many releases, or several
        products doing one job."""
        sheet = self.book.add_worksheet("Consolidation")
        headers = ("Candidate", "Concerns", "Detail", "Systems", "Departments")
        widths = (16, 24, 80, 9, 11)
        self._for_print(sheet, repeat_header=True, data=True, width=sum(widths))
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width, self.wrap if index == 2 else None)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        row = 0
        for row, candidate in enumerate(portfolio.candidates, start=1):
            _fit_row(sheet, row, [(candidate.detail, widths[2])])
            sheet.write_row(row, 0, (candidate.kind, candidate.subject))
            sheet.write_string(row, 2, candidate.detail, self.wrap)
            sheet.write_row(row, 3, (candidate.systems, candidate.departments), self.formats["int"])
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def sign_in_sheet(self, groups: list[SignInGroup[SystemScore]]) -> None:
        """Systems with their own sign-in, citizen-facing apart from staff-facing, each with
        where its sign-in should move."""
        sheet = self.book.add_worksheet("Sign-in")
        widths = (11, 15, 26, 16, 30, 9, 11, 12)
        self._for_print(sheet, repeat_header=True, data=True, width=sum(widths))
        headers = (
            "Department",
            "Who signs in",
            "Candidate for",
            "System",
            "Name",
            "Priority",
            "Legacy band",
            "Annual run cost",
        )
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        text, number, _date = _cell_writers(sheet)
        priority, money = self.formats["number"], self.formats["money"]
        row = 0
        for group in groups:
            texts = (group.department, group.audience, group.candidate_for)
            for system in group.systems:
                row += 1
                _texts(text, row, 0, (*texts, system.key, system.name))
                number(row, 5, system.priority, priority)
                band = system.legacy.band
                if band is not None:
                    text(row, 6, band.value)
                cost = run_cost(system)
                if cost is not None:
                    number(row, 7, cost, money)
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def trend_sheet(self, history: BoardHistory) -> None:
        """One row a period, oldest first, with the figures `estate trend` gives, then how
        they were worked out and a line chart of red-rated and legacy systems by period."""
        sheet = self.book.add_worksheet("Trend")
        self._for_print(sheet, repeat_header=True)
        for index, width in enumerate(TREND_WIDTHS):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 60)  # four lines: "Red-rated with a funded plan" wraps to four
        sheet.write_row(0, 0, TREND_HEADERS, self.header)
        sheet.freeze_panes(1, 1)
        trend = history.trend
        number, money, share = (
            self.formats["int"],
            self.formats["board money"],
            self.formats["percent"],
        )
        for row, point in enumerate(trend.points, start=1):
            f = point.figures
            sheet.write_string(row, 0, point.period)
            self._write(sheet, row, 1, point.as_of, self.formats["date"], "date")
            sheet.write_row(row, 2, (f.systems, f.legacy, f.red_rated), number)
            sheet.write_number(row, 5, round(f.legacy_run_cost, 2), money)
            sheet.write_row(row, 6, (f.legacy_costs_not_known, f.red_rated_funded), number)
            if f.red_rated_funded_share is not None:
                sheet.write_number(row, 8, f.red_rated_funded_share, share)
            sheet.write_number(row, 9, f.ready_for_cloud, number)
            if f.ready_share is not None:
                sheet.write_number(row, 10, f.ready_share, share)
            sheet.write_number(row, 11, f.open_gaps, number)
        last = len(trend.points)
        whose = f"department {trend.department}" if trend.department else "the whole estate"
        notes = [f"Trend for {whose}; policy {trend.policy}. {trend.note}"]
        notes += [
            f"{point.period}, what moved: " + "; ".join(moves_lines(point.figures.moved)) + "."
            for point in trend.points
            if point.figures.moved
        ]
        if history.changes is None:
            notes.append(f"There is no earlier period to compare with: {history.no_changes}")
        row = last + 2
        width = sum(TREND_WIDTHS)
        for note in notes:
            _fit_row(sheet, row, [(note, width)])
            sheet.merge_range(row, 0, row, len(TREND_HEADERS) - 1, note, self.wrap)
            row += 1
        chart = self.book.add_chart({"type": "line"})
        # In constant-memory mode the chart cannot read back the cells it plots: its cached
        # data is given, so the periods are drawn as text and the counts as numbers.
        periods = [p.period for p in trend.points]
        for col, name, colour, counts in (
            (4, "Red-rated", "#D4351C", [p.figures.red_rated for p in trend.points]),
            (3, "Legacy systems", "#1D3557", [p.figures.legacy for p in trend.points]),
        ):
            chart.add_series(
                {
                    "name": ["Trend", 0, col],
                    "name_data": [name],
                    "categories": ["Trend", 1, 0, last, 0],
                    "categories_data": periods,
                    "values": ["Trend", 1, col, last, col],
                    "values_data": counts,
                    "line": {"color": colour, "width": 2.25},
                    "marker": {"type": "circle", "fill": {"color": colour}},
                }
            )
        chart.set_title({"name": "Red-rated and legacy systems by period", "name_font": TITLE_FONT})
        chart.set_x_axis({"num_font": CHART_FONT})
        chart.set_y_axis({"min": 0, "num_format": "#,##0", "num_font": CHART_FONT})
        chart.set_legend({"position": "bottom", "font": CHART_FONT})
        sheet.set_h_pagebreaks([row + 1])  # the chart on a page of its own, never split
        sheet.insert_chart(row + 1, 0, chart, {"x_scale": 1.4, "y_scale": 1.2})

    def changes_sheet(self, history: BoardHistory) -> None:
        """What changed from the end of the period before to the end of the period exported,
        one row a change, filterable: the system, the kind of change, what it was and is, and
        for a band move the criteria that moved it."""
        sheet = self.book.add_worksheet("Changes since last period")
        self._for_print(sheet, repeat_header=True)
        found = history.changes
        since = f" (end of {found.since})" if found else ""
        until = f" (end of {found.until})" if found else ""
        headers = (*CHANGE_HEADERS[:4], f"Was{since}", f"Now{until}", CHANGE_HEADERS[6])
        for index, width in enumerate(CHANGE_WIDTHS):
            sheet.set_column(index, index, width, self.wrap if index in CHANGE_WRAPPED else None)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 2)
        rows = (
            [
                (
                    line.systems(),
                    line.change.name,
                    line.change.department,
                    line.change.kind.value,
                    line.change.before,
                    line.change.after,
                    ", ".join(line.change.criteria),
                )
                for line in grouped(found.changes)
            ]
            if found is not None
            else [("", "", "", "No earlier period", "", history.no_changes, "")]
        )
        if found is not None and not rows:
            rows = [("", "", "", "No changes", "", "Nothing changed between the two periods", "")]
        for row, values in enumerate(rows, start=1):
            _fit_row(sheet, row, [(values[i], CHANGE_WIDTHS[i]) for i in CHANGE_WRAPPED])
            for col, value in enumerate(values):
                if value:  # a line many systems share lists them, wrapped in its cell
                    long = col < 4 and len(value) > CHANGE_WIDTHS[col]
                    sheet.write_string(row, col, value, self.wrap if long else None)
        sheet.autofilter(0, 0, len(rows), len(headers) - 1)
        self._print_first(sheet, len(rows), len(headers) - 1, PRINT_ROWS, "changes")

    def method_sheet(self, policy: Policy) -> None:
        """How every score is computed, in plain words, and the policy's main values as a short
        table (the whole policy is in the Policy sheet)."""
        sheet = self.book.add_worksheet("Method")
        self._for_print(sheet, landscape=False)
        # Narrow enough to print whole in 9-point type or larger where Calibri is missing:
        # LibreOffice with a wider stand-in font cut longer lines off at the page's edge.
        widths = (22, 54)
        width = sum(widths)
        sheet.set_column(0, 0, widths[0], self.bold_wrap)
        sheet.set_column(1, 1, widths[1], self.wrap)
        sheet.set_row(0, 2 * LINE_HEIGHT)  # the 16-point title, clear of the line under it
        sheet.write_string(0, 0, METHOD[0], self.title)
        marking = (
            f"Protective marking: {self.marking}. Every page of this workbook carries it at its "
            "top and foot; handle the printed paper accordingly."
        )
        row = 1
        for line in [marking, "", *METHOD[1:]]:
            if line:
                _fit_row(sheet, row, [(line, int(width * STAND_IN))])
                sheet.merge_range(row, 0, row, 1, line, self.wrap)
            row += 1
        row += 1
        sheet.write_row(row, 0, ("Policy setting", "Value"), self.header)
        for setting, value in policy_rows(policy.data):
            row += 1
            _fit_row(
                sheet,
                row,
                [(setting, int(widths[0] * STAND_IN)), (value, int(widths[1] * STAND_IN))],
            )
            sheet.write_string(row, 0, setting, self.bold_wrap)
            sheet.write_string(row, 1, value, self.wrap)
        sheet.set_default_row(hide_unused_rows=True)  # LibreOffice printed a blank page after it

    def policy_sheet(self, policy_text: str) -> None:
        """The policy in force, exactly as estate read it, one line a row."""
        sheet = self.book.add_worksheet("Policy")
        width = PORTRAIT_WIDTH  # one page wide when printed, long lines wrapped
        self._for_print(sheet, landscape=False, data=True, width=width)
        sheet.set_column(0, 0, width, self.wrap)
        for row, line in enumerate(policy_text.splitlines()):
            if line:
                _fit_row(sheet, row, [(line, width)])
                sheet.write_string(row, 0, line, self.wrap)

    def quality_sheet(self, quality: DataQuality) -> None:
        """What was unknown, unmatched or unresolved: one row per system and gap, filterable,
        each saying what the gap leaves unknown in the scoring."""
        sheet = self.book.add_worksheet("Data quality")
        detail_width = 70
        widths = (26, 18, 16, detail_width)
        self._for_print(sheet, repeat_header=True, data=True, width=sum(widths))
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width, self.wrap if index == 3 else None)
        sheet.write_row(0, 0, ("Issue", "System", "Leaves unknown", "Detail"), self.header)
        sheet.freeze_panes(1, 0)
        rows = quality_rows(quality)
        lines_of, (text, _number, _date) = WrappedLines(detail_width), _cell_writers(sheet)
        for row, line in enumerate(rows, start=1):
            lines = lines_of(line.detail)
            if lines > 1:
                sheet.set_row(row, _height(lines))
            _texts(text, row, 0, line)  # the detail takes its column's wrapping format
        sheet.autofilter(0, 0, max(len(rows), 1), 3)

    def sustainability_sheet(self, carbon: CarbonSummary) -> None:
        """Energy and carbon: estate.exports.sustainability_sheet."""
        # A data sheet: the Summary carries its totals to the board paper; it prints in full.
        SustainabilitySheet(
            self.book, self.header, self.bold, self.wrap, partial(self._for_print, data=True)
        ).write(carbon)

    def close(self) -> None:
        """Finish the file."""
        self.book.close()


def _lines(text: str, width: int) -> int:
    """About how many lines `text` takes wrapped in a column `width` characters wide: widths
    count the digit 0, about 1.3 characters of prose each, less a few for wrapping at words."""
    per_line = max(1, int(width * 1.25) - 3)
    if len(text) <= per_line and "\n" not in text:  # most cells: one line, worked out at once
        return 1
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def _filled(first: int, values: Iterable[str]) -> list[tuple[int, str]]:
    """(column, text) for each of `values` written from column `first` on, leaving out the
    empty ones (a blank cell is not written)."""
    return [(col, value) for col, value in enumerate(values, start=first) if value]


def _height(lines: int) -> float:
    """The height in points of a row of `lines` lines, within the tallest a spreadsheet allows."""
    return min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT)


def _fit_row(sheet: Worksheet, row: int, wrapped: Sequence[tuple[Any, int]]) -> None:
    """Make `row` tall enough for its wrapped texts, given with their column widths: neither
    Excel nor LibreOffice fits a row to wrapped text when it opens a file, so text would spill
    over the rows below. Called before the row's cells are written."""
    lines = max((_lines(text, width) for text, width in wrapped if text), default=1)
    if lines > 1:
        sheet.set_row(row, _height(lines))


def _cell_writers(sheet: Worksheet) -> tuple[Callable[..., Any], ...]:
    """The sheet's `write_string`, `write_number` and `write_datetime`, for a loop over every
    cell of a long sheet, without xlsxwriter's decorator that reads a first argument in A1
    notation (kept by `functools.wraps` as `__wrapped__`): such loops give the row and column
    as numbers, and over a 50,000-system pack's four million cells the decorator took about
    a second."""
    return tuple(
        types.MethodType(getattr(method, "__wrapped__", method), sheet)
        for method in (Worksheet.write_string, Worksheet.write_number, Worksheet.write_datetime)
    )


class WrappedLines:
    """The lines each text takes wrapped in one column (`_lines`), each distinct text worked
    out once: a long sheet repeats the same evidence, advice and details thousands of times,
    and most of them wrap. Called with a text (empty or None: one line)."""

    __slots__ = ("_known", "width")

    def __init__(self, width: int) -> None:
        self.width = width
        self._known: dict[str | None, int] = {}

    def __call__(self, text: str | None) -> int:
        found = self._known.get(text)
        if found is None:
            found = self._known[text] = _lines(text, self.width) if text else 1
        return found


def _texts(write: Callable[..., Any], row: int, col: int, values: Iterable[str]) -> None:
    """Write `values` as text cells of `row` from `col` on, leaving an empty one blank, as
    `write_row` does, without asking of each value what it is."""
    for offset, value in enumerate(values):
        if value:
            write(row, col + offset, value)


def write_workbook(
    path: Path,
    selection: list[SystemScore],
    context: dict[str, Any],
    summary: Summary,
    quality: DataQuality,
    waves: list[Wave],
    policy_text: str | None = None,
    progress: Progress | None = None,
    *,
    costs: CostFigures,
    sign_in: list[SignInGroup[SystemScore]],
    marking: str = DEFAULT_MARKING,
    portfolio: Portfolio | None = None,
    history: BoardHistory | None = None,
    carbon: CarbonSummary | None = None,
    policy: Policy | None = None,
    print_mode: PrintMode = PrintMode.BOARD,
) -> None:
    """Write the whole board workbook to `path` (the caller makes it atomic); `progress` hears
    each sheet begin, since a large estate's workbook takes tens of seconds. Every sheet
    carries `marking`, the as-of date and its page numbers in print. The portfolio sheet is
    written when `portfolio` (read from the stored components) is given, the trend and the
    changes since the last period when `history` is. The method gives `policy`'s main values
    (the default policy's when None). `print_mode` says whether printing the whole workbook
    gives the board paper alone or the data sheets with it."""
    as_of = dt.date.fromisoformat(context["as_of"])
    writer = WorkbookWriter(path, marking, as_of, print_mode)
    terms = [terms_of(s) for s in selection]
    sheets: list[tuple[str, Callable[[], None]]] = [
        (
            "Writing the summary",
            lambda: writer.summary_sheet(
                summary, costs, context, selection[:TOP_RISKS], wave_costs(selection, waves), carbon
            ),
        ),
        ("Writing the highest priorities to print", lambda: writer.print_view_sheet(selection)),
        ("Writing the priority list", lambda: writer.priority_sheet(selection)),
        ("Writing the legacy register", lambda: writer.register_sheet(selection)),
        ("Writing the improvement plan", lambda: writer.improvement_sheet(selection)),
        ("Writing the waves", lambda: writer.waves_sheet(selection, waves)),
        (
            "Writing the contracts",
            lambda: writer.contracts_sheet(ending_contracts(terms, as_of, CONTRACT_MONTHS)),
        ),
        (
            "Writing the suppliers",
            lambda: writer.suppliers_sheet(
                supplier_concentration(terms, as_of, CONTRACT_MONTHS), CONTRACT_MONTHS
            ),
        ),
        *(
            [
                ("Writing the portfolio", lambda: writer.portfolio_sheet(portfolio)),
                (
                    "Writing the consolidation candidates",
                    lambda: writer.consolidation_sheet(portfolio),
                ),
            ]
            if portfolio is not None
            else []
        ),
        ("Writing the sign-in sheet", lambda: writer.sign_in_sheet(sign_in)),
        *(
            [
                ("Writing the trend", lambda: writer.trend_sheet(history)),
                ("Writing the changes since last period", lambda: writer.changes_sheet(history)),
            ]
            if history is not None
            else []
        ),
        *(
            [("Writing the sustainability sheet", lambda: writer.sustainability_sheet(carbon))]
            if carbon is not None
            else []
        ),
        ("Writing the method", lambda: writer.method_sheet(policy or load_policy())),
        ("Writing the policy", lambda: writer.policy_sheet(policy_text or default_text())),
        ("Writing the data quality sheet", lambda: writer.quality_sheet(quality)),
        ("Saving the workbook", writer.close),
    ]
    # Millions of cells, each a small acyclic object freed as its row is written out: the
    # collector would otherwise walk every live object again and again while they pass. The
    # writer itself ends as garbage in cycles: left in the collector's sight, not frozen.
    with collector_paused(freeze=False):
        for done, (step, write) in enumerate(sheets):
            if progress:
                progress(step, done, len(sheets))
            write()
    if progress:
        progress("Saved", len(sheets), len(sheets))
