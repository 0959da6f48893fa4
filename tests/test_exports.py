"""The board exports: the workbook read back with openpyxl, csv/json round trips, markdown,
formula neutralisation, determinism and atomic writes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from estate import db
from estate.advice.dispositions import WORDS
from estate.costs import money
from estate.dates import shown_date
from estate.errors import OutputError
from estate.exports import export_ranking
from estate.exports.workbook import BOARD_MONEY
from estate.render.list_columns import PRIORITY_COLUMNS, REGISTER_COLUMNS
from estate.scoring import score_estate
from estate.scoring.policy import load_policy
from estate.words import NO_SUGGESTION
from tests.conftest import IN_SERVICE, Run

AS_OF = ("--as-of", "2026-11-01")
HOSTILE = '=HYPERLINK("http://evil","x")'


@pytest.fixture
def hostile_db(demo_db: Path) -> Path:
    """The sample estate with a system whose name a spreadsheet would run as a formula."""
    engine = db.open_engine(demo_db)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE system SET name = ?, notes = ? "
            "WHERE reference = (SELECT min(reference) FROM system)",
            (HOSTILE, "@SUM(1+1)"),
        )
    engine.dispose()
    return demo_db


def _export(run: Run, db_path: Path, out: Path, *args: str) -> None:
    result = run("--db", db_path, "export", out, *AS_OF, *args)
    assert result.exit_code == 0, result.output


def test_the_workbook_has_every_sheet_in_order(run: Run, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    book = load_workbook(out)
    assert book.sheetnames == [
        "Summary",
        "Highest priorities",
        "Priority list",
        "Legacy register",
        "Improvement plan",
        "Waves",
        "Contracts",
        "Suppliers",
        "Portfolio",
        "Consolidation",
        "Sign-in",
        "Trend",
        "Changes since last period",
        "Sustainability",
        "Method",
        "Policy",
        "Data quality",
    ]
    summary = book["Summary"]
    labels = {summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(1, 18)}
    assert labels["As at"] == dt.datetime(2026, 11, 1) and labels["Policy"] == "default 2026.1"
    assert labels["Lifecycle catalogue"].startswith("builtin-")
    assert {"Red-rated with a funded plan", "Red-rated with no plan"} <= set(labels)
    charts = summary._charts
    assert len(charts) == 2
    assert {c.tagname for c in charts} == {"barChart"}


def test_the_priority_list_is_in_priority_order_with_formats(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    ranking = json.loads(run("--db", demo_db, "rank", "--json", *AS_OF).stdout)["systems"]
    sheet = load_workbook(out)["Priority list"]
    assert [c.value for c in sheet[1]] == [c.header for c in PRIORITY_COLUMNS]
    keys = [sheet.cell(row, 2).value for row in range(2, sheet.max_row + 1)]
    assert keys == [s["key"] for s in ranking]
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:X{len(keys) + 1}"
    assert sheet.column_dimensions["C"].width > 20
    headers = [c.header for c in PRIORITY_COLUMNS]
    target = headers.index("Target date") + 1
    dated = [
        sheet.cell(r, target) for r in range(2, sheet.max_row + 1) if sheet.cell(r, target).value
    ]
    assert dated and all(c.number_format == "dd/mm/yyyy" for c in dated)
    assert sheet.cell(2, headers.index("Priority") + 1).number_format == "0.0"
    rules = {
        rule.formula[0]: rule.dxf.fill.fgColor.rgb or rule.dxf.fill.bgColor.rgb
        for cf in sheet.conditional_formatting
        for rule in cf.rules
    }
    assert '$J2="Red-rated"' in rules and '$J2="Low"' in rules


def test_the_register_improvement_plan_waves_method_and_quality(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    book = load_workbook(out)
    register = book["Legacy register"]
    assert [c.value for c in register[1]] == [c.header for c in REGISTER_COLUMNS]
    is_legacy = [c.header for c in REGISTER_COLUMNS].index("Is legacy") + 1
    assert all(register.cell(r, is_legacy).value == "Yes" for r in range(2, register.max_row + 1))
    plan = book["Improvement plan"]
    ranks = [plan.cell(r, 1).value for r in range(2, plan.max_row + 1)]
    assert ranks and ranks == sorted(ranks)
    waves = book["Waves"]
    numbers = [waves.cell(r, 1).value for r in range(2, waves.max_row + 1)]
    assert numbers == sorted(numbers) and numbers[0] == 1
    method = " ".join(str(c.value) for row in book["Method"].iter_rows() for c in row if c.value)
    assert "Red-rated from 16" in method and "High from 8, Red-rated from 16" in method
    assert "red_from = 16" in [c.value for c in book["Policy"]["A"]]
    quality = {
        book["Data quality"].cell(r, 1).value for r in range(2, book["Data quality"].max_row + 1)
    }
    assert {"Unresolved dependency", "Criterion not known"} <= quality


SHEET_LAYOUT = {
    # sheet: (first headers, frozen at, header row repeated on printed pages)
    "Priority list": (("Rank", "System", "Name"), "C2", True),
    "Legacy register": (("Asset name", "Department", "Reference"), "C2", True),
    "Improvement plan": (("Rank", "System", "Name", "Department", "Framework"), "C2", True),
    "Waves": (("Wave", "System", "Name", "Department", "Priority"), "A2", True),
    "Contracts": (("When", "Contract ends", "System", "Name"), "D2", True),
    "Suppliers": (("Supplier", "Systems", "Annual run cost"), "B2", True),
    "Portfolio": (("Product", "Kind", "Release", "Systems"), "B2", True),
    "Consolidation": (("Candidate", "Concerns", "Detail"), "A2", True),
    "Sign-in": (("Department", "Who signs in", "Candidate for", "System"), "A2", True),
    "Changes since last period": (("System", "Name", "Department", "Change"), "C2", True),
    "Data quality": (("Issue", "System", "Leaves unknown", "Detail"), "A2", True),
}


def test_every_sheet_prints_one_page_wide_with_its_header_frozen_and_filtered(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    book = load_workbook(out)
    # The data sheets too wide for a page in 9-point type (they print only with --print full).
    wide = (
        "Priority list",
        "Legacy register",
        "Improvement plan",
        "Waves",
        "Portfolio",
        "Consolidation",
        "Sign-in",
        "Data quality",
    )
    for sheet in book:
        narrow = sheet.title in ("Waves", "Suppliers", "Method", "Policy")
        assert sheet.page_setup.orientation == ("portrait" if narrow else "landscape"), sheet.title
        assert sheet.page_setup.paperSize == 9, sheet.title  # A4
        # A sheet too wide for one page in 9-point type prints at 82%, across pages.
        fitted = bool(sheet.sheet_properties.pageSetUpPr.fitToPage)
        assert fitted is (sheet.title not in wide), sheet.title
        if not fitted:
            assert sheet.page_setup.scale == 82, sheet.title
    for title, (headers, frozen, repeated) in SHEET_LAYOUT.items():
        sheet = book[title]
        assert tuple(c.value for c in sheet[1][: len(headers)]) == headers, title
        assert sheet.freeze_panes == frozen, title
        assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}" + str(
            sheet.max_row
        ), title
        assert (sheet.print_title_rows == "$1:$1") is repeated, title
    plan = book["Improvement plan"]
    target = [c.value for c in plan[1]].index("Target date") + 1
    assert plan.column_dimensions[plan.cell(1, target).column_letter].number_format == "dd/mm/yyyy"


WRAPPED = {
    "Highest priorities": ("Why", "Suggested disposition"),
    "Priority list": (
        "Top reasons",
        "Suggested disposition",
        "Why this disposition",
        "Remediation plan",
    ),
    "Legacy register": (
        "Description",
        "Legacy components",
        "Services supported",
        "Suggested disposition",
        "Notes",
    ),
    "Improvement plan": ("Evidence",),
    "Contracts": ("Suggested disposition", "Why this disposition"),
    "Consolidation": ("Detail",),
    "Data quality": ("Detail",),
}


def test_long_text_wraps_in_rows_tall_enough_to_read(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    """Neither Excel nor LibreOffice fits a row to wrapped text when it opens a file: without a
    height of its own, a reason list would spill over the rows below in print."""
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    book = load_workbook(out)
    method = book["Method"]
    for title, columns in {**WRAPPED, "Method": ("",)}.items():
        sheet = book[title]
        headers = [c.value or "" for c in sheet[1]]
        for header in columns:
            column = headers.index(header) + 1 if header else 1
            width = next(
                d.width for d in sheet.column_dimensions.values() if d.min <= column <= d.max
            )
            if title == "Method":  # its paragraphs span its two columns
                width = sum(sheet.column_dimensions[c].width for c in "AB")
            tall = 0
            for row in range(2, sheet.max_row + 1):
                cell = sheet.cell(row, column)
                if not cell.value:
                    continue
                assert cell.alignment.wrap_text, (title, cell.coordinate)
                written = [c for c in sheet[row] if c.value is not None]
                assert all(c.alignment.vertical == "top" for c in written), (title, row)
                # At most 1.5 characters of prose fit in a unit of column width.
                lines = sum(
                    -(-len(part) // int(width * 1.5)) or 1 for part in cell.value.split("\n")
                )
                height = sheet.row_dimensions[row].height or 15
                assert height >= 15 * lines, (title, cell.coordinate, lines, height)
                tall += lines > 1
            assert tall or title in ("Data quality", "Legacy register"), (title, header)
    assert max(method.row_dimensions[r].height or 15 for r in range(2, method.max_row + 1)) >= 60


def _cells(book: Any, source: Any) -> list[Any]:
    """The values a chart's category or value reference points at."""
    sheet, cells = (getattr(source, "strRef", None) or source.numRef).f.split("!")
    return [c.value for row in book[sheet.strip("'")][cells.replace("$", "")] for c in row]


