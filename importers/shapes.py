"""What a sheet's layout says beyond its columns' fields, with or without a profile.

Tools export the same facts in shapes a plain column-per-field reading misses:

- technology as category / value pairs (Konveyor's "Tag Type 1" / "Tag 1", 2.x "Tag Category
  1" / "Tag 1"): each pair whose category is a kind of component gives a component;
- a class column naming the product beside a version column (ServiceNow `cmdb_ci_appl`:
  "MSFT SQL Instance", "15.0.4455.2");
- one row per server or software instance with a column naming the application it belongs to
  (AWS Cloud Migration Factory's `app_name`, a ServiceNow server list's application): one
  system per application, each server's operating system a component of it;
- rows of two kinds on one sheet (Konveyor's "Record Type 1": 1 an application, 2 a dependency
  whose "Dependency Direction" says which way it points);
- status and criticality words of the tool's own (a profile's vocabularies).

`read_shape` finds these on a mapped sheet, from its profile where it has one, else from the
headers the general reading left unread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from estate.enums import ComponentKind, UnknownSpelling, normalise, parse_enum
from importers import running
from importers.headers import HEADER_SCAN_ROWS, ColumnMapping, UserMapping, header_key, map_row
from importers.layout import LAYOUT_BY_KIND, RecordKind, SheetLayout
from importers.profiles import IGNORE, Profile, RecordTypes, recognise
from importers.targets import APPLICATION, PAIR_CATEGORY, PAIR_VALUE

_PAIR_CATEGORY = re.compile(r"^(?P<base>.+?) (?:type|category|kind) (?P<n>\d+)$")
"""A pair's category header ("tag type 1", "tag category 2"), folded."""

CATEGORY_KINDS: dict[str, ComponentKind | None] = {
    "operating system": ComponentKind.OS,
    "os": ComponentKind.OS,
    "database": ComponentKind.DATABASE,
    "language": ComponentKind.RUNTIME,
    "runtime": ComponentKind.RUNTIME,
    "framework": ComponentKind.RUNTIME,
    "webserver": ComponentKind.MIDDLEWARE,
    "web server": ComponentKind.MIDDLEWARE,
    "middleware": ComponentKind.MIDDLEWARE,
    "application server": ComponentKind.MIDDLEWARE,
    "hardware": ComponentKind.HARDWARE,
}
"""Pair categories every tool writes the same way, folded -> component kind."""

CLASS_HEADERS = frozenset({"class", "ci class", "sys class name", "class name"})
"""Headers of a CMDB class column, which names a product where a version column is beside."""
RECORD_TYPE = re.compile(r"^record type(?: \d+)?$")
OTHER_END = frozenset({"dependency", "dependency name", "dependent application"})
DIRECTION = frozenset({"dependency direction", "direction"})
DEPENDS_ON = frozenset({"southbound", "upstream", "outbound", "depends on", "uses"})
"""Direction words meaning the row's system depends on the other."""
USED_BY = frozenset({"northbound", "downstream", "inbound", "used by", "consumer"})
"""Direction words meaning the other depends on the row's system."""
RECORD_KINDS = {
    "1": RecordKind.SYSTEMS,
    "application": RecordKind.SYSTEMS,
    "2": RecordKind.DEPENDENCIES,
    "dependency": RecordKind.DEPENDENCIES,
}
SERVER_HEADERS = frozenset(
    {"server", "server name", "hostname", "host name", "host", "vm", "vm name", "computer name"}
)
"""Headers naming a row's own server, set aside when an application column groups rows."""
APPLICATION_HEADERS = frozenset(
    {
        "application",
        "applications",
        "app name",
        "application name",
        "business application",
        "u application",
        "u business application",
    }
)


