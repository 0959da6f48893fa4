"""Several quarters of a generated estate, changing as real estates do between returns.

Each quarter starts from the one before: legacy systems are upgraded onto supported technology
(RHEL 6 to RHEL 8, Windows Server 2008 R2 to 2019, Solaris to RHEL, the mainframe's software
to current releases), systems being decommissioned leave their department's return, new
systems arrive (mostly cloud and SaaS), contracts reaching their end are renewed or left to
lapse, remediation plans are written and funded, and one department gets worse: its old
systems gather vulnerabilities and incidents, lose the staff who knew them and their funding,
and an audit finds more of them. Deterministic for a seed, like `estate.generate`.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from estate.enums import ComponentKind, Criticality, LifecycleStatus, Outcome
from estate.generate import (
    ARCHETYPES,
    PERIOD,
    Archetype,
    Department,
    Mistakes,
    apply_mistakes,
    build_clean_estate,
    make_components,
    make_edge,
    make_security,
    make_system,
    plan_mistakes,
    write_estate,
)
from estate.periods import period_end, shift

_Stack = tuple[tuple[ComponentKind, str, str, str], ...]

UPGRADES: dict[str, tuple[str, _Stack]] = {
    "rhel6": (
        "rhel8",
        (
            (ComponentKind.OS, "Red Hat Enterprise Linux", "8", "Red Hat"),
            (ComponentKind.DATABASE, "Oracle Database", "19c", "Oracle"),
            (ComponentKind.RUNTIME, "Java", "21", "Oracle"),
            (ComponentKind.MIDDLEWARE, "Apache Tomcat", "10.1", "Apache"),
        ),
    ),
    "windows-2008": (
        "windows-2019",
        (
            (ComponentKind.OS, "Windows Server", "2019", "Microsoft"),
            (ComponentKind.DATABASE, "SQL Server", "2019", "Microsoft"),
            (ComponentKind.RUNTIME, ".NET Framework", "4.8", "Microsoft"),
            (ComponentKind.MIDDLEWARE, "IIS", "10.0", "Microsoft"),
        ),
    ),
    "windows-2012": (
        "windows-2022",
        (
            (ComponentKind.OS, "Windows Server", "2022", "Microsoft"),
            (ComponentKind.DATABASE, "SQL Server", "2022", "Microsoft"),
            (ComponentKind.RUNTIME, ".NET Framework", "4.8.1", "Microsoft"),
        ),
    ),
    "oracle-solaris": (
        "oracle-rhel8",
        (
            (ComponentKind.OS, "Red Hat Enterprise Linux", "8", "Red Hat"),
            (ComponentKind.DATABASE, "Oracle Database", "19c", "Oracle"),
            (ComponentKind.RUNTIME, "Java", "21", "Oracle"),
            (ComponentKind.MIDDLEWARE, "WebLogic Server", "14.1.1", "Oracle"),
        ),
    ),
    "lamp-legacy": (
        "lamp-rhel9",
        (
            (ComponentKind.OS, "RHEL", "9", "Red Hat"),
            (ComponentKind.DATABASE, "MySQL", "8.4", "Oracle"),
            (ComponentKind.RUNTIME, "PHP", "8.3", "PHP"),
        ),
    ),
    "mainframe": (
        "mainframe-current",
        (
            (ComponentKind.OS, "z/OS", "3.1", "IBM"),
            (ComponentKind.RUNTIME, "IBM Enterprise COBOL", "6.4", "IBM"),
            (ComponentKind.DATABASE, "Db2 for z/OS", "13", "IBM"),
            (ComponentKind.MIDDLEWARE, "CICS Transaction Server", "6.1", "IBM"),
            (ComponentKind.HARDWARE, "IBM z16", "", "IBM"),
        ),
    ),
}
"""What each legacy archetype is upgraded to: the new archetype's name and its technology."""
_NEW_ARCHETYPES = tuple(a for a in ARCHETYPES if not a.legacy)
_LEGACY_ARCHETYPES = tuple(a for a in ARCHETYPES if a.legacy)
_PLANS = (
    "Rehost onto supported OS in the department's cloud landing zone",
    "Replace with a SaaS product through the G-Cloud framework",
    "Upgrade the database and application server in place",
)


