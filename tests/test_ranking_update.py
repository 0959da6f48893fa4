"""The kept ranking brought up to date (`estate.ranking.update`) is byte for byte what scoring
the whole estate afresh gives, whatever sequence of imports, deletions, policy edits, lifecycle
data imports and dates led to it: checked after every step of random sequences, on SQLite and
on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine

import estate.catalogue
from estate import db, models
from estate.catalogue.endoflife import ImportedCycle, read_lifecycle, store_lifecycle
from estate.enums import (
    Classification,
    ComponentKind,
    Criticality,
    DependencyKind,
    Hosting,
    LifecycleStatus,
    Outcome,
    Principle,
    SignIn,
)
from estate.ranking import update as ranking_update
from estate.ranking.fragments import Fragments
from estate.ranking.packing import Packer, read_texts
from estate.ranking.snapshot import (
    DECODE_KEPT,
    SNAPSHOT,
    SNAPSHOT_ROWS,
    STORED_FIELDS,
    current_basis,
    keep_snapshot,
    stored_row,
    take_snapshot,
)
from estate.ranking.tally import Tally
from estate.ranking.update import update_kept_ranking
from estate.scoring import EstateScores, score_estate, score_facts
from estate.scoring.basis import valid_dates
from estate.scoring.facts import SystemFacts, load_facts
from estate.scoring.policy import Policy, load_policy
from estate.scoring.results import SystemScore
from importers import ImportOptions, import_return
from importers.layout import RecordKind
from importers.template import write_return
from tests.conftest import examples

DEPARTMENTS = {"DBP": "Department for Benefits and Pensions", "HMT": "Her Majesty's Treasury"}
REFERENCES = [f"{code}-{n}" for code in DEPARTMENTS for n in range(1, 7)]
COMPONENTS = [
    (ComponentKind.OS, "Windows Server", "2008 R2"),
    (ComponentKind.OS, "Windows Server", "2019"),
    (ComponentKind.OS, "Red Hat Enterprise Linux", "7"),
    (ComponentKind.OS, "Red Hat Enterprise Linux", "9"),
    (ComponentKind.OS, "z/OS", "2.3"),
    (ComponentKind.DATABASE, "Oracle Database", "11g"),
    (ComponentKind.DATABASE, "PostgreSQL", "12"),
    (ComponentKind.RUNTIME, "Java", "8"),
    (ComponentKind.RUNTIME, "Python", "3.8"),
    (ComponentKind.HARDWARE, "IBM z15", ""),
]
dates = st.dates(dt.date(2017, 1, 1), dt.date(2034, 12, 31))
maybe_dates = st.none() | dates


@st.composite
def system_rows(draw: st.DrawFn, code: str, reference: str) -> dict[str, Any]:
    """A systems row of the template, its facts drawn."""
    return {
        "department": code,
        "reference": reference,
        "name": draw(st.sampled_from(["Payments Hub", "Ledger", "Portal", "Case System"])),
        "criticality": draw(st.none() | st.sampled_from(list(Criticality))),
        "hosting": draw(st.none() | st.sampled_from(list(Hosting))),
        "classification": draw(st.none() | st.sampled_from(list(Classification))),
        "users": draw(st.none() | st.integers(0, 200_000)),
        "internet_facing": draw(st.none() | st.booleans()),
        "personal_data": draw(st.none() | st.booleans()),
        "sign_in": draw(st.none() | st.sampled_from(list(SignIn))),
        "business_owner": draw(st.none() | st.just("A. Owner")),
        "supplier": draw(st.none() | st.sampled_from(["Acme Ltd", "in-house"])),
        "contract_end": draw(maybe_dates),
        "last_pen_test": draw(maybe_dates),
        "annual_run_cost": draw(st.none() | st.integers(0, 3_000_000)),
        "skilled_staff": draw(st.none() | st.integers(0, 8)),
        "open_critical_vulns": draw(st.none() | st.integers(0, 3)),
        "remediation_plan": draw(st.none() | st.just("Replace by 2028")),
        "plan_funded": draw(st.none() | st.booleans()),
        "l1": draw(st.none() | st.integers(1, 6)),
        # now and then retired or cancelled: out of the ranking, still depended on
        "lifecycle_status": draw(
            st.none() | st.none() | st.none() | st.sampled_from(list(LifecycleStatus))
        ),
    }


@st.composite
def returns(
    draw: st.DrawFn, department: str | None = None
) -> tuple[str, dict[RecordKind, list[dict[str, Any]]], bool]:
    """One department's return (its code, its records) and whether it replaces the
    department's systems (those left out are deleted)."""
    code = department or draw(st.sampled_from(sorted(DEPARTMENTS)))
    own = [r for r in REFERENCES if r.startswith(code)]
    chosen = draw(st.lists(st.sampled_from(own), min_size=1, max_size=len(own), unique=True))
    systems = [draw(system_rows(code, reference)) for reference in chosen]
    components = []
    dependencies = []
    security = []
    for reference in chosen:
        for kind, product, version in draw(st.lists(st.sampled_from(COMPONENTS), max_size=3)):
            components.append(
                {
                    "department": code,
                    "reference": reference,
                    "kind": kind,
                    "product": product,
                    "version": version,
                    "end_of_support": draw(st.none() | st.none() | dates),
                }
            )
        targets = draw(st.lists(st.sampled_from([*REFERENCES, "XYZ-1"]), max_size=3, unique=True))
        for target in targets:
            if target == reference:
                continue
            dependencies.append(
                {
                    "department": code,
                    "reference": reference,
                    "to_org_code": target.split("-")[0],
                    "to_reference": target,
                    "kind": DependencyKind.API,
                }
            )
        for principle in draw(st.lists(st.sampled_from(list(Principle)[:6]), max_size=2)):
            security.append(
                {
                    "department": code,
                    "reference": reference,
                    "principle": principle,
                    "outcome": draw(st.sampled_from(list(Outcome))),
                }
            )
    records = {
        RecordKind.SYSTEMS: systems,
        RecordKind.COMPONENTS: _unique(components, ("reference", "kind", "product")),
        RecordKind.DEPENDENCIES: dependencies,
        RecordKind.SECURITY: _unique(security, ("reference", "principle")),
    }
    return code, records, draw(st.booleans())


