"""Building the demonstration estate from the bundled sample returns, through the importer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from estate.errors import InputError
from importers import ImportOptions, ImportResult, import_return

RETURN_SUFFIXES = (".xlsx", ".xlsm", ".csv")


def sample_returns(folder: Path) -> list[Path]:
    """The return files in `folder`, in name order (a stable import order)."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in RETURN_SUFFIXES)
    if not files:
        raise InputError(f"{folder} holds no returns (.xlsx, .xlsm or .csv files).")
    return files


def build_demo(engine: Engine, folder: Path) -> list[ImportResult]:
    """Import every sample return, storing valid rows and reporting the rest, as a department
    clearing a backlog would (`--skip-invalid`). Departments whose returns name a parent are
    imported after it, so the parent link is recorded. A file's department is the code its
    name starts with (`dtr-register.xlsx` is DTR's), as `--department` would give it: returns
    in departments' own layouts have no cover sheet to say."""
    files = sample_returns(folder)
    deferred = [p for p in files if p.suffix.lower() == ".csv"]
    ordered = [p for p in files if p not in deferred] + deferred
    return [
        import_return(engine, path, ImportOptions(department=_department(path), skip_invalid=True))
        for path in ordered
    ]


def _department(path: Path) -> str:
    return path.name.split("-", 1)[0].upper()
