"""The board workbook's energy and carbon: the figures on its Summary, and a Sustainability
sheet with the totals, a chart of carbon by department, the groups by department and hosting,
what the planned and suggested moves and the migration waves would save, and the largest
emitters with how each figure was worked out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from estate.exports.print_view import CHART_FONT, TITLE_FONT
from estate.sustainability.summary import CarbonSummary, MoveTotals, Totals

SHEET = "Sustainability"
NOTE = (
    "Estimates, location based: each system's electricity a year (metered, else modelled from "
    "its servers, vCPUs and utilisation, else from its hosting) times its site's PUE and the "
    "UK government's conversion factor for the year, or its cloud region's. Systems nothing "
    "is known about are counted apart, never as zero. Every figure's working and defaults: "
    "`estate carbon --json`; sources: docs/sustainability.md."
)


def tenths(value: float) -> float:
    """A figure of MWh or tonnes as the sheet shows it, to a tenth: the cell holds what it
    shows, so a reader copying it, or a program reading the file, gets the same figure (the
    exact working is in `estate carbon --json`)."""
    return round(value, 1) + 0.0  # + 0.0: never "-0.0"


def summary_facts(
    carbon: CarbonSummary, number: Format | None, tenth: Format | None
) -> list[tuple[str, Any, Format | None]]:
    """The lines the Summary sheet adds to its headline figures (`number` the format of a
    count, `tenth` of a figure to a tenth, as the Sustainability sheet gives them)."""
    total = carbon.total
    return [
        ("Carbon a year, estimated (t CO2e)", tenths(total.kg_co2e / 1000), tenth),
        ("Systems whose carbon is not estimated", total.not_estimated, number),
        ("Servers past their life", total.servers_past_life, number),
    ]


class SustainabilitySheet:
    """Writes the Sustainability sheet into a board workbook."""

    def __init__(
        self,
        book: Workbook,
        header: Format,
        bold: Format,
        wrap: Format,
        for_print: Callable[[Worksheet], None],
    ) -> None:
        self.book = book
        self.header = header
        self.bold = bold
        self.wrap = wrap
        self.for_print = for_print
        self.number = book.add_format({"num_format": "#,##0.0"})
        self.count = book.add_format({"num_format": "#,##0"})

    def write(self, carbon: CarbonSummary) -> None:
        """The whole sheet."""
        sheet = self.book.add_worksheet(SHEET)
        self.for_print(sheet)
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, 6, 15)
        sheet.write_string(0, 0, "Energy and carbon", self.bold)
        sheet.merge_range(1, 0, 1, 6, NOTE, self.wrap)
        sheet.set_row(1, 60)
        total = carbon.total
        facts: list[tuple[str, float | int]] = [
            ("Conversion factors of (DESNZ)", carbon.grid_year),
            ("Energy a year (MWh)", tenths(total.kwh / 1000)),
            ("Carbon a year (t CO2e)", tenths(total.kg_co2e / 1000)),
            ("Systems", total.systems),
            ("Not estimated (not in the sums)", total.not_estimated),
            ("Estimated with at least one default", total.with_defaults),
            (
                "Embodied carbon a year of hardware in life (t CO2e)",
                tenths(total.embodied_kg_a_year / 1000),
            ),
            ("Servers past their life (waste when retired)", total.servers_past_life),
            ("Their embodied carbon (t CO2e)", tenths(total.past_life_embodied_kg / 1000)),
        ]
        row = 3
        for label, value in facts:
            sheet.write_string(row, 0, label, self.bold)
            sheet.write_number(row, 1, value, self.number if isinstance(value, float) else None)
            row += 1
        row += 1
        department_row = row
        row = self._totals(sheet, row, "Department", carbon.departments) + 2
        chart_row = row
        row += 18  # the chart takes about sixteen rows
        row = self._totals(sheet, row, "Hosting", carbon.hosting) + 2
        for title, moves in (
            ("Planned disposition", carbon.planned),
            ("Suggested disposition", carbon.suggested),
            ("Migration wave", carbon.waves),
        ):
            if moves:
                row = self._moves(sheet, row, title, moves) + 2
        self._largest(sheet, row, carbon)
        departments = len(carbon.departments)
        if departments:
            chart = self.book.add_chart({"type": "bar"})
            chart.add_series(
                {
                    "name": "t CO2e a year",
                    "categories": [SHEET, department_row + 1, 0, department_row + departments, 0],
                    "values": [SHEET, department_row + 1, 3, department_row + departments, 3],
                    "fill": {"color": "#00703C"},
                }
            )
            chart.set_title(
                {"name": "Carbon a year by department (t CO2e)", "name_font": TITLE_FONT}
            )
            chart.set_legend({"none": True})
            chart.set_x_axis({"num_font": CHART_FONT})
            chart.set_y_axis({"reverse": True, "num_font": CHART_FONT})
            sheet.insert_chart(chart_row, 0, chart, {"x_scale": 1.3, "y_scale": 1.1})

    def _totals(self, sheet: Worksheet, row: int, title: str, lines: Sequence[Totals]) -> int:
        sheet.write_row(
            row,
            0,
            [title, "Systems", "MWh a year", "t CO2e a year", "Not estimated", "Past life"],
            self.header,
        )
        for line in lines:
            row += 1
            sheet.write_string(row, 0, line.label)
            sheet.write_number(row, 1, line.systems, self.count)
            sheet.write_number(row, 2, tenths(line.kwh / 1000), self.number)
            sheet.write_number(row, 3, tenths(line.kg_co2e / 1000), self.number)
            sheet.write_number(row, 4, line.not_estimated, self.count)
            sheet.write_number(row, 5, line.servers_past_life, self.count)
        return row

    def _moves(self, sheet: Worksheet, row: int, title: str, lines: Sequence[MoveTotals]) -> int:
        sheet.write_row(
            row,
            0,
            [title, "Systems", "MWh saved", "t CO2e saved", "Not estimated", "Servers freed"],
            self.header,
        )
        for line in lines:
            row += 1
            sheet.write_string(row, 0, line.move)
            sheet.write_number(row, 1, line.systems, self.count)
            sheet.write_number(row, 2, tenths(line.kwh_saved / 1000), self.number)
            sheet.write_number(row, 3, tenths(line.kg_saved / 1000), self.number)
            sheet.write_number(row, 4, line.not_estimated, self.count)
            sheet.write_number(row, 5, line.servers_freed, self.count)
        return row

    def _largest(self, sheet: Worksheet, row: int, carbon: CarbonSummary) -> None:
        sheet.write_row(
            row,
            0,
            ["Largest emitters", "Basis", "t CO2e a year", "How", "", "", "Defaults"],
            self.header,
        )
        for system in carbon.largest:
            row += 1
            found = system.estimate
            how = found.steps[0] if found.steps else ""
            sheet.set_row(row, 45)
            sheet.write_string(row, 0, f"{system.key} {system.name}", self.wrap)
            sheet.write_string(row, 1, found.basis.value)
            sheet.write_number(row, 2, tenths((found.kg_co2e or 0.0) / 1000), self.number)
            sheet.merge_range(row, 3, row, 5, how, self.wrap)
            sheet.write_string(row, 6, "; ".join(found.defaults) or "none", self.wrap)
