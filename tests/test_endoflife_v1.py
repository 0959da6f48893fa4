"""endoflife.date's API v1 (`/api/v1/products/PRODUCT`, `/api/v1/products/full`) read exactly as
the same data in v0's shape is: the releases of every product the catalogue maps come out the
same, and an import changes what is reported for a system as the v0 file does."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest

import estate.catalogue
from estate.catalogue.endoflife import ImportedCycle, read_lifecycle
from estate.enums import ComponentKind
from estate.errors import InputError
from tests.conftest import SHARED_REFERENCE, Run
from tests.returns import small_return, system

FIXTURES = Path(__file__).parent / "endoflife_v1"
# Real responses, recorded from the service on 2025-08-27 and trimmed (endoflife_v1/README.md):
# https://github.com/alexaandru/eol/blob/9f4260749649f5b49bdce999112f625cf64062d5/testdata/golden/api_v1_products_full
# (GET https://endoflife.date/api/v1/products/full), .../api_v1_products_go
# (GET https://endoflife.date/api/v1/products/go) and .../api_v1_products_go_releases_1.24.
FULL = FIXTURES / "products-full.json"
GO = FIXTURES / "products-go.json"
GO_RELEASE = FIXTURES / "products-go-releases-1.24.json"

BUNDLED = Path(estate.catalogue.__file__).with_name("endoflife.json")
REFERENCE = SHARED_REFERENCE / "endoflife.json"

ALIASES = {
    "windows-server": ["windowsserver"],
    "rhel": ["redhat", "redhatlinux"],
    "mssqlserver": ["mssql", "microsoftsqlserver"],
    "oracle-solaris": ["solaris"],
    "ibm-aix": ["aix"],
    "sles": ["suseenterpriseserver", "suseserver", "suselinuxenterpriseserver"],
    "oracle-jdk": ["oracle-java"],
}
"""Aliases of mapped products as /api/v1/products/full published them (products-full.json)."""

MAPPED = [
    "windows-server",
    "windows",
    "rhel",
    "sles",
    "mssqlserver",
    "oracle-solaris",
    "ibm-aix",
    "oracle-database",
    "oracle-jdk",
]

DAY = dt.date(2026, 8, 1)
"""The day v1's flags of dated phases are worked out on (v1 says whether a dated phase has ended
on the day it is built); the reader takes the date and leaves the flag."""


# --- v0 data in v1's shape, field by field, as endoflife.date's generator writes it ----------


def _dated(value: str) -> tuple[bool, str]:
    return dt.date.fromisoformat(value[:10]) < DAY, value


def v1_release(release: dict[str, Any]) -> dict[str, Any]:
    """One v0 release cycle in v1's shape. v0's `support` and `extendedSupport` say true while
    that support lasts, so their booleans turn over into `isEoas`/`isEoes` ("has it ended?");
    v0's `eol` already says whether the release is at its end. A v0 `extendedSupport: false`
    is a release without extended support: v1's `isEoes` is null."""
    cycle = str(release["cycle"])
    found: dict[str, Any] = {
        "name": cycle,
        "codename": release.get("codename"),
        "label": cycle,
        "releaseDate": release["releaseDate"],
        "isLts": bool(release.get("lts")),
        "ltsFrom": None,
    }
    if "support" in release:
        support = release["support"]
        found["isEoas"], found["eoasFrom"] = (
            _dated(support) if isinstance(support, str) else (not support, None)
        )
    eol = release.get("eol", False)
    found["isEol"], found["eolFrom"] = _dated(eol) if isinstance(eol, str) else (bool(eol), None)
    if "extendedSupport" in release:
        extended = release["extendedSupport"]
        found["isEoes"], found["eoesFrom"] = (
            _dated(extended) if isinstance(extended, str) else (False if extended else None, None)
        )
    flags = ("isEoas", "isEol", "isEoes")
    found["isMaintained"] = any(found[f] is False for f in flags if f in found)
    latest = release.get("latest")
    found["latest"] = (
        {"name": str(latest), "date": release.get("latestReleaseDate"), "link": None}
        if latest is not None
        else None
    )
    found["custom"] = None
    return found


def v1_product(key: str, releases: list[dict[str, Any]], title: str) -> dict[str, Any]:
    """One v0 product as v1 details it."""
    return {
        "name": key,
        "aliases": ALIASES.get(key, []),
        "label": title,
        "category": "os",
        "tags": ["os"],
        "versionCommand": None,
        "identifiers": [],
        "labels": {"eoas": None, "discontinued": None, "eol": "Support", "eoes": None},
        "links": {"icon": None, "html": f"https://endoflife.date/{key}", "releasePolicy": None},
        "releases": [v1_release(r) for r in releases],
    }