def _unique(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, Any]]:
    found: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        found.setdefault(tuple(row[f] for f in fields), row)
    return list(found.values())


BUNDLED_LIFECYCLE = Path(estate.catalogue.__file__).with_name("endoflife.json")
"""endoflife.date's catalogue as the package bundles it: real releases to import again."""
LIFECYCLE_PRODUCTS = ["rhel", "postgresql", "windows-server", "oracle-database", "oracle-jdk"]
"""endoflife.date's products behind `COMPONENTS`."""

steps = st.one_of(
    st.tuples(st.just("date"), dates),
    st.tuples(st.just("import"), returns()),
    st.tuples(st.just("policy"), st.integers(1, 9)),
    # a return imported on another day than the kept ranking's: both at once
    st.tuples(st.just("dated import"), st.tuples(dates, returns())),
    # one product's real releases imported with every date moved (support extended or cut)
    st.tuples(
        st.just("lifecycle"),
        st.tuples(st.sampled_from(LIFECYCLE_PRODUCTS), st.integers(-900, 900)),
    ),
)


def _import_lifecycle(engine: Engine, step: int, product: str, days: int) -> None:
    """`product`'s releases from the bundled endoflife.date catalogue, each date `days` later,
    imported as lifecycle data at a time of the step's own."""
    later = dt.timedelta(days=days)
    cycles = [
        ImportedCycle(
            dataclasses.replace(
                c.cycle,
                **{
                    name: getattr(c.cycle, name) + later
                    for name in ("release", "support_end", "security_end", "extended_end")
                    if getattr(c.cycle, name) is not None
                },
            ),
            c.product_title,
        )
        for c in read_lifecycle(BUNDLED_LIFECYCLE, product)
    ]
    with engine.begin() as connection:
        imported_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=step)
        assert store_lifecycle(connection, cycles, imported_at) == len(cycles) > 0


_TEXTS = STORED_FIELDS.index("explanation")


