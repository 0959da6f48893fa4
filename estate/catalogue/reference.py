"""endoflife.date's lifecycle data in the catalogue's terms: which of its products feed which
catalogue product, and how its release cycles become the catalogue's releases.

The same mapping serves the bundled snapshot (the built-in catalogue's dates) and `estate
catalogue import` (a refresh), so both give the same releases for the same data. Two rules:

- a product's endoflife.date key is mapped to the catalogue's (`oracle-solaris` -> `solaris`,
  `ibm-aix` -> `aix`, `oracle-jdk` -> `java`, ...);
- a release line with service packs, technology levels or updates (SQL Server 2012 SP1-SP4,
  Windows Server 2008 R2 SP1, AIX 7.2 TL0-TL5, Solaris 11.0-11.4) is governed by its latest
  one: "SQL Server 2012" carries SP4's dates, while "SQL Server 2012 SP2" carries SP2's. The
  line's first release, where endoflife.date names it like the line ("11.0"), is kept as
  "11.0-rtm".
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from estate.errors import InputError

SNAPSHOT_FILE = "endoflife.json"
"""The bundled part of endoflife.date's catalogue, with its attribution and snapshot date."""

FIELDS = ("cycle", "releaseDate", "support", "eol", "extendedSupport")
"""The fields of a release the catalogue uses; the bundle keeps only these."""


@dataclass(frozen=True)
class Mapping:
    """How one endoflife.date product feeds one catalogue product."""

    product: str
    """The catalogue's product key."""
    source: str
    """endoflife.date's product key."""
    lines: re.Pattern[str] | None = None
    """Matches a release belonging to a line; group 1 names the line."""
    rename: dict[str, str] = field(default_factory=dict)
    """endoflife.date's cycle names the catalogue writes differently."""


@dataclass(frozen=True)
class Release:
    """One release read from endoflife.date data, before it becomes a catalogue cycle."""

    cycle: str
    release: dt.date | None
    support_end: dt.date | None
    security_end: dt.date | None
    extended_end: dt.date | None
    security_ended: bool
    governed_by: str
    """The endoflife.date cycle whose dates these are (differs for a line's latest release)."""


def when(value: Any, where: str) -> tuple[dt.date | None, bool]:
    """(date, ended-without-a-date) for one lifecycle field: a date, true/false or absent."""
    if value is None or value is False:
        return None, False
    if value is True:
        return None, True
    try:
        return dt.date.fromisoformat(str(value)[:10]), False
    except ValueError:
        raise InputError(f"{where}: {value!r} is not a date or true/false.") from None


def read_releases(product: str, releases: Any, where: str) -> list[Release]:
    """The releases of one product in the endoflife.date API's shape, each checked."""
    if not isinstance(releases, list):
        raise InputError(f"{where}: product {product!r} must be a list of release cycles.")
    found: list[Release] = []
    for index, release in enumerate(releases):
        here = f"{where}, {product} release {index + 1}"
        if not isinstance(release, dict) or "cycle" not in release:
            raise InputError(f"{here}: each release needs a 'cycle'.")
        name = str(release["cycle"])
        support, _ = when(release.get("support"), f"{here} support")
        eol, ended = when(release.get("eol"), f"{here} eol")
        extended, _ = when(release.get("extendedSupport"), f"{here} extendedSupport")
        released, _ = when(release.get("releaseDate"), f"{here} releaseDate")
        found.append(Release(name, released, support, eol, extended, ended, name))
    return found


def map_releases(mapping: Mapping, releases: list[Release]) -> list[Release]:
    """endoflife.date's releases as the catalogue names them, with each line's own release
    carrying the dates of its latest service pack (or technology level, or update)."""
    renamed = [_renamed(r, mapping.rename.get(r.cycle, r.cycle)) for r in releases]
    if mapping.lines is None:
        return renamed
    members: dict[str, list[Release]] = {}
    for release in renamed:
        found = mapping.lines.fullmatch(release.cycle)
        if found is not None:
            members.setdefault(found[1], []).append(release)
    mapped: list[Release] = []
    for release in renamed:
        if release.cycle in members and release not in members[release.cycle]:
            release = _renamed(release, f"{release.cycle}-rtm")
        mapped.append(release)
    for line, group in members.items():
        latest = max(group, key=lambda r: (r.release or dt.date.min, _natural(r.cycle)))
        mapped.append(_renamed(latest, line))
    return mapped


def _renamed(release: Release, cycle: str) -> Release:
    return Release(
        cycle,
        release.release,
        release.support_end,
        release.security_end,
        release.extended_end,
        release.security_ended,
        release.governed_by,
    )


