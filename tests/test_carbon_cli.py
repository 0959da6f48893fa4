"""`estate carbon` over imported returns: the running columns read from the template and from
a department's own layout (Azure Migrate's and AWS's headers), the hand-worked figures carried
through to the command's JSON and CSV, unknowns counted apart, and the savings of planned
dispositions."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from estate import db as database
from estate.enums import Disposition, Hosting
from estate.sustainability.stored import stored_totals
from importers import running
from importers.problems import CellError
from tests.conftest import Run
from tests.returns import small_return, system

AS_OF = "2025-06-30"


def _carbon(run: Run, db: Path, *args: str) -> dict[str, Any]:
    result = run("--db", db, "carbon", "--as-of", AS_OF, "--json", *args)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.stdout)
    return found


@pytest.fixture
def estate_db(tmp_path: Path, run: Run) -> Path:
    """A department's return holding the hand-worked five systems."""
    path = small_return(
        tmp_path / "dbp.xlsx",
        [
            system("M-1", metered_kwh=10_000, planned_disposition=Disposition.RETIRE),
            system(
                "S-1",
                physical_servers=2,
                vcpus=32,
                memory_gb=128,
                cpu_utilisation=20,
                site_pue=1.8,
                hardware_year=2015,
                planned_disposition=Disposition.REPLATFORM,
            ),
            system("H-1", hosting=Hosting.COLOCATION),
            system(
                "C-1",
                hosting=Hosting.PUBLIC_IAAS,
                cloud_provider="Google Cloud",
                site="europe-west2",
                vcpus=16,
                cpu_utilisation=30,
            ),
            system("N-1", hosting=None),
        ],
        components=[],
        dependencies=[],
        security=[],
    )
    db = tmp_path / "estate.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", path)
    assert result.exit_code == 0, result.output
    return db


def test_the_command_gives_the_hand_worked_figures_and_counts_unknowns_apart(
    estate_db: Path, run: Run
) -> None:
    found = _carbon(run, estate_db)
    by_key = {s["key"]: s for s in found["systems"]}
    assert by_key["DBP/M-1"]["kg_co2e"] == pytest.approx(3_050.3)
    assert by_key["DBP/S-1"]["kg_co2e"] == pytest.approx(327.2)
    assert by_key["DBP/H-1"]["kg_co2e"] == pytest.approx(41.3)
    assert by_key["DBP/C-1"]["kg_co2e"] == pytest.approx(63.2)
    assert by_key["DBP/N-1"]["kg_co2e"] is None
    assert by_key["DBP/N-1"]["basis"] == "not estimated"
    assert found["total"]["not_estimated"] == 1
    assert found["total"]["kg_co2e"] == pytest.approx(3_050.3 + 327.2 + 41.3 + 63.2, abs=0.2)
    assert found["conversion_factors_year"] == 2025
    assert (
        "CPU utilisation: 50% (Cloud Carbon Footprint's average)" in by_key["DBP/H-1"]["defaults"]
    )
    assert by_key["DBP/S-1"]["defaults"] == []
    assert [s["key"] for s in found["largest"]][:2] == ["DBP/M-1", "DBP/S-1"]


def test_the_planned_dispositions_savings_are_summed_by_move(estate_db: Path, run: Run) -> None:
    found = _carbon(run, estate_db)
    planned = {m["move"]: m for m in found["planned_dispositions"]}
    assert planned["Retire"]["kg_saved"] == pytest.approx(3_050.3)
    assert planned["Replatform"]["kg_saved"] == pytest.approx(176.6)
    assert planned["Replatform"]["servers_freed"] == 2