def test_the_summary_charts_plot_its_own_figures(run: Run, demo_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    book = load_workbook(out)
    ranking = json.loads(run("--db", demo_db, "rank", "--json", *AS_OF).stdout)["systems"]
    charts = {
        "".join(text.t for p in chart.title.tx.rich.p for text in p.r or []): chart
        for chart in book["Summary"]._charts
    }
    assert set(charts) == {"Red-rated systems by department", "Cloud readiness"}
    by_department = charts["Red-rated systems by department"].series[0]
    departments = _cells(book, by_department.cat)
    assert sorted(departments) == sorted({s["department"] for s in ranking})
    red = Counter(s["department"] for s in ranking if s["legacy"]["band"] == "Red-rated")
    plotted = dict(zip(departments, _cells(book, by_department.val), strict=True))
    assert plotted == {d: red[d] for d in departments} and sum(plotted.values()) > 0
    readiness = charts["Cloud readiness"].series[0]
    categories = _cells(book, readiness.cat)
    assert categories == ["Ready", "Ready with conditions", "Not ready", "Unknown"]
    ready = Counter(s["cloud"]["category"] for s in ranking)
    assert _cells(book, readiness.val) == [ready[c] for c in categories]


def test_formula_text_is_neutralised(run: Run, hostile_db: Path, tmp_path: Path) -> None:
    _export(run, hostile_db, tmp_path / "b.xlsx")
    _export(run, hostile_db, tmp_path / "b.csv")
    book = load_workbook(tmp_path / "b.xlsx")
    found = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value == HOSTILE]
    assert found, "the hostile name is exported as text"
    assert all(c.data_type == "s" for c in found)
    assert not [c for sheet in book for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    rows = list(csv.reader((tmp_path / "b.csv").open(encoding="utf-8")))
    names = [row[2] for row in rows[1:]]
    assert "'" + HOSTILE in names and HOSTILE not in names
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_csv_and_json_round_trip_in_the_same_order(run: Run, demo_db: Path, tmp_path: Path) -> None:
    _export(run, demo_db, tmp_path / "l.csv", "--band", "red")
    _export(run, demo_db, tmp_path / "l.json", "--band", "red")
    rows = list(csv.DictReader((tmp_path / "l.csv").open(encoding="utf-8")))
    document = json.loads((tmp_path / "l.json").read_text())
    assert document["schema_version"] == 1 and document["selection"] == "bands Red-rated"
    assert [r["System"] for r in rows] == [s["key"] for s in document["systems"]]
    assert {r["Legacy band"] for r in rows} == {"Red-rated"}
    first = document["systems"][0]
    assert float(rows[0]["Priority"]) == first["priority"]
    assert {w["wave"] for w in document["waves"]} and all(w["systems"] for w in document["waves"])


def test_markdown_renders_the_top_systems_with_reasons(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    _export(run, demo_db, tmp_path / "r.md", "--top", "5")
    text = (tmp_path / "r.md").read_text()
    top = json.loads(run("--db", demo_db, "rank", "--json", "--top", "5", *AS_OF).stdout)["systems"]
    assert text.startswith("**OFFICIAL-SENSITIVE**\n\n# Legacy technology remediation priorities")
    assert "Selection: top 5 by priority." in text
    for system in top:
        assert f"### {system['rank']}. {system['key']}" in text
        assert system["reasons"][0].replace("|", "\\|") in text
    assert "## Limits of the data" in text


def test_an_export_of_one_system_or_none_says_so_in_words(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    one = run("--db", demo_db, "export", tmp_path / "one.md", "--top", "1", *AS_OF)
    assert one.exit_code == 0 and "Wrote 1 system to" in one.stderr
    text = (tmp_path / "one.md").read_text()
    assert "- 1 system, 1 of them legacy." in text
    assert "## Why the top system is where it is" in text
    for fmt in ("md", "xlsx", "csv"):
        out = tmp_path / f"none.{fmt}"
        # DHR has no red-rated system in the sample estate.
        none = run("--db", demo_db, "export", out, "--department", "DHR", "--band", "red", *AS_OF)
        assert none.exit_code == 0, none.output
        assert "Wrote 0 systems" in none.stderr and "No systems match" in none.stderr
    text = (tmp_path / "none.md").read_text()
    assert "No systems match this selection." in text and "| # |" not in text
    assert "## Why" not in text
    book = load_workbook(tmp_path / "none.xlsx")
    assert book["Priority list"].max_row == 1 and book["Priority list"]["A1"].value == "Rank"
    assert len(book["Summary"]._charts) == 1, "no department chart without departments"
    assert (tmp_path / "none.csv").read_text(encoding="utf-8").count("\n") == 1


def test_text_exports_are_deterministic(run: Run, demo_db: Path, tmp_path: Path) -> None:
    for suffix in ("csv", "json", "md"):
        _export(run, demo_db, tmp_path / f"a.{suffix}")
        _export(run, demo_db, tmp_path / f"b.{suffix}")
        assert (tmp_path / f"a.{suffix}").read_bytes() == (tmp_path / f"b.{suffix}").read_bytes(), (
            suffix
        )


def test_a_failed_export_leaves_no_file(
    demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import estate.exports as exports

    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=dt.date(2026, 11, 1)))
    engine.dispose()
    folder = tmp_path / "papers"
    folder.mkdir()
    out = folder / "board.xlsx"
    out.write_bytes(b"last quarter's board paper")

    def explode(*_args: object, **_kwargs: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_workbook", explode)
    with pytest.raises(OutputError, match=r"board\.xlsx: not written \(disk full\)"):
        export_ranking(scores, out)
    assert out.read_bytes() == b"last quarter's board paper"
    assert sorted(p.name for p in folder.iterdir()) == ["board.xlsx"]


def test_a_workbook_export_reports_each_step(demo_db: Path, tmp_path: Path) -> None:
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        scores = score_estate(connection, load_policy(as_of=dt.date(2026, 11, 1)))
    engine.dispose()
    heard: list[tuple[str, int, int]] = []
    export_ranking(scores, tmp_path / "board.xlsx", progress=lambda *told: heard.append(told))
    steps = [stage for stage, _, _ in heard]
    assert steps[0] == "Planning migration waves"
    assert steps[1:5] == [
        "Writing the summary",
        "Writing the highest priorities to print",
        "Writing the priority list",
        "Writing the legacy register",
    ]
    assert heard[-2][0] == "Saving the workbook" and heard[-1] == ("Saved", 14, 14)
    assert [done for _, done, _ in heard[1:]] == list(range(15))
    assert "Writing the sustainability sheet" in steps


def test_export_refuses_unknown_formats_and_departments(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    bad = run("--db", demo_db, "export", tmp_path / "x.pdf")
    assert bad.exit_code == 1 and "--format" in bad.stderr
    missing = run("--db", demo_db, "export", tmp_path / "x.csv", "--department", "NOPE")
    assert missing.exit_code == 1 and "No department 'NOPE'" in missing.stderr


@pytest.fixture
def costly_db(demo_db: Path) -> Path:
    """The sample estate with some run costs not known: the first system of each department
    whose reference ends in 3 gave none."""
    engine = db.open_engine(demo_db)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE system SET annual_run_cost = NULL WHERE reference LIKE '%3'"
        )
    engine.dispose()
    return demo_db


def _stored_costs(db_path: Path) -> tuple[float, int]:
    engine = db.open_engine(db_path)
    with engine.connect() as connection:
        known, unknown = connection.exec_driver_sql(
            "SELECT sum(annual_run_cost), sum(annual_run_cost IS NULL) FROM system s WHERE "
            + IN_SERVICE
        ).one()
    engine.dispose()
    return float(known), int(unknown)


def _block(sheet: Any, title: str) -> list[tuple[Any, ...]]:
    """The rows of a Summary block under the heading cell `title`, up to its Total row."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == title)
    block = []
    for row in rows[start + 1 :]:
        block.append(row)
        if row[0] in ("Total", None):
            break
    return block


def test_the_board_paper_words_its_totals_as_its_sentences_do(
    run: Run, costly_db: Path, tmp_path: Path
) -> None:
    """The summary's, the suppliers' and the trend's amounts are totals: at a government's
    scale (£13,943,800,000) written out in full they overflow their column and print as ###.
    They are shown in £m and £k as the pack's sentences word them (`estate.costs.money`), the
    cell keeping the exact amount; a single system's cost on the data sheets stays in full."""
    assert (money(9_999), money(10_000), money(999_949), money(999_950)) == (
        "£9,999",
        "£10k",
        "£1,000k",
        "£1.0m",
    )  # the format's thresholds, 10000 and 999950, are these
    assert BOARD_MONEY == '[>=999950]£#,##0.0,,"m";[>=10000]£#,##0,"k";£#,##0'
    out = tmp_path / "board.xlsx"
    _export(run, costly_db, out)
    book = load_workbook(out)
    summary = book["Summary"]
    total = next(r for r in summary.iter_rows(max_col=2) if r[0].value == "Annual run cost (known)")
    assert total[1].value > 999_950 and total[1].number_format == BOARD_MONEY
    carbon = next(r for r in summary.iter_rows(max_col=2) if str(r[0].value).startswith("Carbon"))
    assert carbon[1].number_format == "#,##0.0"  # tonnes by the thousand, as the other figures
    suppliers = book["Suppliers"]
    cost = [c.value for c in suppliers[1]].index("Annual run cost") + 1
    assert {suppliers.cell(r, cost).number_format for r in range(2, suppliers.max_row + 1)} == {
        BOARD_MONEY
    }
    trend = book["Trend"]
    cost = [c.value for c in trend[1]].index("Annual run cost on legacy") + 1
    assert trend.cell(2, cost).number_format == BOARD_MONEY


def test_the_workbook_carries_money_with_unknown_costs_counted_apart(
    run: Run, costly_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, costly_db, out)
    known, unknown = _stored_costs(costly_db)
    assert unknown > 0
    book = load_workbook(out)
    headers = [c.header for c in PRIORITY_COLUMNS]
    cost = headers.index("Annual run cost")
    rows = list(book["Priority list"].iter_rows(min_row=2, values_only=True))
    costs = [row[cost] for row in rows]
    assert sum(c for c in costs if c is not None) == pytest.approx(known)
    assert sum(c is None for c in costs) == unknown, "an unknown cost is left blank, not 0"
    priced = next(r for r in range(2, len(rows) + 2) if rows[r - 2][cost] is not None)
    assert book["Priority list"].cell(priced, cost + 1).number_format == "£#,##0"
    summary = book["Summary"]
    labels = {row[0]: row[1] for row in summary.iter_rows(max_col=2, values_only=True) if row[0]}
    assert labels["Annual run cost (known)"] == pytest.approx(known)
    assert labels["Systems whose run cost is not known"] == unknown
    legacy = [row for row in rows if row[headers.index("Is legacy")] == "Yes"]
    legacy_cost = sum(row[cost] or 0 for row in legacy)
    assert labels["Of it on legacy systems"] == pytest.approx(legacy_cost)
    red_unfunded = [
        row
        for row in rows
        if row[headers.index("Legacy band")] == "Red-rated"
        and not (
            row[headers.index("Remediation plan")] and row[headers.index("Plan funded")] == "Yes"
        )
    ]
    assert labels["Run cost of red-rated, unfunded"] == pytest.approx(
        sum(row[cost] or 0 for row in red_unfunded)
    )
    share = f"({legacy_cost / known:.0%})"
    sentences = [row[0] for row in summary.iter_rows(max_col=1, values_only=True) if row[0]]
    said = next(s for s in sentences if "of annual run cost is on legacy systems" in s)
    assert share in said and f"{unknown:,} of {len(rows):,} systems" in said
    for title in ("Legacy band", "Suggested disposition"):
        block = _block(summary, title)
        lines, total = block[:-1], block[-1]
        assert total[0] == "Total", title
        assert sum(line[1] for line in lines) == total[1] == len(rows), title
        assert sum(line[2] for line in lines) == pytest.approx(total[2]) == pytest.approx(known)
        assert sum(line[3] for line in lines) == total[3] == unknown, title
    departments = _block(summary, "Department")
    per_department: dict[str, float] = {}
    for row in rows:
        per_department[row[3]] = per_department.get(row[3], 0) + (row[cost] or 0)
    shown = {row[0]: row[4] for row in departments if row[0] and row[0] != "Total"}
    assert shown == pytest.approx(per_department)
    total = departments[-1]
    assert total[0] == "Total", "the departments add up"
    assert total[1:6] == (
        len(rows),
        sum(row[headers.index("Legacy band")] == "Red-rated" for row in rows),
        len(legacy),
        pytest.approx(known),
        unknown,
    )
    wave_of = {r[1]: r[0] for r in book["Waves"].iter_rows(min_row=2, values_only=True) if r[0]}
    by_wave = _block(summary, "Migration wave")
    lines, wave_total = by_wave[:-1], by_wave[-1]
    assert [line[0] for line in lines] == [str(n) for n in sorted(set(wave_of.values()))]
    for line in lines:
        in_wave = [row for row in rows if wave_of[row[1]] == int(line[0])]
        assert line[1] == len(in_wave), line[0]
        assert line[2] == pytest.approx(sum(row[cost] or 0 for row in in_wave)), line[0]
        assert line[3] == sum(row[cost] is None for row in in_wave), line[0]
    assert wave_total[1:4] == (len(rows), pytest.approx(known), unknown)
    waves = book["Waves"]
    assert [c.value for c in waves[1]][5] == "Annual run cost"
    assert sum(r[5] or 0 for r in waves.iter_rows(min_row=2, values_only=True)) == pytest.approx(
        known
    )
    register = book["Legacy register"]
    register_cost = [c.value for c in register[1]].index("Annual run cost")
    assert sum(
        r[register_cost] or 0 for r in register.iter_rows(min_row=2, values_only=True)
    ) == pytest.approx(legacy_cost)


def test_the_summary_names_the_ten_highest_risks_with_why_and_what_to_do(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    top = json.loads(run("--db", demo_db, "rank", "--json", "--top", "10", *AS_OF).stdout)
    summary = list(load_workbook(out)["Summary"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(summary) if row[0] == "The 10 highest risks")
    assert summary[start + 1][:3] == ("System", "Legacy band", "Why")
    lines = summary[start + 2 : start + 12]
    for system, line in zip(top["systems"], lines, strict=True):
        assert line[0] == f"{system['rank']}. {system['key']} {system['name']}"
        assert line[1] == system["legacy"]["band"]
        assert line[2] == system["headline"]
        words = system["cloud"]["suggested_disposition_words"]
        assert line[5] == f"{words} ({system['cloud']['disposition_reason']})"
    assert summary[start + 12][0] is None, "ten, no more"


def test_every_sheet_carries_the_marking_page_numbers_and_date(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    book = load_workbook(out)
    for sheet in book:
        assert sheet.oddHeader.center.text == "OFFICIAL-SENSITIVE", sheet.title
        footer = sheet.oddFooter
        assert footer.center.text == "OFFICIAL-SENSITIVE", sheet.title
        assert footer.right.text == "Page &P of &N", sheet.title
        assert footer.left.text == "As at 01/11/2026", sheet.title
    method = [c.value for c in book["Method"]["A"] if c.value]
    assert any("Protective marking: OFFICIAL-SENSITIVE" in line for line in method)
    _export(run, demo_db, out, "--marking", "OFFICIAL & PERSONAL")
    book = load_workbook(out)
    assert {s.oddHeader.center.text for s in book} == {"OFFICIAL && PERSONAL"}
    method = [c.value for c in book["Method"]["A"] if c.value]
    assert any("Protective marking: OFFICIAL & PERSONAL." in line for line in method)
    labels = {r[0]: r[1] for r in book["Summary"].iter_rows(max_col=2, values_only=True)}
    assert labels["Protective marking"] == "OFFICIAL & PERSONAL"


def test_dispositions_are_in_words_with_their_reason_beside_them(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    _export(run, demo_db, tmp_path / "list.csv")
    sheet = load_workbook(out)["Priority list"]
    headers = [c.value for c in sheet[1]]
    said = headers.index("Suggested disposition")
    assert headers[said + 1] == "Why this disposition"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    words = {row[said] for row in rows}
    assert "Retain" not in words and "Retain and modernise in place" in words
    assert words <= {*WORDS.values(), NO_SUGGESTION}, "the words say the R, the reason why"
    assert all(row[said + 1] for row in rows), "every disposition has its reason beside it"
    listed = list(csv.DictReader((tmp_path / "list.csv").open(encoding="utf-8")))
    assert [r["Suggested disposition"] for r in listed] == [row[said] for row in rows]
    assert all(r["Why this disposition"] for r in listed)


def test_the_data_quality_sheet_names_each_system_and_what_it_leaves_unknown(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "board.xlsx"
    _export(run, demo_db, out)
    ranking = json.loads(run("--db", demo_db, "rank", "--json", *AS_OF).stdout)["systems"]
    unknown = [
        (s["key"], c["code"])
        for s in ranking
        for c in (*s["legacy"]["likelihood"], *s["legacy"]["impact"])
        if c["source"] == "unknown"
    ]
    assert len({key for key, _ in unknown}) < len(unknown), "a system with two gaps"
    sheet = load_workbook(out)["Data quality"]
    rows = [
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "Criterion not known"
    ]
    assert [(r[1], r[2]) for r in rows] == unknown, "one row per system and criterion"
    for _, key, code, detail in rows:
        total = "likelihood" if code.startswith("L") else "impact"
        assert detail.startswith(f"{code} "), (key, code)
        assert f"the {total} total is worked out without it" in detail, (key, code)
    assert sheet.auto_filter.ref == f"A1:D{sheet.max_row}"


def test_csv_json_and_markdown_carry_the_same_figures(
    run: Run, costly_db: Path, tmp_path: Path
) -> None:
    for suffix in ("csv", "json", "md", "xlsx"):
        _export(run, costly_db, tmp_path / f"l.{suffix}")
    rows = list(csv.DictReader((tmp_path / "l.csv").open(encoding="utf-8")))
    document = json.loads((tmp_path / "l.json").read_text())
    text = (tmp_path / "l.md").read_text()
    costs = document["costs"]
    assert document["marking"] == "OFFICIAL-SENSITIVE"
    assert costs["red_rated_without_funded_plan"]["label"] == "Red-rated without a funded plan"
    assert text.startswith("**OFFICIAL-SENSITIVE**\n") and text.endswith("**OFFICIAL-SENSITIVE**\n")
    summary = document["summary"]
    assert summary["systems"] == len(rows) == sum(summary["by_band"].values())
    assert summary["legacy"] == sum(r["Is legacy"] == "Yes" for r in rows)
    assert summary["by_band"]["Red-rated"] == sum(r["Legacy band"] == "Red-rated" for r in rows)
    assert sum(d["systems"] for d in summary["by_department"]) == len(rows)
    book = load_workbook(tmp_path / "l.xlsx")
    quality = [
        {"issue": i, "system": s, "leaves_unknown": u or "", "detail": d}
        for i, s, u, d in book["Data quality"].iter_rows(min_row=2, values_only=True)
    ]
    assert document["data_quality"] == quality and len(quality) > len(rows) / 2
    listed_quality = text.split(
        "| Issue | System | Leaves unknown | Detail |\n|---|---|---|---|\n"
    )[1]
    assert listed_quality.split("\n\n")[0].splitlines() == [
        "| " + " | ".join(str(v).replace("|", "\\|") for v in row.values()) + " |"
        for row in quality
    ]
    for title, lines in (
        ("Legacy band", costs["by_band"]),
        ("Department", costs["by_department"]),
        ("Suggested disposition", costs["by_disposition"]),
        ("Wave", document["waves"]),
    ):
        known = sum(line["annual_run_cost"] for line in lines)
        unknown = sum(line["costs_not_known"] for line in lines)
        assert known == pytest.approx(costs["total"]["annual_run_cost"]), title
        assert unknown == costs["total"]["costs_not_known"], title
        total = f"| **Total** | {len(rows):,} | {money(known)} | {unknown:,} |"
        assert total in text.split(f"| {title} | Systems |")[1], title
    signed = [s for g in document["sign_in"] for s in g["systems"]]
    assert signed and all(isinstance(s["annual_run_cost"], int | None) for s in signed)
    ranks = {s["key"]: s["rank"] for s in document["systems"]}
    assert all(s["rank"] == ranks[s["key"]] for s in signed)
    listed = [r["Annual run cost"] for r in rows]
    assert costs["total"]["annual_run_cost"] == pytest.approx(sum(float(c) for c in listed if c))
    assert costs["total"]["costs_not_known"] == listed.count("") > 0
    assert [s["annual_run_cost"] for s in document["systems"]] == [
        int(c) if c else None for c in listed
    ]
    assert costs["headline"] in text and f"{costs['total']['costs_not_known']:,} of" in text
    for line in costs["by_department"]:
        assert line["annual_run_cost"] == pytest.approx(
            sum(float(r["Annual run cost"] or 0) for r in rows if r["Department"] == line["label"])
        )
        assert f"| {line['label']} | {line['systems']:,} |" in text
    assert sum(w["annual_run_cost"] for w in document["waves"]) == pytest.approx(
        costs["total"]["annual_run_cost"]
    )
    assert [r["Suggested disposition"] for r in rows] == [
        s["cloud"]["suggested_disposition_words"] for s in document["systems"]
    ]
    keys = {s["key"] for g in document["sign_in"] for s in g["systems"]}
    assert keys == {s["key"] for s in document["systems"] if s["sign_in"] == "Own accounts"}
    board = json.loads(run("--db", costly_db, "contracts", "--json", *AS_OF).stdout)
    assert (
        document["contracts"] == board["contracts"] and document["suppliers"] == board["suppliers"]
    )
    first = board["contracts"][0]
    assert f"| {first['window']} | {shown_date(first['contract_end'])} |" in text
    portfolio = json.loads(run("--db", costly_db, "portfolio", "--json", *AS_OF).stdout)
    assert document["portfolio"] == portfolio
    first = portfolio["products"][0]
    assert f"| {first['product']} | {first['releases'][0]['release']} |" in text


def test_the_sign_in_list_carries_the_same_figures_as_json_and_csv(
    run: Run, costly_db: Path
) -> None:
    groups = json.loads(run("--db", costly_db, "rank", "--by", "identity", "--json", *AS_OF).stdout)
    listed = run("--db", costly_db, "rank", "--by", "identity", "--csv", *AS_OF).stdout
    rows = list(csv.DictReader(listed.splitlines()))
    signed = [(g, s) for g in groups for s in g["systems"]]
    assert [
        (
            g["audience"],
            str(s["rank"]),
            s["key"],
            s["legacy_band"] or "",
            str(s["annual_run_cost"] or ""),
        )
        for g, s in signed
    ] == [
        (r["audience"], r["rank"], r["key"], r["legacy_band"], r["annual_run_cost"]) for r in rows
    ]
    assert any(s["legacy_band"] for _, s in signed)
    assert any(s["annual_run_cost"] is None for _, s in signed), "a cost not known stays null"


def test_every_summary_label_prints_whole(run: Run, demo_db: Path, tmp_path: Path) -> None:
    # A label longer than its column, with a figure beside it, would print cut short
    # ("Systems whose carbon is not es"): it wraps in a row tall enough for it.
    from estate.exports.workbook import LABEL_WIDTH

    out = tmp_path / "board.xlsx"
    assert run("--db", demo_db, "export", out).exit_code == 0
    sheet = load_workbook(out)["Summary"]
    long = [
        cell
        for cell in sheet["A"]
        if isinstance(cell.value, str)
        and len(cell.value) > LABEL_WIDTH
        and sheet.cell(cell.row, 2).value is not None
    ]
    assert any("carbon is not estimated" in str(cell.value) for cell in long)
    for cell in long:
        assert cell.alignment.wrap_text, cell.value
    cut_before = ("Systems whose run cost is not known", "Systems whose carbon is not estimated")
    for cell in long:
        if cell.value in cut_before:
            height = sheet.row_dimensions[cell.row].height
            assert height is not None and height > 15, cell.value
