"""Whether the estate is getting better: per reporting period, how many systems, legacy and
red-rated systems, the run cost on legacy systems, the share of red-rated systems with a funded
plan, the share ready for cloud and the open security gaps.

Each period's figures are kept with a fingerprint of what they were worked out from (the
returns for that period and before, the lifecycle data, the policy, the as-of date and the
version of estate); a later period's import never changes an earlier period's state, so only
the periods whose fingerprint moved are scored again."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

import estate
from estate import models
from estate.catalogue import builtin
from estate.catalogue.endoflife import load_catalogue
from estate.db import is_permission_denied
from estate.errors import NotFound
from estate.history.packed import packed_rows, unpacked_rows
from estate.history.scores import METHOD_NOTE, policy_at
from estate.history.stored import first_periods, stored_periods
from estate.history.tables import TREND_FIGURES
from estate.history.timeline import read_timeline, stored_systems
from estate.history.trend_moves import Moves, Standing, period_moves
from estate.perf import collector_paused
from estate.progress import Progress
from estate.scoring import EstateScores
from estate.scoring.outcomes import Outcome, OutcomeMemo, period_outcomes
from estate.scoring.policy import Policy
from estate.scoring.results import Band, Readiness
from estate.sustainability.trend import carbon_by_department

BATCH = models.table_of(models.ImportBatch)
MOVES_VERSION = "moves-3"
"""Figures kept before they carried their moves, before the outcomes by system were kept
with them, or before a department with returns for both periods always counted as continuing,
are worked out again."""
CYCLE = models.table_of(models.LifecycleCycle)
WHOLE_ESTATE = ""
"""The key of the whole estate's figures among the departments'."""
Outcomes = dict[str, Outcome]
"""One period's counted outcomes, by system key."""


@dataclass(frozen=True)
class TrendFigures:
    """One period's figures for the estate or one department."""

    systems: int = 0
    legacy: int = 0
    red_rated: int = 0
    legacy_run_cost: float = 0.0
    """The annual run cost of legacy systems whose returns give one."""
    legacy_costs_not_known: int = 0
    """Legacy systems whose run cost no return gives (left out of the sum, never zero)."""
    red_rated_funded: int = 0
    """Red-rated systems with a funded remediation plan."""
    ready_for_cloud: int = 0
    """Systems assessed Ready for public cloud (not counting Ready with conditions)."""
    open_gaps: int = 0
    """Secure-by-design gaps (principles not or partially achieved, and gaps the inventory
    shows) across the systems."""
    moved: Moves = field(default_factory=dict)
    """How the counted figures moved from the period before, part by part
    (`estate.history.trend_moves`); empty for the first period."""
    kg_co2e: float = 0.0
    """Estimated carbon a year, like for like (estate.sustainability.trend)."""
    carbon_not_estimated: int = 0
    """Systems whose carbon is not estimated (left out of the sum, never zero)."""

    @property
    def red_rated_funded_share(self) -> float | None:
        """The share of red-rated systems with a funded plan; None with none red-rated."""
        return self.red_rated_funded / self.red_rated if self.red_rated else None

    @property
    def ready_share(self) -> float | None:
        """The share of systems ready for cloud; None with no systems."""
        return self.ready_for_cloud / self.systems if self.systems else None


@dataclass(frozen=True)
class TrendPoint:
    """One period: its as-of date and its figures."""

    period: str
    as_of: dt.date
    figures: TrendFigures


@dataclass
class Trend:
    """The estate's (or a department's) figures period by period, oldest first."""

    department: str | None
    policy: str
    points: list[TrendPoint] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)
    """The periods scored afresh by this call (the rest came from the kept figures)."""
    note: str = METHOD_NOTE


