"""`estate graph` and `estate waves` through the entry point, on the sample estate."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import pytest

from estate.cli import console
from tests.conftest import Run

AS_OF = ("--as-of", "2026-11-01")


def test_graph_system_shows_its_neighbours_and_blast_radius(run: Run, demo_db: Path) -> None:
    central = json.loads(run("--db", demo_db, "graph", "central", "--top", "1", "--json").stdout)[0]
    result = run("--db", demo_db, "graph", central["key"], "--depth", "2", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["blast_radius"]["total"] == central["total"]
    used_by = [n for n in data["neighbours"] if n["direction"] == "depended on by"]
    assert used_by and all(-2 <= n["distance"] <= -1 for n in used_by)
    up = json.loads(
        run("--db", demo_db, "graph", "show", central["key"], "--direction", "up", "--json").stdout
    )
    assert all(n["distance"] < 0 for n in up["neighbours"])


def test_graph_export_whole_estate_round_trips(run: Run, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "estate.graphml"
    result = run("--db", demo_db, "graph", "export", out)
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out)
    stats = json.loads(run("--db", demo_db, "stats", "--json").stdout)
    placeholders = [n for n, d in graph.nodes(data=True) if d["placeholder"]]
    assert graph.number_of_nodes() == stats["systems"] + len(placeholders)
    assert placeholders, "dependencies on unreturned systems are visible, not dropped"
    assert graph.number_of_edges() == stats["dependencies"]


def test_graph_export_neighbourhood_formats(run: Run, demo_db: Path, tmp_path: Path) -> None:
    key = json.loads(run("--db", demo_db, "graph", "central", "--top", "1", "--json").stdout)[0][
        "key"
    ]
    for suffix in ("dot", "mmd", "json"):
        out = tmp_path / f"n.{suffix}"
        assert (
            run("--db", demo_db, "graph", "export", out, "--around", key, "--depth", "1").exit_code
            == 0
        )
        assert key in out.read_text()
    bad = run("--db", demo_db, "graph", "export", tmp_path / "n.png")
    assert bad.exit_code == 1 and "--format" in bad.stderr


def test_graph_queries(run: Run, demo_db: Path) -> None:
    clusters = json.loads(run("--db", demo_db, "graph", "clusters", "--json").stdout)
    assert clusters and all(len(c) > 1 for c in clusters)
    shared = json.loads(run("--db", demo_db, "graph", "shared", "--json").stdout)
    assert shared and all(s["used_by_departments"] for s in shared)
    assert isinstance(json.loads(run("--db", demo_db, "graph", "orphans", "--json").stdout), list)
    a, b = clusters[0][0], clusters[0][1]
    chain = run("--db", demo_db, "graph", "path", a, b)
    assert chain.exit_code == 0 and a in chain.stdout and b in chain.stdout
    missing = run("--db", demo_db, "graph", "NOPE/NOPE")
    assert missing.exit_code == 1 and "No system" in missing.stderr


def test_systems_shared_across_departments_are_all_piped_and_a_screenful_shown(
    run: Run, demo_db: Path, terminal: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = json.loads(run("--db", demo_db, "graph", "shared", "--json").stdout)
    monkeypatch.setattr(console, "TERMINAL_ROWS", 10)
    shown = run("--db", demo_db, "graph", "shared")
    assert shown.exit_code == 0, shown.output
    assert f"Showing the first 10 of {len(shared)}: --json for all" in shown.stderr
    screen = terminal.getvalue()
    assert screen.startswith(f"{len(shared)} systems used across departments")
    assert sum(s["key"] in screen for s in shared) == 10
    monkeypatch.undo()
    piped = run("--db", demo_db, "graph", "shared")
    assert "Showing the first" not in piped.stderr
    assert all(s["key"] in piped.stdout for s in shared)


def test_waves_respect_dependencies_and_the_cap(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "waves", "--top", "60", "--max-size", "15", "--json")
    assert result.exit_code == 0, result.output
    waves = json.loads(result.stdout)
    wave_of = {k: w["wave"] for w in waves for k in w["systems"]}
    assert len(wave_of) == 60
    assert all(len(w["systems"]) <= 15 or w["oversized"] for w in waves)
    graph = nx.read_graphml(io.StringIO(_graphml(run, demo_db)))
    together = {k: i for w in waves for i, c in enumerate(w["clusters"]) for k in c}
    for source, target in graph.edges:
        if (
            source in wave_of
            and target in wave_of
            and together.get(source, -1) != together.get(target, -2)
        ):
            assert wave_of[target] < wave_of[source], (source, target)
    rows = list(
        csv.DictReader(io.StringIO(run("--db", demo_db, "waves", "--top", "60", "--csv").stdout))
    )
    assert len(rows) == 60 and rows[0]["wave"] == "1"
    ranked = json.loads(run("--db", demo_db, "rank", "--top", "60", "--json").stdout)["systems"]
    cost = {s["key"]: s["annual_run_cost"] for s in ranked}
    assert {
        r["key"]: int(r["annual_run_cost"]) if r["annual_run_cost"] else None for r in rows
    } == cost
    for wave in waves:
        known = [cost[k] for k in wave["systems"] if cost[k] is not None]
        assert wave["annual_run_cost"] == sum(known)
        assert wave["costs_not_known"] == len(wave["systems"]) - len(known)


def _graphml(run: Run, db: Path) -> str:
    return str(run("--db", db, "graph", "export", "-", "--format", "graphml").stdout)


def test_waves_refuse_a_department_the_estate_does_not_have(run: Run, demo_db: Path) -> None:
    result = run("--db", demo_db, "waves", "--department", "XYZ")
    assert result.exit_code == 1
    assert "No department 'XYZ'" in result.stderr and "DBP" in result.stderr


def test_graph_commands_and_waves_use_a_fresh_kept_ranking_alone(
    run: Run, demo_db: Path, forbid_scoring: Callable[[], None]
) -> None:
    commands = [
        ("graph", "orphans"),
        ("graph", "central", "--json"),
        ("graph", "DBP/DBP-00002", "--json"),
        ("graph", "export", "-", "--format", "json"),
        ("waves", "--band", "red", "--json"),
    ]
    scored = [run("--db", demo_db, *command, *AS_OF) for command in commands]
    assert all(r.exit_code == 0 for r in scored), [r.output for r in scored]

    forbid_scoring()
    kept = [run("--db", demo_db, *command, *AS_OF) for command in commands]
    assert [r.stdout for r in kept] == [r.stdout for r in scored]
    bands = {n["id"]: n.get("band") for n in json.loads(kept[3].stdout)["nodes"]}
    assert "Red-rated" in bands.values(), "the kept ranking still colours the graph"


def test_a_system_a_return_says_little_about_is_shown_with_its_band_unknown(
    run: Run, tmp_path: Path
) -> None:
    """A new department's first return may give only names: no criterion can be scored, and
    the ranking and graph commands show the band as unknown and the name as written."""
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    first = tmp_path / "xyz-return.csv"
    first.write_text("System reference,System name\nA-1,Ledger [old]\nA-2,Claims\n")
    imported = run("--db", target, "import", first, "--department", "XYZ", "--period", "2026-Q3")
    assert imported.exit_code == 0, imported.output
    for command in (("rank",), ("graph", "orphans"), ("graph", "XYZ/A-1")):
        result = run("--db", target, *command, *AS_OF)
        assert result.exit_code == 0, (command, result.output, result.exception)
        assert "unknown" in result.output
    orphans = run("--db", target, "graph", "orphans", *AS_OF).output
    assert "XYZ/A-1 Ledger [old] unknown" in orphans
    shown = run("--db", target, "show", "XYZ/A-1", *AS_OF)
    assert shown.exit_code == 0, shown.output
    assert "Legacy risk: unknown (too little is known to score it)" in shown.output


def test_a_system_is_found_whatever_the_case_it_is_typed_in(run: Run, demo_db: Path) -> None:
    """References that differ only in case are one system, so `show` and `graph` find one
    typed in any case."""
    for command in ("show", "graph"):
        exact = run("--db", demo_db, command, "DBP/DBP-00002", "--json", *AS_OF)
        typed = run("--db", demo_db, command, "dbp/dbp-00002", "--json", *AS_OF)
        assert exact.exit_code == 0, exact.output
        assert typed.exit_code == 0, (command, typed.output)
        assert json.loads(typed.stdout) == json.loads(exact.stdout)
    bare = run("--db", demo_db, "graph", "dbp-00002", "--json", *AS_OF)
    assert bare.exit_code == 0, bare.output
    assert json.loads(bare.stdout)["system"] == "DBP/DBP-00002"


def test_a_mermaid_export_shows_names_as_written(run: Run, tmp_path: Path) -> None:
    """Quotes, angle brackets and ampersands in a name are written as Mermaid's entity codes,
    so a viewer shows the name whole rather than reading part of it as markup."""
    target = tmp_path / "estate.db"
    assert run("--db", target, "init").exit_code == 0
    first = tmp_path / "xyz.csv"
    first.write_text('System reference,System name\nA-1,"The ""Big"" <Ledger> & Co"\n')
    assert run("--db", target, "import", first, "-d", "XYZ", "--period", "2026-Q3").exit_code == 0
    out = tmp_path / "estate.mermaid"
    result = run("--db", target, "graph", "export", out, "--format", "mermaid", *AS_OF)
    assert result.exit_code == 0, result.output
    assert '["XYZ/A-1<br/>The #quot;Big#quot; #lt;Ledger#gt; #amp; Co"]' in out.read_text()
