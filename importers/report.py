"""Writing a validation report a department can work through: JSON, or an xlsx with one row
per problem, filterable by sheet and severity."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from estate.errors import InputError
from estate.files import atomic_write, neutralise
from importers.problems import Problem

_COLUMNS = ("severity", "file", "sheet", "row", "column", "value", "expected", "message")


def write_report(
    path: Path, problems: list[Problem], results: Callable[[], list[dict[str, Any]]]
) -> None:
    """Write the problems (and, for JSON, the whole import results, which `results` works out:
    only a JSON report needs them) to `path` by its suffix."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        summaries = results()

        def write_json(target: Path) -> None:
            text = json.dumps(summaries, indent=2, ensure_ascii=False)
            target.write_text(text, encoding="utf-8")

        atomic_write(path, write_json)
    elif suffix == ".xlsx":

        def write_xlsx(target: Path) -> None:
            from openpyxl import Workbook  # loaded only for an .xlsx report
            from openpyxl.styles import Font

            workbook = Workbook()
            sheet = workbook.active
            sheet.title = "Problems"
            sheet.append([c.capitalize() for c in _COLUMNS])
            for cell in sheet[1]:
                cell.font = Font(bold=True)
            for problem in problems:
                data = problem.as_dict()
                sheet.append([neutralise(data[c]) for c in _COLUMNS])
            sheet.freeze_panes = "A2"
            sheet.auto_filter.ref = sheet.dimensions
            for letter, width in zip("ABCDEFGH", (9, 24, 16, 6, 8, 24, 40, 70), strict=True):
                sheet.column_dimensions[letter].width = width
            workbook.save(target)

        atomic_write(path, write_xlsx)
    else:
        raise InputError(f"{path}: a report is written as .json or .xlsx.")
