"""Departmental returns in: read, check, compare with the estate and store, all or nothing.

`import_return` is the one entry point the CLI, the TUI and `estate demo` share.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from estate.db import begin_write
from estate.history.stored import check_period_order
from estate.perf import collector_paused
from estate.periods import check_window, parse_period, quarter_of
from estate.progress import Progress
from importers.headers import ColumnMapping, UserMapping, load_user_mapping
from importers.layout import RecordKind
from importers.mapping_file import write_mapping
from importers.parse import ParsedReturn, parse_return
from importers.problems import Problem, Severity, refusals_naming
from importers.profiles import profile_phrase
from importers.shapes import read_as
from importers.store import ChangeSet, apply, plan
from importers.unplaced import warn_unplaced

__all__ = ["ImportOptions", "ImportResult", "UserMapping", "import_return", "load_user_mapping"]


@dataclass(frozen=True)
class ImportOptions:
    """How to import: for whom, with what mapping, and how strictly."""

    department: str | None = None
    mapping: UserMapping = field(default_factory=UserMapping)
    dry_run: bool = False
    skip_invalid: bool = False
    replace: bool = False
    period: str | None = None
    """The reporting period (`2026-Q3`); else the return's own, else the import date's quarter."""
    allow_period: bool = False
    """Take a period outside the window (`estate.periods.WINDOW`) all the same."""


@dataclass
class ImportResult:
    """What an import found and did (or, for a dry run, would do)."""

    file: Path
    department: str | None
    changes: ChangeSet | None
    problems: list[Problem]
    stored: bool
    batch_id: int | None = None
    replace: bool = False
    """Whether systems missing from the return are deleted (or, in a dry run, would be)."""
    headers: dict[RecordKind, ColumnMapping] = field(default_factory=dict)
    """How each sheet's headers were read (what `write_mapping` writes)."""
    sheets: dict[RecordKind, str] = field(default_factory=dict)
    """The sheet each kind of record was read from."""
    period: str | None = None
    """The reporting period the return was (or would be) imported for."""
    profiles: dict[str, str] = field(default_factory=dict)
    """Sheet -> the tool export it was recognised as (importers/profiles)."""
    read_as: dict[RecordKind, dict[int, str]] = field(default_factory=dict)
    """Columns read by a sheet's shape (pairs, record types, ...): index -> what as."""
    records: dict[RecordKind, tuple[int, int]] = field(default_factory=dict)
    """Per kind of record read: how many rows were read whole, and how many were rejected."""

    @property
    def profile(self) -> str | None:
        """The tool exports the return was recognised as, in one phrase, if any (named in a
        written mapping)."""
        return profile_phrase(self.profiles)

    @property
    def missing_action(self) -> str:
        """What happens to the systems the department listed before and this return does not:
        "deleted", "will be deleted", or "flagged" (kept, marked missing)."""
        if not self.replace:
            return "flagged"
        return "deleted" if self.stored else "will be deleted"

    def write_mapping(self, path: Path) -> None:
        """Write a mapping file of this return's headers, to edit and reuse with --mapping."""
        write_mapping(path, self.file.name, self.headers, self.sheets, self.profile, self.read_as)

    @property
    def errors(self) -> list[Problem]:
        """Problems that stop a row (or the file) being stored."""
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        """Problems stored anyway, for a person to check."""
        return [p for p in self.problems if p.severity is Severity.WARNING]

    def as_dict(self) -> dict[str, Any]:
        """The result as JSON-ready data (the `--json` summary)."""
        from estate.jsonable import jsonable
        from importers.changes import describe_change, written

        changes = self.changes
        return {
            "file": str(self.file),
            "department": self.department,
            "stored": self.stored,
            "batch_id": self.batch_id,
            "period": self.period,
            "profiles": dict(self.profiles),
            "summary": changes.summary() if changes else None,
            "systems": [
                {
                    "reference": c.reference,
                    "name": c.name,
                    "status": c.status,
                    "row": c.row or None,
                    "fields": [
                        {
                            "field": f.field,
                            "column": f.column,
                            "old": jsonable(f.old),
                            "new": jsonable(f.new),
                            "shown": f"{written(f.field, f.old)} -> {written(f.field, f.new)}",
                        }
                        for f in c.fields
                    ],
                    "related": c.related,
                    "changes": describe_change(c),
                }
                for c in (changes.systems if changes else [])
                if c.status != "unchanged"
            ],
            "department_renamed": (
                {"old": changes.renamed[0], "new": changes.renamed[1]}
                if changes and changes.renamed
                else None
            ),
            "missing": [
                {"reference": r, "name": n, "action": self.missing_action}
                for r, n in (changes.missing if changes else [])
            ],
            "problems": [p.as_dict() for p in self.problems],
        }


