"""The lifecycle catalogue and matching free-text components to it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import estate.catalogue
from estate.catalogue import builtin, builtin_version
from estate.catalogue.endoflife import load_catalogue, read_lifecycle, store_lifecycle
from estate.errors import InputError
from tests.conftest import SHARED_REFERENCE, Run


def test_the_catalogue_covers_at_least_fifty_product_lines() -> None:
    products = builtin().products
    assert len([p for p in products.values() if not p.evergreen]) >= 50


def test_the_three_dates_are_kept_apart() -> None:
    cycle = builtin().match("Windows Server 2008 R2").cycle
    assert cycle is not None
    assert (cycle.support_end, cycle.security_end, cycle.extended_end) == (
        dt.date(2015, 1, 13),
        dt.date(2020, 1, 14),
        dt.date(2023, 1, 10),
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("Foo Widget 1.2", "product not in the catalogue"),
        ("Windows Server", "no version given"),
        ("PHP 3.0", "'3 0' is not a known PHP release"),
    ],
)
def test_what_does_not_match_says_why(text: str, why: str) -> None:
    match = builtin().match(text)
    assert not match.matched
    assert match.note is not None and why in match.note


def test_an_ambiguous_version_takes_the_earliest_end_and_says_so() -> None:
    match = builtin().match("Tomcat 8")
    assert match.cycle is not None and match.cycle.cycle == "8.0"
    assert match.note == "ambiguous: version 8 could be several releases; assumed 8.0 (also 8.5)"


def test_evergreen_services_match_without_a_release() -> None:
    match = builtin().match("ServiceNow Washington")
    assert match.matched and match.cycle is None


def test_a_per_product_file_in_the_api_shape_replaces_the_builtin_releases(
    empty_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "tomcat.json"
    path.write_text(
        json.dumps(
            [
                {"cycle": "7", "eol": "2021-03-31", "support": True},
                {"cycle": "9", "eol": False},
                {"cycle": "6", "eol": True},
            ]
        )
    )
    cycles = read_lifecycle(path)
    with empty_engine.begin() as connection:
        assert store_lifecycle(connection, cycles, dt.datetime(2026, 1, 1, tzinfo=dt.UTC)) == 3
        catalogue = load_catalogue(connection)
    tomcat = catalogue.products["tomcat"]
    assert [c.cycle for c in tomcat.cycles] == ["7", "9", "6"]
    six = catalogue.match("Apache Tomcat 6").cycle
    assert six is not None and six.security_ended and six.security_end is None
    assert catalogue.match("Tomcat 8.5").cycle is None, "imported releases replace the built-in"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        ('{"a": 1}', "expected a list of releases"),
        ('[{"eol": "2020-01-01"}]', "needs a 'cycle'"),
        ('[{"cycle": "1", "eol": "soon"}]', "is not a date"),
    ],
)
def test_bad_lifecycle_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_lifecycle(path)


REFERENCE = SHARED_REFERENCE / "endoflife.json"


@pytest.mark.skipif(not REFERENCE.exists(), reason="the endoflife.date reference copy is absent")
def test_the_real_endoflife_catalogue_loads_and_matches(run: Run, tmp_path: Path) -> None:
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    result = run("--db", db_path, "catalogue", "import", REFERENCE)
    assert result.exit_code == 0, result.output
    assert "releases of 464 products" in result.stderr
    shown = run("--db", db_path, "catalogue", "show", "mssqlserver", "--json")
    releases = {r["cycle"]: r for r in json.loads(shown.stdout)["releases"]}
    assert releases["11.0-sp4"]["security_end"] == "2022-07-12"
    matched = run("--db", db_path, "catalogue", "match", "MS SQL 2012 SP4")
    assert "SQL Server 2012 SP4" in matched.stdout
    rhel = run("--db", db_path, "catalogue", "match", "RHEL 6.10")
    assert "Red Hat Enterprise Linux 6" in rhel.stdout
    # a product only the imported data knows is matched by its title
    assert (
        "Alpine Linux 3.20"
        in run("--db", db_path, "catalogue", "match", "Alpine Linux 3.20").stdout
    )


@pytest.mark.skipif(not REFERENCE.exists(), reason="the endoflife.date reference copy is absent")
def test_one_product_can_be_taken_from_the_whole_catalogue() -> None:
    cycles = read_lifecycle(REFERENCE, product="rhel")
    assert {c.cycle.product for c in cycles} == {"rhel"}
    six = next(c.cycle for c in cycles if c.cycle.cycle == "6")
    assert (six.security_end, six.extended_end) == (dt.date(2020, 11, 30), dt.date(2024, 6, 30))


def test_one_products_releases_imported_are_counted_in_the_singular(
    run: Run, tmp_path: Path
) -> None:
    bundled = Path(estate.catalogue.__file__).with_name("endoflife.json")
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    result = run("--db", db_path, "catalogue", "import", bundled, "--product", "rhel")
    assert result.exit_code == 0, result.output
    assert " releases of 1 product from endoflife.json." in result.stderr


def test_catalogue_show_and_match_work_without_a_database(run: Run, tmp_path: Path) -> None:
    missing = tmp_path / "none.db"
    shown = run("--db", missing, "catalogue", "show", "solaris", "--json")
    assert shown.exit_code == 0, shown.output
    releases = {r["cycle"]: r for r in json.loads(shown.stdout)["releases"]}
    assert releases["11"]["governed_by"] == "11.4"
    assert "the built-in catalogue" in shown.stderr
    matched = run("--db", missing, "catalogue", "match", "W2K8R2")
    assert matched.exit_code == 0
    assert matched.stdout.startswith("'W2K8R2' -> Windows Server 2008 R2 (security support ends")
    assert not missing.exists(), "looking at the catalogue creates no database"


@pytest.mark.parametrize(
    ("text", "dates"),
    [
        # (mainstream, security, extended) as endoflife.date gives them
        ("Java 17", (None, dt.date(2026, 9, 30), dt.date(2029, 9, 30))),
        ("Java 21", (None, dt.date(2028, 9, 30), dt.date(2031, 9, 30))),
        (".NET Framework 4.7.2", (None, None, None)),
        ("Solaris 11.3", (None, dt.date(2021, 1, 1), dt.date(2027, 1, 1))),
        ("Solaris 11.4", (None, dt.date(2031, 11, 1), dt.date(2037, 11, 1))),
        ("Solaris 8", (None, dt.date(2009, 3, 1), dt.date(2012, 3, 1))),
        ("AIX 7.2", (None, None, None)),
        ("AIX 7.2.4", (None, dt.date(2022, 11, 30), None)),
        ("Windows Server 2016", (dt.date(2022, 1, 11), dt.date(2027, 1, 12), dt.date(2030, 1, 12))),
        ("RHEL 8", (dt.date(2024, 5, 31), dt.date(2029, 5, 31), dt.date(2033, 5, 31))),
        ("Ubuntu 22.04", (dt.date(2024, 9, 30), dt.date(2027, 4, 1), dt.date(2032, 4, 9))),
        ("SQL Server 2016", (dt.date(2026, 7, 14), dt.date(2026, 7, 14), dt.date(2029, 7, 17))),
        ("Oracle 10.2", (None, dt.date(2010, 7, 31), dt.date(2015, 7, 31))),
        ("Db2 9.7", (None, dt.date(2017, 9, 30), dt.date(2025, 4, 30))),
        ("Exchange 2019", (dt.date(2024, 1, 9), dt.date(2025, 10, 14), dt.date(2026, 11, 1))),
    ],
)
def test_the_built_in_dates_are_endoflife_dates(
    text: str, dates: tuple[dt.date | None, ...]
) -> None:
    cycle = builtin().match(text).cycle
    assert cycle is not None
    assert (cycle.support_end, cycle.security_end, cycle.extended_end) == dates
    assert cycle.source == "endoflife.date 2026-08"


def test_windows_11_takes_its_dates_from_a_release_endoflife_date_lists() -> None:
    cycle = builtin().match("Windows 11").cycle
    assert cycle is not None and cycle.governed_by is not None
    assert cycle.governed_by.startswith("11-")
    listed = {c.cycle: c for c in builtin().products["windows"].cycles}
    assert listed[cycle.governed_by].security_end == cycle.security_end


def test_openjdk_is_not_oracle_java() -> None:
    oracle, openjdk = builtin().match("Java 11"), builtin().match("OpenJDK 11")
    assert oracle.product is not None and oracle.product.key == "java"
    assert openjdk.product is not None and openjdk.product.key == "openjdk"
    assert openjdk.cycle is not None and openjdk.cycle.security_end == dt.date(2024, 10, 31)


@pytest.mark.parametrize("name", ["oracle-solaris.json", "solaris.json"])
def test_an_import_maps_endoflife_keys_and_governs_lines_by_their_latest_release(
    empty_engine: Engine, tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    path.write_text(
        json.dumps(
            [
                {"cycle": "11.4", "releaseDate": "2018-08-28", "eol": "2031-11-01"},
                {"cycle": "11.3", "releaseDate": "2015-10-26", "eol": "2021-01-01"},
                {"cycle": "11", "releaseDate": "2011-11-09", "eol": True},
                {"cycle": "10", "releaseDate": "2005-01-31", "eol": "2018-01-01"},
            ]
        )
    )
    cycles = read_lifecycle(path)
    assert {c.cycle.product for c in cycles} == {"solaris"}
    with empty_engine.begin() as connection:
        store_lifecycle(connection, cycles, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        catalogue = load_catalogue(connection)
    releases = {c.cycle: c for c in catalogue.products["solaris"].cycles}
    assert set(releases) == {"11.4", "11.3", "11.0", "10", "11"}
    assert releases["11"].security_end == dt.date(2031, 11, 1), "11 is 11.4, its latest"
    assert releases["11.0"].security_ended and releases["11.0"].security_end is None
    solaris_11 = catalogue.match("SunOS 5.11").cycle
    assert solaris_11 is not None and solaris_11.cycle == "11"


def test_an_import_keeps_the_releases_kept_by_hand(empty_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ibm-aix.json"
    path.write_text(json.dumps([{"cycle": "7.3.0", "eol": "2024-12-31"}]))
    with empty_engine.begin() as connection:
        store_lifecycle(connection, read_lifecycle(path), dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        catalogue = load_catalogue(connection)
    names = {c.cycle for c in catalogue.products["aix"].cycles}
    assert names == {"7.3.0", "7.3", "5.3"}, "AIX 5.3 is kept by hand: endoflife.date lacks it"


def test_match_says_which_release_governs_a_line(run: Run, tmp_path: Path) -> None:
    shown = run("--db", tmp_path / "none.db", "catalogue", "match", "SQL Server 2012")
    text = " ".join(shown.stdout.split())
    assert text.startswith("'SQL Server 2012' -> SQL Server 2012 (security support ends 12/07/2022")
    assert "dates of SQL Server 2012 SP4, the line's latest release" in text
    aix = " ".join(
        run("--db", tmp_path / "none.db", "catalogue", "match", "AIX 7.2").stdout.split()
    )
    assert "security support ends not announced" in aix


def test_an_ambiguous_version_assumes_the_release_whose_security_support_ends_first() -> None:
    # Oracle 12.2's last date (paid support) ends before 12.1's, but 12.1's security support
    # ended first (31/07/2018 against 31/03/2022): the cautious reading is 12.1.
    match = builtin().match("Oracle 12c")
    assert match.cycle is not None and match.cycle.cycle == "12.1"
    assert match.note == "ambiguous: version 12 could be several releases; assumed 12.1 (also 12.2)"


@pytest.mark.parametrize(
    ("text", "hint", "product"),
    [
        ("Oracle 19", "Database", "oracle-database"),
        ("SQL Server 2016 on Windows Server 2012 R2", "Server Windows", "windows-server"),
        ("SQL Server 2016 on Windows Server 2012 R2", "Database MS SQL", "mssqlserver"),
        ("IBM 7.2", "Server AIX", "aix"),
        ("15.0.4455.2", "Database MS SQL", "mssqlserver"),
        ("7.9", "Server Red Hat", "rhel"),
    ],
)
def test_a_class_hint_chooses_the_product(text: str, hint: str, product: str) -> None:
    match = builtin().match(text, hint=hint)
    assert match.product is not None and match.product.key == product
    assert match.cycle is not None and match.text == text


def test_without_a_hint_the_text_alone_decides() -> None:
    assert builtin().match("15.0.4455.2").product is None
    match = builtin().match("Oracle 8")
    assert match.product is not None and match.product.key == "oracle-database"


def test_every_product_name_begins_with_a_beginning_the_index_lists() -> None:
    # The matcher tries a name only where a text has a word beginning with one of the
    # beginnings its first_prefixes gives; a name found at a word outside them would be
    # missed. Every product's own spellings, and the texts of the corpus, are checked.
    from estate.catalogue.recognise import first_prefixes, read
    from tests.test_match_corpus import CORPUS

    texts = [read(entry.text)[0] for entry in CORPUS]
    for product in builtin().products.values():
        texts += [read(product.title)[0], read(product.key.replace("-", " "))[0]]
    for product in builtin().products.values():
        for pattern in product.names:
            beginnings = first_prefixes(pattern.pattern)
            for text in texts:
                for found in pattern.finditer(text):
                    assert any(found[0].startswith(b) for b in beginnings), (pattern.pattern, text)


def _l1(text: str) -> tuple[int | None, str]:
    from estate.scoring.legacy import criterion
    from estate.scoring.policy import load_policy
    from tests.scoring_facts import component, facts

    system = facts(components=[component(text)])
    policy = load_policy(as_of=dt.date(2026, 11, 1))
    found = criterion("L1", "End of life / end of support", system, policy, "")
    return found.value, found.evidence


def test_a_release_with_no_announced_end_scores_l1_one() -> None:
    score, evidence = _l1("IIS 10.0")
    assert score == 1
    assert evidence == "IIS 10.0: supported, no end announced (catalogue: Microsoft IIS 10.0)"


def test_a_product_without_a_release_leaves_l1_unknown() -> None:
    assert _l1("Windows Server") == (None, "not known")


def test_validate_names_each_technology_cell_the_catalogue_cannot_place(
    run: Run, tmp_path: Path
) -> None:
    source = tmp_path / "components.csv"
    source.write_text(
        "Department,System reference,Component type,Product,Version\n"
        "DBP,X-1,Operating system,Amazon Linux,2023\n"
        "DBP,X-1,Database,Azure SQL,\n"
        "DBP,X-2,Application package,Access,2003\n"
        "DBP,X-2,Language/runtime,C# .NET,4.5\n"
        "DBP,X-3,Operating system,Amazon Linx,2023\n"
        "DBP,X-3,Middleware,Tomcat,3.3\n"
        "DBP,X-4,Hardware,IBM z13,\n",
        encoding="utf-8",
    )
    db_path = tmp_path / "e.db"
    assert run("--db", db_path, "init").exit_code == 0
    result = run("--db", db_path, "validate", source, "--json")
    problems = json.loads(result.output)[0]["problems"]
    unplaced = [p for p in problems if "lifecycle catalogue cannot place" in p["message"]]
    assert [(p["row"], p["column"], p["value"]) for p in unplaced] == [
        (6, "D", "Amazon Linx 2023"),
        (7, "D", "Tomcat 3.3"),
    ]
    assert all(p["severity"] == "warning" for p in unplaced)
    assert "closest: 'Amazon Linux'" in unplaced[0]["message"]
    assert "version '3 3' is not a known Apache Tomcat release" in unplaced[1]["message"]
    assert "'11.0'" in unplaced[1]["message"]


def test_a_product_of_no_kind_added_by_an_import_does_not_outrank_a_longer_name() -> None:
    from estate.catalogue import Cycle

    catalogue = builtin().with_cycles([Cycle("acme-os", "1")], {"acme-os": "Acme OS"})
    assert catalogue.products["acme-os"].kind is None
    match = catalogue.match("Microsoft Windows Server 2019 Standard on Acme OS 1")
    assert match.product is not None and match.product.key == "windows-server"
    assert catalogue.match("Acme OS 1").cycle == catalogue.products["acme-os"].cycles[0]


@pytest.mark.parametrize(
    ("pattern", "beginnings"),
    [
        (r"\b(?:microsoft |ms )?office\b", {"mic", "ms", "off"}),
        (r"\bw(?:in(?:dows)?)? ?2 ?k(?= \d)", {"win", "w"}),
        (r"\b(?:oracle |sun )?(?:java|jdk)\b", {"ora", "sun", "jav", "jdk"}),
        (r"\bpg(?= \d)", {"pg"}),
        (r"^go$", {"go"}),
        (r"\bz/?os\b", {"z"}),
        (r"\besxi?\b", {"esx"}),
        (r"\bdb ?2\b", {"db"}),
        (r"\bsql\d+\b", {"sql"}),
    ],
)
def test_first_prefixes_follow_optional_groups_and_alternatives(
    pattern: str, beginnings: set[str]
) -> None:
    from estate.catalogue.recognise import first_prefixes

    assert first_prefixes(pattern) == beginnings


def test_a_name_the_reader_cannot_follow_may_begin_anywhere() -> None:
    from estate.catalogue.recognise import ANYWHERE, first_prefixes

    assert first_prefixes(r"[a-z]+ server") == ANYWHERE
    assert first_prefixes(r"(?=x)y") == ANYWHERE
    assert first_prefixes(r"a+b") == {"a"}


@pytest.mark.parametrize(
    ("text", "product", "cycle"),
    [
        # Azure Migrate's CSV import: its OS names carry a major, the OS version repeats it
        ("VMware ESXi 6 6.7", "vmware-esxi", "6.7"),
        ("Debian GNU/Linux 8 8.11", "debian", "8"),
        ("Windows 10 10.0.19045", "windows", "10-22h2"),
    ],
)
def test_a_major_the_name_carries_and_the_version_repeats_is_read_once(
    text: str, product: str, cycle: str
) -> None:
    match = builtin().match(text)
    assert match.product is not None and match.product.key == product
    assert match.cycle is not None and match.cycle.cycle == cycle


def test_a_version_whose_numbers_repeat_is_not_read_as_a_repeated_major() -> None:
    match = builtin().match("Apache/1.1.3")
    assert match.product is not None and match.cycle is None  # 1.1 is no release of it


def test_a_build_number_names_its_service_pack() -> None:
    from estate.catalogue.recognise import by_build

    builds = ((("13", "0"), ((1601, "rtm"), (4001, "sp1"), (5026, "sp2"), (6300, "sp3"))),)
    assert by_build(builds, ["13", "0", "5026", "0"]) == ["13", "0", "sp", "2"]
    assert by_build(builds, ["13", "0", "6430", "49"]) == ["13", "0", "sp", "3"]
    assert by_build(builds, ["13", "0", "1400"]) is None
    assert by_build(builds, ["13", "0", "sp", "2"]) is None
    assert by_build(builds, ["12", "0", "5000"]) is None


def test_every_release_a_titles_table_names_is_shown_by_that_title() -> None:
    # builtin.toml's `titles` name releases whose keys are not how people say them
    # ("zos-11" is "Db2 for z/OS 11"), hand-kept releases as much as endoflife.date's.
    import tomllib
    from importlib import resources

    data = tomllib.loads(
        resources.files("estate.catalogue").joinpath("builtin.toml").read_text("utf-8")
    )
    checked = 0
    for key, spec in data["products"].items():
        cycles = {c.cycle: c for c in builtin().products[key].cycles}
        for cycle, title in spec.get("titles", {}).items():
            if cycle in cycles:
                assert cycles[cycle].label == title, (key, cycle)
                checked += 1
    assert checked > 0
    assert builtin().match("DB2 for z/OS V11").release == "Db2 for z/OS 11"


def test_a_bare_nt_build_is_read_as_desktop_and_server_windows_cautiously() -> None:
    # 10.0.17763 is both Windows 10 1809 and Windows Server 2019: the release whose security
    # support ends first is assumed, and the note names the other product's release too.
    match = builtin().match("10.0.17763")
    assert match.product is not None and match.product.key == "windows"
    assert match.cycle is not None and match.cycle.cycle == "10-1809-w"
    assert match.note is not None and match.note.startswith(
        "ambiguous: version 10.0.17763 could be several releases; assumed "
    )
    assert "Windows Server 2019" in match.note


def test_a_bare_nt_build_only_one_product_has_is_that_product() -> None:
    # 20348 is Windows Server 2022's alone, 19045 Windows 10 22H2's alone.
    server = builtin().match("OS Version:                10.0.20348 N/A Build 20348")
    assert server.product is not None and server.product.key == "windows-server"
    assert server.cycle is not None and server.cycle.cycle == "2022"
    assert server.note is None
    desktop = builtin().match("10.0.19045")
    assert desktop.product is not None and desktop.product.key == "windows"
    assert desktop.cycle is not None and desktop.cycle.cycle == "10-22h2"


def test_a_text_that_only_looks_like_an_nt_build_is_not_read_as_windows() -> None:
    assert builtin().match("10.11").product is None
    assert builtin().match("Ubuntu 10.04.4 LTS").product is not None


def test_no_release_is_shown_by_its_bare_key() -> None:
    # endoflife.date's keys ("10-22h2-e", "standard-7-sp1", "2008-sp2") are not names: each
    # release is shown as a person writes it.
    import re

    for product in builtin().products.values():
        for cycle in product.cycles:
            if "-" in cycle.cycle and re.search(r"[a-z]", cycle.cycle):
                assert cycle.cycle not in cycle.label, (product.key, cycle.label)
    labels = {
        text: builtin().match(text).release
        for text in (
            "Windows 10 Enterprise LTSC 2019",
            "Windows Embedded Standard 7 SP1",
            "Windows 11 Pro 23H2",
        )
    }
    assert labels == {
        "Windows 10 Enterprise LTSC 2019": "Windows 10 1809 Enterprise and Education LTSC",
        "Windows Embedded Standard 7 SP1": "Windows Embedded Standard 7 SP1",
        "Windows 11 Pro 23H2": "Windows 11 23H2 Home and Pro",
    }


def test_the_built_in_version_read_alone_is_the_built_catalogues() -> None:
    assert builtin_version() == builtin().version
    assert "endoflife.date 20" in builtin_version()
