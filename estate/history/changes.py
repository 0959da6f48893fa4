"""What changed in the estate between the end of one period and the latest: systems new and
removed, band moves with the criteria that moved them, components upgraded, replaced or gone
out of support, plans newly funded, dependencies added and removed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, NamedTuple

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from estate import models
from estate.catalogue import Catalogue
from estate.catalogue.endoflife import load_catalogue
from estate.dates import shown_date
from estate.db import plain
from estate.errors import InputError, NotFound
from estate.history.packed import packed_rows, unpacked_rows
from estate.history.reconstruct import estate_at
from estate.history.scores import METHOD_NOTE, policy_at
from estate.history.stored import known_period, stored_periods
from estate.history.trend import RankedOutcomes, keep_parts, kept_part, period_fingerprint
from estate.models import SYSTEM_FIELDS
from estate.perf import collector_paused
from estate.portfolio import support_phase
from estate.progress import Progress
from estate.scoring import EstateScores, score_estate, score_facts, score_system
from estate.scoring.facts import load_facts, read_facts
from estate.scoring.legacy import IMPACT, LIKELIHOOD
from estate.scoring.policy import Policy
from estate.scoring.readiness import blocks_move
from estate.scoring.results import Band, LegacyRisk, SystemScore
from estate.stages import is_gone
from estate.words import PAID_EXTENDED


class ChangeKind(StrEnum):
    """The kinds of change `estate changes` reports, in the order it lists them."""

    NEW_SYSTEM = "new system"
    REMOVED_SYSTEM = "removed system"
    RETIRED = "retired or cancelled"
    STATUS_CHANGED = "lifecycle status changed"
    COST_CHANGED = "run cost changed"
    OWNER_CHANGED = "owner changed"
    HOSTING_CHANGED = "hosting changed"
    DATE_CHANGED = "date changed"
    FIELD_CHANGED = "other field changed"
    BAND_MOVED = "band moved"
    COMPONENT_UPGRADED = "component upgraded"
    COMPONENT_REPLACED = "component replaced"
    COMPONENT_ADDED = "component added"
    COMPONENT_REMOVED = "component removed"
    ENTERED_EXTENDED = "entered paid extended support"
    OUT_OF_SUPPORT = "gone out of support"
    PLAN_FUNDED = "plan newly funded"
    DEPENDENCY_ADDED = "dependency added"
    DEPENDENCY_REMOVED = "dependency removed"


_ORDER = {kind: n for n, kind in enumerate(ChangeKind)}

_FIELD_KINDS: dict[str, ChangeKind] = {
    "lifecycle_status": ChangeKind.STATUS_CHANGED,
    "annual_run_cost": ChangeKind.COST_CHANGED,
    "business_owner": ChangeKind.OWNER_CHANGED,
    "technical_owner": ChangeKind.OWNER_CHANGED,
    "hosting": ChangeKind.HOSTING_CHANGED,
    "cloud_provider": ChangeKind.HOSTING_CHANGED,
    "contract_end": ChangeKind.DATE_CHANGED,
    "target_date": ChangeKind.DATE_CHANGED,
    "last_pen_test": ChangeKind.DATE_CHANGED,
    "assessed_on": ChangeKind.DATE_CHANGED,
}
"""The kind of change each stored field's change is; every other field (but the plan's
funding, a kind of its own) is an "other field changed"."""

_NOT_FIELDS = frozenset({"plan_funded"})

GROUPED = frozenset({ChangeKind.OUT_OF_SUPPORT, ChangeKind.ENTERED_EXTENDED, ChangeKind.BAND_MOVED})
"""Kinds of change that one cause outside the returns (a catalogue date passing, a release
entering paid extended support) makes to many systems at once: listed as one line a cause."""


@dataclass(frozen=True)
class Change:
    """One change to one system."""

    kind: ChangeKind
    key: str
    name: str
    department: str
    before: str = ""
    after: str = ""
    criteria: tuple[str, ...] = ()
    """For a band move: each criterion that moved, as `L1 6 -> 1`."""


@dataclass(frozen=True)
class ChangeLine:
    """One line of the changes as people read them: one change, or one change many systems
    share (the same kind, from and to), with how many and which."""

    change: Change
    keys: tuple[str, ...]

    @property
    def count(self) -> int:
        """How many systems the line stands for."""
        return len(self.keys)

    def systems(self, shown: int = 10) -> str:
        """The line's system, or the first `shown` of its systems and how many more."""
        more = len(self.keys) - shown
        return ", ".join(self.keys[:shown]) + (f" and {more:,} more" if more > 0 else "")