def estate_trend(
    engine: Engine,
    policy: Policy,
    *,
    department: str | None = None,
    until: str | None = None,
    progress: Progress | None = None,
    ranked: RankedOutcomes | None = None,
    as_stored: EstateScores | None = None,
) -> Trend:
    """The trend over every period with returns (up to `until`, when given), for the estate
    or `department` (from its first return: before it, nothing is known of its systems), each
    period scored with `policy`'s values as at its own end. Periods unchanged since they were
    last worked out are read from the kept figures; the latest period, when `ranked` reads
    the kept ranking as at its end, is counted from that ranking and the kept outcomes of the
    period before, not scored. `as_stored`, the estate as stored already scored as at
    `policy`'s date (an export's own scores), lends that count the systems it would read again."""
    with engine.connect() as connection:
        held = stored_periods(connection)
        periods = held if until is None else [p for p in held if p <= until]
        if not periods:
            raise NotFound("The estate holds no returns yet, so there is no trend to show.")
        if department is not None:
            department = _known_department(connection, department)
            first = stored_periods(connection, department)[:1]
            if not first or first[0] > periods[-1]:
                raise NotFound(
                    f"{department} has sent no return for {periods[-1]} or before, so it has "
                    "no trend to show."
                )
            periods = [p for p in periods if p >= first[0]]
        wanted = {p: period_fingerprint(connection, p, policy_at(policy, p)) for p in held}
        kept = _kept(connection)
    # The figures a period's returns, the lifecycle data and the policy give, with the carbon
    # counted for the year of the date asked for (an export as at another year counts another)
    fresh = {
        p: found
        for p, found in kept.items()
        if wanted.get(p) == found.fingerprint and found.carbon_year == policy.as_of.year
    }
    stale = [p for p in periods if p not in fresh]
    figures = {p: fresh[p].figures for p in periods if p in fresh}
    outcomes = {p: found.outcomes for p, found in fresh.items() if found.outcomes is not None}
    latest = periods[-1]
    from_ranking = ranked is not None and latest in stale and latest == held[-1]
    scored = [p for p in stale if not from_ranking or p != latest]
    if scored:  # first, so that the latest period's moves find the period before's outcomes
        with engine.connect() as connection:
            figures |= figures_of_periods(connection, scored, policy, progress, outcomes)
    if from_ranking:
        assert ranked is not None
        lent = as_stored if as_stored is not None and as_stored.policy.scores_as(policy) else None
        counted = _latest_from_ranking(engine, held, policy, outcomes, (ranked, lent), progress)
        if counted is None:
            with engine.connect() as connection:
                figures |= figures_of_periods(connection, [latest], policy, progress, outcomes)
            scored.append(latest)
        else:
            figures[latest], outcomes[latest] = counted
    for period in stale:
        _keep(
            engine,
            period,
            (wanted[period], policy.as_of.year),
            figures[period],
            outcomes.get(period),
        )
    trend = Trend(department, policy.name, recomputed=scored)
    for period in periods:
        figures_then = figures[period].get(department or WHOLE_ESTATE, TrendFigures())
        trend.points.append(TrendPoint(period, policy_at(policy, period).as_of, figures_then))
    return trend


RankedOutcomes = Callable[[Engine, Policy, EstateScores | None], Sequence[Sequence[Any]] | None]
"""Reads each system's (key, band, is_legacy, readiness, gaps) from the kept ranking brought
up to date as at the policy's date, or None when it cannot (`estate.history.from_ranking`);
given the estate already scored on the ranking's day, it reads none of those systems again."""


