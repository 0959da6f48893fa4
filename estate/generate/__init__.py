"""A realistic synthetic estate, written as departmental returns in the template layout.

Deterministic for a seed. The mix follows the published picture: about 28% of systems legacy
(mainframes with COBOL, Windows Server 2008, Oracle 11g, RHEL 6, Solaris), the rest modern,
cloud-hosted or SaaS; dependencies with a heavy tail (shared identity, payments and reference
data hubs that many systems lean on), a few cycles, cross-department links, and the data-quality
problems real returns carry: unknowns, "TBC", typos, impossible dates and rows for the wrong
department. The bundled sample data is this generator at a small size.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    DependencyKind,
    Disposition,
    Hosting,
    LifecycleStatus,
    OrgKind,
    Outcome,
    Principle,
    SignIn,
)
from estate.files import atomic_write
from estate.generate.running import running_facts, running_rng
from estate.periods import period_end
from importers.layout import SYSTEMS, RecordKind
from importers.template import write_return

DEPARTMENTS: tuple[tuple[str, str, str | None], ...] = (
    ("DBP", "Department for Benefits and Pensions", None),
    ("RCA", "Revenue and Customs Administration", None),
    ("MBI", "Ministry of Borders and Immigration", None),
    ("DLE", "Department for Land and Environment", None),
    ("DHR", "Department for Health and Social Records", None),
    ("MOJ", "Ministry of Justice and Prisons", None),
    ("CTS", "Courts and Tribunals Service", "MOJ"),
    ("DTR", "Department for Transport Regulation", None),
    ("DFE", "Department for Education Funding", None),
    ("VLA", "Vehicle Licensing Agency", "DTR"),
)

_SUBJECTS = (
    "Benefit",
    "Pension",
    "Claims",
    "Payments",
    "Case",
    "Customer",
    "Licence",
    "Grant",
    "Tax",
    "Customs",
    "Visa",
    "Passport",
    "Land",
    "Permit",
    "Inspection",
    "Records",
    "Appointments",
    "Fines",
    "Debt",
    "Fraud",
    "Workforce",
    "Estates",
    "Procurement",
    "Correspondence",
    "Eligibility",
    "Registration",
    "Complaints",
    "Enforcement",
    "Funding",
    "Statistics",
)
_NOUNS = (
    "Ledger",
    "Calculator",
    "Portal",
    "Gateway",
    "Register",
    "Hub",
    "Tracker",
    "Engine",
    "Archive",
    "Manager",
    "Service",
    "Workbench",
    "Index",
    "Scheduler",
    "Exchange",
    "Warehouse",
)
_PEOPLE = (
    "A. Patel",
    "J. Okafor",
    "S. Campbell",
    "M. Nowak",
    "R. Hughes",
    "L. Evans",
    "T. Begum",
    "D. MacLeod",
    "K. Osei",
    "H. Jones",
    "P. Byrne",
    "E. Wright",
)
_SUPPLIERS = (
    "Capgemini",
    "Fujitsu",
    "IBM",
    "Atos",
    "CGI",
    "Kainos",
    "Accenture",
    "DXC",
    "Sopra Steria",
    "In-house",
)


@dataclass(frozen=True)
class Archetype:
    """A kind of system with its technology, hosting and how legacy it is."""

    name: str
    weight: float
    legacy: bool
    hosting: tuple[Hosting, ...]
    components: tuple[tuple[ComponentKind, str, str, str], ...]
    spellings: tuple[tuple[str, str], ...] = ()
    """Alternative (product, version) spellings departments use for the first component."""
    hardware_age: tuple[float, float] | None = None


ARCHETYPES: tuple[Archetype, ...] = (
    Archetype(
        "mainframe",
        0.04,
        True,
        (Hosting.ON_PREMISES,),
        (
            (ComponentKind.OS, "z/OS", "2.3", "IBM"),
            (ComponentKind.RUNTIME, "IBM Enterprise COBOL", "4.2", "IBM"),
            (ComponentKind.DATABASE, "Db2 for z/OS", "11", "IBM"),
            (ComponentKind.MIDDLEWARE, "CICS Transaction Server", "5.3", "IBM"),
            (ComponentKind.HARDWARE, "IBM z13", "", "IBM"),
        ),
        hardware_age=(8, 12),
    ),
    Archetype(
        "windows-2008",
        0.06,
        True,
        (Hosting.ON_PREMISES, Hosting.COLOCATION),
        (
            (ComponentKind.OS, "Windows Server", "2008 R2", "Microsoft"),
            (ComponentKind.DATABASE, "SQL Server", "2008 R2", "Microsoft"),
            (ComponentKind.RUNTIME, ".NET Framework", "3.5", "Microsoft"),
            (ComponentKind.MIDDLEWARE, "IIS", "7.5", "Microsoft"),
        ),
        spellings=(("Win", "2008 R2"), ("Windows Server", "2008R2 SP1"), ("Windows 2008", "R2")),
        hardware_age=(9, 14),
    ),
    Archetype(
        "oracle-solaris",
        0.04,
        True,
        (Hosting.ON_PREMISES,),
        (
            (ComponentKind.OS, "Solaris", "10", "Oracle"),
            (ComponentKind.DATABASE, "Oracle Database", "11g R2", "Oracle"),
            (ComponentKind.RUNTIME, "Java", "6", "Oracle"),
            (ComponentKind.MIDDLEWARE, "WebLogic Server", "10.3", "Oracle"),
        ),
        spellings=(("Oracle Solaris", "10 1/13"),),
        hardware_age=(10, 16),
    ),
    Archetype(
        "rhel6",
        0.05,
        True,
        (Hosting.ON_PREMISES, Hosting.PRIVATE_CLOUD),
        (
            (ComponentKind.OS, "RHEL", "6.10", "Red Hat"),
            (ComponentKind.DATABASE, "Oracle", "11gR2", "Oracle"),
            (ComponentKind.RUNTIME, "Java", "1.8", "Oracle"),
            (ComponentKind.MIDDLEWARE, "Apache Tomcat", "7", "Apache"),
        ),
        spellings=(("Red Hat Enterprise Linux", "6"), ("RHEL", "6.10")),
        hardware_age=(7, 11),
    ),
    Archetype(
        "lamp-legacy",
        0.03,
        True,
        (Hosting.COLOCATION, Hosting.ON_PREMISES),
        (
            (ComponentKind.OS, "CentOS", "7", "CentOS"),
            (ComponentKind.DATABASE, "MySQL", "5.7", "Oracle"),
            (ComponentKind.RUNTIME, "PHP", "5.6", "PHP"),
        ),
        hardware_age=(6, 10),
    ),
    Archetype(
        "windows-2012",
        0.06,
        True,
        (Hosting.ON_PREMISES, Hosting.PRIVATE_CLOUD, Hosting.COLOCATION),
        (
            (ComponentKind.OS, "Windows Server", "2012 R2", "Microsoft"),
            (ComponentKind.DATABASE, "MS SQL", "2014 SP3", "Microsoft"),
            (ComponentKind.RUNTIME, ".NET Framework", "4.6.1", "Microsoft"),
        ),
        spellings=(("Windows Server", "2012R2"), ("Win", "2012 R2")),
        hardware_age=(7, 11),
    ),
    Archetype(
        "windows-2019",
        0.14,
        False,
        (Hosting.ON_PREMISES, Hosting.PRIVATE_CLOUD, Hosting.PUBLIC_IAAS),
        (
            (ComponentKind.OS, "Windows Server", "2019", "Microsoft"),
            (ComponentKind.DATABASE, "SQL Server", "2019", "Microsoft"),
            (ComponentKind.RUNTIME, ".NET Framework", "4.8", "Microsoft"),
        ),
        hardware_age=(1, 5),
    ),
    Archetype(
        "rhel8-cloud",
        0.20,
        False,
        (Hosting.PUBLIC_IAAS, Hosting.PRIVATE_CLOUD),
        (
            (ComponentKind.OS, "Red Hat Enterprise Linux", "8", "Red Hat"),
            (ComponentKind.DATABASE, "PostgreSQL", "16", "PostgreSQL"),
            (ComponentKind.RUNTIME, "Java", "17", "Oracle"),
        ),
    ),
    Archetype(
        "cloud-native",
        0.20,
        False,
        (Hosting.PUBLIC_PAAS,),
        (
            (ComponentKind.RUNTIME, "Python", "3.13", "PSF"),
            (ComponentKind.DATABASE, "PostgreSQL", "17", "PostgreSQL"),
            (ComponentKind.OS, "Ubuntu", "24.04", "Canonical"),
        ),
    ),
    Archetype(
        "saas",
        0.18,
        False,
        (Hosting.SAAS,),
        ((ComponentKind.APPLICATION, "ServiceNow", "Washington DC", "ServiceNow"),),
    ),
)
_STAGES = (
    LifecycleStatus.PLANNED,
    LifecycleStatus.IN_DEVELOPMENT,
    LifecycleStatus.LIVE,
    LifecycleStatus.SUNSETTING,
    LifecycleStatus.RETIRED,
)
"""The lifecycle stages a generated system is drawn from (a cancelled one is never sent)."""
_SAAS_PRODUCTS = (
    ("ServiceNow", "ServiceNow", "Washington DC"),
    ("Salesforce Service Cloud", "Salesforce", "Winter '25"),
    ("Microsoft Dynamics 365", "Microsoft", "2024 release wave 2"),
    ("Workday", "Workday", "2024R2"),
    ("Oracle Fusion ERP", "Oracle", "24D"),
)
"""SaaS products, each with a release of its own as its vendor names them (ServiceNow's
family releases are named after cities, Salesforce's after seasons, Workday's and Oracle
Fusion's by year and update, Dynamics 365's by release wave): never another product's."""


