"""Building the demonstration estate from the bundled sample returns, through the importer."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.engine import Engine

from estate.errors import InputError
from importers import ImportOptions, ImportResult, import_return
from importers.parse import COVER_SHEET

RETURN_SUFFIXES = (".xlsx", ".xlsm", ".csv")
_PERIOD_FOLDER = re.compile(r"^\d{4}-Q[1-4]$")
EXPORTS = "exports"
"""The sample folder's subfolder of tools' own exports (ServiceNow, Konveyor, Azure Migrate),
imported after the returns, in name order, for the latest quarter."""


def sample_returns(folder: Path) -> list[Path]:
    """The return files in `folder`, in name order (a stable import order)."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in RETURN_SUFFIXES)
    if not files:
        raise InputError(f"{folder} holds no returns (.xlsx, .xlsm or .csv files).")
    return files


def sample_periods(folder: Path) -> list[tuple[str | None, Path]]:
    """The quarters of returns in `folder`, oldest first: its subfolders named by period
    (`2026-Q3`), or, when it has none, the folder itself as one quarter's returns, whose period
    the returns with a cover sheet give (else the quarter of the import)."""
    periods = sorted(p for p in folder.iterdir() if p.is_dir() and _PERIOD_FOLDER.match(p.name))
    if not periods:
        return [(None, folder)]
    return [(p.name, p) for p in periods]


def build_demo(engine: Engine, folder: Path) -> list[ImportResult]:
    """Import every sample return, quarter by quarter, storing valid rows and reporting the
    rest, as a department clearing a backlog would (`--skip-invalid`): each quarter's returns
    for that period (`--period`), and, as each department's return lists its whole estate,
    deleting the systems a return no longer lists (`--replace`; their history is kept).
    Departments whose returns name a parent are imported after it, so the parent link is
    recorded. A file's department is the code its name starts with (`dtr-register.xlsx` is
    DTR's), as `--department` would give it: returns in departments' own layouts have no
    cover sheet to say. In a folder of one quarter's returns (not in period folders), those
    with no cover sheet are for the period the others' cover sheets give, when they agree.
    Tools' own exports in the folder's `exports` subfolder follow, for the latest quarter."""
    results: list[ImportResult] = []
    for period, returns in sample_periods(folder):
        files = sample_returns(returns)
        deferred = [p for p in files if p.suffix.lower() == ".csv"]
        ordered = [p for p in files if p not in deferred] + deferred
        covered = {path for path in ordered if period is None and _has_cover(path)}
        ordered.sort(key=lambda path: path not in covered)  # stable: their order kept
        stated: set[str] = set()
        for path in ordered:
            given = period
            if given is None and path not in covered and len(stated) == 1:
                (given,) = stated
            options = ImportOptions(
                department=_department(path),
                skip_invalid=True,
                replace=True,
                period=given,
                allow_period=True,  # the samples' own periods, however far from today
            )
            result = import_return(engine, path, options)
            if path in covered and result.period is not None:
                stated.add(result.period)
            results.append(result)
    results += _import_exports(engine, folder / EXPORTS, results[-1].period if results else None)
    return results


def _import_exports(engine: Engine, folder: Path, period: str | None) -> list[ImportResult]:
    """Import the tools' own exports in `folder`, if there is one: each file adds to its
    department's estate (a department's exports come in several files, one a table, so none
    replaces what the others gave), its valid rows stored and the rest reported."""
    if not folder.is_dir():
        return []
    return [
        import_return(
            engine,
            path,
            ImportOptions(department=_department(path), skip_invalid=True, period=period),
        )
        for path in sample_returns(folder)
    ]


def _has_cover(path: Path) -> bool:
    """Whether a return is a workbook with the template's cover sheet, which names its
    period (read from the workbook's list of sheets alone)."""
    if path.suffix.lower() == ".csv":
        return False
    import python_calamine as calamine

    try:
        names = calamine.CalamineWorkbook.from_path(str(path)).sheet_names
    except (calamine.CalamineError, calamine.ZipError, calamine.XmlError, OSError, ValueError):
        return False  # an unreadable file: its import says why
    return any(name.strip().casefold() == COVER_SHEET.casefold() for name in names)


def _department(path: Path) -> str:
    return path.name.split("-", 1)[0].upper()
