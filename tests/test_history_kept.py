"""The trend and the changes (the `trend` and `changes` commands, and the board export's Trend
and Changes sheets) take the current period from the kept ranking brought up to date, and the
periods before from what is kept of each (its figures, its outcomes by system, the verdicts
the changes compare): on a new day nothing is scored again, and what they give is exactly what
a fresh scoring gives."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from estate.history import changes as history_changes
from estate.history import trend as trend_module
from estate.history.changes import packed_verdicts, unpacked_verdicts
from estate.history.trend import packed_outcomes, unpacked_outcomes
from estate.periods import quarter_of
from estate.scoring import score_system
from estate.scoring.outcomes import Outcome
from tests.conftest import Run


def _ok(run: Run, *args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _current_period(run: Run, db_path: Path | str, folder: Path) -> str:
    """Import the DBP return again as the current quarter's (the period an import takes when
    none is given), so that the latest period is scored as at today."""
    template = folder / "dbp.xlsx"
    _ok(run, "--db", db_path, "template", template, "--department", "DBP")
    _ok(run, "--db", db_path, "import", template, "--quiet")
    return quarter_of(dt.date.today())


def _a_new_day(db_path: Path, period: str, *, kept: int = 1) -> None:
    """Make the period's kept figures out of date, as the next day's date makes the current
    period's (its fingerprint holds the day it was scored as at); `kept` says how many rows
    there are to mark."""
    with closing(sqlite3.connect(db_path)) as connection, connection:
        changed = connection.execute(
            "UPDATE trend_figures SET fingerprint = 'yesterday' WHERE period = ?", (period,)
        ).rowcount
    assert changed == kept


def _no_period_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any scoring of a period's outcomes fail the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a period was scored again")

    monkeypatch.setattr(trend_module, "period_outcomes", refuse)


@pytest.fixture
def current(run: Run, demo_db: Path, tmp_path: Path) -> tuple[str, Path]:
    """The sample estate with a return for the current quarter, and a copy of it never ranked
    nor trended (whose trend is scored afresh, period by period)."""
    period = _current_period(run, demo_db, tmp_path)
    never_ranked = tmp_path / "never-ranked.db"
    shutil.copy(demo_db, never_ranked)
    return period, never_ranked


@pytest.mark.parametrize("chosen", [(), ("--department", "DBP"), ("--department", "RCA")])
def test_the_current_periods_trend_on_a_new_day_is_counted_from_the_kept_ranking(
    run: Run,
    demo_db: Path,
    current: tuple[str, Path],
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    chosen: tuple[str, ...],
) -> None:
    period, never_ranked = current
    _ok(run, "--db", demo_db, "rank", "--top", "1")  # kept as at today
    _ok(run, "--db", demo_db, "trend")  # every period's figures and outcomes kept
    _a_new_day(demo_db, period)
    forbid_scoring()
    _no_period_scored(monkeypatch)
    result = run("--db", demo_db, "trend", "--json", *chosen)
    assert result.exit_code == 0, result.output
    assert "Scored afresh" not in result.stderr
    kept = result.stdout
    monkeypatch.undo()
    fresh = _ok(run, "--db", never_ranked, "trend", "--json", *chosen)
    assert kept == fresh
    assert f'"period": "{period}"' in kept
    table = " ".join(_ok(run, "--db", demo_db, "trend", *chosen).split())
    assert table == " ".join(_ok(run, "--db", never_ranked, "trend", *chosen).split())


def test_the_current_periods_trend_is_counted_from_the_ranking_the_first_time_too(
    run: Run, demo_db: Path, current: tuple[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the ranking kept and no trend yet, only the periods before the current one are
    scored (once each); the current one is counted from the ranking, moves and all."""
    period, never_ranked = current
    _ok(run, "--db", demo_db, "rank", "--top", "1")
    scored: list[list[str]] = []
    real = trend_module.figures_of_periods

    def counting(connection: Any, periods: Any, *args: Any) -> Any:
        scored.append(list(periods))
        return real(connection, periods, *args)

    monkeypatch.setattr(trend_module, "figures_of_periods", counting)
    kept = _ok(run, "--db", demo_db, "trend", "--csv")
    assert scored and all(period not in periods for periods in scored)
    monkeypatch.undo()
    assert kept == _ok(run, "--db", never_ranked, "trend", "--csv")