@dataclass
class Department:
    """One department's generated return."""

    code: str
    name: str
    parent: str | None
    systems: list[dict[str, Any]] = field(default_factory=list)
    components: list[dict[str, Any]] = field(default_factory=list)
    dependencies: list[dict[str, Any]] = field(default_factory=list)
    security: list[dict[str, Any]] = field(default_factory=list)


def _departments(count: int) -> list[Department]:
    chosen = list(DEPARTMENTS[:count])
    for extra in range(len(chosen), count):
        chosen.append((f"D{extra + 1:03d}", f"Department {extra + 1}", None))
    codes = {code for code, _name, _parent in chosen}
    return [
        Department(code, name, parent if parent in codes else None) for code, name, parent in chosen
    ]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """Uneven department sizes (a few large, many small), summing to `total`."""
    weights = [rng.uniform(0.4, 2.5) for _ in range(parts)]
    sizes = [max(1, int(total * w / sum(weights))) for w in weights]
    sizes[0] += total - sum(sizes)
    return sizes


def _date(rng: random.Random, start: dt.date, span_days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span_days))


def make_system(
    rng: random.Random,
    dept: Department,
    index: int,
    as_of: dt.date,
    archetypes: tuple[Archetype, ...] = ARCHETYPES,
) -> tuple[dict[str, Any], Archetype]:
    """One system of `dept`, numbered `index`, of an archetype drawn from `archetypes`."""
    archetype = rng.choices(archetypes, weights=[a.weight for a in archetypes])[0]
    hosting = rng.choice(archetype.hosting)
    criticality = rng.choices(list(Criticality), weights=(0.15, 0.3, 0.35, 0.2))[0]
    name = f"{rng.choice(_SUBJECTS)} {rng.choice(_NOUNS)}"
    cloud = hosting in (Hosting.PUBLIC_IAAS, Hosting.PUBLIC_PAAS, Hosting.SAAS)
    record: dict[str, Any] = {
        "department": dept.code,
        "reference": f"{dept.code}-{index:05d}",
        "name": name,
        "description": f"Supports {name.split()[0].lower()} work in {dept.name}.",
        "business_owner": rng.choice(_PEOPLE) if rng.random() > 0.08 else None,
        "technical_owner": rng.choice(_PEOPLE),
        "criticality": criticality,
        "services_supported": "; ".join(
            sorted({f"{rng.choice(_SUBJECTS)} service" for _ in range(rng.randint(1, 3))})
        ),
        "users": int(rng.lognormvariate(7, 2)) + 5,
        "hosting": hosting,
        "cloud_provider": rng.choice(("AWS", "Microsoft Azure", "Google Cloud"))
        if cloud and hosting != Hosting.SAAS
        else None,
        "classification": rng.choices(list(Classification), weights=(0.55, 0.38, 0.06, 0.01))[0],
        "personal_data": rng.random() < 0.6,
        "internet_facing": rng.random() < (0.45 if cloud else 0.2),
        "lifecycle_status": rng.choices(_STAGES, weights=(0.02, 0.06, 0.84, 0.07, 0.01))[0],
        "supplier": rng.choice(_SUPPLIERS),
        "contract_end": _date(rng, as_of - dt.timedelta(days=900), 2000)
        if archetype.legacy
        else _date(rng, as_of + dt.timedelta(days=120), 1800),
        "annual_run_cost": round(rng.lognormvariate(12.5 if archetype.legacy else 11.8, 1.0), -3),
        "sign_in": rng.choices(list(SignIn), weights=(0.12, 0.35, 0.45, 0.08))[0],
        "skilled_staff": rng.randint(0, 3) if archetype.legacy else rng.randint(3, 15),
        "incidents_12m": int(rng.expovariate(0.4 if archetype.legacy else 1.5)),
        "open_critical_vulns": int(rng.expovariate(0.5 if archetype.legacy else 3.0)),
        "last_pen_test": _date(rng, as_of - dt.timedelta(days=1400), 1390)
        if rng.random() < 0.7
        else None,
        "hardware_age_years": round(rng.uniform(*archetype.hardware_age), 1)
        if archetype.hardware_age
        else None,
    }
    record.update(
        running_facts(
            running_rng(rng, record["reference"]),
            hosting,
            record["cloud_provider"],
            archetype.legacy,
            record["hardware_age_years"],
            as_of,
        )
    )
    if archetype.legacy and rng.random() < 0.6:
        record["remediation_plan"] = rng.choice(
            (
                "Replace with a cloud-hosted case management product",
                "Rehost onto supported OS in the department's cloud landing zone",
                "Re-platform database to PostgreSQL and refactor batch jobs",
                "Decommission after migration of remaining users",
            )
        )
        record["plan_funded"] = rng.random() < 0.5
        record["planned_disposition"] = rng.choice(list(Disposition))
        record["target_date"] = _date(rng, as_of, 1100)
    if rng.random() < 0.3:
        record["assessed_by"] = rng.choice(_PEOPLE)
        record["assessed_on"] = _date(rng, as_of - dt.timedelta(days=500), 480)
        low, high = (2, 6) if archetype.legacy else (1, 2)
        for i in range(1, 8):
            record[f"l{i}"] = rng.randint(low, high)
        for i in range(1, 7):
            record[f"c{i}"] = rng.randint(1, 5)
    return record, archetype


