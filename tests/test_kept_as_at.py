"""The kept ranking read as at another day than the one it is kept for (`kept_values_as_at`),
what a trend's period already over reads: exactly what a fresh scoring as at that day gives,
with nothing written, and nothing when the estate changed since the ranking was kept."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from estate import db
from estate.history.from_ranking import still_stored
from estate.history.timeline import read_timeline
from estate.history.trend import figures_of_periods
from estate.ranking.kept_scores import kept_scores
from estate.ranking.snapshot import SNAPSHOT, SNAPSHOT_ROWS, ranked_rows
from estate.ranking.update import kept_values_as_at
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from tests.conftest import LATEST_SAMPLES, Run

KEPT_ON = dt.date(2026, 11, 1)
FIELDS = ("key", "band", "is_legacy", "readiness", "gaps", "priority", "legacy", "dependents")
DAYS = (
    dt.date(2024, 3, 31),  # far back: many systems' support had not ended
    dt.date(2026, 9, 30),  # a quarter's end just before the ranking's day
    KEPT_ON,  # the ranking's own day: read as kept
    dt.date(2028, 1, 1),  # far on: many more out of support
)


def _fresh(engine: Engine, day: dt.date) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=day))
    return sorted(tuple(getattr(r, f) for f in FIELDS) for r in ranked_rows(scores))


def _stored(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as connection:
        head = connection.execute(sa.select(SNAPSHOT.c.fingerprint)).scalar()
        rows = connection.execute(sa.select(SNAPSHOT_ROWS).order_by(SNAPSHOT_ROWS.c.rank)).all()
    return head, [tuple(row) for row in rows]


def _check(run: Run, target: str | Path, engine: Engine) -> None:
    kept = run("--db", target, "rank", "--top", "1", "--as-of", KEPT_ON.isoformat())
    assert kept.exit_code == 0, kept.output
    before = _stored(engine)
    for day in DAYS:
        with engine.connect() as connection:
            found = kept_values_as_at(connection, load_policy(as_of=day), FIELDS)
        assert found is not None, day
        fresh = _fresh(engine, day)
        assert sorted(found) == fresh, day
    assert _stored(engine) == before  # read, never written: the ranking stays the day's
    # The days were far enough apart for scores to move: the check compared rescored systems.
    assert _fresh(engine, DAYS[0]) != _fresh(engine, DAYS[-1])


def test_the_kept_ranking_as_at_another_day_is_a_fresh_scoring_then(
    run: Run, demo_db: Path
) -> None:
    engine = db.open_engine(demo_db)
    try:
        _check(run, demo_db, engine)
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_kept_ranking_as_at_another_day_on_postgresql(
    run: Run, demo_db: Path, pg_database: Callable[[], str]
) -> None:
    url = pg_database()
    copied = run("copy", demo_db, url)
    assert copied.exit_code == 0, copied.output
    engine = db.open_engine(url)
    try:
        _check(run, url, engine)
    finally:
        engine.dispose()


def _import_a_new_system(run: Run, target: Path, folder: Path) -> None:
    """Import a return adding one system (DBP/DBP-NEW-1): the estate changes."""
    source = folder / "dbp.csv"
    source.write_text(
        "Department,Reference,System name,Criticality,Hosting\n"
        "DBP,DBP-NEW-1,Benefit payments,High,On premises\n",
        encoding="utf-8",
    )
    imported = run("--db", target, "import", source, "--skip-invalid")
    assert imported.exit_code == 0, imported.output


def _not_read(*_args: Any) -> Any:
    raise AssertionError("read from the database again")


def test_the_estate_scored_on_the_ranking_s_day_lends_its_facts(
    run: Run, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An export's own scores, on the day the ranking is kept for, lend the systems scored
    again as at another day their facts: nothing is read again, and the values are a fresh
    scoring's. Once an import has landed and the ranking is kept again, the scores read
    before it lend nothing: the systems are read as stored."""
    assert run("--db", demo_db, "rank", "--top", "1", "--as-of", KEPT_ON.isoformat()).exit_code == 0
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            scored = kept_scores(connection, load_policy(as_of=KEPT_ON))
        assert scored is not None and scored.data is not None
        assert still_stored(engine, scored) is scored
        with monkeypatch.context() as patched:
            patched.setattr("estate.ranking.update.read_facts", _not_read)
            patched.setattr("estate.ranking.update._read_rows", _not_read)
            for day in DAYS:
                with engine.connect() as connection:
                    found = kept_values_as_at(connection, load_policy(as_of=day), FIELDS, scored)
                assert found is not None and sorted(found) == _fresh(engine, day), day

        _import_a_new_system(run, demo_db, tmp_path)
        again = run("--db", demo_db, "rank", "--top", "1", "--as-of", KEPT_ON.isoformat())
        assert again.exit_code == 0, again.output
        assert still_stored(engine, scored) is None
        with engine.connect() as connection:
            found = kept_values_as_at(connection, load_policy(as_of=DAYS[0]), FIELDS, scored)
        assert found is not None and sorted(found) == _fresh(engine, DAYS[0])
        assert "DBP/DBP-NEW-1" in {row[0] for row in found}
    finally:
        engine.dispose()