def _unpacked(
    rows: list[tuple[Any, ...]], dictionary: bytes | None, fragments: Fragments
) -> list[tuple[Any, ...]]:
    """The rows with their texts as they were before compressing, each explanation with its
    fragments put back (the dictionary a kept ranking's texts are compressed with, and the
    fragments its explanations share, depend on the estate it was scored whole from)."""
    unpack = Packer(dictionary).unpack
    found = []
    for row in rows:
        values = list(row)
        texts = read_texts(unpack(values[_TEXTS]))
        assert texts.explanation is not None
        whole = fragments.join(texts.explanation, texts.fragments)
        values[_TEXTS] = (texts.words, whole, texts.kept)
        found.append(tuple(values))
    return found


def _kept_state(engine: Engine) -> tuple[list[tuple[Any, ...]], Any]:
    """Everything the kept ranking holds, in rank order, and its figures."""
    with engine.connect() as connection:
        columns = [SNAPSHOT_ROWS.c[name] for name in STORED_FIELDS]
        rows = connection.execute(sa.select(*columns).order_by(SNAPSHOT_ROWS.c.rank)).all()
        figures, dictionary, fragments = connection.execute(
            sa.select(SNAPSHOT.c.figures, SNAPSHOT.c.dictionary, SNAPSHOT.c.fragments)
        ).one()
    unpacked = _unpacked([tuple(row) for row in rows], dictionary, Fragments.from_bytes(fragments))
    return unpacked, figures


def _fresh_state(engine: Engine, policy: Policy) -> tuple[list[tuple[Any, ...]], Any]:
    """What scoring the whole estate afresh would keep."""
    with engine.connect() as connection:
        basis = current_basis(connection, policy)
        taken = take_snapshot(score_estate(connection, policy), basis)
    assert taken.kept is not None
    rows = [stored_row(row, kept) for row, kept in zip(taken.rows, taken.kept.systems, strict=True)]
    figures = json.loads(json.dumps(taken.figures.to_json()))
    return _unpacked(rows, taken.kept.dictionary, taken.kept.fragments), figures


def _score_and_keep(engine: Engine, policy: Policy) -> EstateScores:
    """The whole estate scored under `policy` and its ranking kept, as a first `rank` does."""
    with engine.connect() as connection:
        basis = current_basis(connection, policy)
        scores = score_estate(connection, policy)
    assert keep_snapshot(engine, take_snapshot(scores, basis), None)
    return scores


