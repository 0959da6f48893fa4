"""Reading lifecycle data in the endoflife.date API's shapes, and storing it as the catalogue's
imported releases.

Accepted, as endoflife.date serves them:

- API v0: one product's releases (`/api/PRODUCT.json`: a list of release cycles), or a whole
  catalogue (`{"products": {PRODUCT: [...]}, "meta": {...}}`). Per cycle, `support` is the end
  of mainstream support, `eol` the end of security support and `extendedSupport` the end of
  paid extended support; each may be a date, true/false or absent.
- API v1 (`estate.catalogue.endoflife_v1`): one product (`/api/v1/products/PRODUCT`) or every
  product (`/api/v1/products/full`), whose `eoasFrom`, `eolFrom` and `eoesFrom` are the same
  three dates, with `isEol` saying whether security support has ended where no date is given.

The same data in either version gives the same releases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate.catalogue import Catalogue, Cycle, builtin, cycle_of, endoflife_v1
from estate.catalogue.reference import Release, map_releases, read_releases
from estate.db import in_batches
from estate.errors import InputError
from estate.files import load_json
from estate.models import LifecycleCycle, table_of

LIFECYCLE = table_of(LifecycleCycle)
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ImportedCycle:
    """One release read from lifecycle data, with its product's title."""

    cycle: Cycle
    product_title: str


SOURCE = "endoflife.date, imported"


def _cycles(key: str, title: str, read: list[Release]) -> list[ImportedCycle]:
    """A product's releases as the catalogue holds them: under the catalogue's key and release
    names where the built-in catalogue maps this endoflife.date product, else as they are."""
    catalogue = builtin()
    mapping = catalogue.mappings.get(key) or next(
        (m for m in catalogue.mappings.values() if m.product == key), None
    )
    if mapping is None:
        known = catalogue.products.get(key)
        title = known.title if known is not None else title
        return [ImportedCycle(cycle_of(key, r, SOURCE), title) for r in read]
    product = catalogue.products[mapping.product]
    return [
        ImportedCycle(cycle_of(product.key, r, SOURCE), product.title)
        for r in map_releases(mapping, read)
    ]


def read_lifecycle(path: Path, product: str | None = None) -> list[ImportedCycle]:
    """Every release in a lifecycle file; a per-product file is named by `product` or its stem.

    endoflife.date's products the catalogue maps (`oracle-solaris`, `ibm-aix`, `oracle-jdk`,
    ...) are stored under the catalogue's key, with each release line governed by its latest
    service pack, exactly as the bundled snapshot is read; other products keep their own key.
    A per-product file may be named by either key (`oracle-solaris.json` or `solaris.json`).
    An API v1 file names its product itself (`result.name`): `product`, if given, must be that
    name or one of its aliases, and picks one product out of `/api/v1/products/full`.
    """
    if not path.is_file():
        raise InputError(f"{path}: no such file.")
    if path.stat().st_size > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES // 2**20} MB; not lifecycle data.")
    data = load_json(path, "lifecycle data", MAX_BYTES)
    if isinstance(data, list):
        key = product or path.stem
        return _cycles(key, key, read_releases(key, data, str(path)))
    if isinstance(data, dict) and isinstance(data.get("products"), dict):
        meta: dict[str, Any] = data["meta"] if isinstance(data.get("meta"), dict) else {}
        wanted = [product] if product else list(data["products"])
        found: list[ImportedCycle] = []
        for key in wanted:
            if key not in data["products"]:
                raise InputError(f"{path}: no product {key!r} in this catalogue.")
            title = str((meta.get(key) or {}).get("title") or key)
            found.extend(_cycles(key, title, read_releases(key, data["products"][key], str(path))))
        return found
    if endoflife_v1.is_v1(data):
        products = endoflife_v1.read_products(data, product, str(path))
        return [c for p in products for c in _cycles(p.key, p.title, p.releases)]
    raise InputError(
        f"{path}: expected a list of releases (API v0, /api/PRODUCT.json), a catalogue "
        "{'products': {PRODUCT: [...]}}, one product {'result': {'name': ..., 'releases': [...]}} "
        "(API v1, /api/v1/products/PRODUCT) or a list of products {'result': [...]} "
        "(API v1, /api/v1/products/full)."
    )


def store_lifecycle(connection: Connection, cycles: list[ImportedCycle], now: dt.datetime) -> int:
    """Replace the stored releases of each product in `cycles`; returns how many were stored."""
    products = sorted({c.cycle.product for c in cycles})
    if not products:
        return 0
    for batch in in_batches(products):
        connection.execute(LIFECYCLE.delete().where(LIFECYCLE.c.product.in_(batch)))
    connection.execute(
        LIFECYCLE.insert(),
        [
            {
                "product": c.cycle.product,
                "product_title": c.product_title,
                "cycle": c.cycle.cycle,
                "release": c.cycle.release,
                "support_end": c.cycle.support_end,
                "security_end": c.cycle.security_end,
                "extended_end": c.cycle.extended_end,
                "security_ended": c.cycle.security_ended,
                "source": c.cycle.source,
                "imported_at": now,
            }
            for c in cycles
        ],
    )
    return len(cycles)


def load_catalogue(connection: Connection) -> Catalogue:
    """The built-in catalogue with every imported product's releases in place of its own."""
    rows = connection.execute(sa.select(LIFECYCLE).order_by(LIFECYCLE.c.id)).all()
    if not rows:
        return builtin()
    cycles = [
        Cycle(
            row.product,
            row.cycle,
            None,
            row.release,
            row.support_end,
            row.security_end,
            row.extended_end,
            row.source,
            security_ended=row.security_ended,
        )
        for row in rows
    ]
    return builtin().with_cycles(cycles, {row.product: row.product_title for row in rows})
