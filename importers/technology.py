"""Technology named on the systems sheet, as departments' own registers keep it.

An asset register has columns such as "Operating System", "Database" or "Middleware" beside the
system's other fields; a CMDB extract has one row per technology with "Technology Type /
Technology / Version" columns. Each cell becomes a component of that system, the same record a
Components sheet row gives, so the lifecycle catalogue matches it the same way. A cell naming
several products ("Windows Server 2016; SQL Server 2016", "RHEL 7 / Oracle 12c") gives several
components, and a version column beside a product column is joined to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from estate.catalogue import builtin
from estate.enums import ComponentKind, UnknownSpelling, parse_enum
from importers import values
from importers.problems import CellError


@dataclass(frozen=True)
class TechColumn:
    """A technology column a systems sheet may have, and the mapping name that selects it."""

    target: str
    header: str
    kind: ComponentKind | None
    """The kind of component its cells name; None for the generic "Technology" column, whose
    kind comes from a "Technology type" column or the catalogue."""
    aliases: tuple[str, ...]
    version_of: str | None = None
    """For a version column, the product column it completes."""


def _layer(
    target: str,
    header: str,
    kind: ComponentKind | None,
    aliases: tuple[str, ...],
    version_aliases: tuple[str, ...],
) -> tuple[TechColumn, TechColumn]:
    return (
        TechColumn(target, header, kind, aliases),
        TechColumn(
            f"{target}_version", f"{header} version", kind, version_aliases, version_of=target
        ),
    )


TECH_COLUMNS: tuple[TechColumn, ...] = (
    *_layer(
        "os",
        "Operating system",
        ComponentKind.OS,
        ("operating system", "os", "server os", "os name", "operating system name", "server o s"),
        ("os version", "operating system version", "os release"),
    ),
    *_layer(
        "database",
        "Database",
        ComponentKind.DATABASE,
        (
            "database",
            "db",
            "dbms",
            "rdbms",
            "database platform",
            "database software",
            "database product",
            "database engine",
            "db engine",
        ),
        ("database version", "db version", "dbms version"),
    ),
    *_layer(
        "middleware",
        "Middleware",
        ComponentKind.MIDDLEWARE,
        ("middleware", "application server", "app server", "integration platform"),
        ("middleware version", "application server version", "app server version"),
    ),
    *_layer(
        "web_server",
        "Web server",
        ComponentKind.MIDDLEWARE,
        ("web server", "webserver", "web tier"),
        ("web server version",),
    ),
    *_layer(
        "runtime",
        "Language / runtime",
        ComponentKind.RUNTIME,
        (
            "language",
            "programming language",
            "development language",
            "runtime",
            "framework",
            "language runtime",
            "language framework",
        ),
        ("language version", "runtime version", "framework version"),
    ),
    *_layer(
        "hardware",
        "Platform / hardware",
        ComponentKind.HARDWARE,
        ("hardware", "hardware platform", "server hardware", "server platform", "server model"),
        ("hardware version", "hardware model"),
    ),
    *_layer(
        "technology",
        "Technology",
        None,
        (
            "technology",
            "technology name",
            "tech stack",
            "technology stack",
            "product",
            "software",
            "software product",
            "component",
        ),
        ("technology version", "version", "product version", "software version", "release"),
    ),
    TechColumn(
        "technology_type",
        "Technology type",
        None,
        ("technology type", "tech type", "component type", "technology category", "layer"),
    ),
)
TECH_BY_TARGET = {column.target: column for column in TECH_COLUMNS}

_SEPARATORS = re.compile(r"\s*(?:;|\n|\+|,|&|\s/\s|\band\b)\s*", re.IGNORECASE)
"""Between products in one cell: "A; B", "A / B", "A + B", "A, B", "A & B", "A and B". A slash
without spaces is part of a name (z/OS, OS/390, PL/SQL)."""


def split_products(text: str) -> list[str]:
    """The products one cell names, in order, each stripped; empty pieces dropped."""
    return [piece for piece in _SEPARATORS.split(text) if piece and piece.strip()]


@dataclass(frozen=True)
class TechCell:
    """A component read from one technology cell: what the Components sheet would hold."""

    kind: ComponentKind
    product: str
    version: str
    column: str
    """The mapping target it was read from, e.g. "os"."""


def _catalogue_kind(product: str) -> ComponentKind | None:
    found = builtin().match(product).product
    if found is None or found.kind is None:
        return None
    try:
        return ComponentKind(found.kind)
    except ValueError:
        return None


def read_row(cells: dict[str, Any], warn: values.Warn) -> list[TechCell]:
    """The components one row's technology cells name.

    `cells` maps each technology target the sheet has to the row's raw cell. A version column
    joins its product column when that cell names one product. The generic "Technology" column
    takes its kind from "Technology type", else from the catalogue, else it is an application
    package; a cell naming several products gives each the catalogue's kind where it knows it.
    A "Technology type" that is no component kind raises `CellError` (with a "did you mean").
    """
    typed: ComponentKind | None = None
    raw_type = cells.get("technology_type")
    type_text = values.parse_text(raw_type, warn) if raw_type is not None else None
    if type_text is not None:
        try:
            typed = parse_enum(ComponentKind, type_text)
        except UnknownSpelling as exc:
            raise CellError(str(exc), expected=", ".join(exc.allowed)) from None
    found: list[TechCell] = []
    for target, raw in cells.items():
        column = TECH_BY_TARGET[target]
        if column.version_of is not None or target == "technology_type" or raw is None:
            continue
        text = values.parse_text(raw, warn)
        if text is None:
            continue
        products = split_products(text)
        version_raw = cells.get(f"{target}_version")
        version = values.parse_text(version_raw, warn) if version_raw is not None else None
        if version is not None and len(products) > 1:
            warn(
                f"{column.header} names {len(products)} products; its version {version!r} "
                "was joined to none of them"
            )
            version = None
        for product in products:
            kind = column.kind if len(products) == 1 else None
            kind = kind or (typed if column.kind is None and len(products) == 1 else None)
            kind = kind or _catalogue_kind(product) or column.kind or ComponentKind.APPLICATION
            found.append(TechCell(kind, product, version or "", target))
    return found
