"""The lifecycle catalogue: when each release of each product stops being supported, and the
matching of free-text component names ("Win 2008 R2", "Oracle 11gR2", "Java 1.8") to it.

Three dates per release are kept apart: end of mainstream support, end of security support,
end of paid extended support. The built-in catalogue takes its dates from the bundled
endoflife.date snapshot (`endoflife.json`, mapped to the catalogue's products by
`reference.py`) wherever endoflife.date covers a product; `builtin.toml` holds how each product
is written (names, rewrites, release titles) and, each with its reason, only the releases and
products endoflife.date lacks. Lifecycle data imported from endoflife.date (stored in the
database) replaces a product's bundled releases.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cache, cached_property
from importlib import resources
from itertools import takewhile
from typing import Any

import msgspec

from estate.catalogue.patterns import LazyPattern
from estate.catalogue.recognise import (
    PREFIX,
    Builds,
    by_build,
    first_prefixes,
    joined,
    read,
    readings,
    skip_words,
    spaced,
    tokens,
)
from estate.catalogue.reference import (
    Mapping,
    Release,
    bundled,
    bundled_taken,
    map_releases,
    mappings_from,
)

__all__ = ["Catalogue", "Cycle", "Match", "Product", "builtin", "cycle_of", "spaced", "tokens"]

_NOISE_PHRASES = re.compile(
    r"\b(?:x ?86 ?64|x ?64|x ?86|64 ?bit|32 ?bit|amd ?64|i ?[3-6] ?86|aarch ?64|ppc ?64(?: ?le)?"
    r"|s ?390 ?x)\b"
)
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
        "microsoft",
        "ibm",
        "oracle",
        "sun",
        "os",
        "name",
        "tm",
        "build",
        "production",
        "gnu",
        "es",
        "as",
        "ws",
        "community",
    }
)
_SERVICE_PACK = re.compile(r"\bservice pack (\d+)")
_DIGIT = re.compile(r"\d")


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
    governed_by: str | None = None
    """The endoflife.date release whose dates these are, where they come from there (for a
    release line, its latest service pack)."""
    reason: str | None = None
    """Why a release is kept by hand rather than taken from endoflife.date."""

    @property
    def label(self) -> str:
        """How a person names this release."""
        return self.title or self.cycle

    @cached_property
    def last_supported(self) -> dt.date | None:
        """The last day any support, paid or not, is available."""
        dates = [d for d in (self.security_end, self.extended_end) if d is not None]
        return max(dates) if dates else None


_UPPER_WORDS = frozenset({"rtm", "sac", "ac", "lts", "ltsb", "ltsc", "xfr", "esr", "eus"})
_ABBREVIATION = re.compile(r"\d+h\d|sp\d+|r\d")


def _release_word(part: str) -> str:
    """One word of an endoflife.date release key as a person writes it: "22h2" is 22H2,
    "sp1" SP1, "ltsc" LTSC, "industry" Industry; "for" stays as it is."""
    if part in _UPPER_WORDS or _ABBREVIATION.fullmatch(part):
        return part.upper()
    if part.isalpha() and part not in ("for", "and", "of"):
        return part.capitalize()
    return part


@dataclass(frozen=True)
class Product:
    """A product line: how to recognise it in free text and its release cycles."""

    key: str
    title: str
    kind: str | None
    names: tuple[LazyPattern, ...]
    rewrites: tuple[tuple[LazyPattern, str], ...] = ()
    cycles: tuple[Cycle, ...] = ()
    evergreen: bool = False
    endoflife: str | None = None
    """endoflife.date's key for this product, where its dates come from there."""
    titles: tuple[tuple[str, str], ...] = ()
    """How a person names a release ("11.0": "SQL Server 2012"), by cycle."""
    by_hand: tuple[Cycle, ...] = ()
    """Releases endoflife.date lacks, kept by hand; they stay when lifecycle data is imported."""
    by_hand_reason: str | None = None
    """Why the whole product is kept by hand (endoflife.date does not cover it)."""
    builds: Builds = ()
    """Build numbers of each release line's service packs (SQL Server "13.0.5026" is SP2)."""
    aliases: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    """Versions that name several releases no prefix shares: Windows NT kernel "10.0" is
    Server 2016, 2019, 2022 or 2025."""
    release_words: tuple[tuple[str, str], ...] = ()
    """How a person says the words of this product's release keys ("e" of Windows "10-22h2-e"
    is "Enterprise and Education"), for the releases no title names."""
    release_title: str | None = None
    """The name a release title starts with, where it is not the product's ("Windows" for
    "Windows (desktop)")."""

    @cached_property
    def first_words(self) -> frozenset[str]:
        """The words a release of this product can begin with ("nt" of "nt4")."""
        found = {tokens(c.cycle)[0] for c in self.cycles if tokens(c.cycle)}
        return frozenset(found | {key[0] for key, _ in self.aliases if key})

    @cached_property
    def cycle_words(self) -> frozenset[str]:
        """Every word of this product's release names ("lts" of Windows "10-1809-e-lts"),
        which are kept even where they are noise for other products."""
        return frozenset(t for c in self.cycles for t in tokens(c.cycle) if t.isalpha())

    def title_of(self, cycle: str) -> str | None:
        """A release's title: its own, or its line's with the rest ("SQL Server 2012 SP4")."""
        titles = dict(self.titles)
        if cycle in titles:
            return titles[cycle]
        for line in sorted(titles, key=len, reverse=True):
            if cycle.startswith(f"{line}-"):
                return f"{titles[line]} {cycle[len(line) + 1 :].upper().replace('-', ' ')}"
        if "-" in cycle and any(ch.isalpha() for ch in cycle):
            # endoflife.date's keys are not names: "10-22h2-e" is "Windows 10 22H2 Enterprise
            # and Education", "standard-7-sp1" "Windows Embedded Standard 7 SP1".
            words = dict(self.release_words)
            said = [words.get(part, _release_word(part)) for part in cycle.split("-")]
            return f"{self.release_title or self.title} {' '.join(said)}"
        return None

    def with_cycles(self, cycles: Iterable[Cycle]) -> Product:
        """This product with `cycles` (titled) in place of its own, keeping those kept by hand
        that the new ones do not name."""
        titled = [
            c if c.title or not self.title_of(c.cycle) else replace(c, title=self.title_of(c.cycle))
            for c in cycles
        ]
        names = {c.cycle for c in titled}
        kept = tuple(c for c in self.by_hand if c.cycle not in names)
        return replace(self, cycles=(*titled, *kept))

    def name_match(self, text: str) -> re.Match[str] | None:
        """The longest match of any of this product's names in `text`."""
        best: re.Match[str] | None = None
        for pattern in self.names:
            # Most names are absent: one search says so without building an iterator.
            if pattern.search(text) is None:
                continue
            for found in pattern.finditer(text):
                if best is None or len(found[0]) > len(best[0]):
                    best = found
        return best


