"""Read-side services over the estate: list systems, find one by its key, describe it with the
provenance of each value, and count what the estate holds. The CLI and the TUI both call these.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from estate.catalogue import Catalogue
from estate.catalogue.endoflife import load_catalogue
from estate.enums import ComponentKind
from estate.errors import NotFound
from estate.jsonable import jsonable
from estate.models import (
    SYSTEM_FIELDS,
    Component,
    Dependency,
    ImportBatch,
    Organisation,
    SecurityAssessment,
    System,
    SystemSource,
    system_key,
    table_of,
)
from estate.scoring.facts import ComponentFact
from estate.stages import gone_systems, in_service


def list_systems(session: Session, *, department: str | None = None) -> list[dict[str, Any]]:
    """Every system (or one department's), ordered by department then reference."""
    statement = (
        select(System, Organisation.code)
        .join(Organisation, col(System.organisation_id) == col(Organisation.id))
        .order_by(col(Organisation.code), col(System.reference))
    )
    if department is not None:
        find_organisation(session, department)
        statement = statement.where(func.upper(Organisation.code) == department.upper())
    return [
        {
            "key": system_key(code, system.reference),
            "department": code,
            "reference": system.reference,
            "name": system.name,
            "criticality": jsonable(system.criticality),
            "hosting": jsonable(system.hosting),
            "lifecycle_status": jsonable(system.lifecycle_status),
            "missing_from_latest_return": system.missing_from_latest_return,
        }
        for system, code in session.exec(statement)
    ]


def find_organisation(session: Session, code: str) -> Organisation:
    """The organisation with this code (any case), or NotFound listing the known codes."""
    found = session.exec(
        select(Organisation).where(func.upper(Organisation.code) == code.upper())
    ).first()
    if found is None:
        known = ", ".join(session.exec(select(Organisation.code).order_by(Organisation.code)))
        raise NotFound(f"No department {code!r}. Known departments: {known or 'none yet'}.")
    return found


def find_system(session: Session, text: str) -> tuple[System, Organisation]:
    """Resolve `DEPT/REF` (or a bare REF that only one department uses) to its system. A
    reference is matched as written, else in any case: references that differ only in case are
    one system, so `dbp/dbp-00001` finds DBP/DBP-00001."""
    statement = select(System, Organisation).join(
        Organisation, col(System.organisation_id) == col(Organisation.id)
    )
    code, reference = text.split("/", 1) if "/" in text else (None, text)
    reference = reference.strip()
    if code is not None:
        statement = statement.where(func.upper(Organisation.code) == code.strip().upper())
    matches = list(session.exec(statement.where(System.reference == reference)).all())
    if not matches:
        any_case = statement.where(func.upper(System.reference) == reference.upper())
        matches = list(session.exec(any_case).all())
    if len(matches) == 1:
        return matches[0]
    if not matches:
        from estate.history.system import removed_words  # only when none is found

        removed = removed_words(session.connection(), text)
        raise NotFound(
            removed or f"No system {text!r}. Use DEPT/REFERENCE, as `estate systems` lists them."
        )
    options = ", ".join(system_key(org.code, system.reference) for system, org in matches)
    raise NotFound(f"{text!r} is used by more than one department: {options}. Say which.")


def _provenance(session: Session, system: System) -> dict[str, dict[str, Any]]:
    """For each supplied field of `system`: the file, sheet, row and column it came from."""
    statement = (
        select(SystemSource.row, ImportBatch)
        .join(ImportBatch, col(SystemSource.batch_id) == col(ImportBatch.id))
        .where(SystemSource.system_id == system.id)
        .order_by(col(SystemSource.id).desc())
    )
    result: dict[str, dict[str, Any]] = {}
    for row, batch in session.exec(statement):
        read = batch.column_map.get("systems", {})
        for field, column in read.get("columns", {}).items():
            if field not in result:
                result[field] = {
                    "file": batch.file_name,
                    "sheet": read.get("sheet"),
                    "row": row,
                    "column": column,
                    "imported_at": jsonable(batch.imported_at),
                }
    return result


def _component(component: Component, catalogue: Catalogue) -> dict[str, Any]:
    """One component as `show` gives it: as the department wrote it, and the support dates
    scoring goes by, the department's own date or else the catalogue's release's (named)."""
    fact = ComponentFact(
        ComponentKind(component.kind),
        component.product,
        component.version,
        component.end_of_support,
        catalogue.match(component.product, component.version),
    )
    security_end, last_supported, source = fact.support
    ended_undated = security_end == dt.date.min
    return {
        "kind": jsonable(component.kind),
        "product": component.product,
        "version": component.version,
        "vendor": component.vendor,
        "end_of_support": jsonable(component.end_of_support),
        "security_support_ends": None if ended_undated else jsonable(security_end),
        "security_support_ended_undated": ended_undated,
        "last_paid_support_ends": jsonable(last_supported),
        "support_dates_from": source or None,
    }


def describe_system(session: Session, text: str) -> dict[str, Any]:
    """Everything stored about one system, with where each value came from."""
    system, org = find_system(session, text)
    assert system.id is not None
    components = session.exec(
        select(Component)
        .where(Component.system_id == system.id)
        .order_by(col(Component.kind), col(Component.product), col(Component.version))
    ).all()
    target = sa.orm.aliased(System)
    target_org = sa.orm.aliased(Organisation)
    depends_on = session.exec(
        select(Dependency, target.name)
        .outerjoin(target, col(Dependency.to_system_id) == target.id)
        .where(Dependency.from_system_id == system.id)
        .order_by(col(Dependency.to_org_code), col(Dependency.to_reference))
    ).all()
    dependents = session.exec(
        select(Dependency, System.reference, System.name, target_org.code)
        .join(System, col(Dependency.from_system_id) == col(System.id))
        .join(target_org, col(System.organisation_id) == target_org.id)
        .where(Dependency.to_system_id == system.id)
        .order_by(target_org.code, col(System.reference))
    ).all()
    assessments = session.exec(
        select(SecurityAssessment)
        .where(SecurityAssessment.system_id == system.id)
        .order_by(col(SecurityAssessment.principle))
    ).all()
    catalogue = load_catalogue(session.connection())
    return {
        "key": system_key(org.code, system.reference),
        "department": org.code,
        "department_name": org.name,
        "reference": system.reference,
        **{field: jsonable(getattr(system, field)) for field in SYSTEM_FIELDS},
        "missing_from_latest_return": system.missing_from_latest_return,
        "components": [_component(c, catalogue) for c in components],
        "depends_on": [
            {
                "key": system_key(d.to_org_code, d.to_reference),
                "name": name,
                "resolved": d.to_system_id is not None,
                "kind": jsonable(d.kind),
                "criticality": jsonable(d.criticality),
                "description": d.description,
            }
            for d, name in depends_on
        ],
        "depended_on_by": [
            {
                "key": system_key(code, reference),
                "name": name,
                "kind": jsonable(d.kind),
                "criticality": jsonable(d.criticality),
            }
            for d, reference, name, code in dependents
        ],
        "security_assessments": [
            {
                "principle": a.principle.value,
                "title": a.principle.label,
                "framework": a.principle.framework.value,
                "outcome": a.outcome.value,
                "assessed_on": jsonable(a.assessed_on),
                "notes": a.notes,
            }
            for a in assessments
        ],
        "provenance": _provenance(session, system),
    }


def estate_stats(session: Session) -> dict[str, Any]:
    """Counts that show what the estate holds and how complete it is. Retired and cancelled
    systems (and what is recorded of them) are counted apart: they have left the estate."""
    counted = in_service(table_of(System))
    serving = select(System.id).where(counted)

    def count(model: type[Any], *where: Any) -> int:
        return int(session.exec(select(func.count()).select_from(model).where(*where)).one())

    by_department = session.exec(
        select(Organisation.code, Organisation.name, func.count(col(System.id)))
        .join(
            System,
            sa.and_(col(System.organisation_id) == col(Organisation.id), counted),
            isouter=True,
        )
        .group_by(col(Organisation.code), col(Organisation.name))
        .order_by(col(Organisation.code))
    ).all()
    by_hosting = session.exec(
        select(System.hosting, func.count()).where(counted).group_by(col(System.hosting))
    ).all()
    last_import = session.exec(select(func.max(ImportBatch.imported_at))).one()
    depends = col(Dependency.from_system_id).in_(serving)
    waiting = col(Dependency.from_system_id).is_(None)  # its depending end not supplied yet
    return {
        "organisations": count(Organisation),
        "systems": count(System, counted),
        "retired_or_cancelled": count(System, sa.not_(counted)),
        "retired_or_cancelled_systems": [
            {"key": g.key, "name": g.name, "status": g.status, "left_in": g.left_in}
            for g in gone_systems(session.connection())
        ],
        "components": count(Component, col(Component.system_id).in_(serving)),
        "dependencies": count(Dependency, depends | waiting),
        "unresolved_dependencies": count(
            Dependency, (depends & col(Dependency.to_system_id).is_(None)) | waiting
        ),
        "security_assessments": count(
            SecurityAssessment, col(SecurityAssessment.system_id).in_(serving)
        ),
        "import_batches": count(ImportBatch),
        "missing_from_latest_return": count(
            System, counted, col(System.missing_from_latest_return)
        ),
        "last_import": jsonable(last_import),
        "systems_by_department": [
            {"department": code, "name": name, "systems": n} for code, name, n in by_department
        ],
        "systems_by_hosting": sorted(
            (
                {"hosting": jsonable(hosting) if hosting else "Unknown", "systems": n}
                for hosting, n in by_hosting
            ),
            key=lambda item: (-item["systems"], item["hosting"]),
        ),
    }
