"""How much technology the estate runs: each product line in use, its releases, how many
systems and departments run each, how many are out of support or on paid extended support,
and the candidates for consolidation (one product line in many releases, or several products
doing one job).

Read from the stored components and the lifecycle catalogue alone, without scoring: each
distinct component text is matched once, as scoring matches it, and its support dates are
the department's own date first, then the catalogue's."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from estate import models
from estate.catalogue import Catalogue
from estate.catalogue.endoflife import load_catalogue
from estate.db import as_date, plain
from estate.enums import ComponentKind
from estate.errors import NotFound
from estate.scoring.facts import ComponentFact
from estate.stages import in_service
from estate.words import NOT_KNOWN as NOT_KNOWN
from estate.words import OUT_OF_SUPPORT as OUT_OF_SUPPORT
from estate.words import PAID_EXTENDED, SUPPORT_PHASES, counted
from estate.words import SUPPORTED as SUPPORTED

EXTENDED = PAID_EXTENDED
STATUSES = SUPPORT_PHASES

MANY_RELEASES = 3
"""A product line in at least this many releases is a candidate to consolidate."""
MANY_PRODUCTS = 3
"""At least this many product lines of one kind (databases, operating systems...) doing one
job is a candidate to consolidate."""
NOT_IN_CATALOGUE = " (not in the catalogue)"
ONE_JOB = {
    ComponentKind.OS.value,
    ComponentKind.DATABASE.value,
    ComponentKind.RUNTIME.value,
    ComponentKind.MIDDLEWARE.value,
}
"""Kinds of technology whose products do one job, so that several of them in use is a
consolidation to consider (application packages each do a different job)."""


@dataclass
class Release:
    """One release of a product line in use, and the systems that run it."""

    product: str
    kind: str
    """The kind of technology (a `ComponentKind` value)."""
    release: str
    security_end: dt.date | None
    extended_end: dt.date | None
    systems: list[str] = field(default_factory=list)
    """The keys of the systems that run it, in key order."""
    departments: set[str] = field(default_factory=set)
    by_status: dict[str, set[str]] = field(default_factory=dict)
    """Support status at the as-of date (supported, paid extended support, out of support,
    not known) -> the systems in it: a department's own date can differ from the
    catalogue's."""

    def systems_in(self, status: str) -> int:
        """How many systems run this release in this support status."""
        return len(self.by_status.get(status, ()))

    @property
    def status(self) -> str:
        """The status most of its systems are in, the worst first on a tie."""
        return min(STATUSES, key=lambda s: (-self.systems_in(s), STATUSES.index(s)))


@dataclass
class ProductLine:
    """A product line in use, with its releases, newest support first."""

    product: str
    kind: str
    releases: list[Release] = field(default_factory=list)

    @property
    def systems(self) -> list[str]:
        """Every system running any release of it, in key order."""
        return sorted({key for r in self.releases for key in r.systems})

    @property
    def departments(self) -> set[str]:
        """Every department running any release of it."""
        return {d for r in self.releases for d in r.departments}

    def systems_in(self, status: str) -> int:
        """How many systems run a release of it in this support status."""
        return len({key for r in self.releases for key in r.by_status.get(status, ())})


@dataclass
class Candidate:
    """A consolidation to consider, in words, and what it concerns."""

    kind: str
    """"Many releases" or "Several products"."""
    subject: str
    detail: str
    systems: int
    departments: int


@dataclass
class Portfolio:
    """The product lines in use, the most widely run first, and the consolidation
    candidates."""

    as_of: dt.date
    products: list[ProductLine]
    candidates: list[Candidate]

    @property
    def components(self) -> int:
        """How many (system, release) pairs the portfolio counts."""
        return sum(len(r.systems) for p in self.products for r in p.releases)


def support_phase(
    catalogue: Catalogue, kind: object, product: str, version: str, end: object, as_of: dt.date
) -> str:
    """A stored component's support phase at `as_of`, as the portfolio counts it: its own
    end-of-support date first, then the catalogue's."""
    kind = ComponentKind(str(kind))
    match = None if kind is ComponentKind.HARDWARE else catalogue.match(product, version)
    return _status(ComponentFact(kind, product, version, as_date(end), match), as_of)


def _status(fact: ComponentFact, as_of: dt.date) -> str:
    security, last, _ = fact.support
    if security is None:
        return NOT_KNOWN
    if security >= as_of:
        return SUPPORTED
    if last is not None and last >= as_of:
        return EXTENDED
    return OUT_OF_SUPPORT


def check_departments(connection: Connection, departments: Iterable[str]) -> None:
    """Refuse a department code no organisation has, naming the known ones."""
    wanted = {d.upper() for d in departments}
    if not wanted:
        return
    organisation = models.table_of(models.Organisation)
    known = set(connection.execute(sa.select(organisation.c.code)).scalars())
    unknown = sorted(wanted - known)
    if unknown:
        raise NotFound(
            f"No department {unknown[0]!r}. Known departments: {', '.join(sorted(known))}."
        )