def envelope(result: Any) -> dict[str, Any]:
    """A v1 response around `result`."""
    extra = {"total": len(result)} if isinstance(result, list) else {"last_modified": "x"}
    return (
        {"schema_version": "1.2.1", "generated_at": "2026-08-01T00:00:00+00:00"}
        | extra
        | {"result": result}
    )


def _title(catalogue: dict[str, Any], key: str) -> str:
    return str((catalogue.get("meta", {}).get(key) or {}).get("title") or key)


def as_v1_catalogue(v0: Path, target: Path) -> Path:
    """The v0 catalogue at `v0` written at `target` as /api/v1/products/full serves it."""
    data = json.loads(v0.read_text(encoding="utf-8"))
    products = [v1_product(k, r, _title(data, k)) for k, r in data["products"].items()]
    target.write_text(json.dumps(envelope(products)), encoding="utf-8")
    return target


def as_v1_product(v0: Path, key: str, target: Path) -> Path:
    """One product of the v0 catalogue at `v0` written at `target` as
    /api/v1/products/PRODUCT serves it."""
    data = json.loads(v0.read_text(encoding="utf-8"))
    product = v1_product(key, data["products"][key], _title(data, key))
    target.write_text(json.dumps(envelope(product)), encoding="utf-8")
    return target


def _every_field_is_exercised(cycles: list[ImportedCycle]) -> None:
    """The data compared holds each kind of value, so a field read wrong would show."""
    assert any(c.cycle.support_end for c in cycles)
    assert any(c.cycle.security_end for c in cycles)
    assert any(c.cycle.extended_end for c in cycles)
    assert any(c.cycle.security_ended for c in cycles)
    assert any(c.cycle.governed_by != c.cycle.cycle for c in cycles), "a line is governed"


# --- v0 and v1 give the same releases --------------------------------------------------------


def test_the_bundled_snapshot_in_v1_shape_gives_the_same_releases(tmp_path: Path) -> None:
    full = as_v1_catalogue(BUNDLED, tmp_path / "full.json")
    from_v0 = read_lifecycle(BUNDLED)
    _every_field_is_exercised(from_v0)
    assert read_lifecycle(full) == from_v0
    for key in MAPPED:
        single = as_v1_product(BUNDLED, key, tmp_path / f"{key}-v1.json")
        expected = read_lifecycle(BUNDLED, key)
        assert expected and read_lifecycle(single) == expected, key
        assert read_lifecycle(full, key) == expected, key
        for alias in ALIASES.get(key, []):
            assert read_lifecycle(full, alias) == expected, f"{key} as {alias}"
            assert read_lifecycle(single, alias) == expected, f"{key} as {alias}"


needs_reference = pytest.mark.skipif(
    not REFERENCE.exists(),
    reason=f"the endoflife.date reference copy ({REFERENCE.name}) is absent",
)


@needs_reference
def test_the_reference_catalogue_in_v1_shape_gives_the_same_releases(tmp_path: Path) -> None:
    from_v0 = read_lifecycle(REFERENCE)
    _every_field_is_exercised(from_v0)
    assert read_lifecycle(as_v1_catalogue(REFERENCE, tmp_path / "full.json")) == from_v0


@needs_reference
@pytest.mark.parametrize("key", MAPPED)
def test_a_mapped_product_of_the_reference_reads_the_same_from_v1(tmp_path: Path, key: str) -> None:
    expected = read_lifecycle(REFERENCE, key)
    single = as_v1_product(REFERENCE, key, tmp_path / "product.json")
    assert expected and read_lifecycle(single) == expected
    v1_fields = json.loads(single.read_text())["result"]["releases"]
    assert len(v1_fields) == len(json.loads(REFERENCE.read_text())["products"][key])


# --- real v1 responses ------------------------------------------------------------------------


def _dates(cycles: list[ImportedCycle], product: str) -> dict[str, tuple[Any, ...]]:
    return {
        c.cycle.cycle: (
            c.cycle.governed_by,
            c.cycle.support_end,
            c.cycle.security_end,
            c.cycle.extended_end,
            c.cycle.security_ended,
        )
        for c in cycles
        if c.cycle.product == product
    }


