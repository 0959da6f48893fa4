"""The department boundary, enforced by PostgreSQL: roles and row-level security.

A department's role may insert, change and delete only its own organisation's systems,
components, dependencies, security assessments, import batches, the record of which import
wrote what and the history of what its imports replaced; it never creates, renames or
deletes an organisation (granting a department creates its organisation if need be, and only
the central team renames one); it reads the rest of the estate unless granted with
`reads_all=False`, when it sees only its own (and not the kept ranking or trend figures of
the whole estate: it scores what it can see). The central role (the tables' owner, which ran
`estate init`) is not subject to the policies and administers everything. Every department
role is a member of the group role DEPARTMENTS, to which the privileges and policies are
granted; which department a role acts for is kept in the `estate_access` table, read by the
policies through functions that run with the owner's rights.

A role that may read the rest of the estate also resolves other departments' dependencies on
the systems it imports (it may set only `dependency.to_system_id`, and only to the system the
dependency names). A role that reads only its own department leaves them to be resolved by the
next import that can see them.

A grant means what it says or is refused: a role that row-level security does not bind (a
superuser, a role with BYPASSRLS, the tables' owner or a member of it, a role reading or
writing every table through a predefined `pg_*` role), a reserved name, the group role itself,
and a name PostgreSQL would cut short are refused in one line. What a department's role cannot
be kept from doing (taking a lock its own writes need, holding the estate's write lock in a
session of its own) is bounded: its sessions run with a lock timeout, a statement timeout and
an idle-in-transaction timeout set on the role, and the estate's readers wait for no lock longer
than `estate.db.READ_LOCK_WAIT_MS`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import keys
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

OWN_BY_ORGANISATION = {"system": "organisation_id"}
OWN_BY_ORGANISATION |= {"import_batch": "organisation_id"}
OWN_BY_ORGANISATION |= {table: "organisation_id" for table in HISTORY_TABLES}
OWN_BY_SYSTEM = {
    "component": "system_id",
    "security_assessment": "system_id",
    "system_source": "system_id",
    "dependency": "from_system_id",
}
WRITES = {
    "system": "INSERT, UPDATE, DELETE",
    "import_batch": "INSERT, UPDATE, DELETE",
    "component": "INSERT, UPDATE, DELETE",
    "security_assessment": "INSERT, UPDATE, DELETE",
    "system_source": "INSERT, UPDATE, DELETE",
    "dependency": "INSERT, DELETE, UPDATE (to_system_id)",
} | {table: "INSERT, UPDATE, DELETE" for table in HISTORY_TABLES}
"""What a department's role may do to each table it owns rows of; every other table it only
reads (the organisations, the lifecycle catalogue, the kept ranking, the trend's kept
figures)."""

ROLE_SETTINGS = {
    "lock_timeout": "1s",
    "statement_timeout": "5min",
    "idle_in_transaction_session_timeout": "30s",
    "idle_session_timeout": "10min",
}
"""Set on every department role when it is granted: a lock it takes cannot be kept by a session
left idle (in a transaction or, for a session-level advisory lock, out of one), no statement
of its runs for ever, and it waits for no lock longer than a second. A session may change
its own settings: these bound what a careless or ordinary client holds, and the estate's
readers never wait on them whatever a session does (`estate.db.READ_LOCK_WAIT_MS`)."""

NAME_BYTES = 63
"""PostgreSQL keeps the first 63 bytes of a name (NAMEDATALEN - 1) and drops the rest."""

RESERVED = frozenset(
    {"public", "none", "current_user", "session_user", "current_role", "user", "all"}
)
"""Names that PostgreSQL's role syntax reads as something else."""

READS_OR_WRITES_ALL = ("pg_read_all_data", "pg_write_all_data")
"""Predefined roles whose members read or write every table, whatever they are granted."""

WHOLE_ESTATE_CACHES = ("ranking_snapshot", "ranking_snapshot_row", "trend_figures")
"""Figures worked out from the whole estate: read only by a role that reads the whole estate."""

