"""The lifecycle catalogue: when each release of each product stops being supported, and the
matching of free-text component names ("Win 2008 R2", "Oracle 11gR2", "Java 1.8") to it.

Three dates per release are kept apart: end of mainstream support, end of security support,
end of paid extended support. The built-in catalogue (`builtin.toml`) covers the products that
fill government legacy estates; lifecycle data imported from endoflife.date (stored in the
database) replaces a product's built-in releases.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Any

from estate.enums import normalise

_SPLIT = re.compile(r"[a-z]+|\d+")
_NOISE_PHRASES = re.compile(r"\b(?:x ?64|x ?86|64 ?bit|32 ?bit|amd ?64)\b")
_NOISE_WORDS = frozenset(
    {
        "standard",
        "enterprise",
        "edition",
        "datacenter",
        "datacentre",
        "professional",
        "release",
        "version",
        "ver",
        "v",
        "update",
        "foundation",
        "express",
        "server",
        "linux",
        "for",
        "the",
        "and",
        "with",
        "on",
        "lts",
        "esr",
        "bit",
    }
)


def tokens(text: str) -> list[str]:
    """Letters and digits as separate lowercase tokens: "2008R2 SP1" -> 2008, r, 2, sp, 1."""
    return _SPLIT.findall(text.lower())


def spaced(text: str) -> str:
    """The token form as one string, which names and rewrites are written against."""
    return " ".join(tokens(normalise(text)))


@dataclass(frozen=True)
class Cycle:
    """One release cycle of a product and its three support end dates."""

    product: str
    cycle: str
    title: str | None = None
    release: dt.date | None = None
    support_end: dt.date | None = None
    security_end: dt.date | None = None
    extended_end: dt.date | None = None
    source: str = "built-in"
    security_ended: bool = False
    """The source says security support has ended but gives no date."""

    @property
    def label(self) -> str:
        """How a person names this release."""
        return self.title or self.cycle

    @cached_property
    def last_supported(self) -> dt.date | None:
        """The last day any support, paid or not, is available."""
        dates = [d for d in (self.security_end, self.extended_end) if d is not None]
        return max(dates) if dates else None


@dataclass(frozen=True)
class Product:
    """A product line: how to recognise it in free text and its release cycles."""

    key: str
    title: str
    kind: str | None
    names: tuple[re.Pattern[str], ...]
    rewrites: tuple[tuple[re.Pattern[str], str], ...] = ()
    cycles: tuple[Cycle, ...] = ()
    evergreen: bool = False

    def name_match(self, text: str) -> re.Match[str] | None:
        """The longest match of any of this product's names in `text`."""
        best: re.Match[str] | None = None
        for pattern in self.names:
            for found in pattern.finditer(text):
                if best is None or len(found[0]) > len(best[0]):
                    best = found
        return best


@dataclass(frozen=True)
class Match:
    """The result of matching one component's text to the catalogue."""

    text: str
    product: Product | None = None
    cycle: Cycle | None = None
    note: str | None = None
    """Why nothing matched, or what was assumed to make the match."""

    @property
    def release(self) -> str:
        """The matched release as a person names it, e.g. "Oracle Database 11.2"."""
        if self.cycle is not None and self.cycle.title:
            return self.cycle.title
        title = self.product.title if self.product else self.text
        return f"{title} {self.cycle.cycle}" if self.cycle else title

    @property
    def matched(self) -> bool:
        """True when a product and (for non-evergreen products) a release were found."""
        return self.product is not None and (self.cycle is not None or self.product.evergreen)


