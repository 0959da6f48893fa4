"""Generated returns in departments' own layouts rather than the template's.

The same synthetic systems `estate.generate` makes, written as departments really keep them: a
one-sheet asset register with the technology in columns beside each system and an interfaces
sheet naming systems by name; or a CMDB extract with one row per technology and a relationship
file (parent, type, child) exported beside it. The sample data holds one of each, and the
benchmarks time the register against the template layout of the same estate.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from estate.enums import ComponentKind
from estate.files import atomic_write
from estate.generate import AS_OF, PERIOD, Department, build_department
from estate.generate.periods import department_quarters, period_as_of, periods_ending

REGISTER_COLUMNS = (
    "App Ref",
    "Application",
    "Business Owner",
    "Criticality",
    "Hosting",
    "Operating System",
    "Database",
    "Middleware",
    "Language",
    "Software",
    "Hardware",
    "Supplier",
    "Contract End Date",
    "Annual Cost",
    "Users",
    "vCPUs",
    "RAM (GB)",
    "Data Centre",
    "Purchase Year",
)
_REGISTER_TECH = {
    ComponentKind.OS: "Operating System",
    ComponentKind.DATABASE: "Database",
    ComponentKind.MIDDLEWARE: "Middleware",
    ComponentKind.RUNTIME: "Language",
    ComponentKind.APPLICATION: "Software",
    ComponentKind.HARDWARE: "Hardware",
}
CMDB_COLUMNS = (
    "CI ID",
    "Name",
    "Owned by",
    "Business criticality",
    "Hosting",
    "Technology Type",
    "Technology",
    "Version",
    "Annual cost",
)
# A dependency written as a CMDB relationship: (type, consumer is the parent?)
_RELATIONSHIP_TYPES = (
    ("Depends on::Used by", True),
    ("Uses::Used by", True),
    ("Used by::Uses", False),
    ("Sends data to::Receives data from", False),
)


def own_layout_departments(
    seed: int, systems: int, as_of: dt.date = AS_OF
) -> tuple[Department, Department]:
    """Two departments' systems for the own-layout samples: DTR keeps an asset register, DFE a
    CMDB. Their own random stream, so the template samples do not change with them."""
    rng = random.Random(seed)
    register = build_department(rng, "DTR", "Department for Transport Regulation", systems, as_of)
    cmdb = build_department(rng, "DFE", "Department for Education Funding", systems, as_of)
    for dept in (register, cmdb):
        unique_names(dept)
    return register, cmdb


def unique_names(dept: Department) -> None:
    """Names are keys in these layouts' interface lists: make each one a department's own."""
    seen: Counter[str] = Counter()
    for system in dept.systems:
        seen[system["name"]] += 1
        if seen[system["name"]] > 1:
            system["name"] = f"{system['name']} {seen[system['name']]}"


def _text(value: Any) -> Any:
    """A cell as a department types it: enumerations as their words, dates day first."""
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return getattr(value, "value", value)


def _components_by_system(dept: Department) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for component in dept.components:
        found.setdefault(component["reference"], []).append(component)
    return found


def _product(component: dict[str, Any]) -> str:
    return f"{component['product']} {component.get('version') or ''}".strip()


def write_register(dept: Department, path: Path, as_at: dt.date = dt.date(2026, 9, 30)) -> Path:
    """A one-sheet asset register (title rows, technology in columns, no Department column, a
    source line under the data) with an Interfaces sheet naming systems by name. Its title
    says the date its figures are as at; nothing in it names a reporting period."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Application Register")
    sheet.append([f"{dept.name}: application register"])
    sheet.append([f"Figures as at {as_at.day} {as_at:%B %Y}; costs include VAT"])
    sheet.append([])
    sheet.append(list(REGISTER_COLUMNS))
    parts = _components_by_system(dept)
    for position, system in enumerate(dept.systems):
        technology: dict[str, list[str]] = {}
        for component in parts.get(system["reference"], []):
            header = _REGISTER_TECH.get(component["kind"])
            if header is not None:
                technology.setdefault(header, []).append(_product(component))
        if position % 9 == 0 and "Database" in technology and "Operating System" in technology:
            # some registers name the whole stack in one cell
            technology["Operating System"] += technology.pop("Database")
        cells = {
            "App Ref": system["reference"],
            "Application": system["name"],
            "Business Owner": system.get("business_owner"),
            "Criticality": _text(system.get("criticality")),
            "Hosting": _text(system.get("hosting")),
            "Supplier": system.get("supplier"),
            "Contract End Date": _text(system.get("contract_end")),
            "Annual Cost": system.get("annual_run_cost"),
            "Users": system.get("users"),
            "vCPUs": system.get("vcpus"),
            "RAM (GB)": system.get("memory_gb"),
            "Data Centre": system.get("site"),
            "Purchase Year": system.get("hardware_year"),
        } | {header: "; ".join(products) for header, products in technology.items()}
        sheet.append([cells.get(column) for column in REGISTER_COLUMNS])
    sheet.append([])
    sheet.append([f"Source: {dept.code} service catalogue and finance system"])
    _write_interfaces(book, dept)
    atomic_write(path, book.save)
    return path


def _write_interfaces(book: Workbook, dept: Department) -> None:
    names = {s["reference"]: s["name"] for s in dept.systems}
    sheet = book.create_sheet("Interfaces")
    sheet.append(["Interface", "Consumer", "Provider", "Provider Department", "Interface Type"])
    for number, edge in enumerate(dept.dependencies, start=1):
        other = edge.get("to_org_code")
        provider = edge["to_reference"] if other else names[edge["to_reference"]]
        sheet.append(
            [
                f"IF-{number:04d}",
                names[edge["reference"]],
                provider,
                other,
                _text(edge["kind"]),
            ]
        )