@dataclass
class Shape:
    """One sheet's shape: where its pairs, class, record type and application columns are."""

    profile: Profile | None = None
    pairs: list[tuple[int, int]] = field(default_factory=list)
    """(category column, value column), 0-based."""
    categories: dict[str, ComponentKind | None] = field(default_factory=dict)
    product_class: int | None = None
    classes: dict[str, str] = field(default_factory=dict)
    record_type: int | None = None
    record_kinds: dict[str, RecordKind] = field(default_factory=dict)
    other: int | None = None
    direction: int | None = None
    depends_on: frozenset[str] = DEPENDS_ON
    used_by: frozenset[str] = USED_BY
    server: int | None = None
    """A grouped sheet's server column: the system's name where the application is blank."""
    servers: int | None = None
    """The column naming each row's server, where every row is one server (a profile's server
    column, or the server column of rows grouped by their application): a system's size is
    then its servers', added up."""
    server_kind: int | None = None
    """The column saying whether each row's server is physical or virtual (a profile's
    `server_kind`), where the sheet has one."""
    by_application: bool = False
    """The user's mapping names the column each row's application is in: rows group by it."""
    application_list: bool = False
    """The application column may list several applications ("Payments,Ledger")."""
    vocabularies: dict[str, dict[str, str]] = field(default_factory=dict)
    """field -> folded tool spelling -> the estate's spelling (statuses, criticalities)."""
    not_read: list[str] = field(default_factory=list)
    """Headers of a profiled sheet its profile does not read (said once, not per column)."""
    skipped_categories: set[str] = field(default_factory=set)
    """Pair categories met that are no kind of component."""
    skipped_classes: set[str] = field(default_factory=set)
    """Classes met that name no product."""
    phases: list[tuple[int, str]] = field(default_factory=list)
    """(date column, the stage its date starts), in the profile's order."""

    @property
    def grouped(self) -> bool:
        """Whether rows repeat a system by design (one row per server or instance)."""
        return self.server is not None or self.application_list or self.by_application

    def category_kind(self, text: str) -> ComponentKind | None:
        """The component kind a pair's category names, None (remembered, to say once) when it
        names none ("Application Type", "Data Center")."""
        key = normalise(text)
        if key in self.categories:
            return self.categories[key]
        if key in CATEGORY_KINDS:
            return CATEGORY_KINDS[key]
        try:
            return parse_enum(ComponentKind, text)
        except UnknownSpelling:
            self.skipped_categories.add(text)
            return None


def read_as(shape: Shape, mapping: ColumnMapping) -> dict[int, str]:
    """What each column the sheet's shape reads, beyond its mapped targets, is read as (for the
    mapping file a return's headers are written to): record types, a server column, phase
    dates. (Pairs and the application column are targets a mapping file names.)"""
    notes: dict[int, str] = {}
    if shape.record_type is not None:
        notes[shape.record_type] = "the record type: which rows are systems, which dependencies"
    if shape.other is not None:
        notes[shape.other] = "the other end of a dependency row"
    if shape.direction is not None:
        notes[shape.direction] = "which way a dependency row points"
    if shape.server is not None and shape.server not in mapping.fields.values():
        notes[shape.server] = "the row's server: rows group into systems by their application"
    for index, stage in shape.phases[1:]:
        notes[index] = f"a lifecycle phase date: the stage is {stage!r} once it has begun"
    return notes


def _index(mapping: ColumnMapping, headers: set[str] | frozenset[str]) -> int | None:
    """The first headed column whose folded header is one of `headers`."""
    return next((i for i, h in sorted(mapping.headers.items()) if normalise(h) in headers), None)


def _mapped_pairs(mapping: ColumnMapping) -> list[tuple[int, int]]:
    """The pairs a mapping file names: each category column with the first value column to its
    right not already paired ("Tag Type 1, Tag 1, Tag Type 2, Tag 2" and "Category 1,
    Category 2, Value 1, Value 2" both pair in order). A column left without its other half is
    not read, and said so with the sheet's other unread columns."""
    values = sorted(mapping.several.get(PAIR_VALUE, []))
    found: list[tuple[int, int]] = []
    for category in sorted(mapping.several.get(PAIR_CATEGORY, [])):
        value = next((v for v in values if v > category), None)
        if value is None:
            mapping.unknown[category] = mapping.headers[category]
            continue
        values.remove(value)
        found.append((category, value))
    for value in values:
        mapping.unknown[value] = mapping.headers[value]
    return found