def grouped(changes: list[Change]) -> list[ChangeLine]:
    """The changes as lines: those of a kind one outside cause makes to many systems (GROUPED)
    and alike in what they were and are, one line with their count; changes to one of the
    other fields (scores, counts, hardware age) one line a field; the rest one line each."""
    lines: list[ChangeLine] = []
    groups: dict[tuple[object, ...], list[Change]] = {}
    for change in changes:
        if change.kind in GROUPED:
            groups.setdefault(
                (change.kind, change.before, change.after, change.criteria), []
            ).append(change)
        elif change.kind is ChangeKind.FIELD_CHANGED:  # scores, counts, ages: one line a field
            groups.setdefault((change.kind, change.before.split(":")[0]), []).append(change)
        else:
            lines.append(ChangeLine(change, (change.key,)))
    for key, members in groups.items():
        first = members[0]
        if len(members) == 1:
            lines.append(ChangeLine(first, (first.key,)))
            continue
        departments = ", ".join(sorted({m.department for m in members}))
        was, now = first.before, first.after
        if first.kind is ChangeKind.FIELD_CHANGED:
            was, now = str(key[1]), "values changed: `estate changes --csv` lists each"
        shared = Change(
            first.kind, "", f"{len(members):,} systems", departments, was, now, first.criteria
        )
        lines.append(ChangeLine(shared, tuple(m.key for m in members)))
    lines.sort(
        key=lambda line: (
            _ORDER[line.change.kind],
            -line.count,
            line.change.department,
            line.change.key,
        )
    )
    return lines


@dataclass
class EstateChanges:
    """The changes from the end of `since` to the end of `until`, and how they were judged."""

    since: str
    until: str
    since_as_of: dt.date
    until_as_of: dt.date
    policy: str
    changes: list[Change] = field(default_factory=list)
    note: str = METHOD_NOTE

    def counts(self) -> dict[str, int]:
        """How many changes of each kind, every kind listed."""
        found = {kind.value: 0 for kind in ChangeKind}
        for change in self.changes:
            found[change.kind.value] += 1
        return found


Components = dict[str, set[tuple[str, str, str]]]
Edges = dict[str, set[tuple[str, str]]]


def _alike(scored: EstateScores | None, policy: Policy) -> EstateScores | None:
    """`scored` when it is what scoring under `policy` would give (the same policy values, as
    at the same day), else None."""
    return scored if scored is not None and scored.policy.scores_as(policy) else None


