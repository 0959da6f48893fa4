"""Reading the running facts of every stored system in one query, and the estate's carbon
from them: what `estate carbon` and the exports read, with no scoring."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.db import plain
from estate.enums import Hosting
from estate.perf import collector_paused
from estate.stages import in_service, is_gone
from estate.sustainability.facts import RunningFacts
from estate.sustainability.reference import Reference, load_reference
from estate.sustainability.summary import CarbonSummary, Memo, SystemCarbon, carbon_of, summarise

_HOSTING = {member.value: member for member in Hosting}


class StoredSystem(NamedTuple):
    """A stored system's key, name, department, running facts and planned disposition."""

    key: str
    name: str
    department: str
    facts: RunningFacts
    planned: str | None


def read_running(connection: Connection, departments: Iterable[str] = ()) -> list[StoredSystem]:
    """Every stored system's running facts (of `departments`, when any is named: a department
    no system belongs to is refused), by department and reference; systems retired or
    cancelled have left the estate's counts, and its carbon with them."""
    system = models.table_of(models.System)
    org = models.table_of(models.Organisation)
    columns = [
        org.c.code,
        system.c.reference,
        system.c.name,
        plain(system.c.hosting),
        system.c.cloud_provider,
        *(system.c[name] for name in models.RUNNING_FIELDS),
        system.c.hardware_age_years,
        plain(system.c.lifecycle_status),
        plain(system.c.planned_disposition),
    ]
    query = (
        sa.select(*columns)
        .join(org, org.c.id == system.c.organisation_id)
        .where(in_service(system))
        .order_by(org.c.code, system.c.reference)
    )
    asked = list(departments)
    if asked:
        from estate.ranking import chosen_departments  # the ranking's modules, only when asked

        counted = (
            sa.select(org.c.code)
            .join(system, org.c.id == system.c.organisation_id)
            .where(in_service(system))
            .distinct()
        )
        known = set(connection.execute(counted).scalars())
        query = query.where(org.c.code.in_(sorted(chosen_departments(asked, known))))
    found: list[StoredSystem] = []
    with collector_paused():
        _read(connection.execute(query), found)
    return found


def _read(rows: Iterable[Any], found: list[StoredSystem]) -> None:
    for row in rows:
        code, reference, name, hosting, provider, *running, age, status, planned = row
        servers, vms, vcpus, memory, storage, utilisation, site, pue, metered, year = running
        facts = RunningFacts(
            _HOSTING.get(hosting) if hosting else None,
            provider,
            servers,
            vms,
            vcpus,
            memory,
            storage,
            utilisation,
            site,
            pue,
            metered,
            year,
            age,
            is_gone(status),
        )
        found.append(StoredSystem(f"{code}/{reference}", name, code, facts, planned))


def estate_carbon(
    stored: Iterable[StoredSystem],
    suggested: Mapping[str, str | None],
    ref: Reference,
    year: int,
    *,
    moves: bool = True,
) -> list[SystemCarbon]:
    """Each stored system's estimate and (unless not `moves`) the savings of its planned
    disposition and of the disposition the ranking suggests (`suggested`, by key); systems
    retired or cancelled are left out, as they have left the estate's counts."""
    memo: Memo = {}
    with collector_paused():  # many small acyclic objects: the collector would walk them all
        return [
            carbon_of(
                s.key,
                s.name,
                s.department,
                s.facts,
                s.planned if moves else None,
                suggested.get(s.key) if moves else None,
                ref,
                year,
                memo,
            )
            for s in stored
            if not s.facts.gone
        ]


def stored_totals(connection: Connection, year: int) -> CarbonSummary:
    """The estate's energy and carbon as at `year`, from the stored systems alone (no moves,
    no scoring): what the overview shows."""
    ref = load_reference()
    systems = estate_carbon(read_running(connection), {}, ref, year, moves=False)
    return summarise(systems, ref, year, top=0)