def import_return(
    engine: Engine,
    path: Path,
    options: ImportOptions | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one department's return file in a single transaction.

    With errors in any row nothing is stored, unless `skip_invalid` asks to store the valid rows.
    A dry run computes the same change set and writes nothing. File-level failures (unreadable,
    unsafe, wrong department) raise `estate.errors.InputError`.
    """
    options = options or ImportOptions()
    with collector_paused():
        return _import(engine, path, options, progress)


def _import(
    engine: Engine, path: Path, options: ImportOptions, progress: Progress | None
) -> ImportResult:
    parsed: ParsedReturn = parse_return(
        path,
        department=options.department,
        user_mapping=options.mapping,
        progress=progress,
        skip_invalid=options.skip_invalid,
    )
    with refusals_naming(parsed.recognised):
        return _compare_and_store(engine, parsed, options, progress)


def _compare_and_store(
    engine: Engine, parsed: ParsedReturn, options: ImportOptions, progress: Progress | None
) -> ImportResult:
    """Compare a parsed return with the estate and store it (unless a dry run, or errors)."""
    path = parsed.path
    warn_unplaced(parsed)
    period = _period(parsed, options)
    if progress:
        progress("Comparing with the estate" if options.dry_run else "Storing", 0, 1)
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            if not options.dry_run:  # another import of the department waits, then sees this
                begin_write(connection)
            assert parsed.department is not None
            check_period_order(connection, parsed.department, period, parsed.file)
            changes = plan(connection, parsed)
            store = not options.dry_run and (options.skip_invalid or not parsed.has_errors)
            batch_id = (
                apply(connection, parsed, changes, replace=options.replace, period=period)
                if store
                else None
            )
            if store:
                transaction.commit()
            else:
                transaction.rollback()
        except BaseException:
            transaction.rollback()
            raise
    return ImportResult(
        path,
        parsed.department,
        changes,
        parsed.problems,
        store,
        batch_id,
        replace=options.replace,
        headers=parsed.mappings,
        sheets=parsed.sheet_names,
        period=period,
        profiles=parsed.profiles,
        read_as={
            kind: read_as(shape, parsed.mappings[kind])
            for kind, shape in parsed.shapes.items()
            if kind in parsed.mappings
        },
        records={
            kind: (len(parsed.records.get(kind, [])), parsed.rejected.get(kind, 0))
            for kind in parsed.sheet_names
        },
    )


def _period(parsed: ParsedReturn, options: ImportOptions) -> str:
    """The return's period (see `_asked_period`), refused when outside the window unless the
    options allow it."""
    period = _asked_period(parsed, options)
    if not options.allow_period:
        what = "--period" if options.period is not None else f"{parsed.file}: the period"
        check_window(period, what=what)
    return period


def _asked_period(parsed: ParsedReturn, options: ImportOptions) -> str:
    """The period a return is imported for: the one asked for, else the one the return gives
    (its cover sheet or a period column), else the quarter of today's date. A period asked for
    that is not the return's own is taken, with a warning saying so."""
    if options.period is not None:
        asked = parse_period(options.period)
        own, place = parsed.period, parsed.period_place
        if own is not None and own != asked:
            parsed.problem(
                Severity.WARNING,
                f"the return says it is for {own} in {place or 'its cover sheet'}, but --period "
                f"{asked} was given: it is imported for {asked}",
                sheet=place.sheet if place else None,
                row=place.row if place else None,
                column=place.column if place else None,
                value=own,
            )
        return asked
    if parsed.period is not None:
        return parse_period(parsed.period, what=f"{parsed.file}: the reporting period")
    return quarter_of(dt.date.today())
