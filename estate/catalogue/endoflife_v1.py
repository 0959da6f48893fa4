"""Reading lifecycle data in the shape of endoflife.date's API v1 (its OpenAPI description:
https://endoflife.date/docs/api/v1/).

Two responses hold releases with their dates, and both are accepted:

- one product, `/api/v1/products/PRODUCT`:
  `{"schema_version": ..., "result": {"name", "label", "aliases", ..., "releases": [...]}}`;
- every product, `/api/v1/products/full`: `{"schema_version": ..., "result": [product, ...]}`.

v1 splits each of v0's date-or-boolean fields in two: a date (`eoasFrom`, `eolFrom`,
`eoesFrom`, null when no date is known) and a flag saying whether that phase is over (`isEoas`,
`isEol`, `isEoes`). A release therefore reads exactly as its v0 form does: `eoasFrom` is v0's
`support` (end of active, mainstream support), `eolFrom` its `eol` (end of security support) and
`eoesFrom` its `extendedSupport` (end of paid extended support); a release with no `eolFrom`
whose `isEol` is true has ended without a date, as v0's `"eol": true` says. Only the dates of
mainstream and extended support are used, as in v0, so `isEoas` and `isEoes` are not read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from estate.catalogue import builtin
from estate.catalogue.reference import Release
from estate.errors import InputError

PRODUCT_URL = "https://endoflife.date/api/v1/products/PRODUCT"
CATALOGUE_URL = "https://endoflife.date/api/v1/products/full"


@dataclass(frozen=True)
class ProductReleases:
    """One product read from a v1 response: its key, its title and its releases."""

    key: str
    """endoflife.date's key: the product's `name`, or the alias the built-in catalogue maps
    when endoflife.date has renamed a product it maps."""
    title: str
    releases: list[Release]


def is_v1(data: Any) -> bool:
    """Whether `data` is an API v1 response: a JSON object whose data is under `result`."""
    return isinstance(data, dict) and "result" in data


def read_products(data: dict[str, Any], product: str | None, where: str) -> list[ProductReleases]:
    """The products of a v1 response (`where` names its file): every one, or the one named
    `product` by its name or one of its aliases. A response that holds no releases (one release
    alone, a summary list of products) is refused with what to download instead."""
    result = data["result"]
    if isinstance(result, dict) and "releases" in result:
        _check_named(result, product, where)
        return [_product(result, where)]
    if isinstance(result, list):
        named = [_named(item, index, where) for index, item in enumerate(result)]
        if product is None:
            return [_product(item, where) for item in named]
        chosen = next((i for i in named if i["name"] == product), None) or next(
            (i for i in named if product in _names(i)), None
        )
        if chosen is None:
            raise InputError(f"{where}: no product {product!r} in this catalogue.")
        return [_product(chosen, where)]
    if isinstance(result, dict) and {"eolFrom", "isEol"} & result.keys():
        raise InputError(
            f"{where}: this is one release ({result.get('name')}) of a product, as "
            f"{PRODUCT_URL}/releases/RELEASE serves it; importing it would leave the product "
            f"with that release alone. Download the whole product from {PRODUCT_URL}."
        )
    raise InputError(
        f"{where}: 'result' is neither a product (with its 'releases') nor a list of products."
    )


def read_releases(product: str, releases: Any, where: str) -> list[Release]:
    """The releases of one v1 product, each checked; errors name the file (`where`), the
    product and the release's number."""
    if not isinstance(releases, list):
        raise InputError(f"{where}: product {product!r} must have a list of 'releases'.")
    found: list[Release] = []
    for index, release in enumerate(releases):
        here = f"{where}, {product} release {index + 1}"
        if not isinstance(release, dict) or release.get("name") in (None, ""):
            raise InputError(f"{here}: each release needs a 'name'.")
        name = str(release["name"])
        here = f"{here} ({name})"
        support = _date(release, "eoasFrom", here)
        security = _date(release, "eolFrom", here)
        extended = _date(release, "eoesFrom", here)
        released = _date(release, "releaseDate", here)
        ended = security is None and _flag(release, "isEol", here)
        found.append(Release(name, released, support, security, extended, ended, name))
    return found


def _product(item: dict[str, Any], where: str) -> ProductReleases:
    name = str(item["name"])
    if "releases" not in item:
        raise InputError(
            f"{where}: product {name!r} has no 'releases': a summary of products (as "
            f"/api/v1/products lists them) holds no dates. Download {CATALOGUE_URL} instead."
        )
    title = str(item.get("label") or name)
    return ProductReleases(_key(item), title, read_releases(name, item["releases"], where))


def _named(item: Any, index: int, where: str) -> dict[str, Any]:
    if not isinstance(item, dict) or item.get("name") in (None, ""):
        raise InputError(f"{where}, product {index + 1}: each product needs a 'name'.")
    return item


def _names(item: dict[str, Any]) -> list[str]:
    aliases = item.get("aliases")
    return [str(item["name"]), *(str(a) for a in (aliases if isinstance(aliases, list) else []))]


def _check_named(item: dict[str, Any], product: str | None, where: str) -> None:
    if item.get("name") in (None, ""):
        raise InputError(f"{where}: the product needs a 'name'.")
    names = _names(item)
    if product is not None and product not in names:
        also = f" (also known as {', '.join(names[1:])})" if len(names) > 1 else ""
        raise InputError(
            f"{where}: this file holds endoflife.date's product {names[0]!r}{also}, "
            f"not {product!r}."
        )


def _key(item: dict[str, Any]) -> str:
    """The product's name, unless only one of its aliases is a key the built-in catalogue maps
    (endoflife.date renamed it, keeping the old name as an alias)."""
    names = _names(item)
    mapped = builtin().mappings
    return names[0] if names[0] in mapped else next((n for n in names if n in mapped), names[0])


def _date(release: dict[str, Any], field: str, here: str) -> dt.date | None:
    value = release.get(field)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise InputError(f"{here} {field}: {value!r} is not a date or null.")


def _flag(release: dict[str, Any], field: str, here: str) -> bool:
    value = release.get(field)
    if value is None or isinstance(value, bool):
        return bool(value)
    raise InputError(f"{here} {field}: {value!r} is not true, false or null.")
