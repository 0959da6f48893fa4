"""The board workbook: summary with charts, priority list, legacy register, improvement plan,
migration waves, method and data quality.

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

from estate.exports.columns import PRIORITY_COLUMNS, REGISTER_COLUMNS, ExportColumn
from estate.exports.summary import DataQuality, Summary
from estate.graph.waves import Wave
from estate.progress import Progress
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
LINE_HEIGHT = 15.0
"""Points a line of text takes: the default row height for 11-point Calibri."""
MAX_ROW_HEIGHT = 409.0
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

    def __init__(self, path: Path) -> None:
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
        self.formats: dict[str, Format | None] = {
            "text": None,
            "int": add({"num_format": "#,##0"}),
            "number": add({"num_format": "0.0"}),
            "money": add({"num_format": "£#,##0"}),
            "date": add({"num_format": "dd/mm/yyyy"}),
            "bool": None,
            "wrapped": self.wrap,
        }
        self.band_formats = {band: add({"bg_color": colour}) for band, colour in BAND_FILLS.items()}

    @staticmethod
    def _for_print(sheet: Worksheet, repeat_header: bool = False, landscape: bool = True) -> None:
        """A4, one page wide, landscape unless the sheet is narrow, the header row repeated on
        every page when asked."""
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
        getters = [(c.value, self.formats[c.kind], c.kind) for c in columns]
        wrapped = [(i, c.width) for i, c in enumerate(columns) if c.kind == "wrapped"]
        for row, system in enumerate(systems, start=1):
            values = [value_of(system) for value_of, _, _ in getters]
            _fit_row(sheet, row, [(values[i], width) for i, width in wrapped])
            for col, ((_, fmt, kind), value) in enumerate(zip(getters, values, strict=True)):
                self._write(sheet, row, col, value, fmt, kind)
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

    def summary_sheet(self, summary: Summary, context: dict[str, Any]) -> None:
        """Figures and charts for the first page of a board paper."""
        sheet = self.book.add_worksheet("Summary")
        self._for_print(sheet)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 4, 14)
        sheet.write_string(0, 0, "Legacy technology remediation priorities", self.title)
        facts: list[tuple[str, Any]] = [
            ("As at", dt.date.fromisoformat(context["as_of"])),
            ("Policy", context["policy"]),
            ("Lifecycle catalogue", context["catalogue"]),
            ("Selection", context["selection"]),
            ("Systems", summary.systems),
            ("Legacy systems", summary.legacy),
            ("Red-rated with a funded plan", summary.red_funded),
            ("Red-rated with an unfunded plan", summary.red_unfunded_plan),
            ("Red-rated with no plan", summary.red_no_plan),
        ]
        for row, (label, value) in enumerate(facts, start=2):
            sheet.write_string(row, 0, label, self.bold)
            kind = (
                "date"
                if isinstance(value, dt.date)
                else "int"
                if isinstance(value, int)
                else "text"
            )
            self._write(sheet, row, 1, value, self.formats[kind], kind)
        row = 2 + len(facts) + 1
        band_row = self._count_block(sheet, row, "Legacy band", list(summary.by_band.items()))
        row = band_row + len(summary.by_band) + 2
        readiness_row = self._count_block(
            sheet, row, "Cloud readiness", list(summary.by_readiness.items())
        )
        row = readiness_row + len(summary.by_readiness) + 2
        sheet.write_row(row, 0, ["Department", "Systems", "Red-rated", "Legacy"], self.header)
        for offset, (department, systems, red, legacy) in enumerate(summary.by_department, start=1):
            sheet.write_string(row + offset, 0, department)
            sheet.write_row(row + offset, 1, [systems, red, legacy], self.formats["int"])
        departments = len(summary.by_department)
        if departments:  # an empty selection has no department to plot
            red_chart = self.book.add_chart({"type": "bar"})
            red_chart.add_series(
                {
                    "name": "Red-rated systems",
                    "categories": ["Summary", row + 1, 0, row + departments, 0],
                    "values": ["Summary", row + 1, 2, row + departments, 2],
                    "fill": {"color": "#D4351C"},
                }
            )
            red_chart.set_title({"name": "Red-rated systems by department"})
            red_chart.set_legend({"none": True})
            red_chart.set_y_axis({"reverse": True})
            sheet.insert_chart(2, 5, red_chart, {"x_scale": 1.3, "y_scale": 1.2})
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
        sheet.insert_chart(22, 5, readiness_chart, {"x_scale": 1.3, "y_scale": 1.0})

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
        row = 0
        for system in selection:
            for gap in system.gaps:
                row += 1
                _fit_row(sheet, row, [(gap.evidence, PLAN_WIDTHS[evidence])])
                sheet.write_number(row, 0, system.rank, number)
                for col, value in enumerate(
                    (
                        system.key,
                        system.name,
                        system.department,
                        gap.framework.value,
                        gap.principle.value,
                        gap.principle.label,
                        gap.severity.value,
                        gap.source,
                    ),
                    start=1,
                ):
                    sheet.write_string(row, col, value)
                sheet.write_string(row, evidence, gap.evidence, self.wrap)
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def waves_sheet(self, selection: list[SystemScore], waves: list[Wave]) -> None:
        """The selection's migration waves."""
        sheet = self.book.add_worksheet("Waves")
        self._for_print(sheet, repeat_header=True, landscape=False)
        headers = ("Wave", "System", "Name", "Department", "Priority", "Moves with its cycle group")
        for index, width in enumerate((6, 16, 30, 11, 9, 14)):
            sheet.set_column(index, index, width)
        sheet.set_row(0, 30)
        sheet.write_row(0, 0, headers, self.header)
        sheet.freeze_panes(1, 0)
        by_key = {s.key: s for s in selection}
        row = 0
        for wave in waves:
            grouped = {key for cluster in wave.clusters for key in cluster}
            for key in wave.systems:
                row += 1
                system = by_key[key]
                sheet.write_number(row, 0, wave.number)
                sheet.write_string(row, 1, key)
                sheet.write_string(row, 2, system.name)
                sheet.write_string(row, 3, system.department)
                sheet.write_number(row, 4, system.priority, self.formats["number"])
                sheet.write_string(row, 5, "Yes" if key in grouped else "No")
        sheet.autofilter(0, 0, max(row, 1), len(headers) - 1)

    def method_sheet(self, policy_text: str) -> None:
        """How every score is computed, in plain words, and the policy in force."""
        sheet = self.book.add_worksheet("Method")
        self._for_print(sheet)
        # Narrow enough to print whole where Calibri is missing: LibreOffice with a wider
        # stand-in font cut 120-character lines off at the page's edge.
        width = 100
        sheet.set_column(0, 0, width, self.wrap)
        sheet.write_string(0, 0, METHOD[0], self.title)
        lines = [*METHOD[1:], "", *policy_text.splitlines()]
        for row, line in enumerate(lines, start=1):
            if line:
                _fit_row(sheet, row, [(line, width)])
                sheet.write_string(row, 0, line, self.wrap)

    def quality_sheet(self, quality: DataQuality, names: dict[str, str]) -> None:
        """What was unknown, unmatched or unresolved: criteria as counts, the rest listed."""
        sheet = self.book.add_worksheet("Data quality")
        self._for_print(sheet, repeat_header=True)
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 18)
        detail_width = 80
        sheet.set_column(2, 2, detail_width, self.wrap)
        sheet.write_row(0, 0, ("Issue", "System", "Detail"), self.header)
        sheet.freeze_panes(1, 0)
        rows: list[tuple[str, str, str]] = [
            (
                f"Criterion {code} not known",
                f"{count:,} systems",
                f"{names.get(code, code)}: "
                "neither self-assessed nor derivable from the return; left out of the totals",
            )
            for code, count in sorted(quality.unknown_by_criterion.items())
        ]
        rows += [("Component not in catalogue", key, text) for key, text in quality.unmatched]
        rows += [
            ("Unresolved dependency", key, f"depends on {target}, which no return has supplied")
            for key, target in quality.unresolved
        ]
        rows += [
            ("Cloud readiness unknown", key, "too little data") for key in quality.readiness_unknown
        ]
        rows += [
            ("Missing from latest return", key, "listed before, not in the latest return")
            for key in quality.missing_from_return
        ]
        rows += [
            ("Self-assessment contradicted", key, text) for key, text in quality.contradictions
        ]
        for row, (issue, system, detail) in enumerate(rows, start=1):
            _fit_row(sheet, row, [(detail, detail_width)])
            sheet.write_row(row, 0, (issue, system))
            sheet.write_string(row, 2, detail, self.wrap)
        sheet.autofilter(0, 0, max(len(rows), 1), 2)

    def close(self) -> None:
        """Finish the file."""
        self.book.close()