@dataclass
class Quarter:
    """One reporting period's returns."""

    period: str
    as_of: dt.date
    """The day after the period ends: the date its returns describe the estate at."""
    departments: list[Department]


@dataclass
class _Estate:
    """The evolving estate: departments without their mistakes, each system's archetype."""

    departments: list[Department]
    archetypes: dict[str, Archetype]
    worse: str | None
    """The department that gets worse quarter on quarter."""


def period_as_of(period: str) -> dt.date:
    """The date a period's returns describe the estate at: the day after it ends."""
    return period_end(period) + dt.timedelta(days=1)


def periods_ending(last: str, count: int) -> list[str]:
    """`count` consecutive periods, the last of them `last`, oldest first."""
    return [shift(last, offset) for offset in range(1 - count, 1)]


def build_quarters(
    systems: int, departments: int, seed: int, periods: int, last: str = PERIOD
) -> list[Quarter]:
    """`periods` quarters of an estate of about `systems` systems in `departments`
    departments, ending with `last`; the second department is the one that gets worse. Each
    quarter's returns repeat the same deliberate mistakes (`estate.generate`)."""
    names = periods_ending(last, periods)
    rng = random.Random(seed)
    depts, archetypes = build_clean_estate(rng, systems, departments, period_as_of(names[0]))
    mistakes = plan_mistakes(rng, depts)
    estate = _Estate(depts, archetypes, depts[1].code if len(depts) > 1 else None)
    return _quarters(estate, names, seed, mistakes)


def department_quarters(dept: Department, seed: int, names: list[str]) -> list[Quarter]:
    """One department's returns for the periods `names`, starting from `dept` as it stands in
    the first (the returns in a department's own layout, which carry no mistakes)."""
    archetypes = _archetypes_of(dept)
    return _quarters(_Estate([dept], archetypes, None), names, seed, Mistakes())


def write_quarters(quarters: list[Quarter], out_dir: Path, *, csv_departments: int) -> list[Path]:
    """Each quarter's returns in a folder named by its period, each file's name saying its
    department and period (`2026-Q3/dbp-2026-Q3-return.xlsx`), each cover sheet its period."""
    written: list[Path] = []
    for quarter in quarters:
        written += write_estate(
            quarter.departments,
            out_dir / quarter.period,
            csv_departments=csv_departments,
            period=quarter.period,
            period_in_names=True,
        )
    return written


def _archetypes_of(dept: Department) -> dict[str, Archetype]:
    """Each system's archetype, from its first component (own-layout departments are built
    without keeping them)."""
    firsts: dict[str, tuple[str, str]] = {}
    for component in dept.components:
        firsts.setdefault(component["reference"], (component["product"], component["version"]))
    found: dict[str, Archetype] = {}
    for system in dept.systems:
        product = firsts.get(system["reference"])
        found[system["reference"]] = next(
            (a for a in ARCHETYPES if product and _first_is(a, product)), _NEW_ARCHETYPES[-1]
        )
    return found


def _first_is(archetype: Archetype, product: tuple[str, str]) -> bool:
    first = archetype.components[0]
    return product == (first[1], first[2]) or product in archetype.spellings


def _quarters(estate: _Estate, names: list[str], seed: int, mistakes: Mistakes) -> list[Quarter]:
    quarters: list[Quarter] = []
    for index, period in enumerate(names):
        if index:
            evolve(estate, random.Random(f"{seed}:{period}"), period_as_of(period))
        returns = copy.deepcopy(estate.departments)
        apply_mistakes(mistakes, returns)
        quarters.append(Quarter(period, period_as_of(period), returns))
    return quarters