AMBIGUOUS = "ambiguous: "
"""How a match's note begins where its version could be several releases and one was assumed."""


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

    @property
    def assumed(self) -> bool:
        """True when the version could be several releases and the one whose support ends
        first was taken (`note` names the others)."""
        return self.matched and (self.note or "").startswith(AMBIGUOUS)

    @cached_property
    def packed(self) -> bytes:
        """Everything a reader of this match can see, packed as bytes: its text and note, its
        product's names and kind, and its release with every date. Two matches packed alike
        read alike, so a system whose components' matches pack as before is scored as before
        when lifecycle data is imported (`estate.scoring.basis`)."""
        product = self.product
        return msgspec.msgpack.encode(
            (
                self.text,
                self.note,
                None
                if product is None
                else (
                    product.key,
                    product.title,
                    product.kind,
                    product.evergreen,
                    product.endoflife,
                    product.by_hand_reason,
                ),
                self.cycle,
            )
        )


@dataclass
class Catalogue:
    """All known products, in matching order, with the catalogue's version."""

    version: str
    products: dict[str, Product] = field(default_factory=dict)
    mappings: dict[str, Mapping] = field(default_factory=dict)
    """How endoflife.date's products feed the catalogue's, by endoflife.date's key."""

    def match(self, product: str, version: str = "", hint: str | None = None) -> Match:
        """Resolve a component's product and version text to a product and release cycle.

        `hint` is what else the inventory says of the component, such as a CMDB class
        ("Database MS SQL", "Server Linux"): where the text could name products of several
        kinds, one of the kind the hint names is chosen, and where the text names no product
        (a bare build, "15.0.4455.2"), the hint is read with it."""
        text = f"{product} {version}".strip()
        kind = kind_of(hint) if hint else None
        found = _match_cached(self, text, kind)
        if found.product is None and hint:
            hinted = _match_cached(self, f"{hint} {text}", kind)
            if hinted.product is not None:
                return replace(hinted, text=text)
        return found

    def __hash__(self) -> int:
        return id(self)

    @cached_property
    def names_by_prefix(self) -> dict[str, tuple[tuple[int, Product, LazyPattern], ...]]:
        """Every product name (with its product and the product's place in matching order) by
        each beginning a match of it can have (`first_prefixes`): a text is tried against only
        the names that can begin at one of its words, and each is compiled only when first
        tried."""
        found: dict[str, list[tuple[int, Product, LazyPattern]]] = {}
        for order, product in enumerate(self.products.values()):
            for pattern in product.names:
                for prefix in first_prefixes(pattern.pattern):
                    found.setdefault(prefix, []).append((order, product, pattern))
        return {prefix: tuple(names) for prefix, names in found.items()}

    def with_cycles(self, cycles: Iterable[Cycle], titles: dict[str, str]) -> Catalogue:
        """A catalogue where the given cycles replace each product's bundled ones.

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
                known = Product(key, title, None, tuple(LazyPattern(rf"\b{p}\b") for p in patterns))
            products[key] = known.with_cycles(new)
        return Catalogue(f"{self.version}+imported", products, self.mappings)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    return None


def _hand_kept(key: str, spec: dict[str, Any]) -> tuple[Cycle, ...]:
    """The releases builtin.toml keeps by hand for product `key`, each titled by its own
    `title` or else the product's `titles` table."""
    titles = spec.get("titles", {})
    return tuple(
        Cycle(
            key,
            str(c["cycle"]),
            c.get("title", titles.get(str(c["cycle"]))),
            _date(c.get("release")),
            _date(c.get("support")),
            _date(c.get("eol")),
            _date(c.get("extended")),
            reason=c.get("reason"),
        )
        for c in spec.get("cycles", [])
    )


