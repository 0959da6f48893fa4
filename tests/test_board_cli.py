"""The board's commands: contracts ending soon and supplier concentration, checked against the
stored systems and the workbook's sheets, and served from the kept ranking."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from estate import db
from estate.catalogue.endoflife import load_catalogue
from estate.ranking.contracts import months_between
from tests.conftest import IN_SERVICE, Run

AS_OF = ("--as-of", "2026-11-01")
TODAY = dt.date(2026, 11, 1)


def _stored(db_path: Path) -> dict[str, dict[str, Any]]:
    engine = db.open_engine(db_path)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT o.code || '/' || s.reference, s.supplier, s.contract_end, s.annual_run_cost "
            "FROM system s JOIN organisation o ON o.id = s.organisation_id WHERE " + IN_SERVICE
        ).all()
    engine.dispose()
    return {
        key: {
            "supplier": supplier,
            "end": dt.date.fromisoformat(end[:10]) if end else None,
            "cost": cost,
        }
        for key, supplier, end, cost in rows
    }


def _json(run: Run, db_path: Path, *args: str) -> Any:
    result = run("--db", db_path, *args, "--json", *AS_OF)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_months_between_counts_a_begun_month_as_whole() -> None:
    assert months_between(TODAY, dt.date(2026, 11, 1)) == 0
    assert months_between(TODAY, dt.date(2026, 11, 2)) == 1
    assert months_between(TODAY, dt.date(2027, 5, 1)) == 6
    assert months_between(TODAY, dt.date(2027, 5, 2)) == 7
    assert months_between(TODAY, dt.date(2026, 10, 31)) == 0
    assert months_between(TODAY, dt.date(2025, 11, 1)) == -12


def test_contracts_lists_every_contract_ending_in_the_window_red_rated_first(
    run: Run, demo_db: Path
) -> None:
    stored = _stored(demo_db)
    ranking = {s["key"]: s for s in _json(run, demo_db, "rank")["systems"]}
    for within in (6, 12, 24):
        found = _json(run, demo_db, "contracts", "--within", str(within))
        contracts = found["contracts"]
        expected = {
            key
            for key, s in stored.items()
            if s["end"] is not None and months_between(TODAY, s["end"]) <= within
        }
        assert {c["key"] for c in contracts} == expected and expected, within
        red = [c["legacy_band"] == "Red-rated" for c in contracts]
        assert red == sorted(red, reverse=True), "red-rated systems first"
        reds = [c for c in contracts if c["legacy_band"] == "Red-rated"]
        assert [c["contract_end"] for c in reds] == sorted(c["contract_end"] for c in reds)
        for c in contracts:
            s, ranked = stored[c["key"]], ranking[c["key"]]
            assert c["supplier"] == s["supplier"] and c["annual_run_cost"] == s["cost"]
            assert c["legacy_band"] == ranked["legacy"]["band"] and c["rank"] == ranked["rank"]
            assert c["suggested_disposition"] == ranked["cloud"]["suggested_disposition_words"]
            assert c["disposition_reason"] == ranked["cloud"]["disposition_reason"]
            ended = dt.date.fromisoformat(c["contract_end"]) <= TODAY
            assert (c["window"] == "Already ended") is ended
            if not ended:
                assert c["window"] == next(
                    f"Within {w} months" for w in (6, 12, 24) if c["months_left"] <= w
                )


def test_supplier_concentration_adds_up_to_the_estate(run: Run, demo_db: Path) -> None:
    engine = db.open_engine(demo_db)
    with engine.begin() as connection:  # one cost nobody gave
        connection.exec_driver_sql(
            "UPDATE system SET annual_run_cost = NULL WHERE reference = 'DBP-00002'"
        )
    engine.dispose()
    stored = _stored(demo_db)
    ranking = _json(run, demo_db, "rank")["systems"]
    suppliers = _json(run, demo_db, "contracts")["suppliers"]
    assert sum(s["systems"] for s in suppliers) == len(stored)
    known = sum(s["cost"] for s in stored.values() if s["cost"] is not None)
    assert sum(s["annual_run_cost"] for s in suppliers) == pytest.approx(known)
    unknown = sum(1 for s in stored.values() if s["cost"] is None)  # DBP-00002 and exports'
    assert unknown >= 1 and sum(s["costs_not_known"] for s in suppliers) == unknown
    red = sum(1 for s in ranking if s["legacy"]["band"] == "Red-rated")
    assert sum(s["red_rated"] for s in suppliers) == red
    costs = [s["annual_run_cost"] for s in suppliers]
    assert costs == sorted(costs, reverse=True)
    atos = next(s for s in suppliers if s["supplier"] == "Atos")
    mine = [v for v in stored.values() if v["supplier"] == "Atos"]
    assert atos["systems"] == len(mine)


def test_contracts_csv_the_workbook_sheet_and_the_kept_ranking_agree(
    run: Run, demo_db: Path, tmp_path: Path, forbid_scoring: Callable[[], None]
) -> None:
    out = tmp_path / "board.xlsx"
    assert run("--db", demo_db, "export", out, *AS_OF).exit_code == 0  # scores, keeps ranking
    forbid_scoring()
    result = run("--db", demo_db, "contracts", "--csv", *AS_OF)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    sheet = load_workbook(out)["Contracts"]
    listed = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert listed == [r["key"] for r in rows] and listed
    table = run("--db", demo_db, "contracts", "--within", "6", "--department", "DBP", *AS_OF)
    assert table.exit_code == 0 and "Supplier concentration" in table.stdout
    assert "DBP/" in table.stdout and "MOJ/" not in table.stdout
    unknown = run("--db", demo_db, "contracts", "--department", "NOPE", *AS_OF)
    assert unknown.exit_code == 1 and "No department 'NOPE'" in unknown.stderr


def _components(db_path: Path, department: str | None = None) -> list[tuple[str, str, str]]:
    engine = db.open_engine(db_path)
    with engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT o.code || '/' || s.reference, c.product, c.version FROM component c "
            "JOIN system s ON s.id = c.system_id JOIN organisation o ON o.id = s.organisation_id "
            f"WHERE (? IS NULL OR o.code = ?) AND {IN_SERVICE}",
            (department, department),
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def test_the_portfolio_counts_match_the_components_stored(run: Run, demo_db: Path) -> None:
    stored = _components(demo_db)
    found = _json(run, demo_db, "portfolio")
    releases = [r for p in found["products"] for r in p["releases"]]
    # Each stored component is one system running one release (a system listing two
    # components that are the same release counts once).
    assert sum(r["systems"] for r in releases) <= len(stored)
    systems_with_components = {key for key, _, _ in stored}
    assert max(p["systems"] for p in found["products"]) <= len(systems_with_components)
    engine = db.open_engine(demo_db)
    with engine.connect() as connection:
        catalogue = load_catalogue(connection)
    engine.dispose()
    per_product: dict[str, set[str]] = {}
    for key, product, version in stored:
        match = catalogue.match(product, version or "")
        if match.product is not None:
            per_product.setdefault(match.product.title, set()).add(key)
    listed = {p["product"]: p["systems"] for p in found["products"]}
    assert {title: len(keys) for title, keys in per_product.items()} == {
        title: listed[title] for title in per_product
    }
    assert per_product["Windows Server"] and per_product["Oracle Database"]
    for product in found["products"]:
        assert product["systems"] <= sum(r["systems"] for r in product["releases"])
        for r in product["releases"]:
            statuses = (
                r["out_of_support"]
                + r["paid_extended_support"]
                + r["supported"]
                + r["support_not_known"]
            )
            assert statuses == r["systems"], (product["product"], r["release"])
    oracle = next(p for p in found["products"] if p["product"] == "Oracle Database")
    oracle_releases = {r["release"]: r for r in oracle["releases"]}
    old, new = oracle_releases["Oracle Database 11.2"], oracle_releases["Oracle Database 19"]
    assert old["out_of_support"] == old["systems"] > 0, "11g is long out of support"
    assert new["supported"] == new["systems"] > 0, "the systems upgraded onto 19c"
    assert oracle["out_of_support"] == old["out_of_support"]
    candidates = {c["subject"] for c in found["consolidation_candidates"]}
    assert {"Windows Server", "Database"} <= candidates
    dbp = _json(run, demo_db, "portfolio", "--department", "DBP")
    assert sum(r["systems"] for p in dbp["products"] for r in p["releases"]) <= len(
        _components(demo_db, "DBP")
    )
    assert sum(p["systems"] for p in dbp["products"]) < sum(p["systems"] for p in found["products"])
    many = [c["detail"] for c in dbp["consolidation_candidates"] if c["kind"] == "Many releases"]
    assert many and all(" across 1 department (" in detail for detail in many), many
    missing = run("--db", demo_db, "portfolio", "--department", "NOPE")
    assert missing.exit_code == 1 and "No department 'NOPE'" in missing.stderr


def test_the_portfolio_csv_and_workbook_sheet_agree(
    run: Run, demo_db: Path, tmp_path: Path
) -> None:
    result = run("--db", demo_db, "portfolio", "--csv", *AS_OF)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    out = tmp_path / "board.xlsx"
    assert run("--db", demo_db, "export", out, *AS_OF).exit_code == 0
    book = load_workbook(out)
    sheet = [r for r in book["Portfolio"].iter_rows(min_row=2, values_only=True)]
    assert [(r[0], r[2], r[3]) for r in sheet] == [
        (r["product"], r["release"], int(r["systems"])) for r in rows
    ]
    consolidation = [r[1] for r in book["Consolidation"].iter_rows(min_row=2, values_only=True)]
    found = _json(run, demo_db, "portfolio")
    assert consolidation == [c["subject"] for c in found["consolidation_candidates"]]
    table = run("--db", demo_db, "portfolio", *AS_OF)
    assert table.exit_code == 0 and "Consolidation candidates" in table.stdout


def test_an_empty_estate_says_how_to_fill_it(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    assert run("--db", path, "init").exit_code == 0
    contracts = run("--db", path, "contracts")
    assert contracts.exit_code == 0 and "estate import" in contracts.stderr
    portfolio = run("--db", path, "portfolio")
    assert portfolio.exit_code == 0 and "No components are stored" in portfolio.stderr
    assert json.loads(run("--db", path, "portfolio", "--json").stdout)["products"] == []
