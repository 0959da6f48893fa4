"""Profiles: how one tool's export reads, as data.

Each `*.toml` file beside this module describes one export format a tool publishes (a
ServiceNow table, Konveyor's application import, Azure Migrate's server CSV, ...): the headers
that recognise it, what each of its columns means, and the vocabularies its cells use. The
importer's general reading does the rest; a profile only says what cannot be guessed safely.
`load_profiles` reads and checks them once; `recognise` finds the one a header row matches.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from estate.enums import ComponentKind, Criticality, LifecycleStatus, normalise
from estate.errors import InputError
from importers.layout import LAYOUT_BY_KIND, RecordKind
from importers.running import UNITS_BY_FIELD

IGNORE = "ignore"
"""The target of a column a profile knows and deliberately does not read."""


@dataclass(frozen=True)
class Pairs:
    """Category / value column pairs ("Tag Type 1" / "Tag 1"), numbered from 1."""

    category: str
    """The category header with `{n}` for its number."""
    value: str
    """The value header with `{n}`."""


@dataclass(frozen=True)
class RecordTypes:
    """A column saying what each row is (Konveyor's "Record Type 1": 1 an application, 2 a
    dependency), and on dependency rows, the other end and which way it points."""

    column: str
    systems: frozenset[str]
    dependencies: frozenset[str]
    other: str
    """The header of the column naming the system at the other end of a dependency row."""
    direction: str | None = None
    """The header of the column saying which way a dependency row points."""
    depends_on: frozenset[str] = frozenset()
    """Direction values meaning the row's system depends on the other."""
    used_by: frozenset[str] = frozenset()
    """Direction values meaning the other depends on the row's system."""


@dataclass(frozen=True)
class Profile:
    """One tool's export format."""

    key: str
    name: str
    tool: str
    source: str
    """Where the format is published."""
    kind: RecordKind
    signature: frozenset[str]
    """Normalised headers that must all be on the header row for the profile to apply."""
    columns: dict[str, str]
    """Normalised header -> target (a field or extra column of `kind`, or `ignore`)."""
    companions: frozenset[str] = frozenset()
    """The folded names of the other sheets the tool writes into the same workbook, which hold
    nothing the estate reads that this sheet does not (RVTools' vCPU, vHost, ...)."""
    units: dict[str, str] = field(default_factory=dict)
    """Normalised header -> the unit the tool writes its bare figures in, where that is not
    the estate's (AWS's `RAM.TotalSizeInMB`: "MB"; RVTools' `Memory`: "MiB")."""
    application: tuple[str, ...] = ()
    """Normalised headers naming the application a row belongs to: the first present becomes
    the system's name, so rows (one per server or instance) group into one system each."""
    server: str | None = None
    """The normalised header naming the row's own server or instance, set aside when an
    application column groups the rows."""
    server_kind: str | None = None
    """The normalised header saying whether each row's server is physical or virtual (Azure
    Migrate's `Server type`, ServiceNow's `virtual`), read by `server_kinds`."""
    server_kinds: dict[str, str] = field(default_factory=dict)
    """The tool's folded words in the `server_kind` column -> "physical" or "virtual"."""
    pairs: tuple[Pairs, ...] = ()
    categories: dict[str, ComponentKind | None] = field(default_factory=dict)
    """Normalised pair category -> component kind (None: not technology)."""
    product_class: str | None = None
    """The normalised header of a class column naming the product ("MSFT SQL Instance")."""
    classes: dict[str, str] = field(default_factory=dict)
    """Normalised class -> the product it is, as the catalogue names it."""
    record_types: RecordTypes | None = None
    statuses: dict[str, LifecycleStatus] = field(default_factory=dict)
    criticalities: dict[str, Criticality] = field(default_factory=dict)
    phases: dict[str, LifecycleStatus] = field(default_factory=dict)
    """Normalised header of a date column -> the stage that date starts (LeanIX's
    `lifecycle:active`): a record's stage is that of its latest phase begun."""
    example: str = ""
    """A short example header line, for the README and `estate validate --profiles`."""

    def matches(self, headers: set[str]) -> bool:
        """Whether a header row (normalised) has every header of the signature."""
        return self.signature <= headers


def _folded(items: Iterable[str]) -> frozenset[str]:
    return frozenset(normalise(str(item)) for item in items)


