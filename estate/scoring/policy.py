"""The scoring policy: the default shipped with estate, optionally overridden by a user's TOML
file that changes only what it names. The default doubles as the schema: an unknown key or a
value of the wrong type is refused with the key's full name."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar, cast

from estate.errors import InputError
from estate.files import load_toml

Bands = list[tuple[float, int]]
DEFAULT_SOURCE = "built-in default"
T = TypeVar("T")


@cache
def default_text() -> str:
    """The default policy file's text, comments and all."""
    return resources.files(__package__).joinpath("default_policy.toml").read_text("utf-8")


def _merge(base: dict[str, Any], override: dict[str, Any], path: str, where: str) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        name = f"{path}{key}"
        if key not in base:
            raise InputError(f"{where}: unknown policy key {name!r}.")
        expected = base[key]
        if isinstance(expected, dict):
            if not isinstance(value, dict):
                raise InputError(f"{where}: {name!r} must be a table.")
            merged[key] = _merge(expected, value, f"{name}.", where)
            continue
        if isinstance(expected, bool) or isinstance(value, bool):
            ok = isinstance(value, bool) and isinstance(expected, bool)
        elif isinstance(expected, int | float):
            ok = isinstance(value, int | float)
        else:
            ok = isinstance(value, type(expected))
        if not ok:
            raise InputError(f"{where}: {name!r} must be {type(expected).__name__}, not {value!r}.")
        merged[key] = value
    return merged


@dataclass(frozen=True)
class Policy:
    """The policy in force: its values, where they came from, and the as-of date."""

    data: dict[str, Any]
    source: str
    as_of: dt.date
    _memo: dict[tuple[str, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def name(self) -> str:
        """The policy as it was applied, as `rank --json` and exports name it: its name and
        version, and where a file changed the default, that file and a digest of the values in
        force, so two rankings under different policies never claim the same one."""
        named = f"{self.data['name']} {self.data['version']}"
        if self.source == DEFAULT_SOURCE:
            return named
        text = json.dumps(self.data, sort_keys=True, default=str)
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        return f"{named} with {Path(self.source).name} over the default ({digest})"

    def section(self, *path: str) -> dict[str, Any]:
        """A table of the policy, e.g. section("legacy", "l1")."""
        found = self._memo.get(path)
        if found is None:
            node: Any = self.data
            for key in path:
                node = node[key]
            assert isinstance(node, dict)
            found = self._memo[path] = node
        return found

    def bands(self, *path: str) -> Bands:
        """A band list of the policy as (threshold, score) pairs, e.g. bands("legacy", "l3",
        "staff_at_most")."""
        key = ("bands", *path)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = bands(self.section(*path[:-1])[path[-1]])
        return found

    def scores_as(self, other: Policy) -> bool:
        """Whether scoring under this policy gives what scoring under `other` does: the same
        values, as at the same day."""
        return self.as_of == other.as_of and self.data == other.data

    def memo(self, name: str, make: Callable[[Policy], T]) -> T:
        """What `make` works out from this policy (its values and date), made on first use and
        kept with it: a scorer's look-ups, built once for every system scored under it.

        `make` is given a weak reference to the policy, so what it makes does not hold the
        policy in a cycle: scoring moves what it made out of the collector's sight
        (`collector_paused`), where a cycle is never freed, so a process that scores again
        and again (the terminal UI) would keep every policy's look-ups and all they hold."""
        key = ("memo", name)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = make(cast(Policy, weakref.proxy(self)))
        return cast(T, found)

    def names(self, *path: str) -> frozenset[str]:
        """A list of names in the policy as a set, e.g. names("readiness", "mainframe_products")."""
        key = ("names", *path)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = frozenset(self.section(*path[:-1])[path[-1]])
        return found


def bands(rows: list[list[float]]) -> Bands:
    """A band list as (threshold, score) pairs."""
    return [(float(threshold), int(score)) for threshold, score in rows]


def at_least(value: float, rows: Bands, otherwise: int) -> int:
    """The score of the first band whose threshold `value` reaches."""
    for threshold, score in rows:
        if value >= threshold:
            return score
    return otherwise


def at_most(value: float, rows: Bands, otherwise: int) -> int:
    """The score of the first band whose threshold `value` does not exceed."""
    for threshold, score in rows:
        if value <= threshold:
            return score
    return otherwise


EARLIEST_AS_OF = dt.date(1900, 1, 1)
"""The earliest as-of date scored: the scores count support windows, penetration tests and
hardware ages back from it, which the calendar cannot hold for dates near its start."""


def load_policy(path: Path | None = None, *, as_of: dt.date | None = None) -> Policy:
    """The default policy, overridden by the file at `path`; `as_of` overrides both."""
    data = tomllib.loads(default_text())
    source = DEFAULT_SOURCE
    if path is not None:
        override = load_toml(path, "policy")
        data = _merge(data, override, "", str(path))
        source = str(path)
    given = "--as-of"
    if as_of is None:
        text = str(data.get("as_of") or "")
        given = f"{source}: as_of"
        try:
            as_of = dt.date.fromisoformat(text) if text else dt.date.today()
        except ValueError:
            raise InputError(f"{given} {text!r} is not a date (YYYY-MM-DD).") from None
    if as_of < EARLIEST_AS_OF:
        raise InputError(
            f"{given} {as_of.isoformat()} is before {EARLIEST_AS_OF.isoformat()}: scoring counts "
            "months and years back from the as-of date. Give a later date."
        )
    weights = data["priority"]["weights"]
    if sum(weights.values()) <= 0 or any(w < 0 for w in weights.values()):
        raise InputError(f"{source}: priority weights must be zero or more and not all zero.")
    legacy = data["legacy"]
    if not legacy["medium_from"] <= legacy["high_from"] <= legacy["red_from"]:
        raise InputError(f"{source}: legacy bands must rise: medium_from <= high_from <= red_from.")
    return Policy(data, source, as_of)