def test_the_csv_has_a_row_a_system_with_its_defaults(estate_db: Path, run: Run) -> None:
    result = run("--db", estate_db, "carbon", "--as-of", AS_OF, "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 5
    nothing = next(r for r in rows if r["key"] == "DBP/N-1")
    assert nothing["kg_co2e"] == "" and nothing["basis"] == "not estimated"
    metered = next(r for r in rows if r["key"] == "DBP/M-1")
    assert "PUE: enterprise data centre average 1.56" in metered["defaults"]


def test_the_table_names_the_year_and_the_unknowns(estate_db: Path, run: Run) -> None:
    result = run("--db", estate_db, "carbon", "--as-of", AS_OF, "--department", "dbp")
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "from 4 of 5 systems" in said
    assert "1 not estimated" in said
    assert "DESNZ 2025 factors" in said


def test_a_department_with_no_systems_is_refused(estate_db: Path, run: Run) -> None:
    result = run("--db", estate_db, "carbon", "--department", "XYZ")
    assert result.exit_code == 1
    assert "No department 'XYZ'" in result.output


def test_the_waves_say_what_each_would_save(estate_db: Path, run: Run) -> None:
    found = _carbon(run, estate_db, "--waves")
    assert found["waves"], "every system is in a wave"
    assert sum(w["systems"] for w in found["waves"]) == 5


def test_an_own_layout_with_azure_migrate_and_aws_headers_is_read(tmp_path: Path, run: Run) -> None:
    path = tmp_path / "dbp.csv"
    path.write_text(
        "Department,System reference,System name,Hosting,Instance type,Memory (In MB),"
        "CPU utilization percentage,Region,PUE,Purchase year\n"
        "DBP,A-1,Alpha,AWS,m5.2xlarge,32768,12.5,eu-west-2,,\n"
        "DBP,A-2,Beta,On-premises,16,64 GB,35%,Crown Hosting Corsham,1.35,2013\n",
        encoding="utf-8",
    )
    db = tmp_path / "estate.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", path)
    assert result.exit_code == 0, result.output
    by_key = {s["key"]: s for s in _carbon(run, db)["systems"]}
    alpha = by_key["DBP/A-1"]
    assert alpha["site_kind"] == "Hyperscale cloud region"
    assert alpha["pue"] == pytest.approx(1.135)
    assert any("8 vCPUs" in step and "32 GB" in step for step in alpha["working"])
    beta = by_key["DBP/A-2"]
    assert beta["site_kind"] == "Crown Hosting"
    assert beta["pue"] == pytest.approx(1.35)
    assert any("Ivy Bridge" in step for step in beta["working"])


def test_memory_is_read_in_the_unit_its_header_names(tmp_path: Path, run: Run) -> None:
    """A large server's 1,536 GB under "Memory (GB)" stays 1,536 GB; MB only where the header
    (or the cell) says MB."""
    path = tmp_path / "dbp.csv"
    path.write_text(
        "Department,System reference,System name,Hosting,Memory (GB)\n"
        "DBP,A-1,Alpha,On-premises,1536\n"
        "DBP,A-2,Beta,On-premises,16384 MB\n",
        encoding="utf-8",
    )
    db = tmp_path / "estate.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", path)
    assert result.exit_code == 0, result.output
    assert "read as MB" not in result.output
    shown = {
        key: json.loads(run("--db", db, "show", key, "--json").stdout)["memory_gb"]
        for key in ("DBP/A-1", "DBP/A-2")
    }
    assert shown == {"DBP/A-1": 1536, "DBP/A-2": 16}


def _ignore(_message: str) -> None:
    """A warning callback that keeps nothing."""


@pytest.mark.parametrize(
    ("text", "vcpus"),
    [
        ("m5.large", 2),
        ("m5.xlarge", 4),
        ("c6g.16xlarge", 64),
        ("t3.micro", 2),
        ("Standard_D4s_v3", 4),
        ("Standard_E16as_v5", 16),
        ("24", 24),
        ("16 vCPUs", 16),
        ("8 cores", 8),
    ],
)
def test_an_instance_size_is_read_as_its_vcpus(text: str, vcpus: int) -> None:
    warn = _ignore
    assert running.parse_vcpus(text, warn) == vcpus


@pytest.mark.parametrize(
    ("parser", "text", "value"),
    [
        (running.parse_memory, "16384 MB", 16.0),
        (running.parse_memory, "2 TB", 2048.0),
        (running.parse_memory, 1024, 1024.0),  # under the template's "Memory (GB)"
        (running.memory_parser("*Memory (In MB)"), 8192, 8.0),  # Azure Migrate's column
        (running.memory_parser("RAM MB"), "2 GB", 2.0),  # a cell's own unit wins
        (running.parse_storage, "500 GB", 500 / 1024),
        (running.parse_energy, "12 MWh", 12_000.0),
        (running.parse_percent, "35%", 35.0),
        (running.parse_percent, 0.35, 35.0),
        (running.parse_pue, "1.4", 1.4),
        (running.parse_year, "2014", 2014),
        (running.parse_percent, "N/A", None),
    ],
)
def test_running_values_are_read_in_the_estates_units(parser: Any, text: Any, value: Any) -> None:
    warn = _ignore
    assert (
        parser(text, warn) == pytest.approx(value)
        if value is not None
        else parser(text, warn) is None
    )