def _latest_from_ranking(
    engine: Engine,
    held: Sequence[str],
    policy: Policy,
    outcomes: dict[str, Outcomes],
    reading: tuple[RankedOutcomes, EstateScores | None],
    progress: Progress | None = None,
) -> tuple[dict[str, TrendFigures], Outcomes] | None:
    """The latest period's figures and outcomes, counted from the kept ranking while it ranks
    the stored estate as at that period's end, with the moves from the period before by its
    kept `outcomes`; nothing is scored. `reading` reads the ranking (`RankedOutcomes`) and
    may hold the estate as stored already scored on the day asked for, whose systems then
    stand for the stored ones. None when the ranking is for another day or policy, or is not
    of the systems that stand, or the period before's outcomes are not kept: then the period
    is scored."""
    latest = held[-1]
    before = held[-2] if len(held) > 1 else None
    if before is not None and before not in outcomes:
        return None
    ranked, scored = reading
    rows = ranked(engine, policy_at(policy, latest), scored)
    if rows is None:
        return None
    with engine.connect() as connection:
        if progress:
            progress("Reading the returns and their history", 0, 1)
        with collector_paused():
            standing: Sequence[Any]
            if before is None and scored is not None:  # the estate as stored, already read
                standing = list(scored.facts.values())
            elif before is None:  # the one period is the estate as stored: no history to read
                standing = stored_systems(connection)
            else:
                timeline = read_timeline(connection, [before, latest], load_catalogue(connection))
                standing = timeline.standing[-1]
                firsts = first_periods(connection)
    by_key = {row[0]: row[1:] for row in rows}
    if len(standing) != len(by_key) or any(f.key not in by_key for f in standing):
        return None  # an import landed since the ranking was read
    red, ready = Band.RED.value, Readiness.READY.value
    found: Outcomes = {}
    for facts in standing:
        band, is_legacy, readiness, gaps = by_key[facts.key]
        row = facts.row
        found[facts.key] = Outcome(
            facts.department,
            bool(is_legacy),
            band == red,
            readiness == ready,
            gaps,
            row.annual_run_cost,
            row.plan_funded is True,
        )
    moves: dict[str, Moves] = {}
    if before is not None:
        earlier = outcomes[before]
        if any(f.key not in earlier for f in timeline.standing[0]):
            return None
        moves = period_moves(
            {f.key: (f, earlier[f.key]) for f in timeline.standing[0]},
            {f.key: (f, found[f.key]) for f in standing},
            WHOLE_ESTATE,
            _returned_by(firsts, before),
        )
    with_carbon = _with_carbon(figures_by_department(found.values()), standing, policy.as_of.year)
    figures = _with_moves(with_carbon, moves)
    return figures, found


def figures_of_periods(
    connection: Connection,
    periods: Sequence[str],
    policy: Policy,
    progress: Progress | None = None,
    outcomes: dict[str, Outcomes] | None = None,
) -> dict[str, dict[str, TrendFigures]]:
    """The trend figures of the estate as it stood at the end of each of `periods`, for the
    whole and each department, scored with `policy`'s values as at each period's end. The
    periods are read together in one pass over the returns and their history, and a system
    is scored in full only where it differs from what was scored for an earlier period.
    `outcomes`, when given, is told each period's outcomes by system (the periods asked for
    and those before them, scored for their moves)."""
    if progress:
        progress("Reading the returns and their history", 0, 1)
    found: dict[str, dict[str, TrendFigures]] = {}
    held = stored_periods(connection)
    earlier = {held[held.index(p) - 1] for p in periods if p in held and held.index(p) > 0}
    before: Standing = {}
    firsts = first_periods(connection)
    with collector_paused():
        timeline = read_timeline(
            connection, sorted(set(periods) | earlier), load_catalogue(connection)
        )
        memo = OutcomeMemo()
        for number, period in enumerate(timeline.periods):
            if progress:
                progress(f"Scoring {period}", number, len(timeline.periods))
            places = timeline.places(number)
            scored = period_outcomes(
                timeline.standing[number],
                places.dependents,
                places.depends_on,
                policy_at(policy, period),
                memo,
            )
            now: Standing = {
                facts.key: (facts, outcome)
                for facts, outcome in zip(timeline.standing[number], scored, strict=True)
            }
            if outcomes is not None:
                outcomes[period] = {key: outcome for key, (_facts, outcome) in now.items()}
            moves = (
                period_moves(
                    before, now, WHOLE_ESTATE, _returned_by(firsts, timeline.periods[number - 1])
                )
                if number
                else {}
            )
            before = now
            if period in periods:
                with_carbon = _with_carbon(
                    figures_by_department(scored), timeline.standing[number], policy.as_of.year
                )
                found[period] = _with_moves(with_carbon, moves)
    return found


