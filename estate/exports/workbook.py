"""The board workbook: summary with money, the ten highest risks and charts, priority list,
legacy register, improvement plan, migration waves, sign-in, method and data quality, every
sheet carrying its protective marking, page numbers and as-of date when printed.

Written with XlsxWriter in constant-memory mode: rows stream to disk as they are written, so a
50,000-system list needs little memory, and it is the fastest well-kept xlsx writer for Python.
Every text is written as a string cell, so text that looks like a formula never runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from estate.costs import (
    CostFigures,
    CostLine,
    headline,
    red_unfunded_words,
    run_cost,
    wave_costs,
)
from estate.enums import Principle
from estate.exports.columns import PRIORITY_COLUMNS, REGISTER_COLUMNS, ExportColumn, suggested
from estate.exports.summary import DataQuality, Summary, quality_rows
from estate.graph.waves import Wave
from estate.history.board import BoardHistory
from estate.identity import SignInGroup
from estate.portfolio import EXTENDED, NOT_KNOWN, OUT_OF_SUPPORT, SUPPORTED, Portfolio
from estate.progress import Progress
from estate.ranking.contracts import (
    Contract,
    Supplier,
    ending_contracts,
    supplier_concentration,
    terms_of,
)
from estate.scoring.policy import default_text
from estate.scoring.results import SystemScore

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
TREND_WIDTHS = (10, 11, 9, 9, 9, 13, 10, 10, 10, 9, 10, 10)
CHANGE_HEADERS = (
    "System",
    "Name",
    "Department",
    "Change",
    "Was",
    "Now",
    "Criteria that moved the band",
)
CHANGE_WIDTHS = (16, 28, 11, 20, 28, 28, 28)
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
    "The policy in force follows, exactly as estate read it.",
)


class WorkbookWriter:
    """Writes the board workbook for a selection of scored systems."""

    def __init__(
        self, path: Path, marking: str = DEFAULT_MARKING, as_of: dt.date | None = None
    ) -> None:
        self.marking = marking
        # A header or footer's "&" starts a code: a marking's own is doubled to print as itself.
        shown = marking.replace("&", "&&")
        dated = f"&LAs at {as_of:%d/%m/%Y}" if as_of else ""
        self.page_header = f"&C{shown}"
        self.page_footer = f"{dated}&C{shown}&RPage &P of &N"
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
            "percent": add({"num_format": "0%"}),
            "date": add({"num_format": "dd/mm/yyyy"}),
            "bool": None,
            "wrapped": self.wrap,
        }
        self.band_formats = {band: add({"bg_color": colour}) for band, colour in BAND_FILLS.items()}

    def _for_print(
        self, sheet: Worksheet, repeat_header: bool = False, landscape: bool = True
    ) -> None:
        """A4, one page wide, landscape unless the sheet is narrow, the header row repeated on
        every page when asked; the protective marking at the top and foot of every page, with
        the as-of date and "Page N of M"."""
        sheet.set_header(self.page_header)
        sheet.set_footer(self.page_footer)
        if landscape:
            sheet.set_landscape()
        else:
            sheet.set_portrait()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        if repeat_header:
            sheet.repeat_rows(0)

    def _table(
        self,
        sheet: Worksheet,
        columns: Sequence[ExportColumn],
        systems: Iterable[SystemScore],
        band_column: int | None = None,
    ) -> int:
        """Header, frozen; one row per system; autofilter; band fills. Returns rows written."""
        self._for_print(sheet, repeat_header=True)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, column.width, self.formats[column.kind])
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, [c.header for c in columns], self.header)
        sheet.freeze_panes(1, 2)
        row = 0
        getters = [c.value for c in columns]
        cells = [(self.formats[c.kind], c.kind == "date") for c in columns]
        wrapped = [(i, c.width) for i, c in enumerate(columns) if c.kind == "wrapped"]
        # Bound once: this loop writes every cell of the two longest sheets.
        text, number, date = sheet.write_string, sheet.write_number, sheet.write_datetime
        for row, system in enumerate(systems, start=1):
            values = [value_of(system) for value_of in getters]
            _fit_row(sheet, row, [(values[i], width) for i, width in wrapped])
            for col, value in enumerate(values):
                if value is None or value == "":
                    continue
                fmt, dated = cells[col]
                if isinstance(value, str):
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
    ) -> None:
        """The first page of a board paper, read in a minute: headline figures and money, the
        ten highest risks with why and what to do, the charts, then the figures behind them,
        ending with each migration wave's run cost."""
        sheet = self.book.add_worksheet("Summary")
        self._for_print(sheet)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 7, 14)
        money, number = self.formats["money"], self.formats["int"]
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
        ]
        row = 2
        for label, value, fmt in facts:
            sheet.write_string(row, 0, label, self.bold)
            if isinstance(value, dt.date):
                self._write(sheet, row, 1, value, fmt, "date")
            elif isinstance(value, str):
                sheet.write_string(row, 1, value)
            else:
                sheet.write_number(row, 1, value, fmt)
            row += 1
        row += 1
        for sentence in (headline(costs), red_unfunded_words(costs)):
            _fit_row(sheet, row, [(sentence, 34 + 7 * 14)])
            sheet.merge_range(row, 0, row, 7, sentence, self.bold_wrap)
            row += 1
        row = self._top_risks(sheet, row + 1, top)
        chart_row = row + 1
        row = chart_row + 21  # the charts take about twenty rows
        row = self._cost_block(sheet, row, "Legacy band", costs.by_band) + 2
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
        self._cost_block(sheet, row + 2, "Migration wave", waves)
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
            red_chart.set_title({"name": "Red-rated systems by department"})
            red_chart.set_legend({"none": True})
            red_chart.set_y_axis({"reverse": True})
            sheet.insert_chart(chart_row, 0, red_chart, {"x_scale": 1.1, "y_scale": 1.3})
        readiness_chart = self.book.add_chart({"type": "column"})
        readiness_chart.add_series(
            {
                "name": "Systems",
                "categories": ["Summary", readiness_row + 1, 0, readiness_row + 4, 0],
                "values": ["Summary", readiness_row + 1, 1, readiness_row + 4, 1],
                "points": [{"fill": {"color": c}} for c in READINESS_COLOURS],
            }
        )
        readiness_chart.set_title({"name": "Cloud readiness"})
        readiness_chart.set_legend({"none": True})
        sheet.insert_chart(chart_row, 4, readiness_chart, {"x_scale": 1.1, "y_scale": 1.3})

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
            _fit_row(sheet, row, [(name, 34), (why, 3 * 14), (do, 3 * 14)])
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
            _fit_row(sheet, row, [(line.label, 34)])
            sheet.write_string(row, 0, line.label, self.wrap)
            sheet.write_number(row, 1, line.systems, self.formats["int"])
            sheet.write_number(row, 2, line.cost, self.formats["money"])
            sheet.write_number(row, 3, line.unknown, self.formats["int"])
            total.systems += line.systems
            total.cost += line.cost
            total.unknown += line.unknown
        row += 1
        sheet.write_string(row, 0, total.label, self.bold)
        sheet.write_number(row, 1, total.systems, self.formats["int"])
        sheet.write_number(row, 2, total.cost, self.formats["money"])
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

    def register_sheet(self, selection: list[SystemScore]) -> None:
        """The central legacy asset register's columns, for the legacy systems selected."""
        sheet = self.book.add_worksheet("Legacy register")
        legacy = [s for s in selection if s.legacy.is_legacy]
        self._table(sheet, REGISTER_COLUMNS, legacy)

    def improvement_sheet(self, selection: list[SystemScore]) -> None:
        """One row per security gap per system, in priority order (a Targeted Improvement Plan)."""
        sheet = self.book.add_worksheet("Improvement plan")
        self._for_print(sheet, repeat_header=True)
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
        write_row = sheet.write_row
        # Each principle's framework, code and title, worked out once, not once a gap.
        principles = {p: (p.framework.value, p.value, p.label) for p in Principle}
        row = 0
        for system in selection:
            for gap in system.gaps:
                row += 1
                _fit_row(sheet, row, [(gap.evidence, PLAN_WIDTHS[evidence])])
                sheet.write_number(row, 0, system.rank, number)
                write_row(  # the evidence takes its column's wrapping format
                    row,
                    1,
                    (
                        system.key,
                        system.name,
                        system.department,
                        *principles[gap.principle],
                        gap.severity.value,
                        gap.source,
                        gap.evidence,
                    ),
                )
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def waves_sheet(self, selection: list[SystemScore], waves: list[Wave]) -> None:
        """The selection's migration waves, each system with its run cost."""
        sheet = self.book.add_worksheet("Waves")
        self._for_print(sheet, repeat_header=True, landscape=False)
        headers = (
            "Wave",
            "System",
            "Name",
            "Department",
            "Priority",
            "Annual run cost",
            "Moves with its cycle group",
        )
        for index, width in enumerate((6, 16, 30, 11, 9, 12, 14)):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        by_key = {s.key: s for s in selection}
        money = self.formats["money"]
        row = 0
        for wave in waves:
            grouped = {key for cluster in wave.clusters for key in cluster}
            for key in wave.systems:
                row += 1
                system = by_key[key]
                sheet.write_row(row, 0, (wave.number, key, system.name, system.department))
                sheet.write_number(row, 4, system.priority, self.formats["number"])
                cost = run_cost(system)
                if cost is not None:
                    sheet.write_number(row, 5, cost, money)
                sheet.write_string(row, 6, "Yes" if key in grouped else "No")
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
        widths = (16, 11, 16, 28, 11, 11, 12, 16, 26, 40)
        for index, width in enumerate(widths):
            sheet.set_column(index, index, width, self.wrap if index >= 8 else None)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 3)
        row = 0
        for row, contract in enumerate(contracts, start=1):
            t = contract.terms
            _fit_row(sheet, row, [(t.disposition, widths[8]), (t.disposition_reason, widths[9])])
            sheet.write_string(row, 0, contract.window)
            if t.contract_end is not None:
                self._write(sheet, row, 1, t.contract_end, self.formats["date"], "date")
            sheet.write_row(row, 2, (t.key, t.name, t.department, t.band or ""))
            if t.run_cost is not None:
                sheet.write_number(row, 6, t.run_cost, self.formats["money"])
            sheet.write_string(row, 7, t.supplier or "")
            sheet.write_string(row, 8, t.disposition, self.wrap)
            sheet.write_string(row, 9, t.disposition_reason, self.wrap)
        last = max(row, 1)
        sheet.autofilter(0, 0, last, len(headers) - 1)
        self._band_fills(sheet, 5, last, len(headers) - 1)

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
        for index, width in enumerate((24, 9, 13, 10, 9, 12, 14)):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 45)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 1)
        number = self.formats["int"]
        row = 0
        for row, supplier in enumerate(suppliers, start=1):
            sheet.write_string(row, 0, supplier.name)
            sheet.write_number(row, 1, supplier.systems, number)
            sheet.write_number(row, 2, supplier.run_cost, self.formats["money"])
            sheet.write_number(row, 3, supplier.costs_not_known, number)
            sheet.write_number(row, 4, supplier.red_rated, number)
            sheet.write_number(row, 5, len(supplier.departments), number)
            sheet.write_number(row, 6, supplier.ending, number)
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def portfolio_sheet(self, portfolio: Portfolio) -> None:
        """Each product line in use and its releases with how many systems and departments run
        them and how many are out of support or on paid extended support; then the candidates
        for consolidation."""
        sheet = self.book.add_worksheet("Portfolio")
        self._for_print(sheet, repeat_header=True)
        headers = (
            "Product",
            "Kind",
            "Release",
            "Systems",
            "Departments",
            "Out of support",
            "Paid extended support",
            "Supported",
            "Support not known",
            "Security support ends",
            "Extended support ends",
        )
        for index, width in enumerate((26, 16, 26, 9, 11, 9, 9, 9, 9, 11, 11)):
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
        self._for_print(sheet, repeat_header=True)
        headers = ("Candidate", "Concerns", "Detail", "Systems", "Departments")
        widths = (16, 24, 80, 9, 11)
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
        self._for_print(sheet, repeat_header=True)
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
        for index, width in enumerate((11, 15, 26, 16, 30, 9, 11, 12)):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        row = 0
        for group in groups:
            for system in group.systems:
                row += 1
                sheet.write_row(
                    row,
                    0,
                    (
                        group.department,
                        group.audience,
                        group.candidate_for,
                        system.key,
                        system.name,
                    ),
                )
                sheet.write_number(row, 5, system.priority, self.formats["number"])
                band = system.legacy.band
                if band is not None:
                    sheet.write_string(row, 6, band.value)
                cost = run_cost(system)
                if cost is not None:
                    sheet.write_number(row, 7, cost, self.formats["money"])
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def trend_sheet(self, history: BoardHistory) -> None:
        """One row a period, oldest first, with the figures `estate trend` gives, then how
        they were worked out and a line chart of red-rated and legacy systems by period."""
        sheet = self.book.add_worksheet("Trend")
        self._for_print(sheet, repeat_header=True)
        for index, width in enumerate(TREND_WIDTHS):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 45)
        sheet.write_row(0, 0, TREND_HEADERS, self.header)
        sheet.freeze_panes(1, 1)
        trend = history.trend
        number, money, share = self.formats["int"], self.formats["money"], self.formats["percent"]
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
        chart.set_title({"name": "Red-rated and legacy systems by period"})
        chart.set_y_axis({"min": 0, "num_format": "#,##0"})
        chart.set_legend({"position": "bottom"})
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
            sheet.set_column(index, index, width, self.wrap if index >= 4 else None)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 2)
        rows = (
            [
                (
                    c.key,
                    c.name,
                    c.department,
                    c.kind.value,
                    c.before,
                    c.after,
                    ", ".join(c.criteria),
                )
                for c in found.changes
            ]
            if found is not None
            else [("", "", "", "No earlier period", "", history.no_changes, "")]
        )
        if found is not None and not rows:
            rows = [("", "", "", "No changes", "", "Nothing changed between the two periods", "")]
        for row, values in enumerate(rows, start=1):
            _fit_row(sheet, row, [(v, w) for v, w in zip(values, CHANGE_WIDTHS, strict=True)][4:])
            for col, value in enumerate(values):
                if value:
                    sheet.write_string(row, col, value)
        sheet.autofilter(0, 0, len(rows), len(headers) - 1)

    def method_sheet(self, policy_text: str) -> None:
        """How every score is computed, in plain words, and the policy in force."""
        sheet = self.book.add_worksheet("Method")
        self._for_print(sheet)
        # Narrow enough to print whole where Calibri is missing: LibreOffice with a wider
        # stand-in font cut 120-character lines off at the page's edge.
        width = 100
        sheet.set_column(0, 0, width, self.wrap)
        sheet.write_string(0, 0, METHOD[0], self.title)
        marking = (
            f"Protective marking: {self.marking}. Every page of this workbook carries it at its "
            "top and foot; handle the printed paper accordingly."
        )
        lines = [marking, "", *METHOD[1:], "", *policy_text.splitlines()]
        for row, line in enumerate(lines, start=1):
            if line:
                _fit_row(sheet, row, [(line, width)])
                sheet.write_string(row, 0, line, self.wrap)
        sheet.set_default_row(hide_unused_rows=True)  # LibreOffice printed a blank page after it

    def quality_sheet(self, quality: DataQuality) -> None:
        """What was unknown, unmatched or unresolved: one row per system and gap, filterable,
        each saying what the gap leaves unknown in the scoring."""
        sheet = self.book.add_worksheet("Data quality")
        self._for_print(sheet, repeat_header=True)
        detail_width = 70
        for index, width in enumerate((26, 18, 16, detail_width)):
            sheet.set_column(index, index, width, self.wrap if index == 3 else None)
        sheet.write_row(0, 0, ("Issue", "System", "Leaves unknown", "Detail"), self.header)
        sheet.freeze_panes(1, 0)
        rows = quality_rows(quality)
        for row, line in enumerate(rows, start=1):
            _fit_row(sheet, row, [(line.detail, detail_width)])
            sheet.write_row(row, 0, line)  # the detail takes its column's wrapping format
        sheet.autofilter(0, 0, max(len(rows), 1), 3)

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


