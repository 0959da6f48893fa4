"""One benchmark stage at one size, run in its own process so its peak memory is its own.

    python bench/stages.py STAGE SYSTEMS CACHE_DIR

Prints one JSON object: the stage's timings (seconds), ratios against bare baselines measured
in the same run, and the process's peak resident memory (MB).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

AS_OF = dt.date(2026, 11, 1)


def timed(work: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = work()
    return time.perf_counter() - start, result


def cpu_timed(work: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of `work`: on a machine shared with other jobs the CPU
    seconds of this process vary far less than the wall clock."""
    start, cpu = time.perf_counter(), time.process_time()
    work()
    return time.perf_counter() - start, time.process_time() - cpu


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def return_file(systems: int, cache: Path) -> Path:
    """One department's return with `systems` systems (about four dependencies each)."""
    from estate.generate import build_estate, write_estate

    path = cache / f"return-{systems}" / "dbp-return.xlsx"
    if not path.exists():
        write_estate(build_estate(systems, 1, seed=11), path.parent, csv_departments=0)
    return path


def database(systems: int, cache: Path) -> Path:
    """An estate database holding the return, imported once and reused by later stages."""
    from estate import db
    from importers import ImportOptions, import_return

    path = cache / f"estate-{systems}.db"
    if not path.exists():
        engine = db.open_engine(path, create=True)
        import_return(engine, return_file(systems, cache), ImportOptions(skip_invalid=True))
        engine.dispose()
    else:
        db.upgrade(path)  # a cache made by an earlier schema version
    return path


def stage_import(systems: int, cache: Path) -> dict[str, Any]:
    import python_calamine
    from openpyxl import load_workbook

    from estate import db
    from importers import ImportOptions, import_return

    source = return_file(systems, cache)

    def openpyxl_read() -> int:
        book = load_workbook(source, read_only=True, data_only=True)
        sheets = book.worksheets
        cells = sum(len(row) for sheet in sheets for row in sheet.iter_rows(values_only=True))
        book.close()
        return cells

    def calamine_read() -> int:
        book = python_calamine.CalamineWorkbook.from_path(str(source))
        sheets = [book.get_sheet_by_name(name).to_python() for name in book.sheet_names]
        return sum(len(row) for rows in sheets for row in rows)

    t_openpyxl, cells = timed(openpyxl_read)
    t_calamine, _ = timed(calamine_read)
    with tempfile.TemporaryDirectory() as folder:
        engine = db.open_engine(Path(folder) / "e.db", create=True)
        options = ImportOptions(skip_invalid=True)
        t_import, result = timed(lambda: import_return(engine, source, options))
        engine.dispose()
    return {
        "cells": cells,
        "rows_new": result.changes.summary()["new"],
        "openpyxl_read_s": t_openpyxl,
        "calamine_read_s": t_calamine,
        "import_s": t_import,
        "import_over_openpyxl": t_import / t_openpyxl,
        "import_over_calamine": t_import / t_calamine,
    }


def layout_files(systems: int, cache: Path) -> tuple[Path, Path]:
    """The same estate (one department: systems, technology, dependencies) as a template return
    and as a flat asset register with an interfaces sheet naming systems by name."""
    from estate.generate import build_estate, write_estate
    from estate.generate.own_layouts import unique_names, write_register

    folder = cache / f"layouts-{systems}"
    template, register = folder / "dbp-return.xlsx", folder / "dbp-register.xlsx"
    if not (template.exists() and register.exists()):
        (dept,) = build_estate(systems, 1, seed=11)
        unique_names(dept)
        dept.security = []  # a register holds no security assessments
        write_estate([dept], folder, csv_departments=0)
        write_register(dept, register)
    return template, register


def _imports_side_by_side(
    sources: tuple[tuple[str, Path], ...], tables: tuple[str, ...]
) -> dict[str, Any]:
    """Each named return imported for DBP into a new estate of its own: its wall clock, its CPU
    seconds and the rows it stored in `tables`, keyed by its name."""
    from estate import db
    from importers import ImportOptions, import_return

    options = ImportOptions(department="DBP", skip_invalid=True)
    found: dict[str, Any] = {}
    for name, source in sources:
        with tempfile.TemporaryDirectory() as folder:
            engine = db.open_engine(Path(folder) / "e.db", create=True)
            cpu = time.process_time()
            seconds, result = timed(partial(import_return, engine, source, options))
            cpu = time.process_time() - cpu
            with engine.connect() as connection:
                counts = [
                    connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
                    for table in tables
                ]
            engine.dispose()
        found[f"{name}_import_s"] = seconds
        found[f"{name}_cpu_s"] = cpu
        found[f"{name}_rows"] = counts
        assert result.stored
    return found


def stage_layouts(systems: int, cache: Path) -> dict[str, Any]:
    """A flat register's import against the template layout's import of the same estate, in
    wall-clock and in CPU seconds (all threads: the fairer figure on a busy machine)."""
    template, register = layout_files(systems, cache)
    found = _imports_side_by_side(
        (("template", template), ("register", register)), ("system", "component", "dependency")
    )
    found["register_over_template"] = found["register_import_s"] / found["template_import_s"]
    found["register_over_template_cpu"] = found["register_cpu_s"] / found["template_cpu_s"]
    return found