def test_a_real_full_catalogue_is_read_under_the_catalogues_keys() -> None:
    cycles = read_lifecycle(FULL)
    assert {c.cycle.product for c in cycles} == {"solaris", "windows-server", "rhel", "aix"} | {
        "mssqlserver"
    }
    assert {c.product_title for c in cycles if c.cycle.product == "solaris"} == {"Oracle Solaris"}
    solaris = _dates(cycles, "solaris")
    d = dt.date
    assert solaris["11"] == ("11.4", None, d(2031, 11, 1), d(2037, 11, 1), False), "the latest"
    assert solaris["11.2"] == ("11.2", None, None, None, True), "isEol true, no eolFrom"
    assert solaris["11.0"] == ("11", None, None, None, True), "endoflife.date's 11 is 11.0"
    rhel = _dates(cycles, "rhel")
    assert rhel["7"] == ("7", d(2019, 8, 6), d(2024, 6, 30), d(2029, 5, 31), False)
    windows = _dates(cycles, "windows-server")
    assert windows["2008-r2"] == (
        "2008-r2-sp1",
        d(2015, 1, 13),
        d(2020, 1, 14),
        d(2023, 1, 10),
        False,
    )
    assert windows["2025"] == ("2025", d(2029, 10, 9), d(2034, 10, 10), None, False), "isEoes null"
    sql = _dates(cycles, "mssqlserver")
    assert sql["11.0"][0] == "11.0-sp4" and sql["11.0-rtm"][0] == "11.0"
    aix = _dates(cycles, "aix")
    assert aix["7.2"] == ("7.2.5", None, None, None, False), "isEol false, no eolFrom: supported"


@pytest.mark.parametrize(
    ("product", "key"),
    [("oracle-solaris", "solaris"), ("solaris", "solaris"), ("mssql", "mssqlserver")],
)
def test_one_product_is_taken_from_a_real_full_catalogue_by_name_or_alias(
    product: str, key: str
) -> None:
    cycles = read_lifecycle(FULL, product)
    assert {c.cycle.product for c in cycles} == {key}
    assert cycles == [c for c in read_lifecycle(FULL) if c.cycle.product == key]


def test_a_real_product_response_names_its_product() -> None:
    cycles = read_lifecycle(GO)  # the file's name says nothing: `result.name` does
    assert [c.cycle.cycle for c in cycles] == ["1.25", "1.24", "1.23"]
    assert {(c.cycle.product, c.product_title) for c in cycles} == {("go", "Go")}
    go = _dates(cycles, "go")
    assert go["1.24"] == ("1.24", None, None, None, False), "no end announced yet"
    assert go["1.23"] == ("1.23", None, dt.date(2025, 8, 12), None, False)
    assert read_lifecycle(GO, "golang") == cycles, "an alias names the product too"


def test_a_renamed_product_is_read_under_the_key_the_catalogue_maps(tmp_path: Path) -> None:
    """endoflife.date keeps a renamed product's old name as an alias (and redirects its URL):
    the product is still the catalogue's, not a new one beside it."""
    data = json.loads(FULL.read_text())
    sql = next(p for p in data["result"] if p["name"] == "mssqlserver")
    path = tmp_path / "sql-server.json"
    renamed = sql | {"name": "sql-server", "aliases": ["mssqlserver", "mssql"]}
    path.write_text(json.dumps(envelope(renamed)))
    expected = read_lifecycle(FULL, "mssqlserver")
    assert {c.cycle.product for c in expected} == {"mssqlserver"}
    assert read_lifecycle(path) == expected


