"""Dependencies in the shapes departments keep them, and which way each one points.

estate stores "system A depends on system B". Departments write that as consumer / provider,
downstream / upstream, system / depends on, source / target, from / to, or as a CMDB
relationship extract: parent, type, child, with types such as "Depends on::Used by". This module
holds the extra columns those shapes have, and reads a relationship type into a direction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from estate.enums import DependencyKind, normalise
from importers.problems import CellError


@dataclass(frozen=True)
class ExtraColumn:
    """A column a sheet may have beyond its layout's fields, and the mapping name for it."""

    target: str
    header: str
    aliases: tuple[str, ...]


PARENT = ExtraColumn(
    "parent",
    "Parent",
    (
        "parent",
        "parent ci",
        "parent name",
        "parent system",
        "parent application",
        "name of ci1",
        "ci1",
        "ci 1",
        "ci1 name",
        "source ci",
    ),
)
CHILD = ExtraColumn(
    "child",
    "Child",
    (
        "child",
        "child ci",
        "child name",
        "child system",
        "child application",
        "name of ci2",
        "ci2",
        "ci 2",
        "ci2 name",
        "target ci",
    ),
)
RELATIONSHIP = ExtraColumn(
    "relationship",
    "Relationship type",
    ("relationship", "relationship type", "rel type", "relation", "relation type"),
)
DEPENDENCY_COLUMNS = (PARENT, CHILD, RELATIONSHIP)
"""The CMDB relationship shape: parent, type, child."""

DEPENDS_ON = ExtraColumn(
    "depends_on",
    "Depends on (systems)",
    (
        "depends on",
        "depends on systems",
        "dependencies",
        "upstream systems",
        "upstream dependencies",
        "relies on",
        "systems it depends on",
    ),
)
USED_BY = ExtraColumn(
    "used_by",
    "Used by (systems)",
    ("used by", "used by systems", "dependent systems", "downstream systems", "consumers"),
)
SYSTEM_LINK_COLUMNS = (DEPENDS_ON, USED_BY)
"""A systems sheet's columns listing the systems each one depends on, or that depend on it."""

_LIST_SEPARATORS = re.compile(r"\s*[;,\n]\s*")


def split_systems(text: str) -> list[str]:
    """The systems one cell lists ("Ledger; Claims", one per line, or with commas)."""
    return [piece for piece in _LIST_SEPARATORS.split(text) if piece.strip()]


CONSUMER_ALIASES = (
    "consumer",
    "consumer system",
    "consuming system",
    "consumer application",
    "downstream",
    "downstream system",
    "downstream application",
    "dependent system",
    "source",
    "source system",
    "source application",
    "from",
    "from system",
    "from application",
    "system",
    "application",
    "system name",
    "application name",
)
"""Headers for the end that depends on the other (see README for the direction rules)."""
PROVIDER_ALIASES = (
    "provider",
    "provider system",
    "providing system",
    "provider application",
    "upstream",
    "upstream application",
    "target",
    "target application",
    "to",
    "to system",
    "to application",
    "depends on system",
    "depends on application",
    "dependency",
)
"""Headers for the end depended on."""
GUESSED_DIRECTION = frozenset(
    normalise(h)
    for h in ("from", "from system", "from application", "to", "to system", "to application")
)
"""Headers whose direction is a guess: a from / to list may mean data flow or dependency."""

# The first half of a CMDB relationship type says what the parent does to the child.
_PARENT_DEPENDS = (
    "depends on",
    "uses",
    "runs on",
    "hosted on",
    "is hosted on",
    "receives data from",
    "consumes",
    "calls",
    "connects to",
    "reads from",
    "virtualized by",
    "virtualised by",
    "authenticates with",
    "authenticated by",
    "member of",
    "located in",
    "connected",
    "connected to",
    "installed on",
    "runs in",
    "hosted by",
    "part of",
)
_CHILD_DEPENDS = (
    "used by",
    "runs",
    "hosts",
    "sends data to",
    "provides",
    "provides data to",
    "feeds",
    "consumed by",
    "called by",
    "depended on by",
    "supports",
    "serves",
    "writes to",
    "contains",
    "virtualizes",
    "virtualises",
    "authenticates",
    "hosting",
    "has installed",
)
RELATIONSHIP_TYPES: dict[str, bool] = {
    **{normalise(t): True for t in _PARENT_DEPENDS},
    **{normalise(t): False for t in _CHILD_DEPENDS},
}
"""Normalised first half of a relationship type -> does the parent depend on the child?"""


def parent_depends_on_child(text: str) -> bool:
    """Whether a CMDB relationship type ("Depends on::Used by", "Sends data to::Receives data
    from", or one half alone) makes the parent the dependent end; `CellError` if unknown."""
    first = text.split("::", 1)[0]
    found = RELATIONSHIP_TYPES.get(normalise(first))
    if found is None:
        raise CellError(
            f"relationship type {text!r} is not one estate reads",
            expected="a CMDB relationship type such as 'Depends on::Used by', 'Runs on::Runs', "
            "'Sends data to::Receives data from' or 'Uses::Used by'",
        )
    return found


_KIND_WORDS: dict[str, DependencyKind] = {
    normalise(t): kind
    for kind, words in (
        (
            DependencyKind.IDENTITY,
            ("authenticates with", "authenticated by", "authenticates", "authenticated with"),
        ),
        (DependencyKind.SHARED_DATABASE, ("reads from", "writes to", "stores data in")),
    )
    for t in words
}
"""Relationship types (first half, folded) that say how one system depends on the other."""


def relationship_kind(text: str) -> DependencyKind:
    """The dependency type a CMDB relationship type names where it names one ("Authenticates
    with::Authenticates" is identity, "Reads from::Read by" a shared database), else API, the
    type estate assumes for a dependency of unknown mechanism ("Sends data to" says what
    flows, not how: a file, a message or a call)."""
    first = text.split("::", 1)[0]
    return _KIND_WORDS.get(normalise(first), DependencyKind.API)
