"""The board pack's trend and changes since the last period: the workbook's Trend and "Changes
since last period" sheets and the json and markdown sections, checked against `estate trend`
and `estate changes` on the four-quarter sample estate."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from estate import db
from estate.dates import shown_date
from estate.history.board import changes_dict
from estate.history.changes import estate_changes
from estate.history.trend import figures_of_periods
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from tests.conftest import SAMPLE_DIR, Run

AS_OF = ("--as-of", "2026-11-01")
TREND_KEYS = (
    "period",
    "as_of",
    "systems",
    "legacy",
    "red_rated",
    "legacy_run_cost",
    "legacy_costs_not_known",
    "red_rated_funded",
    "red_rated_funded_share",
    "ready_for_cloud",
    "ready_share",
    "open_gaps",
)


def _export(run: Run, db_path: Path, out: Path, *args: str) -> None:
    result = run("--db", db_path, "export", out, *AS_OF, *args)
    assert result.exit_code == 0, result.output


def _json(run: Run, *args: str | Path) -> Any:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _trend_rows(sheet: Worksheet) -> list[dict[str, Any]]:
    rows = []
    for values in sheet.iter_rows(min_row=2, values_only=True):
        if not values[0] or not str(values[0])[:4].isdigit():
            break
        row = dict(zip(TREND_KEYS, values, strict=True))
        row["as_of"] = row["as_of"].date().isoformat()
        rows.append(row)
    return rows


def _same_trend(sheet_rows: list[dict[str, Any]], printed: list[dict[str, Any]]) -> None:
    assert [r["period"] for r in sheet_rows] == [p["period"] for p in printed]
    for row, period in zip(sheet_rows, printed, strict=True):
        for key in TREND_KEYS:
            if isinstance(period[key], float) or key.endswith("share"):
                assert row[key] == pytest.approx(period[key], abs=5e-5), (row["period"], key)
            else:
                assert row[key] == period[key], (row["period"], key)


def _change_rows(sheet: Worksheet) -> list[dict[str, Any]]:
    return [
        {
            "key": key,
            "name": name,
            "department": department,
            "change": change,
            "before": before,
            "after": after,
            "criteria": criteria.split(", ") if criteria else [],
        }
        for key, name, department, change, before, after, criteria in sheet.iter_rows(
            min_row=2, values_only=True
        )
    ]


def _systems(keys: list[str]) -> str:
    more = len(keys) - 10
    return ", ".join(keys[:10]) + (f" and {more:,} more" if more > 0 else "")


def _printed_changes(found: dict[str, Any]) -> list[dict[str, Any]]:
    """The changes as the sheet lists them: one line each, or one line for a change many
    systems share, naming them."""
    return [
        {
            **{k: c[k] for k in ("name", "department", "change", "before", "after", "criteria")},
            "key": _systems(c["keys"]),
        }
        for c in found["lines"]
    ]


def test_the_trend_sheet_has_estate_trend_figures_and_a_chart_of_them(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    printed = _json(run, "--db", demo_db, "trend", "--json")["periods"]
    sheet = load_workbook(out)["Trend"]
    rows = _trend_rows(sheet)
    assert len(rows) == 4
    _same_trend(rows, printed)
    assert rows[0]["red_rated"] != rows[-1]["red_rated"]  # the sample estate does move
    assert sheet.freeze_panes == "B2" and sheet.print_title_rows == "$1:$1"
    assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert sheet.oddFooter.right.text == "Page &P of &N"
    assert sheet.oddFooter.left.text == "As at 01/11/2026"
    (chart,) = sheet._charts
    assert chart.tagname == "lineChart"
    plotted = {s.tx.strRef.f: s.val.numRef.f for s in chart.series}
    assert plotted == {"Trend!$E$1": "Trend!$E$2:$E$5", "Trend!$D$1": "Trend!$D$2:$D$5"}
    assert all(s.cat.strRef.f == "Trend!$A$2:$A$5" for s in chart.series)
    assert [p.v for p in chart.series[0].cat.strRef.strCache.pt] == [r["period"] for r in rows]
    notes = [c.value for c in sheet["A"] if isinstance(c.value, str) and c.value.startswith("Tr")]
    assert notes and "today's policy and lifecycle catalogue" in notes[0]


def test_the_changes_sheet_lists_what_estate_changes_lists_since_the_last_period(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    printed = _json(run, "--db", demo_db, "changes", "--since", "2026-Q2", "--json")
    sheet = load_workbook(out)["Changes since last period"]
    header = [c.value for c in sheet[1]]
    assert header[4:6] == ["Was (end of 2026-Q2)", "Now (end of 2026-Q3)"]
    rows = _change_rows(sheet)
    expected = _printed_changes(printed)
    assert len(rows) > 10 and rows == [
        {**c, "before": c["before"], "after": c["after"]} for c in expected
    ]
    assert any(r["change"] == "band moved" and r["criteria"] for r in rows)
    assert sheet.auto_filter.ref == f"A1:G{len(rows) + 1}"
    assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE"
    assert sheet.oddFooter.right.text == "Page &P of &N"
    assert sheet.oddFooter.left.text == "As at 01/11/2026"


def test_a_department_export_carries_that_departments_trend_and_changes(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out, "--department", "dbp")
    trend = _json(run, "--db", demo_db, "trend", "--department", "DBP", "--json")
    changes = _json(run, "--db", demo_db, "changes", "--department", "DBP", "--json")
    book = load_workbook(out)
    _same_trend(_trend_rows(book["Trend"]), trend["periods"])
    whole = _json(run, "--db", demo_db, "trend", "--json")["periods"]
    assert trend["periods"][-1]["systems"] < whole[-1]["systems"]
    rows = _change_rows(book["Changes since last period"])
    assert rows == _printed_changes(changes) and {r["department"] for r in rows} == {"DBP"}


def test_two_departments_trend_is_their_figures_added_up(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.json"
    _export(run, demo_db, out, "--department", "DBP", "--department", "CTS")
    document = json.loads(out.read_text())
    dbp = _json(run, "--db", demo_db, "trend", "--department", "DBP", "--json")["periods"]
    cts = _json(run, "--db", demo_db, "trend", "--department", "CTS", "--json")["periods"]
    for row, a, b in zip(document["trend"]["periods"], dbp, cts, strict=True):
        assert row["systems"] == a["systems"] + b["systems"]
        assert row["red_rated"] == a["red_rated"] + b["red_rated"]
    assert {c["department"] for c in document["changes"]["changes"]} == {"DBP", "CTS"}


def test_an_export_for_a_period_has_the_trend_to_it_and_the_changes_into_it(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    result = run("--db", demo_db, "export", out, "--period", "2026-Q2")
    assert result.exit_code == 0, result.output
    whole = _json(run, "--db", demo_db, "trend", "--json")["periods"]
    book = load_workbook(out)
    _same_trend(_trend_rows(book["Trend"]), whole[:3])
    engine = db.open_engine(demo_db)
    try:
        into_q2 = estate_changes(engine, load_policy(), since="2026-Q1", until="2026-Q2")
    finally:
        engine.dispose()
    sheet = book["Changes since last period"]
    assert [c.value for c in sheet[1]][4:6] == ["Was (end of 2026-Q1)", "Now (end of 2026-Q2)"]
    expected = _printed_changes(json.loads(json.dumps(changes_dict(into_q2), default=str)))
    latest = _printed_changes(_json(run, "--db", demo_db, "changes", "--json"))
    assert _change_rows(sheet) == expected != latest


def test_the_first_period_and_a_one_period_estate_say_there_is_nothing_earlier(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.xlsx"
    assert run("--db", demo_db, "export", first, "--period", "2025-Q4").exit_code == 0
    returns = tmp_path / "returns"
    returns.mkdir()
    for name in ("dbp-2026-Q3-return.xlsx", "rca-2026-Q3-return.xlsx"):  # their covers say Q3
        shutil.copy(SAMPLE_DIR / "2026-Q3" / name, returns / name)
    single = tmp_path / "single.db"
    built = run("--db", single, "demo", "--sample-dir", returns)
    assert built.exit_code == 0, built.output
    only = tmp_path / "only.xlsx"
    _export(run, single, only)
    for out, period in ((first, "2025-Q4"), (only, "2026-Q3")):
        book = load_workbook(out)
        trend = book["Trend"]
        rows = _trend_rows(trend)
        assert [r["period"] for r in rows] == [period]
        notes = " ".join(str(c.value) for c in trend["A"] if c.value)
        assert "There is no earlier period to compare with" in notes
        assert len(trend._charts) == 1
        changes = list(book["Changes since last period"].iter_rows(min_row=2, values_only=True))
        assert len(changes) == 1 and changes[0][3] == "No earlier period", changes
        assert period in changes[0][5]
    markdown = tmp_path / "only.md"
    _export(run, single, markdown)
    assert "There is no earlier period to compare with" in markdown.read_text()
    document = tmp_path / "only.json"
    _export(run, single, document)
    found = json.loads(document.read_text())
    assert found["changes"] is None and len(found["trend"]["periods"]) == 1


def test_json_and_markdown_carry_the_trend_and_the_changes(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    _export(run, demo_db, tmp_path / "board.json")
    _export(run, demo_db, tmp_path / "board.md")
    document = json.loads((tmp_path / "board.json").read_text())
    assert document["trend"] == _json(run, "--db", demo_db, "trend", "--json")
    assert document["changes"] == _json(run, "--db", demo_db, "changes", "--json")
    text = (tmp_path / "board.md").read_text()
    trend = text[text.index("## Trend") : text.index("## Changes since last period")]
    for p in document["trend"]["periods"]:
        assert (
            f"| {p['period']} | {shown_date(dt.date.fromisoformat(p['as_of']))} | "
            f"{p['systems']:,} | {p['legacy']:,} | {p['red_rated']:,} |"
        ) in trend
    changes = text[text.index("## Changes since last period") : text.index("## Limits")]
    counted = len(document["changes"]["changes"])
    assert f"to the end of 2026-Q3 (as at 30/09/2026): {counted} changes." in changes
    for c in document["changes"]["changes"]:
        assert f"| {c['key']} | {c['name']} | {c['department']} | {c['change']} |" in changes


def test_an_export_reads_the_kept_trend_and_scores_each_period_once(
    run: Run, demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scored: list[str] = []

    def counting(connection: Any, periods: Any, policy: Any, *args: Any) -> Any:
        scored.extend(periods)
        return figures_of_periods(connection, periods, policy, *args)

    monkeypatch.setattr("estate.history.trend.figures_of_periods", counting)
    _export(run, demo_db, tmp_path / "first.xlsx")
    # The latest period, over but the estate as it stands, is counted from the kept ranking
    # read as at its end, not scored (`kept_values_as_at`).
    assert sorted(scored) == ["2025-Q4", "2026-Q1", "2026-Q2"]
    scored.clear()
    _export(run, demo_db, tmp_path / "again.json", "--department", "DBP")
    _export(run, demo_db, tmp_path / "again.md")
    assert scored == []  # every period's figures read back from those kept


@pytest.mark.parametrize(
    ("args", "until", "scorings"),
    [
        # Scored as at the latest period's end, the export's own scores are the changes'
        # latest state: only the period before is scored.
        (("--as-of", "2026-09-30"), "2026-Q3", ["2026-06-30"]),
        (("--period", "2026-Q3"), "2026-Q3", ["2026-06-30"]),
        (("--period", "2026-Q2"), "2026-Q2", ["2026-03-31"]),
        # Scored as at another day, they are not: the changes score both periods' ends.
        (AS_OF, "2026-Q3", ["2026-09-30", "2026-06-30"]),
    ],
)
def test_the_changes_take_the_exports_own_scores_as_the_latest_state(
    run: Run,
    demo_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    until: str,
    scorings: list[str],
) -> None:
    copy = tmp_path / "afresh.db"  # worked out apart, so that nothing is kept in demo_db
    shutil.copy(demo_db, copy)
    engine = db.open_engine(copy)
    try:
        afresh = estate_changes(engine, load_policy(), until=until)
    finally:
        engine.dispose()
    expected = _printed_changes(json.loads(json.dumps(changes_dict(afresh), default=str)))
    scored: list[str] = []

    def counting(connection: Any, policy: Any, *rest: Any) -> Any:
        scored.append(policy.as_of.isoformat())
        return score_estate(connection, policy, *rest)

    monkeypatch.setattr("estate.history.changes.score_estate", counting)
    out = tmp_path / "board.xlsx"
    result = run("--db", demo_db, "export", out, *args)
    assert result.exit_code == 0, result.output
    assert scored == scorings
    assert (
        len(expected) > 10
        and _change_rows(load_workbook(out)["Changes since last period"]) == expected
    )
