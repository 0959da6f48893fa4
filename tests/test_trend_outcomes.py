"""The trend reads every period in one pass and shares its scoring between them, and gives
every period exactly the figures of rebuilding that period's estate and scoring it in full: on
an estate over four quarters in which systems change, are added and removed, and support
dates, a contract's end and a penetration test's age pass between periods, and on the sample
returns' four quarters, in which departments' systems, technology and dependencies evolve."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from estate import db
from estate.catalogue.endoflife import load_catalogue
from estate.enums import ComponentKind, DependencyKind, Hosting
from estate.graph import load_graph
from estate.history.reconstruct import estate_at
from estate.history.scores import policy_at
from estate.history.stored import stored_periods
from estate.history.timeline import read_timeline
from estate.history.trend import estate_trend, figures_by_department
from estate.scoring import score_estate
from estate.scoring.outcomes import Outcome, OutcomeMemo, period_outcomes
from estate.scoring.policy import Policy, load_policy
from estate.scoring.results import Band, Readiness
from tests.conftest import Run
from tests.returns import small_return, system

PERIODS = ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4")


def _component(reference: str, product: str, version: str) -> dict[str, Any]:
    return {
        "department": "DBP",
        "reference": reference,
        "kind": ComponentKind.OS,
        "product": product,
        "version": version,
    }


def _quarter(path: Path, number: int) -> Path:
    """The return for the quarter `number` (0-3). DBP-1, DBP-5 and DBP-6 never change, but
        between quarters RHEL 7's security support ends under DBP-1 (30/06/2024) while its run cost
    moves by a pound a quarter, DBP-5's contract
        draws near and ends (15/12/2024), DBP-6's penetration test grows too old, and the support
    end its department gives for DBP-7's component draws within 12 months. DBP-2's run
        cost changes in Q2 and it is upgraded in Q3; DBP-3 is new in Q2; DBP-4 is removed in Q3."""
    far, ends = dt.date(2030, 3, 31), dt.date(2025, 12, 1)
    systems = [
        system("DBP-1", contract_end=far, users=500_000, annual_run_cost=250_000 + number),
        system(
            "DBP-2",
            annual_run_cost=250_000 if number < 1 else 60_000_000,
            users=2_000_000,
        ),
        system("DBP-5", contract_end=dt.date(2024, 12, 15), hosting=Hosting.PUBLIC_IAAS),
        system(
            "DBP-6",
            contract_end=far,
            hosting=Hosting.PUBLIC_IAAS,
            internet_facing=True,
            last_pen_test=dt.date(2023, 11, 15),
        ),
        system("DBP-7", contract_end=far, hosting=Hosting.PUBLIC_IAAS),
    ]
    components = [
        _component("DBP-1", "Red Hat Enterprise Linux", "7"),
        _component("DBP-2", "Windows Server", "2012 R2" if number < 2 else "2022"),
        _component("DBP-5", "Red Hat Enterprise Linux", "9"),
        _component("DBP-6", "Red Hat Enterprise Linux", "9"),
        {**_component("DBP-7", "Red Hat Enterprise Linux", "9"), "end_of_support": ends},
    ]
    dependencies = [
        {
            "department": "DBP",
            "reference": "DBP-2",
            "to_reference": "DBP-1",
            "kind": DependencyKind.API,
        }
    ]
    if number >= 1:
        systems.append(system("DBP-3", contract_end=dt.date(2024, 12, 1)))
        components.append(_component("DBP-3", "Red Hat Enterprise Linux", "8"))
        dependencies.append({**dependencies[0], "reference": "DBP-3"})
    if number < 2:
        systems.append(system("DBP-4", contract_end=None, supplier=None))
    return small_return(path, systems, components=components, dependencies=dependencies)


def _full(estate: Engine, period: str, policy: Policy) -> list[Outcome]:
    """The period's outcomes from scoring its estate (`estate`, the database as it stood then)
    in full."""
    with estate.connect() as connection:
        scores = score_estate(connection, policy_at(policy, period))
    return [
        Outcome(
            s.department,
            bool(s.legacy.is_legacy),
            s.legacy.band is Band.RED,
            s.readiness.category is Readiness.READY,
            len(s.gaps),
            s.record.annual_run_cost,
            s.record.plan_funded is True,
        )
        for s in scores.systems
    ]


def _edges(estate: Engine) -> set[tuple[str, str]]:
    with estate.connect() as connection:
        return set(load_graph(connection).graph.edges())


def _each_period_as_scored_in_full(
    engine: Engine, periods: list[str], policy: Policy
) -> tuple[list[list[Outcome]], OutcomeMemo]:
    """Each period's outcomes from the timeline, checked against rebuilding that period's
    estate and scoring it in full; the graph of each period against the rebuilt one's."""
    with engine.connect() as connection:
        timeline = read_timeline(connection, periods, load_catalogue(connection))
    assert timeline.periods == sorted(periods)
    memo = OutcomeMemo()
    found = []
    for number, period in enumerate(timeline.periods):
        places = timeline.places(number)
        fast = period_outcomes(
            timeline.standing[number],
            places.dependents,
            places.depends_on,
            policy_at(policy, period),
            memo,
        )
        past = estate_at(engine, period)
        try:
            assert sorted(fast, key=repr) == sorted(_full(past, period, policy), key=repr), period
            edges = {(key, to) for key, targets in places.depends_on.items() for to in targets}
            assert edges == _edges(past), period
        finally:
            past.dispose()
        found.append(fast)
    return found, memo