def make_components(
    rng: random.Random, system: dict[str, Any], archetype: Archetype
) -> Iterator[dict[str, Any]]:
    """A system's technology rows, as its archetype runs it (and as departments spell it)."""
    for position, (kind, product, version, vendor) in enumerate(archetype.components):
        if position == 0 and archetype.spellings and rng.random() < 0.5:
            product, version = rng.choice(archetype.spellings)
        if kind is ComponentKind.APPLICATION:
            product, vendor, version = rng.choice(_SAAS_PRODUCTS)
        if position > 0 and rng.random() < 0.15:
            continue
        row = {
            "department": system["department"],
            "reference": system["reference"],
            "kind": kind,
            "product": product,
            "version": version,
            "vendor": vendor,
        }
        if archetype.legacy and rng.random() < 0.08:  # the department's own support deal
            row["end_of_support"] = _date(rng, dt.date(2018, 1, 1), 3300)
        yield row


def make_security(
    rng: random.Random, system: dict[str, Any], legacy: bool
) -> Iterator[dict[str, Any]]:
    """About half the systems' CAF and Secure by Design assessments; worse for legacy ones."""
    if rng.random() > 0.55:
        return
    chosen = rng.sample(list(Principle), k=rng.randint(3, 8))
    for principle in sorted(chosen, key=lambda p: list(Principle).index(p)):
        weights = (0.3, 0.35, 0.3, 0.05) if legacy else (0.6, 0.3, 0.07, 0.03)
        yield {
            "department": system["department"],
            "reference": system["reference"],
            "principle": principle,
            "outcome": rng.choices(list(Outcome), weights=weights)[0],
            "assessed_on": system.get("assessed_on") or dt.date(2026, 3, 31),
        }