def servicenow_files(rows: int, cache: Path) -> tuple[Path, Path]:
    """The same systems and operating systems as a template return and as a ServiceNow server
    export of `rows` rows (two servers a system, each naming its application)."""
    from estate.generate import build_estate, write_estate
    from estate.generate.own_layouts import servers_only, unique_names, write_servicenow_servers

    folder = cache / f"servicenow-{rows}"
    template, servers = folder / "dbp-return.xlsx", folder / "dbp-cmdb_ci_server.csv"
    if not (template.exists() and servers.exists()):
        (dept,) = build_estate(rows // 2, 1, seed=11)
        unique_names(dept)
        servers_only(dept)
        write_estate([dept], folder, csv_departments=0)
        write_servicenow_servers(dept, servers)
    return template, servers


def stage_servicenow(systems: int, cache: Path) -> dict[str, Any]:
    """A ServiceNow server export (`systems` rows, grouped into systems by application) against
    the template return holding the same systems and operating systems."""
    template, servers = servicenow_files(systems, cache)
    found = _imports_side_by_side(
        (("template", template), ("servicenow", servers)), ("system", "component")
    )
    found["servicenow_over_template"] = found["servicenow_import_s"] / found["template_import_s"]
    found["servicenow_over_template_cpu"] = found["servicenow_cpu_s"] / found["template_cpu_s"]
    return found


def stage_writes(systems: int, cache: Path) -> dict[str, float]:
    """Our database writes (plan and apply, one transaction) of a parsed return into an empty
    estate, against SQLAlchemy Core executemany of the same rows into the same tables. The
    collector is paused for both, as the import pauses it."""
    import sqlalchemy as sa

    from estate import db
    from estate.models import Organisation, System, table_of
    from estate.perf import collector_paused
    from importers.layout import RecordKind
    from importers.parse import parse_return
    from importers.store import RELATED_FIELDS, RELATED_TABLES, apply, plan

    parsed = parse_return(return_file(systems, cache))
    with tempfile.TemporaryDirectory() as folder, collector_paused():
        engine = db.open_engine(Path(folder) / "ours.db", create=True)
        with engine.begin() as connection:
            start = time.perf_counter()
            changes = plan(connection, parsed)
            apply(connection, parsed, changes, period="2026-Q1")
            t_store = time.perf_counter() - start
        engine.dispose()

        system_table, orgs = table_of(System), table_of(Organisation)
        records = {r.values["reference"]: r for r in parsed.records[RecordKind.SYSTEMS]}
        supplied = [
            f
            for f in parsed.mappings[RecordKind.SYSTEMS].fields
            if f not in ("department", "reference")
        ]
        engine = db.open_engine(Path(folder) / "bare.db", create=True)
        with engine.begin() as connection:
            start = time.perf_counter()
            org = connection.execute(
                orgs.insert().values(code=parsed.department, name=parsed.department)
            ).inserted_primary_key
            assert org is not None
            connection.execute(
                system_table.insert(),
                [
                    {
                        **{f: records[c.reference].values.get(f) for f in supplied},
                        "organisation_id": org[0],
                        "reference": c.reference,
                    }
                    for c in changes.systems
                ],
            )
            ids = dict(
                connection.execute(sa.select(system_table.c.reference, system_table.c.id)).all()
            )
            for kind, by_reference in changes.related_rows.items():
                owner = "from_system_id" if kind is RecordKind.DEPENDENCIES else "system_id"
                rows = [
                    {owner: ids[ref], **{f: row.values.get(f) for f in RELATED_FIELDS[kind]}}
                    for ref, group in by_reference.items()
                    for row in group
                ]
                connection.execute(RELATED_TABLES[kind].insert(), rows)
            t_bare = time.perf_counter() - start
        engine.dispose()
    return {"store_s": t_store, "bare_core_s": t_bare, "writes_over_core": t_store / t_bare}


def stage_score(systems: int, cache: Path) -> dict[str, Any]:
    from estate import db
    from estate.graph import load_graph
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy

    engine = db.open_engine(database(systems, cache))
    with engine.connect() as connection:
        t_score, scores = timed(lambda: score_estate(connection, load_policy(as_of=AS_OF)))
        scoring_peak = peak_mb()
        count = len(scores.systems)
        del scores
        t_graph_load, graph = timed(lambda: load_graph(connection))
        t_blast, _ = timed(graph.blast_radius)
    engine.dispose()
    return {
        "scoring_peak_mb": scoring_peak,
        "systems": count,
        "dependencies": graph.graph.number_of_edges(),
        "graph_load_s": t_graph_load,
        "blast_radius_s": t_blast,
        "score_and_graph_s": t_score,
    }


def stage_export(systems: int, cache: Path) -> dict[str, Any]:
    import python_calamine
    import xlsxwriter
    from openpyxl import Workbook

    from estate import db
    from estate.exports import export_ranking
    from estate.exports.workbook import WorkbookWriter
    from estate.graph.waves import plan_waves
    from estate.history.board import board_history
    from estate.portfolio import Portfolio, read_portfolio
    from estate.render.list_columns import PRIORITY_COLUMNS, plain_value
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy

    engine = db.open_engine(database(systems, cache))
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=AS_OF))
    engine.dispose()
    rows = [[plain_value(c.value(s)) for c in PRIORITY_COLUMNS] for s in scores.systems]
    priority = {s.key: s.priority for s in scores.systems}
    t_waves, _ = timed(lambda: plan_waves(scores.graph.graph, list(priority), priority))
    with tempfile.TemporaryDirectory() as folder:
        # The Trend and Changes sheets' figures, worked out beforehand (their scorings are
        # not the writing measured here) on a copy, since working them out keeps the trend's
        # figures in the database.
        copy = Path(folder) / "history.db"
        shutil.copy(database(systems, cache), copy)
        history_engine = db.open_engine(copy)
        try:
            history = board_history(history_engine, scores.policy)
        finally:
            history_engine.dispose()
        assert history is not None, "the estate holds no period to trend"

        def bare_xlsxwriter() -> None:
            book = xlsxwriter.Workbook(f"{folder}/bare.xlsx", {"constant_memory": True})
            sheet = book.add_worksheet()
            for r, row in enumerate(rows):
                sheet.write_row(r, 0, row)
            book.close()

        def bare_openpyxl() -> None:
            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            for row in rows:
                sheet.append(row)
            book.save(f"{folder}/bare-openpyxl.xlsx")

        t_xlsxwriter, _ = timed(bare_xlsxwriter)
        t_openpyxl, _ = timed(bare_openpyxl)

        def priority_sheet_only() -> None:
            writer = WorkbookWriter(Path(folder) / "priority.xlsx")
            writer.priority_sheet(scores.systems)
            writer.close()

        t_priority, _ = timed(priority_sheet_only)

        def portfolio(keys: set[str]) -> Portfolio:
            engine = db.open_engine(database(systems, cache))
            with engine.connect() as connection:
                found = read_portfolio(connection, AS_OF, systems=keys)
            engine.dispose()
            return found

        t_export, cpu_export = cpu_timed(
            lambda: export_ranking(
                scores,
                Path(folder) / "board.xlsx",
                portfolio=portfolio,
                history=lambda _scored: history,
            )
        )
        t_csv, _ = timed(lambda: export_ranking(scores, Path(folder) / "board.csv"))
        # Every cell of the board workbook, read back, then written bare: what its content
        # alone costs the fastest writer, without formats, charts or conditional formatting.
        board = python_calamine.CalamineWorkbook.from_path(f"{folder}/board.xlsx")
        sheets = {
            name: board.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in board.sheet_names
        }

        def bare_xlsxwriter_whole_workbook() -> None:
            book = xlsxwriter.Workbook(f"{folder}/bare-all.xlsx", {"constant_memory": True})
            for name, sheet_rows in sheets.items():
                sheet = book.add_worksheet(name)
                for r, row in enumerate(sheet_rows):
                    sheet.write_row(r, 0, row)
            book.close()

        t_bare_all, cpu_bare_all = cpu_timed(bare_xlsxwriter_whole_workbook)
    return {
        "workbook_cpu_s": cpu_export,
        "bare_whole_workbook_cpu_s": cpu_bare_all,
        "workbook_over_bare_whole_workbook_cpu": cpu_export / cpu_bare_all,
        "cells": len(rows) * len(PRIORITY_COLUMNS),
        "workbook_cells": sum(len(row) for rows_ in sheets.values() for row in rows_),
        "workbook_sheets": list(sheets),
        "trend_periods": len(history.trend.points),
        "changes": None if history.changes is None else len(history.changes.changes),
        "bare_xlsxwriter_whole_workbook_s": t_bare_all,
        "workbook_over_bare_whole_workbook": t_export / t_bare_all,
        "bare_xlsxwriter_s": t_xlsxwriter,
        "bare_openpyxl_write_only_s": t_openpyxl,
        "workbook_s": t_export,
        "csv_s": t_csv,
        "waves_s": t_waves,
        "workbook_over_xlsxwriter": t_export / t_xlsxwriter,
        "priority_sheet_s": t_priority,
        "priority_sheet_over_xlsxwriter": t_priority / t_xlsxwriter,
    }