def estate_changes(
    engine: Engine,
    policy: Policy,
    *,
    since: str | None = None,
    department: str | None = None,
    until: str | None = None,
    progress: Progress | None = None,
    scored: EstateScores | None = None,
    ranked: RankedOutcomes | None = None,
) -> EstateChanges:
    """What changed from the end of `since` (default: the period before `until`) to the end
    of `until` (default: the latest period), for the whole estate or one department; both
    states scored with `policy`'s values, each as at its own period's end. `scored`, the
    estate as it stood at `until`'s end already scored (a board export's own scores), stands
    for the later state when it was scored alike, so only the earlier one is scored; else,
    for the latest period, `ranked` reads each system's band from the kept ranking as at its
    end, and only the systems whose band moved are scored (alone), for their criteria."""
    with engine.connect() as connection:
        held = stored_periods(connection)
        periods = [p for p in held if until is None or p <= until]
        if not periods:
            raise NotFound("The estate holds no returns yet, so nothing has changed.")
        until = periods[-1]
        latest = until == held[-1]
        if since is None:
            if len(periods) < 2:
                raise NotFound(no_earlier_period(until, first=len(held) > 1))
            since = periods[-2]
        since = known_period(connection, since, what="--since")
        if since > until:
            raise InputError(f"--since {since} is after the latest period with returns, {until}.")
        scored = _alike(scored, policy_at(policy, until))
    # The latest period is the stored estate itself, read without rebuilding it.
    bands = None
    if latest and scored is None and ranked is not None:
        rows = ranked(engine, policy_at(policy, until), None)
        bands = None if rows is None else {row[0]: (row[1], None) for row in rows}
    now = _past_state(engine, until, policy, progress, scored, live=latest, bands=bands)
    then = _past_state(engine, since, policy, progress)
    _criteria_of_moved(engine, policy_at(policy, until), then, now)
    result = EstateChanges(since, until, then.as_of, now.as_of, policy.name)
    result.changes = _compare(then, now, department.upper() if department else None, until)
    return result


def no_earlier_period(period: str, *, first: bool = False) -> str:
    """Why there are no changes to show into `period`: the only period, or the first."""
    if first:
        return f"{period} is the estate's first period with returns: nothing earlier to compare."
    return (
        f"The estate holds returns for one period only ({period}): nothing to compare it with yet."
    )


class _Criterion(NamedTuple):
    """A criterion's value, as a kept verdict holds it."""

    code: str
    value: int | None


@dataclass(frozen=True)
class _KeptLegacy:
    """A system's legacy band and criteria values, as kept for a period."""

    band: Band | None
    likelihood: tuple[_Criterion, ...]
    impact: tuple[_Criterion, ...]
    known: bool = True
    """Whether the criteria are known (else only the band, and the criteria are empty)."""


@dataclass(frozen=True)
class _KeptScore:
    """What the changes read of a system's scores in a period whose verdicts are kept: its
    stored row as it stood and the kept verdicts, in `SystemScore`'s terms."""

    key: str
    name: str
    department: str
    record: Any
    legacy: _KeptLegacy
    out_of_support: tuple[str, ...]


Scored = SystemScore | _KeptScore
"""A system's scores as the changes compare them: worked out, or kept."""


@dataclass
class _State:
    as_of: dt.date
    catalogue: Catalogue
    by_key: dict[str, Scored]
    components: Components
    edges: Edges
    statuses: dict[str, str]
    """Every stored system's lifecycle status, retired and cancelled ones included."""
    names: dict[str, tuple[str, str]]
    """Every stored system's (name, department code), retired and cancelled ones included."""
    phases: dict[str, dict[str, str]]
    """Per system, each component's support phase (`estate.words`) at the scores' date."""


def _past_state(
    engine: Engine,
    period: str,
    policy: Policy,
    progress: Progress | None,
    scored: EstateScores | None = None,
    *,
    live: bool = False,
    bands: Bands | None = None,
) -> _State:
    """The estate as it stood at the end of `period` (the stored estate itself when `live`,
    else its rebuilt copy), scored as at that period's end (or `scored`, those scores already
    in hand). The verdicts the changes compare (each system's band and criteria) are kept for
    the period, so that it is scored once: later, its stored rows are read back and the kept
    verdicts stand for its scores. `bands`, each system's band from the kept ranking (its
    criteria left to `_criteria_of_moved`), stand for the stored estate's verdicts when no
    verdicts are kept."""
    at = policy_at(policy, period)
    with engine.connect() as connection:
        fingerprint = period_fingerprint(connection, period, at)
        kept: Bands | None = unpacked_verdicts(kept_part(connection, period, fingerprint, VERDICTS))
        if live:
            kept = kept or bands
            state, worked_out = _read_state(connection, at, progress, scored, kept)
    if not live:
        past_engine = estate_at(engine, period)
        try:
            with past_engine.connect() as connection:
                state, worked_out = _read_state(connection, at, progress, scored, kept)
        finally:
            past_engine.dispose()
    if worked_out:
        verdicts = {key: _verdict(score) for key, score in state.by_key.items()}
        keep_parts(engine, period, fingerprint, {VERDICTS: packed_verdicts(verdicts)})
    return state