AS_OF = dt.date(2026, 10, 1)
"""The date a generated estate is as at: the end of the 2026-Q3 reporting period."""
PERIOD = "2026-Q3"
"""The reporting period a generated return names on its cover sheet."""


def build_estate(
    systems: int, departments: int, seed: int, as_of: dt.date = AS_OF
) -> list[Department]:
    """Generate the estate in memory: departments with their systems and related rows."""
    rng = random.Random(seed)
    depts, _archetypes = build_clean_estate(rng, systems, departments, as_of)
    apply_mistakes(plan_mistakes(rng, depts), depts)
    return depts


def build_clean_estate(
    rng: random.Random, systems: int, departments: int, as_of: dt.date
) -> tuple[list[Department], dict[str, Archetype]]:
    """The estate before any mistakes are put in its returns, with each system's archetype
    (by reference): what `estate.generate.periods` evolves quarter by quarter."""
    depts = _departments(departments)
    everyone: list[tuple[Department, dict[str, Any]]] = []
    archetypes: dict[str, Archetype] = {}
    for dept, size in zip(depts, _split(systems, len(depts), rng), strict=True):
        for index in range(1, size + 1):
            record, archetype = make_system(rng, dept, index, as_of)
            dept.systems.append(record)
            archetypes[record["reference"]] = archetype
            everyone.append((dept, record))
            dept.components.extend(make_components(rng, record, archetype))
            dept.security.extend(make_security(rng, record, archetype.legacy))
    _dependencies(rng, depts, everyone)
    return depts, archetypes