def stage_tui(systems: int, cache: Path) -> dict[str, Any]:
    from textual.widgets import Static

    from tui.app import make_app
    from tui.data import Filters
    from tui.screens.ranking import RankingScreen

    # A copy of its own: this first opening stores the ranking snapshot that `reopen` shows.
    path = opened_database(systems, cache)
    shutil.copy(database(systems, cache), path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM ranking_snapshot_row")
        connection.execute("DELETE FROM ranking_snapshot")
    result: dict[str, Any] = {}

    async def drive() -> None:
        start = time.perf_counter()
        app = make_app(path, as_of=AS_OF)
        async with app.run_test(size=(140, 45)) as pilot:
            result["first_screen_s"] = time.perf_counter() - start
            while app.data is None:
                await asyncio.sleep(0.005)
            result["ranking_shown_s"] = time.perf_counter() - start
            await app.workers.wait_for_complete()
            await pilot.pause()
            result["scores_shown_s"] = time.perf_counter() - start
            await pilot.press("r")
            await pilot.pause()
            data = app.data
            assert data is not None
            latencies = []
            for text in ("p", "po", "por", "port", "porta", "portal"):
                begin = time.perf_counter()
                data.apply(Filters(text=text))
                latencies.append(time.perf_counter() - begin)
            result["search_filter_ms_median"] = 1000 * statistics.median(latencies)
            sort_t, _ = timed(lambda: data.apply(Filters(sort="Name")))
            result["first_sort_ms"] = 1000 * sort_t
            await pilot.press("slash")
            keys = []
            for key in "fraud":
                begin = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                keys.append(time.perf_counter() - begin)
            status = str(app.screen.query_one("#status", Static).content)
            assert 'search="fraud"' in status, status
            result["keystroke_roundtrip_ms_median"] = 1000 * statistics.median(keys)
            # The app's own work per search keystroke (what blocks the event loop), apart from
            # the test harness's settle time that the round trip includes.
            screen = app.screen
            assert isinstance(screen, RankingScreen)
            handled = []
            for text in ("p", "po", "por", "port", "porta", "portal"):
                begin = time.perf_counter()
                screen.filters = replace(screen.filters, text=text)
                screen.refilter()
                handled.append(time.perf_counter() - begin)
            result["keystroke_handler_ms_median"] = 1000 * statistics.median(handled)

    asyncio.run(drive())
    return result


def palette_rows(systems: int) -> list[Any]:
    """A ranking of `systems` rows named as `estate generate` names systems (its departments,
    references and subject-noun names, seed 11): all the palette's search reads."""
    import random

    from estate.generate import _NOUNS, _SUBJECTS, DEPARTMENTS
    from estate.ranking.snapshot import RankedRow

    rng = random.Random(11)
    codes = [code for code, _name, _parent in DEPARTMENTS]
    rows = []
    for rank in range(1, systems + 1):
        code = codes[rank % len(codes)]
        name = f"{rng.choice(_SUBJECTS)} {rng.choice(_NOUNS)}"
        key = f"{code}/{code}-{rank:05d}"
        rows.append(
            RankedRow(
                rank,
                key,
                name,
                code,
                50.0,
                None,
                None,
                "Unknown",
                0,
                None,
                None,
                None,
                "",
                None,
                None,
                None,
                "",
                0,
                0,
                "",
                None,
                None,
                None,
                0,
            )
        )
    return rows


def stage_palette(systems: int, cache: Path) -> dict[str, Any]:
    """The command palette's system search, one keystroke at a time, as a user types a key,
    part of a name, and a misspelt name: the time `RankedData.find` takes per keystroke (the
    palette runs it in a thread), and building the index, which the palette does as it opens."""
    from tui.data import RankedData

    data = RankedData(palette_rows(systems))
    target = data.rows[len(data.rows) // 2]
    reference = target.key.partition("/")[2]
    words = target.name.split()
    typed = [
        reference,
        f"{words[0][:5]} {words[-1][:3]}",
        target.name.replace("e", "", 1).replace("a", "", 1),
    ]
    index_t, _ = timed(lambda: data.finder)
    keystrokes = []
    for text in typed:
        for end in range(1, len(text) + 1):
            elapsed, found = timed(lambda: data.find(text[:end]))  # noqa: B023
            keystrokes.append(elapsed)
        assert found, text
    assert data.rows[data.find(reference)[0][1]].key == target.key
    # The generator repeats names (a few hundred distinct); misspellings are compared with
    # each distinct name once, so time the worst case too: every name different.
    distinct = RankedData([row._replace(name=f"{row.name} {row.rank}") for row in data.rows])
    distinct.find("x")
    misspelt = [timed(lambda: distinct.find(typed[2][:end]))[0] for end in (6, 8, 10)]  # noqa: B023
    return {
        "palette_misspelt_distinct_names_ms_max": 1000 * max(misspelt),
        "palette_index_ms": 1000 * index_t,
        "palette_keystroke_ms_median": 1000 * statistics.median(keystrokes),
        "palette_keystroke_ms_max": 1000 * max(keystrokes),
        "palette_keystrokes": len(keystrokes),
    }


def opened_database(systems: int, cache: Path) -> Path:
    """The estate as the `tui` stage left it: opened once, so holding its ranking snapshot."""
    return cache / f"opened-{systems}.db"


def stage_reopen(systems: int, cache: Path) -> dict[str, Any]:
    """The estate opened again, unchanged: the last ranking shows while it is rescored."""
    from tui.app import make_app
    from tui.screens.detail import DetailScreen
    from tui.screens.explorer import ExplorerScreen

    path = opened_database(systems, cache)
    if not path.exists():
        stage = [sys.executable, __file__, "tui", str(systems), str(cache)]
        subprocess.run(stage, check=True, capture_output=True)
    result: dict[str, Any] = {}

    async def drive() -> None:
        start = time.perf_counter()
        app = make_app(path, as_of=AS_OF)
        async with app.run_test(size=(140, 45)) as pilot:
            while app.data is None:
                await asyncio.sleep(0.005)
            assert app.data.scores is None, "the snapshot comes first"
            result["ranking_shown_s"] = time.perf_counter() - start
            while app.overview_body is None:
                await asyncio.sleep(0.005)
            result["overview_shown_s"] = time.perf_counter() - start
            # The riskiest system's explanation, scored alone while the estate is scored.
            opened = time.perf_counter()
            detail = DetailScreen(app.data.rows[0].key)
            await app.push_screen(detail)
            while detail.alone is None and (app.data.scores is None):
                await asyncio.sleep(0.005)
            result["explained_alone"] = detail.alone is not None
            result["explanation_s"] = time.perf_counter() - opened
            # Its dependencies, from the graph the scoring reads first, before the scores.
            opened = time.perf_counter()
            explorer = ExplorerScreen(detail.key)
            await app.push_screen(explorer)
            while not hasattr(explorer, "graph"):
                await asyncio.sleep(0.005)
            result["explored_before_scores"] = app.data.scores is None
            result["explorer_s"] = time.perf_counter() - opened
            await app.workers.wait_for_complete()
            await pilot.pause()
            result["scores_shown_s"] = time.perf_counter() - start

    asyncio.run(drive())
    return result


def stage_cli(systems: int, cache: Path) -> dict[str, Any]:
    """Commands through the installed entry point, each its own process as a user runs them, on
    a copy of the estate with no ranking kept: the first `rank` scores and keeps the ranking,
    the commands after it print from the kept ranking (the graph ones read the graph too).
    estate's own modules are byte-compiled first, as installing a package does. Each command
    is timed by the clock (`_s`) and by the CPU seconds it used (`_cpu_s`), which a machine
    shared with other work disturbs far less; `over_kept_rank` gives each command's CPU
    seconds against the kept `rank --top 5`'s in the same run, the figure to scale to a quiet
    machine."""
    import compileall

    import estate as package

    compileall.compile_dir(package.__path__[0], quiet=1)
    path = cache / f"cli-{systems}.db"
    cached = cache / f"estate-{systems}.db"  # shared: only the copy is upgraded, if need be
    shutil.copy(cached if cached.exists() else database(systems, cache), path)
    subprocess.run(  # a cached estate made by an earlier schema is brought up to this one's
        [Path(sys.executable).with_name("estate"), "--db", path, "upgrade"],
        check=True,
        capture_output=True,
    )
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM ranking_snapshot_row")
        connection.execute("DELETE FROM ranking_snapshot")
    estate = str(Path(sys.executable).with_name("estate"))
    commands = {
        "rank_scoring_s": ["rank", "--top", "5"],
        "rank_kept_s": ["rank", "--top", "5"],
        "show_s": ["show", "DBP/DBP-00001"],
        "graph_orphans_s": ["graph", "orphans"],
        "graph_central_s": ["graph", "central"],
        "waves_s": ["waves", "--band", "red"],
        "unmatched_s": ["catalogue", "unmatched"],
        "rank_csv_kept_s": ["rank", "--csv"],
        "rank_json_s": ["rank", "--json"],
        "contracts_json_s": ["contracts", "--json"],
        "contracts_csv_s": ["contracts", "--csv"],
        "contracts_table_s": ["contracts"],
        "portfolio_s": ["portfolio"],
        "portfolio_json_s": ["portfolio", "--json"],
        "rank_csv_by_security_s": ["rank", "--csv", "--by", "security"],
        "rank_csv_by_legacy_s": ["rank", "--csv", "--by", "legacy"],
        "rank_csv_by_cloud_s": ["rank", "--csv", "--by", "cloud"],
        "rank_json_red_by_legacy_s": ["rank", "--json", "--by", "legacy", "--band", "red"],
        "rank_json_dbp_by_cloud_s": ["rank", "--json", "--by", "cloud", "--department", "DBP"],
        "rank_json_top_by_security_s": ["rank", "--json", "--by", "security", "--top", "100"],
        "rank_kept_again_s": ["rank", "--top", "5"],
        # Last, since it keeps a ranking for another date: `rank --json` scoring afresh.
        "rank_json_scoring_s": ["rank", "--json", "--as-of", "2026-11-02"],
    }
    result: dict[str, Any] = {}
    for name, command in commands.items():
        own_date = command[0] == "catalogue" or "--as-of" in command
        dated = [] if own_date else ["--as-of", AS_OF.isoformat()]
        arguments = [estate, "--db", str(path), *command, *dated]
        start, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(arguments, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        result[name] = time.perf_counter() - start
        result[name.removesuffix("_s") + "_cpu_s"] = _children_cpu() - cpu
    kept = min(result["rank_kept_cpu_s"], result["rank_kept_again_cpu_s"])
    result["over_kept_rank"] = {
        name.removesuffix("_cpu_s"): round(value / kept, 2)
        for name, value in result.items()
        if name.endswith("_cpu_s")
    }
    result["database_mb"] = path.stat().st_size / 1e6
    return result


def warnings_return(systems: int, cache: Path) -> Path:
    """The estate's systems as a one-sheet CSV register with every run cost written as an
    estimate (`approx 0.27m`): a return with a warning on almost every row."""
    import csv

    from estate.generate import build_estate, write_estate

    path = cache / f"warnings-{systems}" / "dbp-register.csv"
    if path.exists():
        return path
    (source,) = write_estate(build_estate(systems, 1, seed=11), path.parent, csv_departments=1)
    with source.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    cost = rows[0].index("Annual run cost (£)")
    for row in rows[1:]:
        if row[cost].replace(".", "", 1).isdigit():
            row[cost] = f"approx {float(row[cost]) / 1e6:.2f}m"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    source.unlink()
    return path


IMPORT_REPEATS = {1000: 5, 7000: 5, 10000: 5}
"""How many times each way of running the import is timed at a size (3 where not listed), in
turn, and its median kept: the machine is shared, and running each way after the other spreads
the load between them."""

FUNCTION_IN_A_PROCESS = """
import sys
from pathlib import Path

from estate import db
from importers import ImportOptions, import_return

engine = db.open_engine(Path(sys.argv[1]))
import_return(engine, Path(sys.argv[2]), ImportOptions(skip_invalid=True))
engine.dispose()
"""
"""The import function alone in a fresh process: Python, the libraries the function itself
needs (estate's models, SQLAlchemy, SQLModel), opening the database, and the import."""


def _on_a_terminal(arguments: list[str]) -> None:
    """Run a command with its output on a pseudo-terminal of 120 x 40, as in a terminal window:
    rich sees a terminal (colours, and the progress bar), and everything it draws is read."""
    import fcntl
    import os
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    with subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower):
        os.close(follower)
        try:
            while os.read(leader, 65536):
                pass
        except OSError:  # the terminal is closed once the command has exited
            pass
        finally:
            os.close(leader)


def stage_cli_import(systems: int, cache: Path) -> dict[str, Any]:
    """`estate import FILE --skip-invalid` as a user runs it, its own process, on a return with
    a warning on almost every row: with its output sent to a file, and to a terminal. Against
    the import function alone, timed in this process once its libraries are loaded, and in a
    fresh process that loads what the function needs and calls it. Each into a new estate
    made by `estate init`. And the fixed costs: starting Python, loading the function's
    libraries, and `estate --help`. Each is timed by the clock and by the CPU seconds it used
    (every thread), which a machine shared with other work disturbs far less. estate's own
    modules are byte-compiled first, as installing a package does, so that no run compiles
    them from source (a Python told not to write bytecode would, on every start)."""
    import compileall

    import estate
    import importers
    from estate import db
    from importers import ImportOptions, import_return

    for package in (estate, importers):  # as an installed package is: its bytecode cached
        compileall.compile_dir(package.__path__[0], quiet=1)
    source = warnings_return(systems, cache)
    executable = str(Path(sys.executable).with_name("estate"))
    times: dict[str, list[float]] = {}
    problems = 0
    with tempfile.TemporaryDirectory() as folder:
        made = 0

        def new_estate() -> Path:
            nonlocal made
            made += 1
            path = Path(folder) / f"estate-{made}.db"
            subprocess.run([executable, "--db", str(path), "init"], check=True, capture_output=True)
            return path

        def record(name: str, wall: float, cpu: float) -> None:
            times.setdefault(name, []).append(wall)
            times.setdefault(name.replace("_s", "_cpu_s"), []).append(cpu)

        def function() -> None:
            nonlocal problems
            engine = db.open_engine(new_estate())
            start, cpu = time.perf_counter(), time.process_time()
            result = import_return(engine, source, ImportOptions(skip_invalid=True))
            record("function_s", time.perf_counter() - start, time.process_time() - cpu)
            engine.dispose()
            problems = len(result.problems)

        def process(name: str, arguments: list[str], terminal: bool = False) -> None:
            output = Path(folder) / f"{name}.out"
            start, cpu = time.perf_counter(), _children_cpu()
            if terminal:
                _on_a_terminal(arguments)
            else:
                with output.open("w") as handle:
                    subprocess.run(arguments, check=True, stdout=handle, stderr=handle)
            record(name, time.perf_counter() - start, _children_cpu() - cpu)

        def command(*extra: str) -> list[str]:
            database = str(new_estate())
            return [executable, "--db", database, "import", str(source), "--skip-invalid", *extra]

        for _ in range(IMPORT_REPEATS.get(systems, 3)):
            function()
            script = FUNCTION_IN_A_PROCESS
            process(
                "function_process_s", [sys.executable, "-c", script, str(new_estate()), str(source)]
            )
            process("command_file_s", command())
            process("command_terminal_s", command(), terminal=True)
            process("command_json_s", command("--json"))
            process("python_s", [sys.executable, "-c", "pass"])
            process("libraries_s", [sys.executable, "-c", "import importers, estate.db"])
            process("help_s", [executable, "--help"])
    result: dict[str, Any] = {name: statistics.median(runs) for name, runs in times.items()}
    result["spread"] = {name: [min(runs), max(runs)] for name, runs in times.items()}
    result["problems"] = problems
    for measure in ("s", "cpu_s"):
        function_s, fresh_s = result[f"function_{measure}"], result[f"function_process_{measure}"]
        by = "" if measure == "s" else "_cpu"
        for output in ("file", "terminal", "json"):
            taken = result[f"command_{output}_{measure}"]
            result[f"{output}_over_function{by}"] = taken / function_s
            result[f"{output}_over_function_process{by}"] = taken / fresh_s
    return result


def _children_cpu() -> float:
    """CPU seconds (user and system, every thread) of this process's finished children."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


_LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
errors = process.stderr.read()
_pid, status, used = os.wait4(process.pid, 0)
wall = time.perf_counter() - start
print(json.dumps([os.waitstatus_to_exitcode(status), wall, used.ru_utime + used.ru_stime,
                  used.ru_maxrss / 1024, errors.decode(errors="replace")]))
"""
"""Runs a command and reports its exit code, wall-clock and CPU seconds, peak memory in MB and
stderr, from a small process of its own: a child's peak memory starts from its parent's at
the fork, and this benchmark's process holds a whole estate's scores."""


def run_child(arguments: list[str]) -> tuple[float, float, float]:
    """Run a command to its end (stdout dropped, stderr shown if it fails): its wall-clock
    seconds, its CPU seconds (user and system) and its own peak memory in MB (`_LAUNCHER`)."""
    launched = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *arguments], check=True, capture_output=True
    )
    code, wall, cpu, peak, errors = json.loads(launched.stdout)
    if code:
        raise subprocess.CalledProcessError(code, arguments, stderr=errors)
    return wall, cpu, peak


