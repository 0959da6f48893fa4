"""The prioritised remediation list's columns, defined once for every format, and the legacy
register's columns as the central register uses them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from estate.advice.dispositions import disposition_words
from estate.costs import run_cost
from estate.scoring.results import Severity, SystemScore


@dataclass(frozen=True)
class ExportColumn:
    """A column of an exported list: its header, width, kind of value and how to get it."""

    header: str
    width: int
    kind: str
    """"text", "wrapped" (long text, wrapped in the column), "int", "number", "money", "date"
    or "bool"."""
    value: Callable[[SystemScore], Any]


def _yes(value: bool | None) -> str:
    return "" if value is None else ("Yes" if value else "No")


def _enum(value: Any) -> str:
    return "" if value is None else str(getattr(value, "value", value))


def _overall(s: SystemScore) -> float | None:
    return None if s.legacy.overall is None else round(s.legacy.overall, 2)


def suggested(s: SystemScore) -> str:
    """The system's suggested disposition in words a board will not misread."""
    return disposition_words(s.readiness.disposition, s.readiness.disposition_reason)


PRIORITY_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Rank", 6, "int", lambda s: s.rank),
    ExportColumn("System", 16, "text", lambda s: s.key),
    ExportColumn("Name", 30, "text", lambda s: s.name),
    ExportColumn("Department", 11, "text", lambda s: s.department),
    ExportColumn("Business owner", 18, "text", lambda s: s.business_owner or ""),
    ExportColumn("Criticality", 11, "text", lambda s: s.criticality or ""),
    ExportColumn("Annual run cost", 12, "money", run_cost),
    ExportColumn("Priority", 9, "number", lambda s: s.priority),
    ExportColumn("Legacy score", 8, "number", _overall),
    ExportColumn("Legacy band", 11, "text", lambda s: _enum(s.legacy.band)),
    ExportColumn("Is legacy", 8, "text", lambda s: _yes(s.legacy.is_legacy)),
    ExportColumn("Cloud readiness", 20, "text", lambda s: s.readiness.category.value),
    ExportColumn("Cloud score", 8, "int", lambda s: s.readiness.score),
    ExportColumn("Security gaps", 8, "int", lambda s: len(s.gaps)),
    ExportColumn(
        "High gaps", 8, "int", lambda s: sum(1 for g in s.gaps if g.severity is Severity.HIGH)
    ),
    ExportColumn("Dependents", 10, "int", lambda s: s.blast.total if s.blast else 0),
    ExportColumn("Critical dependents", 10, "int", lambda s: s.blast.critical if s.blast else 0),
    ExportColumn("Top reasons", 70, "wrapped", lambda s: "\n".join(s.reasons)),
    ExportColumn("Suggested disposition", 24, "wrapped", suggested),
    ExportColumn("Why this disposition", 40, "wrapped", lambda s: s.readiness.disposition_reason),
    ExportColumn("Remediation plan", 36, "wrapped", lambda s: s.record.remediation_plan or ""),
    ExportColumn("Plan funded", 8, "text", lambda s: _yes(s.record.plan_funded)),
    ExportColumn("Planned disposition", 13, "text", lambda s: _enum(s.record.planned_disposition)),
    ExportColumn("Target date", 11, "date", lambda s: s.record.target_date),
)


def _criterion(code: str) -> Callable[[SystemScore], Any]:
    group, index = (
        ("likelihood", int(code[1]) - 1) if code[0] == "L" else ("impact", int(code[1]) - 1)
    )

    def value(s: SystemScore) -> int | None:
        return getattr(s.legacy, group)[index].value  # type: ignore[no-any-return]

    return value


REGISTER_COLUMNS: tuple[ExportColumn, ...] = (
    ExportColumn("Asset name", 30, "text", lambda s: s.name),
    ExportColumn("Department", 11, "text", lambda s: s.department),
    ExportColumn("Reference", 14, "text", lambda s: s.reference),
    ExportColumn("Assessor", 16, "text", lambda s: s.record.assessed_by or "estate (derived)"),
    ExportColumn("Date assessed", 11, "date", lambda s: s.record.assessed_on),
    ExportColumn("Description", 36, "wrapped", lambda s: s.record.description or ""),
    ExportColumn("Legacy components", 36, "wrapped", lambda s: "; ".join(s.out_of_support)),
    ExportColumn("Services supported", 30, "wrapped", lambda s: s.record.services_supported or ""),
    *(
        ExportColumn(code, 5, "int", _criterion(code))
        for code in ("L1", "L2", "L3", "L4", "L5", "L6", "L7")
    ),
    *(
        ExportColumn(code, 5, "int", _criterion(code))
        for code in ("C1", "C2", "C3", "C4", "C5", "C6")
    ),
    ExportColumn("Overall score", 8, "number", _overall),
    ExportColumn("Is legacy", 8, "text", lambda s: _yes(s.legacy.is_legacy)),
    ExportColumn(
        "Is red-rated",
        8,
        "text",
        lambda s: _yes(s.legacy.band is not None and s.legacy.band.value == "Red-rated"),
    ),
    ExportColumn(
        "Has remediation plan", 10, "text", lambda s: _yes(bool(s.record.remediation_plan))
    ),
    ExportColumn("Plan funded", 8, "text", lambda s: _yes(s.record.plan_funded)),
    ExportColumn("Target resolution date", 11, "date", lambda s: s.record.target_date),
    ExportColumn("Annual run cost", 12, "money", run_cost),
    ExportColumn("Suggested disposition", 24, "wrapped", suggested),
    ExportColumn("Why this disposition", 36, "wrapped", lambda s: s.readiness.disposition_reason),
    ExportColumn("Notes", 36, "wrapped", lambda s: s.record.notes or ""),
)


def plain_value(value: Any, kind: str = "text") -> Any:
    """A cell value for text formats: dates as ISO 8601, None as empty, whole pounds without
    a decimal point."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if kind == "money" and float(value).is_integer():
        return int(value)
    return value
