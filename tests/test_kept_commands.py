"""The commands that need every system's explanation (`export` in every format, `changes`)
take the ranking from the kept ranking brought up to date, never by scoring the whole estate
again, and write exactly what a fresh scoring would have given."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from estate import db, exports
from estate.exports import export_ranking
from estate.history import changes as history_changes
from estate.history.board import board_history
from estate.periods import quarter_of
from estate.portfolio import read_portfolio
from estate.ranking import parse_band
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from tests.conftest import Run

KEPT_ON = "2026-11-01"
LATER = "2027-06-01"
"""A day far enough on for support dates to pass: systems are rescored and move."""
FORMATS = ("xlsx", "csv", "json", "md")


def _ok(run: Run, *args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _cells(sheet: Worksheet) -> list[tuple[Any, ...]]:
    return list(sheet.iter_rows(values_only=True))


def _same_file(kept: Path, fresh: Path) -> None:
    if kept.suffix != ".xlsx":
        assert kept.read_bytes() == fresh.read_bytes(), kept.name
        return
    ours, theirs = load_workbook(kept), load_workbook(fresh)
    assert ours.sheetnames == theirs.sheetnames
    for name in ours.sheetnames:
        assert _cells(ours[name]) == _cells(theirs[name]), name


def _scorings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the scorings of whole estates the changes make (of a period's rebuilt copy, or of
    the stored estate): each call is recorded with the date it scored as at."""
    calls: list[str] = []

    def counted(connection: Any, policy: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(policy.as_of.isoformat())
        return score_estate(connection, policy, *args, **kwargs)

    monkeypatch.setattr(history_changes, "score_estate", counted)
    return calls


@pytest.mark.parametrize("suffix", FORMATS)
def test_an_export_for_a_new_day_takes_the_kept_ranking_and_writes_what_scoring_gives(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    suffix: str,
) -> None:
    never_ranked = tmp_path / "never-ranked.db"
    shutil.copy(demo_db, never_ranked)
    _ok(run, "--db", demo_db, "rank", "--top", "1", "--as-of", KEPT_ON)  # kept
    forbid_scoring()
    kept = tmp_path / f"kept.{suffix}"
    _ok(run, "--db", demo_db, "export", kept, "--as-of", LATER)
    monkeypatch.undo()
    fresh = tmp_path / f"fresh.{suffix}"
    _ok(run, "--db", never_ranked, "export", fresh, "--as-of", LATER)
    _same_file(kept, fresh)


def test_a_filtered_export_takes_the_kept_ranking_too(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    never_ranked = tmp_path / "never-ranked.db"
    shutil.copy(demo_db, never_ranked)
    chosen = ("--department", "DBP", "--band", "red", "--as-of", LATER)
    _ok(run, "--db", demo_db, "rank", "--top", "1", "--as-of", KEPT_ON)
    forbid_scoring()
    _ok(run, "--db", demo_db, "export", tmp_path / "kept.xlsx", *chosen)
    monkeypatch.undo()
    _ok(run, "--db", never_ranked, "export", tmp_path / "fresh.xlsx", *chosen)
    _same_file(tmp_path / "kept.xlsx", tmp_path / "fresh.xlsx")


def _current_period(run: Run, db_path: Path, folder: Path) -> str:
    """Import the DBP return again as the current quarter's (the period an import takes when
    none is given), so that the latest period is scored as at today."""
    template = folder / "dbp.xlsx"
    _ok(run, "--db", db_path, "template", template, "--department", "DBP")
    _ok(run, "--db", db_path, "import", template, "--quiet")
    return quarter_of(dt.date.today())


def test_changes_into_the_current_period_take_its_scores_from_the_kept_ranking(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    current = _current_period(run, demo_db, tmp_path)
    never_ranked = tmp_path / "never-ranked.db"
    shutil.copy(demo_db, never_ranked)
    _ok(run, "--db", demo_db, "rank", "--top", "1")  # kept as at today
    forbid_scoring()
    scorings = _scorings(monkeypatch)
    kept = _ok(run, "--db", demo_db, "changes", "--json")
    assert len(scorings) == 1, "only the earlier period is scored, on its rebuilt copy"
    monkeypatch.undo()
    fresh = _ok(run, "--db", never_ranked, "changes", "--json")
    assert kept == fresh
    assert f'"until": "{current}"' in kept


def test_a_board_export_scores_no_period_the_kept_ranking_stands_for(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _current_period(run, demo_db, tmp_path)
    never_ranked = tmp_path / "never-ranked.db"
    shutil.copy(demo_db, never_ranked)
    _ok(run, "--db", demo_db, "rank", "--top", "1")
    _ok(run, "--db", demo_db, "trend")  # the trend's figures kept
    forbid_scoring()
    scorings = _scorings(monkeypatch)
    _ok(run, "--db", demo_db, "export", tmp_path / "kept.xlsx")
    assert len(scorings) == 1, "the Changes sheet scores only the earlier period"
    monkeypatch.undo()
    _ok(run, "--db", never_ranked, "export", tmp_path / "fresh.xlsx")
    _same_file(tmp_path / "kept.xlsx", tmp_path / "fresh.xlsx")


@pytest.mark.parametrize(
    "chosen", [(), ("--top", "7"), ("--department", "DBP", "--band", "red"), ("--band", "high")]
)
def test_the_json_export_copies_the_kept_texts_as_laying_them_out_would_give(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    chosen: tuple[str, ...],
) -> None:
    _ok(run, "--db", demo_db, "rank", "--top", "1", "--as-of", KEPT_ON)
    copied = tmp_path / "copied.json"

    def not_laid_out(document: Any) -> str:
        raise AssertionError("the systems were laid out again, not copied from the kept ranking")

    monkeypatch.setattr(exports, "json_text", not_laid_out)
    _ok(run, "--db", demo_db, "export", copied, "--as-of", LATER, *chosen)
    monkeypatch.undo()
    options = dict(zip(chosen[::2], chosen[1::2], strict=True))
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            scores = score_estate(connection, load_policy(as_of=dt.date.fromisoformat(LATER)))
    finally:
        engine.dispose()
    laid_out = tmp_path / "laid-out.json"
    export_ranking(
        scores,
        laid_out,
        departments=[options["--department"]] if "--department" in options else [],
        bands=[parse_band(options["--band"])] if "--band" in options else [],
        top=int(options["--top"]) if "--top" in options else None,
        portfolio=lambda keys: _portfolio(demo_db, scores.policy, keys),
        history=lambda scored: _history(demo_db, scored, options.get("--department")),
    )
    assert copied.read_bytes() == laid_out.read_bytes()
    assert json.loads(copied.read_bytes())["systems"], "systems were copied"


def _portfolio(db_path: Path, policy: Any, keys: set[str]) -> Any:
    engine = db.open_engine(db_path)
    try:
        with engine.connect() as connection:
            return read_portfolio(connection, policy.as_of, systems=keys)
    finally:
        engine.dispose()


def _history(db_path: Path, scored: Any, department: str | None) -> Any:
    engine = db.open_engine(db_path)
    try:
        return board_history(
            engine, scored.policy, departments=[department] if department else [], scored=scored
        )
    finally:
        engine.dispose()


def test_a_json_export_whose_kept_texts_do_not_match_is_laid_out_afresh(
    demo_db: Path, tmp_path: Path
) -> None:
    engine = db.open_engine(demo_db)
    try:
        with engine.connect() as connection:
            scores = score_estate(connection, load_policy(as_of=dt.date.fromisoformat(KEPT_ON)))
    finally:
        engine.dispose()
    export_ranking(scores, tmp_path / "plain.json", top=3)

    def other_systems(out: Any) -> bool:  # the kept ranking of another state of the estate
        out.write(b'{\n  "systems": [\n    {\n      "rank": 9,\n      "key": "X"\n    }\n  ]\n}\n')
        return True

    export_ranking(scores, tmp_path / "checked.json", top=3, kept_json=other_systems)
    assert (tmp_path / "checked.json").read_bytes() == (tmp_path / "plain.json").read_bytes()


def test_every_systems_scores_from_the_kept_ranking_are_a_fresh_scorings(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The exports' scores of every system come from the kept ranking brought up to date,
    each blast radius as kept (the graph's is not worked out again), after an import and on
    a later day: each system's explanation and place are what scoring the estate afresh
    gives."""
    from estate.graph import EstateGraph
    from estate.ranking.kept_scores import kept_scores
    from estate.ranking.snapshot import current_basis, keep_snapshot, take_snapshot
    from estate.ranking.update import update_kept_ranking
    from estate.scoring.serialise import score_dict
    from importers import ImportOptions, import_return
    from tests.returns import small_return
    from tests.returns import system as system_row

    engine = db.open_engine(demo_db)
    try:
        kept_on = load_policy(as_of=dt.date.fromisoformat(KEPT_ON))
        with engine.connect() as connection:
            basis = current_basis(connection, kept_on)
            scores = score_estate(connection, kept_on)
        assert keep_snapshot(engine, take_snapshot(scores, basis), None)
        critical = small_return(
            tmp_path / "dbp.xlsx",
            [system_row("DBP-00001", criticality="Low")],
            components=[],
            dependencies=[],
            security=[],
        )
        assert import_return(engine, critical, ImportOptions(skip_invalid=True)).stored
        later = load_policy(as_of=dt.date.fromisoformat(LATER))
        assert update_kept_ranking(engine, later)

        def worked_out_again(self: EstateGraph) -> Any:
            raise AssertionError("the kept blast radius is read, not worked out again")

        with engine.connect() as connection:
            monkeypatch.setattr(EstateGraph, "blast_radius", worked_out_again)
            kept = kept_scores(connection, later)
            monkeypatch.undo()
            fresh = score_estate(connection, later)
        assert kept is not None
        assert [s.blast for s in kept.systems if s.blast and s.blast.total]
        assert [(s.rank, score_dict(s)) for s in kept.systems] == [
            (s.rank, score_dict(s)) for s in fresh.systems
        ]
    finally:
        engine.dispose()
