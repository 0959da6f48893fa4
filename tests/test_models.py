"""Integrity the database itself enforces, whatever writes to it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from estate import db
from estate.enums import ComponentKind, Criticality, DependencyKind, Hosting, Outcome, Principle
from estate.models import (
    Component,
    Dependency,
    Organisation,
    SecurityAssessment,
    System,
    table_of,
)


def _org_and_system(session: Session) -> tuple[Organisation, System]:
    org = Organisation(code="DBP", name="Department for Benefits and Pensions")
    session.add(org)
    session.flush()
    assert org.id is not None
    system = System(organisation_id=org.id, reference="DBP-1", name="Benefit Ledger")
    session.add(system)
    session.flush()
    return org, system


def test_duplicate_system_key_is_rejected(empty_engine: Engine) -> None:
    with Session(empty_engine) as session:
        org, _ = _org_and_system(session)
        assert org.id is not None
        session.add(System(organisation_id=org.id, reference="DBP-1", name="Another"))
        with pytest.raises(sa.exc.IntegrityError, match="UNIQUE"):
            session.flush()


def test_same_reference_in_two_departments_is_allowed(empty_engine: Engine) -> None:
    with Session(empty_engine) as session:
        _org_and_system(session)
        other = Organisation(code="RCA", name="Revenue")
        session.add(other)
        session.flush()
        assert other.id is not None
        session.add(System(organisation_id=other.id, reference="DBP-1", name="Same ref"))
        session.flush()


def test_duplicate_organisation_code_is_rejected(empty_engine: Engine) -> None:
    with Session(empty_engine) as session:
        session.add(Organisation(code="DBP", name="One"))
        session.add(Organisation(code="DBP", name="Two"))
        with pytest.raises(sa.exc.IntegrityError):
            session.flush()


@pytest.mark.parametrize(
    "make",
    [
        lambda: System(organisation_id=999, reference="X", name="No such organisation"),
        lambda: Component(system_id=999, kind=ComponentKind.OS, product="Windows Server"),
        lambda: Dependency(
            from_system_id=999, to_org_code="DBP", to_reference="X", kind=DependencyKind.API
        ),
        lambda: SecurityAssessment(system_id=999, principle=Principle.B2, outcome=Outcome.ACHIEVED),
    ],
)
def test_dangling_foreign_keys_are_rejected(empty_engine: Engine, make: object) -> None:
    with Session(empty_engine) as session:
        session.add(make())  # type: ignore[operator]
        with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
            session.flush()


def test_enumerations_are_checked_by_the_database(empty_engine: Engine) -> None:
    with Session(empty_engine) as session:
        _org_and_system(session)
        session.commit()
    with empty_engine.begin() as connection, pytest.raises(sa.exc.IntegrityError, match="CHECK"):
        connection.exec_driver_sql("UPDATE system SET hosting = 'Floppy disk'")


@pytest.mark.parametrize(("column", "value"), [("l1", 7), ("l7", 0), ("c1", 6), ("c6", 0)])
def test_framework_scores_out_of_range_are_rejected(
    empty_engine: Engine, column: str, value: int
) -> None:
    with Session(empty_engine) as session:
        _org_and_system(session)
        session.commit()
    with empty_engine.begin() as connection, pytest.raises(sa.exc.IntegrityError, match="CHECK"):
        connection.exec_driver_sql(f"UPDATE system SET {column} = {value}")


def test_deleting_a_system_removes_its_parts_and_unresolves_dependents(
    empty_engine: Engine,
) -> None:
    with Session(empty_engine) as session:
        org, target = _org_and_system(session)
        assert org.id is not None and target.id is not None
        user = System(organisation_id=org.id, reference="DBP-2", name="Portal")
        session.add(user)
        session.flush()
        assert user.id is not None
        session.add(Component(system_id=target.id, kind=ComponentKind.OS, product="RHEL"))
        session.add(
            Dependency(
                from_system_id=user.id,
                to_org_code="DBP",
                to_reference="DBP-1",
                to_system_id=target.id,
                kind=DependencyKind.API,
            )
        )
        session.commit()
        session.delete(target)
        session.commit()
        assert session.exec(sa.select(sa.func.count()).select_from(Component)).one()[0] == 0  # type: ignore[call-overload]
        dependency = session.exec(sa.select(Dependency)).one()[0]  # type: ignore[call-overload]
        assert dependency.to_system_id is None
        assert (dependency.to_org_code, dependency.to_reference) == ("DBP", "DBP-1")


def _bulk_rows(org_id: int) -> list[dict[str, object]]:
    return [
        {
            "organisation_id": org_id,
            "reference": f"DBP-{n}",
            "name": f"System {n}",
            "criticality": Criticality.HIGH if n % 2 else None,
            "hosting": Hosting.ON_PREMISES,
            "personal_data": bool(n % 3),
            "contract_end": dt.date(2027, 3, n),
            "annual_run_cost": 1000.5 * n,
        }
        for n in range(1, 6)
    ]


def _insert(connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    db.insert_rows(connection, table, list(rows[0]), [tuple(row.values()) for row in rows])


def _organisation(connection: sa.Connection) -> int:
    table = table_of(Organisation)
    return int(connection.execute(table.insert().values(code="DBP", name="B")).lastrowid)


def _stored(connection: sa.Connection, table: sa.Table) -> list[tuple[object, ...]]:
    """The rows as the database holds them (SQLite's own text for dates and enumerations)."""
    rows = connection.exec_driver_sql(f"SELECT * FROM {table.name} ORDER BY id")
    return [tuple(row) for row in rows]


def test_bulk_inserts_store_what_core_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """insert_rows stores exactly what Core does: through the driver on SQLite, and through
    its portable path (the one other databases take)."""
    direct: list[bool] = []
    sqlite_path = db._sqlite_executemany

    def spy(*args: Any) -> bool:
        direct.append(how == "insert_rows" and sqlite_path(*args))
        return direct[-1]

    monkeypatch.setattr(db, "_sqlite_executemany", spy)
    stored = {}
    for how in ("insert_rows", "portable", "core"):
        engine = db.open_engine(tmp_path / f"{how}.db", create=True)
        with engine.begin() as connection:
            systems = _bulk_rows(_organisation(connection))
            components = [
                {
                    "system_id": n,
                    "kind": ComponentKind.OS,
                    "product": "RHEL",
                    "end_of_support": dt.date(2024, 6, 30),
                }
                for n in (1, 2)
            ]
            for table, rows in ((table_of(System), systems), (table_of(Component), components)):
                if how == "core":
                    connection.execute(table.insert(), rows)
                else:
                    _insert(connection, table, rows)
            stored[how] = [_stored(connection, table_of(t)) for t in (System, Component)]
            versions = connection.execute(sa.select(table_of(Component).c.version)).scalars()
            assert list(versions) == ["", ""], "the column default is filled"
        engine.dispose()
    assert stored["insert_rows"] == stored["portable"] == stored["core"]
    assert len(stored["core"][0]) == 5
    assert "2024-06-30" in stored["core"][1][0], "dates are stored as ISO text"
    assert direct == [True, True, False, False], "the SQLite way, then the portable one"


def test_bulk_inserts_refuse_bad_rows_and_store_nothing(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        org_id = _organisation(connection)
    bad_enum = [*_bulk_rows(org_id), {**_bulk_rows(org_id)[0], "reference": "X", "hosting": "Moon"}]
    dangling = [{"system_id": 999, "kind": ComponentKind.OS, "product": "RHEL"}]
    for table, rows, error in (
        (table_of(System), bad_enum, sa.exc.StatementError),
        (table_of(Component), dangling, sa.exc.IntegrityError),
    ):
        with pytest.raises(error), empty_engine.begin() as connection:
            _insert(connection, table_of(System), _bulk_rows(org_id)[:1])
            _insert(connection, table, rows)
        with empty_engine.connect() as connection:
            assert _stored(connection, table_of(System)) == [], "the transaction stored nothing"