def _with_moves(
    figures: dict[str, TrendFigures], moves: dict[str, Moves]
) -> dict[str, TrendFigures]:
    """Each group's figures with how they moved from the period before; a department left with
    no systems counted keeps its moves beside its zeros, so its fall is explained."""
    return {
        key: replace(figures.get(key, TrendFigures()), moved=moves.get(key, {}))
        for key in [*figures, *(key for key in moves if key not in figures)]
    }


def _returned_by(firsts: dict[str, str], period: str) -> set[str]:
    """The departments that had sent a return by the end of `period` (`first_periods`)."""
    return {department for department, first in firsts.items() if first <= period}


def _with_carbon(
    figures: dict[str, TrendFigures], standing: Iterable[Any], year: int
) -> dict[str, TrendFigures]:
    """The figures with each group's carbon, every period at the same year's factors."""
    carbon = carbon_by_department(standing, year, WHOLE_ESTATE)
    return {
        key: replace(
            value,
            kg_co2e=carbon.get(key, (0.0, 0))[0],
            carbon_not_estimated=carbon.get(key, (0.0, 0))[1],
        )
        for key, value in figures.items()
    }


def _known_department(connection: Connection, code: str) -> str:
    org = models.table_of(models.Organisation)
    found = connection.execute(
        sa.select(org.c.code).where(sa.func.upper(org.c.code) == code.upper())
    ).scalar()
    if found is None:
        known = ", ".join(connection.execute(sa.select(org.c.code).order_by(org.c.code)).scalars())
        raise NotFound(f"No department {code!r}. Known departments: {known or 'none yet'}.")
    return str(found)


COUNTED = tuple(name for name in TrendFigures.__dataclass_fields__ if name != "moved")
"""The figures counted from each period's systems."""


def figures_by_department(outcomes: Iterable[Outcome]) -> dict[str, TrendFigures]:
    """The trend figures of a scored estate's systems, for the whole (key WHOLE_ESTATE) and
    each department."""
    counts: dict[str, dict[str, Any]] = {}
    for s in outcomes:
        for key in (WHOLE_ESTATE, s.department):
            row = counts.setdefault(key, dict.fromkeys(COUNTED, 0))
            row["systems"] += 1
            if s.legacy:
                row["legacy"] += 1
                cost = s.annual_run_cost
                if cost is None:
                    row["legacy_costs_not_known"] += 1
                else:
                    row["legacy_run_cost"] += float(cost)
            row["red_rated"] += s.red_rated
            row["red_rated_funded"] += s.red_rated and s.plan_funded
            row["ready_for_cloud"] += s.ready_for_cloud
            row["open_gaps"] += s.gaps
    return {key: TrendFigures(**row) for key, row in counts.items()}