@dataclass
class Catalogue:
    """All known products, in matching order, with the catalogue's version."""

    version: str
    products: dict[str, Product] = field(default_factory=dict)

    def match(self, product: str, version: str = "") -> Match:
        """Resolve a component's product and version text to a product and release cycle."""
        return _match_cached(self, f"{product} {version}".strip())

    def __hash__(self) -> int:
        return id(self)

    def with_cycles(self, cycles: Iterable[Cycle], titles: dict[str, str]) -> Catalogue:
        """A catalogue where the given cycles replace each product's built-in ones.

        Products new to the catalogue are recognised by their title and key.
        """
        grouped: dict[str, list[Cycle]] = {}
        for cycle in cycles:
            grouped.setdefault(cycle.product, []).append(cycle)
        products = dict(self.products)
        for key, new in grouped.items():
            known = products.get(key)
            if known is None:
                title = titles.get(key, key)
                patterns = {re.escape(spaced(title)), re.escape(spaced(key.replace("-", " ")))}
                known = Product(key, title, None, tuple(re.compile(rf"\b{p}\b") for p in patterns))
            products[key] = Product(
                known.key, known.title, known.kind, known.names, known.rewrites, tuple(new)
            )
        return Catalogue(f"{self.version}+imported", products)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return None


@cache
def builtin() -> Catalogue:
    """The catalogue shipped with estate."""
    data = tomllib.loads(resources.files(__package__).joinpath("builtin.toml").read_text("utf-8"))
    catalogue = Catalogue(data["catalogue_version"])
    for key, spec in data["products"].items():
        cycles = tuple(
            Cycle(
                key,
                str(c["cycle"]),
                c.get("title"),
                _date(c.get("release")),
                _date(c.get("support")),
                _date(c.get("eol")),
                _date(c.get("extended")),
            )
            for c in spec.get("cycles", [])
        )
        catalogue.products[key] = Product(
            key,
            spec["title"],
            spec.get("kind"),
            tuple(re.compile(p) for p in spec["names"]),
            tuple((re.compile(a), b) for a, b in spec.get("rewrites", [])),
            cycles,
            bool(spec.get("evergreen", False)),
        )
    return catalogue


def _version_tokens(product: Product, rest: str) -> list[str]:
    text = _NOISE_PHRASES.sub(" ", rest).strip()
    for pattern, replacement in product.rewrites:
        text = pattern.sub(replacement, text).strip()
    return [t for t in tokens(text) if t not in _NOISE_WORDS]


def _cycle_tokens(cycle: Cycle) -> list[str]:
    return tokens(cycle.cycle)


def _earliest_end(cycle: Cycle) -> dt.date:
    return cycle.last_supported or cycle.support_end or dt.date.max


@cache
def _match_cached(catalogue: Catalogue, text: str) -> Match:
    normal = spaced(text)
    best: tuple[int, int, Product, re.Match[str]] | None = None
    for order, product in enumerate(catalogue.products.values()):
        found = product.name_match(normal)
        if found is not None and (best is None or (len(found[0]), -order) > best[:2]):
            best = (len(found[0]), -order, product, found)
    if best is None:
        return Match(text, note="product not in the catalogue")
    product, found = best[2], best[3]
    if product.evergreen:
        return Match(text, product, note="continuously updated service")
    rest = (normal[: found.start()] + " " + normal[found.end() :]).strip()
    wanted = _version_tokens(product, rest)
    if not wanted:
        return Match(
            text, product, note=f"no version given, so the {product.title} release is unknown"
        )
    exact = [c for c in product.cycles if wanted[: len(_cycle_tokens(c))] == _cycle_tokens(c)]
    if exact:
        cycle = max(exact, key=lambda c: len(_cycle_tokens(c)))
        return Match(text, product, cycle)
    broader = [c for c in product.cycles if _cycle_tokens(c)[: len(wanted)] == wanted]
    if broader:
        cycle = min(broader, key=_earliest_end)
        others = ", ".join(c.cycle for c in broader if c is not cycle)
        note = f"version {' '.join(wanted)} could be several releases; assumed {cycle.label}"
        return Match(text, product, cycle, note + (f" (also {others})" if others else ""))
    known = ", ".join(c.cycle for c in product.cycles)
    return Match(
        text,
        product,
        note=f"version {' '.join(wanted)!r} is not a known {product.title} release "
        f"(known: {known})",
    )