def _fit_row(sheet: Worksheet, row: int, wrapped: Sequence[tuple[Any, int]]) -> None:
    """Make `row` tall enough for its wrapped texts, given with their column widths: neither
    Excel nor LibreOffice fits a row to wrapped text when it opens a file, so text would spill
    over the rows below. Called before the row's cells are written."""
    lines = max((_lines(text, width) for text, width in wrapped if text), default=1)
    if lines > 1:
        sheet.set_row(row, min(lines * LINE_HEIGHT, MAX_ROW_HEIGHT))


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
) -> None:
    """Write the whole board workbook to `path` (the caller makes it atomic); `progress` hears
    each sheet begin, since a large estate's workbook takes tens of seconds. Every sheet
    carries `marking`, the as-of date and its page numbers in print. The portfolio sheet is
    written when `portfolio` (read from the stored components) is given, the trend and the
    changes since the last period when `history` is."""
    as_of = dt.date.fromisoformat(context["as_of"])
    writer = WorkbookWriter(path, marking, as_of)
    terms = [terms_of(s) for s in selection]
    sheets: list[tuple[str, Callable[[], None]]] = [
        (
            "Writing the summary",
            lambda: writer.summary_sheet(
                summary, costs, context, selection[:TOP_RISKS], wave_costs(selection, waves)
            ),
        ),
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
        ("Writing the method", lambda: writer.method_sheet(policy_text or default_text())),
        ("Writing the data quality sheet", lambda: writer.quality_sheet(quality)),
        ("Saving the workbook", writer.close),
    ]
    for done, (step, write) in enumerate(sheets):
        if progress:
            progress(step, done, len(sheets))
        write()
    if progress:
        progress("Saved", len(sheets), len(sheets))