def _systems_scored(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the systems the update scores again from now on, in order."""
    calls: list[str] = []

    def counted(facts: SystemFacts, *args: Any) -> SystemScore:
        calls.append(facts.key)
        return score_facts(facts, *args)

    monkeypatch.setattr(ranking_update, "score_facts", counted)
    return calls


def _policy(folder: Path, weight: int | None, as_of: dt.date) -> Policy:
    if weight is None:
        return load_policy(as_of=as_of)
    path = folder / f"policy-{weight}.toml"
    path.write_text(f"[priority.weights]\nlegacy = {weight}\n", encoding="utf-8")
    return load_policy(path, as_of=as_of)


def _import(engine: Engine, folder: Path, step: int, found: Any) -> None:
    code, records, replace = found
    path = folder / f"return-{step}.xlsx"
    write_return(
        path, cover={"Department code": code, "Department name": DEPARTMENTS[code]}, records=records
    )
    result = import_return(engine, path, ImportOptions(skip_invalid=True, replace=replace))
    assert result.stored, [p for p in result.problems][:3]


def _check_sequence(new_engine: Callable[[], Engine], sequence: list[tuple[str, Any]]) -> int:
    """Run the steps on a new estate, bringing the kept ranking up to date after each and
    comparing it with a fresh scoring; returns how many steps were brought up to date without
    scoring the whole estate."""
    updated = 0
    engine = new_engine()
    whole = ranking_update._rescore_changed

    def reading_everything(*args: Any) -> Any:
        raise AssertionError("an import must read only the systems it reached")

    ranking_update._rescore_changed = reading_everything  # type: ignore[assignment]
    try:
        updated = _run_steps(engine, sequence)
    finally:
        ranking_update._rescore_changed = whole
        engine.dispose()
    return updated


def _run_steps(engine: Engine, sequence: list[tuple[str, Any]]) -> int:
    """`_check_sequence`'s steps on `engine`; how many were brought up to date."""
    updated = 0
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        as_of, weight = dt.date(2026, 7, 1), None
        for number, (kind, value) in enumerate(sequence):
            if kind == "date":
                as_of = value
            elif kind == "policy":
                weight = value
            elif kind == "dated import":
                as_of, found = value
                _import(engine, folder, number, found)
            elif kind == "lifecycle":
                _import_lifecycle(engine, number, *value)
            else:
                _import(engine, folder, number, value)
            policy = _policy(folder, weight, as_of)
            with mock.patch.object(
                # lifecycle data reaches systems by their components: each system's digest
                # tells, so every system's facts are read (an import reads what it reached)
                ranking_update,
                "_rescore_changed",
                READING_EVERYTHING if kind == "lifecycle" else ranking_update._rescore_changed,
            ):
                brought_up_to_date = update_kept_ranking(engine, policy)
            if brought_up_to_date:
                updated += kind != "policy"
            else:
                assert number == 0 or kind == "policy", "only new rules score everything"
                _score_and_keep(engine, policy)
            kept_rows, kept_figures = _kept_state(engine)
            fresh_rows, fresh_figures = _fresh_state(engine, policy)
            assert [r[0] for r in kept_rows] == [r[0] for r in fresh_rows]
            for kept, fresh in zip(kept_rows, fresh_rows, strict=True):
                assert kept == fresh, (kind, value if kind == "date" else "return")
            assert json.dumps(kept_figures) == json.dumps(fresh_figures), "order and all"
            if TRACE:
                TRACE.append((kind, len(kept_rows)))
    return updated


READING_EVERYTHING = ranking_update._rescore_changed
"""What brings the kept ranking up to date after lifecycle data is imported."""

TRACE: list[tuple[str, int]] = []
"""Set to a list holding anything to see each step's kind and systems (debugging)."""

SEQUENCES = st.tuples(*(returns(code) for code in DEPARTMENTS)).flatmap(
    lambda first: st.lists(steps, min_size=1, max_size=6).map(
        lambda rest: [*(("import", found) for found in first), *rest]
    )
)
"""Sequences of steps, starting with a return from each department."""


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=SEQUENCES)
def test_the_kept_ranking_brought_up_to_date_is_a_fresh_scoring_on_sqlite(
    sequence: list[tuple[str, Any]], tmp_path: Path
) -> None:
    places = iter(range(10**6))

    def new_engine() -> Engine:
        path = Path(tempfile.mkdtemp(dir=tmp_path)) / f"estate-{next(places)}.db"
        return db.open_engine(path, create=True)

    assert _check_sequence(new_engine, sequence) >= sum(kind == "date" for kind, _ in sequence)


@pytest.mark.postgres
@settings(
    max_examples=examples(8),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sequence=SEQUENCES)
def test_the_kept_ranking_brought_up_to_date_is_a_fresh_scoring_on_postgresql(
    sequence: list[tuple[str, Any]], pg_database: Callable[[], str]
) -> None:
    _check_sequence(lambda: db.open_engine(pg_database(), create=True), sequence)


