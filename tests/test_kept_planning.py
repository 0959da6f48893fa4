"""The commands that plan by the ranking (`waves`, `contracts`) on a new day take the kept
ranking brought up to date and read only what they plan with: the chosen systems'
dependencies, not the whole estate's graph; yet print exactly what a fresh scoring gives."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from estate import db
from estate.graph import dependencies_among, load_graph
from estate.graph.waves import plan_waves
from tests.conftest import Run

KEPT_ON = "2026-11-01"
LATER = "2027-06-01"
"""A day far enough on for support dates to pass: systems are rescored and move."""

PLANS = (
    ("waves", "--csv"),
    ("waves", "--json", "--band", "red"),
    ("waves", "--json", "--top", "40", "--max-size", "6"),
    ("waves", "--csv", "--department", "DBP", "--max-size", "3"),
    ("contracts", "--json"),
    ("contracts", "--csv", "--within", "6", "--department", "DHR"),
)


def _ok(run: Run, *args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", PLANS, ids=" ".join)
def test_a_plan_for_a_new_day_from_the_kept_ranking_is_what_scoring_gives(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    forbid_scoring: Callable[[], None],
    monkeypatch: pytest.MonkeyPatch,
    command: tuple[str, ...],
) -> None:
    never_ranked = tmp_path / "never-ranked.db"
    shutil.copy(demo_db, never_ranked)
    _ok(run, "--db", demo_db, "rank", "--top", "1", "--as-of", KEPT_ON)  # kept
    forbid_scoring()
    kept = _ok(run, "--db", demo_db, *command, "--as-of", LATER)
    monkeypatch.undo()
    fresh = _ok(run, "--db", never_ranked, *command, "--as-of", LATER)
    assert kept == fresh
    assert kept.strip()  # something was planned


def test_the_dependencies_among_a_selection_are_the_whole_graph_cut_to_it(
    demo_db: Path,
) -> None:
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        whole = load_graph(connection)
        systems = sorted(k for k, node in whole.nodes.items() if not node.placeholder)
        chooser = random.Random(7)
        for size in (1, 25, len(systems) // 3, len(systems)):
            chosen = chooser.sample(systems, size)
            among, names = dependencies_among(connection, chosen)
            cut = whole.graph.subgraph(chosen)
            assert list(among.nodes) == chosen
            assert set(among.edges) == set(cut.edges)
            assert names == {key: whole.nodes[key].name for key in chosen}
            priority = {key: float(chooser.randrange(100)) for key in chosen}
            for cap in (None, 4):
                assert plan_waves(among, chosen, priority, cap) == plan_waves(
                    whole.graph, chosen, priority, cap
                )
    engine.dispose()


def test_a_selection_in_a_cycle_moves_together_when_only_its_dependencies_are_read(
    demo_db: Path,
) -> None:
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        whole = load_graph(connection)
        cycles = [c for c in nx.strongly_connected_components(whole.graph) if len(c) > 1]
        assert cycles, "the sample estate has dependency cycles"
        chosen = sorted(cycles[0])
        among, _ = dependencies_among(connection, chosen)
    engine.dispose()
    waves = plan_waves(among, chosen, dict.fromkeys(chosen, 1.0))
    assert [w.clusters for w in waves] == [[chosen]]


@pytest.mark.postgres
def test_plans_for_a_new_day_on_postgresql_are_those_on_sqlite(
    run: Run, demo_db: Path, pg_url: str
) -> None:
    _ok(run, "copy", demo_db, pg_url)
    for database in (pg_url, demo_db):
        _ok(run, "--db", database, "rank", "--top", "1", "--as-of", KEPT_ON)  # kept
    for command in PLANS:
        on_server = _ok(run, "--db", pg_url, *command, "--as-of", LATER)
        assert on_server == _ok(run, "--db", demo_db, *command, "--as-of", LATER), command
