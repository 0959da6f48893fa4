"""What the board workbook prints: the sheets of the board paper, the priority list's print
view (the columns a board reads, for the highest priorities alone), how many rows of a long
sheet the paper carries, and the policy in force as a short table.

The workbook's data sheets (the full priority list, the register, the data-quality rows, the
policy's text) stay in the workbook for people to filter; in the default print they are given
an empty print area, which LibreOffice and Excel both leave out of a printed or PDF workbook,
so printing the whole workbook gives the paper alone, a few pages whatever the estate's size.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from estate.costs import run_cost
from estate.render.list_columns import ExportColumn, suggested
from estate.scoring.results import SystemScore


class PrintMode(StrEnum):
    """What printing the whole workbook gives."""

    BOARD = "board"
    """The board paper alone: summary, highest priorities, contracts, trend and method."""
    FULL = "full"
    """Every sheet: the board paper's and, each in its place, the data sheets."""


CHART_FONT = {"size": 11}
"""A chart's labels in the size of the cells' text: a sheet fitted to its page prints both at
9 points or more (a chart's own default, 10 points, came out smaller)."""
TITLE_FONT = {"size": 13, "bold": True}
PRINT_TOP = 20
"""How many of the highest priorities the printed paper lists (the Priority list sheet holds
every selected system)."""
PRINT_ROWS = 30
"""How many rows of the changes the paper prints; the sheet holds all."""
CONTRACT_ROWS = 10
"""How many contracts the paper prints (each with the reason for its suggested disposition,
which takes several lines); the sheet holds all."""
SUPPLIER_ROWS = 30
"""How many suppliers, largest run cost first, print."""
PRINT_REASONS = 3
"""How many of a system's reasons its printed row gives when it has no headline."""
MIN_SCALE = 82
"""The smallest print scale (per cent) the paper may be fitted at: 11-point text printed at
82% is 9 points, the smallest a board paper should carry."""
LANDSCAPE_WIDTH = 115
"""The widest a landscape sheet's columns may add up to (in widths of the digit 0) and still
print one page wide on A4 at `MIN_SCALE` or more where Calibri is missing: LibreOffice then
measures columns in a stand-in font's digit (DejaVu Sans's is a third wider), so a sheet
shrinks to fit (measured: 114 widths print 11-point text at 9 points). In Calibri the same
sheet prints at full size."""
STAND_IN = 0.8
"""How many of Calibri's characters a stand-in font fits in the same width, for the height of
the printed view's wrapped rows."""
PORTRAIT_WIDTH = 76
"""The same for a portrait sheet."""
EMPTY_AREA = (0, 255, 0, 255)
"""The print area of a data sheet in the board print: one empty cell (IV1), past every column
the workbook writes, which prints no page at all."""


def _why(system: SystemScore) -> str:
    return system.headline or "; ".join(system.reasons[:PRINT_REASONS])


def _funded(system: SystemScore) -> str:
    funded = system.record.plan_funded
    return "" if funded is None else ("Yes" if funded else "No")


PRINT_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Rank", 5, "int", lambda s: s.rank),
    ExportColumn("System", 14, "text", lambda s: s.key),
    ExportColumn("Name", 15, "wrapped", lambda s: s.name),
    ExportColumn("Legacy band", 9, "text", lambda s: s.legacy.band.value if s.legacy.band else ""),
    ExportColumn("Priority", 8, "number", lambda s: s.priority),
    ExportColumn("Annual run cost", 11, "money", run_cost),
    ExportColumn("Why", 22, "wrapped", _why),
    ExportColumn("Suggested disposition", 13, "wrapped", suggested),
    ExportColumn("Plan funded", 7, "text", _funded),
    ExportColumn("Target date", 11, "date", lambda s: s.record.target_date),
)
"""The priority list as a board reads it on paper: ten columns, one landscape page wide (the
system's key names its department)."""


def first_of(shown: int, total: int, what: str) -> str:
    """A page header's words for a sheet printed in part: "first 40 of 1,234 contracts; all
    are in the workbook"; empty when the whole sheet prints."""
    if total <= shown:
        return ""
    return f"First {shown:,} of {total:,} {what}; all are in the workbook"


def _percent(value: Any) -> str:
    return f"{float(value):.0%}"


def policy_rows(data: dict[str, Any]) -> list[tuple[str, str]]:
    """The policy's values a reader of the method needs, as (setting, value) rows: the bands,
    the legacy threshold, the priority's weights, the cloud-readiness penalties and the
    security settings. The whole policy, every derivation rule, is in the Policy sheet."""
    legacy, priority = data["legacy"], data["priority"]
    readiness, security = data["readiness"], data["security"]
    weights = priority["weights"]
    rows = [
        ("Policy", f"{data['name']} {data['version']}"),
        (
            "Legacy bands (score 1-30)",
            f"Low below {legacy['medium_from']}, Medium from {legacy['medium_from']}, "
            f"High from {legacy['high_from']}, Red-rated from {legacy['red_from']}",
        ),
        (
            "Legacy when",
            f"any likelihood criterion scores {legacy['legacy_from']} or more",
        ),
        (
            "Priority weights",
            ", ".join(f"{name} {_percent(weight)}" for name, weight in weights.items()),
        ),
        (
            "Criticality in the priority",
            ", ".join(f"{name} {value}" for name, value in priority["criticality"].items())
            + f"; not known {priority['unknown_criticality']}",
        ),
        (
            "Dependents counting as most",
            f"{priority['dependents_saturation']} or more systems depending on it",
        ),
    ]
    penalties = [
        f"{name.removesuffix('_penalty').replace('_', ' ')} {points}"
        for name, points in readiness.items()
        if name.endswith("_penalty")
    ]
    rows.append(("Cloud readiness: points lost from 100", ", ".join(penalties)))
    rows.append(
        (
            "Security",
            f"internet-facing systems need a penetration test within "
            f"{security['pen_test_within_months']} months; gap weights "
            + ", ".join(f"{name} {weight}" for name, weight in security["weights"].items())
            + f"; a total of {security['saturation']} counts as the worst position",
        )
    )
    return rows