def test_without_the_period_befores_outcomes_the_current_period_is_scored(
    run: Run, demo_db: Path, current: tuple[str, Path]
) -> None:
    """The period before's figures kept without its outcomes (a cache that cannot be read):
    the current period's moves cannot be told from the ranking, so it is scored, and what the
    trend gives never depends on what the cache held."""
    period, never_ranked = current
    _ok(run, "--db", demo_db, "rank", "--top", "1")
    _ok(run, "--db", demo_db, "trend")
    _a_new_day(demo_db, period)
    with closing(sqlite3.connect(demo_db)) as connection, connection:
        before = connection.execute(
            "SELECT max(period) FROM trend_figures WHERE period < ?", (period,)
        ).fetchone()[0]
        connection.execute(
            "UPDATE trend_figures SET figures = json_remove(figures, '$.outcomes') "
            "WHERE period = ?",
            (before,),
        )
    result = run("--db", demo_db, "trend")
    assert result.exit_code == 0, result.output
    assert " ".join(result.stderr.split()) == f"Scored afresh: {period}; the rest as kept."
    kept = _ok(run, "--db", demo_db, "trend", "--json")
    assert kept == _ok(run, "--db", never_ranked, "trend", "--json")


def test_a_board_export_on_a_new_day_scores_no_period_for_its_trend(
    run: Run,
    demo_db: Path,
    current: tuple[str, Path],
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    period, never_ranked = current
    _ok(run, "--db", demo_db, "rank", "--top", "1")
    _ok(run, "--db", demo_db, "trend")
    _a_new_day(demo_db, period)
    forbid_scoring()
    _no_period_scored(monkeypatch)
    _ok(run, "--db", demo_db, "export", tmp_path / "kept.xlsx")
    monkeypatch.undo()
    _ok(run, "--db", never_ranked, "export", tmp_path / "fresh.xlsx")
    ours, theirs = load_workbook(tmp_path / "kept.xlsx"), load_workbook(tmp_path / "fresh.xlsx")
    assert ours.sheetnames == theirs.sheetnames
    for name in ours.sheetnames:
        mine = list(ours[name].iter_rows(values_only=True))
        assert mine == list(theirs[name].iter_rows(values_only=True)), name
    assert any(period in str(row) for row in ours["Trend"].iter_rows(values_only=True))


def test_outcomes_are_kept_compactly_and_read_back_exactly() -> None:
    outcomes = {
        "DBP/DBP-1": Outcome("DBP", True, True, False, 3, 1_234_567.89, True),
        "DBP/DBP-2": Outcome("DBP", False, False, True, 0, None, False),
        "RCA/R 1": Outcome("RCA", True, False, False, 12, 0.0, False),
    }
    text = packed_outcomes(outcomes)
    assert text.isascii()
    assert unpacked_outcomes(text) == outcomes
    for unreadable in (None, 7, "", "not base64!", "aGVsbG8="):
        assert unpacked_outcomes(unreadable) is None


def _refuse_scoring_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any scoring of a whole estate by the changes (of a period's rebuilt copy, or of
    the stored estate) fail the test."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the changes scored a period again")

    monkeypatch.setattr(history_changes, "score_estate", refuse)


@pytest.mark.parametrize(
    "chosen", [(), ("--since", "2026-Q1"), ("--department", "DBP"), ("--csv",)]
)
def test_changes_take_a_kept_periods_verdicts_rather_than_scoring_it_again(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    chosen: tuple[str, ...],
) -> None:
    never_changed = tmp_path / "never-changed.db"
    shutil.copy(demo_db, never_changed)
    as_json = ("--json", *(a for a in chosen if a != "--csv"))
    first = _ok(run, "--db", demo_db, "changes", *as_json)  # the periods' verdicts kept
    forbid_scoring()
    _refuse_scoring_changes(monkeypatch)
    again = _ok(run, "--db", demo_db, "changes", *chosen)
    monkeypatch.undo()
    assert again == _ok(run, "--db", never_changed, "changes", *chosen)
    assert first == _ok(run, "--db", never_changed, "changes", *as_json)