def evolve(estate: _Estate, rng: random.Random, when: dt.date) -> None:
    """Move the estate on one quarter, to the returns dated `when`."""
    for dept in estate.departments:
        worse = dept.code == estate.worse
        _retire(estate, dept, rng)
        for system in list(dept.systems):
            _age(system)
            if worse:
                _decline(system, estate.archetypes[system["reference"]], rng)
                continue
            _renew_or_lapse(system, estate.archetypes[system["reference"]], rng, when)
            _fund(system, estate.archetypes[system["reference"]], rng, when)
            _maybe_upgrade(estate, dept, system, rng, when)
        _arrive(estate, dept, rng, when, legacy=worse)


def _age(system: dict[str, Any]) -> None:
    """A quarter passes: hardware ages, what was being built goes live."""
    if system.get("hardware_age_years") is not None:
        system["hardware_age_years"] = round(system["hardware_age_years"] + 0.25, 2)
    if system.get("lifecycle_status") in (LifecycleStatus.PLANNED, LifecycleStatus.IN_DEVELOPMENT):
        system["lifecycle_status"] = LifecycleStatus.LIVE


def _retire(estate: _Estate, dept: Department, rng: random.Random) -> None:
    """Systems being decommissioned last quarter are gone from this return (with their rows
    and every department's dependencies on them); a few more legacy ones start going. In the
    department that gets worse, decommissioning stalls."""
    if dept.code == estate.worse:
        return
    gone = {
        s["reference"]
        for s in dept.systems
        if s.get("lifecycle_status") in (LifecycleStatus.SUNSETTING, LifecycleStatus.RETIRED)
    }
    if gone:
        dept.systems = [s for s in dept.systems if s["reference"] not in gone]
        dept.components = [c for c in dept.components if c["reference"] not in gone]
        dept.security = [c for c in dept.security if c["reference"] not in gone]
        for other in estate.departments:
            other.dependencies = [
                e
                for e in other.dependencies
                if not (
                    (other is dept and e["reference"] in gone)
                    or (
                        (e.get("to_org_code") or other.code) == dept.code
                        and e["to_reference"] in gone
                    )
                )
            ]
    for system in dept.systems:
        if estate.archetypes[system["reference"]].legacy and rng.random() < 0.03:
            system["lifecycle_status"] = LifecycleStatus.SUNSETTING


def _renew_or_lapse(
    system: dict[str, Any], archetype: Archetype, rng: random.Random, when: dt.date
) -> None:
    """A contract that has ended, or ends this quarter, is renewed for two to four years or
    left to lapse (legacy contracts lapse more often)."""
    end = system.get("contract_end")
    if not isinstance(end, dt.date) or end > when + dt.timedelta(days=92):
        return
    if rng.random() < (0.35 if archetype.legacy else 0.75):
        system["contract_end"] = when + dt.timedelta(days=rng.randint(730, 1460))


def _fund(system: dict[str, Any], archetype: Archetype, rng: random.Random, when: dt.date) -> None:
    """Legacy systems get remediation plans, and plans get funded."""
    if not archetype.legacy or system.get("lifecycle_status") == LifecycleStatus.SUNSETTING:
        return
    if system.get("remediation_plan") is None:
        if rng.random() < 0.12:
            system["remediation_plan"] = rng.choice(_PLANS)
            system["plan_funded"] = False
            system["target_date"] = when + dt.timedelta(days=rng.randint(365, 1095))
    elif not system.get("plan_funded") and rng.random() < 0.3:
        system["plan_funded"] = True