def _lines(text: str, width: int) -> int:
    """About how many lines `text` takes wrapped in a column `width` characters wide: widths
    count the digit 0, about 1.3 characters of prose each, less a few for wrapping at words."""
    per_line = max(1, int(width * 1.25) - 3)
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
) -> None:
    """Write the whole board workbook to `path` (the caller makes it atomic); `progress` hears
    each sheet begin, since a large estate's workbook takes tens of seconds."""
    writer = WorkbookWriter(path)
    criteria = {
        c.code: c.name for s in selection[:1] for c in (*s.legacy.likelihood, *s.legacy.impact)
    }
    sheets: list[tuple[str, Callable[[], None]]] = [
        ("Writing the summary", lambda: writer.summary_sheet(summary, context)),
        ("Writing the priority list", lambda: writer.priority_sheet(selection)),
        ("Writing the legacy register", lambda: writer.register_sheet(selection)),
        ("Writing the improvement plan", lambda: writer.improvement_sheet(selection)),
        ("Writing the waves", lambda: writer.waves_sheet(selection, waves)),
        ("Writing the method", lambda: writer.method_sheet(policy_text or default_text())),
        ("Writing the data quality sheet", lambda: writer.quality_sheet(quality, criteria)),
        ("Saving the workbook", writer.close),
    ]
    for done, (step, write) in enumerate(sheets):
        if progress:
            progress(step, done, len(sheets))
        write()
    if progress:
        progress("Saved", len(sheets), len(sheets))