def _builds(spec: dict[str, dict[str, int]]) -> Builds:
    """`builds` of builtin.toml (line -> service pack -> its first build) as the matcher
    reads them."""
    return tuple(
        (tuple(tokens(line)), tuple(sorted((int(b), name) for name, b in packs.items())))
        for line, packs in spec.items()
    )


@cache
def _builtin_data() -> dict[str, Any]:
    """builtin.toml, read once for `builtin_version` and `builtin` alike (never changed)."""
    return tomllib.loads(resources.files(__package__).joinpath("builtin.toml").read_text("utf-8"))


def _version(data: dict[str, Any], taken: str) -> str:
    return f"{data['catalogue_version']} (endoflife.date {taken})"


@cache
def builtin_version() -> str:
    """The built-in catalogue's version (`builtin().version`) without building the catalogue:
    what a kept ranking's fingerprint reads at every command, where building it (compiling
    every product's patterns) took a tenth of a second."""
    return _version(_builtin_data(), bundled_taken())


@cache
def builtin() -> Catalogue:
    """The catalogue shipped with estate: the bundled endoflife.date releases of each product
    it covers, and the releases kept by hand of the rest."""
    data = _builtin_data()
    snapshot = bundled()
    by_source = mappings_from(data["products"])
    mappings = {m.product: m for m in by_source.values()}
    version = _version(data, snapshot.taken)
    catalogue = Catalogue(version, mappings=by_source)
    for key, spec in data["products"].items():
        by_hand = _hand_kept(key, spec)
        product = Product(
            key,
            spec["title"],
            spec.get("kind"),
            tuple(LazyPattern(p) for p in spec["names"]),
            tuple((LazyPattern(a), b) for a, b in spec.get("rewrites", [])),
            by_hand,
            bool(spec.get("evergreen", False)),
            spec.get("endoflife"),
            tuple(spec.get("titles", {}).items()),
            by_hand,
            spec.get("by_hand"),
            _builds(spec.get("builds", {})),
            tuple(
                (tuple(tokens(version)), tuple(str(c) for c in cycles))
                for version, cycles in spec.get("aliases", {}).items()
            ),
            tuple(spec.get("release_words", {}).items()),
            spec.get("release_title"),
        )
        mapping = mappings.get(key)
        if mapping is not None:
            source = f"endoflife.date {snapshot.taken}"
            releases = map_releases(mapping, snapshot.products[mapping.source])
            product = product.with_cycles(cycle_of(key, r, source) for r in releases)
        catalogue.products[key] = product
    return catalogue