def test_changes_into_the_current_period_on_a_new_day_score_nothing(
    run: Run,
    demo_db: Path,
    current: tuple[str, Path],
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The current period's bands come from the kept ranking (nothing is kept for it: its
    day moves), the period before's verdicts from those kept when it was last compared; a day
    on, nothing is scored but the systems whose band moved, each alone."""
    period, never_ranked = current
    _ok(run, "--db", demo_db, "rank", "--top", "1")
    _ok(run, "--db", demo_db, "changes")
    _a_new_day(demo_db, period, kept=0)
    forbid_scoring()
    _refuse_scoring_changes(monkeypatch)
    alone: list[str] = []
    real = score_system

    def counting(connection: Any, policy: Any, key: str, rank: int) -> Any:
        alone.append(key)
        return real(connection, policy, key, rank)

    monkeypatch.setattr(history_changes, "score_system", counting)
    kept = _ok(run, "--db", demo_db, "changes", "--json")
    monkeypatch.undo()
    assert kept == _ok(run, "--db", never_ranked, "changes", "--json")
    assert f'"until": "{period}"' in kept
    moved = {c["key"] for c in json.loads(kept)["changes"] if c["change"] == "band moved"}
    assert moved and sorted(alone) == sorted(moved), "only the systems whose band moved"
    monkeypatch.setattr(history_changes, "ALONE", 0)  # many moved: scored from one read
    _refuse_scoring_changes(monkeypatch)
    assert _ok(run, "--db", demo_db, "changes", "--json") == kept


def test_a_board_export_on_a_new_day_scores_nothing_for_its_trend_and_changes(
    run: Run,
    demo_db: Path,
    current: tuple[str, Path],
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    period, never_ranked = current
    _ok(run, "--db", demo_db, "rank", "--top", "1")
    _ok(run, "--db", demo_db, "export", tmp_path / "first.xlsx")  # trend and verdicts kept
    _a_new_day(demo_db, period)
    forbid_scoring()
    _no_period_scored(monkeypatch)
    _refuse_scoring_changes(monkeypatch)
    _ok(run, "--db", demo_db, "export", tmp_path / "kept.xlsx")
    _ok(run, "--db", demo_db, "export", tmp_path / "kept.md")
    monkeypatch.undo()
    _ok(run, "--db", never_ranked, "export", tmp_path / "fresh.xlsx")
    _ok(run, "--db", never_ranked, "export", tmp_path / "fresh.md")
    assert (tmp_path / "kept.md").read_bytes() == (tmp_path / "fresh.md").read_bytes()
    ours, theirs = load_workbook(tmp_path / "kept.xlsx"), load_workbook(tmp_path / "fresh.xlsx")
    for name in ("Trend", "Changes since last period"):
        mine = list(ours[name].iter_rows(values_only=True))
        assert mine == list(theirs[name].iter_rows(values_only=True)), name
        assert len(mine) > 1, name


def test_verdicts_are_kept_compactly_and_read_back_exactly() -> None:
    values = (1, None, 6, 3, 1, 1, 6, 6, 6, 1, 3, None, 6)
    verdicts = {"DBP/DBP-1": ("Red", values), "RCA/R 1": (None, (None,) * len(values))}
    assert unpacked_verdicts(packed_verdicts(verdicts)) == verdicts
    assert unpacked_verdicts(packed_verdicts({"X/1": ("Red", (1, 2))})) is None  # too few
    assert unpacked_verdicts("not base64!") is None


@pytest.mark.postgres
def test_on_postgresql_a_new_day_scores_nothing_and_gives_what_sqlite_gives(
    run: Run,
    demo_db: Path,
    pg_url: str,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _ok(run, "--db", pg_url, "demo")
    period = _current_period(run, pg_url, tmp_path)
    _current_period(run, demo_db, tmp_path)
    for where in (pg_url, demo_db):
        _ok(run, "--db", where, "rank", "--top", "1")
        _ok(run, "--db", where, "changes")  # the trend's figures kept with the changes' verdicts
        _ok(run, "--db", where, "trend")
    engine = sa.create_engine(pg_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE trend_figures SET fingerprint = 'yesterday' WHERE period = :p"),
                {"p": period},
            )
    finally:
        engine.dispose()
    forbid_scoring()
    _no_period_scored(monkeypatch)
    _refuse_scoring_changes(monkeypatch)
    on_postgres = [_ok(run, "--db", pg_url, *command) for command in COMMANDS]
    monkeypatch.undo()
    assert on_postgres == [_ok(run, "--db", demo_db, *command) for command in COMMANDS]


COMMANDS = (("trend", "--json"), ("changes", "--json"), ("trend", "--json", "--department", "DBP"))