def _criteria_of_moved(engine: Engine, at: Policy, then: _State, now: _State) -> None:
    """Score alone, as at `at`, each system of the stored estate (`now`) whose band moved
    since `then` and whose criteria are not known (its band came from the kept ranking): a
    band move names the criteria that moved it."""
    unknown = [
        key
        for key, after in now.by_key.items()
        if isinstance(after, _KeptScore)
        and not after.legacy.known
        and key in then.by_key
        and then.by_key[key].legacy.band != after.legacy.band
    ]
    if not unknown:
        return
    with engine.connect() as connection:
        legacies = _legacies(connection, at, unknown)
    for key, legacy in legacies.items():
        kept = now.by_key[key]
        assert isinstance(kept, _KeptScore)
        now.by_key[key] = replace(
            kept,
            legacy=_KeptLegacy(
                legacy.band,
                tuple(_Criterion(c.code, c.value) for c in legacy.likelihood),
                tuple(_Criterion(c.code, c.value) for c in legacy.impact),
            ),
        )


ALONE = 64
"""Up to this many systems whose band moved are each scored alone (reading its own facts and
neighbours); more, and the estate's facts and graph are read once and those systems scored
from them."""


def _legacies(connection: Connection, at: Policy, keys: list[str]) -> dict[str, LegacyRisk]:
    """The legacy risk of each of `keys` in the stored estate, scored as at `at` exactly as
    `score_estate` scores it."""
    if len(keys) <= ALONE:
        return {key: score_system(connection, at, key, 0).legacy for key in keys}
    with collector_paused():
        facts, _graph = load_facts(connection, load_catalogue(connection))
        anchored = {f.key for f in facts if blocks_move(f, at)}
        by_key = {f.key: f for f in facts}
        return {key: score_facts(by_key[key], at, anchored).legacy for key in keys}


def _read_state(
    connection: Connection,
    at: Policy,
    progress: Progress | None,
    scored: EstateScores | None,
    kept: Bands | None,
) -> tuple[_State, bool]:
    """The estate in `connection` with its kept verdicts standing for its scores, or scored
    (or `scored`) when there are none of its systems; and whether it was scored."""
    if scored is None and kept is not None:
        found = _kept_state(connection, at.as_of, kept)
        if found is not None:
            return found, False
    return _state(connection, at, progress, scored), True


def _state(
    connection: Connection,
    policy: Policy,
    progress: Progress | None,
    scored: EstateScores | None = None,
) -> _State:
    scores = scored if scored is not None else score_estate(connection, policy, progress)
    as_of = scores.policy.as_of
    by_key: dict[str, Scored] = dict(scores.by_key())
    return _State(as_of, scores.catalogue, by_key, *_related(connection, as_of))


def _kept_state(connection: Connection, as_of: dt.date, kept: Bands) -> _State | None:
    """The estate in `connection` with `kept` verdicts standing for its scores as at `as_of`;
    None when they are not of the systems it holds."""
    catalogue = load_catalogue(connection)
    facts = list(read_facts(connection, catalogue).values())
    if len(facts) != len(kept) or any(f.key not in kept for f in facts):
        return None
    codes = (*(code for code, _name in LIKELIHOOD), *(code for code, _name in IMPACT))
    split = len(LIKELIHOOD)
    by_key: dict[str, Scored] = {}
    for f in facts:
        band, values = kept[f.key]
        criteria = () if values is None else tuple(map(_Criterion, codes, values))
        legacy = _KeptLegacy(
            None if band is None else Band(band),
            criteria[:split],
            criteria[split:],
            known=values is not None,
        )
        by_key[f.key] = _KeptScore(
            f.key,
            f.row.name,
            f.department,
            f.row,
            legacy,
            tuple(c.label for c in f.components if c.out_of_support(as_of)),
        )
    return _State(as_of, catalogue, by_key, *_related(connection, as_of))