def _commands_peak(found: dict[str, Any]) -> float:
    """The largest of the peak memories (`..._peak_mb`) of the commands `run_child` ran."""
    return max(float(value) for name, value in found.items() if name.endswith("_peak_mb"))


HISTORY_QUARTERS = ("2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3")


def _db_size(path: Path) -> int:
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


def trend_timings(engine: Any, policy: Any) -> dict[str, Any]:
    """The first `estate_trend` (wall clock and CPU seconds), how many periods it covered, and
    the trend again, read from the figures the first kept."""
    from estate.history.trend import estate_trend

    found: dict[str, Any] = {}
    cpu = time.process_time()
    found["trend_first_s"], trend = timed(lambda: estate_trend(engine, policy))
    found["trend_first_cpu_s"] = time.process_time() - cpu
    found["trend_periods"] = len(trend.points)
    found["trend_again_s"], again = timed(lambda: estate_trend(engine, policy))
    assert not again.recomputed and again.points == trend.points
    return found


def stage_history(systems: int, cache: Path) -> dict[str, Any]:
    """Kept history: its cost inside imports, the growth of an unchanged re-import, and the
    trend over eight quarters, first and again. The quarters are made cheaply: the return is
    parsed once and its records edited in place between imports (each quarter changes the run
    cost of one system in 20 and upgrades the operating system of one in 50; one quarter
    changes every system's run cost, the worst case for what is kept)."""
    import importers.store as store
    from estate import db
    from estate.perf import collector_paused
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy
    from importers.layout import RecordKind
    from importers.parse import parse_return

    kept = [0.0]

    def timing(function: Callable[..., None]) -> Callable[..., None]:
        def timed_keep(*args: Any, **kwargs: Any) -> None:
            start = time.perf_counter()
            function(*args, **kwargs)
            kept[0] += time.perf_counter() - start

        return timed_keep

    for name in ("keep_systems", "keep_related", "keep_deleted"):
        setattr(store, name, timing(getattr(store, name)))
    t_parse, parsed = timed(lambda: parse_return(return_file(systems, cache)))
    records = parsed.records[RecordKind.SYSTEMS]
    components = parsed.records[RecordKind.COMPONENTS]

    def store_as(engine: Any, period: str) -> tuple[float, float]:
        kept[0] = 0.0
        with engine.begin() as connection, collector_paused():
            start = time.perf_counter()
            changes = store.plan(connection, parsed)
            store.apply(connection, parsed, changes, period=period)
            return time.perf_counter() - start, kept[0]

    found: dict[str, Any] = {"parse_s": t_parse}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "e.db"
        engine = db.open_engine(path, create=True)
        found["first_store_s"], found["first_kept_s"] = store_as(engine, "2024-Q4")
        before = _db_size(path)
        found["unchanged_store_s"], _ = store_as(engine, "2024-Q4")
        found["unchanged_same_period_growth"] = _db_size(path) / before - 1
        before = _db_size(path)
        store_as(engine, HISTORY_QUARTERS[0])
        found["unchanged_next_period_growth"] = _db_size(path) / before - 1
        changed_store, changed_kept = [], []
        for number, period in enumerate(HISTORY_QUARTERS[1:], start=1):
            for index, record in enumerate(records):
                cost = record.values.get("annual_run_cost")
                if number == 3 or index % 20 == number:
                    record.values["annual_run_cost"] = (cost or 0) + 1000
            for index, record in enumerate(components):
                if index % 50 == number and record.values.get("version"):
                    record.values["version"] = f"{record.values['version']}.{number}"
            seconds, keeping = store_as(engine, period)
            if number == 3:
                found["all_changed_store_s"], found["all_changed_kept_s"] = seconds, keeping
            else:
                changed_store.append(seconds)
                changed_kept.append(keeping)
        found["changed_store_s"] = statistics.median(changed_store)
        found["changed_kept_s"] = statistics.median(changed_kept)
        for case in ("changed", "all_changed"):
            whole = t_parse + found[f"{case}_store_s"]
            found[f"{case}_kept_share_of_import"] = found[f"{case}_kept_s"] / whole
        found["db_mb_8_quarters"] = _db_size(path) / 1e6
        policy = load_policy(as_of=AS_OF)
        with engine.connect() as connection:
            found["score_s"], found["score_cpu_s"] = cpu_timed(
                lambda: score_estate(connection, policy)
            )
        found |= trend_timings(engine, policy)
        with engine.connect() as connection:  # again, warm: the stricter of the two baselines
            found["score_again_s"], found["score_again_cpu_s"] = cpu_timed(
                lambda: score_estate(connection, policy)
            )
        best = min(found["score_s"], found["score_again_s"])
        best_cpu = min(found["score_cpu_s"], found["score_again_cpu_s"])
        found["trend_first_over_score"] = found["trend_first_s"] / best
        found["trend_first_over_score_cpu"] = found["trend_first_cpu_s"] / best_cpu
        engine.dispose()
    return found


