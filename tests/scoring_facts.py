"""Building one system's facts by hand, for scoring tests that need no database."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from estate.catalogue import builtin
from estate.enums import ComponentKind
from estate.graph import BlastRadius
from estate.models import SYSTEM_FIELDS
from estate.scoring.facts import ComponentFact, SystemFacts


def component(
    text: str, kind: ComponentKind = ComponentKind.OS, end_of_support: Any = None
) -> ComponentFact:
    """A component as the department wrote it, matched against the built-in catalogue."""
    product, _, version = (
        text.rpartition(" ") if any(ch.isdigit() for ch in text) else (text, "", "")
    )
    match = None if kind is ComponentKind.HARDWARE else builtin().match(text)
    return ComponentFact(kind, product or text, version, end_of_support, match)


def facts(
    fields: dict[str, Any] | None = None,
    *,
    components: list[ComponentFact] | None = None,
    assessments: list[Any] | None = None,
    dependents: int = 0,
    depends_on: list[str] | None = None,
    **more: Any,
) -> SystemFacts:
    """A system with every stored field unknown except those given (in `fields` or as keywords)."""
    row = SimpleNamespace(
        **{**dict.fromkeys(SYSTEM_FIELDS), "name": "Test System"}, id=1, reference="X-1"
    )
    for key, value in {**(fields or {}), **more}.items():
        setattr(row, key, value)
    return SystemFacts(
        "DBP/X-1",
        "DBP",
        "Department for Benefits and Pensions",
        row,
        components or [],
        assessments or [],
        BlastRadius(
            direct=dependents, total=dependents, critical=0, departments=1, other_departments=0
        ),
        depends_on or [],
    )