@pytest.mark.parametrize(
    ("parser", "text"),
    [
        (running.parse_percent, "120%"),
        (running.parse_pue, "0.9"),
        (running.parse_year, "14"),
        (running.parse_memory, "16 furlongs"),
        (running.parse_vcpus, "lots"),
    ],
)
def test_implausible_running_values_are_refused(parser: Any, text: str) -> None:
    warn = _ignore
    with pytest.raises(CellError):
        parser(text, warn)


def _priorities(run: Run, db: Path, *args: str | Path) -> dict[str, float]:
    result = run("--db", db, "rank", "--json", "--as-of", AS_OF, *args)
    assert result.exit_code == 0, result.output
    return {s["key"]: s["priority"] for s in json.loads(result.stdout)["systems"]}


def test_carbon_counts_towards_priority_only_when_the_policy_says(
    estate_db: Path, run: Run, tmp_path: Path
) -> None:
    before = _priorities(run, estate_db)
    policy = tmp_path / "policy.toml"
    policy.write_text("[priority]\ncarbon_weight = 1.0\ncarbon_saturation_kg = 10000\n")
    after = _priorities(run, estate_db, "--policy", policy)
    # The five default weights sum to 1; carbon's 1.0 halves them. M-1 emits 3,050.3 kg a
    # year: its carbon part is 0.305; N-1 is not estimated: its part is 0.
    assert after["DBP/M-1"] == pytest.approx((before["DBP/M-1"] + 30.5) / 2, abs=0.1)
    assert after["DBP/N-1"] == pytest.approx(before["DBP/N-1"] / 2, abs=0.1)


def test_a_departments_own_register_carries_its_running_facts(tmp_path: Path, run: Run) -> None:
    from estate.generate.own_layouts import own_layout_departments, write_register

    register, _ = own_layout_departments(seed=5, systems=40)
    path = write_register(register, tmp_path / "dtr-register.xlsx")
    db = tmp_path / "estate.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", path, "--department", "DTR", "--skip-invalid")
    assert result.exit_code == 0, result.output
    stored = {s["key"]: s for s in _carbon(run, db)["systems"]}
    given = [s for s in register.systems if s.get("vcpus") or s.get("site")]
    assert given, "the generator gives some systems their running facts"
    for record in given:
        found = stored[f"DTR/{record['reference']}"]
        if record.get("site"):
            assert found["site"] == record["site"]
        if record.get("vcpus") and found["basis"] == "servers and utilisation":
            assert any(f"{record['vcpus']} vCPUs" in step for step in found["working"])


def test_the_template_asks_for_the_running_facts_with_guidance(tmp_path: Path, run: Run) -> None:
    from openpyxl import load_workbook

    from importers.layout import RUNNING_COLUMNS

    out = tmp_path / "return.xlsx"
    assert run("template", out).exit_code == 0
    book = load_workbook(out)
    headers = [c.value for c in book["Systems"][1]]
    guidance = {row[1]: row[3] for row in book["Guidance"].iter_rows(values_only=True)}
    for column in RUNNING_COLUMNS:
        assert column.header in headers
        assert guidance[column.header] == column.guidance


def test_the_suggested_dispositions_are_worked_out_only_when_asked(
    estate_db: Path, run: Run
) -> None:
    assert _carbon(run, estate_db)["suggested_dispositions"] == []
    suggested = _carbon(run, estate_db, "--suggested")["suggested_dispositions"]
    assert suggested and sum(m["systems"] for m in suggested) <= 5


def test_the_trend_carries_each_periods_carbon_like_for_like(estate_db: Path, run: Run) -> None:
    result = run("--db", estate_db, "trend", "--json")
    assert result.exit_code == 0, result.output
    (period,) = json.loads(result.stdout)["periods"]
    # Today's conversion factors are DESNZ 2025's, as for the as-of date of _carbon.
    assert period["kg_co2e"] == pytest.approx(_carbon(run, estate_db)["total"]["kg_co2e"])
    assert period["carbon_not_estimated"] == 1
    table = run("--db", estate_db, "trend")
    assert "Carbon a year, like for like" in " ".join(table.stdout.split())


def test_retired_systems_leave_the_estates_carbon(demo_db: Path, run: Run) -> None:
    """A system retired or cancelled has left the estate's counts, money and carbon alike."""
    stats = json.loads(run("--db", demo_db, "stats", "--json").stdout)
    assert stats["retired_or_cancelled"] > 0, "the sample estate retires systems"
    found = json.loads(run("--db", demo_db, "carbon", "--json").stdout)
    assert found["total"]["systems"] == stats["systems"]
    gone = {g["key"] for g in stats["retired_or_cancelled_systems"]}
    assert not gone & {s["key"] for s in found["systems"]}


