"""Building small return files inside tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from estate.enums import ComponentKind, Criticality, DependencyKind, Hosting, Outcome, Principle
from importers.layout import RecordKind
from importers.template import write_return


def system(reference: str, **fields: Any) -> dict[str, Any]:
    """A valid systems row for department DBP, with overrides."""
    return {
        "department": "DBP",
        "reference": reference,
        "name": f"System {reference}",
        "criticality": Criticality.HIGH,
        "hosting": Hosting.ON_PREMISES,
        "users": 1200,
        "contract_end": dt.date(2027, 3, 31),
        "annual_run_cost": 250_000,
        **fields,
    }


def small_return(
    path: Path,
    systems: list[dict[str, Any]] | None = None,
    name: str = "Department for Benefits and Pensions",
    **records: list[dict[str, Any]],
) -> Path:
    """Write a DBP return with two systems (or the given ones) and optional related rows;
    `name` is the department's name on the cover sheet."""
    rows = {
        RecordKind.SYSTEMS: systems if systems is not None else [system("DBP-1"), system("DBP-2")],
        RecordKind.COMPONENTS: records.get(
            "components",
            [
                {
                    "department": "DBP",
                    "reference": "DBP-1",
                    "kind": ComponentKind.OS,
                    "product": "Windows Server",
                    "version": "2008 R2",
                }
            ],
        ),
        RecordKind.DEPENDENCIES: records.get(
            "dependencies",
            [
                {
                    "department": "DBP",
                    "reference": "DBP-2",
                    "to_reference": "DBP-1",
                    "kind": DependencyKind.API,
                }
            ],
        ),
        RecordKind.SECURITY: records.get(
            "security",
            [
                {
                    "department": "DBP",
                    "reference": "DBP-1",
                    "principle": Principle.B2,
                    "outcome": Outcome.NOT_ACHIEVED,
                }
            ],
        ),
    }
    cover = {"Department code": "DBP", "Department name": name}
    write_return(path, cover=cover, records=rows)
    return path