ADMIN_LOCK_WAIT_S = 30
"""Longest the central role's grants and upgrades wait for a table's lock on PostgreSQL."""

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
    # The privileges and policies take each table's strongest lock, which the server's own
    # vacuuming may hold for a moment (it gives way after a second): an administrator's
    # change waits that out, where estate's readers wait half a second at most.
    run(f"SET LOCAL lock_timeout = '{ADMIN_LOCK_WAIT_S}s'")
    schema = connection.execute(sa.text("SELECT current_schema()")).scalar_one()
    if not _role_exists(connection, DEPARTMENTS):
        run(f"CREATE ROLE {DEPARTMENTS} NOLOGIN")
    run(
        "CREATE TABLE IF NOT EXISTS estate_access (role_name TEXT PRIMARY KEY, "
        "department TEXT NOT NULL, reads_all BOOLEAN NOT NULL)"
    )
    run("REVOKE ALL ON estate_access FROM PUBLIC")
    run(f"REVOKE INSERT, UPDATE, DELETE ON organisation FROM {DEPARTMENTS}")
    definer = f"LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {_quote(connection, schema)}"
    run(
        "CREATE OR REPLACE FUNCTION estate_organisation_of(who name) RETURNS integer "
        f"{definer} AS $$ SELECT o.id FROM estate_access a JOIN organisation o "
        "ON upper(o.code) = upper(a.department) WHERE a.role_name = who "
        "ORDER BY o.code = a.department DESC, o.id LIMIT 1 $$"  # one, of codes alike in case
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
    for function in ("estate_organisation_of", "estate_department_of", "estate_reads_all"):
        run(f"REVOKE ALL ON FUNCTION {function}(name) FROM PUBLIC")
        run(f"GRANT EXECUTE ON FUNCTION {function}(name) TO {DEPARTMENTS}")
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
    for policy in ("estate_own", "estate_create", "estate_read"):
        run(f"DROP POLICY IF EXISTS {policy} ON organisation")
    run("ALTER TABLE organisation ENABLE ROW LEVEL SECURITY")
    run(
        f"CREATE POLICY estate_read ON organisation FOR SELECT TO {DEPARTMENTS} "
        f"USING ({_READS_ALL} OR id = {_MINE})"
    )
    run(
        f"CREATE POLICY estate_resolve ON dependency FOR UPDATE TO {DEPARTMENTS} "
        f"USING (to_system_id IS NULL) WITH CHECK (to_system_id = {_TARGET})"
    )


def role_name(text: str) -> str:
    """A role name as given, checked by the rules every name in estate meets: no control,
    bidirectional or invisible characters, no quotes, and no longer than PostgreSQL keeps (a
    longer name would be cut short, so two grants could land on one role). `InputError` in
    one line otherwise."""
    name = text.strip()
    if not name:
        raise InputError("Give a role name with --role.")
    control = next((c for c in name if unicodedata.category(c) == "Cc"), None)
    if control is not None:
        raise InputError(
            f"Role {keys.shown(name)} is refused: it holds the control character "
            f"U+{ord(control):04X}."
        )
    try:
        normal = keys.normalise(name, "the role name")
    except keys.KeyRefused as exc:
        raise InputError(f"Role {keys.shown(name)} is refused: {exc}.") from None
    if normal != name:
        raise InputError(
            f"Role {keys.shown(name)} is refused: it holds invisible or compatibility "
            f"characters; write it as {keys.shown(normal)}."
        )
    quote = next((c for c in name if c in keys.QUOTES), None)
    if quote is not None:
        raise InputError(f"Role {keys.shown(name)} is refused: a role name has no quotes.")
    size = len(name.encode("utf-8"))
    if size > NAME_BYTES:
        raise InputError(
            f"Role name {keys.shown(name)} is {size} bytes; PostgreSQL keeps only the first "
            f"{NAME_BYTES}, so give a shorter name."
        )
    return name


def normalised_department(department: str) -> str:
    """A department code as every key is read (`' dbp '` is `DBP`), or `InputError`."""
    try:
        return keys.department_code(department)
    except keys.KeyRefused as exc:
        raise InputError(f"Department {keys.shown(department)} is refused: {exc}.") from None


def _unbindable(connection: Connection, role: str) -> str | None:
    """Why row-level security would not bind `role`, or None when it would."""
    if role.casefold() in RESERVED:
        return f"{role} is a reserved word in PostgreSQL, not a role"
    if role.casefold() == DEPARTMENTS or role.startswith("pg_"):
        kind = "the group role of every department" if role == DEPARTMENTS else "predefined"
        return f"{role} is {kind}, not a role one department signs in as"
    owner = connection.execute(
        sa.text(
            "SELECT tableowner FROM pg_tables WHERE tablename = 'system' "
            "AND schemaname = current_schema()"
        )
    ).scalar()
    found = connection.execute(
        sa.text("SELECT rolsuper, rolbypassrls, rolcreaterole FROM pg_roles WHERE rolname = :r"),
        {"r": role},
    ).first()
    if found is None:
        return None
    if found.rolsuper:
        return f"{role} is a superuser, which row-level security does not bind"
    if found.rolbypassrls:
        return f"{role} has BYPASSRLS, so row-level security does not bind it"
    checks = [(owner, "owns the estate's tables (or acts as their owner)")] if owner else []
    checks += [(name, f"is a member of {name}") for name in READS_OR_WRITES_ALL]
    for other, why in checks:
        member = connection.execute(
            sa.text("SELECT pg_has_role(:r, :o, 'USAGE')"), {"r": role, "o": other}
        ).scalar()
        if member:
            return f"{role} {why}, so row-level security does not bind it"
    if found.rolcreaterole:
        return (
            f"{role} has CREATEROLE, so it could make itself a member of the estate's owner, "
            "which row-level security does not bind"
        )
    return None


def _own_organisation(connection: Connection, code: str) -> None:
    """Create the department's organisation if the estate has none by its code, so that its
    role's imports, which may not create one, have it to write to."""
    found = connection.execute(
        sa.text("SELECT 1 FROM organisation WHERE upper(code) = :c"), {"c": code}
    ).first()
    if found is None:
        connection.execute(
            sa.text("INSERT INTO organisation (code, name, kind) VALUES (:c, :c, 'Department')"),
            {"c": code},
        )


def grant(connection: Connection, department: str, role: str, *, reads_all: bool = True) -> bool:
    """Let `role` (created, able to log in, if it does not exist) change `department`'s data
    only; returns whether the role was created. A role already granted another department is
    moved to this one. Refused, in one line, for a name or a role that row-level security
    would not bind, or a department code that breaks the rules of every key."""
    require_postgres(connection)
    role = role_name(role)
    code = normalised_department(department)
    install(connection)
    why = _unbindable(connection, role)
    if why is not None:
        raise InputError(f"Role {role} is not granted: {why}. Give a role of its own.")
    created = not _role_exists(connection, role)
    quoted = _quote(connection, role)
    if created:
        connection.exec_driver_sql(f"CREATE ROLE {quoted} LOGIN")
    connection.exec_driver_sql(f"GRANT {DEPARTMENTS} TO {quoted}")
    for setting, value in ROLE_SETTINGS.items():
        connection.exec_driver_sql(f"ALTER ROLE {quoted} SET {setting} = '{value}'")
    _own_organisation(connection, code)
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
    role = role.strip()
    code = normalised_department(department)
    found = [g for g in grants(connection) if g.role == role]
    if not found or found[0].department != code:
        raise InputError(f"Role {keys.shown(role)} has no access granted to {keys.shown(code)}.")
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


def may_rename_organisations(connection: Connection) -> bool:
    """Whether the connected role may rename organisations: on PostgreSQL the central role
    only, everyone on SQLite (which has no roles)."""
    if connection.dialect.name != "postgresql":
        return True
    return bool(
        connection.execute(sa.text("SELECT has_table_privilege('organisation', 'UPDATE')")).scalar()
    )


def reads_only(connection: Connection) -> str | None:
    """The department the connected role was granted to read alone (`reads_all=False`), or
    None when it reads the whole estate: every session on SQLite, the central role, a
    department role granted the rest too. What such a role scores and exports is its own
    department's systems, and says so rather than calling them the estate."""
    if connection.dialect.name != "postgresql":
        return None
    usable = connection.execute(
        sa.text(
            "SELECT CASE WHEN to_regprocedure('estate_reads_all(name)') IS NULL THEN false "
            "ELSE has_function_privilege('estate_reads_all(name)', 'EXECUTE') "
            "AND has_function_privilege('estate_department_of(name)', 'EXECUTE') END"
        )
    ).scalar()
    if not usable:
        return None
    found = connection.execute(
        sa.text(
            "SELECT estate_department_of(current_user) WHERE NOT estate_reads_all(current_user)"
        )
    ).scalar()
    return None if found is None else str(found)


def refresh(connection: Connection) -> None:
    """After a schema upgrade, give the tables it added their privileges and policies, where
    access control is in use."""
    if connection.dialect.name == "postgresql" and sa.inspect(connection).has_table(
        "estate_access"
    ):
        install(connection)