def build_department(
    rng: random.Random, code: str, name: str, systems: int, as_of: dt.date = dt.date(2026, 10, 1)
) -> Department:
    """One department's systems, technology and dependencies among them, from `rng`: for
    returns written in a department's own layout (`estate.generate.own_layouts`)."""
    dept = Department(code, name, None)
    everyone: list[tuple[Department, dict[str, Any]]] = []
    for index in range(1, systems + 1):
        record, archetype = make_system(rng, dept, index, as_of)
        dept.systems.append(record)
        everyone.append((dept, record))
        dept.components.extend(make_components(rng, record, archetype))
    _dependencies(rng, [dept], everyone)
    return dept


def _dependencies(
    rng: random.Random, depts: list[Department], everyone: list[tuple[Department, dict[str, Any]]]
) -> None:
    """About four dependencies per system, preferring popular targets (a heavy tail)."""
    popularity = [1.0 / (rank + 1) ** 1.1 for rank in range(len(everyone))]
    order = list(range(len(everyone)))
    rng.shuffle(order)
    weights = [0.0] * len(everyone)
    for rank, index in enumerate(order):
        weights[index] = popularity[rank]
    for position, (dept, system) in enumerate(everyone):
        wanted = min(len(everyone) - 1, max(0, int(rng.gauss(4, 1.5))))
        targets = {
            i for i in rng.choices(range(len(everyone)), weights=weights, k=wanted) if i != position
        }
        for target in sorted(targets):
            target_dept, target_system = everyone[target]
            if target_dept is not dept and rng.random() < 0.6:
                continue  # most dependencies stay inside a department
            dept.dependencies.append(make_edge(rng, dept, system, target_dept, target_system))
    for dept in depts:  # a cycle or two: two systems that feed each other
        if len(dept.systems) >= 4 and rng.random() < 0.7:
            a, b = rng.sample(dept.systems, 2)
            for first, second in ((a, b), (b, a)):
                edge = make_edge(rng, dept, first, dept, second)
                if not any(_same_edge(edge, e) for e in dept.dependencies):
                    dept.dependencies.append(edge)


def _same_edge(one: dict[str, Any], other: dict[str, Any]) -> bool:
    keys = ("reference", "to_org_code", "to_reference", "kind")
    return all(one.get(k) == other.get(k) for k in keys)


def make_edge(
    rng: random.Random,
    dept: Department,
    system: dict[str, Any],
    target_dept: Department,
    target: dict[str, Any],
) -> dict[str, Any]:
    return {
        "department": dept.code,
        "reference": system["reference"],
        "to_org_code": target_dept.code if target_dept is not dept else None,
        "to_reference": target["reference"],
        "kind": rng.choices(list(DependencyKind), weights=(0.45, 0.2, 0.1, 0.15, 0.1))[0],
        "criticality": rng.choice(list(Criticality)),
    }