def test_a_kept_ranking_of_an_estate_since_changed_gives_nothing(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    assert run("--db", demo_db, "rank", "--top", "1").exit_code == 0
    _import_a_new_system(run, demo_db, tmp_path)
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            assert kept_values_as_at(connection, load_policy(as_of=DAYS[1]), FIELDS) is None
    finally:
        engine.dispose()


def test_only_the_kept_ranking_s_own_columns_can_be_read(demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection, pytest.raises(ValueError, match="name"):
            kept_values_as_at(connection, load_policy(as_of=KEPT_ON), ("key", "name"))
    finally:
        engine.dispose()


def test_a_trend_whose_last_period_is_over_counts_it_as_scoring_it_would(
    run: Run, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample estate's last period, 2026-Q3, is over: its trend point is as at 30/09/2026,
    read from the ranking kept as at today without scoring the period, and it is what
    scoring the period gives."""
    afresh = tmp_path / "afresh.db"
    shutil.copy(demo_db, afresh)
    assert run("--db", demo_db, "rank", "--top", "1").exit_code == 0  # kept as at today
    scored_periods: list[str] = []

    def counting(connection: Any, periods: Any, *args: Any) -> Any:
        scored_periods.extend(periods)
        return figures_of_periods(connection, periods, *args)

    monkeypatch.setattr("estate.history.trend.figures_of_periods", counting)
    kept = run("--db", demo_db, "trend", "--json")
    assert "2026-Q3" not in scored_periods and "2026-Q2" in scored_periods
    monkeypatch.setattr("estate.history.from_ranking.kept_values_as_at", lambda *_: None)
    scored = run("--db", afresh, "trend", "--json")
    assert "2026-Q3" in scored_periods
    assert kept.exit_code == 0 and scored.exit_code == 0, kept.output + scored.output
    ours, theirs = json.loads(kept.stdout), json.loads(scored.stdout)
    assert ours["periods"][-1]["period"] == "2026-Q3"
    assert ours["periods"][-1]["as_of"] == "2026-09-30"
    assert ours == theirs


def _one_period_estate(run: Run, tmp_path: Path) -> tuple[Path, Path]:
    """The sample estate's latest returns alone (an estate of one period), ranked and so kept
    as at today, and a copy of it taken before it was ranked (nothing kept)."""
    one = tmp_path / "one-period.db"
    assert run("--db", one, "init").exit_code == 0
    for path in sorted(LATEST_SAMPLES.glob("*-return.xlsx")):
        imported = run("--db", one, "import", "--skip-invalid", path)
        assert imported.exit_code == 0, imported.output
    afresh = tmp_path / "afresh.db"
    shutil.copy(one, afresh)
    assert run("--db", one, "rank", "--top", "1").exit_code == 0  # kept as at today
    return one, afresh


def test_the_trend_of_an_estate_of_one_period_reads_no_history_and_is_what_scoring_gives(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An estate whose returns are all for one period: that period is the estate as stored,
    so its trend point is counted from the kept ranking and the stored systems, without
    reading the returns' history, and it is what scoring the period gives."""
    one, afresh = _one_period_estate(run, tmp_path)

    def no_history(*_args: Any) -> Any:
        raise AssertionError("the history was read")

    scored_periods: list[str] = []

    def counting(connection: Any, periods: Any, *args: Any) -> Any:
        scored_periods.extend(periods)
        return figures_of_periods(connection, periods, *args)

    monkeypatch.setattr("estate.history.trend.read_timeline", no_history)
    monkeypatch.setattr("estate.history.trend.figures_of_periods", counting)
    kept = run("--db", one, "trend", "--json")
    assert kept.exit_code == 0, kept.output
    assert scored_periods == []
    monkeypatch.setattr("estate.history.trend.read_timeline", read_timeline)
    monkeypatch.setattr("estate.history.from_ranking.kept_values_as_at", lambda *_: None)
    scored = run("--db", afresh, "trend", "--json")
    assert scored.exit_code == 0, scored.output
    assert scored_periods == ["2026-Q3"]
    ours, theirs = json.loads(kept.stdout), json.loads(scored.stdout)
    assert [p["period"] for p in ours["periods"]] == ["2026-Q3"]
    assert ours == theirs


def test_a_first_board_pack_of_one_period_counts_its_trend_from_its_own_scores(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first pack of an estate of one period works out that period's trend point: from
    the export's own systems (none read again) and the kept ranking, and it is what scoring
    the period gives."""
    one, afresh = _one_period_estate(run, tmp_path)
    with monkeypatch.context() as patched:
        patched.setattr("estate.history.trend.stored_systems", _not_read)
        patched.setattr("estate.ranking.update.read_facts", _not_read)
        patched.setattr("estate.ranking.update._read_rows", _not_read)
        kept = run("--db", one, "export", tmp_path / "kept.json")
    assert kept.exit_code == 0, kept.output
    monkeypatch.setattr("estate.history.from_ranking.kept_values_as_at", lambda *_: None)
    scored = run("--db", afresh, "export", tmp_path / "scored.json")
    assert scored.exit_code == 0, scored.output
    ours = json.loads((tmp_path / "kept.json").read_text(encoding="utf-8"))["trend"]
    theirs = json.loads((tmp_path / "scored.json").read_text(encoding="utf-8"))["trend"]
    assert [p["period"] for p in ours["periods"]] == ["2026-Q3"]
    assert ours == theirs