def read_portfolio(
    connection: Connection,
    as_of: dt.date,
    departments: Iterable[str] = (),
    systems: set[str] | None = None,
) -> Portfolio:
    """The technology portfolio of the stored estate, or of `departments` only (codes), or of
    the `systems` named only (keys)."""
    catalogue = load_catalogue(connection)
    component = models.table_of(models.Component)
    system = models.table_of(models.System)
    organisation = models.table_of(models.Organisation)
    query = (
        sa.select(
            organisation.c.code,
            system.c.reference,
            plain(component.c.kind),
            component.c.product,
            component.c.version,
            plain(component.c.end_of_support),
        )
        .join(system, system.c.id == component.c.system_id)
        .join(organisation, organisation.c.id == system.c.organisation_id)
        .where(in_service(system))
    )
    wanted = sorted({d.upper() for d in departments})
    if wanted:
        query = query.where(organisation.c.code.in_(wanted))
    # Each distinct component text is matched once, as scoring matches it; what it comes to
    # (its release and the set of systems in its support status) is kept for the next row
    # with the same text, so each of 200,000 rows at 50,000 systems costs a look-up.
    seen: dict[tuple[str, str, str, object], tuple[Release, set[str]]] = {}
    releases: dict[tuple[str, str], Release] = {}
    kinds = {member.value: member for member in ComponentKind}
    for code, reference, kind_text, product, version, end in connection.execute(query):
        key = f"{code}/{reference}"  # models.system_key, inline for 200,000 rows
        if systems is not None and key not in systems:
            continue
        found = seen.get((kind_text, product, version, end))
        if found is None:
            found = seen[kind_text, product, version, end] = _release_of(
                catalogue, releases, kinds[kind_text], product, version, end, as_of
            )
        entry, in_status = found
        entry.systems.append(key)
        entry.departments.add(code)
        in_status.add(key)
    return _portfolio(as_of, releases.values())


def _release_of(
    catalogue: Catalogue,
    releases: dict[tuple[str, str], Release],
    kind: ComponentKind,
    product: str,
    version: str,
    end: object,
    as_of: dt.date,
) -> tuple[Release, set[str]]:
    """The release a component text is (added to `releases` when first met), and the set of
    its systems in that text's support status at `as_of`."""
    match = None if kind is ComponentKind.HARDWARE else catalogue.match(product, version)
    fact = ComponentFact(kind, product, version or "", as_date(end), match)
    if match is not None and match.product is not None:
        line = match.product.title
        release = release_line(match.release) if match.cycle else (version or line)
    else:
        line = product + ("" if kind is ComponentKind.HARDWARE else NOT_IN_CATALOGUE)
        release = version or "version not given"
    cycle = fact.match.cycle if fact.match is not None else None
    security = cycle.security_end if cycle is not None else fact.support[0]
    extended = cycle.extended_end if cycle is not None else None
    entry = releases.get((line, release))
    if entry is None:
        entry = releases[line, release] = Release(line, kind.value, release, security, extended)
    else:  # service packs of one release: the line's dates are its latest service pack's
        entry.security_end = _later(entry.security_end, security)
        entry.extended_end = _later(entry.extended_end, extended)
    return entry, entry.by_status.setdefault(_status(fact, as_of), set())


_SERVICE_PACK = re.compile(r"\s+(?:SP|Service Pack)\s*\d+$", re.IGNORECASE)


def release_line(release: str) -> str:
    """The release a service pack belongs to ("Windows Server 2008 R2 SP1" is a release of
    "Windows Server 2008 R2"), so the portfolio counts a line's service packs as one release;
    each system's support status is still its own service pack's."""
    return _SERVICE_PACK.sub("", release)


def _later(one: dt.date | None, other: dt.date | None) -> dt.date | None:
    return max((d for d in (one, other) if d is not None), default=None)


def _portfolio(as_of: dt.date, releases: Iterable[Release]) -> Portfolio:
    lines: dict[str, ProductLine] = {}
    for release in releases:
        release.systems = sorted(set(release.systems))
        line = lines.get(release.product)
        if line is None:
            line = lines[release.product] = ProductLine(release.product, release.kind)
        line.releases.append(release)
    for line in lines.values():  # the releases out of support soonest first
        line.releases.sort(
            key=lambda r: (r.security_end is None, r.security_end or dt.date.min, r.release)
        )
    products = sorted(lines.values(), key=lambda p: (-len(p.systems), p.product))
    return Portfolio(as_of, products, _candidates(products))


def _candidates(products: list[ProductLine]) -> list[Candidate]:
    """Product lines in many releases, and kinds of technology with several products."""
    found: list[Candidate] = []
    for line in products:
        releases = {r.release for r in line.releases}
        if len(releases) >= MANY_RELEASES and not line.product.endswith(NOT_IN_CATALOGUE):
            old = line.systems_in(OUT_OF_SUPPORT) + line.systems_in(EXTENDED)
            found.append(
                Candidate(
                    "Many releases",
                    line.product,
                    f"{len(releases)} releases of {line.product} across "
                    f"{counted(len(line.departments), 'department')} ({counted(old, 'system')} "
                    "on releases out of support or on paid extended support): consolidate onto "
                    "one supported release",
                    len(line.systems),
                    len(line.departments),
                )
            )
    by_kind: dict[str, list[ProductLine]] = {}
    for line in products:
        if line.kind in ONE_JOB:
            by_kind.setdefault(line.kind, []).append(line)
    for kind, lines in sorted(by_kind.items()):
        known = [p for p in lines if not p.product.endswith(NOT_IN_CATALOGUE)]
        if len(known) >= MANY_PRODUCTS:
            systems = {key for p in known for key in p.systems}
            departments = {d for p in known for d in p.departments}
            names = ", ".join(p.product for p in known)
            found.append(
                Candidate(
                    "Several products",
                    kind,
                    f"{len(known)} {kind.lower()} products doing one job ({names}): "
                    "standardise on fewer",
                    len(systems),
                    len(departments),
                )
            )
    found.sort(key=lambda c: (-c.systems, c.subject))
    return found
