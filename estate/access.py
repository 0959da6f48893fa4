"""The department boundary, enforced by PostgreSQL: roles and row-level security.

A department's role may insert, change and delete only its own organisation's systems,
components, dependencies, security assessments, import batches, the record of which import
wrote what and the history of what its imports replaced, and may rename its own organisation;
it reads the rest of the estate unless granted with `reads_all=False`, when it sees only its
own (and not the kept ranking or trend figures of the whole estate: it scores what it can
see). The central role (the tables' owner, which
ran `estate init`) is not subject to the policies and administers everything. Every department
role is a member of the group role DEPARTMENTS, to which the privileges and policies are
granted; which department a role acts for is kept in the `estate_access` table, read by the
policies through functions that run with the owner's rights.

A role that may read the rest of the estate also resolves other departments' dependencies on
the systems it imports (it may set only `dependency.to_system_id`, and only to the system the
dependency names). A role that reads only its own department leaves them to be resolved by the
next import that can see them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.errors import InputError

DEPARTMENTS = "estate_department"
"""The group role every department's role belongs to."""

HISTORY_TABLES = (
    "system_history",
    "component_history",
    "dependency_history",
    "security_assessment_history",
)
"""What later imports replaced, each row with its system's organisation."""

OWN_BY_ORGANISATION = {"organisation": "id", "system": "organisation_id"}
OWN_BY_ORGANISATION |= {"import_batch": "organisation_id"}
OWN_BY_ORGANISATION |= {table: "organisation_id" for table in HISTORY_TABLES}
OWN_BY_SYSTEM = {
    "component": "system_id",
    "security_assessment": "system_id",
    "system_source": "system_id",
    "dependency": "from_system_id",
}
WRITES = {
    "organisation": "INSERT, UPDATE (name)",
    "system": "INSERT, UPDATE, DELETE",
    "import_batch": "INSERT, UPDATE, DELETE",
    "component": "INSERT, UPDATE, DELETE",
    "security_assessment": "INSERT, UPDATE, DELETE",
    "system_source": "INSERT, UPDATE, DELETE",
    "dependency": "INSERT, DELETE, UPDATE (to_system_id)",
} | {table: "INSERT, UPDATE, DELETE" for table in HISTORY_TABLES}
"""What a department's role may do to each table it owns rows of; every other table it only
reads (the lifecycle catalogue, the kept ranking, the trend's kept figures)."""

WHOLE_ESTATE_CACHES = ("ranking_snapshot", "ranking_snapshot_row", "trend_figures")
"""Figures worked out from the whole estate: read only by a role that reads the whole estate."""

_MINE = "(SELECT estate_organisation_of(current_user))"
_READS_ALL = "(SELECT estate_reads_all(current_user))"
_MY_CODE = "upper((SELECT estate_department_of(current_user)))"
_TARGET = (
    "(SELECT s.id FROM system s JOIN organisation o ON s.organisation_id = o.id "
    "WHERE o.code = dependency.to_org_code AND s.reference = dependency.to_reference)"
)


@dataclass(frozen=True)
class Grant:
    """One department role: the department it acts for and whether it reads the whole estate."""

    role: str
    department: str
    reads_all: bool


class AccessNeedsPostgres(InputError):
    """Roles and row-level security exist only on a PostgreSQL estate."""


def require_postgres(connection: Connection) -> None:
    """Refuse, in one line, access control on a database other than PostgreSQL."""
    if connection.dialect.name != "postgresql":
        raise AccessNeedsPostgres(
            "Access control needs a PostgreSQL estate: an SQLite file has no roles, and whoever "
            "can open it can change every department's data (see README, Shared deployment)."
        )


def _quote(connection: Connection, name: str) -> str:
    return connection.dialect.identifier_preparer.quote_identifier(name)


def _role_exists(connection: Connection, role: str) -> bool:
    found = connection.execute(
        sa.text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
    ).first()
    return found is not None


