"""The ranking snapshot kept with the estate: what it stores, when it is out of date, and that
keeping it never gets in the way of anything else."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from estate import db, models
from estate.ranking import RankBy
from estate.ranking.explanations import compact_lead
from estate.ranking.figures import EstateFigures, estate_figures
from estate.ranking.fragments import Fragments
from estate.ranking.json_format import print_kept_ranking_json
from estate.ranking.packing import Packer, read_texts
from estate.ranking.snapshot import (
    Snapshot,
    fingerprint,
    keep_snapshot,
    load_snapshot,
    ranked_rows,
    scored_when,
)
from estate.scoring import score_estate
from estate.scoring.policy import Policy, load_policy
from tests.conftest import Run
from tests.returns import small_return, system

AS_OF = dt.date(2026, 11, 1)
SCORED_AT = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def engine(demo_db: Path) -> Iterator[Engine]:
    engine = db.open_engine(demo_db)
    yield engine
    engine.dispose()


def _current(engine: Engine, policy: Policy) -> str:
    with engine.connect() as connection:
        return fingerprint(connection, policy)


def _take(engine: Engine, policy: Policy, scored_at: dt.datetime = SCORED_AT) -> Snapshot:
    with engine.connect() as connection:
        current = fingerprint(connection, policy)
        scores = score_estate(connection, policy)
    return Snapshot(ranked_rows(scores), estate_figures(scores), current, scored_at)


def _kept_texts(path: Path) -> list[tuple[int, bytes, list[object]]]:
    """Each kept system's rank, compact explanation (its fragments put back) and its row's
    `WORDS`, as they were before compressing, in rank order."""
    with closing(sqlite3.connect(path)) as raw:
        dictionary, fragments = raw.execute(
            "SELECT dictionary, fragments FROM ranking_snapshot"
        ).fetchone()
        rows = raw.execute(
            "SELECT rank, explanation FROM ranking_snapshot_row ORDER BY rank"
        ).fetchall()
    unpack = Packer(dictionary).unpack
    join = Fragments.from_bytes(fragments).join
    found = []
    for rank, packed in rows:
        texts = read_texts(unpack(packed))
        assert texts.explanation is not None
        found.append((rank, join(texts.explanation, texts.fragments), texts.words))
    return found


def _model_columns() -> set[str]:
    return set(models.table_of(models.RankingSnapshotRow).c.keys())


def _stored(engine: Engine) -> Snapshot | None:
    with engine.connect() as connection:
        return load_snapshot(connection)


def test_a_kept_snapshot_reads_back_as_it_was_scored(engine: Engine) -> None:
    policy = load_policy(as_of=AS_OF)
    assert _stored(engine) is None, "a new estate has no snapshot"
    taken = _take(engine, policy)
    assert keep_snapshot(engine, taken, None)
    stored = _stored(engine)
    assert stored is not None
    assert stored.rows == taken.rows
    assert [row.rank for row in stored.rows] == list(range(1, len(taken.rows) + 1))
    assert stored.figures == taken.figures
    assert stored.figures.summary.by_band["Red-rated"] == sum(
        1 for row in taken.rows if row.band == "Red-rated"
    )
    assert stored.fingerprint == taken.fingerprint
    assert scored_when(stored) == f"{SCORED_AT.astimezone():%d/%m/%Y %H:%M}"


def test_figures_survive_json(engine: Engine) -> None:
    figures = _take(engine, load_policy(as_of=AS_OF)).figures
    assert figures.riskiest and figures.top_gaps and figures.summary.by_department
    text = json.dumps(figures.to_json())
    assert EstateFigures.from_json(json.loads(text)) == figures


def test_the_fingerprint_follows_data_policy_and_date(
    engine: Engine, demo_db: Path, tmp_path: Path, run: Run
) -> None:
    policy = load_policy(as_of=AS_OF)
    before = _current(engine, policy)
    assert _current(engine, load_policy(as_of=AS_OF)) == before, "same data, same fingerprint"
    assert _current(engine, load_policy(as_of=AS_OF + dt.timedelta(days=1))) != before
    heavier = tmp_path / "policy.toml"
    heavier.write_text("[priority.weights]\nlegacy = 9\n", encoding="utf-8")
    assert _current(engine, load_policy(heavier, as_of=AS_OF)) != before

    returned = small_return(
        tmp_path / "dbp.xlsx", [system("DBP-NEW")], components=[], dependencies=[], security=[]
    )
    assert run("--db", demo_db, "import", returned, "--quiet").exit_code == 0
    after_import = _current(engine, policy)
    assert after_import != before

    lifecycle = tmp_path / "widgetos.json"
    lifecycle.write_text(json.dumps([{"cycle": "9", "eol": "2024-01-31"}]), encoding="utf-8")
    imported = run("--db", demo_db, "catalogue", "import", lifecycle, "--product", "widgetos")
    assert imported.exit_code == 0, imported.output
    assert _current(engine, policy) != after_import


def test_a_snapshot_of_the_same_data_is_not_written_again(engine: Engine) -> None:
    policy = load_policy(as_of=AS_OF)
    first = _take(engine, policy)
    assert keep_snapshot(engine, first, None)
    later = _take(engine, policy, SCORED_AT + dt.timedelta(hours=3))
    assert keep_snapshot(engine, later, first.fingerprint)
    stored = _stored(engine)
    assert stored is not None and scored_when(stored) == scored_when(first)


def test_a_database_busy_with_another_writer_keeps_its_old_snapshot(
    demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)
    engine = db.open_engine(demo_db)
    try:
        first = _take(engine, load_policy(as_of=AS_OF))
        assert keep_snapshot(engine, first, None)
        other_day = _take(engine, load_policy(as_of=AS_OF + dt.timedelta(days=1)))
        with closing(sqlite3.connect(demo_db)) as writer:
            writer.execute("BEGIN IMMEDIATE")  # another process in the middle of an import
            assert not keep_snapshot(engine, other_day, first.fingerprint)
            writer.rollback()
        stored = _stored(engine)
        assert stored is not None and stored.fingerprint == first.fingerprint
        assert len(stored.rows) == len(first.rows)
    finally:
        engine.dispose()


def test_upgrading_a_version_1_estate_adds_the_snapshot_and_drops_redundant_indexes(
    demo_db: Path,
) -> None:
    with closing(sqlite3.connect(demo_db)) as raw, raw:  # the tables as version 1 had them
        raw.execute("DROP TABLE ranking_snapshot_row")
        raw.execute("DROP TABLE ranking_snapshot")
        raw.execute("CREATE INDEX ix_system_organisation_id ON system (organisation_id)")
        raw.execute("CREATE INDEX ix_component_system_id ON component (system_id)")
        raw.execute("CREATE INDEX ix_dependency_from_system_id ON dependency (from_system_id)")
        raw.execute(
            "CREATE INDEX ix_security_assessment_system_id ON security_assessment (system_id)"
        )
        raw.execute("UPDATE estate_version SET version_num = '1'")
    assert db.upgrade(demo_db) == (1, db.SCHEMA_VERSION)
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            inspector = sa.inspect(connection)
            tables = set(inspector.get_table_names())
            assert {"ranking_snapshot", "ranking_snapshot_row"} <= tables
            indexes = {i["name"] for t in tables for i in inspector.get_indexes(t)}
            assert indexes and not indexes & set(db.REDUNDANT_IN_VERSION_1)
            assert load_snapshot(connection) is None
        taken = _take(engine, load_policy(as_of=AS_OF))
        assert keep_snapshot(engine, taken, None)
        assert _stored(engine) is not None
    finally:
        engine.dispose()


def test_upgrading_a_version_2_estate_adds_the_snapshot_columns_and_drops_the_kept_ranking(
    demo_db: Path,
) -> None:
    engine = db.open_engine(demo_db)
    try:
        assert keep_snapshot(engine, _take(engine, load_policy(as_of=AS_OF)), None)
    finally:
        engine.dispose()
    with closing(sqlite3.connect(demo_db)) as raw, raw:  # the snapshot rows as version 2 had them
        for name in models.SNAPSHOT_ROW_COLUMNS_IN_VERSION_3:
            if name in _model_columns():  # version 7 keeps the others in the compressed texts
                raw.execute(f"ALTER TABLE ranking_snapshot_row DROP COLUMN {name}")
        raw.execute("UPDATE estate_version SET version_num = '2'")
    assert db.upgrade(demo_db) == (2, db.SCHEMA_VERSION)
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            columns = {
                c["name"] for c in sa.inspect(connection).get_columns("ranking_snapshot_row")
            }
            assert columns == _model_columns()
            assert load_snapshot(connection) is None, "the old ranking is scored afresh"
        taken = _take(engine, load_policy(as_of=AS_OF))
        assert keep_snapshot(engine, taken, None)
        stored = _stored(engine)
        assert stored is not None and stored.rows == taken.rows
        assert any(row.run_cost for row in stored.rows) and any(r.disposition for r in stored.rows)
    finally:
        engine.dispose()


def test_upgrading_a_version_3_estate_adds_the_explanations_and_drops_the_kept_ranking(
    demo_db: Path, run: Run
) -> None:
    engine = db.open_engine(demo_db)
    try:
        assert keep_snapshot(engine, _take(engine, load_policy(as_of=AS_OF)), None)
    finally:
        engine.dispose()
    with closing(sqlite3.connect(demo_db)) as raw, raw:  # the snapshot rows as version 3 had them
        for name in models.SNAPSHOT_ROW_COLUMNS_IN_VERSION_4:
            if name in _model_columns():  # version 7 keeps the others in the compressed texts
                raw.execute(f"ALTER TABLE ranking_snapshot_row DROP COLUMN {name}")
        raw.execute("UPDATE estate_version SET version_num = '3'")
    refused = run("--db", demo_db, "rank", "--json", "--as-of", AS_OF.isoformat())
    assert refused.exit_code == 1 and "estate upgrade" in refused.stderr
    assert db.upgrade(demo_db) == (3, db.SCHEMA_VERSION)
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            columns = {
                c["name"] for c in sa.inspect(connection).get_columns("ranking_snapshot_row")
            }
            assert columns == _model_columns()
            assert load_snapshot(connection) is None, "the old ranking is scored afresh"
    finally:
        engine.dispose()
    fresh = run("--db", demo_db, "rank", "--json", "--as-of", AS_OF.isoformat())
    assert fresh.exit_code == 0, fresh.output
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            assert load_snapshot(connection) is not None
    finally:
        engine.dispose()
    texts = _kept_texts(demo_db)
    kept = json.loads(b"[" + b",".join(compact_lead(r) + t for r, t, _words in texts) + b"]")
    assert kept == json.loads(fresh.stdout)["systems"]


def test_upgrading_a_version_4_estate_drops_the_compact_explanations_for_laid_out_ones(
    demo_db: Path, run: Run
) -> None:
    """Version 4 kept each explanation as compact text; version 5 keeps it as `rank --json`
    lays it out, so the old kept ranking is dropped and the next scoring keeps the new."""
    ranked = ("--db", demo_db, "rank", "--json", "--as-of", AS_OF.isoformat())
    fresh = run(*ranked).stdout
    compact = [
        (json.dumps(json.loads(compact_lead(rank) + text), separators=(",", ":")), rank)
        for rank, text, _words in _kept_texts(demo_db)
    ]
    with closing(sqlite3.connect(demo_db)) as raw, raw:  # the explanations as version 4 had them
        raw.execute("ALTER TABLE ranking_snapshot_row DROP COLUMN explanation")
        raw.execute("ALTER TABLE ranking_snapshot_row ADD COLUMN explanation TEXT")
        raw.executemany("UPDATE ranking_snapshot_row SET explanation = ? WHERE rank = ?", compact)
        raw.execute("UPDATE estate_version SET version_num = '4'")
    assert db.upgrade(demo_db) == (4, db.SCHEMA_VERSION)
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            assert load_snapshot(connection) is None, "the old ranking is scored afresh"
    finally:
        engine.dispose()
    assert run(*ranked).stdout == fresh
    assert _kept_texts(demo_db)[0][1].startswith(b'"key":')
    assert run(*ranked).stdout == fresh


def test_upgrading_a_version_7_estate_drops_the_kept_ranking_for_a_compact_one(
    demo_db: Path, run: Run
) -> None:
    """Version 7 kept each system's facts, digest and date window in columns of their own (the
    window indexed); version 8 keeps the facts compressed with the texts, the explanations'
    shared items once, and the digest, window, band, readiness and disposition as integers.
    The old kept ranking is dropped and the next command scores it afresh, printing
    what it printed before."""
    day = ("--as-of", AS_OF.isoformat())
    fresh = run("--db", demo_db, "rank", "--json", *day).stdout
    schema_7 = (Path(__file__).parent / "schemas" / "schema_7.sql").read_text()
    tables = re.findall(r"CREATE TABLE ranking_snapshot(?:_row)? \(.*?\n\);", schema_7, re.S)
    index = re.findall(r"CREATE INDEX ix_ranking_snapshot_row_\w+ ON [^;]*;", schema_7)
    assert len(tables) == 2 and len(index) == 2
    with closing(sqlite3.connect(demo_db)) as raw, raw:  # the kept ranking as version 7 kept it
        raw.execute("DROP TABLE ranking_snapshot_row")
        raw.execute("DROP TABLE ranking_snapshot")
        raw.executescript("\n".join([*tables, *index]))
        raw.execute(
            "INSERT INTO ranking_snapshot (id, fingerprint, scored_at, figures) "
            "VALUES (1, 'x', '2026-11-25 09:30:00', '{}')"
        )
        raw.execute(
            "INSERT INTO ranking_snapshot_row (rank, key, department, priority, readiness, gaps, "
            "high_gaps, dependents, security_weight, basis, valid_from, kept) "
            "VALUES (1, 'HMT/PAY-1', 'HMT', 1.0, 'Ready', 0, 0, 0, 0, 'ab', '2026-01-01', x'90')"
        )
        raw.execute("UPDATE estate_version SET version_num = '7'")
    assert db.upgrade(demo_db) == (7, db.SCHEMA_VERSION)
    with closing(sqlite3.connect(demo_db)) as raw:
        stored = {row[1] for row in raw.execute("PRAGMA table_info(ranking_snapshot_row)")}
        made = raw.execute(
            "SELECT name, type FROM pragma_table_info('ranking_snapshot_row') "
            "WHERE name IN ('basis', 'valid_from', 'band')"
        ).fetchall()
        assert raw.execute("SELECT count(*) FROM ranking_snapshot_row").fetchone() == (0,)
    assert stored == _model_columns() and "kept" not in stored
    assert sorted(made) == [("band", "SMALLINT"), ("basis", "BIGINT"), ("valid_from", "INTEGER")]
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            assert load_snapshot(connection) is None, "the old ranking is scored afresh"
    finally:
        engine.dispose()
    assert run("--db", demo_db, "rank", "--json", *day).stdout == fresh
    assert run("--db", demo_db, "rank", "--json", *day).stdout == fresh, "from the kept one"


def test_a_ranking_kept_without_explanations_serves_no_json(engine: Engine) -> None:
    taken = _take(engine, load_policy(as_of=AS_OF))
    assert taken.kept is None
    assert keep_snapshot(engine, taken, None)
    printed = io.BytesIO()
    with engine.connect() as connection:
        policy = load_policy(as_of=AS_OF)
        assert not print_kept_ranking_json(connection, policy, printed, by=RankBy.PRIORITY)
    assert printed.getvalue() == b"", "nothing written: the caller scores afresh"