def _natural(text: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in re.findall(r"\d+|\D+", text))


def mappings_from(spec: dict[str, Any]) -> dict[str, Mapping]:
    """The mappings the built-in catalogue's products declare (`endoflife`, `lines`, `rename`),
    keyed by endoflife.date's product key."""
    found: dict[str, Mapping] = {}
    for key, product in spec.items():
        source = product.get("endoflife")
        if source is None:
            continue
        lines = product.get("lines")
        found[source] = Mapping(
            key,
            source,
            re.compile(lines) if lines else None,
            dict(product.get("rename", {})),
        )
    return found


@dataclass(frozen=True)
class Snapshot:
    """The bundled endoflife.date data: releases per endoflife.date key, and where from."""

    products: dict[str, list[Release]]
    taken: str
    """When the snapshot was taken (as endoflife.date's data stood)."""
    attribution: str


@cache
def bundled_taken() -> str:
    """The date the bundled endoflife.date snapshot was taken, without reading its releases."""
    text = resources.files(__package__).joinpath(SNAPSHOT_FILE).read_text("utf-8")
    return str(json.loads(text)["meta"]["snapshot"])


def bundled() -> Snapshot:
    """The endoflife.date snapshot shipped inside the package."""
    text = resources.files(__package__).joinpath(SNAPSHOT_FILE).read_text("utf-8")
    data = json.loads(text)
    meta = data["meta"]
    products = {
        key: read_releases(key, releases, SNAPSHOT_FILE)
        for key, releases in data["products"].items()
    }
    return Snapshot(products, str(meta["snapshot"]), str(meta["attribution"]))


def bundle(reference: dict[str, Any], keys: list[str], taken: str) -> dict[str, Any]:
    """The part of an endoflife.date catalogue the built-in catalogue uses (`keys`), with its
    attribution and snapshot date: what `estate/catalogue/endoflife.json` holds."""
    missing = [k for k in keys if k not in reference["products"]]
    if missing:
        raise InputError(f"endoflife.date data has no product {', '.join(missing)}.")
    return {
        "meta": {
            "source": "https://endoflife.date",
            "snapshot": taken,
            "attribution": ATTRIBUTION,
            "licence": MIT_LICENCE,
            "titles": {k: reference.get("meta", {}).get(k, {}).get("title", k) for k in keys},
        },
        "products": {
            key: [
                {f: release[f] for f in FIELDS if f in release}
                for release in reference["products"][key]
            ]
            for key in sorted(keys)
        },
    }


def dumps(data: dict[str, Any]) -> str:
    """A bundle as JSON text with one release a line, so a refresh reads as a short diff."""
    lines = ["{", f' "meta": {json.dumps(data["meta"], sort_keys=True)},', ' "products": {']
    products = list(data["products"].items())
    for index, (key, releases) in enumerate(products):
        lines.append(f"  {json.dumps(key)}: [")
        lines.extend(
            f"   {json.dumps(r, sort_keys=True)}{',' if i < len(releases) - 1 else ''}"
            for i, r in enumerate(releases)
        )
        lines.append("  ]" + ("," if index < len(products) - 1 else ""))
    lines += [" }", "}", ""]
    return "\n".join(lines)


ATTRIBUTION = (
    "Lifecycle dates from endoflife.date (https://endoflife.date), "
    "copyright (c) endoflife.date contributors, used under the MIT licence."
)
MIT_LICENCE = (
    "Permission is hereby granted, free of charge, to any person obtaining a copy of this "
    'software and associated documentation files (the "Software"), to deal in the Software '
    "without restriction, including without limitation the rights to use, copy, modify, merge, "
    "publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons "
    "to whom the Software is furnished to do so, subject to the following conditions: The above "
    "copyright notice and this permission notice shall be included in all copies or substantial "
    'portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, '
    "EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS "
    "FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT "
    "HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF "
    "CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR "
    "THE USE OR OTHER DEALINGS IN THE SOFTWARE."
)


def main(argv: list[str]) -> None:
    """Write the bundle from an endoflife.date catalogue file; `argv` is the file and when its
    data was taken (`make lifecycle-snapshot` runs it)."""
    import tomllib
    from pathlib import Path

    source, taken = Path(argv[0]), argv[1]
    spec = tomllib.loads(resources.files(__package__).joinpath("builtin.toml").read_text("utf-8"))
    keys = sorted(mappings_from(spec["products"]))
    data = json.loads(source.read_text(encoding="utf-8"))
    target = Path(str(resources.files(__package__).joinpath(SNAPSHOT_FILE)))
    target.write_text(dumps(bundle(data, keys, taken)), encoding="utf-8")