def install(connection: Connection) -> None:
    """Set up (again) the group role, the grants table, the policies' functions, the table
    privileges and the row-level security policies. Idempotent: run by every grant, and after
    an upgrade, so that new tables get their privileges."""
    run = connection.exec_driver_sql
    schema = connection.execute(sa.text("SELECT current_schema()")).scalar_one()
    if not _role_exists(connection, DEPARTMENTS):
        run(f"CREATE ROLE {DEPARTMENTS} NOLOGIN")
    run(
        "CREATE TABLE IF NOT EXISTS estate_access (role_name TEXT PRIMARY KEY, "
        "department TEXT NOT NULL, reads_all BOOLEAN NOT NULL)"
    )
    run("REVOKE ALL ON estate_access FROM PUBLIC")
    definer = f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {_quote(connection, schema)}"
    run(
        "CREATE OR REPLACE FUNCTION estate_organisation_of(who name) RETURNS integer "
        f"{definer} AS $$ SELECT o.id FROM estate_access a JOIN organisation o "
        "ON upper(o.code) = upper(a.department) WHERE a.role_name = who $$"
    )
    run(
        "CREATE OR REPLACE FUNCTION estate_department_of(who name) RETURNS text "
        f"{definer} AS $$ SELECT department FROM estate_access WHERE role_name = who $$"
    )
    run(
        "CREATE OR REPLACE FUNCTION estate_reads_all(who name) RETURNS boolean "
        f"{definer} AS $$ SELECT coalesce((SELECT reads_all FROM estate_access "
        "WHERE role_name = who), false) $$"
    )
    tables = sa.inspect(connection).get_table_names()
    for table in tables:
        if table != "estate_access":
            run(f"GRANT SELECT ON {_quote(connection, table)} TO {DEPARTMENTS}")
    run(
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {_quote(connection, schema)} "
        f"TO {DEPARTMENTS}"
    )
    for table, writes in WRITES.items():
        run(f"GRANT {writes} ON {table} TO {DEPARTMENTS}")
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        for policy in ("estate_own", "estate_read", "estate_resolve", "estate_create"):
            run(f"DROP POLICY IF EXISTS {policy} ON {table}")
        if table in OWN_BY_ORGANISATION:
            mine = f"{OWN_BY_ORGANISATION[table]} = {_MINE}"
        else:
            owned = f"(SELECT id FROM system WHERE organisation_id = {_MINE})"
            mine = f"{OWN_BY_SYSTEM[table]} IN {owned}"
            if table == "dependency":  # one whose depending end its department has yet to return
                mine = f"({mine} OR (from_system_id IS NULL AND {_MY_CODE} = upper(from_org_code)))"
        run(
            f"CREATE POLICY estate_own ON {table} TO {DEPARTMENTS} "
            f"USING ({mine}) WITH CHECK ({mine})"
        )
        run(
            f"CREATE POLICY estate_read ON {table} FOR SELECT TO {DEPARTMENTS} USING ({_READS_ALL})"
        )
    for table in WHOLE_ESTATE_CACHES:
        run(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        run(f"DROP POLICY IF EXISTS estate_read ON {table}")
        run(
            f"CREATE POLICY estate_read ON {table} FOR SELECT TO {DEPARTMENTS} USING ({_READS_ALL})"
        )
    run(
        f"CREATE POLICY estate_create ON organisation FOR INSERT TO {DEPARTMENTS} "
        "WITH CHECK (upper(code) = upper((SELECT estate_department_of(current_user))))"
    )
    run(
        f"CREATE POLICY estate_resolve ON dependency FOR UPDATE TO {DEPARTMENTS} "
        f"USING (to_system_id IS NULL) WITH CHECK (to_system_id = {_TARGET})"
    )


def grant(connection: Connection, department: str, role: str, *, reads_all: bool = True) -> bool:
    """Let `role` (created, able to log in, if it does not exist) change `department`'s data
    only; returns whether the role was created. A role already granted another department is
    moved to this one."""
    require_postgres(connection)
    code = department.strip().upper()
    if not code or not role.strip():
        raise InputError("Give a department code and a role name.")
    install(connection)
    created = not _role_exists(connection, role)
    if created:
        connection.exec_driver_sql(f"CREATE ROLE {_quote(connection, role)} LOGIN")
    connection.exec_driver_sql(f"GRANT {DEPARTMENTS} TO {_quote(connection, role)}")
    connection.execute(
        sa.text(
            "INSERT INTO estate_access (role_name, department, reads_all) "
            "VALUES (:role, :code, :reads) ON CONFLICT (role_name) DO UPDATE "
            "SET department = excluded.department, reads_all = excluded.reads_all"
        ),
        {"role": role, "code": code, "reads": reads_all},
    )
    return created


def revoke(connection: Connection, department: str, role: str) -> None:
    """Take away `role`'s rights to `department`'s data (the role itself is kept: it may own
    other things); it then reads and changes nothing in the estate."""
    require_postgres(connection)
    found = [g for g in grants(connection) if g.role == role]
    if not found or found[0].department != department.strip().upper():
        raise InputError(f"Role {role} has no access granted to {department.upper()}.")
    connection.execute(sa.text("DELETE FROM estate_access WHERE role_name = :r"), {"r": role})
    connection.exec_driver_sql(f"REVOKE {DEPARTMENTS} FROM {_quote(connection, role)}")


def grants(connection: Connection) -> list[Grant]:
    """Every department role granted in this estate, by department then role."""
    require_postgres(connection)
    if not sa.inspect(connection).has_table("estate_access"):
        return []
    rows = connection.execute(
        sa.text(
            "SELECT role_name, department, reads_all FROM estate_access "
            "ORDER BY department, role_name"
        )
    )
    return [Grant(role, department, reads_all) for role, department, reads_all in rows]


def refresh(connection: Connection) -> None:
    """After a schema upgrade, give the tables it added their privileges and policies, where
    access control is in use."""
    if connection.dialect.name == "postgresql" and sa.inspect(connection).has_table(
        "estate_access"
    ):
        install(connection)
