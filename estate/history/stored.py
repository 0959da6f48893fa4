"""Which reporting periods the estate holds, and the rule that keeps them in order."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.errors import InputError, NotFound
from estate.periods import parse_period, quarter_of

BATCH = models.table_of(models.ImportBatch)
ORG = models.table_of(models.Organisation)


def stored_periods(connection: Connection, department: str | None = None) -> list[str]:
    """The periods any return (or `department`'s returns) was imported for, oldest first."""
    statement = sa.select(BATCH.c.period).distinct().where(BATCH.c.period != "")
    if department is not None:
        statement = statement.join(ORG, BATCH.c.organisation_id == ORG.c.id).where(
            sa.func.upper(ORG.c.code) == department.upper()
        )
    return sorted(connection.execute(statement).scalars())


def first_periods(connection: Connection) -> dict[str, str]:
    """Each department's first reporting period with a return, by department code: a
    department has joined the estate by the end of that period, whatever its returns since
    have retired or removed."""
    statement = (
        sa.select(ORG.c.code, sa.func.min(BATCH.c.period))
        .join(ORG, BATCH.c.organisation_id == ORG.c.id)
        .where(BATCH.c.period != "")
        .group_by(ORG.c.code)
    )
    return {str(code): str(period) for code, period in connection.execute(statement)}


def check_period_order(connection: Connection, department: str, period: str, file: str) -> None:
    """Refuse, in one line, a return for a period before the department's latest imported one:
    a later period builds on the earlier, so the past is never rewritten under it. A return
    for the latest period itself replaces that period's state."""
    found = stored_periods(connection, department)
    if found and period < found[-1]:
        raise InputError(
            f"{file}: this return is for {period}, but {department}'s return for {found[-1]} "
            f"is already imported; import a department's returns in period order (a return "
            f"for {found[-1]} or later)."
        )


def known_period(connection: Connection, text: str, *, what: str = "--period") -> str:
    """`text` as a period the estate holds returns up to: refuses a malformed period, one
    before the first return (there was no estate then) or one after both the latest return and
    the current quarter (the estate then is not known yet), naming the periods there are."""
    period = parse_period(text, what=what)
    found = stored_periods(connection)
    if not found:
        raise NotFound("The estate holds no returns yet, so no period to look at.")
    if period < found[0]:
        raise NotFound(
            f"{what} {period} is before the estate's first return ({found[0]}); periods with "
            f"returns: {', '.join(found)}."
        )
    current = quarter_of(dt.date.today())
    if period > max(found[-1], current):
        raise NotFound(
            f"{what} {period} is still to come: this is {current}, and the latest return is for "
            f"{found[-1]}; periods with returns: {', '.join(found)}."
        )
    return period