def cycle_of(product: str, release: Release, source: str) -> Cycle:
    """A catalogue release from one mapped endoflife.date release."""
    return Cycle(
        product,
        release.cycle,
        None,
        release.release,
        release.support_end,
        release.security_end,
        release.extended_end,
        source,
        security_ended=release.security_ended,
        governed_by=release.governed_by,
    )


VENDOR_NAMES = frozenset(
    {
        "oracle",
        "sap",
        "ibm",
        "microsoft",
        "windows",
        "red hat",
        "redhat",
        "apache",
        "vmware",
        "sun",
        "citrix",
        "adobe",
        "atlassian",
        "suse",
        "cisco",
        "micro focus",
    }
)
"""Names that are a vendor's as much as one product's: "Oracle" is matched as Oracle Database,
but in "Oracle Forms 12c" the words after it name another of Oracle's products, so after such a
name the version must come first, with no words passed over."""


def _version_tokens(product: Product, rest: str, skip: bool = True) -> list[str]:
    words = _NOISE_PHRASES.sub(" ", rest).split()
    while words and words[0] in _NOISE_WORDS:
        del words[0]
    text = _rewritten(product, _SERVICE_PACK.sub(r"sp \1", " ".join(words)))
    read_tokens = tokens(text)
    found = [t for t in read_tokens if t not in _NOISE_WORDS or t in product.cycle_words]
    wanted = skip_words(found, product.first_words) if skip else found
    if wanted and wanted != read_tokens:
        # Words were passed over before the version: it is read as if it came first.
        wanted = tokens(_rewritten(product, " ".join(wanted)))
    return by_build(product.builds, wanted) or wanted if product.builds else wanted


def _rewritten(product: Product, text: str) -> str:
    for pattern, replacement in product.rewrites:
        text = pattern.sub(replacement, text).strip()
    return text


@cache
def _cycle_tokens(cycle: str) -> tuple[str, ...]:
    """A release key's version tokens, worked out once per key: every match compares them."""
    return tuple(tokens(cycle))


KINDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), kind)
    for pattern, kind in (
        (r"\b(?:database|db|dbms|rdbms|sql)\b", "Database"),
        (
            r"\b(?:middleware|web ?server|app(?:lication)? ?server|integration|messaging)\b",
            "Middleware",
        ),
        (r"\b(?:runtime|language|framework|jdk|jre|library)\b", "Language/runtime"),
        (
            r"\b(?:os|operating system|server|linux|unix|windows|host|vm|virtual machine)\b",
            "Operating system",
        ),
        (r"\b(?:application|software|package|app|cots|saas)\b", "Application package"),
    )
)
"""What a CMDB class or technology column says a component is, the first row that fits."""


def kind_of(hint: str) -> str | None:
    """The catalogue kind a class hint names ("Database MS SQL" -> Database, "Server Linux" ->
    Operating system), or None when it names none."""
    text = spaced(hint)
    return next((kind for pattern, kind in KINDS if pattern.search(text)), None)


def _best_product(
    catalogue: Catalogue, text: str, kind: str | None
) -> tuple[Product, re.Match[str]] | None:
    """The product whose name matches `text` longest (the first of equals), preferring one of
    `kind` where a kind is hinted; a bare vendor's name ("Oracle" in "Oracle MySQL 8.0") is
    the weakest of names."""
    by_prefix = catalogue.names_by_prefix
    tried: set[LazyPattern] = set()
    best: tuple[bool, int, int, int, Product, re.Match[str]] | None = None
    beginnings = {word[:size] for word in text.split() for size in range(1, PREFIX + 1)}
    for beginning in ("", *beginnings):
        for order, product, pattern in by_prefix.get(beginning, ()):
            if pattern in tried:
                continue
            tried.add(pattern)
            if pattern.search(text) is None:
                continue
            for found in pattern.finditer(text):
                key = (
                    kind is not None and product.kind == kind,
                    0 if found[0] in VENDOR_NAMES else len(found[0]),
                    -order,
                    -found.start(),
                )
                if best is None or key > best[:4]:
                    best = (*key, product, found)
    return None if best is None else (best[4], best[5])