VERDICTS = "verdicts"
"""The part of what is kept for a period (`estate.history.trend.keep_parts`) that holds each
system's verdicts, as the changes compare them."""

Verdicts = dict[str, tuple[str | None, tuple[int | None, ...]]]
"""Per system key: its legacy band (None when unknown) and its criteria's values, likelihood
then impact."""

Bands = Mapping[str, tuple[str | None, tuple[int | None, ...] | None]]
"""`Verdicts`, or only each system's band (its criteria None: from the kept ranking)."""

_ENCODE_VERDICTS = msgspec.msgpack.Encoder().encode
_DECODE_VERDICTS = msgspec.msgpack.Decoder(
    list[tuple[str, str | None, tuple[int | None, ...]]]
).decode


def _verdict(score: Scored) -> tuple[str | None, tuple[int | None, ...]]:
    legacy = score.legacy
    band = legacy.band.value if legacy.band else None
    return band, tuple(c.value for c in (*legacy.likelihood, *legacy.impact))


def packed_verdicts(verdicts: Verdicts) -> str:
    """A period's verdicts as kept: MessagePack, compressed, as text a JSON column holds."""
    rows = [(key, band, values) for key, (band, values) in verdicts.items()]
    return packed_rows(_ENCODE_VERDICTS, rows)


def unpacked_verdicts(text: object) -> Verdicts | None:
    """The verdicts `packed_verdicts` kept; None when there are none or they cannot be read
    (they are only a cache: the period is scored again)."""
    rows = unpacked_rows(_DECODE_VERDICTS, text)
    if rows is None:
        return None
    count = len(LIKELIHOOD) + len(IMPACT)
    if any(len(values) != count for _key, _band, values in rows):
        return None
    return {key: (band, values) for key, band, values in rows}


def _related(
    connection: Connection, as_of: dt.date
) -> tuple[
    Components, Edges, dict[str, str], dict[str, tuple[str, str]], dict[str, dict[str, str]]
]:
    system, org = models.table_of(models.System), models.table_of(models.Organisation)
    component, dependency = models.table_of(models.Component), models.table_of(models.Dependency)
    key = org.c.code + "/" + system.c.reference
    components: Components = defaultdict(set)
    phases: dict[str, dict[str, str]] = defaultdict(dict)
    catalogue = load_catalogue(connection)
    rows = connection.execute(
        sa.select(
            key,
            component.c.kind,
            component.c.product,
            component.c.version,
            plain(component.c.end_of_support),
        )
        .join(system, component.c.system_id == system.c.id)
        .join(org, system.c.organisation_id == org.c.id)
    )
    for owner, kind, product, version, end in rows:
        components[owner].add((str(kind), product, version))
        phases[owner][_text((str(kind), product, version))] = support_phase(
            catalogue, kind, product, version or "", end, as_of
        )
    edges: Edges = defaultdict(set)
    links = connection.execute(
        sa.select(key, dependency.c.to_org_code, dependency.c.to_reference, dependency.c.kind)
        .join(system, dependency.c.from_system_id == system.c.id)
        .join(org, system.c.organisation_id == org.c.id)
    )
    for owner, code, reference, kind in links:
        edges[owner].add((models.system_key(code, reference), str(kind)))
    statuses: dict[str, str] = {}
    names: dict[str, tuple[str, str]] = {}
    for owner, status, name, code in connection.execute(
        sa.select(key, system.c.lifecycle_status, system.c.name, org.c.code).join(
            org, system.c.organisation_id == org.c.id
        )
    ):
        statuses[owner] = str(status or "")
        names[owner] = (str(name), str(code))
    return components, edges, statuses, names, phases