def stage_prepare(systems: int, cache: Path) -> dict[str, Any]:
    """Generate and import the estate of this size if the cache lacks it, so that no measured
    stage's time or peak memory includes making its input."""
    return {"database": str(database(systems, cache))}


@contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """A new database on the server `url` names, dropped afterwards: the benchmark never
    touches the named database itself (the role needs CREATEDB)."""
    import sqlalchemy as sa

    from estate import db

    server = sa.engine.make_url(db.database_url(url))
    name = f"estate_bench_{os.getpid()}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


def stage_backend(systems: int, cache: Path) -> dict[str, Any]:
    """The same return imported, then scored, on SQLite (a new file) and on the server that
    ESTATE_BENCH_DB names (in a scratch database there), twice each in this process; the best
    of each, and every run's (import, score) seconds."""
    from estate import db
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy
    from importers import ImportOptions, import_return

    source = return_file(systems, cache)
    options = ImportOptions(skip_invalid=True)

    def measure(url: str) -> tuple[float, float, int]:
        engine = db.open_engine(url, create=True)
        t_import, result = timed(lambda: import_return(engine, source, options))
        with engine.connect() as connection:
            t_score, scores = timed(lambda: score_estate(connection, load_policy(as_of=AS_OF)))
        engine.dispose()
        assert len(scores.systems) == result.changes.summary()["new"]
        return t_import, t_score, len(scores.systems)

    def on_sqlite() -> tuple[float, float, int]:
        with tempfile.TemporaryDirectory() as folder:
            return measure(str(Path(folder) / "e.db"))

    def on_server() -> tuple[float, float, int]:
        with scratch_database(os.environ["ESTATE_BENCH_DB"]) as url:
            return measure(url)

    # SQLite, server, server, SQLite: a load that drifts during the run weighs on both alike.
    runs = {"sqlite": [on_sqlite()], "postgres": [on_server(), on_server()]}
    runs["sqlite"].append(on_sqlite())
    best = {
        name: (min(r[0] for r in found), min(r[1] for r in found)) for name, found in runs.items()
    }
    return {
        "systems": runs["sqlite"][0][2],
        "sqlite_import_s": best["sqlite"][0],
        "postgres_import_s": best["postgres"][0],
        "import_ratio": best["postgres"][0] / best["sqlite"][0],
        "sqlite_score_s": best["sqlite"][1],
        "postgres_score_s": best["postgres"][1],
        "score_ratio": best["postgres"][1] / best["sqlite"][1],
        "runs": {
            name: [[round(x, 2) for x in r[:2]] for r in found] for name, found in runs.items()
        },
    }


def evolving_database(systems: int, cache: Path) -> Path:
    """Eight quarters of returns from `estate generate --periods 8` (seven departments, seed
    7), imported quarter by quarter as `estate demo` imports the sample quarters: an estate
    that evolves as real ones do, with systems added and retired, technology upgraded,
    dependencies added and removed, contracts renewed or lapsing and hardware ageing."""
    from estate import db
    from estate.demo import build_demo
    from estate.generate.periods import build_quarters, write_quarters

    path = cache / f"evolving-{systems}.db"
    if not path.exists():
        folder = cache / f"evolving-{systems}"
        if not folder.exists():
            write_quarters(build_quarters(systems, 7, 7, 8), folder, csv_departments=1)
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        engine = db.open_engine(building, create=True)
        build_demo(engine, folder)
        engine.dispose()
        building.rename(path)
    else:
        db.upgrade(path)  # a cache made by an earlier schema version
    return path


def stage_evolving(systems: int, cache: Path) -> dict[str, Any]:
    """The first `estate trend` over eight generated quarters in which the estate evolves,
    against one full scoring of the latest quarter, on a copy of the estate with no trend
    kept; the scoring is timed twice and the faster taken."""
    from estate import db
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy

    path = cache / f"evolving-{systems}-run.db"
    shutil.copy(evolving_database(systems, cache), path)
    found: dict[str, Any] = {}
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("DELETE FROM trend_figures")
        for table in ("system", "system_history", "dependency_history"):
            found[f"{table}_rows"] = raw.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    engine = db.open_engine(path)
    policy = load_policy(as_of=AS_OF)
    try:
        scorings = []
        for _ in range(2):
            with engine.connect() as connection:
                scorings.append(cpu_timed(lambda: score_estate(connection, policy)))
        found["score_s"] = min(wall for wall, _cpu in scorings)
        found["score_cpu_s"] = min(cpu for _wall, cpu in scorings)
        found |= trend_timings(engine, policy)
    finally:
        engine.dispose()
        path.unlink()
    found["trend_first_over_score"] = found["trend_first_s"] / found["score_s"]
    found["trend_first_over_score_cpu"] = found["trend_first_cpu_s"] / found["score_cpu_s"]
    return found


MATCH_TEMPLATES = (
    "Microsoft Windows Server {year} Standard {n}",
    "Microsoft Windows NT Server {nt}.{n}",
    "Red Hat Enterprise Linux Server release {rhel}.{n} (Maipo)",
    "CentOS Linux release 7.{n}.2009 (Core)",
    "Ubuntu {ubuntu}.{n} LTS",
    "SUSE Linux Enterprise Server 12 SP{n}",
    "Oracle Database 19c Enterprise Edition Release 19.0.0.{n}.0 - Production",
    "Microsoft SQL Server 2016 (SP2) (KB4052908) - 13.0.5026.{n} (X64)",
    'java version "1.8.0_{n}"',
    'openjdk version "11.0.{n}" 2023-10-17 LTS',
    "Server version: Apache/2.4.{n} (CentOS)",
    "nginx/1.{n}.0 (Ubuntu)",
    "apache-tomcat-8.5.{n}",
    "PHP 7.{minor}.{n}-0ubuntu0.18.04.17 (cli)",
    "psql (PostgreSQL) {pg}.{n}",
    "mysql  Ver 14.14 Distrib 5.7.{n}, for Linux (x86_64)",
    "IBM WebSphere Application Server Network Deployment 9.0.5.{n}",
    "Microsoft .NET Runtime - 6.0.{n}",
    "AIX 7200-05-{n:02d}-2346",
    "Acme Widget Suite {n}.{minor}",
)
"""Component texts as tools and inventories print them, each made distinct by its numbers."""


def match_texts(count: int) -> list[str]:
    """`count` distinct component texts, the same every run, so that no match is answered from
    the matcher's cache and runs before and after a change resolve the same texts."""
    texts: list[str] = []
    index = 0
    while len(texts) < count:
        template = MATCH_TEMPLATES[index % len(MATCH_TEMPLATES)]
        n = index // len(MATCH_TEMPLATES)
        texts.append(
            template.format(
                n=n,
                year=(2003, 2008, 2012, 2016, 2019, 2022)[n % 6],
                nt=(5.2, 6.0, 6.1, 6.3, 10.0)[n % 5],
                rhel=(5, 6, 7, 8, 9)[n % 5],
                ubuntu=("16.04", "18.04", "20.04", "22.04")[n % 4],
                minor=n % 5,
                pg=(9, 10, 11, 12, 13, 14, 15, 16)[n % 8],
            )
        )
        index += 1
    assert len(set(texts)) == count
    return texts