def _maybe_upgrade(
    estate: _Estate, dept: Department, system: dict[str, Any], rng: random.Random, when: dt.date
) -> None:
    """A legacy system moves onto supported technology, sooner when its plan is funded; its
    plan is then done, and a self-assessment is redone."""
    reference = system["reference"]
    archetype = estate.archetypes[reference]
    upgrade = UPGRADES.get(archetype.name)
    if upgrade is None or system.get("lifecycle_status") == LifecycleStatus.SUNSETTING:
        return
    if rng.random() >= (0.2 if system.get("plan_funded") else 0.04):
        return
    name, stack = upgrade
    estate.archetypes[reference] = Archetype(
        name, archetype.weight, False, archetype.hosting, stack, hardware_age=(0, 1)
    )
    dept.components = [c for c in dept.components if c["reference"] != reference] + [
        {
            "department": dept.code,
            "reference": reference,
            "kind": kind,
            "product": product,
            "version": version,
            "vendor": vendor,
        }
        for kind, product, version, vendor in stack
    ]
    for assessment in dept.security:
        if assessment["reference"] == reference and assessment["outcome"] is Outcome.NOT_ACHIEVED:
            assessment["outcome"] = Outcome.PARTIALLY_ACHIEVED
    if system.get("hardware_age_years") is not None:
        system["hardware_age_years"] = 0.5
    if system.get("hardware_year") is not None:
        system["hardware_year"] = when.year
    system["skilled_staff"] = max(system.get("skilled_staff") or 0, rng.randint(3, 8))
    system["open_critical_vulns"] = 0
    system["incidents_12m"] = min(system.get("incidents_12m") or 0, 1)
    for key in ("remediation_plan", "plan_funded", "planned_disposition", "target_date"):
        system[key] = None
    if system.get("l1") is not None:
        system["assessed_on"] = when - dt.timedelta(days=rng.randint(5, 40))
        for i in range(1, 8):
            system[f"l{i}"] = rng.randint(1, 2)


def _decline(system: dict[str, Any], archetype: Archetype, rng: random.Random) -> None:
    """The department that gets worse: its old systems gather critical vulnerabilities and
    incidents, lose staff and funding, and it says so in its own scores."""
    if not archetype.legacy:
        return
    system["open_critical_vulns"] = (system.get("open_critical_vulns") or 0) + rng.randint(1, 3)
    system["incidents_12m"] = (system.get("incidents_12m") or 0) + rng.randint(1, 4)
    system["skilled_staff"] = max(0, (system.get("skilled_staff") or 0) - 1)
    if system.get("plan_funded") and rng.random() < 0.4:
        system["plan_funded"] = False
    if system.get("l1") is not None:
        for i in (3, 6, 7):
            system[f"l{i}"] = min(6, system[f"l{i}"] + 1)
        for i in (2, 4, 5):
            system[f"c{i}"] = min(5, system[f"c{i}"] + 1)


def _arrive(
    estate: _Estate, dept: Department, rng: random.Random, when: dt.date, *, legacy: bool
) -> None:
    """New systems join the return: mostly cloud and SaaS, planned or in development; for the
    department that gets worse, old systems an audit found, already live."""
    count = (
        max(2, len(dept.systems) // 15)
        if legacy
        else (1 if rng.random() < 0.5 else 0) + len(dept.systems) // 40
    )
    numbers = [int(s["reference"].rsplit("-", 1)[1]) for s in dept.systems]
    number = max(numbers, default=0)
    existing = list(dept.systems)
    names = {s["name"] for s in existing}
    for _ in range(count):
        number += 1
        record, archetype = make_system(
            rng, dept, number, when, _LEGACY_ARCHETYPES if legacy else _NEW_ARCHETYPES
        )
        base, again = record["name"], 1
        while record["name"] in names:  # names are keys in some departments' own layouts
            again += 1
            record["name"] = f"{base} {again}"
        names.add(record["name"])
        record["lifecycle_status"] = (
            LifecycleStatus.LIVE
            if legacy
            else rng.choice((LifecycleStatus.PLANNED, LifecycleStatus.IN_DEVELOPMENT))
        )
        for key in ("remediation_plan", "plan_funded", "planned_disposition", "target_date"):
            record.pop(key, None)
        if legacy:  # what an audit turns up: business-critical, and nobody left who knows it
            record["criticality"] = rng.choice((Criticality.CRITICAL, Criticality.HIGH))
            record["skilled_staff"] = rng.randint(0, 1)
        dept.systems.append(record)
        estate.archetypes[record["reference"]] = archetype
        dept.components.extend(make_components(rng, record, archetype))
        dept.security.extend(make_security(rng, record, archetype.legacy))
        for target in rng.sample(existing, k=min(len(existing), rng.randint(1, 3))):
            dept.dependencies.append(make_edge(rng, dept, record, dept, target))