def _compare(then: _State, now: _State, department: str | None, until: str) -> list[Change]:
    found: list[Change] = []
    keys = set(then.by_key) | set(now.by_key)
    for key in keys:
        before, after = then.by_key.get(key), now.by_key.get(key)
        either = after or before
        assert either is not None
        if department is not None and either.department.upper() != department:
            continue
        if before is None or after is None:
            kind = ChangeKind.NEW_SYSTEM if before is None else ChangeKind.REMOVED_SYSTEM
            band = either.legacy.band
            shown = band.value if band else "Unknown"
            before_said, after_said = ("", shown) if before is None else (shown, "")
            status = now.statuses.get(key, "")
            if after is None and is_gone(status):
                kind, after_said = ChangeKind.RETIRED, f"{status} by the end of {until}"
            found.append(
                Change(kind, either.key, either.name, either.department, before_said, after_said)
            )
            continue
        found.extend(_system_changes(before, after, then, now))
    found.extend(_arrived_gone(then, now, department, until))
    found.sort(key=lambda c: (c.department, c.key, _ORDER[c.kind], c.before, c.after))
    return found


def _arrived_gone(then: _State, now: _State, department: str | None, until: str) -> list[Change]:
    """Systems a return supplied for the first time already retired or cancelled: never
    scored, so in neither ranking, but a change to the estate's record all the same."""
    found: list[Change] = []
    for key, status in now.statuses.items():
        if key in then.statuses or not is_gone(status):
            continue
        name, code = now.names[key]
        if department is not None and code.upper() != department:
            continue
        said = f"{status} when first returned, by the end of {until}"
        found.append(Change(ChangeKind.RETIRED, key, name, code, "", said))
    return found


def _system_changes(before: Scored, after: Scored, then: _State, now: _State) -> list[Change]:
    found: list[Change] = _field_changes(before, after)
    old_band, new_band = before.legacy.band, after.legacy.band
    if old_band != new_band:
        moved = tuple(
            f"{a.code} {_value(a.value)} -> {_value(b.value)}"
            for a, b in zip(
                (*before.legacy.likelihood, *before.legacy.impact),
                (*after.legacy.likelihood, *after.legacy.impact),
                strict=True,
            )
            if a.value != b.value
        )
        found.append(
            Change(
                ChangeKind.BAND_MOVED,
                after.key,
                after.name,
                after.department,
                old_band.value if old_band else "Unknown",
                new_band.value if new_band else "Unknown",
                moved,
            )
        )
    found.extend(
        _component_changes(
            after, then.components[after.key], now.components[after.key], now.catalogue
        )
    )
    lapsed = sorted(set(after.out_of_support) - set(before.out_of_support))
    phases = now.phases.get(after.key, {})
    found.extend(
        Change(
            ChangeKind.ENTERED_EXTENDED
            if phases.get(text) == PAID_EXTENDED
            else ChangeKind.OUT_OF_SUPPORT,
            after.key,
            after.name,
            after.department,
            after=text,
        )
        for text in lapsed
        if text in _texts(then.components[after.key])
    )
    if after.record.plan_funded is True and before.record.plan_funded is not True:
        plan = after.record.remediation_plan or "a remediation plan"
        found.append(
            Change(ChangeKind.PLAN_FUNDED, after.key, after.name, after.department, after=plan)
        )
    old_edges, new_edges = then.edges[after.key], now.edges[after.key]
    for target, kind in sorted(new_edges - old_edges):
        found.append(
            Change(
                ChangeKind.DEPENDENCY_ADDED,
                after.key,
                after.name,
                after.department,
                after=f"{target} ({kind})",
            )
        )
    for target, kind in sorted(old_edges - new_edges):
        found.append(
            Change(
                ChangeKind.DEPENDENCY_REMOVED,
                after.key,
                after.name,
                after.department,
                before=f"{target} ({kind})",
            )
        )
    return found