def _pairs(mapping: ColumnMapping, profile: Profile | None) -> list[tuple[int, int]]:
    """Category / value column pairs: those the user's mapping names, and the others the
    profile's patterns find, else any "X type N" / "X N"."""
    mapped = _mapped_pairs(mapping)
    taken = {i for pair in mapped for i in pair}
    found = [p for p in _found_pairs(mapping, profile) if not taken & set(p)]
    return sorted(mapped + found)


def _found_pairs(mapping: ColumnMapping, profile: Profile | None) -> list[tuple[int, int]]:
    """The pairs a profile's patterns, else the "X type N" / "X N" headers, find."""
    by_text = {normalise(h): i for i, h in mapping.headers.items()}
    found: list[tuple[int, int]] = []
    if profile is not None and profile.pairs:
        for pattern in profile.pairs:
            n = 1
            while True:
                category = by_text.get(normalise(pattern.category.format(n=n)))
                value = by_text.get(normalise(pattern.value.format(n=n)))
                if category is None or value is None:
                    break
                found.append((category, value))
                n += 1
        return found
    for index, text in sorted(mapping.unknown.items()):
        matched = _PAIR_CATEGORY.match(normalise(text))
        if matched is None:
            continue
        value = by_text.get(f"{matched['base']} {matched['n']}")
        if value is not None and value in mapping.unknown:
            found.append((index, value))
    return found


def _record_types(shape: Shape, mapping: ColumnMapping, types: RecordTypes | None) -> None:
    if types is not None:
        shape.record_type = _index(mapping, {types.column})
        shape.record_kinds = {t: RecordKind.SYSTEMS for t in types.systems}
        shape.record_kinds |= {t: RecordKind.DEPENDENCIES for t in types.dependencies}
        shape.other = _index(mapping, {types.other})
        shape.direction = _index(mapping, {types.direction}) if types.direction else None
        shape.depends_on = types.depends_on or DEPENDS_ON
        shape.used_by = types.used_by or USED_BY
        return
    index = next((i for i, h in mapping.unknown.items() if RECORD_TYPE.match(normalise(h))), None)
    other = _index(mapping, OTHER_END)
    if index is None or other is None or other not in mapping.unknown:
        return
    shape.record_type, shape.other, shape.record_kinds = index, other, dict(RECORD_KINDS)
    direction = _index(mapping, DIRECTION)
    shape.direction = direction if direction in mapping.unknown else None


def has_record_types(headers: dict[int, str]) -> bool:
    """Whether a header row has a record-type column and a dependency column (a sheet of
    applications and their dependencies, read as a systems sheet)."""
    folded = {normalise(h) for h in headers.values()}
    return any(RECORD_TYPE.match(h) for h in folded) and bool(folded & OTHER_END)


def _group(shape: Shape, mapping: ColumnMapping, profile: Profile | None) -> None:
    """Group one-row-per-server rows by their application column, where the name column names
    the server and another names the application."""
    name = mapping.fields.get("name")
    mapped = mapping.extra.get(APPLICATION)
    application: int | None
    server: int | None
    if mapped is not None:  # the user's mapping names the application column
        application, server = mapped, (name if name != mapped else None)
        shape.by_application = True
        if name is None:
            name = mapping.fields["name"] = mapped
            mapping.__dict__.pop("plan", None)
    elif name is None:
        return
    elif profile is not None:
        application = _index(mapping, set(profile.application)) if profile.application else None
        server = _index(mapping, {profile.server}) if profile.server else None
        shape.servers = server
        if profile.server_kind:
            shape.server_kind = _index(mapping, {profile.server_kind})
            if shape.server_kind is not None:
                mapping.unknown.pop(shape.server_kind, None)
    else:
        named = normalise(mapping.headers[name])
        application = name if named in APPLICATION_HEADERS else None
        if application is None:  # the name column may be the first: index 0
            application = next(
                (
                    i
                    for i, h in sorted({**mapping.unknown, **mapping.duplicates}.items())
                    if normalise(h) in APPLICATION_HEADERS
                ),
                None,
            )
        server = name if named in SERVER_HEADERS else None
        if server is None:
            found = _index(mapping, SERVER_HEADERS)
            server = found if found in mapping.unknown else None
    if application is None:
        if profile is not None and profile.application and server is not None:
            shape.server = server  # rows named by their server: each server its own system
        return
    if application != name:
        mapping.unknown.pop(application, None)
        mapping.duplicates.pop(application, None)
        mapping.fields["name"] = application
        mapping.extra[APPLICATION] = application  # so a written mapping names it
        mapping.__dict__.pop("plan", None)
    if server is not None and server != application:
        shape.server = shape.servers = server
        mapping.unknown.pop(server, None)
    shape.application_list = normalise(mapping.headers[application]) == "applications"


