"""The built-in catalogue against endoflife.date's data: every release the catalogue takes from
it carries exactly its dates, nothing it holds is dropped, and every release or product kept by
hand is one endoflife.date lacks and is listed, with its reason, in the documented exceptions
table (docs/lifecycle.md). Runs where the reference copy is present; skipped elsewhere."""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from estate.catalogue import Cycle, Product, builtin
from estate.catalogue.endoflife import load_catalogue, read_lifecycle, store_lifecycle
from estate.catalogue.reference import FIELDS, bundled
from tests.conftest import ROOT, SHARED_REFERENCE, Run

REFERENCE = SHARED_REFERENCE / "endoflife.json"
DOCS = ROOT / "docs" / "lifecycle.md"

pytestmark = pytest.mark.skipif(
    not REFERENCE.exists(),
    reason=f"the endoflife.date reference copy ({REFERENCE.name}) is absent, so the built-in "
    "catalogue cannot be compared with it",
)


@cache
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


def _date(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _mapped() -> list[Product]:
    return [p for p in builtin().products.values() if p.endoflife is not None]


def _hand_kept() -> list[tuple[str, str, str]]:
    """(product, release or "", reason) for everything the catalogue keeps by hand."""
    kept: list[tuple[str, str, str]] = []
    for product in builtin().products.values():
        if product.by_hand_reason:
            kept.append((product.key, "", product.by_hand_reason))
        kept.extend((product.key, c.cycle, c.reason) for c in product.by_hand if c.reason)
    return kept


def _documented() -> set[tuple[str, str]]:
    """(product, release) rows of the exceptions table in docs/lifecycle.md."""
    text = DOCS.read_text(encoding="utf-8")
    table = text[text.index("## Kept by hand") :]
    rows = re.findall(r"^\| `([\w-]+)` \| ([^|]*?) \|", table, re.MULTILINE)
    return {(key, release.strip().strip("`").replace("all releases", "")) for key, release in rows}


@pytest.mark.parametrize("product", _mapped(), ids=lambda p: p.key)
def test_every_release_taken_from_endoflife_date_carries_its_dates(product: Product) -> None:
    assert product.endoflife is not None
    releases = {r["cycle"]: r for r in reference()["products"][product.endoflife]}
    for cycle in product.cycles:
        if cycle.reason:
            continue
        assert cycle.governed_by in releases, f"{product.key} {cycle.cycle}"
        release = releases[cycle.governed_by]
        expected = (
            _date(release.get("support")),
            _date(release.get("eol")),
            _date(release.get("extendedSupport")),
            release.get("eol") is True,
        )
        found = (cycle.support_end, cycle.security_end, cycle.extended_end, cycle.security_ended)
        assert found == expected, f"{product.key} {cycle.cycle} differs from {cycle.governed_by}"


@pytest.mark.parametrize("product", _mapped(), ids=lambda p: p.key)
def test_a_release_line_is_governed_by_its_latest_release(product: Product) -> None:
    releases = {r["cycle"]: r for r in reference()["products"][str(product.endoflife)]}
    lines = [c for c in product.cycles if not c.reason and c.governed_by != c.cycle]
    for cycle in lines:
        if cycle.cycle.endswith("-rtm") or cycle.governed_by == _renamed_from(product, cycle):
            continue
        governing = releases[str(cycle.governed_by)]
        lines_of = builtin().mappings[str(product.endoflife)].lines
        assert lines_of is not None
        members = [
            r
            for name, r in releases.items()
            if (found := lines_of.fullmatch(name)) is not None and found[1] == cycle.cycle
        ]
        assert governing in members, f"{product.key} {cycle.cycle}"
        latest = max(str(r.get("releaseDate")) for r in members)
        assert governing["releaseDate"] == latest, f"{product.key} {cycle.cycle}"


def _renamed_from(product: Product, cycle: Cycle) -> str | None:
    rename = builtin().mappings[str(product.endoflife)].rename
    return next((old for old, new in rename.items() if new == cycle.cycle), None)


@pytest.mark.parametrize("product", _mapped(), ids=lambda p: p.key)
def test_nothing_endoflife_date_holds_is_dropped(product: Product) -> None:
    governed = {c.governed_by for c in product.cycles}
    names = [r["cycle"] for r in reference()["products"][str(product.endoflife)]]
    assert [n for n in names if n not in governed] == []


def test_what_is_kept_by_hand_is_what_endoflife_date_lacks() -> None:
    for key, release, _ in _hand_kept():
        product = builtin().products[key]
        if product.endoflife is None:
            assert key not in reference()["products"], f"{key} is in endoflife.date"
        else:
            names = {r["cycle"] for r in reference()["products"][product.endoflife]}
            assert release not in names, f"{key} {release} is in endoflife.date"


def test_every_exception_is_in_the_documented_table_and_only_those() -> None:
    kept = {(key, release) for key, release, _ in _hand_kept()}
    assert _documented() == kept


def test_the_bundled_snapshot_is_the_reference_for_its_products() -> None:
    text = (ROOT / "estate" / "catalogue" / "endoflife.json").read_text(encoding="utf-8")
    bundle = json.loads(text)["products"]
    for key, releases in bundle.items():
        expected = [{f: r[f] for f in FIELDS if f in r} for r in reference()["products"][key]]
        assert releases == expected, key
    assert bundled().taken == "2026-08"


def test_importing_the_reference_gives_the_built_in_releases(run: Run, tmp_path: Path) -> None:
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    result = run("--db", db_path, "catalogue", "import", REFERENCE)
    assert result.exit_code == 0, result.output
    from estate import db

    engine = db.open_engine(db_path)
    with engine.connect() as connection:
        imported = load_catalogue(connection)
    engine.dispose()
    for product in _mapped():

        def dates(cycles: tuple[Cycle, ...]) -> dict[str, tuple[object, ...]]:
            return {
                c.cycle: (c.support_end, c.security_end, c.extended_end, c.security_ended)
                for c in cycles
            }

        assert dates(imported.products[product.key].cycles) == dates(product.cycles), product.key


@pytest.mark.parametrize(
    ("text", "security_end", "extended_end"),
    [
        ("SQL Server 2012", dt.date(2022, 7, 12), dt.date(2025, 7, 8)),
        ("SQL Server 2016", dt.date(2026, 7, 14), dt.date(2029, 7, 17)),
        ("Windows Server 2003", dt.date(2015, 7, 14), None),
        ("Solaris 11.3", dt.date(2021, 1, 1), dt.date(2027, 1, 1)),
        ("AIX 7.1", dt.date(2023, 4, 30), None),
        ("Java 17", dt.date(2026, 9, 30), dt.date(2029, 9, 30)),
    ],
)
def test_an_import_of_the_reference_keeps_each_line_on_its_latest_service_pack(
    empty_engine: Any, text: str, security_end: dt.date, extended_end: dt.date | None
) -> None:
    cycles = read_lifecycle(REFERENCE)
    with empty_engine.begin() as connection:
        store_lifecycle(connection, cycles, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        catalogue = load_catalogue(connection)
    cycle = catalogue.match(text).cycle
    assert cycle is not None and cycle.source == "endoflife.date, imported"
    assert (cycle.security_end, cycle.extended_end) == (security_end, extended_end)