def _quarterly_estate(tmp_path: Path, run: Run) -> Engine:
    path = tmp_path / "e.db"
    assert run("--db", path, "init").exit_code == 0
    for number, period in enumerate(PERIODS):
        source = _quarter(tmp_path / f"q{number}.xlsx", number)
        result = run(
            "--db", path, "import", "--allow-period", "--period", period, "--replace", source
        )
        assert result.exit_code == 0, result.stdout + result.stderr
    return db.open_engine(path)


def test_each_period_read_in_one_pass_gives_the_figures_of_scoring_it_in_full(
    tmp_path: Path, run: Run
) -> None:
    engine = _quarterly_estate(tmp_path, run)
    policy = load_policy(as_of=dt.date(2025, 6, 1))
    try:
        outcomes, memo = _each_period_as_scored_in_full(engine, list(PERIODS), policy)
        assert memo.scored < 6 + 7 + 6 + 6, "systems unchanged between periods were scored again"
        trend = estate_trend(engine, policy)
    finally:
        engine.dispose()
    scored = [
        replace(p.figures, moved={}, kg_co2e=0.0, carbon_not_estimated=0) for p in trend.points
    ]
    assert scored == [figures_by_department(o)[""] for o in outcomes]  # carbon is not scored
    assert all(p.figures.kg_co2e > 0 for p in trend.points), "each period's carbon"
    assert [p.figures.systems for p in trend.points] == [6, 7, 6, 6]
    # What moved each figure, part by part, adds up to how far it moved.
    assert not trend.points[0].figures.moved
    for before, after in pairwise(trend.points):
        for figure, parts in after.figures.moved.items():
            moved = getattr(after.figures, figure) - getattr(before.figures, figure)
            assert sum(parts.values()) == pytest.approx(moved), (after.period, figure)
    assert len({(p.figures.legacy, p.figures.open_gaps) for p in trend.points}) > 1


def test_some_periods_alone_are_read_as_they_stood(tmp_path: Path, run: Run) -> None:
    engine = _quarterly_estate(tmp_path, run)
    try:
        _each_period_as_scored_in_full(
            engine, [PERIODS[3], PERIODS[1]], load_policy(as_of=dt.date(2025, 6, 1))
        )
    finally:
        engine.dispose()


def test_the_sample_quarters_read_in_one_pass_are_each_as_scored_in_full(demo_db: Path) -> None:
    """The sample returns: systems retired and new, technology upgraded, dependencies added
    and removed, contracts renewed and lapsing, in nine departments over four quarters."""
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            periods = stored_periods(connection)
        assert len(periods) == 4
        outcomes, _memo = _each_period_as_scored_in_full(
            engine, periods, load_policy(as_of=dt.date(2026, 11, 1))
        )
    finally:
        engine.dispose()
    assert len({len(o) for o in outcomes}) > 1, "the number of systems moves between quarters"


def test_a_periods_kept_figures_count_carbon_for_the_year_asked(
    demo_db: Path, tmp_path: Path
) -> None:
    """A trend counts each period's carbon with the factors of the year it is asked as at:
    figures kept by a trend as at one year are not read back for another (an export as at
    2024, or the next day being in another year), and what another year kept is not read
    back either; each is what a database that keeps nothing gives."""
    import shutil

    never_kept = tmp_path / "never-kept.db"
    shutil.copy(demo_db, never_kept)
    this_year, earlier = (
        load_policy(as_of=dt.date(2026, 11, 1)),
        load_policy(as_of=dt.date(2024, 6, 30)),
    )

    def carbon(path: Path, policy: Policy) -> list[Any]:
        engine = db.open_engine(path)
        try:
            trend = estate_trend(engine, policy)
        finally:
            engine.dispose()
        return [(p.period, p.figures.kg_co2e) for p in trend.points]

    kept_now = carbon(demo_db, this_year)
    kept_then = carbon(demo_db, earlier)
    assert kept_then != kept_now, "the demo estate's carbon differs between 2024 and 2026"
    assert kept_then == carbon(never_kept, earlier)
    assert carbon(demo_db, this_year) == kept_now
    shutil.copy(demo_db, never_kept)  # now holding what 2024's trend kept, then 2026's
    assert carbon(never_kept, this_year) == kept_now