def _running_estate(tmp_path: Path, run: Run, name: str, *gone: dict[str, Any]) -> Path:
    """Two live systems with servers (and the `gone` ones), imported into their own estate."""
    live = [
        system(
            "L-1",
            physical_servers=2,
            vcpus=32,
            cpu_utilisation=40,
            hardware_year=2016,
            planned_disposition=Disposition.REHOST,
        ),
        system("L-2", hosting=Hosting.COLOCATION, metered_kwh=8_000),
    ]
    path = small_return(
        tmp_path / f"{name}.xlsx",
        [*live, *gone],
        components=[],
        dependencies=[],
        security=[],
    )
    db = tmp_path / f"{name}.db"
    assert run("--db", db, "init").exit_code == 0
    result = run("--db", db, "import", path)
    assert result.exit_code == 0, result.output
    return db


def _figures(run: Run, db: Path, tmp_path: Path) -> dict[str, Any]:
    """Every place the estate's carbon is shown, as figures to compare."""
    table = run("--db", db, "carbon", "--as-of", AS_OF)
    rows = list(
        csv.DictReader(io.StringIO(run("--db", db, "carbon", "--as-of", AS_OF, "--csv").stdout))
    )
    out = tmp_path / f"{db.stem}-board.json"
    assert run("--db", db, "export", out, "--as-of", AS_OF).exit_code == 0
    markdown = tmp_path / f"{db.stem}-board.md"
    assert run("--db", db, "export", markdown, "--as-of", AS_OF).exit_code == 0
    trend = json.loads(run("--db", db, "trend", "--json").stdout)["periods"]
    book = tmp_path / f"{db.stem}-board.xlsx"
    assert run("--db", db, "export", book, "--as-of", AS_OF).exit_code == 0
    sheet = load_workbook(book)["Sustainability"]
    engine = database.open_engine(db)
    with engine.connect() as connection:
        overview = stored_totals(connection, 2025).total
    engine.dispose()
    found = _carbon(run, db)
    return {
        "json": (found["total"], found["departments"], found["hosting"], found["sites"]),
        "keys": sorted(s["key"] for s in found["systems"]),
        "table": " ".join(table.stdout.split()),
        "csv": sorted((r["key"], r["kg_co2e"]) for r in rows),
        "export": json.loads(out.read_text("utf-8"))["sustainability"]["total"],
        "markdown": next(
            line for line in markdown.read_text("utf-8").splitlines() if "Estimated, loc" in line
        ),
        "trend": [(p["kg_co2e"], p["carbon_not_estimated"]) for p in trend],
        "sheet": [[c.value for c in row] for row in sheet.iter_rows(max_row=14)],
        "overview": (overview.systems, round(overview.kg_co2e, 6), overview.not_estimated),
    }


@pytest.mark.parametrize("status", ["Retired", "Cancelled"])
def test_systems_retired_or_cancelled_are_in_no_carbon_figure(
    tmp_path: Path, run: Run, status: str
) -> None:
    """A system retired or cancelled, servers and meter and all, changes no figure anywhere:
    the command (table, JSON, CSV), the exports (workbook, JSON, markdown), the trend and the
    overview all read as for the estate without it."""
    gone = [
        system(
            "G-1",
            lifecycle_status=status,
            physical_servers=6,
            vcpus=96,
            hardware_year=2012,
            planned_disposition=Disposition.RETIRE,
        ),
        system("G-2", lifecycle_status=status, metered_kwh=50_000),
    ]
    without = _figures(run, _running_estate(tmp_path, run, "without"), tmp_path)
    assert without["json"][0]["systems"] == 2 and without["json"][0]["kg_co2e"] > 0
    found = _figures(run, _running_estate(tmp_path, run, "with", *gone), tmp_path)
    assert found == without


def test_the_year_of_the_figures_is_the_as_of_dates_or_the_policys(
    estate_db: Path, run: Run, tmp_path: Path
) -> None:
    """The conversion factors follow the year the figures are for: `--as-of`'s, else the
    policy file's `as_of`."""

    def year(*args: str) -> tuple[int, int]:
        result = run("--db", estate_db, "carbon", "--json", *args)
        assert result.exit_code == 0, result.output
        found = json.loads(result.stdout)
        return found["year"], found["conversion_factors_year"]

    assert year("--as-of", "2022-03-01") == (2022, 2022)
    policy = tmp_path / "policy.toml"
    policy.write_text('as_of = "2023-05-01"\n', encoding="utf-8")
    assert year("--policy", str(policy)) == (2023, 2023)
    assert year("--policy", str(policy), "--as-of", "2024-02-01") == (2024, 2024)