# --- refused, with the file, the product and the release named -------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"result": {"name": "rhel", "releases": [{"eolFrom": "2020-01-01"}]}},
            "x.json, rhel release 1: each release needs a 'name'.",
        ),
        (
            {
                "result": {
                    "name": "rhel",
                    "releases": [{"name": "7"}, {"name": "6", "eolFrom": "2020-13-01"}],
                }
            },
            "x.json, rhel release 2 (6) eolFrom: '2020-13-01' is not a date or null.",
        ),
        (
            {"result": [{"name": "rhel", "releases": [{"name": "6", "releaseDate": True}]}]},
            "x.json, rhel release 1 (6) releaseDate: True is not a date or null.",
        ),
        (
            {"result": {"name": "rhel", "releases": [{"name": "6", "isEol": "yes"}]}},
            "x.json, rhel release 1 (6) isEol: 'yes' is not true, false or null.",
        ),
        (
            {"result": {"name": "rhel", "releases": {"6": {}}}},
            "x.json: product 'rhel' must have a list of 'releases'.",
        ),
        ({"result": "rhel"}, "x.json: 'result' is neither a product (with its 'releases')"),
        ({"result": {"name": "rhel"}}, "x.json: 'result' is neither a product"),
        ({"result": {"releases": []}}, "x.json: the product needs a 'name'."),
        ({"result": [{"releases": []}]}, "x.json, product 1: each product needs a 'name'."),
        (
            {"result": [{"name": "rhel", "uri": "https://endoflife.date/api/v1/products/rhel"}]},
            "x.json: product 'rhel' has no 'releases': a summary of products",
        ),
    ],
)
def test_bad_v1_files_are_refused(tmp_path: Path, data: dict[str, Any], message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(json.dumps(data))
    with pytest.raises(InputError, match=re.escape(message.replace("x.json", str(path)))):
        read_lifecycle(path)


def test_a_product_not_in_the_file_is_refused() -> None:
    with pytest.raises(InputError, match=re.escape(f"{FULL}: no product 'python' in this")):
        read_lifecycle(FULL, "python")
    wrong = f"{GO}: this file holds endoflife.date's product 'go' (also known as golang), not "
    with pytest.raises(InputError, match=re.escape(wrong + "'python'.")):
        read_lifecycle(GO, "python")


def test_one_release_alone_is_refused_with_what_to_download() -> None:
    with pytest.raises(InputError) as refused:
        read_lifecycle(GO_RELEASE, "go")
    assert str(refused.value).startswith(f"{GO_RELEASE}: this is one release (1.24) of a product")
    assert "https://endoflife.date/api/v1/products/PRODUCT." in str(refused.value)


def test_an_unknown_shape_is_refused_with_the_shapes_accepted(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"releases": []}')
    with pytest.raises(InputError) as refused:
        read_lifecycle(path)
    message = str(refused.value)
    for shape in (
        "a list of releases (API v0, /api/PRODUCT.json)",
        "a catalogue {'products': {PRODUCT: [...]}}",
        "one product {'result': {'name': ..., 'releases': [...]}} "
        "(API v1, /api/v1/products/PRODUCT)",
        "a list of products {'result': [...]} (API v1, /api/v1/products/full)",
    ):
        assert shape in message


# --- through the command line ------------------------------------------------------------------


def as_v0(response: Path, target: Path) -> Path:
    """A v1 product response written at `target` as v0's /api/PRODUCT.json, field by field."""
    found = []
    for release in json.loads(response.read_text())["result"]["releases"]:
        cycle = {"cycle": release["name"], "releaseDate": release["releaseDate"]}
        cycle["eol"] = release["eolFrom"] or release["isEol"]
        if "isEoas" in release:
            cycle["support"] = release["eoasFrom"] or not release["isEoas"]
        if "isEoes" in release:
            cycle["extendedSupport"] = release["eoesFrom"] or release["isEoes"] is False
        found.append(cycle)
    target.write_text(json.dumps(found), encoding="utf-8")
    return target


def test_importing_a_v1_product_rescores_a_system_as_its_v0_file_does(
    run: Run, tmp_path: Path
) -> None:
    """A system running Go 1.24 is out of support as at November 2026 by the bundled snapshot;
    endoflife.date's data of August 2025 announced no end for 1.24 yet. Importing that data
    from v1 says so, exactly as importing it in v0's shape does."""
    go = {
        "department": "DBP",
        "reference": "DBP-1",
        "kind": ComponentKind.RUNTIME,
        "product": "Go",
        "version": "1.24",
    }
    returned = small_return(
        tmp_path / "dbp.xlsx",
        [system("DBP-1"), system("DBP-2")],
        components=[go],
        dependencies=[],
        security=[],
    )
    as_of = ("--as-of", "2026-11-01")

    def reported(db: Path) -> tuple[dict[str, Any], dict[str, Any]]:
        """What `show` says of the system's scores and components, and the whole `rank`."""
        shown = run("--db", db, "show", "DBP/DBP-1", "--json", *as_of)
        ranked = run("--db", db, "rank", "--json", *as_of)
        assert shown.exit_code == ranked.exit_code == 0, shown.output + ranked.output
        system = json.loads(shown.stdout)
        return {k: system[k] for k in ("scores", "components")}, json.loads(ranked.stdout)

    estates = {}
    for name, lifecycle in (("v1", GO), ("v0", as_v0(GO, tmp_path / "go.json"))):
        db = tmp_path / f"{name}.db"
        assert run("--db", db, "init").exit_code == 0
        assert run("--db", db, "import", returned, "--quiet").exit_code == 0
        before = reported(db)
        imported = run("--db", db, "catalogue", "import", lifecycle)
        assert imported.exit_code == 0, imported.output
        assert "Imported 3 releases of 1 product from " in imported.stderr
        estates[name] = (before, reported(db))

    (shown_before, ranked_before), (shown, ranked) = estates["v1"]
    l1_before = shown_before["scores"]["legacy"]["likelihood"][0]
    l1 = shown["scores"]["legacy"]["likelihood"][0]
    assert (l1_before["value"], l1["value"]) == (6, 1)
    assert l1_before["evidence"].startswith("Go 1.24: out of support since 10/02/2026")
    assert "supported, no end announced" in l1["evidence"]
    assert ranked["catalogue"].endswith("+imported")
    assert ranked["systems"] != ranked_before["systems"]
    assert estates["v0"] == estates["v1"], "the same data in v0's shape reports the same"
