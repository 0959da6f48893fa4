"""One vocabulary: a state (a support phase, a contract's status, a disposition, a blast
radius) is called the same in the CLI, the terminal UI, the workbook, markdown, csv and json,
in the words `estate.words` gives."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from textual.widgets import DataTable

from estate.words import (
    CONTRACT_ENDED,
    DISPOSITIONS,
    NO_SUGGESTION,
    OUT_OF_SUPPORT,
    PAID_EXTENDED,
    SUPPORTED,
    contract_within,
)
from tests.conftest import Run
from tests.test_tui import SIZE, _app, _loaded

AS_OF = ("--as-of", "2026-11-01")
SAID = {*DISPOSITIONS.values(), NO_SUGGESTION}


def _flat(text: str) -> str:
    return " ".join(text.split())


def _json(run: Run, *args: str | Path) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _exports(run: Run, demo_db: Path, tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for suffix in ("json", "md", "xlsx", "csv"):
        paths[suffix] = tmp_path / f"board.{suffix}"
        result = run("--db", demo_db, "export", paths[suffix], *AS_OF)
        assert result.exit_code == 0, result.output
    return paths


def test_dispositions_are_the_same_words_in_every_format(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    paths = _exports(run, demo_db, tmp_path)
    pack = json.loads(paths["json"].read_text())
    by_key = {s["key"]: s["cloud"]["suggested_disposition_words"] for s in pack["systems"]}
    assert set(by_key.values()) <= SAID and len(set(by_key.values())) > 3
    ranked = _json(run, "--db", demo_db, "rank", "--json", *AS_OF)["systems"]
    assert {s["key"]: s["cloud"]["suggested_disposition_words"] for s in ranked} == by_key
    contracts = _json(run, "--db", demo_db, "contracts", "--json", *AS_OF)["contracts"]
    assert all(c["suggested_disposition"] == by_key[c["key"]] for c in contracts)
    sheet = load_workbook(paths["xlsx"])["Priority list"]
    headers = [c.value for c in sheet[1]]
    key_at, said_at = headers.index("System"), headers.index("Suggested disposition")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[key_at]: row[said_at] for row in rows} == by_key
    listed = list(csv.DictReader(paths["csv"].open(encoding="utf-8")))
    assert {r["System"]: r["Suggested disposition"] for r in listed} == by_key
    markdown = paths["md"].read_text()
    for key, words in by_key.items():
        line = rf"\| {re.escape(key)} \|.*\| {re.escape(words)} \(.*\) \|"  # reason beside
        assert re.search(line, markdown), key


def test_support_phases_are_the_same_words_in_every_format(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    paths = _exports(run, demo_db, tmp_path)
    headers = [c.value for c in load_workbook(paths["xlsx"])["Portfolio"][1]]
    assert {OUT_OF_SUPPORT, PAID_EXTENDED, SUPPORTED} <= set(headers)
    assert f"| {OUT_OF_SUPPORT} | {PAID_EXTENDED} |" in paths["md"].read_text()
    printed = run("--db", demo_db, "portfolio", *AS_OF, "--department", "DBP")
    assert printed.exit_code == 0, printed.output
    heading = _flat(printed.stdout)
    assert all(word in heading for word in ("Out of", "support", "Paid", "extended"))
    assert "Extended support" not in heading.replace(PAID_EXTENDED, "")
    changes = _json(run, "--db", demo_db, "changes", "--json")
    kinds = set(changes["counts"])
    assert "entered paid extended support" in kinds and "gone out of support" in kinds


async def test_the_terminal_ui_names_support_phases_as_every_other_format(demo_db: Path) -> None:
    app = _app(demo_db)
    async with app.run_test(size=SIZE) as pilot:
        await _loaded(pilot)
        await pilot.press("p")
        await _loaded(pilot)
        table = app.screen.query_one("#portfolio", DataTable)
        # A heading may take two lines at a narrow width; its words are the vocabulary's.
        labels = [" ".join(str(column.label).split()) for column in table.columns.values()]
    assert OUT_OF_SUPPORT in labels and PAID_EXTENDED in labels


def test_contract_status_is_the_same_words_in_every_format(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    allowed = {CONTRACT_ENDED, *(contract_within(m) for m in (6, 12, 24))}
    contracts = _json(run, "--db", demo_db, "contracts", "--json", *AS_OF)["contracts"]
    windows = {c["window"] for c in contracts}
    assert CONTRACT_ENDED in windows and windows <= allowed
    paths = _exports(run, demo_db, tmp_path)
    sheet = load_workbook(paths["xlsx"])["Contracts"]
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]} == windows
    pack = json.loads(paths["json"].read_text())
    assert {c["window"] for c in pack["contracts"]} == windows
    markdown = paths["md"].read_text()
    assert all(f"| {window} |" in markdown for window in windows)


def test_an_ending_contract_is_not_called_expired(run: Run, demo_db: Path) -> None:
    ranked = _json(run, "--db", demo_db, "rank", "--json", *AS_OF)["systems"]
    for system in ranked:
        l2 = next(c for c in system["legacy"]["likelihood"] if c["code"] == "L2")
        if "contract ends" in (l2["evidence"] or ""):
            assert "vendor contract expired" not in system["headline"], system["key"]
    assert any("L2 vendor contract" in s["headline"] for s in ranked)


def test_a_blast_radius_is_the_same_words_everywhere(run: Run, demo_db: Path) -> None:
    ranked = _json(run, "--db", demo_db, "rank", "--json", *AS_OF)["systems"]
    system = next(s for s in ranked if any("depend on it" in r for r in s["reasons"]))
    said = next(r for r in system["reasons"] if "depend on it" in r)
    assert re.fullmatch(
        r"[\d,]+ systems depend on it \([\d,]+ directly, [\d,]+ critical, [\d,]+ departments?\)",
        said,
    )
    shown = _flat(run("--db", demo_db, "graph", "show", system["key"]).stdout)
    assert _flat(said) in shown