def _field_changes(before: Scored, after: Scored) -> list[Change]:
    """Each stored field of the system that the later return changed, named by the
    template's column header, with what it was and is."""
    found: list[Change] = []
    for name in SYSTEM_FIELDS:
        if name in _NOT_FIELDS:
            continue
        old, new = getattr(before.record, name, None), getattr(after.record, name, None)
        if (old == new and type(old) is type(new)) or _said(name, old) == _said(name, new):
            continue  # equal values of one type are said alike: most fields, told at once
        header = _header(name)
        found.append(
            Change(
                _FIELD_KINDS.get(name, ChangeKind.FIELD_CHANGED),
                after.key,
                after.name,
                after.department,
                f"{header}: {_said(name, old)}",
                f"{header}: {_said(name, new)}",
            )
        )
    return found


def _header(name: str) -> str:
    # The import layer's template, read only when a change is described: a command that reads
    # the kept ranking never loads the importers.
    from importers.layout import SYSTEMS as SYSTEMS_SHEET

    try:
        return SYSTEMS_SHEET.column(name).header
    except StopIteration:
        return name.replace("_", " ").capitalize()


def _said(name: str, value: object) -> str:
    """A stored value as the changes print it: blank as "not given", money in whole pounds."""
    if value is None or value == "":
        return "not given"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if name == "annual_run_cost" and isinstance(value, int | float):
        return f"£{value:,.0f}"
    if isinstance(value, dt.date):
        return shown_date(value)
    return str(value)


def _value(value: int | None) -> str:
    return "?" if value is None else str(value)


def _text(item: tuple[str, str, str]) -> str:
    return f"{item[1]} {item[2]}".strip()


def _texts(items: set[tuple[str, str, str]]) -> set[str]:
    return {_text(item) for item in items}


def _component_changes(
    score: Scored,
    old: set[tuple[str, str, str]],
    new: set[tuple[str, str, str]],
    catalogue: Catalogue,
) -> list[Change]:
    """Components gone and come, paired by kind: the same product in another version is an
    upgrade (the same product as written, or as the catalogue places it: "Oracle 11gR2" and
    "Oracle Database 19c", "MS SQL 2014 SP3" and "SQL Server 2022"), another product a
    replacement; the rest were added or removed."""

    def product(item: tuple[str, str, str]) -> str | None:
        found = catalogue.match(item[1], item[2]).product
        return found.key if found is not None else None

    def same_product(one: tuple[str, str, str], other: tuple[str, str, str]) -> bool:
        if one[1].casefold() == other[1].casefold():
            return True
        key = product(one)
        return key is not None and key == product(other)

    gone: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    come: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for item in sorted(old - new):
        gone[item[0]].append(item)
    for item in sorted(new - old):
        come[item[0]].append(item)
    found: list[Change] = []

    def said(kind: ChangeKind, before: str = "", after: str = "") -> None:
        found.append(Change(kind, score.key, score.name, score.department, before, after))

    for kind in sorted(set(gone) | set(come)):
        olds, news = gone[kind], come[kind]
        for old_item in list(olds):
            twin = next((n for n in news if same_product(old_item, n)), None)
            if twin is None and len(olds) == 1 and len(news) == 1:
                said(ChangeKind.COMPONENT_REPLACED, _text(old_item), _text(news[0]))
                olds.remove(old_item)
                news.remove(news[0])
            elif twin is not None:
                said(ChangeKind.COMPONENT_UPGRADED, _text(old_item), _text(twin))
                olds.remove(old_item)
                news.remove(twin)
        for item in olds:
            said(ChangeKind.COMPONENT_REMOVED, before=_text(item))
        for item in news:
            said(ChangeKind.COMPONENT_ADDED, after=_text(item))
    return found