_VENDOR_LINE = re.compile(r"Runtime Environment|\bSemeru\b", re.IGNORECASE)
"""The line of `java -version` that names the build's vendor and its version."""
_VERSION_LINE = re.compile(r"^version\s*[:=]?\s*(v?\d\S*)$", re.IGNORECASE)
"""A line that is only a version, which belongs to the product the line before it names."""
_HEADING = re.compile(r"^(?:[\w ]+:|[=-]+)$")
"""A line that only heads the lines below it ("Engine:") or underlines a heading ("=====")."""


def _match_lines(catalogue: Catalogue, text: str, kind: str | None) -> Match:
    """A tool's whole output pasted into one cell (`java -version`, `nginx -V`, `lsb_release
    -a`, `/etc/os-release`): the line naming a Java build's vendor, else the first line that
    names a product at a release, else the first that names a product."""
    together = joined(text)
    if "\n" not in together.strip():
        return replace(_match_cached(catalogue, together, kind), text=text)
    lines = [line.strip() for line in together.splitlines() if line.strip()]
    vendor = [line for line in lines if _VENDOR_LINE.search(line)]
    ordered = vendor + _joined_versions(lines) + lines
    first: Match | None = None
    first_line = ""
    for line in ordered:
        found = _match_cached(catalogue, line, kind)
        if found.matched:
            return replace(found, text=text)
        if first is None and found.product is not None:
            first, first_line = found, line
    if first is None:
        return Match(text, note="product not in the catalogue")
    if first_line not in lines:  # a product and its version joined from two lines
        return replace(first, text=text)
    paired = _name_then_version(catalogue, lines, first_line, first, kind)
    if paired is not None:
        return replace(paired, text=text)
    # A product named on one line and its version on the lines after it (`dotnet --info`'s
    # "Microsoft .NET Core Shared Framework Host" then "Version  : 2.0.0").
    following = " ".join(lines[lines.index(first_line) :])
    found = _match_cached(catalogue, following, kind)
    if found.matched and found.product is first.product:
        return replace(found, text=text)
    return replace(first, text=text)


def _name_then_version(
    catalogue: Catalogue, lines: list[str], line: str, named: Match, kind: str | None
) -> Match | None:
    """A listing that names the product on one line and its version on the next (WebSphere's
    `versionInfo`, `dspmqver`, `rpm -qi`: "Name  IBM MQ" then "Version:  9.2.0.1"): the two
    lines read as one, when together they name that product at a release."""
    at = lines.index(line)
    if at + 1 == len(lines) or not _DIGIT.search(lines[at + 1]):
        return None
    joined = _match_cached(catalogue, f"{line} {lines[at + 1]}", kind)
    return joined if joined.matched and joined.product is named.product else None


def _joined_versions(lines: list[str]) -> list[str]:
    """A product named on one line and its version on a later one, read as one line: `tmsh
    show sys version`'s "Product BIG-IP" then "Version 12.1.2"; `docker version`'s "Server:
    Docker Engine - Community", "Engine:", "Version: 23.0.1"; `gitlab:env:info`'s "GitLab
    information", "=====", "Version: 13.12.4". They are tried before the lines of other parts
    ("Go version: go1.19.5")."""
    joined: list[str] = []
    for index, line in enumerate(lines):
        version = _VERSION_LINE.match(line)
        if version is None:
            continue
        before = index - 1
        while before > 0 and _HEADING.match(lines[before]):
            before -= 1
        if before >= 0 and not _VERSION_LINE.match(lines[before]):
            joined.append(f"{lines[before]} {version[1]}")
    return joined


@cache
def _match_cached(catalogue: Catalogue, text: str, kind: str | None = None) -> Match:
    if "\n" in text.strip():
        return _match_lines(catalogue, text, kind)
    version, alternatives = readings(text)
    if alternatives:
        return _across(catalogue, text, version, alternatives, kind)
    return _match_named(catalogue, text, kind)


@cache
def _match_named(catalogue: Catalogue, text: str, kind: str | None) -> Match:
    """One line of text matched by the product names it holds and the version after them."""
    normal, outside = read(text)
    best = _best_product(catalogue, outside, kind)
    if best is None and outside != normal:
        best = _best_product(catalogue, normal, kind)
    if best is None:
        return Match(text, note="product not in the catalogue")
    product, found = best
    if product.evergreen:
        return Match(text, product, note="continuously updated service")
    if outside != normal:
        found = product.name_match(normal) or found
        source = normal if found.string is normal else outside
    else:
        source = normal
    # A version follows its product's name ("Linux Kernel 3.10.0 on Red Hat Enterprise Linux
    # Server release 7.9" is RHEL 7); only a name with no version after it takes the words
    # before it ("java-1.8.0-openjdk", "Ver 15.1 Distrib 10.3.39-MariaDB").
    after = source[found.end() :]
    skip = found[0] not in VENDOR_NAMES
    wanted = _version_tokens(product, after.strip(), skip) if _DIGIT.search(after) else []
    if not wanted:
        wanted = _version_tokens(product, f"{source[: found.start()]} {after}".strip(), skip)
    if not wanted:
        return Match(
            text, product, note=f"no version given, so the {product.title} release is unknown"
        )
    return _release(text, product, wanted)