def stage_match(texts: int, cache: Path) -> dict[str, Any]:
    """Resolving `texts` distinct component texts against the built-in catalogue, one at a
    time as scoring resolves them: the catalogue's load, then the matching, wall clock and CPU,
    and the time per text."""
    from estate.catalogue import builtin

    found = match_texts(texts)
    load_s, catalogue = timed(builtin)
    match_s, match_cpu_s = cpu_timed(lambda: [catalogue.match(t) for t in found])
    matched = sum(1 for t in found if catalogue.match(t).matched)
    return {
        "texts": texts,
        "catalogue_load_s": load_s,
        "match_s": match_s,
        "match_cpu_s": match_cpu_s,
        "per_text_us": match_cpu_s / texts * 1e6,
        "matched": matched,
    }


def running_facts_counts(path: Path) -> dict[str, int]:
    """How many of the database's systems give each running fact (servers, vCPUs, memory,
    utilisation, site, meter, purchase year...): an estate generated before returns carried
    them gives none, and its carbon is all hosting defaults."""
    from estate.models import RUNNING_FIELDS

    counted = ", ".join(f"count({name})" for name in RUNNING_FIELDS)
    with closing(sqlite3.connect(path)) as connection:
        found = connection.execute(f"SELECT {counted} FROM system").fetchone()
    return dict(zip(RUNNING_FIELDS, found, strict=True))


def carbon_database(systems: int, cache: Path) -> Path:
    """The issue's estate of seven departments (`incremental_database`), made again when the
    cached one was generated before systems carried running facts."""
    path = incremental_database(systems, cache)
    if not any(running_facts_counts(path).values()):
        path.unlink()
        shutil.rmtree(cache / f"incremental-{systems}", ignore_errors=True)
        path = incremental_database(systems, cache)
    return path


