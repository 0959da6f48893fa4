"""One way of writing dates for people: day first (31/03/2027) wherever a person reads them
(terminal tables, the terminal UI, the workbook, markdown); ISO 8601 only in json and csv."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from estate.dates import shown_date, uk_date
from tests.conftest import Run

ISO = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
UK = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")


def test_dates_are_shown_day_first_from_dates_and_iso_text() -> None:
    assert uk_date(dt.date(2027, 3, 31)) == "31/03/2027"
    assert shown_date(dt.date(2027, 3, 31)) == "31/03/2027"
    assert shown_date("2027-03-31") == "31/03/2027"
    assert shown_date(dt.datetime(2027, 3, 31, 9, 5)) == "31/03/2027 09:05"
    assert shown_date("2027-03-31T00:00:00") == "31/03/2027"
    assert shown_date(None) == "" and shown_date(None, "unknown") == "unknown"
    assert shown_date("not given") == "not given"


def _system_with_dates(run: Run, db: Path) -> str:
    """A system whose components, assessments and facts carry dates."""
    for system in json.loads(run("--db", db, "systems", "--json").stdout):
        detail = json.loads(run("--db", db, "show", system["key"], "--json").stdout)
        dated = [c for c in detail["components"] if c["end_of_support"]]
        assessed = [a for a in detail["security_assessments"] if a["assessed_on"]]
        if dated and assessed and detail["contract_end"]:
            return str(system["key"])
    raise AssertionError("the sample estate has a system with dates")


def test_show_writes_every_date_day_first_and_json_keeps_iso(run: Run, demo_db: Path) -> None:
    key = _system_with_dates(run, demo_db)
    detail = json.loads(run("--db", demo_db, "show", key, "--json").stdout)
    assert ISO.fullmatch(detail["contract_end"])
    result = run("--db", demo_db, "show", key)
    assert result.exit_code == 0, result.output
    shown = result.stdout
    assert not ISO.search(shown), ISO.findall(shown)
    assert shown_date(detail["contract_end"]) in shown
    assert shown_date(detail["components"][0]["end_of_support"] or "") in shown
    assert len(UK.findall(shown)) >= 3


def test_markdown_is_day_first_and_csv_iso(run: Run, demo_db: Path, tmp_path: Path) -> None:
    markdown, table = tmp_path / "list.md", tmp_path / "list.csv"
    for path in (markdown, table):
        assert run("--db", demo_db, "export", path, "--as-of", "2026-11-01").exit_code == 0
    text = markdown.read_text(encoding="utf-8")
    assert "As at 01/11/2026;" in text
    assert not ISO.search(text), ISO.findall(text)
    assert ISO.search(table.read_text(encoding="utf-8")), "csv keeps ISO dates for programs"