def _across(
    catalogue: Catalogue, text: str, version: str, alternatives: tuple[str, ...], kind: str | None
) -> Match:
    """A text that names several releases at once (a bare Windows NT build is desktop Windows
    or Windows Server; "CentOS 4/5/6/7" four releases): each reading that names a release is a
    candidate, and of several the one whose security support ends first is assumed, as for a
    version several releases of one product share."""
    found = [m for m in (_match_named(catalogue, r, kind) for r in alternatives) if m.cycle]
    if not found:
        return Match(text, note="product not in the catalogue")
    if len(found) == 1:
        return replace(found[0], text=text)
    chosen = min(found, key=lambda m: _security_first(m.cycle) if m.cycle else _LAST)
    assert chosen.product is not None and chosen.cycle is not None
    also = [(chosen.note or "").partition("(also ")[2].rstrip(")")]
    others = ", ".join([*filter(None, also), *(m.release for m in found if m is not chosen)])
    note = (
        f"{AMBIGUOUS}version {version} could be several releases; assumed "
        f"{chosen.release} (also {others})"
    )
    return Match(text, chosen.product, chosen.cycle, note)


_LAST = (dt.date.max, dt.date.max, "")


def _release(text: str, product: Product, wanted: list[str]) -> Match:
    """The release of `product` the version tokens name: the one they name exactly, the only
    one they begin, or (several) the cautious reading of them; else why none is known."""
    for alias, names in product.aliases:
        if tuple(wanted[: len(alias)]) == alias:
            named = [c for c in product.cycles if c.cycle in names]
            if len(named) == 1:
                return Match(text, product, named[0])
            if named:
                return _ambiguous(text, product, list(alias), named)
    asked = tuple(wanted)
    keyed = [(c, _cycle_tokens(c.cycle)) for c in product.cycles]
    exact = [(c, key) for c, key in keyed if asked[: len(key)] == key]
    broader = [c for c, key in keyed if key[: len(asked)] == asked]
    if exact:
        cycle, key = max(exact, key=lambda pair: len(pair[1]))
        if len(key) == len(asked) or not broader:
            return Match(text, product, cycle)
    if len(broader) == 1:
        return Match(text, product, broader[0])
    if broader:
        return _ambiguous(text, product, wanted, broader)
    # A listing's words after a bare version ("redis  5 [d]  common [d]  Redis persistent
    # key-value database", `dnf module list`): the version is the numbers before them.
    numbers = list(takewhile(str.isdigit, wanted))
    if 0 < len(numbers) < len(wanted):
        return _release(text, product, numbers)
    known = ", ".join(c.cycle for c in product.cycles)
    return Match(
        text,
        product,
        note=f"version {' '.join(wanted)!r} is not a known {product.title} release "
        f"(known: {known})",
    )


def _security_first(cycle: Cycle) -> tuple[dt.date, dt.date, str]:
    """Orders releases by when their security support ends (ended without a date first, no
    end announced last), then by their last day of any support."""
    if cycle.security_end is not None:
        security = cycle.security_end
    else:
        security = dt.date.min if cycle.security_ended else dt.date.max
    return security, cycle.last_supported or cycle.support_end or dt.date.max, cycle.cycle


def _ambiguous(text: str, product: Product, wanted: list[str], candidates: list[Cycle]) -> Match:
    """A version several releases share: the one whose security support ends first is assumed
    (the cautious reading), and the note names it and the others, in the same words for every
    product."""
    cycle = min(candidates, key=_security_first)
    others = ", ".join(sorted(c.cycle for c in candidates if c is not cycle))
    note = f"{AMBIGUOUS}version {' '.join(wanted)} could be several releases; assumed {cycle.label}"
    return Match(text, product, cycle, note + (f" (also {others})" if others else ""))
