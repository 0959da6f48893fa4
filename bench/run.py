"""Run every benchmark stage at each size and print one table.

    .venv/bin/python bench/run.py                       # 1,000, 10,000 and 50,000 systems
    .venv/bin/python bench/run.py --sizes 1000 10000    # quicker
    .venv/bin/python bench/run.py --sizes 50000 --stages backend --db postgresql://HOST/DB
                                # import and scoring on SQLite and on a PostgreSQL server

Generated returns and databases are cached in bench/.cache (the first 50,000-system run
spends a few minutes generating them). Results are also written to bench/results/latest.json.
Never part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
COLUMNS = {
    "import": (
        "import_s",
        "openpyxl_read_s",
        "calamine_read_s",
        "import_over_openpyxl",
        "import_over_calamine",
    ),
    "layouts": (
        "template_import_s",
        "register_import_s",
        "register_over_template",
        "template_cpu_s",
        "register_cpu_s",
        "register_over_template_cpu",
        "template_rows",
        "register_rows",
    ),
    "servicenow": (
        "template_import_s",
        "servicenow_import_s",
        "servicenow_over_template",
        "template_cpu_s",
        "servicenow_cpu_s",
        "servicenow_over_template_cpu",
        "template_rows",
        "servicenow_rows",
    ),
    "writes": ("store_s", "bare_core_s", "writes_over_core"),
    "score": (
        "score_and_graph_s",
        "scoring_peak_mb",
        "graph_load_s",
        "blast_radius_s",
        "dependencies",
    ),
    "export": (
        "workbook_s",
        "bare_xlsxwriter_s",
        "bare_openpyxl_write_only_s",
        "workbook_over_xlsxwriter",
        "priority_sheet_over_xlsxwriter",
        "workbook_cells",
        "bare_xlsxwriter_whole_workbook_s",
        "workbook_over_bare_whole_workbook",
        "csv_s",
        "waves_s",
        "workbook_cpu_s",
        "bare_whole_workbook_cpu_s",
        "workbook_over_bare_whole_workbook_cpu",
    ),
    "tui": (
        "first_screen_s",
        "ranking_shown_s",
        "scores_shown_s",
        "search_filter_ms_median",
        "keystroke_roundtrip_ms_median",
        "keystroke_handler_ms_median",
        "first_sort_ms",
    ),
    "reopen": (
        "ranking_shown_s",
        "overview_shown_s",
        "explanation_s",
        "explorer_s",
        "scores_shown_s",
    ),
    "palette": (
        "palette_index_ms",
        "palette_keystroke_ms_median",
        "palette_keystroke_ms_max",
        "palette_misspelt_distinct_names_ms_max",
    ),
    "cli": (
        "rank_scoring_s",
        "rank_kept_s",
        "show_s",
        "graph_orphans_s",
        "graph_central_s",
        "waves_s",
        "unmatched_s",
        "rank_csv_kept_s",
        "rank_json_s",
        "contracts_json_s",
        "contracts_csv_s",
        "portfolio_s",
        "portfolio_json_s",
        "rank_csv_by_security_s",
        "rank_json_red_by_legacy_s",
        "rank_json_scoring_s",
    ),
    "carbon": (
        "score_cpu_s",
        "estimate_cpu_s",
        "estimate_share_of_scoring",
        "with_moves_share_of_scoring",
        "from_stored_rows_cpu_s",
        "carbon_kept_s",
        "carbon_kept_cpu_s",
        "carbon_kept_load",
        "carbon_json_kept_cpu_s",
        "carbon_csv_kept_cpu_s",
    ),
    "backend": (
        "sqlite_import_s",
        "postgres_import_s",
        "import_ratio",
        "sqlite_score_s",
        "postgres_score_s",
        "score_ratio",
    ),
    "cli_import": (
        "problems",
        "function_s",
        "function_process_s",
        "command_file_s",
        "command_terminal_s",
        "command_json_s",
        "file_over_function",
        "terminal_over_function",
        "file_over_function_process",
        "terminal_over_function_process",
        "json_over_function_process",
        "python_s",
        "libraries_s",
        "help_s",
        "function_cpu_s",
        "function_process_cpu_s",
        "command_file_cpu_s",
        "command_terminal_cpu_s",
        "file_over_function_cpu",
        "terminal_over_function_cpu",
        "file_over_function_process_cpu",
        "terminal_over_function_process_cpu",
        "json_over_function_process_cpu",
        "libraries_cpu_s",
        "help_cpu_s",
    ),
    "history": (
        "parse_s",
        "first_store_s",
        "first_kept_s",
        "changed_store_s",
        "changed_kept_s",
        "changed_kept_share_of_import",
        "all_changed_store_s",
        "all_changed_kept_s",
        "all_changed_kept_share_of_import",
        "unchanged_next_period_growth",
        "unchanged_same_period_growth",
        "db_mb_8_quarters",
        "score_s",
        "score_cpu_s",
        "score_again_s",
        "score_again_cpu_s",
        "trend_periods",
        "trend_first_s",
        "trend_first_cpu_s",
        "trend_again_s",
        "trend_first_over_score",
        "trend_first_over_score_cpu",
    ),
    "incremental": (
        "bare_read_cpu_s",
        "score_cpu_s",
        "score_over_bare_read_cpu",
        "rank_kept_cpu_s",
        "rank_new_day_cpu_s",
        "new_day_over_kept_cpu",
        "import_cpu_s",
        "rank_after_import_cpu_s",
        "after_import_over_kept_cpu",
        "contracts_new_day_s",
        "portfolio_new_day_s",
        "waves_new_day_s",
        "children_peak_mb",
        "database_over_without_ranking",
    ),
    "kept_commands": (
        "rank_kept_cpu_s",
        "rank_new_day_cpu_s",
        "workbook_new_day_s",
        "workbook_new_day_cpu_s",
        "bare_workbook_cpu_s",
        "workbook_over_allowed_cpu",
        "json_new_day_s",
        "contracts_new_day_s",
        "portfolio_new_day_s",
        "waves_new_day_s",
        "children_peak_mb",
    ),
    "evolving": (
        "system_rows",
        "system_history_rows",
        "dependency_history_rows",
        "score_s",
        "score_cpu_s",
        "trend_periods",
        "trend_first_s",
        "trend_first_cpu_s",
        "trend_again_s",
        "trend_first_over_score",
        "trend_first_over_score_cpu",
    ),
    "match": ("texts", "catalogue_load_s", "match_s", "match_cpu_s", "per_text_us", "matched"),
}
ON_THEIR_OWN = {"palette", "cli_import", "evolving", "match", "incremental", "kept_commands"}
"""Stages that make their own input and need no prepared estate database."""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--stages", nargs="+", default=None, choices=list(COLUMNS))
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument(
        "--db",
        help="A PostgreSQL server's URL for the backend stage, which imports and scores there "
        "(in a scratch database it creates and drops) beside SQLite; without it that stage "
        "is left out.",
    )
    args = parser.parse_args()
    stages = args.stages or [s for s in COLUMNS if s != "backend" or args.db]
    if "backend" in stages and not args.db:
        parser.error("the backend stage needs --db, a PostgreSQL server's URL")
    if args.db:
        os.environ["ESTATE_BENCH_DB"] = args.db
    results = []
    for size in args.sizes:
        needs_estate = set(args.stages) - ON_THEIR_OWN
        if needs_estate and _run_stage("prepare", size, args.cache) is None:
            continue
        for stage in stages:
            result = _run_stage(stage, size, args.cache)
            if result is None:
                continue
            results.append(result)
            figures = ", ".join(f"{k}={_fmt(result[k])}" for k in COLUMNS[stage])
            print(f"{size:>7,} {stage:<7} peak {result['peak_mb']:>6.0f} MB  {figures}", flush=True)
    python = f"{platform.python_implementation()} {platform.python_version()}"
    machine = f"{platform.machine()}, {python}, {os.cpu_count()} cores"
    out = HERE / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "results": results}, indent=2))
    print(f"\n{machine}; written to {out}")


def _run_stage(stage: str, size: int, cache: Path) -> dict[str, Any] | None:
    """Run one stage in its own process; its result, or None (said on stderr) if it failed."""
    done = subprocess.run(
        [sys.executable, str(HERE / "stages.py"), stage, str(size), str(cache)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"{stage} at {size:,}: failed\n{done.stderr}", file=sys.stderr)
        return None
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _fmt(value: float | int | list[int]) -> str:
    if isinstance(value, list):
        return "/".join(f"{v:,}" for v in value)
    return f"{value:,}" if isinstance(value, int) else f"{value:.2f}"


if __name__ == "__main__":
    main()