def stage_carbon(systems: int, cache: Path) -> dict[str, Any]:
    """Energy and carbon, on an estate whose systems carry running facts (servers, vCPUs,
    memory, utilisation, sites, meters, purchase years, many unknown): the estimate's cost
    beside a full scoring (the same systems' estimates from their scored rows; its share of
    the scoring in CPU seconds, which a machine shared with other work disturbs far less than
    the clock), the estate's carbon read from the stored systems, and `estate carbon` through
    the entry point (table, --json, --csv) once `rank` has kept the ranking, each its own
    process, by the clock and in CPU seconds, with the load average at its start."""
    import compileall

    import estate as package
    from estate import db
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy
    from estate.sustainability.reference import load_reference
    from estate.sustainability.scored import scored_carbon
    from estate.sustainability.stored import estate_carbon, read_running
    from estate.sustainability.summary import summarise

    compileall.compile_dir(package.__path__[0], quiet=1)
    path = cache / f"carbon-{systems}.db"
    shutil.copy(carbon_database(systems, cache), path)
    facts = running_facts_counts(path)
    policy = load_policy(as_of=AS_OF)
    engine = db.open_engine(path)
    with engine.connect() as connection:
        start = time.process_time()
        t_score, scores = timed(lambda: score_estate(connection, policy))
        cpu_score = time.process_time() - start
        start = time.process_time()
        t_estimate, found = timed(lambda: scored_carbon(scores.systems, AS_OF, moves=False))
        cpu_estimate = time.process_time() - start
        start = time.process_time()
        scored_carbon(scores.systems, AS_OF)
        cpu_with_moves = time.process_time() - start
        ref = load_reference()

        def from_rows() -> Any:
            stored = read_running(connection)
            return summarise(estate_carbon(stored, {}, ref, AS_OF.year), ref, AS_OF.year)

        start = time.process_time()
        t_rows, _ = timed(from_rows)
        cpu_rows = time.process_time() - start
    engine.dispose()
    estate = str(Path(sys.executable).with_name("estate"))
    result: dict[str, Any] = {
        "score_s": t_score,
        "score_cpu_s": cpu_score,
        "estimate_s": t_estimate,
        "estimate_cpu_s": cpu_estimate,
        "estimate_share_of_scoring": cpu_estimate / cpu_score,
        "with_moves_cpu_s": cpu_with_moves,
        "with_moves_share_of_scoring": cpu_with_moves / cpu_score,
        "from_stored_rows_s": t_rows,
        "from_stored_rows_cpu_s": cpu_rows,
        "estimated": found.total.systems - found.total.not_estimated,
        "not_estimated": found.total.not_estimated,
        "by_basis": dict(found.total.by_basis),
        "systems_giving": facts,
    }
    subprocess.run(
        [estate, "--db", str(path), "rank", "--top", "1", "--as-of", AS_OF.isoformat()],
        check=True,
        capture_output=True,
    )
    for name, command in {
        "carbon_kept_s": ["carbon"],
        "carbon_json_kept_s": ["carbon", "--json"],
        "carbon_csv_kept_s": ["carbon", "--csv"],
    }.items():
        load = os.getloadavg()[0]
        start, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(
            [estate, "--db", str(path), *command, "--as-of", AS_OF.isoformat()],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        result[name] = time.perf_counter() - start
        result[name.removesuffix("_s") + "_cpu_s"] = _children_cpu() - cpu
        result[name.removesuffix("_s") + "_load"] = load
    return result


INCREMENTAL_DEPARTMENTS = 7


def incremental_database(systems: int, cache: Path) -> Path:
    """The estate of `estate generate --systems N --departments 7` (seed 11), each
    department's return imported with `--department`, and a copy of one department's return
    (the first) with a tenth of its systems changed, for a re-import."""
    from estate import db
    from estate.generate import build_estate, write_estate
    from importers import ImportOptions, import_return

    path = cache / f"incremental-{systems}.db"
    folder = cache / f"incremental-{systems}"
    if not path.exists():
        departments = build_estate(systems, INCREMENTAL_DEPARTMENTS, seed=11)
        files = write_estate(departments, folder / "returns", csv_departments=0)
        first = departments[0]
        for index, row in enumerate(first.systems):
            if index % 10 == 0:
                row["name"] = f"{row['name']} (renamed)"
                row["users"] = 1 if row.get("users") == 2 else 2
        write_estate([first], folder / "changed", csv_departments=0)
        building = path.with_suffix(".building")
        building.unlink(missing_ok=True)
        engine = db.open_engine(building, create=True)
        for file, department in zip(files, departments, strict=True):
            options = ImportOptions(department=department.code, skip_invalid=True)
            import_return(engine, file, options)
        engine.dispose()
        building.rename(path)
    else:
        db.upgrade(path)  # a cache made by an earlier schema version
    return path


def _sqlite_size(path: Path) -> int:
    """The database's size once compacted (`VACUUM`), in bytes."""
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("VACUUM")
    return path.stat().st_size


def _kept_ranking_emptied(cache: Path, systems: int) -> Path:
    """A working copy of the issue's estate (`incremental_database`) without its kept ranking."""
    path = cache / f"incremental-work-{systems}.db"
    shutil.copy(incremental_database(systems, cache), path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM ranking_snapshot_row")
        connection.execute("DELETE FROM ranking_snapshot")
    return path


def _kept_ranking_runs(
    target: str,
    systems: int,
    cache: Path,
    server_cpu: Callable[[], float] | None = None,
    settle: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """The kept-ranking figures on the estate at `target` (an SQLite file or a server's URL),
    its kept ranking empty: the bare read of scoring's inputs and a full scoring in this
    process, each three times in turn (the first read also pays for the process's memory
    growing, and a later scoring for the memory the one before it freed;
    `score_over_bare_read_quickest` compares the quickest of each), then each command its
    own process through the installed entry point (the first `rank`, the kept `rank`, the
    first `rank` of a new day, the import of one department's changed return and the first
    `rank` after it, `rank --json`, `contracts`, `portfolio` and `waves` each on a day of
    its own, and the import of one product's lifecycle data and the first `rank` after it),
    by the clock and in CPU seconds, with the server's CPU seconds beside the
    client's where `server_cpu` reads them. `settle`, where given, runs after the first `rank`
    and after the import, outside the timings (a server's vacuuming and analysing of what they
    wrote, which would otherwise land in whichever command follows)."""
    import sqlalchemy as sa

    import estate.catalogue as catalogue_package
    from estate import db
    from estate.scoring import score_estate
    from estate.scoring.policy import load_policy

    found: dict[str, Any] = {}
    engine = db.open_engine(target)
    tables = ("system", "organisation", "component", "dependency", "security_assessment")

    def measured(name: str, work: Callable[[], Any]) -> None:
        before = server_cpu() if server_cpu else 0.0
        found[f"{name}_s"], found[f"{name}_cpu_s"] = cpu_timed(work)
        if server_cpu:
            found[f"{name}_server_cpu_s"] = server_cpu() - before

    # What each makes is held until it is timed, then dropped: freeing it (millions of
    # objects for the scores) is not the reading or the scoring.
    held: list[Any] = []

    def bare_read() -> None:
        with engine.connect() as reader:
            for table in tables:
                held.append(reader.exec_driver_sql(f"SELECT * FROM {table}").fetchall())

    def score() -> None:
        with engine.connect() as scorer:
            held.append(score_estate(scorer, policies.pop()))

    # A fresh policy each time: one scored under already knows what repeats.
    policies = [load_policy(as_of=AS_OF) for _ in range(3)]
    measured("bare_read", bare_read)
    held.clear()
    measured("score", score)
    held.clear()
    # Each again, twice, the process's memory grown: the first of each also pays for that.
    for attempt in (2, 3):
        measured(f"bare_read_{attempt}", bare_read)
        held.clear()
        measured(f"score_{attempt}", score)
        held.clear()
    with engine.connect() as reader:
        found["systems"] = reader.execute(sa.text("SELECT count(*) FROM system")).scalar()
    engine.dispose()
    found["score_over_bare_read"] = found["score_s"] / found["bare_read_s"]
    found["score_over_bare_read_cpu"] = found["score_cpu_s"] / found["bare_read_cpu_s"]
    for unit in ("", "_cpu"):
        quickest_read = min(found[f"bare_read{n}{unit}_s"] for n in ("", "_2", "_3"))
        quickest_score = min(found[f"score{n}{unit}_s"] for n in ("", "_2", "_3"))
        found[f"score_over_bare_read_quickest{unit}"] = quickest_score / quickest_read
    estate = str(Path(sys.executable).with_name("estate"))
    day = AS_OF.isoformat()
    next_day = (AS_OF + dt.timedelta(days=1)).isoformat()
    changed = next((cache / f"incremental-{systems}" / "changed").iterdir())

    def command(name: str, *arguments: str) -> None:
        load = os.getloadavg()[0]
        before = server_cpu() if server_cpu else 0.0
        found[f"{name}_s"], found[f"{name}_cpu_s"], found[f"{name}_peak_mb"] = run_child(
            [estate, "--db", target, *arguments]
        )
        found[f"{name}_load"] = load
        if server_cpu:
            found[f"{name}_server_cpu_s"] = server_cpu() - before

    command("rank_scoring", "rank", "--top", "5", "--as-of", day)
    if settle:
        settle()
    command("rank_kept", "rank", "--top", "5", "--as-of", day)
    command("rank_new_day", "rank", "--top", "5", "--as-of", next_day)
    command("rank_kept_again", "rank", "--top", "5", "--as-of", next_day)
    code = changed.name.split("-")[0].upper()
    command("import", "import", str(changed), "--department", code, "--skip-invalid", "--quiet")
    if settle:
        settle()
    command("rank_after_import", "rank", "--top", "5", "--as-of", next_day)
    command("rank_json_kept", "rank", "--json", "--as-of", next_day)
    for offset, (name, arguments) in enumerate(
        (
            ("contracts_new_day", ("contracts", "--json")),
            ("portfolio_new_day", ("portfolio",)),
            ("waves_new_day", ("waves", "--band", "red")),
        ),
        start=2,
    ):
        command(name, *arguments, "--as-of", (AS_OF + dt.timedelta(days=offset)).isoformat())
    # Red Hat's releases imported again from the bundled endoflife.date catalogue (every
    # system running it scored again), then the first `rank` on the waves' day.
    bundled = Path(catalogue_package.__file__).with_name("endoflife.json")
    command("lifecycle_import", "catalogue", "import", str(bundled), "--product", "rhel")
    last_day = (AS_OF + dt.timedelta(days=offset)).isoformat()
    command("rank_after_lifecycle", "rank", "--top", "5", "--as-of", last_day)
    kept = min(found["rank_kept_s"], found["rank_kept_again_s"])
    kept_cpu = min(found["rank_kept_cpu_s"], found["rank_kept_again_cpu_s"])
    found["after_lifecycle_over_kept"] = found["rank_after_lifecycle_s"] / kept
    for unit in ("", "_cpu"):
        quickest_read = min(found[f"bare_read{n}{unit}_s"] for n in ("", "_2", "_3"))
        # the first `rank` of an estate with no kept ranking: scoring and keeping it whole
        found[f"first_rank_over_bare_read{unit}"] = found[f"rank_scoring{unit}_s"] / quickest_read
    found["new_day_over_kept"] = found["rank_new_day_s"] / kept
    found["new_day_over_kept_cpu"] = found["rank_new_day_cpu_s"] / kept_cpu
    found["after_import_over_kept"] = found["rank_after_import_s"] / kept
    found["after_import_over_kept_cpu"] = found["rank_after_import_cpu_s"] / kept_cpu
    return found


def stage_incremental(systems: int, cache: Path) -> dict[str, Any]:
    """The kept ranking brought up to date rather than scored again, on the issue's estate
    (seven departments, each imported with `--department`): the bare read of scoring's inputs
    and a full scoring in this process; then, each command its own process through the
    installed entry point, the first `rank` (scoring and keeping), the kept `rank`, the first
    `rank` of a new day, and the first `rank` after re-importing one department's return with
    a tenth of its systems changed (the import timed apart); `contracts`, `portfolio` and
    `waves` each on a day of their own; the database's size with and without the kept
    ranking; the children's peak memory."""
    import compileall

    import estate as package

    compileall.compile_dir(package.__path__[0], quiet=1)
    path = _kept_ranking_emptied(cache, systems)
    found = _kept_ranking_runs(str(path), systems, cache)
    found["children_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    found["commands_peak_mb"] = _commands_peak(found)
    with_ranking = _sqlite_size(path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM ranking_snapshot_row")
        connection.execute("DELETE FROM ranking_snapshot")
    without = _sqlite_size(path)
    found["database_mb"], found["database_without_ranking_mb"] = with_ranking / 1e6, without / 1e6
    found["database_over_without_ranking"] = with_ranking / without
    found["load"] = os.getloadavg()
    path.unlink()
    return found


def stage_kept_commands(systems: int, cache: Path) -> dict[str, Any]:
    """The commands that need every system's explanation or plan by the ranking, each on a new
    day (a date the kept ranking is not for), each its own process through the installed entry
    point, on the issue's estate (`incremental_database`): the first `rank` (scoring and
    keeping), a `rank` for a new day, the board workbook, the json export, `contracts --json`,
    `portfolio` and `waves --band red`, each on a day of its own, and the board workbook again
    on the day after (what the first kept stays kept); then every cell of the board
    workbook read back and written bare by xlsxwriter in this process, the baseline the
    workbook is held to (at most 1.5x it, plus the new day's `rank`)."""
    import compileall

    import python_calamine
    import xlsxwriter

    import estate as package

    compileall.compile_dir(package.__path__[0], quiet=1)
    cached = incremental_database(systems, cache)
    path = cache / f"kept-commands-work-{systems}.db"
    shutil.copy(cached, path)
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("DELETE FROM ranking_snapshot_row")
        connection.execute("DELETE FROM ranking_snapshot")
    found: dict[str, Any] = {}
    estate = str(Path(sys.executable).with_name("estate"))

    def command(name: str, day: int, *arguments: str) -> None:
        as_of = (AS_OF + dt.timedelta(days=day)).isoformat()
        found[f"{name}_s"], found[f"{name}_cpu_s"], found[f"{name}_peak_mb"] = run_child(
            [estate, "--db", str(path), *arguments, "--as-of", as_of]
        )

    with tempfile.TemporaryDirectory() as folder:
        board = Path(folder) / "board.xlsx"
        command("rank_scoring", 0, "rank", "--top", "5")
        command("rank_kept", 0, "rank", "--top", "5")
        command("rank_new_day", 1, "rank", "--top", "5")
        command("workbook_new_day", 2, "export", str(board))
        command("json_new_day", 3, "export", str(Path(folder) / "board.json"))
        command("contracts_new_day", 4, "contracts", "--json")
        command("portfolio_new_day", 5, "portfolio")
        command("waves_new_day", 6, "waves", "--band", "red")
        # The next day's pack: what a board paper costs when yesterday's commands have kept
        # what does not move with the date (the trend's past periods, the changes' verdicts).
        command("workbook_next_day", 7, "export", str(Path(folder) / "next.xlsx"))
        book = python_calamine.CalamineWorkbook.from_path(str(board))
        sheets = {
            name: book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            for name in book.sheet_names
        }

        def bare_whole_workbook() -> None:
            bare = xlsxwriter.Workbook(f"{folder}/bare.xlsx", {"constant_memory": True})
            for name, rows in sheets.items():
                sheet = bare.add_worksheet(name)
                for r, row in enumerate(rows):
                    sheet.write_row(r, 0, row)
            bare.close()

        found["bare_workbook_s"], found["bare_workbook_cpu_s"] = cpu_timed(bare_whole_workbook)
    found["workbook_cells"] = sum(len(row) for rows in sheets.values() for row in rows)
    allowed = 1.5 * found["bare_workbook_s"] + found["rank_new_day_s"]
    allowed_cpu = 1.5 * found["bare_workbook_cpu_s"] + found["rank_new_day_cpu_s"]
    found["workbook_over_allowed"] = found["workbook_new_day_s"] / allowed
    found["workbook_over_allowed_cpu"] = found["workbook_new_day_cpu_s"] / allowed_cpu
    found["next_day_over_allowed"] = found["workbook_next_day_s"] / allowed
    found["next_day_over_allowed_cpu"] = found["workbook_next_day_cpu_s"] / allowed_cpu
    found["workbook_over_bare_cpu"] = found["workbook_new_day_cpu_s"] / found["bare_workbook_cpu_s"]
    found["children_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    found["commands_peak_mb"] = _commands_peak(found)
    found["load"] = os.getloadavg()
    path.unlink()
    return found


def stage_history_new_day(systems: int, cache: Path) -> dict[str, Any]:
    """`trend --json` and `changes --json` on a new day, each its own process through the
    installed entry point, on the issue's estate (`incremental_database`) with its first
    department's changed return imported again as the current quarter's: the first of each
    (scoring the period before, counting the current one from the kept ranking), then each
    on the next day (made by marking the current period's kept figures as of another day, as
    a new date does: their fingerprint holds the day), and the trend on a copy that keeps
    nothing (neither a ranking nor any period: what it costs scored afresh)."""
    import compileall

    import estate as package
    from estate.periods import quarter_of

    compileall.compile_dir(package.__path__[0], quiet=1)
    cached = incremental_database(systems, cache)
    path = cache / f"history-new-day-work-{systems}.db"
    shutil.copy(cached, path)
    estate = str(Path(sys.executable).with_name("estate"))
    current = quarter_of(dt.date.today())
    found: dict[str, Any] = {"current_period": current}

    def command(name: str, where: Path, *arguments: str) -> None:
        start, cpu = time.perf_counter(), _children_cpu()
        subprocess.run(
            [estate, "--db", str(where), *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        found[f"{name}_s"] = time.perf_counter() - start
        found[f"{name}_cpu_s"] = _children_cpu() - cpu

    changed = cache / f"incremental-{systems}" / "changed" / "dbp-return.xlsx"
    command(
        "import_current",
        path,
        "import",
        str(changed),
        "--period",
        current,
        "--skip-invalid",
        "--quiet",
    )
    afresh = cache / f"history-new-day-afresh-{systems}.db"
    shutil.copy(path, afresh)
    command("rank", path, "rank", "--top", "5")
    command("trend_first", path, "trend", "--json")
    command("changes_first", path, "changes", "--json")
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute(
            "UPDATE trend_figures SET fingerprint = 'another day' WHERE period = ?", (current,)
        )
    command("trend_new_day", path, "trend", "--json")
    command("changes_new_day", path, "changes", "--json")
    command("trend_afresh", afresh, "trend", "--json")
    found["children_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    found["load"] = os.getloadavg()
    path.unlink()
    afresh.unlink()
    return found


def _process_cpu(pid: int, *, children: bool) -> float:
    """CPU seconds (user and system) of a running process, with those of its reaped children
    when `children` is set, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(x) for x in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu_reader(data: Path) -> Callable[[], float]:
    """A reader of a local PostgreSQL server's CPU seconds so far: its postmaster's, with
    those of the backends it has reaped (one per finished connection) and of those still
    running."""
    postmaster = int((data / "postmaster.pid").read_text().split()[0])

    def read() -> float:
        time.sleep(0.05)  # let the postmaster reap the backend of a connection just closed
        total = _process_cpu(postmaster, children=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    parent = (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                    if int(parent) == postmaster:
                        total += _process_cpu(int(entry.name), children=False)
                except (OSError, ValueError, IndexError):
                    continue
        return total

    return read


def _on_server(url: str, *statements: str) -> None:
    """Run `statements` on the database `url` names, each outside a transaction."""
    import sqlalchemy as sa

    from estate import db

    engine = sa.create_engine(db.database_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def stage_incremental_postgres(systems: int, cache: Path) -> dict[str, Any]:
    """The kept-ranking figures of the `incremental` stage on SQLite and on PostgreSQL in one
    run: the issue's estate copied (`estate copy`, timed) from the SQLite file into a scratch
    database of a throwaway PostgreSQL server started on this machine from the installed
    binaries (as the tests start theirs), then the same reads, scorings and commands on each,
    in the order SQLite, PostgreSQL, PostgreSQL, SQLite (each on a fresh copy, so a load that
    drifts weighs on both alike); each figure the best of its backend's two runs, by the clock
    and in the client's CPU seconds, with the server's CPU seconds beside PostgreSQL's, and
    PostgreSQL's over SQLite's. The server's autovacuum is off and `VACUUM ANALYZE` runs after
    the copy, the first `rank` and the import, outside the timings, as the server would in
    time: run when it chose, it landed in whichever command came next."""
    import compileall

    import estate as package

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.postgres import start_server

    compileall.compile_dir(package.__path__[0], quiet=1)
    estate = str(Path(sys.executable).with_name("estate"))
    runs: dict[str, list[dict[str, Any]]] = {"sqlite": [], "postgres": []}
    copies: list[tuple[float, float]] = []
    server = start_server()
    try:
        reader = server_cpu_reader(server.folder / "data")
        # The server's own vacuuming and analysing, run when it chooses, would land in
        # whichever command it overlaps: it is off, and run after each bulk write instead.
        _on_server(server.url(), "ALTER SYSTEM SET autovacuum = off", "SELECT pg_reload_conf()")
        for backend in ("sqlite", "postgres", "postgres", "sqlite"):
            path = _kept_ranking_emptied(cache, systems)
            if backend == "sqlite":
                runs[backend].append(_kept_ranking_runs(str(path), systems, cache))
            else:
                with scratch_database(server.url()) as url:
                    start, cpu = time.perf_counter(), _children_cpu()
                    subprocess.run(
                        [estate, "copy", str(path), url], check=True, capture_output=True
                    )
                    copies.append((time.perf_counter() - start, _children_cpu() - cpu))
                    settled = functools.partial(_on_server, url, "VACUUM ANALYZE")
                    settled()
                    runs[backend].append(_kept_ranking_runs(url, systems, cache, reader, settled))
            path.unlink()
    finally:
        server.stop()
    found: dict[str, Any] = {
        "systems": runs["sqlite"][0]["systems"],
        "copy_s": min(c[0] for c in copies),
        "copy_cpu_s": min(c[1] for c in copies),
    }
    for name in runs["sqlite"][0]:
        if not name.endswith("_s") or name.endswith("server_cpu_s"):
            continue
        sqlite = min(run[name] for run in runs["sqlite"])
        postgres = min(run[name] for run in runs["postgres"])
        figure = name.removesuffix("_s")
        found[figure] = {
            "sqlite": round(sqlite, 3),
            "postgres": round(postgres, 3),
            "ratio": round(postgres / sqlite, 2) if sqlite else None,
        }
        server_name = name.removesuffix("_cpu_s") + "_server_cpu_s"
        if name.endswith("_cpu_s") and server_name in runs["postgres"][0]:
            found[figure]["postgres_server"] = round(
                min(run[server_name] for run in runs["postgres"]), 3
            )
    found["runs"] = runs
    found["children_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    found["commands_peak_mb"] = {
        backend: max(_commands_peak(run) for run in runs[backend]) for backend in runs
    }
    found["load"] = os.getloadavg()
    return found


STAGES = {
    "prepare": stage_prepare,
    "carbon": stage_carbon,
    "backend": stage_backend,
    "import": stage_import,
    "layouts": stage_layouts,
    "servicenow": stage_servicenow,
    "writes": stage_writes,
    "score": stage_score,
    "export": stage_export,
    "tui": stage_tui,
    "reopen": stage_reopen,
    "palette": stage_palette,
    "cli": stage_cli,
    "cli_import": stage_cli_import,
    "history": stage_history,
    "evolving": stage_evolving,
    "match": stage_match,
    "incremental": stage_incremental,
    "kept_commands": stage_kept_commands,
    "history_new_day": stage_history_new_day,
    "incremental-postgres": stage_incremental_postgres,
}

if __name__ == "__main__":
    stage, size, cache_dir = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    cache_dir.mkdir(parents=True, exist_ok=True)
    outcome = STAGES[stage](size, cache_dir)
    outcome.update(stage=stage, systems_requested=size, peak_mb=peak_mb())
    print(json.dumps(outcome))
