"""The core and the importers never load the terminal UI toolkit, and no module imports
itself round a circle."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx


def test_core_and_importers_do_not_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, estate, importers\n"
        "for package in (estate, importers):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "loaded = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui'))]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def _module_imports(root: Path) -> nx.DiGraph:
    """Which module of estate, importers and tui imports which at its top level (not inside a
    function, nor for type checking only), as a graph of module names."""
    modules: dict[str, Path] = {}
    for package in ("estate", "importers", "tui"):
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                inside = [f"{node.module}.{alias.name}" for alias in node.names]
                targets = [t for t in inside if t in modules]
                if len(targets) < len(inside):  # names defined in the module itself
                    targets.append(node.module)
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


def test_no_module_imports_itself_round_a_circle() -> None:
    graph = _module_imports(Path(__file__).resolve().parent.parent)
    assert graph.number_of_edges() > 500  # the modules' imports were read
    circles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    assert circles == []


def test_commands_reading_the_kept_ranking_load_no_graph_library_or_fuzzy_matcher(
    demo_db: Path,
) -> None:
    # Every command starts by importing what it needs: networkx alone took a tenth of a
    # second, and the fuzzy matcher is for rejected values. A command that reads the kept
    # ranking (brought up to date for a new day) needs neither.
    code = (
        "import sys\n"
        "from estate.cli.base import cli\n"
        "for command in (['rank', '--top', '3'], ['contracts', '--json'], ['portfolio'],\n"
        "                ['rank', '--json', '--as-of', '2026-11-02']):\n"
        "    try:\n"
        "        cli(['--db', sys.argv[1], *command], standalone_mode=False)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'networkx', 'rapidfuzz'})\n"
        "print('loaded:', ','.join(loaded), file=sys.stderr)\n"
    )
    # The first run keeps the ranking for the new day; the second reads it as kept.
    subprocess.run([sys.executable, "-c", code, str(demo_db)], capture_output=True, check=True)
    result = subprocess.run(
        [sys.executable, "-c", code, str(demo_db)], capture_output=True, text=True, check=True
    )
    assert "loaded: \n" in result.stderr, result.stderr[-2000:]