def period_fingerprint(connection: Connection, period: str, policy: Policy) -> str:
    """What a period's figures depend on, as one digest: the returns imported for it and
    before (their number and the newest), the lifecycle data, the policy's values and as-of
    date, and the versions of estate and its built-in catalogue."""
    data = [
        *connection.execute(
            sa.select(sa.func.count(), sa.func.max(BATCH.c.id)).where(BATCH.c.period <= period)
        ).one(),
        *connection.execute(sa.select(sa.func.count(), sa.func.max(CYCLE.c.imported_at))).one(),
    ]
    text = json.dumps(
        [
            estate.__version__,
            builtin().version,
            policy.as_of.isoformat(),
            policy.data,
            data,
            MOVES_VERSION,
        ],
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class _Kept:
    """One period's kept figures: their fingerprint, the figures by department, the year
    their carbon was counted for, and the period's outcomes by system (None when they cannot
    be read)."""

    fingerprint: str
    figures: dict[str, TrendFigures]
    carbon_year: int | None
    outcomes: Outcomes | None


_ENCODE_OUTCOMES = msgspec.msgpack.Encoder().encode
_DECODE_OUTCOMES = msgspec.msgpack.Decoder(
    list[tuple[str, str, bool, bool, bool, int, float | None, bool]]
).decode


def packed_outcomes(outcomes: Outcomes) -> str:
    """A period's outcomes by system as kept with its figures: MessagePack, compressed, as
    text a JSON column holds (some tens of bytes a system)."""
    rows = [(key, *outcome) for key, outcome in outcomes.items()]
    return packed_rows(_ENCODE_OUTCOMES, rows)


def unpacked_outcomes(text: object) -> Outcomes | None:
    """The outcomes `packed_outcomes` kept; None when there are none or they cannot be read
    (they are only a cache)."""
    rows = unpacked_rows(_DECODE_OUTCOMES, text)
    if rows is None:
        return None
    return {row[0]: Outcome(*row[1:]) for row in rows}


def _kept(connection: Connection) -> dict[str, _Kept]:
    """The kept figures by period, with their fingerprints and outcomes; figures that cannot
    be read are left out (they are only a cache, and are worked out again)."""
    found = {}
    for period, fingerprint, kept in connection.execute(sa.select(TREND_FIGURES)):
        try:
            figures = kept["figures"]
            by_department = {k: TrendFigures(**v) for k, v in figures.items()}
        except (AttributeError, KeyError, TypeError):
            continue
        if any("kg_co2e" not in v for v in figures.values()):  # kept before carbon was
            continue
        year = kept.get(CARBON_YEAR)
        found[period] = _Kept(
            fingerprint,
            by_department,
            year if isinstance(year, int) else None,
            unpacked_outcomes(kept.get("outcomes")),
        )
    return found


def kept_part(connection: Connection, period: str, fingerprint: str, part: str) -> Any:
    """One part (`figures`, `outcomes`, or what another view of the period keeps) of what is
    kept for `period`, while it was kept from what `fingerprint` digests; else None."""
    row = connection.execute(
        sa.select(TREND_FIGURES.c.fingerprint, TREND_FIGURES.c.figures).where(
            TREND_FIGURES.c.period == period
        )
    ).first()
    if row is None or row.fingerprint != fingerprint or not isinstance(row.figures, dict):
        return None
    return row.figures.get(part)


def keep_parts(engine: Engine, period: str, fingerprint: str, parts: dict[str, Any]) -> None:
    """Keep these parts of what is worked out for `period` from what `fingerprint` digests,
    beside the parts already kept from the same (those kept from anything else are dropped);
    a database busy with another writer, or read-only, or a role that may not write them, is
    left as it was."""
    try:
        with engine.begin() as connection:
            found = connection.execute(
                sa.select(TREND_FIGURES.c.fingerprint, TREND_FIGURES.c.figures).where(
                    TREND_FIGURES.c.period == period
                )
            ).first()
            kept: dict[str, Any] = {}
            if found is not None and found.fingerprint == fingerprint:
                kept = dict(found.figures) if isinstance(found.figures, dict) else {}
            connection.execute(TREND_FIGURES.delete().where(TREND_FIGURES.c.period == period))
            connection.execute(
                TREND_FIGURES.insert().values(
                    period=period, fingerprint=fingerprint, figures=kept | parts
                )
            )
    except sa.exc.OperationalError:
        return
    except sa.exc.ProgrammingError as exc:  # a department's role, which only reads them
        if not is_permission_denied(exc):
            raise


def _keep(
    engine: Engine,
    period: str,
    kept_from: tuple[str, int],
    by_department: dict[str, TrendFigures],
    outcomes: Outcomes | None,
) -> None:
    """Keep a period's figures (and its outcomes by system, from which the next period's
    moves are told) for the next trend; `kept_from` holds the period's fingerprint and the
    year the figures' carbon was counted for."""
    fingerprint, carbon_year = kept_from
    kept: dict[str, Any] = {
        "figures": {key: asdict(value) for key, value in by_department.items()},
        CARBON_YEAR: carbon_year,
    }
    if outcomes is not None:
        kept["outcomes"] = packed_outcomes(outcomes)
    keep_parts(engine, period, fingerprint, kept)


CARBON_YEAR = "carbon_year"
"""The part of a period's kept figures naming the year their carbon was counted for: the
year of the date a trend is asked for, not the period's own (a trend as at 2024 counts a
period's systems' carbon with 2024's factors)."""
