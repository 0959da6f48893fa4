"""Technology named on the systems sheet, as departments' own registers keep it.

An asset register has columns such as "Operating System", "Database" or "Middleware" beside the
system's other fields; a CMDB extract has one row per technology with "Technology Type /
Technology / Version" columns. Each cell becomes a component of that system, the same record a
Components sheet row gives, so the lifecycle catalogue matches it the same way. A cell naming
several products ("Windows Server 2016; SQL Server 2016", "RHEL 7 / Oracle 12c") gives several
components, and a version column beside a product column is joined to it.

A hosting column ("Platform", "Hosted on") often names technology instead of, or beside, where
the system runs: "Windows Server 2012 R2", "IBM z15", "Azure / Windows Server 2019". Each
product such a cell names becomes a component too (`read_hosting`), so nothing in it is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from estate.catalogue import builtin
from estate.enums import (
    HOSTING_PROVIDERS,
    SPELLINGS,
    ComponentKind,
    Hosting,
    UnknownSpelling,
    hosting_provider,
    normalise,
    parse_enum,
    read_enum,
)
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
        (
            "operating system",
            "os",
            "server os",
            "os name",
            "operating system name",
            "server o s",
            "server os family",
            "os family",
            "os family name",
        ),
        ("os version", "operating system version", "os release", "server os version"),
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

_BETWEEN = r"\s*(?:;|\n|\+|,|&|\s/\s|\band\b)\s*"
_SEPARATORS = re.compile(_BETWEEN, re.IGNORECASE)
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


_HARDWARE = re.compile(
    r"\b(?:ibm\s*)?(?:z\s?(?:9|10|114|196|13s?|14|15|16|17)|z(?:ec|bc)\s?12|zenterprise"
    r"|system\s?z\d*|zseries|z\s?systems?|system\s?[ip]|[ip]series|as/?400)\b"
    r"|\bibm\s+power\s?(?:systems?|\d+)\b|\bpower\s?systems?\b"
    r"|\b(?:hpe?\s+)?(?:proliant|superdome|integrity\s+(?:rx|bl|superdome)\w*)\b"
    r"|\b(?:dell\s+)?poweredge\b|\bsun\s+fire\b|\bsparc\s+(?:enterprise|[tm]\d+)\b"
    r"|\bexadata\b|\bcisco\s+ucs\b",
    re.IGNORECASE,
)
"""Hardware families registers name: IBM mainframes (z13, z15, zEnterprise, System z) and
midrange (Power Systems, iSeries, AS/400), HPE ProLiant, Superdome and Integrity, Dell
PowerEdge, Sun Fire and SPARC servers, Exadata, Cisco UCS. The lifecycle catalogue covers
software only; hardware is judged by its age, not by a support date."""


def _catalogue_kind(product: str) -> ComponentKind | None:
    """The kind of component `product` is, when it is known: a hardware family, else the kind
    the lifecycle catalogue gives the product it matches."""
    if _HARDWARE.search(product):
        return ComponentKind.HARDWARE
    found = builtin().match(product).product
    if found is None or found.kind is None:
        return None
    try:
        return ComponentKind(found.kind)
    except ValueError:
        return None


def _known_product(product: str) -> ComponentKind | None:
    """The kind of a product the catalogue (or the hardware families) recognises, None for text
    it does not: an application package when the catalogue knows the product but not its
    kind."""
    if _HARDWARE.search(product):
        return ComponentKind.HARDWARE
    if builtin().match(product).product is None:
        return None
    return _catalogue_kind(product) or ComponentKind.APPLICATION


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
        if version is not None and len(products) == 1:
            products[0], version = _product_in_version(products[0], version)
        for product in products:
            kind = column.kind if len(products) == 1 else None
            kind = kind or (typed if column.kind is None and len(products) == 1 else None)
            kind = kind or _catalogue_kind(product) or column.kind or ComponentKind.APPLICATION
            found.append(TechCell(kind, product, version or "", target))
    found += _versions_alone(cells, warn)
    return found


def _product_in_version(product: str, version: str) -> tuple[str, str]:
    """(product, version) where a version column holds the whole product name and the product
    column only its family ("windows" beside "Windows Server 2012 R2", as AWS Cloud Migration
    Factory's intake form and iTop write them): the version's text is the product when the
    catalogue resolves it and does not resolve the two together."""
    catalogue = builtin()
    if not catalogue.match(version).matched:
        return product, version
    if normalise(product) in normalise(version) or not catalogue.match(product, version).matched:
        return version, ""
    return product, version


def read_pair(category: str, value: str, kind: ComponentKind) -> list[TechCell]:
    """The components a category / value pair names ("Operating System" / "RHEL 8"), the
    category already read as `kind`: the catalogue's kind wins for a product it knows (a
    "Runtime" tag naming Tomcat is middleware)."""
    return [
        TechCell(_catalogue_kind(product) or kind, product, "", category)
        for product in split_products(value)
    ]


CLASS_PRODUCTS: dict[str, str] = {
    normalise(k): v
    for k, v in {
        "MSFT SQL Instance": "Microsoft SQL Server",
        "MSFT SQL Database": "Microsoft SQL Server",
        "Database MS SQL": "Microsoft SQL Server",
        "Oracle Instance": "Oracle Database",
        "Database Oracle": "Oracle Database",
        "MySQL Instance": "MySQL",
        "PostgreSQL Instance": "PostgreSQL",
        "DB2 Instance": "IBM Db2",
        "MongoDB Instance": "MongoDB",
        "Sybase Instance": "SAP ASE",
        "Tomcat": "Apache Tomcat",
        "Apache Web Server": "Apache HTTP Server",
        "Nginx Web Server": "nginx",
        "IIS Web Server": "Microsoft IIS",
        "Microsoft IIS Web Server": "Microsoft IIS",
        "JBoss": "Red Hat JBoss EAP",
        "WebSphere": "IBM WebSphere Application Server",
        "WebLogic Server": "Oracle WebLogic Server",
        "Websphere MQ": "IBM MQ",
    }.items()
}
"""CMDB class names (ServiceNow's `sys_class_name` display values) that name a product."""


def class_product(text: str, classes: dict[str, str]) -> str | None:
    """The product a CMDB class names ("MSFT SQL Instance": Microsoft SQL Server), from the
    profile's own table, then the built-in one, then the class itself when the catalogue
    knows it; None for a class that is no product ("Application", "Linux Server")."""
    key = normalise(text)
    found = classes.get(key) or CLASS_PRODUCTS.get(key)
    if found is not None:
        return found
    return text if builtin().match(text).product is not None else None


def _versions_alone(cells: dict[str, Any], warn: values.Warn) -> list[TechCell]:
    """What a version column says where its product column is absent or blank: a product
    the catalogue recognises ("OS Version" holding "z/OS 2.3") is a component of the column's
    kind, with a warning; a bare version ("2.3") names nothing to store, which is said."""
    found: list[TechCell] = []
    for target, raw in cells.items():
        product_of = TECH_BY_TARGET[target].version_of
        if product_of is None or raw is None or cells.get(product_of) is not None:
            continue
        text = values.parse_text(raw, warn)
        if text is None:
            continue
        header = TECH_BY_TARGET[target].header
        kind = _known_product(text)
        if kind is None:
            warn(f"{header} {text!r} has no product beside it and names none; not stored")
            continue
        column_kind = TECH_BY_TARGET[product_of].kind
        found.append(TechCell(column_kind or kind, text, "", target))
        warn(f"{header} {text!r} has no product beside it: stored as the component it names")
    return found


HOSTING = "hosting"
"""The systems sheet's hosting field, as a component read from it names its column."""

_HOSTING_SEPARATORS = re.compile(rf"{_BETWEEN}|\s*(?:\s(?:on|in|at|via)\s|\(|\))\s*", re.IGNORECASE)
"""Between the parts of a hosting cell: those between products, and "Windows Server 2019 on
Azure", "Azure (Windows Server 2019)"."""

_HOSTING_WORDS = {
    *(normalise(member.value) for member in Hosting),
    *(normalise(spelling) for spelling in SPELLINGS[Hosting]),
    *HOSTING_PROVIDERS,
}
"""Every way of writing a hosting model or a provider, folded ("on premises", "azure")."""
_HOSTING_NAMES = tuple(
    re.compile(
        rf"(?:{words})\b(?P<rest>.*)|(?P<head>.*?)\b(?:{words})[\W_]*", re.IGNORECASE | re.DOTALL
    )
    for words in (
        r"[\W_]+".join(re.escape(word) for word in name.split())
        for name in sorted(_HOSTING_WORDS, key=lambda name: (-len(name), name))
    )
)
"""A cell starting or ending with a hosting model or a provider, longest spellings first."""


@dataclass(frozen=True)
class HostingCell:
    """What one hosting cell says: where the system runs and the products it names."""

    hosting: Hosting | None
    provider: str | None
    """The cloud provider it names (`Microsoft Azure`), if any."""
    products: tuple[TechCell, ...] = ()
    notes: tuple[str, ...] = ()
    """Warnings for a person to check: a provider read as a hosting model, products stored."""


_NO_HOSTING = HostingCell(None, None)


def _hosting_piece(text: str) -> tuple[Hosting, str | None, str | None] | None:
    """(hosting, provider, note) when `text` is a hosting model or a provider's name, else
    None."""
    try:
        member, note = read_enum(Hosting, text)
    except UnknownSpelling:
        return None
    named = hosting_provider(text)
    return Hosting(member), named[1] if named else None, note


def _hosting_and_product(text: str) -> tuple[Hosting, str | None, TechCell] | None:
    """(hosting, provider, product) for a hosting model or provider written with a product the
    catalogue knows and nothing between them ("Azure Windows Server 2019", "RHEL 8
    on-premises"), else None."""
    for pattern in _HOSTING_NAMES:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        if found["rest"] is not None:
            named, rest = text[: len(text) - len(found["rest"])], found["rest"]
        else:
            named, rest = text[len(found["head"]) :], found["head"]
        rest = rest.strip(" -:/,;")
        reading = _hosting_piece(named.strip(" -:/,;"))
        kind = _known_product(rest) if rest and _hosting_piece(rest) is None else None
        if reading is not None and kind is not None:
            return reading[0], reading[1], TechCell(kind, rest, "", HOSTING)
    return None


def _stored(kind: ComponentKind, product: str) -> str:
    return f"{product!r} stored as the system's {kind.value!r} component"


@lru_cache(maxsize=1024)
def read_hosting(text: str) -> HostingCell:
    """What a hosting cell's text says: a hosting model (or a provider's name) as today, and any
    products the lifecycle catalogue (or the hardware families) recognises in it, each to be
    stored as a component of its kind, with a note saying so. A part that is neither raises
    `CellError` naming it; so does a cell naming two different hosting models. A hosting column
    holds a few spellings many times, so each text's reading is remembered."""
    pieces = [p.strip() for p in _HOSTING_SEPARATORS.split(text) if p and p.strip()]
    hostings: list[tuple[Hosting, str | None, str | None]] = []
    products: list[TechCell] = []
    unknown: list[str] = []
    for piece in pieces if len(pieces) > 1 else [text.strip()]:
        both = _hosting_and_product(piece)
        if both is not None:
            hostings.append((both[0], both[1], None))
            products.append(both[2])
            continue
        reading = _hosting_piece(piece)
        if reading is not None:
            hostings.append(reading)
            continue
        kind = _known_product(piece)
        if kind is not None:
            products.append(TechCell(kind, piece, "", HOSTING))
        else:
            unknown.append(piece)
    if not products:  # no technology in it: read as a hosting model, as any hosting column is
        reading = _hosting_piece(text)
        if reading is None:
            raise CellError("not a recognised hosting", _expected_hosting(text))
        hosting, provider, note = reading
        return HostingCell(hosting, provider, notes=(note,) if note else ())
    if unknown:
        parts = " or ".join(repr(u) for u in unknown)
        raise CellError(
            f"{parts} is neither a hosting model nor a product the lifecycle catalogue knows "
            f"(the rest of the cell is: {', '.join(repr(p.product) for p in products)})",
            expected=_expected_hosting(unknown[0]),
        )
    models = {h for h, _p, _n in hostings}
    if len(models) > 1:
        raise CellError(
            "names more than one hosting model ("
            + " and ".join(sorted(m.value for m in models))
            + "); a system's hosting is one of them",
            expected=_expected_hosting(text),
        )
    stored = "; ".join(_stored(p.kind, p.product) for p in products)
    if not hostings:
        note = f"not a hosting model but technology: {stored}; the hosting is left unknown"
        return HostingCell(None, None, tuple(products), (note,))
    hosting, provider = hostings[0][0], next((p for _h, p, _n in hostings if p), None)
    said = f" (cloud provider {provider})" if provider else ""
    note = f"names where it runs and technology: hosting taken as {hosting.value}{said}; {stored}"
    return HostingCell(hosting, provider, tuple(products), (note,))


def _expected_hosting(text: str) -> str:
    try:
        read_enum(Hosting, text)
    except UnknownSpelling as exc:
        expected = f"one of {', '.join(exc.allowed)}, or a product the lifecycle catalogue knows"
        if exc.suggestions:
            expected += f" (did you mean {' or '.join(repr(s) for s in exc.suggestions)}?)"
        return expected
    return "one of " + ", ".join(h.value for h in Hosting)


_REMEMBERED: dict[str, HostingCell] = {}
"""Each raw hosting text's reading, for the few spellings a column repeats on every row."""


def hosting_cell(raw: Any) -> HostingCell:
    """`read_hosting` for a raw cell: nothing for a blank or an unknown (N/A, TBC)."""
    if isinstance(raw, str):
        found = _REMEMBERED.get(raw)
        if found is not None:
            return found
    text = values.parse_text(raw, lambda _m: None)
    return _NO_HOSTING if text is None else read_hosting(text)


def parse_hosting(raw: Any, warn: values.Warn) -> Hosting | None:
    """The hosting column's parser: where the system runs, warning of any products the cell
    names (`hosting_cell` gives them, to be stored as the system's components)."""
    cell = _REMEMBERED.get(raw) if isinstance(raw, str) else None
    if cell is None:
        said: list[str] = []
        text = values.parse_text(raw, said.append)
        for message in said:
            warn(message)
        if text is None:
            return None
        cell = read_hosting(text)
        if isinstance(raw, str) and not said and len(_REMEMBERED) < values.REMEMBERED_SPELLINGS:
            _REMEMBERED[raw] = cell
    for note in cell.notes:
        warn(note)
    return cell.hosting