def _enum_table(
    where: str, table: dict[str, Any], enum_cls: type[LifecycleStatus] | type[Criticality]
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for spelling, member in table.items():
        try:
            found[normalise(spelling)] = enum_cls(member)
        except ValueError:
            allowed = ", ".join(m.value for m in enum_cls)
            raise InputError(
                f"{where}: {spelling!r} = {member!r} is not one of {allowed}"
            ) from None
    return found


SERVER_KINDS = ("physical", "virtual")
"""What a profile's `[server_kinds]` may read a server as."""


def _server_kinds(where: str, table: dict[str, Any]) -> dict[str, str]:
    """A profile's `[server_kinds]`: each word of its server-kind column, physical or
    virtual."""
    found: dict[str, str] = {}
    for spelling, kind in table.items():
        if kind not in SERVER_KINDS:
            raise InputError(
                f"{where}: server kind {spelling!r} = {kind!r} is not one of "
                f"{', '.join(SERVER_KINDS)}"
            )
        found[normalise(str(spelling))] = str(kind)
    return found


def _units(where: str, columns: dict[str, str], table: dict[str, Any]) -> dict[str, str]:
    """A profile's `[units]`: each header a column the profile reads as a field that takes a
    unit (memory, storage), each unit one that field reads."""
    found: dict[str, str] = {}
    for header, unit in table.items():
        key = normalise(header)
        target = columns.get(key)
        units = UNITS_BY_FIELD.get(target or "")
        if units is None:
            fields = ", ".join(sorted(UNITS_BY_FIELD))
            raise InputError(
                f"{where}: unit given for {header!r}, which is not read as one of {fields}"
            )
        if str(unit).strip().lower() not in units:
            raise InputError(
                f"{where}: {header!r} = {unit!r} is not a unit of {target} "
                f"({', '.join(sorted(units))})"
            )
        found[key] = str(unit).strip().lower()
    return found


def _targets(kind: RecordKind) -> set[str]:
    from importers.headers import targets  # headers imports the layout, as this module does

    return set(targets(kind)) | {IGNORE}


def parse_profile(key: str, data: dict[str, Any]) -> Profile:
    """A profile from its TOML data; `InputError` naming the file and the fault if it does not
    hold together (an unknown target, a signature header the columns do not describe)."""
    where = f"profile {key}"
    try:
        kind = RecordKind(data["kind"])
        columns = {normalise(h): str(t) for h, t in data.get("columns", {}).items()}
        known = _targets(kind)
        for header, target in columns.items():
            if target not in known:
                raise InputError(f"{where}: column {header!r} maps to unknown target {target!r}")
        units = _units(where, columns, data.get("units", {}))
        signature = _folded(data["signature"])
        pairs = tuple(Pairs(p["category"], p["value"]) for p in data.get("pairs", []))
        categories: dict[str, ComponentKind | None] = {}
        for spelling, kind_name in data.get("categories", {}).items():
            categories[normalise(spelling)] = ComponentKind(kind_name) if kind_name else None
        record_types = None
        if "record_types" in data:
            r = data["record_types"]
            record_types = RecordTypes(
                normalise(r["column"]),
                _folded(r["systems"]),
                _folded(r["dependencies"]),
                normalise(r["other"]),
                normalise(r["direction"]) if r.get("direction") else None,
                _folded(r.get("depends_on", ())),
                _folded(r.get("used_by", ())),
            )
        product_class = data.get("class", {}).get("column")
        profile = Profile(
            key=key,
            name=str(data["name"]),
            tool=str(data["tool"]),
            source=str(data["source"]),
            kind=kind,
            signature=signature,
            columns=columns,
            units=units,
            companions=frozenset(normalise(n) for n in data.get("companion_sheets", ())),
            application=tuple(normalise(h) for h in data.get("application", ())),
            server=normalise(data["server"]) if data.get("server") else None,
            server_kind=normalise(data["server_kind"]) if data.get("server_kind") else None,
            server_kinds=_server_kinds(where, data.get("server_kinds", {})),
            pairs=pairs,
            categories=categories,
            product_class=normalise(product_class) if product_class else None,
            classes={
                normalise(c): str(p) for c, p in data.get("class", {}).get("products", {}).items()
            },
            record_types=record_types,
            statuses=_enum_table(where, data.get("statuses", {}), LifecycleStatus),
            criticalities=_enum_table(where, data.get("criticalities", {}), Criticality),
            phases=_enum_table(where, data.get("phases", {}), LifecycleStatus),
            example=str(data.get("example", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: not a valid profile ({exc!r})") from None
    described = set(columns) | set(profile.application) | {profile.server, profile.product_class}
    described |= {profile.server_kind}
    described |= set(profile.phases)
    if record_types is not None:
        described |= {record_types.column, record_types.other, record_types.direction}
    for pattern in pairs:
        described |= {normalise(pattern.category.format(n=1)), normalise(pattern.value.format(n=1))}
    loose = sorted(h for h in signature if h not in described)
    if loose:
        raise InputError(f"{where}: signature headers {loose} are not described by its columns")
    if LAYOUT_BY_KIND.get(kind) is None:  # pragma: no cover - RecordKind and layouts agree
        raise InputError(f"{where}: no layout for {kind}")
    return profile


@cache
def load_profiles() -> tuple[Profile, ...]:
    """Every bundled profile, checked, most specific signature first (read once)."""
    found: list[Profile] = []
    for entry in sorted(resources.files(__package__).iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            data = tomllib.loads(entry.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"profile {entry.name}: {exc}") from None
        found.append(parse_profile(entry.name.removesuffix(".toml"), data))
    found.sort(key=lambda p: (-len(p.signature), p.key))
    return tuple(found)


def recognise(headers: Iterable[Any]) -> Profile | None:
    """The profile a header row is, if any: the one with the largest signature it matches."""
    folded = {normalise(str(h)) for h in headers if h is not None and str(h).strip()}
    return next((p for p in load_profiles() if p.matches(folded)), None)


def describe_profiles() -> list[str]:
    """One line per bundled profile: its key, what it reads and the headers that recognise it
    (what `estate validate --profiles` prints)."""
    lines = []
    for profile in sorted(load_profiles(), key=lambda p: p.key):
        lines.append(f"{profile.key}: {profile.name} [{profile.kind.value}]")
        lines.append(f"    recognised by: {', '.join(sorted(profile.signature))}")
    return lines


def profile_phrase(profiles: dict[str, str]) -> str | None:
    """The tool exports a return's sheets were recognised as (sheet -> profile name), in one
    phrase for a written mapping file: None when no sheet was."""
    names = sorted(set(profiles.values()))
    return " and ".join(names) if names else None