@dataclass
class Mistakes:
    """The mistakes put in an estate's returns: a wrong value in some systems' cells (by
    reference), and per department a dependency on a system no return holds."""

    cells: dict[str, tuple[str, Any]] = field(default_factory=dict)
    unresolved: dict[str, dict[str, Any]] = field(default_factory=dict)


def plan_mistakes(rng: random.Random, depts: list[Department]) -> Mistakes:
    """The problems real returns carry, about one row in fifty, each a kind an importer
    reports. Planned once, so that every quarter's returns repeat them (a department keeps
    making its mistakes until someone corrects them)."""
    mistakes = Mistakes()
    for dept in depts:
        for system in dept.systems:
            if rng.random() > 0.02:
                continue
            mistake = rng.randrange(6)
            cell: tuple[str, Any]
            if mistake == 0:
                cell = ("hosting", "Clowd")
            elif mistake == 1:
                cell = ("contract_end", "31/02/2027")
            elif mistake == 2:
                cell = ("users", "TBC")  # an explicit unknown: stored as unknown, not an error
            elif mistake == 3:
                cell = ("annual_run_cost", "two million")
            elif mistake == 4:
                cell = ("criticality", "Critcal")
            else:
                other = rng.choice([d.code for d in depts if d is not dept] or [dept.code])
                cell = ("department", other)
            mistakes.cells[system["reference"]] = cell
        if dept.dependencies and rng.random() < 0.5:
            edge = dict(rng.choice(dept.dependencies))
            edge["to_org_code"], edge["to_reference"] = "XGOV", f"XGOV-{rng.randint(1, 99):03d}"
            mistakes.unresolved[dept.code] = edge  # on a system no return holds: kept, unresolved
    return mistakes


def apply_mistakes(mistakes: Mistakes, depts: list[Department]) -> None:
    """Put the planned mistakes into the returns, for the systems they still list."""
    for dept in depts:
        references = set()
        for system in dept.systems:
            references.add(system["reference"])
            cell = mistakes.cells.get(system["reference"])
            if cell is not None:
                system[cell[0]] = cell[1]
        edge = mistakes.unresolved.get(dept.code)
        if edge is not None and edge["reference"] in references:
            dept.dependencies.append(dict(edge))


def write_estate(
    depts: list[Department],
    out_dir: Path,
    *,
    csv_departments: int = 0,
    period: str = PERIOD,
    period_in_names: bool = False,
) -> list[Path]:
    """Write each department's return for `period` (named on each cover sheet, and in each
    file's name with `period_in_names`); the last `csv_departments` as a CSV of systems only."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    tag = f"-{period}" if period_in_names else ""
    for position, dept in enumerate(depts):
        if position >= len(depts) - csv_departments:
            path = out_dir / f"{dept.code.lower()}{tag}-systems.csv"
            _write_csv(path, dept.systems)
        else:
            path = out_dir / f"{dept.code.lower()}{tag}-return.xlsx"
            cover = {
                "Department code": dept.code,
                "Department name": dept.name,
                "Organisation type": (
                    OrgKind.ARMS_LENGTH_BODY if dept.parent else OrgKind.DEPARTMENT
                ).value,
                "Parent department": dept.parent,
                "Return date": period_end(period),
                "Reporting period": period,
                "Contact": f"digital.estate@{dept.code.lower()}.example.gov.uk",
            }
            write_return(
                path,
                cover=cover,
                records={
                    RecordKind.SYSTEMS: dept.systems,
                    RecordKind.COMPONENTS: dept.components,
                    RecordKind.DEPENDENCIES: dept.dependencies,
                    RecordKind.SECURITY: dept.security,
                },
            )
        written.append(path)
    return written


def _write_csv(path: Path, systems: list[dict[str, Any]]) -> None:
    def write(target: Path) -> None:
        with target.open("w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow([column.header for column in SYSTEMS.columns])
            for system in systems:
                writer.writerow([_csv_cell(system.get(c.field)) for c in SYSTEMS.columns])

    atomic_write(path, write)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(getattr(value, "value", value))