def read_shape(mapping: ColumnMapping, profile: Profile | None) -> Shape:
    """The shape of a mapped sheet, from its profile where it has one; the columns the shape
    reads are taken out of the mapping's unknown columns."""
    shape = Shape(profile)
    if profile is not None:
        shape.categories = dict(profile.categories)
        shape.classes = dict(profile.classes)
        if profile.statuses:
            shape.vocabularies["lifecycle_status"] = {
                k: v.value for k, v in profile.statuses.items()
            }
        if profile.criticalities:
            shape.vocabularies["criticality"] = {
                k: v.value for k, v in profile.criticalities.items()
            }
    if profile is not None:
        _profile_units(mapping, profile)
    if mapping.layout.kind is not RecordKind.SYSTEMS:
        _settle_unread(shape, mapping, profile)
        return shape
    _group(shape, mapping, profile)
    if profile is not None:
        for header, stage in profile.phases.items():
            index = _index(mapping, {header})
            if index is not None:
                shape.phases.append((index, stage.value))
                mapping.unknown.pop(index, None)
        if shape.phases and "lifecycle_status" not in mapping.fields:
            # the stage is read from the first phase column's cell, which `phase_row` fills
            mapping.fields["lifecycle_status"] = shape.phases[0][0]
            mapping.__dict__.pop("plan", None)
        else:
            shape.phases.clear()
    shape.pairs = _pairs(mapping, profile)
    _record_types(shape, mapping, profile.record_types if profile else None)
    if profile is not None and profile.product_class is not None:
        shape.product_class = _index(mapping, {profile.product_class})
    elif "technology_version" in mapping.extra and "technology" not in mapping.extra:
        found = _index(mapping, CLASS_HEADERS)
        shape.product_class = found if found in mapping.unknown else None
    if shape.product_class is not None and "technology" not in mapping.extra:
        mapping.extra["technology"] = shape.product_class
    if shape.pairs:  # so a written mapping names them
        mapping.several[PAIR_CATEGORY] = [c for c, _ in shape.pairs]
        mapping.several[PAIR_VALUE] = [v for _, v in shape.pairs]
    read = {i for pair in shape.pairs for i in pair}
    read |= {i for i in (shape.record_type, shape.other, shape.direction) if i is not None}
    read |= {shape.product_class} if shape.product_class is not None else set()
    for index in read:
        mapping.unknown.pop(index, None)
    _settle_unread(shape, mapping, profile)
    return shape


def _profile_units(mapping: ColumnMapping, profile: Profile) -> None:
    """Read each column the profile gives a unit for (AWS's `RAM.TotalSizeInMB` in MB) in
    that unit, unless the user's mapping already says how to read its field."""
    for name, index in mapping.fields.items():
        unit = profile.units.get(normalise(mapping.headers.get(index, "")))
        if unit is not None and name not in mapping.parsers:
            mapping.parsers[name] = running.unit_parser(name, unit)
            mapping.__dict__.pop("plan", None)


def _settle_unread(shape: Shape, mapping: ColumnMapping, profile: Profile | None) -> None:
    """A profiled sheet's columns its profile does not describe were set aside before the
    headers were read (`profile_view`); any left unread are said with them, once."""
    if profile is None:
        return
    shape.not_read += [mapping.unknown[i] for i in sorted(mapping.unknown)]
    mapping.unknown.clear()


def _described(profile: Profile) -> set[str]:
    """The folded headers a profile reads (beyond its pairs)."""
    read = {h for h, t in profile.columns.items() if t != IGNORE}
    read |= set(profile.application)
    read |= {h for h in (profile.server, profile.server_kind, profile.product_class) if h}
    read |= set(profile.phases)
    types = profile.record_types
    if types is not None:
        read |= {h for h in (types.column, types.other, types.direction) if h}
    return read