def test_a_new_date_rescores_only_the_systems_a_date_boundary_crossed(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the sample estate: a day later rescores only the systems with a date in between,
    and the kept ranking then equals a fresh scoring."""
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy(as_of=dt.date(2026, 9, 30))
        scores = _score_and_keep(engine, policy)
        later = load_policy(as_of=dt.date(2026, 10, 1))
        with engine.connect() as connection:
            facts, _graph = load_facts(connection, scores.catalogue)
        windows = [valid_dates(f, policy) for f in facts]
        moved = [end for _start, end in windows if end is not None and end <= later.as_of]
        assert 0 < len(moved) < len(facts) / 5, "a day moves few systems"
        calls = _systems_scored(monkeypatch)
        assert update_kept_ranking(engine, later)
        assert len(calls) == len(moved)
        assert _kept_state(engine) == _fresh_state(engine, later)
    finally:
        engine.dispose()


def test_lifecycle_data_imported_rescores_only_the_systems_whose_components_it_reaches(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On the sample estate: Red Hat's releases imported with support a year longer rescore
    the systems running Red Hat Enterprise Linux, and no others, and the kept ranking then
    equals a fresh scoring (the overview's catalogue too)."""
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy(as_of=dt.date(2026, 11, 1))
        scores = _score_and_keep(engine, policy)
        running = {
            key
            for key, facts in scores.facts.items()
            if any(
                c.match and c.match.product and c.match.product.key == "rhel"
                for c in facts.components
            )
        }
        assert 0 < len(running) < len(scores.facts) / 2
        _import_lifecycle(engine, 1, "rhel", 365)
        calls = _systems_scored(monkeypatch)
        assert update_kept_ranking(engine, policy)
        assert set(calls) == running
        kept_rows, kept_figures = _kept_state(engine)
        assert (kept_rows, kept_figures) == _fresh_state(engine, policy)
        assert kept_figures["catalogue"].endswith("+imported")
    finally:
        engine.dispose()


def test_a_new_year_rescores_the_priorities_carbon_counts_towards(
    demo_db: Path, tmp_path: Path
) -> None:
    """With carbon counted towards priority, the year of the as-of date (the conversion
    factors, the hardware's age) moves scores: a new year brings the kept ranking to what a
    fresh scoring gives."""
    path = tmp_path / "carbon.toml"
    path.write_text("[priority]\ncarbon_weight = 2\n", encoding="utf-8")
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy(path, as_of=dt.date(2026, 12, 31))
        _score_and_keep(engine, policy)
        later = load_policy(path, as_of=dt.date(2027, 1, 1))
        assert update_kept_ranking(engine, later)
        assert _kept_state(engine) == _fresh_state(engine, later)
    finally:
        engine.dispose()


def test_a_ranking_kept_without_its_running_totals_is_scored_afresh(demo_db: Path) -> None:
    """A kept ranking whose running totals for the overview cannot be read is not brought up
    to date (its figures could not be counted without reading every system): the caller
    scores the estate afresh."""
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy(as_of=dt.date(2026, 9, 30))
        _score_and_keep(engine, policy)
        later = load_policy(as_of=dt.date(2026, 10, 1))
        with engine.begin() as connection:
            connection.execute(SNAPSHOT.update().values(tally=None))
        assert not update_kept_ranking(engine, later)
        with engine.begin() as connection:
            connection.execute(SNAPSHOT.update().values(tally={"gaps": "none"}))
        assert not update_kept_ranking(engine, later)
    finally:
        engine.dispose()


def _system(code: str, reference: str, **values: Any) -> dict[str, Any]:
    return {"department": code, "reference": reference, "name": reference, **values}


def _link(code: str, reference: str, target: str) -> dict[str, Any]:
    return {
        "department": code,
        "reference": reference,
        "to_org_code": target.split("-")[0],
        "to_reference": target,
        "kind": DependencyKind.API,
    }


def _return(
    code: str, systems: list[dict[str, Any]], links: list[tuple[str, str]], z_os: list[str]
) -> tuple[str, dict[RecordKind, list[dict[str, Any]]], bool]:
    records = {
        RecordKind.SYSTEMS: systems,
        RecordKind.COMPONENTS: [
            {
                "department": code,
                "reference": reference,
                "kind": ComponentKind.OS,
                "product": "z/OS",
                "version": "2.3",
            }
            for reference in z_os
        ],
        RecordKind.DEPENDENCIES: [_link(code, a, b) for a, b in links],
        RecordKind.SECURITY: [],
    }
    return code, records, True


@pytest.mark.parametrize("change", ["critical", "anchored", "dropped", "retired", "deleted"])
def test_an_import_rescores_the_systems_reached_through_its_dependencies(
    change: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HMT-2 depends on DBP-1, which depends on HMT-1, which depends on HMT-3; HMT-4 stands
    apart. Re-importing DBP's return with DBP-1 changed (made critical, so the blast radius
    of what it depends on, directly or not, counts one more critical system; tied to premises
    by a mainframe, so HMT-2 depending on it is held there; its dependency dropped; retired,
    so HMT-2 depends on a system gone; or, retired already, left out of the replacing return,
    so deleted, and HMT-2 depends on a system no return supplies, with no row left to say so)
    rescores the systems of the other department reached through the dependencies, and only
    those, as a fresh scoring gives them."""
    engine = db.open_engine(tmp_path / "estate.db", create=True)
    hosted = {"hosting": Hosting.ON_PREMISES, "criticality": Criticality.LOW}
    policy = load_policy(as_of=dt.date(2026, 7, 1))
    try:
        hmt = [_system("HMT", f"HMT-{n}", **hosted) for n in range(1, 5)]
        links = [("HMT-2", "DBP-1"), ("HMT-1", "HMT-3")]
        _import(engine, tmp_path, 0, _return("HMT", hmt, links, []))
        dbp = [_system("DBP", "DBP-1", **hosted), _system("DBP", "DBP-2", **hosted)]
        if change == "deleted":
            dbp[0]["lifecycle_status"] = "Retired"
        _import(engine, tmp_path, 1, _return("DBP", dbp, [("DBP-1", "HMT-1")], []))
        _score_and_keep(engine, policy)
        z_os, dbp_links = [], [("DBP-1", "HMT-1")]
        if change == "critical":
            dbp[0]["criticality"] = Criticality.CRITICAL
        elif change == "anchored":
            z_os = ["DBP-1"]
        elif change == "dropped":
            dbp_links = []
        elif change == "retired":
            dbp[0]["lifecycle_status"] = "Retired"
        else:
            dbp, dbp_links = dbp[1:], []
        _import(engine, tmp_path, 2, _return("DBP", dbp, dbp_links, z_os))
        with engine.connect() as connection:
            kept_basis = connection.execute(sa.select(SNAPSHOT.c.basis)).scalar_one()
            assert ranking_update.last_seen_batch(connection, kept_basis["data"]) == 2
        calls = _systems_scored(monkeypatch)
        assert update_kept_ranking(engine, policy)
        assert _kept_state(engine) == _fresh_state(engine, policy)
        reached = {
            "critical": {"DBP-1", "HMT-1", "HMT-3"},
            "anchored": {"DBP-1", "HMT-2"},
            "dropped": {"DBP-1", "HMT-1", "HMT-3"},
            "retired": {"HMT-2", "HMT-1", "HMT-3"},
            "deleted": {"HMT-2"},
        }[change]
        assert {key.split("/", 1)[1] for key in calls} == reached
    finally:
        engine.dispose()


@pytest.mark.parametrize("recorded", [True, False])
def test_an_import_reads_first_the_systems_it_wrote(
    recorded: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Re-importing HMT's return with HMT-1 given a mainframe, HMT-2's only dependency (on
    HMT-4) dropped, HMT-3 left out and HMT-4 as it was records those three as written (HMT-2
    with no row left of what changed), and bringing the kept ranking up to date reads their
    facts first, then HMT-4's, reached through the dropped dependency: not every system of
    the department. A batch that records none (imported before the record was kept) has every
    system of its department read. Either way the result is a fresh scoring."""
    engine = db.open_engine(tmp_path / "estate.db", create=True)
    hosted = {"hosting": Hosting.ON_PREMISES, "criticality": Criticality.LOW}
    policy = load_policy(as_of=dt.date(2026, 7, 1))
    try:
        hmt = [_system("HMT", f"HMT-{n}", **hosted) for n in range(1, 5)]
        _import(engine, tmp_path, 0, _return("HMT", hmt, [("HMT-2", "HMT-4")], []))
        _score_and_keep(engine, policy)
        code, records, _replace = _return("HMT", [hmt[0], hmt[1], hmt[3]], [], ["HMT-1"])
        _import(engine, tmp_path, 1, (code, records, False))
        batch = models.table_of(models.ImportBatch)
        latest = sa.select(sa.func.max(batch.c.id)).scalar_subquery()
        with engine.begin() as connection:
            written = connection.execute(
                sa.select(batch.c.systems_written).where(batch.c.id == latest)
            ).scalar_one()
            assert written == ["HMT-1", "HMT-2", "HMT-3"]
            if not recorded:
                update = batch.update().where(batch.c.id == latest).values(systems_written=None)
                connection.execute(update)
        read: list[set[str]] = []
        facts_by_key = ranking_update._facts_by_key

        def counted(connection: Any, catalogue: Any, keys: Any) -> dict[str, SystemFacts]:
            if keys:
                read.append({key.split("/", 1)[1] for key in keys})
            return facts_by_key(connection, catalogue, keys)

        monkeypatch.setattr(ranking_update, "_facts_by_key", counted)
        assert update_kept_ranking(engine, policy)
        assert _kept_state(engine) == _fresh_state(engine, policy)
        if recorded:
            assert read == [{"HMT-1", "HMT-2", "HMT-3"}, {"HMT-4"}]
        else:
            assert read == [{"HMT-1", "HMT-2", "HMT-3", "HMT-4"}]
    finally:
        engine.dispose()


@pytest.mark.parametrize("status", ["Retired", "Cancelled"])
def test_a_system_out_of_service_before_and_after_reaches_its_dependents_alone(
    status: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HMT-1 depends on HMT-4, retired. Re-importing HMT's return with HMT-4 renamed, or
    cancelled, and HMT-2's users changed rescores HMT-2, and HMT-1 only when what it reads of
    HMT-4 (its status) changed: HMT-1 is read through the dependency alone, with no graph of
    the estate, and the result is a fresh scoring."""
    engine = db.open_engine(tmp_path / "estate.db", create=True)
    hosted = {"hosting": Hosting.ON_PREMISES, "criticality": Criticality.LOW}
    policy = load_policy(as_of=dt.date(2026, 7, 1))
    try:
        hmt = [_system("HMT", f"HMT-{n}", **hosted) for n in range(1, 5)]
        hmt[3]["lifecycle_status"] = "Retired"
        _import(engine, tmp_path, 0, _return("HMT", hmt, [("HMT-1", "HMT-4")], []))
        _score_and_keep(engine, policy)
        hmt[1]["users"] = 250
        hmt[3] |= {"name": "HMT-4 (renamed)", "lifecycle_status": status}
        _import(engine, tmp_path, 1, _return("HMT", hmt, [("HMT-1", "HMT-4")], []))
        read: list[set[str]] = []
        scored: list[str] = []
        facts_by_key = ranking_update._facts_by_key

        def counted(connection: Any, catalogue: Any, keys: Any) -> dict[str, SystemFacts]:
            if keys:
                read.append({key.split("/", 1)[1] for key in keys})
            return facts_by_key(connection, catalogue, keys)

        def no_graph(connection: Any) -> None:
            raise AssertionError("read the whole estate's graph")

        def scoring(facts: SystemFacts, *args: Any) -> SystemScore:
            scored.append(facts.key.split("/", 1)[1])
            return score_facts(facts, *args)

        monkeypatch.setattr(ranking_update, "_facts_by_key", counted)
        monkeypatch.setattr(ranking_update, "load_graph", no_graph)
        monkeypatch.setattr(ranking_update, "score_facts", scoring)
        assert update_kept_ranking(engine, policy)
        assert read == [{"HMT-2"}, {"HMT-1"}]
        assert sorted(scored) == (["HMT-2"] if status == "Retired" else ["HMT-1", "HMT-2"])
        monkeypatch.undo()
        assert _kept_state(engine) == _fresh_state(engine, policy)
    finally:
        engine.dispose()


@pytest.mark.parametrize("page", [1, 3])
def test_the_gaps_are_ordered_as_they_first_appear_however_many_places_are_read_at_once(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    """The kept figures list the security gaps in order of first appearance down the ranking:
    read a page of places at a time (growing), the order is the one a reading of every kept
    system in one go gives, and every gap is found."""
    engine = db.open_engine(demo_db)
    try:
        policy = load_policy(as_of=dt.date(2026, 9, 30))
        _score_and_keep(engine, policy)
        with engine.connect() as connection:
            tally = Tally.from_json(connection.execute(sa.select(SNAPSHOT.c.tally)).scalar())
            assert tally is not None
            dictionary = connection.execute(sa.select(SNAPSHOT.c.dictionary)).scalar()
            unpack = Packer(dictionary).unpack
            everything: list[str] = []
            for (packed,) in connection.execute(
                sa.select(SNAPSHOT_ROWS.c.explanation).order_by(SNAPSHOT_ROWS.c.rank)
            ):
                kept = read_texts(unpack(packed)).kept
                for code in DECODE_KEPT(kept).gaps if kept is not None else ():
                    if code not in everything:
                        everything.append(code)
            assert len(everything) > 3, "the sample estate falls short of several principles"
            assert set(everything) == set(tally.gaps)
            monkeypatch.setattr(ranking_update, "GAP_PAGE", page)
            counted = sa.select(sa.func.count()).select_from(SNAPSHOT_ROWS)
            last = connection.execute(counted).scalar_one()
            assert ranking_update._gap_order(connection, tally, last) == everything
    finally:
        engine.dispose()