def write_cmdb(dept: Department, extract: Path, relationships: Path) -> tuple[Path, Path]:
    """A CMDB extract, one row per technology (the system's fields repeated on each), and its
    relationship file in the parent / type / child shape, systems named by name."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Page 1")
    sheet.append(list(CMDB_COLUMNS))
    parts = _components_by_system(dept)
    for system in dept.systems:
        common = [
            system["reference"],
            system["name"],
            system.get("business_owner"),
            _text(system.get("criticality")),
            _text(system.get("hosting")),
        ]
        cost = system.get("annual_run_cost")
        rows = [
            [_text(c["kind"]), c["product"], c.get("version") or None]
            for c in parts.get(system["reference"], [])
        ] or [[None, None, None]]
        for row in rows:
            sheet.append([*common, *row, cost])
    atomic_write(extract, book.save)
    names = {s["reference"]: s["name"] for s in dept.systems}

    def write(target: Path) -> None:
        with target.open("w", newline="", encoding="utf-8") as handle:
            _write_relationships(csv.writer(handle), dept, names)

    atomic_write(relationships, write)
    return extract, relationships


def _write_relationships(writer: Any, dept: Department, names: dict[str, str]) -> None:
    """The CMDB relationships extract's rows: each of the department's own dependencies as a
    parent-type-child line, in the direction its relationship type reads."""
    writer.writerow(["Parent", "Type", "Child"])
    for number, edge in enumerate(dept.dependencies):
        if edge.get("to_org_code"):
            continue  # a CMDB holds its own department's systems only
        kind, consumer_is_parent = _RELATIONSHIP_TYPES[number % len(_RELATIONSHIP_TYPES)]
        consumer, provider = names[edge["reference"]], names[edge["to_reference"]]
        writer.writerow(
            [consumer, kind, provider] if consumer_is_parent else [provider, kind, consumer]
        )


def write_own_layouts(out_dir: Path, seed: int, systems: int) -> list[Path]:
    """The own-layout sample returns: DTR's register and DFE's CMDB extract with relationships."""
    register, cmdb = own_layout_departments(seed, systems)
    out_dir.mkdir(parents=True, exist_ok=True)
    return _write_pair(register, cmdb, out_dir, "", dt.date(2026, 9, 30))


def write_own_layout_quarters(
    out_dir: Path, seed: int, systems: int, periods: int, last: str = PERIOD
) -> list[Path]:
    """The own-layout returns for `periods` quarters ending with `last`, each quarter's in the
    folder named by its period beside the template returns', each file's name saying its
    period (`dtr-2026-Q3-register.xlsx`). These layouts have no cover sheet, so the period is
    given on import (`--period`)."""
    names = periods_ending(last, periods)
    register, cmdb = own_layout_departments(seed, systems, period_as_of(names[0]))
    written: list[Path] = []
    for dtr, dfe in zip(
        department_quarters(register, seed, names),
        department_quarters(cmdb, seed + 1, names),
        strict=True,
    ):
        folder = out_dir / dtr.period
        folder.mkdir(parents=True, exist_ok=True)
        as_at = dtr.as_of - dt.timedelta(days=1)
        written += _write_pair(
            dtr.departments[0], dfe.departments[0], folder, f"-{dtr.period}", as_at
        )
    return written


def _write_pair(
    register: Department, cmdb: Department, folder: Path, tag: str, as_at: dt.date
) -> list[Path]:
    return [
        write_register(register, folder / f"dtr{tag}-register.xlsx", as_at),
        *write_cmdb(
            cmdb,
            folder / f"dfe{tag}-cmdb-extract.xlsx",
            folder / f"dfe{tag}-cmdb-relationships.csv",
        ),
    ]


SERVICENOW_SERVER_COLUMNS = (
    "name",
    "sys_class_name",
    "os",
    "os_version",
    "ip_address",
    "operational_status",
    "u_application",
)
"""A ServiceNow server list (cmdb_ci_server) as exported to CSV, with the application each
server belongs to."""


def servers_only(dept: Department, per_system: int = 2) -> None:
    """Keep what a server list can say: each system's operating systems (at most one per
    server), no other technology, dependencies or security assessments."""
    kept: list[dict[str, Any]] = []
    counts: Counter[str] = Counter()
    for component in dept.components:
        if component["kind"] is ComponentKind.OS and counts[component["reference"]] < per_system:
            counts[component["reference"]] += 1
            kept.append(component)
    dept.components, dept.dependencies, dept.security = kept, [], []


def write_servicenow_servers(dept: Department, path: Path, per_system: int = 2) -> Path:
    """The department's systems as a ServiceNow server export: `per_system` servers a system,
    each row naming its application in `u_application` and one of its operating systems (the
    estate `servers_only` left), so importing it gives the same systems and components."""
    parts = _components_by_system(dept)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(SERVICENOW_SERVER_COLUMNS)
        for number, system in enumerate(dept.systems):
            systems_os = parts.get(system["reference"], [])
            for server in range(per_system):
                os = systems_os[server % len(systems_os)] if systems_os else None
                linux = os is not None and "windows" not in os["product"].casefold()
                writer.writerow(
                    (
                        f"{dept.code.lower()}srv{number:05d}{server}",
                        "Linux Server" if linux else "Windows Server",
                        os["product"] if os else None,
                        os.get("version") if os else None,
                        f"10.{number // 65536 % 256}.{number // 256 % 256}.{number % 256}",
                        "Operational",
                        system["name"],
                    )
                )
    return path