_MARK = "90210"
"""Stands for a pair's number while its header pattern becomes a regular expression."""


def _pair_header(profile: Profile, key: str) -> bool:
    """Whether a folded header is one of the profile's category / value pair headers."""
    for pattern in profile.pairs:
        for text in (pattern.category, pattern.value):
            marked = re.escape(normalise(text.format(n=_MARK))).replace(_MARK, r"\d+")
            if re.fullmatch(marked, key):
                return True
    return False


def _read_exactly(cell: Any, layout: SheetLayout) -> bool:
    """Whether the general reading takes a header as one of the layout's columns without
    guessing: such a column beside a tool's own is read, never set aside (a department's
    register that happens to carry a tool's headers loses nothing)."""
    mapping = map_row([cell], 1, layout, UserMapping())
    return bool(mapping.fields or mapping.extra) and not mapping.fuzzy


def recognise_sheet(rows: list[list[Any]]) -> tuple[Profile, int] | None:
    """The profile a sheet's header row matches and that row's 0-based index, if any."""
    for index, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        if sum(1 for cell in row if cell is not None) < 2:
            continue
        profile = recognise(row)
        if profile is not None:
            return profile, index
    return None


def profile_view(
    rows: list[list[Any]], at: int, profile: Profile, user: UserMapping
) -> tuple[list[list[Any]], UserMapping, list[str], list[str]]:
    """The sheet as its profile reads it: the header row keeps only the headers the profile
    (or the user's own mapping) reads, so nothing else is guessed; with the mapping to read
    it by, the headers set aside that the profile does not describe, and those set aside
    because another header gives their target (each to say once).

    Where a profile gives several headers one target (ServiceNow's `operational_status`, else
    `install_status`; AWS's logical cores, else its cores), the first of them the profile
    lists that is on the sheet is read; each other is set aside, worded with the one read
    instead. The user's mapping wins over the profile: a header it names is read as it says,
    and a target it gives a column is read from that column only, not from the profile's."""
    said = user.columns.get(profile.kind, {})
    present = {normalise(str(cell)) for cell in rows[at] if cell is not None}
    taken = set(said.values())
    chosen: dict[str, str] = {}
    for header, meaning in profile.columns.items():
        if meaning != IGNORE and header in present and meaning not in taken:
            chosen[header] = meaning
            taken.add(meaning)
    described = _described(profile)
    shaped = described - set(profile.columns)  # application, server, class, record types
    header_row: list[Any] = []
    not_read: list[str] = []
    instead: list[str] = []
    read_for = {
        chosen[normalise(str(cell))]: str(cell).strip()
        for cell in rows[at]
        if cell is not None and normalise(str(cell)) in chosen
    }
    layout = LAYOUT_BY_KIND[profile.kind]
    for cell in rows[at]:
        key = normalise(str(cell)) if cell is not None else ""
        target = profile.columns.get(key)
        user_said = bool(key) and header_key(str(cell)) in said
        if not key or user_said or key in chosen:
            header_row.append(cell)
        elif target == IGNORE:
            header_row.append(None)
        elif target in taken and target in said.values():
            header_row.append(cell)  # the user's mapping reads its target from another column
        elif target is not None and key not in shaped:  # another header gives its target
            header_row.append(None)
            instead.append(f"{str(cell).strip()} ({read_for[target]} read instead)")
        elif key in described or _pair_header(profile, key) or _read_exactly(cell, layout):
            header_row.append(cell)
        else:
            header_row.append(None)
            not_read.append(str(cell).strip())
    # Keyed as the reader compares headers (camelCase split: RVTools' "vInfoVMName"), from
    # the cells as the sheet writes them, not from the profile's folded spelling.
    columns = {
        header_key(str(cell)): chosen[normalise(str(cell))]
        for cell in rows[at]
        if cell is not None and normalise(str(cell)) in chosen
    }
    reading = replace(user, columns={**user.columns, profile.kind: columns | said})
    return [*rows[:at], header_row, *rows[at + 1 :]], reading, not_read, instead
